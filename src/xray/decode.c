/* X-Ray API responses and their parts (traces, summaries, groups, errors). */
#include "config.h"

#include "xray/decode.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonpos.h"
#include "util/jsonscan.h"
#include "util/timefmt.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "xray/json.h"
#include "xray/strict.h"
#include "util/i18n.h"

#define FIELD(obj, name) cJSON_GetObjectItemCaseSensitive((obj), (name))

static void
s_service_id(struct strict *s, const cJSON *obj, struct xr_service_id *id)
{
	id->name = strict_str(s, obj, "Name");
	id->names = strict_strings(s, obj, "Names", &id->n_names);
	id->account_id = strict_str(s, obj, "AccountId");
	id->type = strict_str(s, obj, "Type");
}

static struct xr_service_id *
s_service_ids(struct strict *s, const cJSON *obj, const char *field, unsigned *n)
{
	const cJSON *list = strict_array(s, obj, field);
	struct xr_service_id *ids = strict_objects(s, list, field, sizeof *ids, n);
	unsigned i = 0;
	const cJSON *item;
	if (ids)
		cJSON_ArrayForEach(item, list) s_service_id(s, item, &ids[i++]);
	return ids;
}

/* ResourceARNs [{ARN}], InstanceIds [{Id}], AvailabilityZones [{Name}]. */
static const char **
s_detail_list(struct strict *s, const cJSON *obj, const char *field, const char *key, unsigned *n)
{
	const cJSON *list = strict_array(s, obj, field);
	unsigned count;
	if (!strict_objects(s, list, field, 1, &count) || !count) {
		*n = 0;
		return NULL;
	}
	const char **out = ARENA_ARRAY(s->a, const char *, count);
	*n = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, list)
	{
		const char *v = strict_str(s, item, key);
		if (v)
			out[(*n)++] = v;
	}
	return out;
}

static void
s_annotations(struct strict *s, const cJSON *obj, struct xr_summary *sum)
{
	const cJSON *anns = strict_object(s, obj, "Annotations");
	if (!anns)
		return;
	unsigned count = (unsigned)cJSON_GetArraySize(anns);
	sum->annotations = ARENA_ARRAY(s->a, struct xr_summary_annotation, count + 1);
	const cJSON *key;
	cJSON_ArrayForEach(key, anns)
	{
		struct xr_summary_annotation *out = &sum->annotations[sum->n_annotations++];
		out->key = arena_strdup(s->a, key->string);
		if (!cJSON_IsArray(key)) {
			strict_fail(s, "Annotations", _("expected a list of values per key"));
			return;
		}
		out->values =
		    strict_objects(s, key, "Annotations", sizeof *out->values, &out->n_values);
		unsigned i = 0;
		const cJSON *v;
		if (!out->values)
			continue;
		cJSON_ArrayForEach(v, key)
		{
			struct xr_ann_value *av = &out->values[i++];
			const cJSON *val = strict_object(s, v, "AnnotationValue");
			const cJSON *x;
			if (!val) {
				strict_fail(s, "Annotations", _("a value has no AnnotationValue"));
				return;
			}
			if ((x = FIELD(val, "StringValue")) && cJSON_IsString(x)) {
				av->value.type = XR_VAL_STRING;
				av->value.u.s = arena_strdup(s->a, x->valuestring);
			} else if ((x = FIELD(val, "NumberValue")) && cJSON_IsNumber(x)) {
				av->value.type = XR_VAL_NUMBER;
				av->value.u.n = x->valuedouble;
			} else if ((x = FIELD(val, "BooleanValue")) && cJSON_IsBool(x)) {
				av->value.type = XR_VAL_BOOL;
				av->value.u.b = cJSON_IsTrue(x);
			} else {
				strict_fail(s, "Annotations",
				            _("AnnotationValue has no string, number or boolean"));
				return;
			}
			av->services = s_service_ids(s, v, "ServiceIds", &av->n_services);
		}
	}
}

