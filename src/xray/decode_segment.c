/* Segment documents (segments and subsegments) to struct xr_segment. */
#include "config.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xmalloc.h"
#include "xray/decode.h"
#include "xray/json.h"

struct seg_ctx {
	struct xr_trace *t;
	struct arena *a;
	const char *seg_id; /* for messages */
};

static void
problem(struct seg_ctx *c, const char *field, const char *what)
{
	trace_add_problem(c->t, "segment %s: %s %s", c->seg_id ? c->seg_id : "(no id)", field, what);
}

static const char *
str_of(struct seg_ctx *c, const cJSON *item, const char *field)
{
	if (!item || cJSON_IsNull(item))
		return NULL;
	if (!cJSON_IsString(item)) {
		problem(c, field, "is not a string");
		return NULL;
	}
	size_t n = strlen(item->valuestring);
	if (!utf8_valid(item->valuestring, n))
		problem(c, field, "is not valid UTF-8");
	return arena_strndup(c->a, item->valuestring, n);
}

static double
num_of(struct seg_ctx *c, const cJSON *item, const char *field)
{
	if (!item || cJSON_IsNull(item))
		return NAN;
	if (!cJSON_IsNumber(item)) {
		problem(c, field, "is not a number");
		return NAN;
	}
	if (!isfinite(item->valuedouble)) {
		problem(c, field, "is not a finite number");
		return NAN;
	}
	return item->valuedouble;
}

static bool
bool_of(struct seg_ctx *c, const cJSON *item, const char *field)
{
	if (!item || cJSON_IsNull(item))
		return false;
	if (!cJSON_IsBool(item)) {
		problem(c, field, "is not a boolean");
		return false;
	}
	return cJSON_IsTrue(item);
}

static int
int_of(struct seg_ctx *c, const cJSON *item, const char *field)
{
	double v = num_of(c, item, field);
	return isfinite(v) && fabs(v) < 1e9 ? (int)v : 0;
}

static const cJSON *
object_of(struct seg_ctx *c, const cJSON *item, const char *field)
{
	if (!item || cJSON_IsNull(item))
		return NULL;
	if (!cJSON_IsObject(item)) {
		problem(c, field, "is not an object");
		return NULL;
	}
	return item;
}

static const cJSON *
array_of(struct seg_ctx *c, const cJSON *item, const char *field)
{
	if (!item || cJSON_IsNull(item))
		return NULL;
	if (!cJSON_IsArray(item)) {
		problem(c, field, "is not an array");
		return NULL;
	}
	return item;
}

#define FIELD(obj, name) cJSON_GetObjectItemCaseSensitive((obj), (name))

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
decode_http(struct seg_ctx *c, const cJSON *http, struct xr_http *out)
{
	const cJSON *req = object_of(c, FIELD(http, "request"), "http.request");
	if (req) {
		out->method = str_of(c, FIELD(req, "method"), "http.request.method");
		out->url = str_of(c, FIELD(req, "url"), "http.request.url");
		out->user_agent = str_of(c, FIELD(req, "user_agent"), "http.request.user_agent");
		out->client_ip = str_of(c, FIELD(req, "client_ip"), "http.request.client_ip");
		out->x_forwarded_for = bool_of(c, FIELD(req, "x_forwarded_for"), "http.request.x_forwarded_for");
		out->traced = bool_of(c, FIELD(req, "traced"), "http.request.traced");
	}
	const cJSON *resp = object_of(c, FIELD(http, "response"), "http.response");
	if (resp) {
		out->status = int_of(c, FIELD(resp, "status"), "http.response.status");
		double len = num_of(c, FIELD(resp, "content_length"), "http.response.content_length");
		out->content_length = isfinite(len) && fabs(len) < 9e15 ? (long long)len : -1;
	}
}

/* Members of `aws` with a field of their own in struct xr_aws (sorted). */
static const char *const aws_members[] = {
	"account_id", "ec2", "function_name", "operation", "queue_url",
	"region", "request_id", "table_name", "topic_arn",
};

static bool
is_aws_member(const char *key)
{
	const char **hit = bsearch(&key, aws_members, sizeof aws_members / sizeof *aws_members,
	                           sizeof *aws_members, cmp_name);
	/* ec2 keeps members besides the two read here (instance_size, ami_id). */
	return hit && strcmp(key, "ec2") != 0;
}

