#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"
#include "util/jsonw.h"
#include "xray/otlp.h"
#include "util/i18n.h"

/* Deeper attribute values than this are refused (cJSON's own limit is
 * larger; a request is bounded by its size anyway). */
#define OTLP_MAX_VALUE_DEPTH 32

struct jctx {
	struct arena *a;
	struct xr_err *err;
};

static int
bad(struct jctx *c, const char *path, const char *what)
{
	return xr_err_set(c->err, XR_EINPUT, "%s: %s", path, what);
}

static const cJSON *
member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* A 64-bit number given as a string (the OTLP/JSON form) or a number. */
static int
get_u64(struct jctx *c, const cJSON *v, const char *path, uint64_t *out)
{
	if (!v || cJSON_IsNull(v)) {
		*out = 0;
		return 0;
	}
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1.8e19) {
		*out = (uint64_t)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v)) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(v->valuestring, &end, 10);
		if (!errno && end != v->valuestring && !*end && v->valuestring[0] != '-') {
			*out = n;
			return 0;
		}
	}
	return bad(c, path, _("not a whole number of nanoseconds (a string or a number)"));
}

/* Hex id of n bytes; "" or absent gives all zeros.  false when malformed. */
static bool
get_id(const cJSON *v, uint8_t *out, size_t n, bool *present)
{
	memset(out, 0, n);
	*present = false;
	if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && !v->valuestring[0]))
		return true;
	if (!cJSON_IsString(v) || strlen(v->valuestring) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(v->valuestring[2 * i]),
		    lo = hex_digit(v->valuestring[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*present = true;
	return true;
}

/* An enum given as its number or its name (SPAN_KIND_SERVER, ...). */
static int
get_enum(struct jctx *c, const cJSON *v, const char *path, const char *const *names, int n,
         int *out)
{
	*out = 0;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < n &&
	    v->valuedouble == floor(v->valuedouble)) {
		*out = (int)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v))
		for (int i = 0; i < n; i++)
			if (strcmp(v->valuestring, names[i]) == 0) {
				*out = i;
				return 0;
			}
	return bad(c, path, _("not one of the enumeration's numbers or names"));
}

static void write_any(struct jsonw *w, const cJSON *any, int depth);

static void
write_kvlist(struct jsonw *w, const cJSON *values, int depth)
{
	jsonw_object_begin(w);
	const cJSON *kv;
	cJSON_ArrayForEach(kv, values)
	{
		const cJSON *k = member(kv, "key");
		if (!cJSON_IsString(k))
			continue;
		jsonw_key(w, k->valuestring);
		write_any(w, member(kv, "value"), depth + 1);
	}
	jsonw_object_end(w);
}

/* An AnyValue as plain JSON (for metadata and JSON-kept values). */
static void
write_any(struct jsonw *w, const cJSON *any, int depth)
{
	const cJSON *x;
	if (!cJSON_IsObject(any) || depth > OTLP_MAX_VALUE_DEPTH) {
		jsonw_null(w);
	} else if (cJSON_IsString(x = member(any, "stringValue"))) {
		jsonw_string(w, x->valuestring);
	} else if (cJSON_IsBool(x = member(any, "boolValue"))) {
		jsonw_bool(w, cJSON_IsTrue(x));
	} else if ((x = member(any, "intValue"))) {
		if (cJSON_IsString(x))
			jsonw_int(w, strtoll(x->valuestring, NULL, 10));
		else if (cJSON_IsNumber(x))
			jsonw_number(w, x->valuedouble);
		else
			jsonw_null(w);
	} else if (cJSON_IsNumber(x = member(any, "doubleValue"))) {
		jsonw_number(w, x->valuedouble);
	} else if ((x = member(any, "arrayValue"))) {
		jsonw_array_begin(w);
		const cJSON *e;
		cJSON_ArrayForEach(e, member(x, "values")) write_any(w, e, depth + 1);
		jsonw_array_end(w);
	} else if ((x = member(any, "kvlistValue"))) {
		write_kvlist(w, member(x, "values"), depth);
	} else if (cJSON_IsString(x = member(any, "bytesValue"))) {
		jsonw_string(w, x->valuestring); /* base64, as OTLP/JSON gives it */
	} else {
		jsonw_null(w);
	}
}

