/* encode: model objects to X-Ray JSON, field for field as the API names
 * them: TraceSummary, segment documents and BatchGetTraces' Trace.  Absent
 * fields are left out, as the API leaves them out.  Uses the jsonw writer,
 * so output is always escaped.  A segment is written back from the model:
 * the members xrtop reads, plus the unknown members it kept as JSON text;
 * unknown members inside http, sql, cause and service are not kept. */
#ifndef XRTOP_XRAY_ENCODE_H
#define XRTOP_XRAY_ENCODE_H

#include "model/summary.h"
#include "model/trace.h"
#include "util/jsonw.h"

/* Writes s as a TraceSummary object. */
void encode_summary(struct jsonw *w, const struct xr_summary *s);
/* Writes s (with its nested subsegments) as a segment document object. */
void encode_segment(struct jsonw *w, const struct xr_segment *s);
/* Writes t as a BatchGetTraces Trace: Id, Duration, LimitExceeded and
 * Segments (one per document, its Document a JSON string). */
void encode_trace(struct jsonw *w, const struct xr_trace *t);
/* Copies JSON text (a value xrtop kept raw) through the writer, so it is
 * escaped like everything else; text that does not parse becomes a string. */
void encode_json_text(struct jsonw *w, const char *json);

#endif
