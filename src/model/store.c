#include "config.h"

#include "model/store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/xmalloc.h"

struct xr_store {
	struct xr_store_entry **entries; /* insertion order */
	size_t n, cap;
	size_t *slots; /* open addressing: entry index + 1, 0 = empty */
	size_t mask;
	unsigned long generation;
};

static const char *
entry_id(const struct xr_store_entry *e)
{
	return e->trace ? e->trace->id : e->api_summary->id;
}

struct xr_store *
store_new(void)
{
	struct xr_store *s = xcalloc(1, sizeof *s);
	s->mask = 1023;
	s->slots = xcalloc(s->mask + 1, sizeof *s->slots);
	return s;
}

void
store_free(struct xr_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		trace_free(s->entries[i]->trace);
		arena_free(s->entries[i]->summary_arena);
		free(s->entries[i]);
	}
	free(s->entries);
	free(s->slots);
	free(s);
}

static size_t *
store_slot(const struct xr_store *s, const char *id)
{
	size_t i = hash_str(id) & s->mask;
	while (s->slots[i] && strcmp(entry_id(s->entries[s->slots[i] - 1]), id) != 0)
		i = (i + 1) & s->mask;
	return &s->slots[i];
}

static void
store_rehash(struct xr_store *s)
{
	free(s->slots);
	s->mask = s->mask * 2 + 1;
	s->slots = xcalloc(s->mask + 1, sizeof *s->slots);
	for (size_t i = 0; i < s->n; i++)
		*store_slot(s, entry_id(s->entries[i])) = i + 1;
}

/* The entry for id, created (empty) when missing. */
static struct xr_store_entry *
store_entry_for(struct xr_store *s, const char *id, bool *created)
{
	size_t *slot = store_slot(s, id);
	if (*slot) {
		*created = false;
		return s->entries[*slot - 1];
	}
	*created = true;
	XGROW(s->entries, s->cap, s->n + 1);
	struct xr_store_entry *e = xcalloc(1, sizeof *e);
	e->seq = s->n;
	s->entries[s->n++] = e;
	return e;
}

static void
store_index_new(struct xr_store *s, struct xr_store_entry *e)
{
	*store_slot(s, entry_id(e)) = e->seq + 1;
	if (s->n * 2 > s->mask)
		store_rehash(s);
}

struct xr_store_entry *
store_add_summary(struct xr_store *s, struct xr_summary *sum, struct arena *arena)
{
	bool created;
	struct xr_store_entry *e = store_entry_for(s, sum->id, &created);
	arena_free(e->summary_arena);
	e->api_summary = sum;
	e->summary_arena = arena;
	if (created)
		store_index_new(s, e);
	s->generation++;
	return e;
}

struct xr_store_entry *
store_add_trace(struct xr_store *s, struct xr_trace *t)
{
	bool created;
	struct xr_store_entry *e = store_entry_for(s, t->id, &created);
	if (e->trace) {
		trace_merge(e->trace, t);
		trace_finish(e->trace);
	} else {
		e->trace = t;
	}
	if (created)
		store_index_new(s, e);
	s->generation++;
	return e;
}

struct xr_store_entry *
store_find(const struct xr_store *s, const char *id)
{
	size_t slot = *store_slot(s, id);
	return slot ? s->entries[slot - 1] : NULL;
}

size_t
store_count(const struct xr_store *s)
{
	return s->n;
}

struct xr_store_entry *
store_entry(const struct xr_store *s, size_t i)
{
	return i < s->n ? s->entries[i] : NULL;
}

unsigned long
store_generation(const struct xr_store *s)
{
	return s->generation;
}

const struct xr_summary *
store_entry_summary(const struct xr_store_entry *e)
{
	if (e->api_summary)
		return e->api_summary;
	return e->trace ? &e->trace->summary : NULL;
}
