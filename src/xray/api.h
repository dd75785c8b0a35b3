/* api: the X-Ray operations on the wire: their paths, request bodies, and
 * what a reply means (success, throttled, worth retrying, fatal).  Error
 * codes come from x-amzn-ErrorType, else the body's __type or code, as
 * botocore reads them; throttling is ThrottledException (429) or
 * ThrottlingException (400) and their AWS-wide relatives. */
#ifndef XRTOP_XRAY_API_H
#define XRTOP_XRAY_API_H

#include <stddef.h>

#include "aws/http.h"
#include "util/buf.h"

enum xray_op {
	XRAY_GET_TRACE_SUMMARIES,
	XRAY_BATCH_GET_TRACES,
	XRAY_GET_SERVICE_GRAPH,
	XRAY_GET_GROUPS,
};

/* At most this many trace ids per BatchGetTraces (API reference). */
#define XRAY_BATCH_MAX 5

const char *xray_op_name(enum xray_op op);
const char *xray_op_path(enum xray_op op);

/* Request bodies.  Times are epoch seconds; NULL strings are left out. */
void xray_body_trace_summaries(struct buf *out, double start, double end, const char *range_type,
                               const char *filter, const char *next_token);
void xray_body_batch_get_traces(struct buf *out, char *const *ids, size_t n,
                                const char *next_token);
void xray_body_service_graph(struct buf *out, double start, double end, const char *group,
                             const char *next_token);
void xray_body_groups(struct buf *out, const char *next_token);

enum xray_verdict {
	XRAY_OK,        /* 200: decode the body */
	XRAY_THROTTLED, /* retry within the time budget, slow down */
	XRAY_TRANSIENT, /* retry a bounded number of times */
	XRAY_EXPIRED,   /* credentials expired: refresh, then retry once */
	XRAY_FATAL,     /* stop everything: credentials, signature, TLS */
	XRAY_FAILED,    /* this request cannot succeed (InvalidRequestException, ...) */
};

struct xray_reply {
	enum xray_verdict verdict;
	char code[128];            /* "ThrottledException", "" when none */
	char message[600];         /* the service's message, or what failed */
	enum http_failure failure; /* the transport failure, HTTP_FAIL_NONE when a reply came */
};

/* Classifies a finished request. */
void xray_classify(const struct http_response *r, struct xray_reply *out);

#endif
