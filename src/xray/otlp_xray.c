#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/jsonscan.h"
#include "util/jsonw.h"
#include "xray/otlp.h"

/* Annotation keys taken from aws.xray.annotations, at most. */
#define OTLP_MAX_ANNOTATIONS 50

struct tr {
	const struct otlp_span *sp;
	bool *used; /* span attributes consumed by a section */
};

static const struct otlp_value *
span_attr(struct tr *t, const char *key)
{
	for (size_t i = 0; i < t->sp->n_attrs; i++)
		if (strcmp(t->sp->attrs[i].key, key) == 0) {
			t->used[i] = true;
			return &t->sp->attrs[i].v;
		}
	return NULL;
}

static const struct otlp_value *
resource_attr(const struct otlp_span *sp, const char *key)
{
	for (size_t i = 0; i < sp->n_resource; i++)
		if (strcmp(sp->resource[i].key, key) == 0)
			return &sp->resource[i].v;
	return NULL;
}

static const char *
str(struct tr *t, const char *key)
{
	const struct otlp_value *v = span_attr(t, key);
	return v && v->type == OTLP_STRING && *v->s ? v->s : NULL;
}

static const char *
str2(struct tr *t, const char *a, const char *b)
{
	const char *s = str(t, a);
	return s ? s : str(t, b);
}

static const char *
rstr(const struct otlp_span *sp, const char *key)
{
	const struct otlp_value *v = resource_attr(sp, key);
	return v && v->type == OTLP_STRING && *v->s ? v->s : NULL;
}

static bool
num(struct tr *t, const char *key, long long *out)
{
	const struct otlp_value *v = span_attr(t, key);
	if (v && v->type == OTLP_INT) {
		*out = v->i;
		return true;
	}
	if (v && v->type == OTLP_DOUBLE) {
		*out = (long long)v->d;
		return true;
	}
	if (v && v->type == OTLP_STRING && *v->s) {
		char *end;
		long long n = strtoll(v->s, &end, 10);
		if (!*end) {
			*out = n;
			return true;
		}
	}
	return false;
}

