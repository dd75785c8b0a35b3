#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/rpc/status.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "util/jsonw.h"
#include "xray/otlp.h"
#include "util/i18n.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue any_t;
typedef Opentelemetry__Proto__Common__V1__KeyValue kv_t;
typedef Opentelemetry__Proto__Trace__V1__Span span_t;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest request_t;

#define OTLP_MAX_VALUE_DEPTH 32

static void
write_bytes_base64(struct jsonw *w, const ProtobufCBinaryData *b)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf t = BUF_INIT;
	for (size_t i = 0; i < b->len; i += 3) {
		unsigned v = (unsigned)b->data[i] << 16;
		if (i + 1 < b->len)
			v |= (unsigned)b->data[i + 1] << 8;
		if (i + 2 < b->len)
			v |= b->data[i + 2];
		char q[4] = {tab[v >> 18 & 63], tab[v >> 12 & 63],
		             i + 1 < b->len ? tab[v >> 6 & 63] : '=',
		             i + 2 < b->len ? tab[v & 63] : '='};
		buf_append(&t, q, 4);
	}
	jsonw_stringn(w, t.data ? t.data : "", t.len);
	buf_free(&t);
}

static void
write_any(struct jsonw *w, const any_t *v, int depth)
{
	if (!v || depth > OTLP_MAX_VALUE_DEPTH) {
		jsonw_null(w);
		return;
	}
	switch (v->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		jsonw_string(w, v->string_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
		jsonw_bool(w, v->bool_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
		jsonw_int(w, (long long)v->int_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
		jsonw_number(w, v->double_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
		jsonw_array_begin(w);
		for (size_t i = 0; v->array_value && i < v->array_value->n_values; i++)
			write_any(w, v->array_value->values[i], depth + 1);
		jsonw_array_end(w);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
		jsonw_object_begin(w);
		for (size_t i = 0; v->kvlist_value && i < v->kvlist_value->n_values; i++) {
			jsonw_key(w, v->kvlist_value->values[i]->key);
			write_any(w, v->kvlist_value->values[i]->value, depth + 1);
		}
		jsonw_object_end(w);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
		write_bytes_base64(w, &v->bytes_value);
		break;
	default: jsonw_null(w); break;
	}
}

static void
get_value(struct arena *a, const any_t *any, struct otlp_value *v)
{
	memset(v, 0, sizeof *v);
	if (!any)
		return;
	switch (any->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		v->type = OTLP_STRING;
		v->s = arena_strdup(a, any->string_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
		v->type = OTLP_BOOL;
		v->b = any->bool_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
		v->type = OTLP_INT;
		v->i = (long long)any->int_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
		v->type = OTLP_DOUBLE;
		v->d = any->double_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE: {
		struct buf b = BUF_INIT;
		struct jsonw w;
		jsonw_init(&w, &b);
		write_any(&w, any, 0);
		v->type = OTLP_JSON;
		v->s = arena_strdup(a, b.data ? b.data : "null");
		buf_free(&b);
		break;
	}
	default: break;
	}
}

static void
get_attrs(struct arena *a, kv_t *const *kvs, size_t n, struct otlp_attr **out, size_t *n_out)
{
	*out = arena_zalloc(a, (n ? n : 1) * sizeof **out);
	*n_out = 0;
	for (size_t i = 0; i < n; i++) {
		struct otlp_attr *at = &(*out)[(*n_out)++];
		at->key = arena_strdup(a, kvs[i]->key);
		get_value(a, kvs[i]->value, &at->v);
	}
}

static void
reject(struct otlp_result *res, size_t r, size_t s, size_t k, const char *why)
{
	if (!res->rejected++)
		snprintf(res->message, sizeof res->message,
		         "resource_spans[%zu].scope_spans[%zu].spans[%zu]: %s", r, s, k, why);
}

static bool
copy_id(uint8_t *dst, const ProtobufCBinaryData *src, size_t n, bool *present)
{
	memset(dst, 0, n);
	*present = src->len != 0;
	if (src->len == 0)
		return true;
	if (src->len != n)
		return false;
	memcpy(dst, src->data, n);
	return true;
}

static void
one_span(struct arena *a, const span_t *ps, struct otlp_span *sp, otlp_span_fn fn, void *ctx,
         struct otlp_result *res, size_t r, size_t s, size_t k)
{
	bool present;
	if (!copy_id(sp->trace_id, &ps->trace_id, 16, &present) || !present) {
		reject(res, r, s, k, _("trace_id is not 16 bytes"));
		return;
	}
	if (!copy_id(sp->span_id, &ps->span_id, 8, &present) || !present) {
		reject(res, r, s, k, _("span_id is not 8 bytes"));
		return;
	}
	if (!copy_id(sp->parent_id, &ps->parent_span_id, 8, &sp->has_parent)) {
		reject(res, r, s, k, _("parent_span_id is not 8 bytes"));
		return;
	}
	sp->name = arena_strdup(a, ps->name ? ps->name : "");
	sp->kind =
	    ps->kind >= 0 && ps->kind <= 5 ? (enum otlp_kind)ps->kind : OTLP_KIND_UNSPECIFIED;
	sp->start_ns = ps->start_time_unix_nano;
	sp->end_ns = ps->end_time_unix_nano;
	get_attrs(a, ps->attributes, ps->n_attributes, &sp->attrs, &sp->n_attrs);
	if (ps->status) {
		sp->status = ps->status->code >= 0 && ps->status->code <= 2
		                 ? (enum otlp_status)ps->status->code
		                 : OTLP_STATUS_UNSET;
		if (ps->status->message && *ps->status->message)
			sp->status_message = arena_strdup(a, ps->status->message);
	}
	sp->events = arena_zalloc(a, (ps->n_events ? ps->n_events : 1) * sizeof *sp->events);
	for (size_t i = 0; i < ps->n_events; i++) {
		struct otlp_event *e = &sp->events[sp->n_events++];
		e->name = arena_strdup(a, ps->events[i]->name ? ps->events[i]->name : "");
		e->time_ns = ps->events[i]->time_unix_nano;
		get_attrs(a, ps->events[i]->attributes, ps->events[i]->n_attributes, &e->attrs,
		          &e->n_attrs);
	}
	struct buf why = BUF_INIT;
	if (!fn(ctx, sp, &why))
		reject(res, r, s, k, why.data ? why.data : "refused");
	buf_free(&why);
}

int
otlp_decode_protobuf(const uint8_t *body, size_t len, struct arena *a, otlp_span_fn fn, void *ctx,
                     struct otlp_result *res, struct xr_err *err)
{
	memset(res, 0, sizeof *res);
	request_t *req =
	    opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
	        NULL, len, body);
	if (!req)
		return xr_err_set(
		    err, XR_EINPUT,
		    _("not a protobuf ExportTraceServiceRequest (%zu bytes that do not "
		      "decode)"),
		    len);
	for (size_t r = 0; r < req->n_resource_spans; r++) {
		const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[r];
		struct otlp_attr *rattrs = NULL;
		size_t n_rattrs = 0;
		if (rs->resource)
			get_attrs(a, rs->resource->attributes, rs->resource->n_attributes, &rattrs,
			          &n_rattrs);
		for (size_t s = 0; s < rs->n_scope_spans; s++) {
			const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[s];
			const char *scope = ss->scope && ss->scope->name && *ss->scope->name
			                        ? arena_strdup(a, ss->scope->name)
			                        : NULL;
			for (size_t k = 0; k < ss->n_spans; k++) {
				struct otlp_span *sp = arena_zalloc(a, sizeof *sp);
				sp->resource = rattrs;
				sp->n_resource = n_rattrs;
				sp->scope = scope;
				res->spans++;
				one_span(a, ss->spans[k], sp, fn, ctx, res, r, s, k);
			}
		}
	}
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
	    req, NULL);
	return 0;
}

void
otlp_response_protobuf(const struct otlp_result *res, struct buf *out)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse r =
	    OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
	Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
	    OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
	if (res->rejected) {
		ps.rejected_spans = (int64_t)res->rejected;
		ps.error_message = (char *)res->message;
		r.partial_success = &ps;
	}
	size_t n =
	    opentelemetry__proto__collector__trace__v1__export_trace_service_response__get_packed_size(
	        &r);
	uint8_t *data = malloc(n ? n : 1);
	if (!data)
		abort();
	opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(&r, data);
	buf_append(out, data, n);
	free(data);
}

void
otlp_status_protobuf(int code, const char *message, struct buf *out)
{
	Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
	st.code = code;
	st.message = (char *)message;
	size_t n = google__rpc__status__get_packed_size(&st);
	uint8_t *data = malloc(n ? n : 1);
	if (!data)
		abort();
	google__rpc__status__pack(&st, data);
	buf_append(out, data, n);
	free(data);
}
