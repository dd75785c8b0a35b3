/* Segment documents (segments and subsegments) to struct xr_segment.
 *
 * Documents are read with the jsonpull tokenizer straight into the trace's
 * arena: no JSON tree is built, which makes loading a large file about
 * twice as fast as going through cJSON.  The grammar is checked as
 * strictly; a member of the wrong type is reported and skipped. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonpos.h"
#include "util/jsonpull.h"
#include "util/jsonw.h"
#include "util/timefmt.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "xray/decode.h"
#include "xray/json.h"
#include "util/i18n.h"

/* Problems of one segment are kept until its id is known. */
#define MAX_PENDING 8

struct seg_state {
	struct xr_segment *s;
	const char *field[MAX_PENDING];
	const char *what[MAX_PENDING];
	unsigned n_pending;
};

struct ctx {
	struct xr_trace *t;
	struct arena *a;
	struct jsonpull *jp;
	bool failed; /* a syntax error: the document is unusable */
};

static void
problem(struct seg_state *st, const char *field, const char *what)
{
	if (st->n_pending < MAX_PENDING) {
		st->field[st->n_pending] = field;
		st->what[st->n_pending++] = what;
	}
}

static void
flush_problems(struct ctx *c, struct seg_state *st)
{
	const char *id = st->s && st->s->id ? st->s->id : _("(no id)");
	for (unsigned i = 0; i < st->n_pending; i++)
		trace_add_problem(c->t, _("segment %s: %s %s"), id, st->field[i], _(st->what[i]));
	st->n_pending = 0;
}

static enum jsonpull_token
next(struct ctx *c)
{
	enum jsonpull_token tok = jsonpull_next(c->jp);
	if (tok == JSONPULL_ERROR)
		c->failed = true;
	return tok;
}

/* Skips the value that begins with tok. */
static void
skip(struct ctx *c, enum jsonpull_token tok)
{
	const char *from, *to;
	if (jsonpull_skip(c->jp, tok, &from, &to) < 0)
		c->failed = true;
}

/* The raw text of the value that begins with tok, copied into the arena. */
static const char *
raw_value(struct ctx *c, enum jsonpull_token tok)
{
	const char *from, *to;
	if (jsonpull_skip(c->jp, tok, &from, &to) < 0) {
		c->failed = true;
		return NULL;
	}
	return arena_strndup(c->a, from, (size_t)(to - from));
}

static const char *
take_string(struct ctx *c, struct seg_state *st, enum jsonpull_token tok, const char *field)
{
	if (tok == JSONPULL_STRING) {
		const struct buf *text = &c->jp->text;
		if (!utf8_valid(text->data, text->len))
			problem(st, field, N_("is not valid UTF-8"));
		return arena_strndup(c->a, text->data, text->len);
	}
	if (tok != JSONPULL_NULL) {
		problem(st, field, N_("is not a string"));
		skip(c, tok);
	}
	return NULL;
}

static double
take_number(struct ctx *c, struct seg_state *st, enum jsonpull_token tok, const char *field)
{
	if (tok == JSONPULL_NUMBER) {
		if (isfinite(c->jp->number))
			return c->jp->number;
		problem(st, field, N_("is not a finite number"));
		return NAN;
	}
	if (tok != JSONPULL_NULL) {
		problem(st, field, N_("is not a number"));
		skip(c, tok);
	}
	return NAN;
}

/* A time: a number within timefmt_in_range(), else NaN and a problem. */
static double
take_time(struct ctx *c, struct seg_state *st, enum jsonpull_token tok, const char *field)
{
	double v = take_number(c, st, tok, field);
	if (isfinite(v) && !timefmt_in_range(v)) {
		problem(st, field, N_("is not a time between 1970 and 9999"));
		return NAN;
	}
	return v;
}

static int
take_int(struct ctx *c, struct seg_state *st, enum jsonpull_token tok, const char *field)
{
	double v = take_number(c, st, tok, field);
	return isfinite(v) && fabs(v) < 1e9 ? (int)v : 0;
}

