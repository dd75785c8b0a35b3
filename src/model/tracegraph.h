/* tracegraph: the service nodes and edges of one trace.  Documents are
 * grouped into nodes by name, type (origin) and account; a call from a
 * segment of node A to a document of node B is an edge A -> B.  Downstream
 * calls recorded only as `aws`/`remote` subsegments (raw SDK data, before
 * the service adds inferred segments) get an inferred node of their own, so
 * service("Reservations") works on daemon data too. */
#ifndef XRTOP_MODEL_TRACEGRAPH_H
#define XRTOP_MODEL_TRACEGRAPH_H

#include "model/tracedata.h"

/* Fills t->nodes, t->edges and each segment's node (called by trace_finish()). */
void tracegraph_build(struct xr_trace *t);
/* The node a subsegment to an AWS service or remote host stands for:
 * its name and type, or NULL when the subsegment is not such a call. */
const char *tracegraph_inferred_name(const struct xr_segment *s, const char **type,
                                     struct arena *a);
/* The key that finds a node across traces: the seeded 64-bit hash
 * (util/hash.h) of name, type and account (a NULL name counts as ""); the
 * service map compares those strings too, so colliding keys stay two
 * services. */
unsigned long long tracegraph_key(const char *name, const char *type, const char *account);
/* True when s has a child that is a segment document of its own. */
bool tracegraph_calls_a_document(const struct xr_segment *s);

#endif