static void
s_users(struct strict *s, const cJSON *obj, struct xr_summary *sum)
{
	const cJSON *list = strict_array(s, obj, "Users");
	sum->users = strict_objects(s, list, "Users", sizeof *sum->users, &sum->n_users);
	unsigned i = 0;
	const cJSON *u;
	if (sum->users)
		cJSON_ArrayForEach(u, list)
		{
			sum->users[i].name = strict_str(s, u, "UserName");
			sum->users[i].services =
			    s_service_ids(s, u, "ServiceIds", &sum->users[i].n_services);
			i++;
		}
}

static void
s_entity(struct strict *s, const cJSON *obj, struct xr_rc_entity *e)
{
	e->name = strict_str(s, obj, "Name");
	e->coverage = strict_num(s, obj, "Coverage");
	const cJSON *remote = FIELD(obj, "Remote");
	e->has_remote = remote && !cJSON_IsNull(remote);
	e->remote = strict_bool(s, obj, "Remote");
	const cJSON *list = strict_array(s, obj, "Exceptions");
	e->exceptions =
	    strict_objects(s, list, "Exceptions", sizeof *e->exceptions, &e->n_exceptions);
	unsigned i = 0;
	const cJSON *x;
	if (e->exceptions)
		cJSON_ArrayForEach(x, list)
		{
			e->exceptions[i].name = strict_str(s, x, "Name");
			e->exceptions[i].message = strict_str(s, x, "Message");
			i++;
		}
}

static void
s_root_causes(struct strict *s, const cJSON *obj, const char *field, struct xr_summary *sum,
              enum xr_rc_kind kind)
{
	const cJSON *list = strict_array(s, obj, field);
	unsigned n;
	struct xr_root_cause *rcs = strict_objects(s, list, field, sizeof *rcs, &n);
	sum->root_causes[kind] = rcs;
	sum->n_root_causes[kind] = n;
	unsigned i = 0;
	const cJSON *rc;
	if (!rcs)
		return;
	cJSON_ArrayForEach(rc, list)
	{
		struct xr_root_cause *out = &rcs[i++];
		out->client_impacting = strict_bool(s, rc, "ClientImpacting");
		const cJSON *svcs = strict_array(s, rc, "Services");
		out->services =
		    strict_objects(s, svcs, "Services", sizeof *out->services, &out->n_services);
		unsigned k = 0;
		const cJSON *svc;
		if (!out->services)
			continue;
		cJSON_ArrayForEach(svc, svcs)
		{
			struct xr_rc_service *o = &out->services[k++];
			s_service_id(s, svc, &o->id);
			o->inferred = strict_bool(s, svc, "Inferred");
			const cJSON *path = strict_array(s, svc, "EntityPath");
			o->path =
			    strict_objects(s, path, "EntityPath", sizeof *o->path, &o->n_path);
			unsigned p = 0;
			const cJSON *ent;
			if (o->path)
				cJSON_ArrayForEach(ent, path) s_entity(s, ent, &o->path[p++]);
		}
	}
}