static bool
take_bool(struct ctx *c, struct seg_state *st, enum jsonpull_token tok, const char *field)
{
	if (tok == JSONPULL_TRUE || tok == JSONPULL_FALSE)
		return tok == JSONPULL_TRUE;
	if (tok != JSONPULL_NULL) {
		problem(st, field, N_("is not a boolean"));
		skip(c, tok);
	}
	return false;
}

/* True when tok opens an object; otherwise reports and skips the value. */
static bool
is_object(struct ctx *c, struct seg_state *st, enum jsonpull_token tok, const char *field)
{
	if (tok == JSONPULL_BEGIN_OBJECT)
		return true;
	if (tok != JSONPULL_NULL) {
		problem(st, field, N_("is not an object"));
		skip(c, tok);
	}
	return false;
}

static bool
is_array(struct ctx *c, struct seg_state *st, enum jsonpull_token tok, const char *field)
{
	if (tok == JSONPULL_BEGIN_ARRAY)
		return true;
	if (tok != JSONPULL_NULL) {
		problem(st, field, N_("is not an array"));
		skip(c, tok);
	}
	return false;
}

/* Reads the next member of the object being read: returns true with the
 * key in c->jp->text, false at its end (or on a syntax error). */
static bool
next_member(struct ctx *c)
{
	enum jsonpull_token tok = next(c);
	if (tok == JSONPULL_KEY)
		return true;
	if (tok != JSONPULL_END_OBJECT)
		c->failed = true;
	return false;
}

static bool
key_is(const struct ctx *c, const char *name)
{
	size_t n = strlen(name);
	return c->jp->text.len == n && memcmp(c->jp->text.data, name, n) == 0;
}

/* A growable list, copied into the arena when complete. */
struct list {
	void *items;
	size_t n, cap, size;
};

static void *
list_add(struct list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->items = xreallocarray(l->items, l->cap, l->size);
	}
	return memset((char *)l->items + l->n++ * l->size, 0, l->size);
}

static void *
list_finish(struct ctx *c, struct list *l, unsigned *n)
{
	*n = (unsigned)l->n;
	void *out = arena_memdup(c->a, l->items, l->n, l->size);
	free(l->items);
	return out;
}

static const char **
string_list(struct ctx *c, struct seg_state *st, enum jsonpull_token tok, const char *field,
            unsigned *n)
{
	*n = 0;
	if (!is_array(c, st, tok, field))
		return NULL;
	struct list l = {.size = sizeof(const char *)};
	while (!c->failed && (tok = next(c)) != JSONPULL_END_ARRAY && tok != JSONPULL_ERROR) {
		const char *s = take_string(c, st, tok, field);
		if (s)
			*(const char **)list_add(&l) = s;
	}
	return list_finish(c, &l, n);
}

static void
read_http(struct ctx *c, struct seg_state *st, struct xr_http *out)
{
	while (!c->failed && next_member(c)) {
		bool request = key_is(c, "request"), response = key_is(c, "response");
		enum jsonpull_token tok = next(c);
		if (!request && !response) {
			skip(c, tok);
			continue;
		}
		if (!is_object(c, st, tok, request ? "http.request" : "http.response"))
			continue;
		while (!c->failed && next_member(c)) {
			const char *k = c->jp->text.data;
			int which = request ? (strcmp(k, "method") == 0            ? 1
			                       : strcmp(k, "url") == 0             ? 2
			                       : strcmp(k, "user_agent") == 0      ? 3
			                       : strcmp(k, "client_ip") == 0       ? 4
			                       : strcmp(k, "x_forwarded_for") == 0 ? 5
			                       : strcmp(k, "traced") == 0          ? 6
			                                                           : 0)
			                    : (strcmp(k, "status") == 0           ? 7
			                       : strcmp(k, "content_length") == 0 ? 8
			                                                          : 0);
			tok = next(c);
			switch (which) {
			case 1: out->method = take_string(c, st, tok, "http.request.method"); break;
			case 2: out->url = take_string(c, st, tok, "http.request.url"); break;
			case 3:
				out->user_agent =
				    take_string(c, st, tok, "http.request.user_agent");
				break;
			case 4:
				out->client_ip = take_string(c, st, tok, "http.request.client_ip");
				break;
			case 5:
				out->x_forwarded_for =
				    take_bool(c, st, tok, "http.request.x_forwarded_for");
				break;
			case 6: out->traced = take_bool(c, st, tok, "http.request.traced"); break;
			case 7: out->status = take_int(c, st, tok, "http.response.status"); break;
			case 8: {
				double len =
				    take_number(c, st, tok, "http.response.content_length");
				out->content_length =
				    isfinite(len) && fabs(len) < 9e15 ? (long long)len : -1;
				break;
			}
			default: skip(c, tok); break;
			}
		}
	}
}