static int
get_value(struct jctx *c, const cJSON *any, const char *path, struct otlp_value *v)
{
	const cJSON *x;
	memset(v, 0, sizeof *v);
	if (!any || cJSON_IsNull(any))
		return 0;
	if (!cJSON_IsObject(any))
		return bad(c, path, _("an attribute value must be an AnyValue object"));
	if ((x = member(any, "stringValue"))) {
		if (!cJSON_IsString(x))
			return bad(c, path, _("stringValue is not a string"));
		v->type = OTLP_STRING;
		v->s = arena_strdup(c->a, x->valuestring);
	} else if ((x = member(any, "boolValue"))) {
		if (!cJSON_IsBool(x))
			return bad(c, path, _("boolValue is not true or false"));
		v->type = OTLP_BOOL;
		v->b = cJSON_IsTrue(x);
	} else if ((x = member(any, "intValue"))) {
		char *end = NULL;
		if (cJSON_IsString(x)) {
			errno = 0;
			v->i = strtoll(x->valuestring, &end, 10);
			if (errno || end == x->valuestring || *end)
				return bad(c, path, _("intValue is not a 64-bit integer"));
		} else if (cJSON_IsNumber(x) && fabs(x->valuedouble) < 9.2e18) {
			v->i = (long long)x->valuedouble;
		} else {
			return bad(c, path, _("intValue is not a 64-bit integer"));
		}
		v->type = OTLP_INT;
	} else if ((x = member(any, "doubleValue"))) {
		if (!cJSON_IsNumber(x))
			return bad(c, path, _("doubleValue is not a number"));
		v->type = OTLP_DOUBLE;
		v->d = x->valuedouble;
	} else if (member(any, "arrayValue") || member(any, "kvlistValue") ||
	           member(any, "bytesValue")) {
		struct buf b = BUF_INIT;
		struct jsonw w;
		jsonw_init(&w, &b);
		write_any(&w, any, 0);
		v->type = OTLP_JSON;
		v->s = arena_strdup(c->a, b.data ? b.data : "null");
		buf_free(&b);
	}
	return 0;
}

static int
get_attrs(struct jctx *c, const cJSON *list, const char *path, struct otlp_attr **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list))
		return bad(c, path, _("attributes must be a list"));
	size_t cap = (size_t)cJSON_GetArraySize(list);
	*out = arena_zalloc(c->a, (cap ? cap : 1) * sizeof **out);
	const cJSON *kv;
	size_t i = 0;
	cJSON_ArrayForEach(kv, list)
	{
		char p[300];
		snprintf(p, sizeof p, "%.200s[%zu]", path, i++);
		const cJSON *k = member(kv, "key");
		if (!cJSON_IsObject(kv) || !cJSON_IsString(k))
			return bad(c, p, _("an attribute must be an object with a string \"key\""));
		struct otlp_attr *at = &(*out)[(*n)++];
		at->key = arena_strdup(c->a, k->valuestring);
		if (get_value(c, member(kv, "value"), p, &at->v) < 0)
			return -1;
	}
	return 0;
}