static struct xr_summary *
decode_summary_cjson(const cJSON *obj, struct arena *a, const char *where, struct xr_err *err)
{
	struct strict s = {.a = a, .err = err, .where = where};
	if (!cJSON_IsObject(obj)) {
		xr_err_set(err, XR_EINPUT, _("%s: expected a TraceSummary object"), where);
		return NULL;
	}
	struct xr_summary *sum = ARENA_NEW(a, struct xr_summary);
	summary_init(sum);
	sum->id = strict_str(&s, obj, "Id");
	if (!sum->id && !s.failed)
		strict_fail(&s, "Id", _("missing"));
	sum->start_time = strict_num(&s, obj, "StartTime");
	if (isfinite(sum->start_time) && !timefmt_in_range(sum->start_time))
		strict_fail(&s, "StartTime", _("not a time between 1970 and 9999"));
	if (isnan(sum->start_time))
		sum->start_time = summary_time_from_trace_id(sum->id);
	sum->duration = strict_num(&s, obj, "Duration");
	sum->response_time = strict_num(&s, obj, "ResponseTime");
	if (isfinite(sum->duration) &&
	    !(sum->duration >= 0 && sum->duration <= TIMEFMT_MAX_DURATION))
		strict_fail(&s, "Duration", _("out of range"));
	if (isfinite(sum->response_time) &&
	    !(sum->response_time >= 0 && sum->response_time <= TIMEFMT_MAX_DURATION))
		strict_fail(&s, "ResponseTime", _("out of range"));
	sum->has_fault = strict_bool(&s, obj, "HasFault");
	sum->has_error = strict_bool(&s, obj, "HasError");
	sum->has_throttle = strict_bool(&s, obj, "HasThrottle");
	sum->is_partial = strict_bool(&s, obj, "IsPartial");
	const cJSON *http = strict_object(&s, obj, "Http");
	if (http) {
		s.sub = "Http";
		sum->http.url = strict_str(&s, http, "HttpURL");
		sum->http.method = strict_str(&s, http, "HttpMethod");
		sum->http.user_agent = strict_str(&s, http, "UserAgent");
		sum->http.client_ip = strict_str(&s, http, "ClientIp");
		double status = strict_num(&s, http, "HttpStatus");
		sum->http.status =
		    isfinite(status) && status > 0 && status < 1000 ? (int)status : 0;
		s.sub = NULL;
	}
	s_annotations(&s, obj, sum);
	s_users(&s, obj, sum);
	sum->service_ids = s_service_ids(&s, obj, "ServiceIds", &sum->n_service_ids);
	sum->resource_arns = s_detail_list(&s, obj, "ResourceARNs", "ARN", &sum->n_resource_arns);
	sum->instance_ids = s_detail_list(&s, obj, "InstanceIds", "Id", &sum->n_instance_ids);
	sum->availability_zones =
	    s_detail_list(&s, obj, "AvailabilityZones", "Name", &sum->n_availability_zones);
	const cJSON *entry = strict_object(&s, obj, "EntryPoint");
	if (entry) {
		sum->entry_point = ARENA_NEW(a, struct xr_service_id);
		s_service_id(&s, entry, sum->entry_point);
	}
	s_root_causes(&s, obj, "FaultRootCauses", sum, XR_RC_FAULT);
	s_root_causes(&s, obj, "ErrorRootCauses", sum, XR_RC_ERROR);
	s_root_causes(&s, obj, "ResponseTimeRootCauses", sum, XR_RC_RESPONSETIME);
	double rev = strict_num(&s, obj, "Revision");
	sum->revision = isfinite(rev) && fabs(rev) < 1e9 ? (int)rev : -1;
	sum->matched_event_time = strict_num(&s, obj, "MatchedEventTime");
	return s.failed ? NULL : sum;
}

static cJSON *
parse_json(const char *json, size_t len, struct xr_err *err)
{
	const char *end = NULL;
	size_t held_len;
	char *held = jsonscan_hold_nul(json, len, &held_len); /* cJSON cuts strings at NUL */
	if (held) {
		json = held;
		len = held_len;
	}
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!root) {
		jsonpos_error(json, len, end && end >= json ? (size_t)(end - json) : len, err);
	} else {
		/* Only whitespace may follow the value. */
		size_t at = (size_t)(end - json);
		while (at < len && strchr(" \t\r\n", json[at]) && json[at])
			at++;
		if (at < len) {
			cJSON_Delete(root);
			root = NULL;
			size_t line, col;
			jsonpos_position(json, len, at, &line, &col);
			xr_err_set(err, XR_EINPUT,
			           _("line %zu, column %zu: unexpected data after the JSON value"),
			           line, col);
		}
	}
	free(held);
	return root;
}

struct xr_summary *
decode_trace_summary(const char *json, size_t len, struct arena *a, struct xr_err *err)
{
	cJSON *obj = parse_json(json, len, err);
	if (!obj)
		return NULL;
	struct xr_summary *sum = decode_summary_cjson(obj, a, "TraceSummary", err);
	cJSON_Delete(obj);
	return sum;
}

/* ---- traces ---- */

static bool
trace_id_plausible(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > XR_TRACE_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f') ||
		      (id[i] >= 'A' && id[i] <= 'F') || id[i] == '-'))
			return false;
	return true;
}

/* A trace object is cut with jsonscan rather than parsed with cJSON: the
 * outer level is only a few members, while each Document string would be
 * copied into a cJSON node first.  Segment documents go to cJSON. */