/* aws.ec2 is kept whole in aws->extra and read for two of its members. */
static void
read_ec2(struct ctx *c, struct seg_state *st, const char *text, struct xr_aws *out)
{
	struct jsonpull jp = {0};
	jsonpull_init(&jp, text, strlen(text));
	struct ctx sub = {.t = c->t, .a = c->a, .jp = &jp};
	if (next(&sub) == JSONPULL_BEGIN_OBJECT) {
		while (!sub.failed && next_member(&sub)) {
			bool id = key_is(&sub, "instance_id"),
			     az = key_is(&sub, "availability_zone");
			enum jsonpull_token tok = next(&sub);
			if (id)
				out->instance_id =
				    take_string(&sub, st, tok, "aws.ec2.instance_id");
			else if (az)
				out->availability_zone =
				    take_string(&sub, st, tok, "aws.ec2.availability_zone");
			else
				skip(&sub, tok);
		}
	}
	jsonpull_free(&jp);
}

/* Appends "key":value to an object being built as text. */
static void
extra_member(struct buf *extra, const char *key, size_t key_len, const char *value)
{
	buf_putc(extra, extra->len ? ',' : '{');
	json_escape(extra, key, key_len);
	buf_putc(extra, ':');
	buf_puts(extra, value);
}

static const char *
extra_finish(struct ctx *c, struct buf *extra)
{
	if (!extra->len)
		return NULL;
	buf_putc(extra, '}');
	const char *text = arena_strndup(c->a, extra->data, extra->len);
	buf_free(extra);
	return text;
}

static struct xr_aws *
read_aws(struct ctx *c, struct seg_state *st)
{
	static const char *const names[] = {"operation", "table_name", "function_name",
	                                    "region",    "request_id", "account_id",
	                                    "queue_url", "topic_arn"};
	struct xr_aws *out = ARENA_NEW(c->a, struct xr_aws);
	const char **fields[] = {&out->operation, &out->table_name, &out->function_name,
	                         &out->region,    &out->request_id, &out->account_id,
	                         &out->queue_url, &out->topic_arn};
	struct buf extra = BUF_INIT;
	while (!c->failed && next_member(c)) {
		size_t i = 0;
		while (i < sizeof names / sizeof *names && !key_is(c, names[i]))
			i++;
		if (i < sizeof names / sizeof *names) {
			*fields[i] = take_string(c, st, next(c), names[i]);
			continue;
		}
		/* Everything else goes to extra, ec2 included (it has more members). */
		char key[64];
		size_t key_len = c->jp->text.len;
		bool ec2 = key_is(c, "ec2");
		struct buf long_key = BUF_INIT;
		const char *k = c->jp->text.data;
		if (key_len < sizeof key) {
			memcpy(key, k, key_len + 1);
			k = key;
		} else {
			buf_append(&long_key, k, key_len);
			k = long_key.data;
		}
		const char *value = raw_value(c, next(c));
		if (value) {
			extra_member(&extra, k, key_len, value);
			if (ec2)
				read_ec2(c, st, value, out);
		}
		buf_free(&long_key);
	}
	out->extra = extra_finish(c, &extra);
	return out;
}

