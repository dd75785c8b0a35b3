#include "config.h"

#include "xray/encode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonpull.h"
#include "util/xmalloc.h"

/* Members with literal keys; absent values are left out, as the API does. */
#define key_string(w, key, value)                                                                  \
	do {                                                                                       \
		const char *v_ = (value);                                                          \
		if (v_) {                                                                          \
			JSONW_KEY(w, key);                                                         \
			jsonw_string(w, v_);                                                       \
		}                                                                                  \
	} while (0)
#define key_number(w, key, value)                                                                  \
	do {                                                                                       \
		double v_ = (value);                                                               \
		if (!isnan(v_)) {                                                                  \
			JSONW_KEY(w, key);                                                         \
			jsonw_number(w, v_);                                                       \
		}                                                                                  \
	} while (0)
#define key_bool(w, key, value)                                                                    \
	do {                                                                                       \
		JSONW_KEY(w, key);                                                                 \
		jsonw_bool(w, value);                                                              \
	} while (0)

static void
encode_service_id(struct jsonw *w, const struct xr_service_id *id)
{
	jsonw_object_begin(w);
	key_string(w, "Name", id->name);
	if (id->n_names) {
		JSONW_KEY(w, "Names");
		jsonw_array_begin(w);
		for (unsigned i = 0; i < id->n_names; i++)
			jsonw_string(w, id->names[i]);
		jsonw_array_end(w);
	}
	key_string(w, "AccountId", id->account_id);
	key_string(w, "Type", id->type);
	jsonw_object_end(w);
}

static void
encode_service_ids(struct jsonw *w, const char *key, const struct xr_service_id *ids, unsigned n)
{
	jsonw_key_plain(w, key, strlen(key));
	jsonw_array_begin(w);
	for (unsigned i = 0; i < n; i++)
		encode_service_id(w, &ids[i]);
	jsonw_array_end(w);
}

static void
encode_value(struct jsonw *w, const struct xr_value *v)
{
	jsonw_object_begin(w);
	switch (v->type) {
	case XR_VAL_STRING: key_string(w, "StringValue", v->u.s); break;
	case XR_VAL_NUMBER: key_number(w, "NumberValue", v->u.n); break;
	case XR_VAL_BOOL: key_bool(w, "BooleanValue", v->u.b); break;
	}
	jsonw_object_end(w);
}