struct segment_ref {
	const char *id; /* the Id member's value (a string), or NULL */
	bool has_doc;   /* its Document was a valid string, now in document_texts */
};

/* Decoded Document strings of the trace being read, reused per thread. */
static _Thread_local struct buf *document_texts;
static _Thread_local size_t cap_document_texts;

struct trace_scan {
	struct buf id;
	bool has_id;
	double duration;
	bool limit_exceeded;
	struct segment_ref *refs;
	size_t n_refs, cap_refs;
	const char *problem; /* first shape problem, or NULL */
};

static bool
member_is(const struct jsonscan_member *m, const char *key)
{
	return m->key_len == strlen(key) && memcmp(m->key, key, m->key_len) == 0;
}

struct segment_scan {
	struct trace_scan *ts;
	struct segment_ref ref;
};

static const char *
note_segment_member(void *ctx, const struct jsonscan_member *m, const char *end)
{
	struct segment_scan *ss = ctx;
	if (member_is(m, "Id")) {
		ss->ref.id = m->value;
	} else if (member_is(m, "Document") && *m->value == '"') {
		/* Decoded right away, so the text is read once. */
		size_t i = ss->ts->n_refs;
		if (i >= cap_document_texts) {
			size_t old = cap_document_texts;
			cap_document_texts = i + 16;
			document_texts = xreallocarray(document_texts, cap_document_texts,
			                               sizeof *document_texts);
			memset(document_texts + old, 0,
			       (cap_document_texts - old) * sizeof *document_texts);
		}
		buf_reset(&document_texts[i]);
		const char *after = jsonscan_string(m->value, end, &document_texts[i], NULL);
		ss->ref.has_doc = after != NULL;
		return after;
	}
	return NULL;
}

static const char *
note_segment(void *ctx, const char *p, const char *end)
{
	struct trace_scan *ts = ctx;
	struct segment_scan ss = {.ts = ts};
	const char *bad, *after = NULL;
	if (*p == '{')
		after = jsonscan_object(p, end, note_segment_member, &ss, &bad);
	if (!after)
		ss.ref.has_doc = false;
	XGROW(ts->refs, ts->cap_refs, ts->n_refs + 1);
	ts->refs[ts->n_refs++] = ss.ref;
	return after;
}

static const char *
note_trace_member(void *ctx, const struct jsonscan_member *m, const char *end)
{
	struct trace_scan *ts = ctx;
	const char *after = NULL, *bad;
	if (member_is(m, "Id")) {
		buf_reset(&ts->id);
		after = jsonscan_string(m->value, end, &ts->id, NULL);
		ts->has_id = after != NULL;
	} else if (member_is(m, "Duration")) {
		after = jsonscan_value_end(m->value, end, 1);
		char num[40];
		size_t n = after ? (size_t)(after - m->value) : 0;
		if (n && n < sizeof num) {
			memcpy(num, m->value, n);
			num[n] = '\0';
			char *stop;
			double v = strtod(num, &stop);
			if (*stop == '\0' && isfinite(v))
				ts->duration = v;
		}
	} else if (member_is(m, "LimitExceeded")) {
		ts->limit_exceeded = end - m->value >= 4 && memcmp(m->value, "true", 4) == 0;
	} else if (member_is(m, "Segments")) {
		if (*m->value == '[')
			after = jsonscan_array(m->value, end, note_segment, ts, &bad);
		else if (*m->value != 'n')
			ts->problem = N_("\"Segments\" is not a list");
		if (*m->value == '[' && !after)
			ts->problem = N_("\"Segments\" is not a well-formed list");
	}
	return after;
}

/* The text of a segment's Id for messages, or "?". */
static const char *
segment_ref_id(const struct segment_ref *ref, const char *end, struct buf *scratch)
{
	buf_reset(scratch);
	if (!ref->id || !jsonscan_string(ref->id, end, scratch, NULL) || !scratch->data)
		return "?";
	return scratch->data;
}