static struct xr_sql *
read_sql(struct ctx *c, struct seg_state *st)
{
	struct xr_sql *out = ARENA_NEW(c->a, struct xr_sql);
	struct {
		const char *name;
		const char **field;
	} map[] = {
	    {"connection_string", &out->connection_string},
	    {"url", &out->url},
	    {"sanitized_query", &out->sanitized_query},
	    {"database_type", &out->database_type},
	    {"database_version", &out->database_version},
	    {"driver_version", &out->driver_version},
	    {"user", &out->user},
	    {"preparation", &out->preparation},
	};
	while (!c->failed && next_member(c)) {
		size_t i = 0;
		while (i < sizeof map / sizeof *map && !key_is(c, map[i].name))
			i++;
		enum jsonpull_token tok = next(c);
		if (i < sizeof map / sizeof *map)
			*map[i].field = take_string(c, st, tok, map[i].name);
		else
			skip(c, tok);
	}
	return out;
}

static void
read_stack(struct ctx *c, struct seg_state *st, enum jsonpull_token tok, struct xr_exception *ex)
{
	if (!is_array(c, st, tok, "cause.exceptions.stack"))
		return;
	struct list frames = {.size = sizeof(struct xr_stack_frame)};
	while (!c->failed && (tok = next(c)) != JSONPULL_END_ARRAY && tok != JSONPULL_ERROR) {
		if (!is_object(c, st, tok, "cause.exceptions.stack[]"))
			continue;
		struct xr_stack_frame *f = list_add(&frames);
		while (!c->failed && next_member(c)) {
			bool path = key_is(c, "path"), label = key_is(c, "label"),
			     line = key_is(c, "line");
			tok = next(c);
			if (path)
				f->path = take_string(c, st, tok, "stack.path");
			else if (label)
				f->label = take_string(c, st, tok, "stack.label");
			else if (line)
				f->line = take_int(c, st, tok, "stack.line");
			else
				skip(c, tok);
		}
	}
	ex->stack = list_finish(c, &frames, &ex->n_stack);
}

static void
read_exception(struct ctx *c, struct seg_state *st, struct xr_exception *ex)
{
	while (!c->failed && next_member(c)) {
		const char *k = c->jp->text.data;
		int which = strcmp(k, "id") == 0          ? 1
		            : strcmp(k, "message") == 0   ? 2
		            : strcmp(k, "type") == 0      ? 3
		            : strcmp(k, "cause") == 0     ? 4
		            : strcmp(k, "remote") == 0    ? 5
		            : strcmp(k, "truncated") == 0 ? 6
		            : strcmp(k, "skipped") == 0   ? 7
		            : strcmp(k, "stack") == 0     ? 8
		                                          : 0;
		enum jsonpull_token tok = next(c);
		switch (which) {
		case 1: ex->id = take_string(c, st, tok, "cause.exceptions.id"); break;
		case 2: ex->message = take_string(c, st, tok, "cause.exceptions.message"); break;
		case 3: ex->type = take_string(c, st, tok, "cause.exceptions.type"); break;
		case 4: ex->cause = take_string(c, st, tok, "cause.exceptions.cause"); break;
		case 5: ex->remote = take_bool(c, st, tok, "cause.exceptions.remote"); break;
		case 6: ex->truncated = take_int(c, st, tok, "cause.exceptions.truncated"); break;
		case 7: ex->skipped = take_int(c, st, tok, "cause.exceptions.skipped"); break;
		case 8: read_stack(c, st, tok, ex); break;
		default: skip(c, tok); break;
		}
	}
}

static struct xr_cause *
read_cause(struct ctx *c, struct seg_state *st, enum jsonpull_token tok)
{
	if (tok == JSONPULL_NULL)
		return NULL;
	struct xr_cause *out = ARENA_NEW(c->a, struct xr_cause);
	if (tok == JSONPULL_STRING) {
		out->exception_id = take_string(c, st, tok, "cause");
		return out;
	}
	if (!is_object(c, st, tok, "cause"))
		return NULL;
	while (!c->failed && next_member(c)) {
		bool wd = key_is(c, "working_directory"), paths = key_is(c, "paths"),
		     exceptions = key_is(c, "exceptions");
		tok = next(c);
		if (wd) {
			out->working_directory = take_string(c, st, tok, "cause.working_directory");
		} else if (paths) {
			out->paths = string_list(c, st, tok, "cause.paths", &out->n_paths);
		} else if (exceptions && is_array(c, st, tok, "cause.exceptions")) {
			struct list l = {.size = sizeof(struct xr_exception)};
			while (!c->failed && (tok = next(c)) != JSONPULL_END_ARRAY &&
			       tok != JSONPULL_ERROR)
				if (is_object(c, st, tok, "cause.exceptions[]"))
					read_exception(c, st, list_add(&l));
			out->exceptions = list_finish(c, &l, &out->n_exceptions);
		} else if (!exceptions) {
			skip(c, tok);
		}
	}
	return out;
}