static void
encode_details(struct jsonw *w, const char *key, const char *field, const char **items, unsigned n)
{
	jsonw_key_plain(w, key, strlen(key));
	jsonw_array_begin(w);
	for (unsigned i = 0; i < n; i++) {
		jsonw_object_begin(w);
		jsonw_key_plain(w, field, strlen(field));
		jsonw_string(w, items[i]);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

static void
encode_root_causes(struct jsonw *w, const char *key, const struct xr_root_cause *rcs, unsigned n,
                   enum xr_rc_kind kind)
{
	jsonw_key_plain(w, key, strlen(key));
	jsonw_array_begin(w);
	for (unsigned i = 0; i < n; i++) {
		jsonw_object_begin(w);
		JSONW_KEY(w, "Services");
		jsonw_array_begin(w);
		for (unsigned s = 0; s < rcs[i].n_services; s++) {
			const struct xr_rc_service *svc = &rcs[i].services[s];
			jsonw_object_begin(w);
			key_string(w, "Name", svc->id.name);
			if (svc->id.n_names) {
				JSONW_KEY(w, "Names");
				jsonw_array_begin(w);
				for (unsigned k = 0; k < svc->id.n_names; k++)
					jsonw_string(w, svc->id.names[k]);
				jsonw_array_end(w);
			}
			key_string(w, "Type", svc->id.type);
			key_string(w, "AccountId", svc->id.account_id);
			JSONW_KEY(w, "EntityPath");
			jsonw_array_begin(w);
			for (unsigned e = 0; e < svc->n_path; e++) {
				const struct xr_rc_entity *ent = &svc->path[e];
				jsonw_object_begin(w);
				key_string(w, "Name", ent->name);
				if (kind == XR_RC_RESPONSETIME) {
					key_number(w, "Coverage", ent->coverage);
				} else {
					JSONW_KEY(w, "Exceptions");
					jsonw_array_begin(w);
					for (unsigned x = 0; x < ent->n_exceptions; x++) {
						jsonw_object_begin(w);
						key_string(w, "Name", ent->exceptions[x].name);
						key_string(w, "Message",
						           ent->exceptions[x].message);
						jsonw_object_end(w);
					}
					jsonw_array_end(w);
				}
				if (ent->has_remote)
					key_bool(w, "Remote", ent->remote);
				jsonw_object_end(w);
			}
			jsonw_array_end(w);
			key_bool(w, "Inferred", svc->inferred);
			jsonw_object_end(w);
		}
		jsonw_array_end(w);
		key_bool(w, "ClientImpacting", rcs[i].client_impacting);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

void
encode_summary(struct jsonw *w, const struct xr_summary *s)
{
	jsonw_object_begin(w);
	key_string(w, "Id", s->id);
	key_number(w, "StartTime", s->start_time);
	key_number(w, "Duration", s->duration);
	key_number(w, "ResponseTime", s->response_time);
	key_bool(w, "HasFault", s->has_fault);
	key_bool(w, "HasError", s->has_error);
	key_bool(w, "HasThrottle", s->has_throttle);
	key_bool(w, "IsPartial", s->is_partial);
	JSONW_KEY(w, "Http");
	jsonw_object_begin(w);
	key_string(w, "HttpURL", s->http.url);
	if (s->http.status) {
		JSONW_KEY(w, "HttpStatus");
		jsonw_int(w, s->http.status);
	}
	key_string(w, "HttpMethod", s->http.method);
	key_string(w, "UserAgent", s->http.user_agent);
	key_string(w, "ClientIp", s->http.client_ip);
	jsonw_object_end(w);

	JSONW_KEY(w, "Annotations");
	jsonw_object_begin(w);
	for (unsigned a = 0; a < s->n_annotations; a++) {
		const struct xr_summary_annotation *an = &s->annotations[a];
		jsonw_key(w, an->key);
		jsonw_array_begin(w);
		for (unsigned v = 0; v < an->n_values; v++) {
			jsonw_object_begin(w);
			JSONW_KEY(w, "AnnotationValue");
			encode_value(w, &an->values[v].value);
			encode_service_ids(w, "ServiceIds", an->values[v].services,
			                   an->values[v].n_services);
			jsonw_object_end(w);
		}
		jsonw_array_end(w);
	}
	jsonw_object_end(w);

	JSONW_KEY(w, "Users");
	jsonw_array_begin(w);
	for (unsigned u = 0; u < s->n_users; u++) {
		jsonw_object_begin(w);
		key_string(w, "UserName", s->users[u].name);
		encode_service_ids(w, "ServiceIds", s->users[u].services, s->users[u].n_services);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
	encode_service_ids(w, "ServiceIds", s->service_ids, s->n_service_ids);
	encode_details(w, "ResourceARNs", "ARN", s->resource_arns, s->n_resource_arns);
	encode_details(w, "InstanceIds", "Id", s->instance_ids, s->n_instance_ids);
	encode_details(w, "AvailabilityZones", "Name", s->availability_zones,
	               s->n_availability_zones);
	if (s->entry_point) {
		JSONW_KEY(w, "EntryPoint");
		encode_service_id(w, s->entry_point);
	}
	encode_root_causes(w, "FaultRootCauses", s->root_causes[XR_RC_FAULT],
	                   s->n_root_causes[XR_RC_FAULT], XR_RC_FAULT);
	encode_root_causes(w, "ErrorRootCauses", s->root_causes[XR_RC_ERROR],
	                   s->n_root_causes[XR_RC_ERROR], XR_RC_ERROR);
	encode_root_causes(w, "ResponseTimeRootCauses", s->root_causes[XR_RC_RESPONSETIME],
	                   s->n_root_causes[XR_RC_RESPONSETIME], XR_RC_RESPONSETIME);
	if (s->revision >= 0) {
		JSONW_KEY(w, "Revision");
		jsonw_int(w, s->revision);
	}
	key_number(w, "MatchedEventTime", s->matched_event_time);
	jsonw_object_end(w);
}

void
encode_json_text(struct jsonw *w, const char *json)
{
	struct jsonpull jp = {0};
	jsonpull_init(&jp, json, strlen(json));
	struct buf out = BUF_INIT;
	struct jsonw copy;
	jsonw_init(&copy, &out);
	enum jsonpull_token tok;
	bool bad = false;
	while (!bad && (tok = jsonpull_next(&jp)) != JSONPULL_EOF) {
		switch (tok) {
		case JSONPULL_BEGIN_OBJECT: jsonw_object_begin(&copy); break;
		case JSONPULL_END_OBJECT: jsonw_object_end(&copy); break;
		case JSONPULL_BEGIN_ARRAY: jsonw_array_begin(&copy); break;
		case JSONPULL_END_ARRAY: jsonw_array_end(&copy); break;
		case JSONPULL_KEY: jsonw_key(&copy, jp.text.data); break;
		case JSONPULL_STRING: jsonw_stringn(&copy, jp.text.data, jp.text.len); break;
		case JSONPULL_NUMBER: {
			/* The number's own text, so 64-bit integers keep every digit. */
			char num[64];
			size_t n = (size_t)(jp.p - jp.token);
			if (n >= sizeof num)
				jsonw_number(&copy, jp.number);
			else {
				memcpy(num, jp.token, n);
				num[n] = '\0';
				jsonw_raw(&copy, num);
			}
			break;
		}
		case JSONPULL_TRUE:
		case JSONPULL_FALSE: jsonw_bool(&copy, tok == JSONPULL_TRUE); break;
		case JSONPULL_NULL: jsonw_null(&copy); break;
		default: bad = true; break;
		}
		if ((int)jp.depth + w->depth >= JSONW_MAX_DEPTH - 1)
			bad = true; /* deeper than the writer goes: kept as a string */
	}
	if (bad)
		jsonw_string(w, json);
	else
		jsonw_raw(w, out.data ? out.data : "null");
	buf_free(&out);
	jsonpull_free(&jp);
}

/* Writes the members of a JSON object kept as text (extra members). */
static void
encode_members(struct jsonw *w, const char *json)
{
	struct jsonpull jp = {0};
	jsonpull_init(&jp, json, strlen(json));
	if (jsonpull_next(&jp) == JSONPULL_BEGIN_OBJECT) {
		enum jsonpull_token tok;
		while ((tok = jsonpull_next(&jp)) == JSONPULL_KEY) {
			char *key = xstrndup(jp.text.data, jp.text.len);
			const char *from, *to;
			tok = jsonpull_next(&jp);
			if (jsonpull_skip(&jp, tok, &from, &to) < 0) {
				free(key);
				break;
			}
			char *value = xstrndup(from, (size_t)(to - from));
			jsonw_key(w, key);
			encode_json_text(w, value);
			free(value);
			free(key);
		}
	}
	jsonpull_free(&jp);
}

static void
encode_http(struct jsonw *w, const struct xr_http *h)
{
	bool request =
	    h->method || h->url || h->user_agent || h->client_ip || h->x_forwarded_for || h->traced;
	bool response = h->status || h->content_length >= 0;
	if (!request && !response)
		return;
	JSONW_KEY(w, "http");
	jsonw_object_begin(w);
	if (request) {
		JSONW_KEY(w, "request");
		jsonw_object_begin(w);
		key_string(w, "method", h->method);
		key_string(w, "url", h->url);
		key_string(w, "user_agent", h->user_agent);
		key_string(w, "client_ip", h->client_ip);
		if (h->x_forwarded_for)
			key_bool(w, "x_forwarded_for", true);
		if (h->traced)
			key_bool(w, "traced", true);
		jsonw_object_end(w);
	}
	if (response) {
		JSONW_KEY(w, "response");
		jsonw_object_begin(w);
		if (h->status) {
			JSONW_KEY(w, "status");
			jsonw_int(w, h->status);
		}
		if (h->content_length >= 0) {
			JSONW_KEY(w, "content_length");
			jsonw_int(w, h->content_length);
		}
		jsonw_object_end(w);
	}
	jsonw_object_end(w);
}

static void
encode_cause(struct jsonw *w, const struct xr_cause *c)
{
	JSONW_KEY(w, "cause");
	if (c->exception_id) {
		jsonw_string(w, c->exception_id);
		return;
	}
	jsonw_object_begin(w);
	key_string(w, "working_directory", c->working_directory);
	if (c->n_paths) {
		JSONW_KEY(w, "paths");
		jsonw_array_begin(w);
		for (unsigned i = 0; i < c->n_paths; i++)
			jsonw_string(w, c->paths[i]);
		jsonw_array_end(w);
	}
	JSONW_KEY(w, "exceptions");
	jsonw_array_begin(w);
	for (unsigned i = 0; i < c->n_exceptions; i++) {
		const struct xr_exception *x = &c->exceptions[i];
		jsonw_object_begin(w);
		key_string(w, "id", x->id);
		key_string(w, "message", x->message);
		key_string(w, "type", x->type);
		if (x->remote)
			key_bool(w, "remote", true);
		if (x->truncated) {
			JSONW_KEY(w, "truncated");
			jsonw_int(w, x->truncated);
		}
		if (x->skipped) {
			JSONW_KEY(w, "skipped");
			jsonw_int(w, x->skipped);
		}
		key_string(w, "cause", x->cause);
		if (x->n_stack) {
			JSONW_KEY(w, "stack");
			jsonw_array_begin(w);
			for (unsigned f = 0; f < x->n_stack; f++) {
				jsonw_object_begin(w);
				key_string(w, "path", x->stack[f].path);
				if (x->stack[f].line) {
					JSONW_KEY(w, "line");
					jsonw_int(w, x->stack[f].line);
				}
				key_string(w, "label", x->stack[f].label);
				jsonw_object_end(w);
			}
			jsonw_array_end(w);
		}
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
	jsonw_object_end(w);
}

static void
encode_aws(struct jsonw *w, const struct xr_aws *a)
{
	JSONW_KEY(w, "aws");
	jsonw_object_begin(w);
	key_string(w, "operation", a->operation);
	key_string(w, "table_name", a->table_name);
	key_string(w, "function_name", a->function_name);
	key_string(w, "region", a->region);
	key_string(w, "request_id", a->request_id);
	key_string(w, "account_id", a->account_id);
	key_string(w, "queue_url", a->queue_url);
	key_string(w, "topic_arn", a->topic_arn);
	if (a->extra)
		encode_members(w, a->extra);
	jsonw_object_end(w);
}

static void
encode_sql(struct jsonw *w, const struct xr_sql *q)
{
	JSONW_KEY(w, "sql");
	jsonw_object_begin(w);
	key_string(w, "url", q->url);
	key_string(w, "connection_string", q->connection_string);
	key_string(w, "sanitized_query", q->sanitized_query);
	key_string(w, "database_type", q->database_type);
	key_string(w, "database_version", q->database_version);
	key_string(w, "driver_version", q->driver_version);
	key_string(w, "user", q->user);
	key_string(w, "preparation", q->preparation);
	jsonw_object_end(w);
}

static void
encode_segment_at(struct jsonw *w, const struct xr_segment *s, bool nested)
{
	jsonw_object_begin(w);
	key_string(w, "id", s->id);
	key_string(w, "name", s->name);
	key_number(w, "start_time", s->start_time);
	if (s->flags & XR_SEG_IN_PROGRESS)
		key_bool(w, "in_progress", true);
	else
		key_number(w, "end_time", s->end_time);
	key_string(w, "parent_id", s->parent_id);
	key_string(w, "trace_id", s->trace_id);
	if (!nested && (s->flags & XR_SEG_SUBSEGMENT))
		key_string(w, "type", "subsegment");
	if (s->flags & XR_SEG_INFERRED)
		key_bool(w, "inferred", true);
	key_string(w, "origin", s->origin);
	key_string(w, "namespace", s->namespace);
	key_string(w, "user", s->user);
	key_string(w, "resource_arn", s->resource_arn);
	if (s->service_version) {
		JSONW_KEY(w, "service");
		jsonw_object_begin(w);
		key_string(w, "version", s->service_version);
		jsonw_object_end(w);
	}
	encode_http(w, &s->http);
	if (s->aws)
		encode_aws(w, s->aws);
	if (s->sql)
		encode_sql(w, s->sql);
	if (s->flags & XR_SEG_ERROR)
		key_bool(w, "error", true);
	if (s->flags & XR_SEG_THROTTLE)
		key_bool(w, "throttle", true);
	if (s->flags & XR_SEG_FAULT)
		key_bool(w, "fault", true);
	if (s->cause)
		encode_cause(w, s->cause);
	if (s->n_annotations) {
		JSONW_KEY(w, "annotations");
		jsonw_object_begin(w);
		for (unsigned i = 0; i < s->n_annotations; i++) {
			const struct xr_annotation *an = &s->annotations[i];
			jsonw_key(w, an->key);
			switch (an->value.type) {
			case XR_VAL_STRING: jsonw_string(w, an->value.u.s); break;
			case XR_VAL_NUMBER: jsonw_number(w, an->value.u.n); break;
			case XR_VAL_BOOL: jsonw_bool(w, an->value.u.b); break;
			}
		}
		jsonw_object_end(w);
	}
	if (s->metadata) {
		JSONW_KEY(w, "metadata");
		encode_json_text(w, s->metadata);
	}
	if (s->n_precursor_ids) {
		JSONW_KEY(w, "precursor_ids");
		jsonw_array_begin(w);
		for (unsigned i = 0; i < s->n_precursor_ids; i++)
			jsonw_string(w, s->precursor_ids[i]);
		jsonw_array_end(w);
	}
	if (s->extra)
		encode_members(w, s->extra);
	if (s->n_subsegments) {
		JSONW_KEY(w, "subsegments");
		jsonw_array_begin(w);
		for (unsigned i = 0; i < s->n_subsegments; i++)
			encode_segment_at(w, s->subsegments[i], true);
		jsonw_array_end(w);
	}
	jsonw_object_end(w);
}

void
encode_segment(struct jsonw *w, const struct xr_segment *s)
{
	encode_segment_at(w, s, s->document != s);
}

void
encode_trace(struct jsonw *w, const struct xr_trace *t)
{
	jsonw_object_begin(w);
	key_string(w, "Id", t->id);
	key_number(w, "Duration", isnan(t->api_duration) ? t->summary.duration : t->api_duration);
	key_bool(w, "LimitExceeded", t->limit_exceeded);
	JSONW_KEY(w, "Segments");
	jsonw_array_begin(w);
	struct buf doc = BUF_INIT;
	for (unsigned i = 0; i < t->n_documents; i++) {
		const struct xr_segment *s = t->documents[i];
		struct jsonw dw;
		buf_reset(&doc);
		jsonw_init(&dw, &doc);
		encode_segment_at(&dw, s, false);
		jsonw_object_begin(w);
		key_string(w, "Id", s->id);
		JSONW_KEY(w, "Document");
		jsonw_stringn(w, doc.data, doc.len);
		jsonw_object_end(w);
	}
	buf_free(&doc);
	jsonw_array_end(w);
	jsonw_object_end(w);
}