static void
decode_segment_refs(struct xr_trace *t, const struct trace_scan *ts, const char *end,
                    const char *where, struct xr_warnings *warnings)
{
	struct buf name = BUF_INIT;
	for (size_t i = 0; i < ts->n_refs; i++) {
		const struct segment_ref *ref = &ts->refs[i];
		struct xr_err e = {0};
		const struct buf *text = &document_texts[i];
		if (!ref->has_doc) {
			warn_add(warnings,
			         _("%s: trace %s: segment %zu (%s): no valid \"Document\" string: "
			           "skipped"),
			         where, t->id, i, segment_ref_id(ref, end, &name));
		} else if (!decode_segment_document(text->data ? text->data : "", text->len, t,
		                                    &e)) {
			warn_add(warnings, _("%s: trace %s: segment %zu (%s): %s: skipped"), where,
			         t->id, i, segment_ref_id(ref, end, &name), e.msg);
		} else {
			struct xr_segment *s = t->documents[t->n_documents - 1];
			if (s->trace_id && s->trace_id != t->id)
				trace_add_problem(t, _("segment %s names trace %s"), s->id,
				                  s->trace_id);
		}
	}
	buf_free(&name);
}

struct xr_trace *
decode_trace_object(const char *json, size_t len, const char *where, struct xr_warnings *warnings,
                    struct xr_err *err)
{
	const char *end = json + len, *bad;
	const char *p = jsonscan_skip_ws(json, end);
	struct trace_scan ts = {.duration = NAN};
	struct xr_trace *t = NULL;
	if (p >= end || *p != '{') {
		xr_err_set(err, XR_EINPUT, _("%s: a trace must be a JSON object"), where);
	} else if (!jsonscan_object(p, end, note_trace_member, &ts, &bad)) {
		jsonpos_error(json, len, (size_t)(bad - json), err);
		xr_err_prefix(err, "%s", where);
	} else if (!ts.has_id || !ts.id.data || !trace_id_plausible(ts.id.data)) {
		xr_err_set(err, XR_EINPUT, _("%s: trace has no valid \"Id\""), where);
	} else if (ts.problem) {
		xr_err_set(err, XR_EINPUT, _("%s: trace %s: %s"), where, ts.id.data, _(ts.problem));
	} else {
		t = trace_new_sized(ts.id.data, len);
		t->api_duration = ts.duration;
		t->limit_exceeded = ts.limit_exceeded;
		if (t->limit_exceeded)
			trace_add_problem(
			    t,
			    _("trace exceeded the X-Ray trace size limit: segments are missing"));
		decode_segment_refs(t, &ts, end, where, warnings);
		trace_finish(t);
	}
	buf_free(&ts.id);
	free(ts.refs);
	return t;
}

/* ---- paginated responses ---- */

void
decode_page_free(struct decode_page *p)
{
	free(p->next_token);
	for (size_t i = 0; i < p->n_unprocessed; i++)
		free(p->unprocessed[i]);
	free(p->unprocessed);
	memset(p, 0, sizeof *p);
}

static int
read_next_token(const cJSON *root, struct decode_page *page, struct xr_err *err)
{
	const cJSON *tok = FIELD(root, "NextToken");
	if (!tok || cJSON_IsNull(tok))
		return 0;
	if (!cJSON_IsString(tok))
		return xr_err_set(err, XR_EINPUT, _("NextToken: expected a string"));
	if (*tok->valuestring)
		page->next_token = xstrdup(tok->valuestring);
	return 0;
}

static const cJSON *
response_list(const cJSON *root, const char *key, struct xr_err *err)
{
	static const cJSON empty = {.type = cJSON_Array};
	const cJSON *list = FIELD(root, key);
	if (!list || cJSON_IsNull(list))
		return &empty;
	if (!cJSON_IsArray(list)) {
		xr_err_set(err, XR_EINPUT, _("%s: expected a list"), key);
		return NULL;
	}
	return list;
}

/* Starts decoding a paginated response: clears page, parses the reply and
 * checks it is an object.  Returns the tree (caller deletes) or NULL. */
