/* trace: one X-Ray trace as a tree of segments.
 *
 * A trace is built from segment documents (xray/decode.c makes them, in the
 * trace's arena), then trace_finish() links them: subsegments sent on their
 * own are merged into their parent, a segment whose parent_id names a
 * subsegment of another document hangs under that subsegment, and what cannot
 * be linked becomes a root.  Problems in the data (missing parents, duplicate
 * ids, end before start, cycles) are recorded in `problems` and never stop
 * the rest of the trace from loading.  The types themselves are in
 * model/tracedata.h. */
#ifndef XRTOP_MODEL_TRACE_H
#define XRTOP_MODEL_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/tracedata.h"

/* A new empty trace; id may be NULL (taken from the first document). */
struct xr_trace *trace_new(const char *id);
/* Like trace_new(), sizing the arena for json_size bytes of segment JSON. */
struct xr_trace *trace_new_sized(const char *id, size_t json_size);
void trace_free(struct xr_trace *t);
/* Adds a decoded document (allocated in t->arena). */
void trace_add_document(struct xr_trace *t, struct xr_segment *doc);
/* Records a data problem (printf-style). */
void trace_add_problem(struct xr_trace *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Moves every document and problem of src into dst, frees src. */
void trace_merge(struct xr_trace *dst, struct xr_trace *src);
/* Links documents into a tree and computes nodes, edges and the summary.
 * May be called again after more documents were added. */
void trace_finish(struct xr_trace *t);
/* The segment or subsegment with this id, or NULL. */
struct xr_segment *trace_find_segment(const struct xr_trace *t, const char *id);

#endif
