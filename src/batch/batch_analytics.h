/* batch_analytics: the analytics view on stdout (--view analytics): the
 * response-time histogram and the group table as text, or as JSON (one
 * object with the distribution and every group) or NDJSON (one line per
 * group).  Strings from traces are sanitised (text) or escaped (JSON). */
#ifndef XRTOP_BATCH_BATCH_ANALYTICS_H
#define XRTOP_BATCH_BATCH_ANALYTICS_H

#include <stdio.h>

#include "batch/batch.h"
#include "util/err.h"
#include "view/tracelist.h"

struct batch_analytics_request {
	const char *key;    /* --group-by */
	const char *filter; /* --filter text, shown above the picture; or NULL */
	long limit;         /* groups to print, -1 = all */
};

/* Groups the traces of tl and prints them.  Returns 0, -1 with err set
 * for a bad key, or -2 when writing failed (errno set). */
int batch_analytics(FILE *out, const struct tracelist *tl, const struct batch_analytics_request *rq,
                    const struct batch_format *fmt, struct xr_err *err);

#endif