static struct xr_aws *
decode_aws(struct seg_ctx *c, const cJSON *aws)
{
	struct xr_aws *out = ARENA_NEW(c->a, struct xr_aws);
	out->operation = str_of(c, FIELD(aws, "operation"), "aws.operation");
	out->table_name = str_of(c, FIELD(aws, "table_name"), "aws.table_name");
	out->function_name = str_of(c, FIELD(aws, "function_name"), "aws.function_name");
	out->region = str_of(c, FIELD(aws, "region"), "aws.region");
	out->request_id = str_of(c, FIELD(aws, "request_id"), "aws.request_id");
	out->account_id = str_of(c, FIELD(aws, "account_id"), "aws.account_id");
	out->queue_url = str_of(c, FIELD(aws, "queue_url"), "aws.queue_url");
	out->topic_arn = str_of(c, FIELD(aws, "topic_arn"), "aws.topic_arn");
	const cJSON *ec2 = object_of(c, FIELD(aws, "ec2"), "aws.ec2");
	if (ec2) {
		out->instance_id = str_of(c, FIELD(ec2, "instance_id"), "aws.ec2.instance_id");
		out->availability_zone =
		    str_of(c, FIELD(ec2, "availability_zone"), "aws.ec2.availability_zone");
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, aws)
	{
		if (!is_aws_member(item->string)) {
			out->extra = json_text_filtered(aws, is_aws_member, c->a);
			break;
		}
	}
	return out;
}

static struct xr_sql *
decode_sql(struct seg_ctx *c, const cJSON *sql)
{
	struct xr_sql *out = ARENA_NEW(c->a, struct xr_sql);
	out->connection_string = str_of(c, FIELD(sql, "connection_string"), "sql.connection_string");
	out->url = str_of(c, FIELD(sql, "url"), "sql.url");
	out->sanitized_query = str_of(c, FIELD(sql, "sanitized_query"), "sql.sanitized_query");
	out->database_type = str_of(c, FIELD(sql, "database_type"), "sql.database_type");
	out->database_version = str_of(c, FIELD(sql, "database_version"), "sql.database_version");
	out->driver_version = str_of(c, FIELD(sql, "driver_version"), "sql.driver_version");
	out->user = str_of(c, FIELD(sql, "user"), "sql.user");
	out->preparation = str_of(c, FIELD(sql, "preparation"), "sql.preparation");
	return out;
}

static const char **
decode_string_list(struct seg_ctx *c, const cJSON *arr, const char *field, unsigned *n_out)
{
	*n_out = 0;
	if (!arr)
		return NULL;
	unsigned n = (unsigned)cJSON_GetArraySize(arr);
	const char **out = ARENA_ARRAY(c->a, const char *, n + 1);
	const cJSON *item;
	cJSON_ArrayForEach(item, arr)
	{
		const char *s = str_of(c, item, field);
		if (s)
			out[(*n_out)++] = s;
	}
	return out;
}

static void
decode_exception(struct seg_ctx *c, const cJSON *ex, struct xr_exception *out)
{
	out->id = str_of(c, FIELD(ex, "id"), "cause.exceptions.id");
	out->message = str_of(c, FIELD(ex, "message"), "cause.exceptions.message");
	out->type = str_of(c, FIELD(ex, "type"), "cause.exceptions.type");
	out->cause = str_of(c, FIELD(ex, "cause"), "cause.exceptions.cause");
	out->remote = bool_of(c, FIELD(ex, "remote"), "cause.exceptions.remote");
	out->truncated = int_of(c, FIELD(ex, "truncated"), "cause.exceptions.truncated");
	out->skipped = int_of(c, FIELD(ex, "skipped"), "cause.exceptions.skipped");
	const cJSON *stack = array_of(c, FIELD(ex, "stack"), "cause.exceptions.stack");
	if (!stack)
		return;
	unsigned n = (unsigned)cJSON_GetArraySize(stack);
	out->stack = ARENA_ARRAY(c->a, struct xr_stack_frame, n + 1);
	const cJSON *fr;
	cJSON_ArrayForEach(fr, stack)
	{
		if (!object_of(c, fr, "cause.exceptions.stack[]"))
			continue;
		struct xr_stack_frame *f = &out->stack[out->n_stack++];
		f->path = str_of(c, FIELD(fr, "path"), "stack.path");
		f->label = str_of(c, FIELD(fr, "label"), "stack.label");
		f->line = int_of(c, FIELD(fr, "line"), "stack.line");
	}
}

static struct xr_cause *
decode_cause(struct seg_ctx *c, const cJSON *cause)
{
	struct xr_cause *out = ARENA_NEW(c->a, struct xr_cause);
	if (cJSON_IsString(cause)) {
		out->exception_id = str_of(c, cause, "cause");
		return out;
	}
	if (!object_of(c, cause, "cause"))
		return NULL;
	out->working_directory = str_of(c, FIELD(cause, "working_directory"), "cause.working_directory");
	out->paths = decode_string_list(c, array_of(c, FIELD(cause, "paths"), "cause.paths"),
	                                "cause.paths[]", &out->n_paths);
	const cJSON *exs = array_of(c, FIELD(cause, "exceptions"), "cause.exceptions");
	if (exs) {
		unsigned n = (unsigned)cJSON_GetArraySize(exs);
		out->exceptions = ARENA_ARRAY(c->a, struct xr_exception, n + 1);
		const cJSON *ex;
		cJSON_ArrayForEach(ex, exs)
		{
			if (object_of(c, ex, "cause.exceptions[]"))
				decode_exception(c, ex, &out->exceptions[out->n_exceptions++]);
		}
	}
	return out;
}

