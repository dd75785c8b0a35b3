/* otlp: OpenTelemetry trace export requests (OTLP) to X-Ray segment
 * documents.  The two decoders read an ExportTraceServiceRequest body --
 * OTLP/JSON with cJSON, protobuf with libprotobuf-c code generated from
 * proto/ -- into plain spans held in an arena; otlp_segment() writes one
 * span as an X-Ray segment document the way the OpenTelemetry Collector's
 * awsxrayexporter translates it: trace id 1-<8 hex>-<24 hex>; server and
 * root spans become segments named by the resource's service.name; other
 * spans become subsegments of their parent ("aws" namespace for AWS SDK
 * calls, named by the AWS service; "remote" for other client calls);
 * http.* / url.* attributes fill http, db.* fill sql, aws.* / rpc.* fill
 * aws; span status and HTTP status give error (4xx), throttle (429) and
 * fault (5xx or status ERROR); exception events become the cause; the
 * attributes named in aws.xray.annotations (span or resource) become
 * annotations and the other span attributes metadata (namespace
 * "default").  The replies (ExportTraceServiceResponse with partial
 * success, google.rpc.Status for errors) are written here too. */
#ifndef XRTOP_XRAY_OTLP_H
#define XRTOP_XRAY_OTLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

enum otlp_type { OTLP_NONE, OTLP_STRING, OTLP_BOOL, OTLP_INT, OTLP_DOUBLE, OTLP_JSON };

/* An attribute value; arrays, key-value lists and bytes are kept as JSON
 * text (OTLP_JSON), string arrays included. */
struct otlp_value {
	enum otlp_type type;
	const char *s; /* OTLP_STRING, OTLP_JSON */
	long long i;
	double d;
	bool b;
};

struct otlp_attr {
	const char *key;
	struct otlp_value v;
};

struct otlp_event {
	const char *name;
	uint64_t time_ns;
	struct otlp_attr *attrs;
	size_t n_attrs;
};

enum otlp_kind {
	OTLP_KIND_UNSPECIFIED,
	OTLP_KIND_INTERNAL,
	OTLP_KIND_SERVER,
	OTLP_KIND_CLIENT,
	OTLP_KIND_PRODUCER,
	OTLP_KIND_CONSUMER,
};

enum otlp_status { OTLP_STATUS_UNSET, OTLP_STATUS_OK, OTLP_STATUS_ERROR };

struct otlp_span {
	uint8_t trace_id[16], span_id[8], parent_id[8];
	bool has_parent;
	const char *name;
	enum otlp_kind kind;
	uint64_t start_ns, end_ns;
	enum otlp_status status;
	const char *status_message;
	struct otlp_attr *attrs;
	size_t n_attrs;
	struct otlp_event *events;
	size_t n_events;
	const struct otlp_attr *resource; /* the resource's attributes */
	size_t n_resource;
	const char *scope; /* instrumentation scope name, or NULL */
};

/* Called for every span decoded; returns false when it rejected the span
 * (why says why, for the partial-success message). */
typedef bool (*otlp_span_fn)(void *ctx, const struct otlp_span *sp, struct buf *why);

struct otlp_result {
	size_t spans;      /* spans in the request */
	size_t rejected;   /* spans not taken (bad ids, or refused by fn) */
	char message[256]; /* the first rejection, for partial_success.error_message */
};

/* Decodes an OTLP/JSON ExportTraceServiceRequest and calls fn for each
 * span (values live in a, freed by the caller).  Returns -1 with err when
 * the body is not such a request (HTTP 400). */
int otlp_decode_json(const char *body, size_t len, struct arena *a, otlp_span_fn fn, void *ctx,
                     struct otlp_result *res, struct xr_err *err);
/* The same for a protobuf body. */
int otlp_decode_protobuf(const uint8_t *body, size_t len, struct arena *a, otlp_span_fn fn,
                         void *ctx, struct otlp_result *res, struct xr_err *err);

/* Writes sp as an X-Ray segment document (JSON) into out.  Returns -1 with
 * why filled when the span cannot be one (an all-zero trace or span id). */
int otlp_segment(const struct otlp_span *sp, struct buf *out, struct buf *why);

/* The 200 reply body: ExportTraceServiceResponse, with partial_success
 * when spans were rejected. */
void otlp_response_json(const struct otlp_result *res, struct buf *out);
void otlp_response_protobuf(const struct otlp_result *res, struct buf *out);
/* The body of an error reply: google.rpc.Status {code, message}. */
void otlp_status_json(int code, const char *message, struct buf *out);
void otlp_status_protobuf(int code, const char *message, struct buf *out);

#endif