static const char *const kind_names[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                         "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                         "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
static const char *const status_names[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                           "STATUS_CODE_ERROR"};

static void
reject(struct otlp_result *res, const char *path, const char *why)
{
	if (!res->rejected++)
		snprintf(res->message, sizeof res->message, "%.120s: %.120s", path, why);
}

static int
one_span(struct jctx *c, const cJSON *js, const char *path, struct otlp_span *sp, otlp_span_fn fn,
         void *ctx, struct otlp_result *res)
{
	char p[300];
	if (!cJSON_IsObject(js))
		return bad(c, path, _("a span must be an object"));
	bool present;
	if (!get_id(member(js, "traceId"), sp->trace_id, 16, &present) || !present) {
		reject(res, path, _("traceId is not 32 hex digits"));
		return 0;
	}
	if (!get_id(member(js, "spanId"), sp->span_id, 8, &present) || !present) {
		reject(res, path, _("spanId is not 16 hex digits"));
		return 0;
	}
	if (!get_id(member(js, "parentSpanId"), sp->parent_id, 8, &sp->has_parent)) {
		reject(res, path, _("parentSpanId is not 16 hex digits"));
		return 0;
	}
	const cJSON *name = member(js, "name");
	sp->name = cJSON_IsString(name) ? arena_strdup(c->a, name->valuestring) : "";
	int kind, status = 0;
	snprintf(p, sizeof p, "%.200s.kind", path);
	if (get_enum(c, member(js, "kind"), p, kind_names, 6, &kind) < 0)
		return -1;
	sp->kind = (enum otlp_kind)kind;
	snprintf(p, sizeof p, "%.200s.startTimeUnixNano", path);
	if (get_u64(c, member(js, "startTimeUnixNano"), p, &sp->start_ns) < 0)
		return -1;
	snprintf(p, sizeof p, "%.200s.endTimeUnixNano", path);
	if (get_u64(c, member(js, "endTimeUnixNano"), p, &sp->end_ns) < 0)
		return -1;
	snprintf(p, sizeof p, "%.200s.attributes", path);
	if (get_attrs(c, member(js, "attributes"), p, &sp->attrs, &sp->n_attrs) < 0)
		return -1;
	const cJSON *st = member(js, "status");
	if (cJSON_IsObject(st)) {
		snprintf(p, sizeof p, "%.200s.status.code", path);
		if (get_enum(c, member(st, "code"), p, status_names, 3, &status) < 0)
			return -1;
		const cJSON *m = member(st, "message");
		if (cJSON_IsString(m) && *m->valuestring)
			sp->status_message = arena_strdup(c->a, m->valuestring);
	}
	sp->status = (enum otlp_status)status;
	const cJSON *events = member(js, "events");
	if (cJSON_IsArray(events)) {
		size_t n = (size_t)cJSON_GetArraySize(events);
		sp->events = arena_zalloc(c->a, (n ? n : 1) * sizeof *sp->events);
		const cJSON *ev;
		cJSON_ArrayForEach(ev, events)
		{
			struct otlp_event *e = &sp->events[sp->n_events];
			snprintf(p, sizeof p, "%.200s.events[%zu]", path, sp->n_events++);
			const cJSON *en = member(ev, "name");
			e->name = cJSON_IsString(en) ? arena_strdup(c->a, en->valuestring) : "";
			if (get_u64(c, member(ev, "timeUnixNano"), p, &e->time_ns) < 0)
				return -1;
			if (get_attrs(c, member(ev, "attributes"), p, &e->attrs, &e->n_attrs) < 0)
				return -1;
		}
	}
	struct buf why = BUF_INIT;
	if (!fn(ctx, sp, &why))
		reject(res, path, why.data ? why.data : "refused");
	buf_free(&why);
	return 0;
}

static int
list_of(struct jctx *c, const cJSON *v, const char *path)
{
	if (v && !cJSON_IsNull(v) && !cJSON_IsArray(v))
		return bad(c, path, _("must be a list"));
	return 0;
}

int
otlp_decode_json(const char *body, size_t len, struct arena *a, otlp_span_fn fn, void *ctx,
                 struct otlp_result *res, struct xr_err *err)
{
	memset(res, 0, sizeof *res);
	struct jctx c = {a, err};
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
	int rc = -1;
	if (!root) {
		size_t at = end && end >= body ? (size_t)(end - body) : 0;
		xr_err_set(err, XR_EINPUT, _("invalid JSON at byte %zu"), at + 1);
		return -1;
	}
	if (!cJSON_IsObject(root)) {
		bad(&c, _("the body"), _("not an ExportTraceServiceRequest object"));
		goto out;
	}
	const cJSON *rss = member(root, "resourceSpans");
	if (list_of(&c, rss, "resourceSpans") < 0)
		goto out;
	size_t ri = 0;
	const cJSON *rs;
	cJSON_ArrayForEach(rs, rss)
	{
		char p[300];
		snprintf(p, sizeof p, "resourceSpans[%zu]", ri++);
		if (!cJSON_IsObject(rs)) {
			bad(&c, p, _("not an object"));
			goto out;
		}
		struct otlp_attr *rattrs = NULL;
		size_t n_rattrs = 0;
		const cJSON *resource = member(rs, "resource");
		char pa[320];
		snprintf(pa, sizeof pa, "%.200s.resource.attributes", p);
		if (cJSON_IsObject(resource) &&
		    get_attrs(&c, member(resource, "attributes"), pa, &rattrs, &n_rattrs) < 0)
			goto out;
		const cJSON *sss = member(rs, "scopeSpans");
		snprintf(pa, sizeof pa, "%.200s.scopeSpans", p);
		if (list_of(&c, sss, pa) < 0)
			goto out;
		size_t si = 0;
		const cJSON *ss;
		cJSON_ArrayForEach(ss, sss)
		{
			char ps[340];
			snprintf(ps, sizeof ps, "%.200s.scopeSpans[%zu]", p, si++);
			const cJSON *scope = member(ss, "scope"), *sn = member(scope, "name");
			const char *scope_name =
			    cJSON_IsString(sn) ? arena_strdup(a, sn->valuestring) : NULL;
			const cJSON *spans = member(ss, "spans");
			char pl[360];
			snprintf(pl, sizeof pl, "%.200s.spans", ps);
			if (!cJSON_IsObject(ss) || list_of(&c, spans, pl) < 0) {
				if (!cJSON_IsObject(ss))
					bad(&c, ps, _("not an object"));
				goto out;
			}
			size_t k = 0;
			const cJSON *js;
			cJSON_ArrayForEach(js, spans)
			{
				char pk[380];
				snprintf(pk, sizeof pk, "%.200s[%zu]", pl, k++);
				struct otlp_span *sp = arena_zalloc(a, sizeof *sp);
				sp->resource = rattrs;
				sp->n_resource = n_rattrs;
				sp->scope = scope_name;
				res->spans++;
				if (one_span(&c, js, pk, sp, fn, ctx, res) < 0)
					goto out;
			}
		}
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

void
otlp_response_json(const struct otlp_result *res, struct buf *out)
{
	if (!res->rejected) {
		buf_puts(out, "{}");
		return;
	}
	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	JSONW_KEY(&w, "partialSuccess");
	jsonw_object_begin(&w);
	char n[32];
	snprintf(n, sizeof n, "%zu", res->rejected);
	JSONW_KEY(&w, "rejectedSpans");
	jsonw_string(&w, n); /* int64 is a string in OTLP/JSON */
	JSONW_KEY(&w, "errorMessage");
	jsonw_string(&w, res->message);
	jsonw_object_end(&w);
	jsonw_object_end(&w);
}

void
otlp_status_json(int code, const char *message, struct buf *out)
{
	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	JSONW_KEY(&w, "code");
	jsonw_int(&w, code);
	JSONW_KEY(&w, "message");
	jsonw_string(&w, message);
	jsonw_object_end(&w);
}