static void
decode_annotations(struct seg_ctx *c, const cJSON *obj, struct xr_segment *s)
{
	unsigned n = (unsigned)cJSON_GetArraySize(obj);
	s->annotations = ARENA_ARRAY(c->a, struct xr_annotation, n + 1);
	const cJSON *item;
	cJSON_ArrayForEach(item, obj)
	{
		struct xr_annotation *an = &s->annotations[s->n_annotations];
		if (!utf8_valid(item->string, strlen(item->string)))
			problem(c, "annotation key", "is not valid UTF-8");
		an->key = arena_strdup(c->a, item->string);
		if (cJSON_IsString(item)) {
			an->value.type = XR_VAL_STRING;
			an->value.u.s = str_of(c, item, "annotation value");
		} else if (cJSON_IsNumber(item) && isfinite(item->valuedouble)) {
			an->value.type = XR_VAL_NUMBER;
			an->value.u.n = item->valuedouble;
		} else if (cJSON_IsBool(item)) {
			an->value.type = XR_VAL_BOOL;
			an->value.u.b = cJSON_IsTrue(item);
		} else {
			trace_add_problem(c->t,
			                  "segment %s: annotation %s is not a string, number or boolean",
			                  c->seg_id ? c->seg_id : "(no id)", item->string);
			continue;
		}
		s->n_annotations++;
	}
}

static struct xr_segment *decode_segment(struct seg_ctx *c, const cJSON *doc, bool nested);

static void
decode_subsegments(struct seg_ctx *c, const cJSON *arr, struct xr_segment *s)
{
	unsigned n = (unsigned)cJSON_GetArraySize(arr);
	s->subsegments = ARENA_ARRAY(c->a, struct xr_segment *, n + 1);
	const cJSON *item;
	const char *parent_id = c->seg_id;
	cJSON_ArrayForEach(item, arr)
	{
		if (!object_of(c, item, "subsegments[]"))
			continue;
		struct xr_segment *sub = decode_segment(c, item, true);
		c->seg_id = parent_id;
		if (sub)
			s->subsegments[s->n_subsegments++] = sub;
	}
}

/* The members a segment document may carry; anything else is kept in `extra`. */
enum seg_member {
	M_ANNOTATIONS, M_AWS, M_CAUSE, M_END_TIME, M_ERROR, M_FAULT, M_HTTP, M_ID, M_IN_PROGRESS,
	M_INFERRED, M_METADATA, M_NAME, M_NAMESPACE, M_ORIGIN, M_PARENT_ID, M_PRECURSOR_IDS,
	M_RESOURCE_ARN, M_SERVICE, M_SQL, M_START_TIME, M_SUBSEGMENTS, M_THROTTLE, M_TRACE_ID,
	M_TYPE, M_USER, M_COUNT
};

/* Sorted by name, in the order of enum seg_member. */
static const char *const member_names[M_COUNT] = {
	"annotations", "aws", "cause", "end_time", "error", "fault", "http", "id", "in_progress",
	"inferred", "metadata", "name", "namespace", "origin", "parent_id", "precursor_ids",
	"resource_arn", "service", "sql", "start_time", "subsegments", "throttle", "trace_id",
	"type", "user",
};

static bool
is_member(const char *key)
{
	return bsearch(&key, member_names, M_COUNT, sizeof *member_names, cmp_name) != NULL;
}

/* Finds every known member in one pass (cJSON's lookup is a linear scan
 * per call); returns whether unknown members are present. */
static bool
find_members(const cJSON *doc, const cJSON *m[M_COUNT])
{
	bool unknown = false;
	memset(m, 0, M_COUNT * sizeof *m);
	const cJSON *item;
	cJSON_ArrayForEach(item, doc)
	{
		const char *key = item->string;
		const char *const *hit =
		    bsearch(&key, member_names, M_COUNT, sizeof *member_names, cmp_name);
		if (!hit)
			unknown = true;
		else if (!m[hit - member_names])
			m[hit - member_names] = item;
	}
	return unknown;
}

