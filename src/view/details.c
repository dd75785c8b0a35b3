#include "config.h"

#include "view/details.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/jsonpull.h"
#include "util/jsonw.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "view/timeline.h"
#include "xray/encode.h"
#include "util/i18n.h"

/* One run of text on one line; text is sanitised already. */
struct span {
	const char *text;
	int x;
	unsigned style;
};

struct details {
	const struct xr_trace *t;
	const struct timeline *tl; /* or NULL */
	const struct xr_segment *s;
	struct arena *arena;
	int width;
	unsigned utf8_flags;
	bool ascii;
	struct span *spans;
	size_t n_spans, cap_spans;
	size_t *line_start; /* first span of each line; line_start[n_lines] = n_spans */
	size_t n_lines, cap_lines;
	int key_w; /* columns of the key column */
	int kx;    /* column of the keys: 2, or 4 under a subheading */
};

static const char *const tab_names[DETAILS_TABS] = {
    N_("Overview"),   N_("Resources"), N_("Annotations"), N_("Metadata"),
    N_("Exceptions"), N_("SQL"),       N_("Raw JSON")};

const char *
details_tab_name(enum details_tab tab)
{
	return tab < DETAILS_TABS ? _(tab_names[tab]) : "";
}

/* ---- lines ---- */

static void
new_line(struct details *d)
{
	XGROW(d->line_start, d->cap_lines, d->n_lines + 2);
	d->line_start[d->n_lines++] = d->n_spans;
	d->line_start[d->n_lines] = d->n_spans;
}

/* Adds sanitised text (n bytes) at column x of the last line. */
static void
add_span(struct details *d, int x, const char *text, size_t n, unsigned style)
{
	if (!d->n_lines)
		new_line(d);
	XGROW(d->spans, d->cap_spans, d->n_spans + 1);
	d->spans[d->n_spans++] = (struct span){arena_strndup(d->arena, text, n), x, style};
	d->line_start[d->n_lines] = d->n_spans;
}

/* Columns of the first n bytes of sanitised text. */
static int
cols_of(const char *s, size_t n)
{
	return (int)utf8_width(s, n, 0);
}

/* Bytes of sanitised s[0, n) that fit in cols columns, broken after a
 * space when one is in the second half; never inside a character. */
static size_t
fit_bytes(const char *s, size_t n, int cols)
{
	size_t i = 0, last_space = 0;
	int used = 0;
	while (i < n) {
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);
		if (len < 0)
			len = 1;
		int w = len == 1 && (unsigned char)s[i] < 0x80 ? 1 : utf8_cp_width(cp);
		if (w < 0)
			w = 1;
		if (used + w > cols)
			break;
		used += w;
		i += (size_t)len;
		if (cp == ' ')
			last_space = i;
	}
	if (i < n && last_space > 0 && cols_of(s, last_space) * 2 >= cols)
		return last_space;
	if (i == 0 && n > 0) { /* one character wider than the room: take it anyway */
		uint32_t cp;
		int len = utf8_decode(s, n, &cp);
		return len > 0 ? (size_t)len : 1;
	}
	return i;
}

/* Lines one value may take; the rest is summarised in a last line, so a
 * megabyte string stays a screenful. */
#define DETAILS_MAX_VALUE_LINES 40

/* Writes untrusted text at column x of the current line, wrapping to new
 * lines at column cont_x; newlines in the text start new lines. */
static void
add_text(struct details *d, int x, int cont_x, const char *text, unsigned style)
{
	struct buf clean = BUF_INIT;
	utf8_sanitize(&clean, text, strlen(text), d->utf8_flags | UTF8_MULTILINE);
	const char *p = clean.data ? clean.data : "";
	const char *end = p + clean.len;
	bool first = true;
	size_t first_line = d->n_lines;
	while (first || p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *q = p, *line_end = nl ? nl : end;
		do {
			if (d->n_lines - first_line >= DETAILS_MAX_VALUE_LINES) {
				char more[64];
				snprintf(more, sizeof more, _("%s (%zu more bytes)"),
				         d->ascii ? "..." : "…", (size_t)(end - q));
				add_span(d, x, more, strlen(more), CANVAS_DIM);
				buf_free(&clean);
				return;
			}
			int room = d->width - x;
			if (room < 1)
				room = 1;
			size_t take = fit_bytes(q, (size_t)(line_end - q), room);
			add_span(d, x, q, take, style);
			q += take;
			if (q < line_end) {
				new_line(d);
				x = cont_x;
			}
		} while (q < line_end);
		first = false;
		p = line_end;
		if (p < end) { /* the newline */
			p++;
			new_line(d);
			x = cont_x;
		}
	}
	buf_free(&clean);
}