static void
read_annotations(struct ctx *c, struct seg_state *st, struct xr_segment *s)
{
	struct list l = {.size = sizeof(struct xr_annotation)};
	while (!c->failed && next_member(c)) {
		if (!utf8_valid(c->jp->text.data, c->jp->text.len))
			problem(st, _("annotation key"), N_("is not valid UTF-8"));
		const char *key = arena_strndup(c->a, c->jp->text.data, c->jp->text.len);
		enum jsonpull_token tok = next(c);
		struct xr_value v;
		if (tok == JSONPULL_STRING) {
			v.type = XR_VAL_STRING;
			v.u.s = take_string(c, st, tok, _("annotation value"));
		} else if (tok == JSONPULL_NUMBER && isfinite(c->jp->number)) {
			v.type = XR_VAL_NUMBER;
			v.u.n = c->jp->number;
		} else if (tok == JSONPULL_TRUE || tok == JSONPULL_FALSE) {
			v.type = XR_VAL_BOOL;
			v.u.b = tok == JSONPULL_TRUE;
		} else {
			size_t n = strlen(key);
			char *field = arena_alloc(c->a, n + 12);
			memcpy(field, "annotation ", 11);
			memcpy(field + 11, key, n + 1);
			problem(st, field, N_("is not a string, number or boolean"));
			skip(c, tok);
			continue;
		}
		struct xr_annotation *an = list_add(&l);
		an->key = key;
		an->value = v;
	}
	s->annotations = list_finish(c, &l, &s->n_annotations);
}

/* The members a segment document may carry; anything else is kept in
 * `extra`. */
enum seg_member {
	M_ANNOTATIONS,
	M_AWS,
	M_CAUSE,
	M_END_TIME,
	M_ERROR,
	M_FAULT,
	M_HTTP,
	M_ID,
	M_IN_PROGRESS,
	M_INFERRED,
	M_METADATA,
	M_NAME,
	M_NAMESPACE,
	M_ORIGIN,
	M_PARENT_ID,
	M_PRECURSOR_IDS,
	M_RESOURCE_ARN,
	M_SERVICE,
	M_SQL,
	M_START_TIME,
	M_SUBSEGMENTS,
	M_THROTTLE,
	M_TRACE_ID,
	M_TYPE,
	M_USER,
	M_COUNT
};

/* The member named k (n bytes), or -1.  A switch on the first letter: this
 * runs for every member of every document. */
static int
member_of(const char *k, size_t n)
{
#define IS(name, m)                                                                                \
	if (n == sizeof(name) - 1 && memcmp(k, name, n) == 0)                                      \
	return m
	switch (k[0]) {
	case 'a':
		IS("annotations", M_ANNOTATIONS);
		IS("aws", M_AWS);
		break;
	case 'c': IS("cause", M_CAUSE); break;
	case 'e':
		IS("end_time", M_END_TIME);
		IS("error", M_ERROR);
		break;
	case 'f': IS("fault", M_FAULT); break;
	case 'h': IS("http", M_HTTP); break;
	case 'i':
		IS("id", M_ID);
		IS("in_progress", M_IN_PROGRESS);
		IS("inferred", M_INFERRED);
		break;
	case 'm': IS("metadata", M_METADATA); break;
	case 'n':
		IS("name", M_NAME);
		IS("namespace", M_NAMESPACE);
		break;
	case 'o': IS("origin", M_ORIGIN); break;
	case 'p':
		IS("parent_id", M_PARENT_ID);
		IS("precursor_ids", M_PRECURSOR_IDS);
		break;
	case 'r': IS("resource_arn", M_RESOURCE_ARN); break;
	case 's':
		IS("service", M_SERVICE);
		IS("sql", M_SQL);
		IS("start_time", M_START_TIME);
		IS("subsegments", M_SUBSEGMENTS);
		break;
	case 't':
		IS("throttle", M_THROTTLE);
		IS("trace_id", M_TRACE_ID);
		IS("type", M_TYPE);
		break;
	case 'u': IS("user", M_USER); break;
	}
#undef IS
	return -1;
}