static struct xr_segment *
decode_segment(struct seg_ctx *c, const cJSON *doc, bool nested)
{
	const cJSON *m[M_COUNT];
	bool unknown = find_members(doc, m);
	const cJSON *id = m[M_ID];
	if (!cJSON_IsString(id) || !*id->valuestring) {
		if (nested)
			trace_add_problem(c->t, "segment %s: a subsegment has no id: skipped",
			                  c->seg_id ? c->seg_id : "(no id)");
		return NULL;
	}
	struct xr_segment *s = ARENA_NEW(c->a, struct xr_segment);
	s->id = str_of(c, id, "id");
	c->seg_id = s->id;
	s->name = str_of(c, m[M_NAME], "name");
	if (!s->name) {
		problem(c, "name", "is missing");
		s->name = "(no name)";
	}
	const cJSON *trace_id = m[M_TRACE_ID];
	if (cJSON_IsString(trace_id) && strcmp(trace_id->valuestring, c->t->id) == 0)
		s->trace_id = c->t->id; /* share the trace's copy */
	else
		s->trace_id = str_of(c, trace_id, "trace_id");
	s->parent_id = str_of(c, m[M_PARENT_ID], "parent_id");
	const cJSON *start = m[M_START_TIME];
	s->start_time = num_of(c, start, "start_time");
	s->end_time = num_of(c, m[M_END_TIME], "end_time");
	if (!start)
		problem(c, "start_time", "is missing");
	if (bool_of(c, m[M_IN_PROGRESS], "in_progress")) {
		s->flags |= XR_SEG_IN_PROGRESS;
		s->end_time = NAN;
	}
	if (bool_of(c, m[M_ERROR], "error"))
		s->flags |= XR_SEG_ERROR;
	if (bool_of(c, m[M_FAULT], "fault"))
		s->flags |= XR_SEG_FAULT;
	if (bool_of(c, m[M_THROTTLE], "throttle"))
		s->flags |= XR_SEG_THROTTLE;
	if (bool_of(c, m[M_INFERRED], "inferred"))
		s->flags |= XR_SEG_INFERRED;
	const char *type = str_of(c, m[M_TYPE], "type");
	if (nested || (type && strcmp(type, "subsegment") == 0))
		s->flags |= XR_SEG_SUBSEGMENT;
	s->origin = str_of(c, m[M_ORIGIN], "origin");
	s->namespace = str_of(c, m[M_NAMESPACE], "namespace");
	s->user = str_of(c, m[M_USER], "user");
	s->resource_arn = str_of(c, m[M_RESOURCE_ARN], "resource_arn");
	const cJSON *service = object_of(c, m[M_SERVICE], "service");
	if (service)
		s->service_version = str_of(c, FIELD(service, "version"), "service.version");
	s->http.content_length = -1;
	const cJSON *obj;
	if ((obj = object_of(c, m[M_HTTP], "http")))
		decode_http(c, obj, &s->http);
	if ((obj = object_of(c, m[M_AWS], "aws")))
		s->aws = decode_aws(c, obj);
	if ((obj = object_of(c, m[M_SQL], "sql")))
		s->sql = decode_sql(c, obj);
	if ((obj = m[M_CAUSE]) && !cJSON_IsNull(obj))
		s->cause = decode_cause(c, obj);
	if ((obj = object_of(c, m[M_ANNOTATIONS], "annotations")))
		decode_annotations(c, obj, s);
	if ((obj = m[M_METADATA]) && !cJSON_IsNull(obj))
		s->metadata = json_text(obj, c->a);
	s->precursor_ids = decode_string_list(c, array_of(c, m[M_PRECURSOR_IDS], "precursor_ids"),
	                                      "precursor_ids[]", &s->n_precursor_ids);
	if (unknown)
		s->extra = json_text_filtered(doc, is_member, c->a);
	if ((obj = array_of(c, m[M_SUBSEGMENTS], "subsegments")))
		decode_subsegments(c, obj, s);
	return s;
}

struct xr_segment *
decode_segment_document(const char *json, size_t len, struct xr_trace *t, struct xr_err *err)
{
	const char *end = NULL;
	json_pool_begin();
	cJSON *doc = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!doc) {
		json_pool_end();
		size_t at = end && end >= json ? (size_t)(end - json) : 0;
		return json_parse_error(json, len, at, err), NULL;
	}
	struct xr_segment *s = NULL;
	if (!cJSON_IsObject(doc)) {
		xr_err_set(err, XR_EINPUT, "a segment document must be a JSON object");
	} else {
		struct seg_ctx c = {.t = t, .a = t->arena};
		s = decode_segment(&c, doc, false);
		if (!s)
			xr_err_set(err, XR_EINPUT, "segment document has no \"id\"");
		else
			trace_add_document(t, s);
	}
	cJSON_Delete(doc);
	json_pool_end();
	return s;
}
