/* tracelist: the list of traces a view shows: which entries (through a
 * filter callback), in which order, with which annotation columns, and the
 * text of each cell.  Pure; used by batch mode and the TUI alike.  The TUI
 * builds its lists through a tracelist_index, which keeps every entry's
 * sort keys and its order by each key, so that re-sorting and re-filtering
 * a large store read neither the summaries nor their texts again. */
#ifndef XRTOP_VIEW_TRACELIST_H
#define XRTOP_VIEW_TRACELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/store.h"
#include "util/buf.h"
#include "view/sort.h"

#define TRACELIST_MAX_ANNOTATIONS 4

/* A row names its trace by id: keep the id, not the row or the entry,
 * across a rebuild (tracelist_find()). */
struct tracelist_row {
	const char *id; /* the trace id (owned by the summary) */
	const struct xr_store_entry *entry;
	const struct xr_summary *summary;
	uint32_t tie;   /* its place by start time, then id: how sorts break ties */
	uint32_t index; /* of its entry in the store */
	/* copied from the summary, so that sorts and statistics read one
	 * array instead of every summary in memory */
	double start_time, response_time;
	bool has_error, has_fault, has_throttle;
	/* tracelist_service(); through an index, one pointer per name, so
	 * that the same pointer is the same name */
	const char *service;
};

struct tracelist_index;

struct tracelist {
	struct tracelist_row *rows;
	size_t n_rows;
	size_t n_considered;                /* entries looked at before filtering */
	size_t n_ties;                      /* rows numbered by tracelist_build() (row.tie) */
	struct tracelist_index *index;      /* what it was built through, or NULL */
	unsigned long gen;                  /* the store's generation then */
	const struct tracelist_index *keys; /* holds the rows' sort keys, or NULL */
	const char *annotation_keys[TRACELIST_MAX_ANNOTATIONS];
	size_t n_annotation_keys;
	char *annotation_text; /* owns keys set by tracelist_set_annotations() */
};

/* Decides whether entry i of the store is listed; NULL keeps every entry. */
typedef bool (*tracelist_keep_fn)(void *ctx, size_t i, const struct xr_store_entry *e);

/* Fills tl from store: kept entries, sorted by key. */
void tracelist_build(struct tracelist *tl, const struct xr_store *store, tracelist_keep_fn keep,
                     void *ctx, enum sort_key key);
/* The same through an index of the store (brought up to date first): lists
 * built so take the entries in the order the index keeps, and sort again
 * by walking it, without reading the summaries, while the store stays as it
 * was. */
void tracelist_build_indexed(struct tracelist *tl, struct tracelist_index *x,
                             const struct xr_store *store, tracelist_keep_fn keep, void *ctx,
                             enum sort_key key);

/* The order of every entry of one store by each sort key (each computed
 * when first asked for), for lists that are built and sorted again and
 * again: the TUI's.  Caller frees with tracelist_index_free(). */
struct tracelist_index *tracelist_index_new(void);
void tracelist_index_free(struct tracelist_index *x);
/* Brings x up to date with store (everything is recomputed when the
 * store's generation changed). */
void tracelist_index_update(struct tracelist_index *x, const struct xr_store *store);
/* A row for every entry of the store, by entry (summary NULL: the entry has
 * none), valid until the next update: the entry and summary pointers
 * without reading the entries. */
const struct tracelist_row *tracelist_index_rows(const struct tracelist_index *x);
/* The full trace of every entry, by entry (NULL: none), likewise. */
const struct xr_trace *const *tracelist_index_traces(const struct tracelist_index *x);
/* A copy of every entry's summary, by entry, side by side (valid where the
 * row has a summary), likewise: what a filter reads of a summary without
 * a trip to each entry's memory. */
const struct xr_summary *tracelist_index_summaries(const struct tracelist_index *x);
/* Computes one order by a key that was not asked for yet, so that the
 * first sort by it is as quick as the others (for idle time); false when
 * there is none left or the store changed since the last update. */
bool tracelist_index_prepare(struct tracelist_index *x);
/* Sorts the rows again by key, then start time, then trace id; reverse
 * turns the order around.  Linear in the rows for numeric keys. */
void tracelist_sort(struct tracelist *tl, enum sort_key key, bool reverse);
/* Turns the order around (a list sorted by a key becomes sorted by it in
 * reverse). */
void tracelist_reverse(struct tracelist *tl);
/* Keeps the first limit rows (-1 = all). */
void tracelist_limit(struct tracelist *tl, long limit);
void tracelist_free(struct tracelist *tl);
/* The index of the row of trace id, or -1. */
long tracelist_find(const struct tracelist *tl, const char *id);
/* Chooses up to `max` annotation keys that tell the listed traces apart:
 * present on at least half of them, with 2 to 16 distinct values, highest
 * entropy first. */
void tracelist_choose_annotations(struct tracelist *tl, size_t max);
/* Sets the annotation columns explicitly (comma-separated keys). */
void tracelist_set_annotations(struct tracelist *tl, const char *keys);

/* Flags of a row as fixed letters: E error, F fault, T throttle, P partial,
 * L limit exceeded, '.' for each one not set.  out needs 6 bytes. */
void tracelist_flags(const struct tracelist_row *row, char out[6]);
/* The values of annotation key in a summary, joined with ", ". */
void tracelist_annotation_text(const struct xr_summary *s, const char *key, struct buf *out);
/* The URL to show in max_cols columns: all of it when it fits, else its
 * path and query (the host is the same for most traces of one API). */
const char *tracelist_url(const char *url, size_t max_cols);
/* The name of the root segment's service (EntryPoint), or "". */
const char *tracelist_service(const struct xr_summary *s);

#endif
