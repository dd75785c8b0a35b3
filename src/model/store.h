/* store: every trace and summary xrtop knows, indexed by trace id, and what
 * the sources learnt about the traces as a whole: the X-Ray groups
 * (GetGroups) and the service graph (GetServiceGraph) of the window.
 *
 * An entry may hold a summary (from GetTraceSummaries or a summaries file), a
 * full trace, or both.  The groups and the graph are owned by the store and
 * replaced whole by each fetch.  The generation counter grows with every
 * change (entries, groups or graph) so views know when to redraw.  Entries
 * keep their insertion order; each has a sequence number that never repeats,
 * even after store_evict() removed older entries, and that is renewed when a
 * new summary of the trace differs from the one held (a partial trace
 * completing), so "entries added or changed since" is a sequence number. */
#ifndef XRTOP_MODEL_STORE_H
#define XRTOP_MODEL_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/group.h"
#include "model/summary.h"
#include "model/svcgraph.h"
#include "model/trace.h"
#include "util/arena.h"

struct xr_store_entry {
	struct xr_summary *api_summary; /* as the API gave it, or NULL */
	struct arena *summary_arena;    /* owns api_summary */
	struct xr_trace *trace;         /* full trace, or NULL */
	size_t seq;                     /* when added or last changed; never reused */
};

struct xr_store;

struct xr_store *store_new(void);
void store_free(struct xr_store *s);
/* Adds or replaces the API summary of its trace id (a different one renews
 * the entry's seq); takes ownership of arena. */
struct xr_store_entry *store_add_summary(struct xr_store *s, struct xr_summary *sum,
                                         struct arena *arena);
/* Adds a full trace, merging it with documents already held for the same
 * id; takes ownership of t (which may be freed by the merge). */
struct xr_store_entry *store_add_trace(struct xr_store *s, struct xr_trace *t);
struct xr_store_entry *store_find(const struct xr_store *s, const char *id);
size_t store_count(const struct xr_store *s);
/* The i-th entry in insertion order. */
struct xr_store_entry *store_entry(const struct xr_store *s, size_t i);
unsigned long store_generation(const struct xr_store *s);
/* The seq the next new or changed entry will get: entries with seq >= this
 * one were added or changed after the call. */
size_t store_next_seq(const struct xr_store *s);
/* Whether an entry must stay (e.g. its full trace is on its way). */
typedef bool (*store_pinned_fn)(void *ctx, const struct xr_store_entry *e);
/* Removes the oldest entries (by start time) not pinned until at most max
 * remain (or only pinned ones are left); returns how many went.  Pointers to removed
 * entries become invalid. */
size_t store_evict(struct xr_store *s, size_t max, store_pinned_fn pinned, void *ctx);
/* The summary to show: the API's when present, else the computed one. */
const struct xr_summary *store_entry_summary(const struct xr_store_entry *e);

/* Replaces the groups with groups[0..n) (NULL, 0: none); takes ownership. */
void store_set_groups(struct xr_store *s, struct xr_group *groups, size_t n);
/* The groups last set (NULL and *n = 0 when none). */
const struct xr_group *store_groups(const struct xr_store *s, size_t *n);
/* Replaces the service graph with g (NULL: none); takes ownership. */
void store_set_service_graph(struct xr_store *s, struct xr_service_graph *g);
/* The service graph last set, or NULL. */
const struct xr_service_graph *store_service_graph(const struct xr_store *s);

#endif
