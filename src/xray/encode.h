/* encode: model objects to X-Ray JSON, field for field as the API names
 * them (TraceSummary for now).  Absent fields are left out, as the API
 * leaves them out.  Uses the jsonw writer, so output is always escaped. */
#ifndef XRTOP_XRAY_ENCODE_H
#define XRTOP_XRAY_ENCODE_H

#include "model/summary.h"
#include "util/jsonw.h"

/* Writes s as a TraceSummary object. */
void encode_summary(struct jsonw *w, const struct xr_summary *s);

#endif
