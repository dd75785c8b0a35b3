/* file: the --load source.  Reads a file (or standard input) and loads
 * whatever X-Ray JSON it holds into the store: BatchGetTraces and
 * GetTraceSummaries responses as the AWS CLI prints them (one or several),
 * NDJSON segment documents with or without the daemon's header line, or a
 * JSON array of documents.  Large responses are cut into traces with
 * jsonscan and decoded on all cores.  A malformed piece is reported with
 * its line and skipped; the rest loads. */
#ifndef XRTOP_SOURCE_FILE_H
#define XRTOP_SOURCE_FILE_H

#include <stddef.h>

#include "model/store.h"
#include "util/err.h"
#include "util/warn.h"

struct load_stats {
	size_t traces;    /* full traces added (or merged) */
	size_t summaries; /* summaries added */
	size_t documents; /* segment documents read from NDJSON or arrays */
	size_t skipped;   /* pieces that could not be used */
	size_t responses; /* API responses read (Traces or TraceSummaries, maybe empty) */
};

/* Loads path ("-" = standard input).  Returns -1 with err when the file
 * cannot be read or holds nothing usable; otherwise 0, with skipped pieces
 * counted in stats and described in warnings.  A valid response with an
 * empty list ({"Traces": []}) is not an error: 0 with nothing added. */
int file_load(const char *path, struct xr_store *store, struct xr_warnings *warnings,
              struct load_stats *stats, struct xr_err *err);
/* Loads from memory; name is used in messages. */
int file_load_buffer(const char *name, const char *data, size_t len, struct xr_store *store,
                     struct xr_warnings *warnings, struct load_stats *stats, struct xr_err *err);

#endif
