#include "config.h"

#include "xray/api.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "util/utf8.h"
#include "xray/decode.h"

const char *
xray_op_name(enum xray_op op)
{
	switch (op) {
	case XRAY_GET_TRACE_SUMMARIES: return "GetTraceSummaries";
	case XRAY_BATCH_GET_TRACES: return "BatchGetTraces";
	case XRAY_GET_SERVICE_GRAPH: return "GetServiceGraph";
	case XRAY_GET_GROUPS: return "GetGroups";
	}
	return "?";
}

const char *
xray_op_path(enum xray_op op)
{
	switch (op) {
	case XRAY_GET_TRACE_SUMMARIES: return "/TraceSummaries";
	case XRAY_BATCH_GET_TRACES: return "/Traces";
	case XRAY_GET_SERVICE_GRAPH: return "/ServiceGraph";
	case XRAY_GET_GROUPS: return "/Groups";
	}
	return "/";
}

static void
key_string(struct jsonw *w, const char *key, const char *value)
{
	if (value) {
		jsonw_key(w, key);
		jsonw_string(w, value);
	}
}

static void
key_time(struct jsonw *w, const char *key, double t)
{
	jsonw_key(w, key);
	jsonw_number(w, t);
}

void
xray_body_trace_summaries(struct buf *out, double start, double end, const char *range_type,
                          const char *filter, const char *next_token)
{
	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	key_time(&w, "StartTime", start);
	key_time(&w, "EndTime", end);
	key_string(&w, "TimeRangeType", range_type);
	key_string(&w, "FilterExpression", filter);
	key_string(&w, "NextToken", next_token);
	jsonw_object_end(&w);
}

void
xray_body_batch_get_traces(struct buf *out, char *const *ids, size_t n, const char *next_token)
{
	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "TraceIds");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		jsonw_string(&w, ids[i]);
	jsonw_array_end(&w);
	key_string(&w, "NextToken", next_token);
	jsonw_object_end(&w);
}

void
xray_body_service_graph(struct buf *out, double start, double end, const char *group,
                        const char *next_token)
{
	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	key_time(&w, "StartTime", start);
	key_time(&w, "EndTime", end);
	key_string(&w, "GroupName", group);
	key_string(&w, "NextToken", next_token);
	jsonw_object_end(&w);
}

void
xray_body_groups(struct buf *out, const char *next_token)
{
	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	key_string(&w, "NextToken", next_token);
	jsonw_object_end(&w);
}

static bool
in_list(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(code, *list) == 0)
			return true;
	return false;
}

/* botocore's retries/standard.py, plus X-Ray's own ThrottledException. */
static const char *const throttle_codes[] = {
    "ThrottledException",
    "ThrottlingException",
    "Throttling",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "BandwidthLimitExceeded",
    "ProvisionedThroughputExceededException",
    "EC2ThrottledException",
    "PriorRequestNotComplete",
    "TransactionInProgressException",
    "LimitExceededException",
    NULL,
};
static const char *const transient_codes[] = {
    "InternalFailure", "InternalError",           "InternalServerError",   "ServiceUnavailable",
    "RequestTimeout",  "RequestTimeoutException", "IDPCommunicationError", NULL,
};
static const char *const expired_codes[] = {"ExpiredTokenException", "ExpiredToken", NULL};
static const char *const auth_codes[] = {
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "AccessDeniedException",
    "AccessDenied",
    "MissingAuthenticationTokenException",
    "MissingAuthenticationToken",
    "IncompleteSignatureException",
    "IncompleteSignature",
    "AuthFailure",
    "InvalidAccessKeyId",
    "UnauthorizedOperation",
    "OptInRequired",
    "RequestExpired", /* clock skew: a refresh would not help */
    NULL,
};

void
xray_classify(const struct http_response *r, struct xray_reply *out)
{
	memset(out, 0, sizeof *out);
	out->failure = r->failure;
	if (r->failure != HTTP_FAIL_NONE) {
		snprintf(out->message, sizeof out->message, "%s",
		         r->error[0] ? r->error : http_failure_name(r->failure));
		switch (r->failure) {
		case HTTP_FAIL_TLS: out->verdict = XRAY_FATAL; break;
		case HTTP_FAIL_TOO_LARGE: out->verdict = XRAY_FAILED; break;
		default: out->verdict = XRAY_TRANSIENT; break;
		}
		return;
	}
	if (r->status >= 200 && r->status < 300) {
		out->verdict = XRAY_OK;
		return;
	}
	char *code = NULL, *message = NULL;
	decode_error_body(r->body.data ? r->body.data : "", r->body.len, &code, &message);
	if (r->error_type[0])
		snprintf(out->code, sizeof out->code, "%s", r->error_type);
	else if (code)
		snprintf(out->code, sizeof out->code, "%s", code);
	if (message) {
		struct buf b = BUF_INIT;
		utf8_sanitize(&b, message, strlen(message), 0);
		snprintf(out->message, sizeof out->message, "%s", b.data ? b.data : "");
		buf_free(&b);
	} else {
		snprintf(out->message, sizeof out->message, "HTTP %ld", r->status);
	}
	free(code);
	free(message);
	if (r->status == 429 || in_list(out->code, throttle_codes))
		out->verdict = XRAY_THROTTLED;
	else if (in_list(out->code, expired_codes))
		out->verdict = XRAY_EXPIRED;
	else if (in_list(out->code, auth_codes) || r->status == 401 || r->status == 403)
		out->verdict = XRAY_FATAL;
	else if (r->status >= 500 || in_list(out->code, transient_codes))
		out->verdict = XRAY_TRANSIENT;
	else
		out->verdict = XRAY_FAILED;
	if (!out->code[0])
		snprintf(out->code, sizeof out->code, "HTTP %ld", r->status);
}
