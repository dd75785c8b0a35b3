/* summarize: computes a trace's TraceSummary (trace->summary) the way the
 * X-Ray API does: Duration from the first start to the last end,
 * ResponseTime and HTTP from the root segment, HasError/HasFault from the
 * root segment, HasThrottle and IsPartial from any segment, annotations
 * and users with the services that recorded them, and root causes. */
#ifndef XRTOP_MODEL_SUMMARIZE_H
#define XRTOP_MODEL_SUMMARIZE_H

#include "model/tracedata.h"

/* Fills t->summary from the linked trace (called by trace_finish()). */
void summarize_trace(struct xr_trace *t);

#endif
