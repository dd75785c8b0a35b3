#include "config.h"

#include "model/store.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/xmalloc.h"

struct xr_store {
	struct xr_store_entry **entries; /* insertion order */
	size_t n, cap;
	struct hash_index index; /* id -> entry index */
	size_t next_seq;
	unsigned long generation;
	struct xr_group *groups;
	size_t n_groups;
	struct xr_service_graph *graph;
};

static const char *
entry_id(const struct xr_store_entry *e)
{
	return e->trace ? e->trace->id : e->api_summary->id;
}

static void entry_free(struct xr_store_entry *e);

struct xr_store *
store_new(void)
{
	struct xr_store *s = xcalloc(1, sizeof *s);
	hash_index_init(&s->index, 500);
	return s;
}

void
store_free(struct xr_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		entry_free(s->entries[i]);
	free(s->entries);
	hash_index_free(&s->index);
	group_list_free(s->groups, s->n_groups);
	svcgraph_free(s->graph);
	free(s);
}

static const char *
key_of(const void *entries, size_t i)
{
	return entry_id(((struct xr_store_entry *const *)entries)[i]);
}

static uint64_t
hash_of(const void *entries, size_t i)
{
	return hash_str(key_of(entries, i));
}

static size_t *
store_slot(const struct xr_store *s, const char *id)
{
	return hash_index_str_slot(&s->index, id, key_of, s->entries);
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
	e->seq = s->next_seq++;
	s->entries[s->n++] = e;
	return e;
}

static void
store_index_new(struct xr_store *s, struct xr_store_entry *e)
{
	*store_slot(s, entry_id(e)) = s->n; /* e is the last entry */
	hash_index_added(&s->index, s->n, hash_of, s->entries);
}

static bool
same_number(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/* Whether what a list shows of a trace differs between two summaries. */
static bool
summary_changed(const struct xr_summary *a, const struct xr_summary *b)
{
	return !same_number(a->duration, b->duration) ||
	       !same_number(a->response_time, b->response_time) || a->has_error != b->has_error ||
	       a->has_fault != b->has_fault || a->has_throttle != b->has_throttle ||
	       a->is_partial != b->is_partial || a->revision != b->revision ||
	       a->http.status != b->http.status || a->n_service_ids != b->n_service_ids;
}

struct xr_store_entry *
store_add_summary(struct xr_store *s, struct xr_summary *sum, struct arena *arena)
{
	bool created;
	struct xr_store_entry *e = store_entry_for(s, sum->id, &created);
	if (!created && e->api_summary && summary_changed(e->api_summary, sum))
		e->seq = s->next_seq++;
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

size_t
store_next_seq(const struct xr_store *s)
{
	return s->next_seq;
}

static void
entry_free(struct xr_store_entry *e)
{
	trace_free(e->trace);
	arena_free(e->summary_arena);
	free(e);
}

/* Oldest start first (no start time counts as oldest), then by seq. */
static int
cmp_age(const void *x, const void *y)
{
	const struct xr_store_entry *a = *(struct xr_store_entry *const *)x;
	const struct xr_store_entry *b = *(struct xr_store_entry *const *)y;
	const struct xr_summary *sa = store_entry_summary(a), *sb = store_entry_summary(b);
	double ta = sa && !isnan(sa->start_time) ? sa->start_time : -INFINITY;
	double tb = sb && !isnan(sb->start_time) ? sb->start_time : -INFINITY;
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

size_t
store_evict(struct xr_store *s, size_t max, store_pinned_fn pinned, void *ctx)
{
	if (s->n <= max)
		return 0;
	size_t excess = s->n - max, n_cand = 0;
	struct xr_store_entry **cand = xmalloc(s->n * sizeof *cand);
	for (size_t i = 0; i < s->n; i++)
		if (!(pinned && pinned(ctx, s->entries[i])))
			cand[n_cand++] = s->entries[i];
	qsort(cand, n_cand, sizeof *cand, cmp_age);
	size_t removed = excess < n_cand ? excess : n_cand;
	/* mark the victims through their seq, then compact in order */
	for (size_t i = 0; i < removed; i++)
		cand[i]->seq = SIZE_MAX - cand[i]->seq;
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct xr_store_entry *e = s->entries[i];
		if (e->seq >= s->next_seq)
			entry_free(e);
		else
			s->entries[k++] = e;
	}
	free(cand);
	s->n = k;
	if (removed) {
		hash_index_rebuild(&s->index, s->n, hash_of, s->entries);
		s->generation++;
	}
	return removed;
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

void
store_set_groups(struct xr_store *s, struct xr_group *groups, size_t n)
{
	group_list_free(s->groups, s->n_groups);
	s->groups = groups;
	s->n_groups = groups ? n : 0;
	s->generation++;
}

const struct xr_group *
store_groups(const struct xr_store *s, size_t *n)
{
	*n = s->n_groups;
	return s->groups;
}

void
store_set_service_graph(struct xr_store *s, struct xr_service_graph *g)
{
	svcgraph_free(s->graph);
	s->graph = g;
	s->generation++;
}

const struct xr_service_graph *
store_service_graph(const struct xr_store *s)
{
	return s->graph;
}