static struct xr_segment *read_segment(struct ctx *c, bool nested);

static void
read_subsegments(struct ctx *c, struct seg_state *st, enum jsonpull_token tok, struct xr_segment *s)
{
	if (!is_array(c, st, tok, "subsegments"))
		return;
	struct list l = {.size = sizeof(struct xr_segment *)};
	while (!c->failed && (tok = next(c)) != JSONPULL_END_ARRAY && tok != JSONPULL_ERROR) {
		if (!is_object(c, st, tok, "subsegments[]"))
			continue;
		struct xr_segment *sub = read_segment(c, true);
		if (sub)
			*(struct xr_segment **)list_add(&l) = sub;
	}
	s->subsegments = list_finish(c, &l, &s->n_subsegments);
}

/* Reads one member's value into s. */
static void
read_member(struct ctx *c, struct seg_state *st, enum seg_member m, enum jsonpull_token tok)
{
	struct xr_segment *s = st->s;
	switch (m) {
	case M_ID: s->id = take_string(c, st, tok, "id"); break;
	case M_NAME: s->name = take_string(c, st, tok, "name"); break;
	case M_TRACE_ID:
		if (tok == JSONPULL_STRING && strcmp(c->jp->text.data, c->t->id) == 0)
			s->trace_id = c->t->id; /* share the trace's copy */
		else
			s->trace_id = take_string(c, st, tok, "trace_id");
		break;
	case M_PARENT_ID: s->parent_id = take_string(c, st, tok, "parent_id"); break;
	case M_START_TIME: s->start_time = take_time(c, st, tok, "start_time"); break;
	case M_END_TIME: s->end_time = take_time(c, st, tok, "end_time"); break;
	case M_IN_PROGRESS:
		if (take_bool(c, st, tok, "in_progress"))
			s->flags |= XR_SEG_IN_PROGRESS;
		break;
	case M_ERROR: s->flags |= take_bool(c, st, tok, "error") ? XR_SEG_ERROR : 0; break;
	case M_FAULT: s->flags |= take_bool(c, st, tok, "fault") ? XR_SEG_FAULT : 0; break;
	case M_THROTTLE: s->flags |= take_bool(c, st, tok, "throttle") ? XR_SEG_THROTTLE : 0; break;
	case M_INFERRED: s->flags |= take_bool(c, st, tok, "inferred") ? XR_SEG_INFERRED : 0; break;
	case M_TYPE: {
		const char *type = take_string(c, st, tok, "type");
		if (type && strcmp(type, "subsegment") == 0)
			s->flags |= XR_SEG_SUBSEGMENT;
		break;
	}
	case M_ORIGIN: s->origin = take_string(c, st, tok, "origin"); break;
	case M_NAMESPACE: s->namespace = take_string(c, st, tok, "namespace"); break;
	case M_USER: s->user = take_string(c, st, tok, "user"); break;
	case M_RESOURCE_ARN: s->resource_arn = take_string(c, st, tok, "resource_arn"); break;
	case M_SERVICE:
		if (is_object(c, st, tok, "service"))
			while (!c->failed && next_member(c)) {
				bool version = key_is(c, "version");
				tok = next(c);
				if (version)
					s->service_version =
					    take_string(c, st, tok, "service.version");
				else
					skip(c, tok);
			}
		break;
	case M_HTTP:
		if (is_object(c, st, tok, "http"))
			read_http(c, st, &s->http);
		break;
	case M_AWS:
		if (is_object(c, st, tok, "aws"))
			s->aws = read_aws(c, st);
		break;
	case M_SQL:
		if (is_object(c, st, tok, "sql"))
			s->sql = read_sql(c, st);
		break;
	case M_CAUSE: s->cause = read_cause(c, st, tok); break;
	case M_ANNOTATIONS:
		if (is_object(c, st, tok, "annotations"))
			read_annotations(c, st, s);
		break;
	case M_METADATA:
		if (tok != JSONPULL_NULL)
			s->metadata = raw_value(c, tok);
		break;
	case M_PRECURSOR_IDS:
		s->precursor_ids = string_list(c, st, tok, "precursor_ids", &s->n_precursor_ids);
		break;
	case M_SUBSEGMENTS: read_subsegments(c, st, tok, s); break;
	case M_COUNT: break;
	}
}

