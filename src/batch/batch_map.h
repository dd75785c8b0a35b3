/* batch_map: `xrtop -b --view map`.  Prints the service map as a picture
 * (view/mapview.h) with a header and a table of every call, or as one
 * GetServiceGraph-shaped JSON object, so scripts that read the API read
 * xrtop.  Every string from a trace is sanitised or JSON-escaped. */
#ifndef XRTOP_BATCH_BATCH_MAP_H
#define XRTOP_BATCH_BATCH_MAP_H

#include <stdio.h>

#include "model/svcmap.h"
#include "options.h"
#include "view/canvas.h"

struct batch_map_format {
	enum output_format output;
	int width;      /* columns of the picture */
	unsigned flags; /* canvas flags: CANVAS_ASCII */
};

/* Prints m to out.  Returns -1 when writing failed (errno set). */
int batch_map_print(FILE *out, const struct svcmap *m, const struct batch_map_format *fmt);
/* Appends m as a GetServiceGraph response. */
void batch_map_json(const struct svcmap *m, struct buf *out);

#endif
