/* decode_graph: GetServiceGraph responses into model/svcgraph.  Strict
 * like decode.h: a field of the wrong type fails the page, which then adds
 * nothing to the graph. */
#ifndef XRTOP_XRAY_DECODE_GRAPH_H
#define XRTOP_XRAY_DECODE_GRAPH_H

#include <stddef.h>

#include "model/svcgraph.h"
#include "util/err.h"

/* Decodes one page and appends its services to graph; *next_token is the
 * page's NextToken or NULL (caller frees). */
int decode_service_graph_response(const char *json, size_t len, struct xr_service_graph *graph,
                                  char **next_token, struct xr_err *err);

#endif