static void
hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Nanoseconds to epoch seconds, whole seconds kept exact. */
static double
seconds(uint64_t ns)
{
	return (double)(ns / 1000000000u) + (double)(ns % 1000000000u) / 1e9;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void
put_value(struct jsonw *w, const struct otlp_value *v)
{
	switch (v->type) {
	case OTLP_STRING: jsonw_string(w, v->s); break;
	case OTLP_BOOL: jsonw_bool(w, v->b); break;
	case OTLP_INT: jsonw_int(w, v->i); break;
	case OTLP_DOUBLE: jsonw_number(w, v->d); break;
	case OTLP_JSON: jsonw_raw(w, v->s); break;
	default: jsonw_null(w); break;
	}
}

/* ---- the string lists in JSON-kept values (aws.xray.annotations, table names) ---- */

struct strings {
	char *v[OTLP_MAX_ANNOTATIONS];
	size_t n;
};

static const char *
add_string(void *ctx, const char *p, const char *end)
{
	struct strings *s = ctx;
	if (*p != '"')
		return NULL;
	struct buf b = BUF_INIT;
	const char *bad, *after = jsonscan_string(p, end, &b, &bad);
	if (after && s->n < OTLP_MAX_ANNOTATIONS)
		s->v[s->n++] = buf_steal(&b);
	buf_free(&b);
	return after;
}

/* Adds the strings of v (a string, or a JSON list of them). */
static void
strings_of(const struct otlp_value *v, struct strings *s)
{
	if (!v)
		return;
	if (v->type == OTLP_STRING && s->n < OTLP_MAX_ANNOTATIONS) {
		s->v[s->n++] = strdup(v->s);
	} else if (v->type == OTLP_JSON && v->s[0] == '[') {
		const char *bad;
		jsonscan_array(v->s, v->s + strlen(v->s), add_string, s, &bad);
	}
}

static void
strings_free(struct strings *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

/* X-Ray annotation keys: letters, digits and underscores. */
static void
annotation_key(const char *key, char *out, size_t cap)
{
	size_t i = 0;
	for (; key[i] && i + 1 < cap; i++) {
		char ch = key[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		          (ch >= '0' && ch <= '9') || ch == '_';
		out[i] = ok ? ch : '_';
	}
	out[i] = '\0';
}

/* ---- sections ---- */

static bool
is_aws_sdk(struct tr *t)
{
	const char *sys = str(t, "rpc.system");
	return (sys && strcmp(sys, "aws-api") == 0) || str(t, "aws.service");
}

static bool
is_segment(const struct otlp_span *sp)
{
	return sp->kind == OTLP_KIND_SERVER || sp->kind == OTLP_KIND_CONSUMER || !sp->has_parent;
}

static const char *
host_of(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://");
	if (!p)
		return NULL;
	p += 3;
	size_t n = strcspn(p, "/:?#");
	if (!n || n >= cap)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static const char *
segment_name(struct tr *t, bool aws_sdk, char *host, size_t cap)
{
	const struct otlp_span *sp = t->sp;
	const char *name;
	if (is_segment(sp)) {
		if ((name = rstr(sp, "service.name")))
			return name;
		return *sp->name ? sp->name : "unknown_service";
	}
	if ((name = str(t, "peer.service")))
		return name;
	if (aws_sdk && (name = str2(t, "aws.service", "rpc.service")))
		return name;
	if ((name = str(t, "db.name")) || (name = str(t, "db.namespace")))
		return name;
	if ((name = str2(t, "server.address", "net.peer.name")) || (name = str(t, "http.host")))
		return name;
	const char *url = str2(t, "url.full", "http.url");
	if (url && (name = host_of(url, host, cap)))
		return name;
	return *sp->name ? sp->name : "unknown";
}

static int
http_section(struct jsonw *w, struct tr *t, long long *status)
{
	const char *method = str2(t, "http.request.method", "http.method");
	const char *url = str2(t, "url.full", "http.url");
	const char *ua = str2(t, "user_agent.original", "http.user_agent");
	const char *ip = str2(t, "client.address", "http.client_ip");
	const char *scheme = str2(t, "url.scheme", "http.scheme");
	const char *host = str2(t, "server.address", "http.host");
	const char *path = str2(t, "url.path", "http.target");
	long long port = 0, length = -1;
	bool has_port = num(t, "server.port", &port);
	bool has_status =
	    num(t, "http.response.status_code", status) || num(t, "http.status_code", status);
	if (!num(t, "http.response.body.size", &length))
		num(t, "http.response_content_length", &length);
	if (!method && !url && !has_status && !ua && !ip)
		return 0;
	jsonw_key(w, "http");
	jsonw_object_begin(w);
	jsonw_key(w, "request");
	jsonw_object_begin(w);
	if (method) {
		jsonw_key(w, "method");
		jsonw_string(w, method);
	}
	if (url) {
		jsonw_key(w, "url");
		jsonw_string(w, url);
	} else if (host || path) {
		struct buf u = BUF_INIT;
		if (host) {
			buf_printf(&u, "%s://%s", scheme ? scheme : "http", host);
			if (has_port && port != 80 && port != 443)
				buf_printf(&u, ":%lld", port);
		}
		buf_puts(&u, path ? path : "/");
		jsonw_key(w, "url");
		jsonw_string(w, u.data);
		buf_free(&u);
	}
	if (ua) {
		jsonw_key(w, "user_agent");
		jsonw_string(w, ua);
	}
	if (ip) {
		jsonw_key(w, "client_ip");
		jsonw_string(w, ip);
	}
	jsonw_object_end(w);
	if (has_status || length >= 0) {
		jsonw_key(w, "response");
		jsonw_object_begin(w);
		if (has_status) {
			jsonw_key(w, "status");
			jsonw_int(w, *status);
		}
		if (length >= 0) {
			jsonw_key(w, "content_length");
			jsonw_int(w, length);
		}
		jsonw_object_end(w);
	}
	jsonw_object_end(w);
	return 1;
}

static void
aws_section(struct jsonw *w, struct tr *t, bool aws_sdk)
{
	const char *op = str(t, "aws.operation");
	if (!op && aws_sdk)
		op = str(t, "rpc.method");
	const char *region = str(t, "aws.region");
	if (!region)
		region = rstr(t->sp, "cloud.region");
	const char *request_id = str2(t, "aws.request_id", "aws.requestId");
	const char *queue = str2(t, "aws.queue_url", "aws.sqs.queue_url");
	const char *table = str(t, "aws.table_name");
	struct strings tables = {.n = 0};
	if (!table) {
		strings_of(span_attr(t, "aws.dynamodb.table_names"), &tables);
		if (tables.n)
			table = tables.v[0];
	}
	const char *account = str(t, "aws.account_id");
	if (!account)
		account = rstr(t->sp, "cloud.account.id");
	if (op || table || queue || request_id || (aws_sdk && region)) {
		jsonw_key(w, "aws");
		jsonw_object_begin(w);
		if (op) {
			jsonw_key(w, "operation");
			jsonw_string(w, op);
		}
		if (region) {
			jsonw_key(w, "region");
			jsonw_string(w, region);
		}
		if (request_id) {
			jsonw_key(w, "request_id");
			jsonw_string(w, request_id);
		}
		if (table) {
			jsonw_key(w, "table_name");
			jsonw_string(w, table);
		}
		if (queue) {
			jsonw_key(w, "queue_url");
			jsonw_string(w, queue);
		}
		if (account) {
			jsonw_key(w, "account_id");
			jsonw_string(w, account);
		}
		jsonw_object_end(w);
	}
	strings_free(&tables);
}

static void
sql_section(struct jsonw *w, struct tr *t)
{
	const char *system = str(t, "db.system");
	const char *query = str2(t, "db.query.text", "db.statement");
	if (!system && !query)
		return;
	const char *url = str(t, "db.connection_string");
	const char *user = str(t, "db.user");
	jsonw_key(w, "sql");
	jsonw_object_begin(w);
	if (url) {
		jsonw_key(w, "url");
		jsonw_string(w, url);
	}
	if (system) {
		jsonw_key(w, "database_type");
		jsonw_string(w, system);
	}
	if (user) {
		jsonw_key(w, "user");
		jsonw_string(w, user);
	}
	if (query) {
		jsonw_key(w, "sanitized_query");
		jsonw_string(w, query);
	}
	jsonw_object_end(w);
}

static const char *
event_str(const struct otlp_event *e, const char *key)
{
	for (size_t i = 0; i < e->n_attrs; i++)
		if (strcmp(e->attrs[i].key, key) == 0 && e->attrs[i].v.type == OTLP_STRING)
			return e->attrs[i].v.s;
	return NULL;
}

/* Exception events (or the status message) become the cause. */
static void
cause_section(struct jsonw *w, const struct otlp_span *sp, const char *span_hex)
{
	size_t n = 0;
	for (size_t i = 0; i < sp->n_events; i++)
		n += strcmp(sp->events[i].name, "exception") == 0;
	if (!n && !(sp->status == OTLP_STATUS_ERROR && sp->status_message))
		return;
	jsonw_key(w, "cause");
	jsonw_object_begin(w);
	jsonw_key(w, "exceptions");
	jsonw_array_begin(w);
	unsigned k = 0;
	for (size_t i = 0; i < sp->n_events; i++) {
		const struct otlp_event *e = &sp->events[i];
		if (strcmp(e->name, "exception") != 0)
			continue;
		char id[24];
		snprintf(id, sizeof id, "%.12s%04x", span_hex, k++ & 0xffff);
		jsonw_object_begin(w);
		jsonw_key(w, "id");
		jsonw_string(w, id);
		const char *type = event_str(e, "exception.type");
		const char *msg = event_str(e, "exception.message");
		if (type) {
			jsonw_key(w, "type");
			jsonw_string(w, type);
		}
		if (msg) {
			jsonw_key(w, "message");
			jsonw_string(w, msg);
		}
		jsonw_object_end(w);
	}
	if (!n) {
		char id[24];
		snprintf(id, sizeof id, "%.12s0000", span_hex);
		jsonw_object_begin(w);
		jsonw_key(w, "id");
		jsonw_string(w, id);
		jsonw_key(w, "message");
		jsonw_string(w, sp->status_message);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
	jsonw_object_end(w);
}

static void
annotations_and_metadata(struct jsonw *w, struct tr *t)
{
	const struct otlp_span *sp = t->sp;
	struct strings keys = {.n = 0};
	strings_of(span_attr(t, "aws.xray.annotations"), &keys);
	strings_of(resource_attr(sp, "aws.xray.annotations"), &keys);
	bool open = false;
	for (size_t k = 0; k < keys.n; k++) {
		const struct otlp_value *v = span_attr(t, keys.v[k]);
		if (!v)
			v = resource_attr(sp, keys.v[k]);
		if (!v || v->type == OTLP_NONE || v->type == OTLP_JSON)
			continue;
		if (!open) {
			jsonw_key(w, "annotations");
			jsonw_object_begin(w);
			open = true;
		}
		char key[256];
		annotation_key(keys.v[k], key, sizeof key);
		jsonw_key(w, key);
		put_value(w, v);
	}
	if (open)
		jsonw_object_end(w);
	strings_free(&keys);
	open = false;
	for (size_t i = 0; i < sp->n_attrs; i++) {
		if (t->used[i] || sp->attrs[i].v.type == OTLP_NONE)
			continue;
		if (!open) {
			jsonw_key(w, "metadata");
			jsonw_object_begin(w);
			jsonw_key(w, "default");
			jsonw_object_begin(w);
			open = true;
		}
		jsonw_key(w, sp->attrs[i].key);
		put_value(w, &sp->attrs[i].v);
	}
	if (open) {
		jsonw_object_end(w);
		jsonw_object_end(w);
	}
}

static const char *
origin_of(const struct otlp_span *sp)
{
	static const struct {
		const char *platform, *origin;
	} map[] = {
	    {"aws_ec2", "AWS::EC2::Instance"},
	    {"aws_ecs", "AWS::ECS::Container"},
	    {"aws_eks", "AWS::EKS::Container"},
	    {"aws_elastic_beanstalk", "AWS::ElasticBeanstalk::Environment"},
	    {"aws_lambda", "AWS::Lambda::Function"},
	};
	const char *p = rstr(sp, "cloud.platform");
	for (size_t i = 0; p && i < sizeof map / sizeof *map; i++)
		if (strcmp(p, map[i].platform) == 0)
			return map[i].origin;
	return NULL;
}

int
otlp_segment(const struct otlp_span *sp, struct buf *out, struct buf *why)
{
	if (all_zero(sp->trace_id, 16) || all_zero(sp->span_id, 8)) {
		buf_puts(why, _("an all-zero trace or span id"));
		return -1;
	}
	if (!sp->start_ns) {
		buf_puts(why, _("no start time"));
		return -1;
	}
	char span_hex[17], parent_hex[17], tid[40], host[256];
	hex(span_hex, sp->span_id, 8);
	hex(parent_hex, sp->parent_id, 8);
	char th[33];
	hex(th, sp->trace_id, 16);
	snprintf(tid, sizeof tid, "1-%.8s-%.24s", th, th + 8);
	bool used_small[64] = {false};
	bool *used = sp->n_attrs <= 64 ? used_small : calloc(sp->n_attrs, sizeof *used);
	if (!used)
		abort();
	struct tr t = {sp, used};
	bool segment = is_segment(sp), aws_sdk = is_aws_sdk(&t);

	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "name");
	jsonw_string(&w, segment_name(&t, aws_sdk, host, sizeof host));
	jsonw_key(&w, "id");
	jsonw_string(&w, span_hex);
	jsonw_key(&w, "trace_id");
	jsonw_string(&w, tid);
	if (sp->has_parent) {
		jsonw_key(&w, "parent_id");
		jsonw_string(&w, parent_hex);
	}
	if (!segment) {
		jsonw_key(&w, "type");
		jsonw_string(&w, "subsegment");
	}
	jsonw_key(&w, "start_time");
	jsonw_number(&w, seconds(sp->start_ns));
	if (sp->end_ns) {
		jsonw_key(&w, "end_time");
		jsonw_number(&w, seconds(sp->end_ns));
	} else {
		jsonw_key(&w, "in_progress");
		jsonw_bool(&w, true);
	}
	const char *origin = segment ? origin_of(sp) : NULL;
	if (origin) {
		jsonw_key(&w, "origin");
		jsonw_string(&w, origin);
	}
	if (!segment &&
	    (aws_sdk || sp->kind == OTLP_KIND_CLIENT || sp->kind == OTLP_KIND_PRODUCER)) {
		jsonw_key(&w, "namespace");
		jsonw_string(&w, aws_sdk ? "aws" : "remote");
	}
	long long status = 0;
	http_section(&w, &t, &status);
	aws_section(&w, &t, aws_sdk);
	sql_section(&w, &t);
	bool error = false, fault = false, throttle = status == 429;
	if (status >= 400 && status < 500)
		error = true;
	else if (status >= 500)
		fault = true;
	if (sp->status == OTLP_STATUS_ERROR && !error)
		fault = true;
	if (error) {
		jsonw_key(&w, "error");
		jsonw_bool(&w, true);
	}
	if (fault) {
		jsonw_key(&w, "fault");
		jsonw_bool(&w, true);
	}
	if (throttle) {
		jsonw_key(&w, "throttle");
		jsonw_bool(&w, true);
	}
	cause_section(&w, sp, span_hex);
	const char *user = str(&t, "enduser.id");
	if (user) {
		jsonw_key(&w, "user");
		jsonw_string(&w, user);
	}
	const char *version = segment ? rstr(sp, "service.version") : NULL;
	if (version) {
		jsonw_key(&w, "service");
		jsonw_object_begin(&w);
		jsonw_key(&w, "version");
		jsonw_string(&w, version);
		jsonw_object_end(&w);
	}
	/* consumed by the name and namespace choice */
	span_attr(&t, "rpc.system");
	annotations_and_metadata(&w, &t);
	jsonw_object_end(&w);
	if (used != used_small)
		free(used);
	return 0;
}