/* Reads a segment object whose '{' was just read.  NULL when it has no id
 * (or on a syntax error, with c->failed set). */
static struct xr_segment *
read_segment(struct ctx *c, bool nested)
{
	struct xr_segment *s = ARENA_NEW(c->a, struct xr_segment);
	s->start_time = s->end_time = NAN;
	s->http.content_length = -1;
	struct seg_state st = {.s = s};
	struct buf extra = BUF_INIT;
	unsigned long seen = 0;
	bool has_start = false;
	while (!c->failed && next_member(c)) {
		int m = member_of(c->jp->text.data, c->jp->text.len);
		if (m < 0) {
			size_t key_len = c->jp->text.len;
			char *key = xmalloc(key_len + 1); /* the whole key, NULs and all */
			memcpy(key, c->jp->text.data, key_len);
			key[key_len] = '\0';
			const char *value = raw_value(c, next(c));
			if (value)
				extra_member(&extra, key, key_len, value);
			free(key);
			continue;
		}
		enum jsonpull_token tok = next(c);
		if (seen & (1ul << m)) { /* a repeated member: the first one counts */
			skip(c, tok);
			continue;
		}
		seen |= 1ul << m;
		has_start |= m == M_START_TIME;
		read_member(c, &st, (enum seg_member)m, tok);
	}
	s->extra = extra_finish(c, &extra);
	buf_free(&extra);
	if (c->failed)
		return NULL;
	if (nested)
		s->flags |= XR_SEG_SUBSEGMENT;
	if (s->flags & XR_SEG_IN_PROGRESS)
		s->end_time = NAN;
	if (!s->id || !*s->id) {
		if (nested)
			trace_add_problem(c->t, _("a subsegment has no id: skipped"));
		return NULL;
	}
	if (!s->name) {
		problem(&st, "name", N_("is missing"));
		s->name = "(no name)";
	}
	if (!has_start)
		problem(&st, "start_time", N_("is missing"));
	flush_problems(c, &st);
	return s;
}

/* The parser is kept per thread: its text buffer is reused. */
static _Thread_local struct jsonpull parser;

void
decode_segment_thread_done(void)
{
	jsonpull_free(&parser);
}

struct xr_segment *
decode_segment_document(const char *json, size_t len, struct xr_trace *t, struct xr_err *err)
{
	jsonpull_init(&parser, json, len);
	struct ctx c = {.t = t, .a = t->arena, .jp = &parser};
	enum jsonpull_token tok = next(&c);
	if (tok == JSONPULL_BEGIN_OBJECT) {
		struct xr_segment *s = read_segment(&c, false);
		if (!c.failed && next(&c) == JSONPULL_EOF) {
			if (s)
				trace_add_document(t, s);
			else
				xr_err_set(err, XR_EINPUT, _("segment document has no \"id\""));
			return s;
		}
	} else if (tok != JSONPULL_ERROR) {
		return xr_err_set(err, XR_EINPUT, _("a segment document must be a JSON object")),
		       NULL;
	}
	if (parser.error && strcmp(parser.error, "nested too deeply") == 0) {
		size_t line, column;
		jsonpos_position(json, len, jsonpull_error_offset(&parser), &line, &column);
		xr_err_set(err, XR_ELIMIT,
		           _("nested more than %d levels deep (line %zu, column %zu)"),
		           JSONPULL_MAX_DEPTH, line, column);
		return NULL;
	}
	jsonpos_error(json, len, jsonpull_error_offset(&parser), err);
	return NULL;
}
