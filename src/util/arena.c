#include "config.h"

#include "util/arena.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

#define ARENA_FIRST_CHUNK 512
#define ARENA_MAX_CHUNK (256 * 1024)
/* Structs in the model hold pointers, doubles and long longs at most. */
#define ARENA_ALIGN 8

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct arena_chunk *head; /* the chunk being filled */
	size_t first;             /* size of the first chunk */
	bool sized;               /* first was an estimate of the whole */
	size_t total;
};

struct arena *
arena_new(void)
{
	return arena_new_sized(ARENA_FIRST_CHUNK);
}

struct arena *
arena_new_sized(size_t first_chunk)
{
	struct arena *a = xcalloc(1, sizeof(struct arena));
	a->first = first_chunk < 64 ? 64 : first_chunk;
	a->sized = first_chunk != ARENA_FIRST_CHUNK;
	return a;
}

void
arena_free(struct arena *a)
{
	if (!a)
		return;
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	free(a);
}

static struct arena_chunk *
chunk_new(struct arena *a, size_t size)
{
	struct arena_chunk *c = xmalloc(sizeof *c + size);
	c->size = size;
	c->used = 0;
	a->total += sizeof *c + size;
	return c;
}

static void *
arena_take(struct arena *a, size_t size, size_t align)
{
	struct arena_chunk *c = a->head;
	if (c) {
		size_t at = (c->used + align - 1) & ~(align - 1);
		if (at <= c->size && c->size - at >= size) {
			c->used = at + size;
			return c->data + at;
		}
	}
	/* An estimate that fell short needs a little more, not twice as much. */
	size_t want = !c ? a->first : a->sized ? a->first / 4 : c->size * 2;
	if (want > ARENA_MAX_CHUNK)
		want = ARENA_MAX_CHUNK;
	if (c && size > want / 2) {
		/* A large block gets a chunk of its own behind the current one,
		 * whose free space stays in use. */
		struct arena_chunk *big = chunk_new(a, size);
		big->used = size;
		big->next = c->next;
		c->next = big;
		return big->data;
	}
	if (want < size)
		want = size;
	c = chunk_new(a, want);
	c->next = a->head;
	a->head = c;
	c->used = size;
	return c->data;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	return arena_take(a, size, ARENA_ALIGN);
}

void *
arena_zalloc(struct arena *a, size_t size)
{
	void *p = arena_alloc(a, size);
	memset(p, 0, size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_take(a, n + 1, 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

void *
arena_memdup(struct arena *a, const void *p, size_t n, size_t elem)
{
	if (n == 0)
		return NULL;
	void *q = arena_alloc(a, n * elem);
	memcpy(q, p, n * elem);
	return q;
}

void
arena_adopt(struct arena *a, struct arena *src)
{
	if (!src)
		return;
	struct arena_chunk *c = src->head;
	while (c) {
		struct arena_chunk *next = c->next;
		/* Keep a's current chunk first so its free space stays in use. */
		if (a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = NULL;
			a->head = c;
		}
		c = next;
	}
	a->total += src->total;
	free(src);
}

size_t
arena_size(const struct arena *a)
{
	return sizeof *a + a->total;
}