static void
heading(struct details *d, const char *title)
{
	new_line(d);
	add_text(d, 0, 2, title, CANVAS_HEADER | CANVAS_BOLD | CANVAS_UNDERLINE);
	d->kx = 2;
}

/* A section inside a tab ("HTTP request"); the keys under it are indented. */
static void
subheading(struct details *d, const char *title)
{
	new_line(d);
	add_text(d, 2, 4, title, CANVAS_HEADER | CANVAS_BOLD);
	d->kx = 4;
}

/* A "key  value" line; absent values are left out. */
static void
kv_style(struct details *d, const char *key, const char *value, unsigned style)
{
	if (!value)
		return;
	new_line(d);
	add_text(d, d->kx, d->kx + 2, key, CANVAS_DIM);
	int vx = 2 + d->key_w + 1;
	if (cols_of(key, strlen(key)) + d->kx >= vx) {
		new_line(d);
		vx = d->kx + 2;
	}
	add_text(d, vx, vx, value, style);
}

static void
kv(struct details *d, const char *key, const char *value)
{
	kv_style(d, key, value, CANVAS_NORMAL);
}

static void kvf(struct details *d, const char *key, unsigned style, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
kvf(struct details *d, const char *key, unsigned style, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *text = xmalloc((size_t)(n > 0 ? n : 0) + 1);
	va_start(ap, fmt);
	vsnprintf(text, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
	va_end(ap);
	kv_style(d, key, text, style); /* every value whole, however long */
	free(text);
}

static void
note(struct details *d, const char *text)
{
	new_line(d);
	add_text(d, d->kx, d->kx, text, CANVAS_DIM);
}

/* ---- pretty JSON ---- */

struct pretty {
	struct details *d;
	struct jsonpull jp;
	int indent;
	size_t last_line; /* where a comma goes */
};

static void pretty_value(struct pretty *p, enum jsonpull_token tok, const char *key);

static void
pretty_line(struct pretty *p, const char *key, const char *text, unsigned style)
{
	struct details *d = p->d;
	new_line(d);
	int x = d->kx + 2 * p->indent;
	if (x > d->width / 2)
		x = d->width / 2;
	int cont = x + 2;
	if (key) {
		struct buf k = BUF_INIT;
		json_escape(&k, key, strlen(key));
		buf_puts(&k, ": ");
		add_text(d, x, cont, k.data, CANVAS_HEADER);
		buf_free(&k);
		const struct span *last = &d->spans[d->n_spans - 1];
		x = last->x + cols_of(last->text, strlen(last->text));
		if (x >= d->width - 4) {
			new_line(d);
			x = cont;
		}
	}
	add_text(d, x, cont, text, style);
	p->last_line = d->n_spans - 1;
}

static void
pretty_comma(struct pretty *p)
{
	struct span *sp = &p->d->spans[p->last_line];
	size_t n = strlen(sp->text);
	char *t = arena_alloc(p->d->arena, n + 2);
	memcpy(t, sp->text, n);
	t[n] = ',';
	t[n + 1] = '\0';
	sp->text = t;
}

static void
pretty_container(struct pretty *p, bool object, const char *key)
{
	enum jsonpull_token tok = jsonpull_next(&p->jp);
	enum jsonpull_token close = object ? JSONPULL_END_OBJECT : JSONPULL_END_ARRAY;
	if (tok == close) {
		pretty_line(p, key, object ? "{}" : "[]", CANVAS_NORMAL);
		return;
	}
	pretty_line(p, key, object ? "{" : "[", CANVAS_NORMAL);
	p->indent++;
	bool first = true;
	while (tok != close && tok != JSONPULL_ERROR && tok != JSONPULL_EOF) {
		if (!first)
			pretty_comma(p);
		first = false;
		char *k = NULL;
		if (object) {
			k = xstrndup(p->jp.text.data, p->jp.text.len);
			tok = jsonpull_next(&p->jp);
		}
		pretty_value(p, tok, k);
		free(k);
		tok = jsonpull_next(&p->jp);
	}
	p->indent--;
	pretty_line(p, NULL, object ? "}" : "]", CANVAS_NORMAL);
}

static void
pretty_value(struct pretty *p, enum jsonpull_token tok, const char *key)
{
	struct buf b = BUF_INIT;
	switch (tok) {
	case JSONPULL_BEGIN_OBJECT: pretty_container(p, true, key); break;
	case JSONPULL_BEGIN_ARRAY: pretty_container(p, false, key); break;
	case JSONPULL_STRING:
		json_escape(&b, p->jp.text.data, p->jp.text.len);
		pretty_line(p, key, b.data, CANVAS_OK);
		break;
	case JSONPULL_NUMBER:
		buf_append(&b, p->jp.token, (size_t)(p->jp.p - p->jp.token));
		pretty_line(p, key, b.data, CANVAS_ACCENT);
		break;
	case JSONPULL_TRUE: pretty_line(p, key, "true", CANVAS_ACCENT); break;
	case JSONPULL_FALSE: pretty_line(p, key, "false", CANVAS_ACCENT); break;
	case JSONPULL_NULL: pretty_line(p, key, "null", CANVAS_DIM); break;
	default: break;
	}
	buf_free(&b);
}

/* Pretty-prints JSON text; text that does not parse is shown as it is. */
static void
pretty_json(struct details *d, const char *json)
{
	struct pretty p = {.d = d};
	jsonpull_init(&p.jp, json, strlen(json));
	size_t lines = d->n_lines, spans = d->n_spans;
	pretty_value(&p, jsonpull_next(&p.jp), NULL);
	if (p.jp.error) {
		d->n_lines = lines;
		d->n_spans = spans;
		if (d->n_lines)
			d->line_start[d->n_lines] = d->n_spans;
		new_line(d);
		add_text(d, 2, 2, json, CANVAS_NORMAL);
	}
	jsonpull_free(&p.jp);
}

/* ---- tabs ---- */

static void
time_value(struct details *d, const char *key, double v)
{
	if (!isfinite(v))
		return;
	char iso[48], off[16];
	timefmt_iso(v, iso, sizeof iso);
	double start = d->t->summary.start_time;
	for (unsigned i = 0; i < d->t->n_all; i++)
		if (isfinite(d->t->all[i]->start_time) &&
		    (!isfinite(start) || d->t->all[i]->start_time < start))
			start = d->t->all[i]->start_time;
	timeline_duration_text(v - start, d->ascii, off, sizeof off);
	kvf(d, key, CANVAS_NORMAL, "%s  (+%s)  %.6f", iso, off, v);
}

static void
overview(struct details *d)
{
	const struct xr_segment *s = d->s;
	kv_style(d, _("Name"), s->name, CANVAS_BOLD);
	kv(d, _("ID"), s->id);
	kv(d, _("Kind"),
	   s->flags & XR_SEG_INFERRED     ? _("inferred segment")
	   : s->flags & XR_SEG_SUBSEGMENT ? _("subsegment")
	                                  : _("segment"));
	kv(d, _("Origin"), s->origin);
	kv(d, _("Namespace"), s->namespace);
	if (s->parent)
		kvf(d, _("Parent"), CANVAS_NORMAL, "%s (%s)", s->parent->id, s->parent->name);
	else if (s->parent_id)
		kvf(d, _("Parent"), CANVAS_NORMAL, _("%s (not in the trace)"), s->parent_id);
	if (s->document && s->document != s)
		kvf(d, _("Segment"), CANVAS_NORMAL, "%s (%s%s%s)", s->document->name,
		    s->document->id, s->document->origin ? ", " : "",
		    s->document->origin ? s->document->origin : "");
	kv(d, _("Trace"), d->t->id);
	time_value(d, _("Start"), s->start_time);
	time_value(d, _("End"), s->end_time);
	char dur[16];
	if (isfinite(s->start_time) && isfinite(s->end_time)) {
		timeline_duration_text(s->end_time - s->start_time, d->ascii, dur, sizeof dur);
		kv_style(d, _("Duration"), dur, CANVAS_BOLD);
	} else if (s->flags & XR_SEG_IN_PROGRESS) {
		kv_style(d, _("Duration"), _("in progress (no end_time yet)"), CANVAS_THROTTLE);
	}
	if (s->http.status)
		kvf(d, _("Status"),
		    s->http.status == 429   ? CANVAS_THROTTLE
		    : s->http.status >= 500 ? CANVAS_FAULT
		    : s->http.status >= 400 ? CANVAS_ERROR
		                            : CANVAS_OK,
		    "%d", s->http.status);
	struct buf flags = BUF_INIT;
	static const struct {
		unsigned flag;
		const char *name;
	} names[] = {{XR_SEG_FAULT, N_("fault")},       {XR_SEG_ERROR, N_("error")},
	             {XR_SEG_THROTTLE, N_("throttle")}, {XR_SEG_IN_PROGRESS, N_("in progress")},
	             {XR_SEG_INFERRED, N_("inferred")}, {XR_SEG_DETACHED, N_("parent not found")}};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (s->flags & names[i].flag)
			buf_printf(&flags, "%s%s", flags.len ? ", " : "", _(names[i].name));
	unsigned style = s->flags & XR_SEG_FAULT      ? CANVAS_FAULT
	                 : s->flags & XR_SEG_THROTTLE ? CANVAS_THROTTLE
	                 : s->flags & XR_SEG_ERROR    ? CANVAS_ERROR
	                                              : CANVAS_NORMAL;
	kv_style(d, _("Flags"), flags.len ? flags.data : _("none"),
	         style | (flags.len ? CANVAS_BOLD : 0));
	buf_free(&flags);
	if (d->tl && timeline_is_critical(d->tl, s)) {
		double own = timeline_critical_self(d->tl, s),
		       total = timeline_critical_seconds(d->tl);
		timeline_duration_text(own, d->ascii, dur, sizeof dur);
		kvf(d, _("Critical path"), CANVAS_ACCENT | CANVAS_BOLD,
		    _("yes: %s of its own (%.1f%%)"), dur, total > 0 ? 100 * own / total : 0);
	} else if (d->tl) {
		kv(d, _("Critical path"), _("no"));
	}
	if (s->user)
		kv(d, _("User"), s->user);
	else if (s->document && s->document != s && s->document->user)
		kvf(d, _("User"), CANVAS_NORMAL, _("%s (of the segment)"), s->document->user);
	kv(d, _("Resource ARN"), s->resource_arn);
	kv(d, _("Service version"), s->service_version);
	if (s->n_children)
		kvf(d, _("Children"), CANVAS_NORMAL, "%u", s->n_children);
	for (unsigned i = 0; i < s->n_precursor_ids; i++)
		kv(d, i ? "" : _("Precursors"), s->precursor_ids[i]);
}

static void
resources(struct details *d)
{
	const struct xr_segment *s = d->s;
	const struct xr_http *h = &s->http;
	bool any = false;
	if (h->method || h->url || h->user_agent || h->client_ip || h->status ||
	    h->content_length >= 0) {
		any = true;
		if (h->method || h->url || h->user_agent || h->client_ip)
			subheading(d, _("HTTP request"));
		kv(d, _("Method"), h->method);
		kv(d, _("URL"), h->url);
		kv(d, _("User agent"), h->user_agent);
		kv(d, _("Client IP"), h->client_ip);
		if (h->x_forwarded_for)
			kv(d, _("X-Forwarded-For"), _("yes (the client IP came from the header)"));
		if (h->traced)
			kv(d, _("Traced"), _("yes (the callee is instrumented)"));
		if (h->status || h->content_length >= 0) {
			subheading(d, _("HTTP response"));
			if (h->status)
				kvf(d, _("Status"), CANVAS_NORMAL, "%d", h->status);
			if (h->content_length >= 0)
				kvf(d, _("Content length"), CANVAS_NORMAL, "%lld",
				    h->content_length);
		}
	}
	const struct xr_aws *a = s->aws;
	if (a) {
		any = true;
		subheading(d, _("AWS"));
		kv(d, _("Operation"), a->operation);
		kv(d, _("Table"), a->table_name);
		kv(d, _("Function"), a->function_name);
		kv(d, _("Queue URL"), a->queue_url);
		kv(d, _("Topic ARN"), a->topic_arn);
		kv(d, _("Region"), a->region);
		kv(d, _("Account"), a->account_id);
		kv(d, _("Request ID"), a->request_id);
		kv(d, _("EC2 instance"), a->instance_id);
		kv(d, _("Availability zone"), a->availability_zone);
		if (a->extra) {
			note(d, _("Other members:"));
			pretty_json(d, a->extra);
		}
	}
	if (!any)
		note(d, _("No http or aws data in this segment."));
}

static void
value_text(const struct xr_value *v, struct buf *out)
{
	switch (v->type) {
	case XR_VAL_STRING: json_escape(out, v->u.s, strlen(v->u.s)); break;
	case XR_VAL_NUMBER: json_number(out, v->u.n); break;
	case XR_VAL_BOOL: buf_puts(out, v->u.b ? "true" : "false"); break;
	}
}

static void
annotations(struct details *d)
{
	const struct xr_segment *s = d->s;
	if (!s->n_annotations)
		note(d, _("No annotations in this segment."));
	for (unsigned i = 0; i < s->n_annotations; i++) {
		struct buf v = BUF_INIT;
		value_text(&s->annotations[i].value, &v);
		kv(d, s->annotations[i].key, v.data);
		buf_free(&v);
	}
}

static void
metadata(struct details *d)
{
	if (d->s->metadata)
		pretty_json(d, d->s->metadata);
	else
		note(d, _("No metadata in this segment."));
}

/* The exception with this id anywhere in the trace, with its segment. */
static const struct xr_exception *
find_exception(const struct xr_trace *t, const char *id, const struct xr_segment **where)
{
	for (unsigned i = 0; id && i < t->n_all; i++) {
		const struct xr_cause *c = t->all[i]->cause;
		for (unsigned k = 0; c && k < c->n_exceptions; k++)
			if (c->exceptions[k].id && strcmp(c->exceptions[k].id, id) == 0) {
				*where = t->all[i];
				return &c->exceptions[k];
			}
	}
	return NULL;
}

static void
exception(struct details *d, const struct xr_exception *x)
{
	unsigned role = d->s->flags & XR_SEG_FAULT      ? CANVAS_FAULT
	                : d->s->flags & XR_SEG_THROTTLE ? CANVAS_THROTTLE
	                                                : CANVAS_ERROR;
	new_line(d);
	new_line(d);
	struct buf title = BUF_INIT;
	buf_printf(&title, "%s%s%s", x->type ? x->type : _("Exception"), x->message ? ": " : "",
	           x->message ? x->message : "");
	add_text(d, 2, 4, title.data, role | CANVAS_BOLD);
	buf_free(&title);
	kv(d, _("ID"), x->id);
	if (x->remote)
		kv(d, _("Remote"), _("yes (thrown by the downstream service)"));
	if (x->cause) {
		const struct xr_segment *where = NULL;
		const struct xr_exception *c = find_exception(d->t, x->cause, &where);
		if (c)
			kvf(d, _("Caused by"), CANVAS_NORMAL, "%s (%s%s%s, in %s)", x->cause,
			    c->type ? c->type : "", c->type && c->message ? ": " : "",
			    c->message ? c->message : "", where->name);
		else
			kv(d, _("Caused by"), x->cause);
	}
	for (unsigned f = 0; f < x->n_stack; f++) {
		const struct xr_stack_frame *fr = &x->stack[f];
		struct buf b = BUF_INIT;
		buf_printf(&b, "at %s", fr->label ? fr->label : "?");
		if (fr->path)
			buf_printf(&b, " (%s%s", fr->path, fr->line ? "" : ")");
		if (fr->line)
			buf_printf(&b, fr->path ? ":%d)" : _(" (line %d)"), fr->line);
		new_line(d);
		add_text(d, 4, 8, b.data, CANVAS_NORMAL);
		buf_free(&b);
	}
	if (x->truncated || x->skipped) {
		char more[96];
		snprintf(more, sizeof more, _("... %d frames truncated, %d skipped"), x->truncated,
		         x->skipped);
		new_line(d);
		add_text(d, 4, 8, more, CANVAS_DIM);
	}
}

static void
exceptions(struct details *d)
{
	const struct xr_cause *c = d->s->cause;
	if (!c) {
		note(d, _("No cause recorded in this segment."));
		return;
	}
	if (c->exception_id) {
		const struct xr_segment *where = NULL;
		const struct xr_exception *x = find_exception(d->t, c->exception_id, &where);
		kvf(d, _("Cause"), CANVAS_NORMAL, _("exception %s, recorded in %s"),
		    c->exception_id, where ? where->name : _("a segment not in this trace"));
		if (x)
			exception(d, x);
		return;
	}
	kv(d, _("Working directory"), c->working_directory);
	for (unsigned i = 0; i < c->n_paths; i++)
		kv(d, i ? "" : _("Paths"), c->paths[i]);
	for (unsigned i = 0; i < c->n_exceptions; i++)
		exception(d, &c->exceptions[i]);
	if (!c->n_exceptions)
		note(d, _("The cause lists no exceptions."));
}

static void
sql(struct details *d)
{
	const struct xr_sql *q = d->s->sql;
	if (!q) {
		note(d, _("No SQL query in this segment."));
		return;
	}
	kv(d, _("Database"), q->database_type);
	kv(d, _("Version"), q->database_version);
	kv(d, _("URL"), q->url);
	kv(d, _("Connection"), q->connection_string);
	kv(d, _("User"), q->user);
	kv(d, _("Driver"), q->driver_version);
	kv(d, _("Preparation"), q->preparation);
	if (q->sanitized_query) {
		new_line(d);
		add_text(d, 2, 2, _("Query"), CANVAS_DIM);
		new_line(d);
		add_text(d, 4, 4, q->sanitized_query, CANVAS_ACCENT);
	}
}

static void
raw(struct details *d)
{
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	encode_segment(&w, d->s);
	pretty_json(d, b.data);
	buf_free(&b);
}

struct details *
details_new(const struct xr_trace *t, const struct timeline *tl, const struct xr_segment *s,
            enum details_tab tab, int width, unsigned flags)
{
	struct details *d = xcalloc(1, sizeof *d);
	d->t = t;
	d->tl = tl;
	d->s = s;
	d->arena = arena_new();
	d->width = width > 8 ? width : 8;
	d->ascii = flags & CANVAS_ASCII;
	d->utf8_flags = d->ascii ? UTF8_ASCII : 0;
	d->key_w = d->width / 4 < 18 ? d->width / 4 : 18;
	heading(d, details_tab_name(tab));
	switch (tab) {
	case DETAILS_OVERVIEW: overview(d); break;
	case DETAILS_RESOURCES: resources(d); break;
	case DETAILS_ANNOTATIONS: annotations(d); break;
	case DETAILS_METADATA: metadata(d); break;
	case DETAILS_EXCEPTIONS: exceptions(d); break;
	case DETAILS_SQL: sql(d); break;
	default: raw(d); break;
	}
	return d;
}

void
details_free(struct details *d)
{
	if (!d)
		return;
	arena_free(d->arena);
	free(d->spans);
	free(d->line_start);
	free(d);
}

size_t
details_lines(const struct details *d)
{
	return d->n_lines;
}

void
details_render(const struct details *d, struct canvas *c, int y, int height, size_t scroll)
{
	for (int k = 0; k < height && scroll + (size_t)k < d->n_lines; k++) {
		size_t line = scroll + (size_t)k;
		for (size_t i = d->line_start[line]; i < d->line_start[line + 1]; i++)
			canvas_puts(c, d->spans[i].x, y + k, -1, d->spans[i].text,
			            d->spans[i].style);
	}
}

bool
details_tab_empty(const struct xr_segment *s, enum details_tab tab)
{
	switch (tab) {
	case DETAILS_RESOURCES:
		return !s->aws && !s->http.method && !s->http.url && !s->http.status &&
		       !s->http.user_agent && !s->http.client_ip && s->http.content_length < 0;
	case DETAILS_ANNOTATIONS: return !s->n_annotations;
	case DETAILS_METADATA: return !s->metadata;
	case DETAILS_EXCEPTIONS: return !s->cause;
	case DETAILS_SQL: return !s->sql;
	default: return false;
	}
}

void
details_tab_bar(const struct xr_segment *s, enum details_tab current, struct canvas *c, int y)
{
	int x = 0;
	for (int tab = 0; tab < DETAILS_TABS && x < c->width; tab++) {
		char title[48];
		unsigned n = tab == DETAILS_ANNOTATIONS              ? s->n_annotations
		             : tab == DETAILS_EXCEPTIONS && s->cause ? s->cause->n_exceptions
		                                                     : 0;
		bool cur = (enum details_tab)tab == current;
		char count[16] = "";
		if (n)
			snprintf(count, sizeof count, " %u", n);
		snprintf(title, sizeof title, "%s%s%s%s", cur ? "[" : " ", _(tab_names[tab]), count,
		         cur ? "]" : " ");
		unsigned style = (enum details_tab)tab == current
		                     ? CANVAS_HEADER | CANVAS_BOLD | CANVAS_SELECTED
		                 : details_tab_empty(s, (enum details_tab)tab) ? CANVAS_DIM
		                                                               : CANVAS_NORMAL;
		if (tab == DETAILS_EXCEPTIONS && s->cause && current != DETAILS_EXCEPTIONS)
			style =
			    (s->flags & XR_SEG_FAULT ? CANVAS_FAULT : CANVAS_ERROR) | CANVAS_BOLD;
		x += canvas_puts(c, x, y, -1, title, style);
		if (x < c->width)
			x += canvas_puts(c, x, y, 1, c->flags & CANVAS_ASCII ? "|" : "│",
			                 CANVAS_DIM);
	}
}