static cJSON *
response_begin(const char *json, size_t len, const char *operation, struct decode_page *page,
               struct xr_err *err)
{
	memset(page, 0, sizeof *page);
	page->processed = -1;
	page->approximate_time = NAN;
	cJSON *root = parse_json(json, len, err);
	if (root && !cJSON_IsObject(root)) {
		xr_err_set(err, XR_EINPUT, _("expected a %s object"), operation);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int
decode_trace_summaries_response(const char *json, size_t len, struct xr_store *store,
                                struct decode_page *page, struct xr_warnings *warnings,
                                struct xr_err *err)
{
	cJSON *root = response_begin(json, len, "GetTraceSummaries", page, err);
	if (!root)
		return -1;
	int rc = -1;
	const cJSON *list;
	if (!(list = response_list(root, "TraceSummaries", err)) ||
	    read_next_token(root, page, err) < 0)
		goto out;
	const cJSON *n = FIELD(root, "TracesProcessedCount");
	if (cJSON_IsNumber(n))
		page->processed = (long long)n->valuedouble;
	const cJSON *at = FIELD(root, "ApproximateTime");
	if (cJSON_IsNumber(at))
		page->approximate_time = at->valuedouble;
	/* Decode all first so a bad summary leaves the store untouched. */
	size_t count = (size_t)cJSON_GetArraySize(list), i = 0;
	struct xr_summary **sums = xcalloc(count + 1, sizeof *sums);
	struct arena **arenas = xcalloc(count + 1, sizeof *arenas);
	const cJSON *item;
	cJSON_ArrayForEach(item, list)
	{
		char where[48];
		snprintf(where, sizeof where, "TraceSummaries[%zu]", i);
		arenas[i] = arena_new();
		sums[i] = decode_summary_cjson(item, arenas[i], where, err);
		if (!sums[i++])
			break;
	}
	if (i == count && (count == 0 || sums[count - 1])) {
		for (size_t k = 0; k < count; k++)
			store_add_summary(store, sums[k], arenas[k]);
		page->n_items = count;
		rc = 0;
	} else {
		for (size_t k = 0; k < i; k++)
			arena_free(arenas[k]);
	}
	free(sums);
	free(arenas);
	(void)warnings;
out:
	cJSON_Delete(root);
	if (rc < 0)
		decode_page_free(page);
	return rc;
}

struct spans {
	struct span {
		const char *p, *end;
	} * items;
	size_t n, cap;
};

static const char *
note_span(void *ctx, const char *p, const char *end)
{
	struct spans *sp = ctx;
	const char *vend = jsonscan_value_end(p, end, 1000);
	if (vend) {
		XGROW(sp->items, sp->cap, sp->n + 1);
		sp->items[sp->n++] = (struct span){p, vend};
	}
	return vend;
}

static const char *
note_traces_member(void *ctx, const struct jsonscan_member *m, const char *end)
{
	const char *bad;
	if (!member_is(m, "Traces") || *m->value != '[')
		return NULL;
	return jsonscan_array(m->value, end, note_span, ctx, &bad);
}

int
decode_batch_get_traces_response(const char *json, size_t len, struct xr_store *store,
                                 struct decode_page *page, struct xr_warnings *warnings,
                                 struct xr_err *err)
{
	cJSON *root = response_begin(json, len, "BatchGetTraces", page, err);
	if (!root)
		return -1;
	int rc = -1;
	const cJSON *list, *unp;
	if (!(list = response_list(root, "Traces", err)) ||
	    !(unp = response_list(root, "UnprocessedTraceIds", err)) ||
	    read_next_token(root, page, err) < 0)
		goto out;
	const cJSON *item;
	cJSON_ArrayForEach(item, unp)
	{
		if (!cJSON_IsString(item)) {
			xr_err_set(err, XR_EINPUT,
			           _("UnprocessedTraceIds: expected a list of strings"));
			goto out;
		}
	}
	/* cJSON has checked the whole reply; the traces are decoded from its text. */
	size_t count = (size_t)cJSON_GetArraySize(list), i = 0;
	struct spans spans = {0};
	const char *bad;
	jsonscan_object(jsonscan_skip_ws(json, json + len), json + len, note_traces_member, &spans,
	                &bad);
	if (spans.n != count)
		xr_err_set(err, XR_EINPUT, _("Traces: the list could not be cut into traces"));
	struct xr_trace **traces = xcalloc(count + 1, sizeof *traces);
	for (; spans.n == count && i < count; i++) {
		char where[48];
		snprintf(where, sizeof where, "Traces[%zu]", i);
		size_t n = (size_t)(spans.items[i].end - spans.items[i].p);
		if (!(traces[i] = decode_trace_object(spans.items[i].p, n, where, warnings, err)))
			break;
	}
	free(spans.items);
	if (i == count) {
		for (size_t k = 0; k < count; k++) {
			if (traces[k]->limit_exceeded)
				page->n_limit_exceeded++;
			store_add_trace(store, traces[k]);
		}
		page->n_items = count;
		page->n_unprocessed = (size_t)cJSON_GetArraySize(unp);
		page->unprocessed = xcalloc(page->n_unprocessed + 1, sizeof *page->unprocessed);
		size_t k = 0;
		cJSON_ArrayForEach(item, unp) page->unprocessed[k++] = xstrdup(item->valuestring);
		rc = 0;
	} else {
		for (size_t k = 0; k < i; k++)
			trace_free(traces[k]);
	}
	free(traces);
out:
	cJSON_Delete(root);
	if (rc < 0)
		decode_page_free(page);
	return rc;
}

/* ---- groups and errors ---- */

int
decode_groups_response(const char *json, size_t len, struct xr_group **groups, size_t *n,
                       char **next_token, struct xr_err *err)
{
	*next_token = NULL;
	cJSON *root = parse_json(json, len, err);
	if (!root)
		return -1;
	int rc = -1;
	const cJSON *list;
	if (!cJSON_IsObject(root)) {
		xr_err_set(err, XR_EINPUT, _("expected a GetGroups object"));
		goto out;
	}
	if (!(list = response_list(root, "Groups", err)))
		goto out;
	const cJSON *g;
	cJSON_ArrayForEach(g, list)
	{
		const cJSON *name = cJSON_IsObject(g) ? FIELD(g, "GroupName") : NULL;
		const cJSON *arn = cJSON_IsObject(g) ? FIELD(g, "GroupARN") : NULL;
		const cJSON *expr = cJSON_IsObject(g) ? FIELD(g, "FilterExpression") : NULL;
		if (!cJSON_IsString(name) || (arn && !cJSON_IsString(arn) && !cJSON_IsNull(arn)) ||
		    (expr && !cJSON_IsString(expr) && !cJSON_IsNull(expr))) {
			xr_err_set(err, XR_EINPUT,
			           _("Groups: expected objects with a GroupName string"));
			goto out;
		}
		*groups = xreallocarray(*groups, *n + 1, sizeof **groups);
		struct xr_group *out = &(*groups)[(*n)++];
		out->name = xstrdup(name->valuestring);
		out->arn = cJSON_IsString(arn) ? xstrdup(arn->valuestring) : NULL;
		out->filter_expression = cJSON_IsString(expr) ? xstrdup(expr->valuestring) : NULL;
	}
	const cJSON *tok = FIELD(root, "NextToken");
	if (cJSON_IsString(tok) && *tok->valuestring)
		*next_token = xstrdup(tok->valuestring);
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

void
decode_thread_done(void)
{
	for (size_t i = 0; i < cap_document_texts; i++)
		buf_free(&document_texts[i]);
	free(document_texts);
	document_texts = NULL;
	cap_document_texts = 0;
	decode_segment_thread_done();
	json_thread_done();
}

void
decode_error_body(const char *json, size_t len, char **code, char **message)
{
	if (code)
		*code = NULL;
	if (message)
		*message = NULL;
	cJSON *root = cJSON_ParseWithLength(json, len);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return;
	}
	const cJSON *c = FIELD(root, "__type");
	if (!cJSON_IsString(c))
		c = FIELD(root, "code");
	if (code && cJSON_IsString(c)) {
		const char *hash = strrchr(c->valuestring, '#');
		*code = xstrdup(hash ? hash + 1 : c->valuestring);
	}
	const cJSON *m = FIELD(root, "message");
	if (!cJSON_IsString(m))
		m = FIELD(root, "Message");
	if (message && cJSON_IsString(m))
		*message = xstrdup(m->valuestring);
	cJSON_Delete(root);
}
