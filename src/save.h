/* save: the --save file (and any other file xrtop writes for the
 * user).  Traces are written as they arrive, each one's JSON exactly as
 * BatchGetTraces returned it, into one BatchGetTraces-shaped document
 * ({"Traces": [...], "UnprocessedTraceIds": [...]}) that --load reads back.
 *
 * A regular FILE (or a new one) is replaced atomically: the document is
 * written to a temporary file created next to it with mkstemp (exclusive,
 * never through a link), given the old file's permissions, synced and renamed
 * over FILE.  A symbolic link is resolved and its target replaced, so the link
 * stays; a link to nothing is refused.  An existing FILE is replaced only by a
 * complete run that saved traces: a failed or empty run leaves it as it
 * was.  Standard output ("-") and files that are not regular (/dev/null, a
 * FIFO, a terminal) are written in place; directories and sockets are
 * refused.  Every message names FILE. */
#ifndef XRTOP_SAVE_H
#define XRTOP_SAVE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct save;

/* save_finish() results besides -1 (an error, in err). */
enum save_result {
	SAVE_WRITTEN = 0,
	SAVE_KEPT = 1,    /* an existing FILE left as it was; err says why */
	SAVE_SKIPPED = 2, /* nothing written (a failed run with no traces); err says why */
};

/* Opens the temporary file next to path (or path itself when written in
 * place, standard output for "-").  Caller finishes or aborts. */
struct save *save_open(const char *path, struct xr_err *err);
/* Appends one trace object (JSON text, written as is). */
int save_trace(struct save *s, const char *json, size_t len);
/* Writes the ids that could not be fetched and puts the file in place;
 * incomplete: the run did not list its whole window (failed or
 * interrupted).  Returns a save_result or -1.  Frees s. */
int save_finish(struct save *s, char *const *unfetched, size_t n, bool incomplete,
                struct xr_err *err);
/* Opens path as save_open() does, with the same rules, for any document
 * (written with save_write()); messages start with label (":save").
 * Caller closes or aborts. */
struct save *save_open_document(const char *path, const char *label, struct xr_err *err);
/* Appends len bytes of a document opened with save_open_document(). */
int save_write(struct save *s, const char *data, size_t len);
/* Puts a document in place (atomically where it replaces a file).  Returns
 * SAVE_WRITTEN or -1 with err.  Frees s. */
int save_close(struct save *s, struct xr_err *err);
/* Removes the temporary file.  Frees s. */
void save_abort(struct save *s);
size_t save_count(const struct save *s);

#endif
