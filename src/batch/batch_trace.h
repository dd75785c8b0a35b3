/* batch_trace: batch mode for one trace: its timeline (Gantt chart, "where
 * the time went"), one segment's details (every tab), or the trace as
 * BatchGetTraces JSON.  Draws with view/timeline.h and view/details.h, so
 * it prints what the TUI shows. */
#ifndef XRTOP_BATCH_BATCH_TRACE_H
#define XRTOP_BATCH_BATCH_TRACE_H

#include <stdio.h>

#include "batch/batch.h"
#include "model/trace.h"
#include "options.h"
#include "session.h"

/* Prints the timeline of t (or, with -o json, t as a BatchGetTraces
 * response; with -o ndjson, its Trace object on one line).  Returns -1
 * when writing failed (errno set). */
int batch_print_timeline(FILE *out, const struct xr_trace *t, const struct batch_format *fmt);
/* Prints every details tab of segment s of t (or, with -o json/ndjson, the
 * segment document).  Returns -1 when writing failed. */
int batch_print_details(FILE *out, const struct xr_trace *t, const struct xr_segment *s,
                        const struct batch_format *fmt);

/* --view timeline or details once the session's data is in: picks the
 * trace (--trace, else the one holding --segment, else the first the list
 * shows), reports its data problems and prints it in width columns (0:
 * 100) with utf8 flags.  Returns a batchrun exit status; a trace or segment
 * that is not there is reported by its id (exit 1). */
int batch_trace_run(const struct options *o, const struct session *s, size_t width, unsigned flags);

#endif
