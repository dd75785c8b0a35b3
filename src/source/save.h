/* save: the --save file.  Traces are written as they arrive, each one's
 * JSON exactly as BatchGetTraces returned it, into one BatchGetTraces-shaped
 * document ({"Traces": [...], "UnprocessedTraceIds": [...]}) that --load
 * reads back.  The file is written as FILE.tmp and renamed at the end, so
 * an interrupted run never leaves a half-written FILE ("-" writes to
 * standard output instead). */
#ifndef XRTOP_SOURCE_SAVE_H
#define XRTOP_SOURCE_SAVE_H

#include <stddef.h>

#include "util/err.h"

struct save;

/* Opens path.tmp (or standard output for "-").  Caller finishes or aborts. */
struct save *save_open(const char *path, struct xr_err *err);
/* Appends one trace object (JSON text, written as is). */
int save_trace(struct save *s, const char *json, size_t len);
/* Writes the ids that could not be fetched, closes, renames path.tmp to
 * path.  Frees s. */
int save_finish(struct save *s, char *const *unfetched, size_t n, struct xr_err *err);
/* Removes path.tmp.  Frees s. */
void save_abort(struct save *s);
size_t save_count(const struct save *s);

#endif
