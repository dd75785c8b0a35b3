#include "config.h"

#include "util/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

#define ARENA_FIRST_CHUNK 512
#define ARENA_MAX_CHUNK (256 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct arena_chunk *head;
	size_t total;
};

struct arena *
arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
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

void *
arena_alloc(struct arena *a, size_t size)
{
	const size_t align = alignof(max_align_t);
	size = (size + align - 1) & ~(align - 1);
	struct arena_chunk *c = a->head;
	if (!c || c->size - c->used < size) {
		size_t want = c ? c->size * 2 : ARENA_FIRST_CHUNK;
		if (want > ARENA_MAX_CHUNK)
			want = ARENA_MAX_CHUNK;
		if (want < size)
			want = size;
		c = xmalloc(sizeof *c + want);
		c->size = want;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		a->total += sizeof *c + want;
	}
	void *p = c->data + c->used;
	c->used += size;
	return p;
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
	char *p = arena_alloc(a, n + 1);
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
