/* batch: the stdout front end.  Prints a trace list as an aligned table,
 * as NDJSON (one TraceSummary per line) or as one GetTraceSummaries-shaped
 * JSON object.  Every string from a trace is sanitised or JSON-escaped. */
#ifndef XRTOP_BATCH_BATCH_H
#define XRTOP_BATCH_BATCH_H

#include <stdio.h>

#include "options.h"
#include "view/tracelist.h"

struct batch_format {
	enum output_format output;
	size_t width;   /* table width limit, 0 = none */
	unsigned flags; /* utf8 flags: UTF8_ASCII */
};

/* Prints tl to out.  Returns -1 when writing failed (errno set). */
int batch_print(FILE *out, const struct tracelist *tl, const struct batch_format *fmt);

#endif
