#include "config.h"

#include "view/timeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"
#include "view/tracetable.h"

struct timeline {
	const struct xr_trace *t;
	size_t n;            /* t->n_all */
	unsigned *end;       /* per segment (t->all index): one past its subtree */
	unsigned char *crit; /* on the critical path */
	double *crit_self;   /* its own time on the critical path */
	unsigned char *collapsed;
	unsigned *rows; /* visible rows: t->all indexes */
	size_t n_rows;
	bool dirty;
	struct hash_index index; /* id -> index in t->all */
	double t0, t1;
	double w0, w1; /* the window the axis shows (zoom), within [t0, t1] */
	double crit_total;
	bool show_critical;
};

/* A child during the critical-path walk: its times clipped to the parent. */
struct kid {
	double start, end;
	unsigned index;
};

/* ---- building ---- */

static double
seg_end(const struct timeline *tl, const struct xr_segment *s)
{
	if (isfinite(s->end_time))
		return s->end_time;
	if (s->flags & XR_SEG_IN_PROGRESS)
		return tl->t1;
	return s->start_time;
}

static int
cmp_kid(const void *a, const void *b)
{
	const struct kid *x = a, *y = b;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* One segment being walked: its children are scratch[base, base + k),
 * sorted by end, the next to look at is j. */
struct walk {
	unsigned index;
	double start, cursor, self;
	size_t base, k, j;
};

/* Starts walking segment i over [start, end]: marks it, and puts its
 * children (times clipped to [start, end]) at scratch[base..]. */
static void
walk_begin(struct timeline *tl, struct walk *w, unsigned i, double start, double end,
           struct kid *scratch, size_t base)
{
	tl->crit[i] = 1;
	*w = (struct walk){i, start, end, 0, base, 0, 0};
	for (unsigned c = i + 1; c < tl->end[i]; c = tl->end[c]) {
		const struct xr_segment *s = tl->t->all[c];
		if (!isfinite(s->start_time))
			continue;
		double cs = s->start_time < start ? start : s->start_time;
		double ce = seg_end(tl, s);
		if (ce > end)
			ce = end;
		if (ce <= cs)
			continue; /* no time inside the parent: nothing on the path */
		scratch[base + w->k++] = (struct kid){cs, ce, c};
	}
	if (w->k > 1)
		qsort(scratch + base, w->k, sizeof *scratch, cmp_kid);
}

/* The "last finishing child" walk from segment i over [start, end], with
 * an explicit stack: a chain of parent links can be as deep as the trace
 * is long. */
static void
crit_walk(struct timeline *tl, unsigned i, double start, double end)
{
	struct kid *scratch = xmalloc((tl->n + 1) * sizeof *scratch);
	struct walk *stack = xmalloc((tl->n + 1) * sizeof *stack);
	size_t top = 0;
	walk_begin(tl, &stack[top++], i, start, end, scratch, 0);
	while (top) {
		struct walk *w = &stack[top - 1];
		while (w->j < w->k && scratch[w->base + w->j].end > w->cursor)
			w->j++;
		if (w->j < w->k) {
			struct kid kd = scratch[w->base + w->j++];
			w->self += w->cursor - kd.end;
			w->cursor = kd.start;
			walk_begin(tl, &stack[top++], kd.index, kd.start, kd.end, scratch,
			           w->base + w->k);
			continue;
		}
		w->self += w->cursor - w->start;
		tl->crit_self[w->index] = w->self > 0 ? w->self : 0;
		top--;
	}
	free(stack);
	free(scratch);
}

static const char *
key_of(const void *all, size_t i)
{
	return ((struct xr_segment *const *)all)[i]->id;
}

static long
index_of(const struct timeline *tl, const char *id)
{
	if (!id)
		return -1;
	size_t slot = *hash_index_str_slot(&tl->index, id, key_of, tl->t->all);
	return slot ? (long)slot - 1 : -1;
}

struct timeline *
timeline_new(const struct xr_trace *t)
{
	struct timeline *tl = xcalloc(1, sizeof *tl);
	size_t n = t->n_all;
	tl->t = t;
	tl->n = n;
	tl->end = xcalloc(n + 1, sizeof *tl->end);
	tl->crit = xcalloc(n + 1, 1);
	tl->crit_self = xcalloc(n + 1, sizeof *tl->crit_self);
	tl->collapsed = xcalloc(n + 1, 1);
	tl->rows = xcalloc(n + 1, sizeof *tl->rows);
	tl->dirty = true;

	/* Subtree ends from depths (t->all is in preorder). */
	unsigned *stack = xmalloc((n + 1) * sizeof *stack);
	size_t top = 0;
	for (size_t i = 0; i < n; i++) {
		while (top && t->all[stack[top - 1]]->depth >= t->all[i]->depth)
			tl->end[stack[--top]] = (unsigned)i;
		stack[top++] = (unsigned)i;
	}
	while (top)
		tl->end[stack[--top]] = (unsigned)n;
	free(stack);

	hash_index_init(&tl->index, n);
	for (size_t i = 0; i < n; i++) {
		size_t *slot = hash_index_str_slot(&tl->index, t->all[i]->id, key_of, t->all);
		if (!*slot)
			*slot = i + 1;
	}

	tl->t0 = INFINITY;
	tl->t1 = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		const struct xr_segment *s = t->all[i];
		if (isfinite(s->start_time)) {
			if (s->start_time < tl->t0)
				tl->t0 = s->start_time;
			if (s->start_time > tl->t1)
				tl->t1 = s->start_time;
		}
		if (isfinite(s->end_time) && s->end_time > tl->t1)
			tl->t1 = s->end_time;
	}
	if (!isfinite(tl->t0))
		tl->t0 = tl->t1 = 0;
	tl->w0 = tl->t0;
	tl->w1 = tl->t1;
	tl->show_critical = true;

	long root = t->root ? index_of(tl, t->root->id) : -1;
	if (root >= 0 && t->all[root] == t->root && isfinite(t->root->start_time)) {
		double end = seg_end(tl, t->root);
		crit_walk(tl, (unsigned)root, t->root->start_time, end);
		tl->crit_total = end - t->root->start_time;
	}
	return tl;
}

void
timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	free(tl->end);
	free(tl->crit);
	free(tl->crit_self);
	free(tl->collapsed);
	free(tl->rows);
	hash_index_free(&tl->index);
	free(tl);
}

const struct xr_trace *
timeline_trace(const struct timeline *tl)
{
	return tl->t;
}

/* ---- collapse state and rows ---- */

void
timeline_set_collapsed(struct timeline *tl, const char *segment_id, bool collapsed)
{
	long i = index_of(tl, segment_id);
	if (i >= 0 && tl->collapsed[i] != collapsed) {
		tl->collapsed[i] = collapsed;
		tl->dirty = true;
	}
}

bool
timeline_is_collapsed(const struct timeline *tl, const char *segment_id)
{
	long i = index_of(tl, segment_id);
	return i >= 0 && tl->collapsed[i];
}

void
timeline_collapse_to_depth(struct timeline *tl, int depth)
{
	for (size_t i = 0; i < tl->n; i++)
		tl->collapsed[i] =
		    depth >= 0 && tl->t->all[i]->depth >= (unsigned)depth && tl->end[i] > i + 1;
	tl->dirty = true;
}

void
timeline_copy_collapsed(struct timeline *tl, const struct timeline *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (src->collapsed[i])
			timeline_set_collapsed(tl, src->t->all[i]->id, true);
}

static void
build_rows(struct timeline *tl)
{
	if (!tl->dirty)
		return;
	size_t r = 0;
	for (size_t i = 0; i < tl->n;) {
		tl->rows[r++] = (unsigned)i;
		i = tl->collapsed[i] ? tl->end[i] : i + 1;
	}
	tl->n_rows = r;
	tl->dirty = false;
}

size_t
timeline_rows(struct timeline *tl)
{
	build_rows(tl);
	return tl->n_rows;
}

const struct xr_segment *
timeline_row_segment(struct timeline *tl, size_t row)
{
	build_rows(tl);
	return row < tl->n_rows ? tl->t->all[tl->rows[row]] : NULL;
}

const char *
timeline_row_id(struct timeline *tl, size_t row)
{
	const struct xr_segment *s = timeline_row_segment(tl, row);
	return s ? s->id : NULL;
}

long
timeline_find_row(struct timeline *tl, const char *segment_id)
{
	build_rows(tl);
	long i = index_of(tl, segment_id);
	if (i < 0)
		return -1;
	/* rows[] is ascending: binary search. */
	size_t lo = 0, hi = tl->n_rows;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (tl->rows[mid] < (unsigned)i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < tl->n_rows && tl->rows[lo] == (unsigned)i ? (long)lo : -1;
}

static long
next_row(struct timeline *tl, long row, int dir, bool (*match)(const struct timeline *, unsigned))
{
	build_rows(tl);
	long n = (long)tl->n_rows;
	for (long r = row + (dir > 0 ? 1 : -1); r >= 0 && r<n; r += dir> 0 ? 1 : -1)
		if (match(tl, tl->rows[r]))
			return r;
	return -1;
}

static bool
is_problem(const struct timeline *tl, unsigned i)
{
	return tl->t->all[i]->flags & (XR_SEG_ERROR | XR_SEG_FAULT | XR_SEG_THROTTLE);
}

static bool
is_crit(const struct timeline *tl, unsigned i)
{
	return tl->crit[i];
}

long
timeline_next_problem(struct timeline *tl, long row, int dir)
{
	return next_row(tl, row, dir, is_problem);
}

long
timeline_next_critical(struct timeline *tl, long row, int dir)
{
	return next_row(tl, row, dir, is_crit);
}

bool
timeline_is_critical(const struct timeline *tl, const struct xr_segment *s)
{
	long i = index_of(tl, s->id);
	return i >= 0 && tl->t->all[i] == s && tl->crit[i];
}

double
timeline_critical_self(const struct timeline *tl, const struct xr_segment *s)
{
	long i = index_of(tl, s->id);
	return i >= 0 && tl->t->all[i] == s && tl->crit[i] ? tl->crit_self[i] : 0;
}

double
timeline_start(const struct timeline *tl)
{
	return tl->t0;
}

double
timeline_end(const struct timeline *tl)
{
	return tl->t1;
}

double
timeline_critical_seconds(const struct timeline *tl)
{
	return tl->crit_total;
}

/* ---- text ---- */

void
timeline_duration_text(double v, bool ascii, char *out, size_t size)
{
	if (!isfinite(v) || v < 0)
		snprintf(out, size, "-");
	else if (v >= 100)
		snprintf(out, size, "%.0fs", v);
	else if (v >= 10)
		snprintf(out, size, "%.2fs", v);
	else if (v >= 1)
		snprintf(out, size, "%.3fs", v);
	else if (v >= 0.0995)
		snprintf(out, size, "%.0fms", v * 1e3);
	else if (v >= 0.00995)
		snprintf(out, size, "%.1fms", v * 1e3);
	else if (v >= 0.0009995)
		snprintf(out, size, "%.2fms", v * 1e3);
	else
		snprintf(out, size, "%.0f%s", v * 1e6, ascii ? "us" : "µs");
}

/* The last part of an ARN or URL path. */
static const char *
last_part(const char *s, char sep)
{
	const char *p = strrchr(s, sep);
	return p && p[1] ? p + 1 : s;
}

/* What a segment is, beside its name: "DynamoDB::Table Query",
 * "Query Reservations", "GET api.example.com", "PostgreSQL".  In a row
 * (brief), a document leaves out the operation its caller's row shows. */
static void
segment_kind(const struct xr_segment *s, bool brief, struct buf *out)
{
	const struct xr_aws *a = s->aws;
	bool document = !(s->flags & XR_SEG_SUBSEGMENT);
	if (document && s->origin) {
		buf_puts(out, strncmp(s->origin, "AWS::", 5) == 0 ? s->origin + 5 : s->origin);
		const struct xr_aws *pa = s->parent ? s->parent->aws : NULL;
		bool shown = brief && pa && pa->operation && a && a->operation &&
		             strcmp(pa->operation, a->operation) == 0;
		if (a && a->operation && !shown)
			buf_printf(out, " %s", a->operation);
		return;
	}
	if (s->namespace && strcmp(s->namespace, "aws") == 0 && a) {
		const char *target = a->table_name      ? a->table_name
		                     : a->function_name ? a->function_name
		                     : a->queue_url     ? last_part(a->queue_url, '/')
		                     : a->topic_arn     ? last_part(a->topic_arn, ':')
		                                        : NULL;
		if (a->operation)
			buf_puts(out, a->operation);
		if (target)
			buf_printf(out, "%s%s", a->operation ? " " : "", target);
		return;
	}
	if (s->sql) {
		buf_puts(out, s->sql->database_type ? s->sql->database_type : "SQL");
		return;
	}
	if (s->namespace && strcmp(s->namespace, "remote") == 0 && s->http.url) {
		const char *host = strstr(s->http.url, "://");
		host = host ? host + 3 : s->http.url;
		if (s->http.method)
			buf_printf(out, "%s ", s->http.method);
		buf_append(out, host, strcspn(host, "/?#"));
	}
}

static unsigned
flag_role(unsigned flags)
{
	if (flags & XR_SEG_FAULT)
		return CANVAS_FAULT;
	if (flags & XR_SEG_THROTTLE)
		return CANVAS_THROTTLE;
	if (flags & XR_SEG_ERROR)
		return CANVAS_ERROR;
	return CANVAS_NORMAL;
}

static const char *
flag_letter(unsigned flags)
{
	if (flags & XR_SEG_FAULT)
		return "F";
	if (flags & XR_SEG_THROTTLE)
		return "T";
	if (flags & XR_SEG_ERROR)
		return "E";
	if (flags & XR_SEG_IN_PROGRESS)
		return "P";
	if (flags & XR_SEG_DETACHED)
		return "D";
	return NULL;
}

static unsigned
status_role(int status)
{
	return status == 429   ? CANVAS_THROTTLE
	       : status >= 500 ? CANVAS_FAULT
	       : status >= 400 ? CANVAS_ERROR
	                       : CANVAS_OK;
}

/* ---- layout ---- */

struct layout {
	int name_x, name_w;
	int status_x; /* -1: no status column */
	int dur_x, dur_w;
	int bar_x, bar_w;
	int indent; /* columns per level */
};

enum { DUR_W = 7, STATUS_W = 4 };

static struct layout
layout_for(int width)
{
	struct layout l;
	l.name_x = 3;
	l.name_w = width >= 100 ? width * 2 / 5 : width / 3;
	if (l.name_w > 56)
		l.name_w = 56;
	if (l.name_w < 8)
		l.name_w = 8;
	bool status = width >= 100;
	int fixed = l.name_x + l.name_w + 1 + (status ? STATUS_W + 1 : 0) + DUR_W + 1;
	l.bar_w = width - fixed;
	if (l.bar_w < 8) {
		l.name_w += l.bar_w > 0 ? l.bar_w : 0;
		l.bar_w = 0;
	}
	l.status_x = status ? l.name_x + l.name_w + 1 : -1;
	l.dur_x = l.name_x + l.name_w + 1 + (status ? STATUS_W + 1 : 0);
	l.dur_w = DUR_W;
	l.bar_x = l.dur_x + DUR_W + 1;
	l.indent = l.name_w >= 36 ? 2 : 1;
	return l;
}

static double
span_of(const struct timeline *tl)
{
	double span = tl->w1 - tl->w0;
	return span > 0 ? span : 1e-3;
}

void
timeline_set_window(struct timeline *tl, double from, double to)
{
	double len = tl->t1 - tl->t0;
	if (!isfinite(from) || !isfinite(to) || to <= from) {
		tl->w0 = tl->t0;
		tl->w1 = tl->t1;
		return;
	}
	if (to - from < 1e-6)
		to = from + 1e-6;
	if (from < 0)
		from = 0;
	if (to > len && len > 0)
		to = len;
	tl->w0 = tl->t0 + from;
	tl->w1 = tl->t0 + (to > from ? to : from + 1e-6);
}

void
timeline_window(const struct timeline *tl, double *from, double *to)
{
	*from = tl->w0 - tl->t0;
	*to = tl->w1 - tl->t0;
}

void
timeline_set_show_critical(struct timeline *tl, bool show)
{
	tl->show_critical = show;
}

/* A tick step of 1, 2 or 5 x 10^k seconds giving at most max ticks. */
static double
nice_step(double span, int max_ticks)
{
	if (max_ticks < 1)
		max_ticks = 1;
	double raw = span / max_ticks;
	double p = pow(10, floor(log10(raw)));
	static const double mult[] = {1, 2, 5, 10};
	for (size_t i = 0; i < 4; i++)
		if (mult[i] * p >= raw * (1 - 1e-9))
			return mult[i] * p;
	return 10 * p;
}

static void
tick_label(double v, double span, bool ascii, char *out, size_t size)
{
	const char *unit = "s";
	double scale = 1;
	if (span < 1e-3) {
		unit = ascii ? "us" : "µs";
		scale = 1e6;
	} else if (span < 1) {
		unit = "ms";
		scale = 1e3;
	}
	double x = v * scale;
	if (fabs(x) < 1e-9)
		x = 0;
	snprintf(out, size, "%.6g%s", x, unit);
}

/* ---- drawing ---- */

/* The URL with %XX sequences decoded (and '+' in the query as a space)
 * when that gives valid UTF-8 text, for reading; else as it is.  The
 * result is still untrusted text (the canvas sanitises it). */
static void
readable_url(const char *url, struct buf *out)
{
	tracetable_decode_url(url, out);
	if (!utf8_valid(out->data, out->len)) {
		buf_reset(out);
		buf_puts(out, url);
	}
}

void
timeline_header(const struct timeline *tl, struct canvas *c, int y)
{
	const struct xr_trace *t = tl->t;
	const struct xr_segment *root = t->root;
	int x = 0, w = c->width;
	x += canvas_puts(c, x, y, w - x, t->id, CANVAS_HEADER | CANVAS_BOLD);
	const char *service = root ? root->name : NULL;
	if (service && x < w) {
		x += canvas_puts(c, x, y, w - x, "  ", CANVAS_NORMAL);
		x += canvas_puts(c, x, y, w - x, service, CANVAS_BOLD);
	}
	char dur[16];
	double d = root ? seg_end(tl, root) - root->start_time : NAN;
	if (!isfinite(d))
		d = tl->t1 - tl->t0;
	timeline_duration_text(d, c->flags & CANVAS_ASCII, dur, sizeof dur);
	if (x < w)
		x += canvas_printf(c, x, y, w - x, CANVAS_BOLD, "  %s%s",
		                   root && (root->flags & XR_SEG_IN_PROGRESS) ? ">" : "", dur);
	const char *letter = root ? flag_letter(root->flags) : NULL;
	if (letter && x < w) {
		static const char *const names[] = {"F", N_("fault"), "T", N_("throttled"),
		                                    "E", N_("error"), "P", N_("in progress")};
		for (size_t i = 0; i < 8; i += 2)
			if (strcmp(letter, names[i]) == 0)
				x += canvas_printf(c, x, y, w - x,
				                   flag_role(root->flags) | CANVAS_BOLD, "  %s",
				                   _(names[i + 1]));
	}
	if (t->summary.is_partial && !(root && (root->flags & XR_SEG_IN_PROGRESS)) && x < w)
		x += canvas_puts(c, x, y, w - x, _("  partial"), CANVAS_THROTTLE | CANVAS_BOLD);
	if (t->limit_exceeded && x < w)
		x += canvas_puts(c, x, y, w - x, "  LimitExceeded", CANVAS_THROTTLE | CANVAS_BOLD);
	char when[32];
	timefmt_short(tl->t0, when, sizeof when);
	if (isfinite(tl->t0) && tl->t0 > 0 && x + 26 <= w)
		canvas_printf(c, x, y, w - x, CANVAS_DIM, "  %s UTC", when);

	/* Second line: the request. */
	x = 0;
	y++;
	if (root && root->http.method)
		x += canvas_printf(c, x, y, w - x, CANVAS_BOLD, "%s ", root->http.method);
	if (root && root->http.status && x < w)
		x += canvas_printf(c, x, y, w - x, status_role(root->http.status) | CANVAS_BOLD,
		                   "%d ", root->http.status);
	if (root && root->http.url && x + 3 < w) {
		struct buf url = BUF_INIT;
		readable_url(root->http.url, &url);
		canvas_fit(c, x, y, w - x, url.data, url.len, UTF8_LEFT, CANVAS_NORMAL);
		buf_free(&url);
	} else if (x == 0) {
		canvas_printf(c, 0, y, w, CANVAS_DIM, _("no HTTP request recorded; %u segments"),
		              t->n_all);
	}
}

void
timeline_ruler(const struct timeline *tl, struct canvas *c, int y)
{
	struct layout l = layout_for(c->width);
	bool ascii = c->flags & CANVAS_ASCII;
	canvas_puts(c, l.name_x, y, l.name_w, _("SEGMENT"), CANVAS_HEADER | CANVAS_BOLD);
	if (l.status_x >= 0)
		canvas_puts(c, l.status_x, y, STATUS_W, "HTTP", CANVAS_HEADER | CANVAS_BOLD);
	canvas_fit(c, l.dur_x, y, l.dur_w, _("DUR"), strlen(_("DUR")), UTF8_RIGHT,
	           CANVAS_HEADER | CANVAS_BOLD);
	canvas_hline(c, 0, y + 1, c->width, CANVAS_DIM);
	if (l.bar_w <= 0)
		return;
	double span = span_of(tl), off = tl->w0 - tl->t0;
	double step = nice_step(span, l.bar_w / 8 > 1 ? l.bar_w / 8 : 1);
	int next_free = l.bar_x;
	/* Ticks at multiples of step since the trace's start, inside the window. */
	for (long k = (long)ceil(off / step - 1e-3); k * step <= off + span + step * 1e-3; k++) {
		int col = (int)floor((k * step - off) / span * l.bar_w);
		if (col < 0)
			col = 0;
		if (col >= l.bar_w)
			col = l.bar_w - 1;
		canvas_puts(c, l.bar_x + col, y + 1, 1, canvas_glyph(c, CANVAS_G_TEE_DOWN),
		            CANVAS_DIM);
		char label[32];
		tick_label(k * step, off + span, ascii, label, sizeof label);
		int lw = canvas_width_of(c, label, strlen(label));
		int lx = l.bar_x + col;
		if (lx + lw > c->width)
			lx = c->width - lw;
		if (lx < next_free)
			continue;
		canvas_puts(c, lx, y, lw, label, CANVAS_DIM);
		next_free = lx + lw + 1;
	}
}

static const char *const left_eighths[9] = {" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"};

/* Draws a bar over [x0, x1) eighths of the bar area at (bx, y). */
static void
draw_bar(struct canvas *c, int bx, int y, int bw, long a, long b, bool open, unsigned style)
{
	long max = (long)bw * 8;
	if (a < 0)
		a = 0;
	if (a > max - 1)
		a = max - 1;
	if (b > max)
		b = max;
	if (b <= a)
		b = a + 1;
	long ca = a / 8, cb = (b - 1) / 8;
	bool ascii = c->flags & CANVAS_ASCII;
	if (open) {
		for (long x = ca; x <= cb; x++)
			canvas_puts(c, bx + (int)x, y, 1,
			            x == cb && cb > ca ? canvas_glyph(c, CANVAS_G_ARROW_RIGHT)
			                               : canvas_glyph(c, CANVAS_G_LIGHT_SHADE),
			            style);
		return;
	}
	if (ascii) {
		bool any = false;
		for (long x = ca; x <= cb; x++) {
			long from = x * 8 > a ? x * 8 : a, to = x * 8 + 8 < b ? x * 8 + 8 : b;
			if (to - from >= 4) {
				canvas_puts(c, bx + (int)x, y, 1, "=", style);
				any = true;
			}
		}
		if (!any)
			canvas_puts(c, bx + (int)ca, y, 1, "=", style);
		return;
	}
	if (ca == cb) {
		canvas_puts(c, bx + (int)ca, y, 1, left_eighths[b - a], style);
		return;
	}
	long fill = 8 - a % 8;
	canvas_puts(c, bx + (int)ca, y, 1, fill >= 6 ? "█" : fill >= 3 ? "▐" : "▕", style);
	for (long x = ca + 1; x < cb; x++)
		canvas_puts(c, bx + (int)x, y, 1, "█", style);
	canvas_puts(c, bx + (int)cb, y, 1, left_eighths[b - cb * 8], style);
}

static void
draw_row(struct timeline *tl, struct canvas *c, const struct layout *l, int y, unsigned i,
         bool selected)
{
	const struct xr_segment *s = tl->t->all[i];
	bool ascii = c->flags & CANVAS_ASCII;
	bool crit = tl->crit[i] && tl->show_critical;
	unsigned role = flag_role(s->flags);
	if (crit)
		canvas_puts(c, 0, y, 1, ascii ? "*" : canvas_glyph(c, CANVAS_G_BULLET),
		            CANVAS_ACCENT | CANVAS_BOLD);
	const char *letter = flag_letter(s->flags);
	if (letter)
		canvas_puts(c, 1, y, 1, letter,
		            (letter[0] == 'P'   ? CANVAS_THROTTLE
		             : letter[0] == 'D' ? CANVAS_DIM
		                                : role) |
		                CANVAS_BOLD);

	/* Name: indent, fold mark, name, and in dim what the segment is. */
	int indent = (int)s->depth * l->indent;
	if (indent > l->name_w / 3)
		indent = l->name_w / 3;
	int x = l->name_x + indent, room = l->name_w - indent;
	if (tl->end[i] > i + 1)
		canvas_puts(
		    c, x, y, 1,
		    canvas_glyph(c, tl->collapsed[i] ? CANVAS_G_COLLAPSED : CANVAS_G_EXPANDED),
		    CANVAS_DIM);
	x += 2;
	room -= 2;
	unsigned name_style = (s->flags & XR_SEG_SUBSEGMENT) ? CANVAS_NORMAL : CANVAS_BOLD;
	if (role != CANVAS_NORMAL)
		name_style = role | CANVAS_BOLD;
	struct buf kind = BUF_INIT;
	segment_kind(s, true, &kind);
	if (tl->collapsed[i])
		buf_printf(&kind, "%s(+%u)", kind.len ? " " : "", tl->end[i] - i - 1);
	if (s->flags & XR_SEG_DETACHED)
		buf_printf(&kind, "%s%s", kind.len ? " " : "", _("detached"));
	int name_w = canvas_width_of(c, s->name, strlen(s->name));
	if (room > 0) {
		if (name_w >= room || !kind.len) {
			canvas_fit(c, x, y, room, s->name, strlen(s->name), UTF8_LEFT, name_style);
		} else {
			x += canvas_puts(c, x, y, room, s->name, name_style);
			canvas_fit(c, x + 1, y, room - name_w - 1, kind.data, kind.len, UTF8_LEFT,
			           CANVAS_DIM);
		}
	}
	buf_free(&kind);

	if (l->status_x >= 0 && s->http.status)
		canvas_printf(c, l->status_x, y, STATUS_W, status_role(s->http.status), "%4d",
		              s->http.status);
	char dur[16] = "-";
	bool open = (s->flags & XR_SEG_IN_PROGRESS) || !isfinite(s->end_time);
	if (isfinite(s->start_time)) {
		timeline_duration_text(seg_end(tl, s) - s->start_time, ascii, dur + 1,
		                       sizeof dur - 1);
		if (!open)
			memmove(dur, dur + 1, strlen(dur + 1) + 1);
		else
			dur[0] = '>';
	}
	canvas_fit(c, l->dur_x, y, l->dur_w, dur, strlen(dur), UTF8_RIGHT,
	           crit ? CANVAS_BOLD : CANVAS_NORMAL);

	if (l->bar_w > 0 && isfinite(s->start_time)) {
		double scale = l->bar_w * 8 / span_of(tl);
		double a = (s->start_time - tl->w0) * scale, b = (seg_end(tl, s) - tl->w0) * scale;
		unsigned style = role != CANVAS_NORMAL ? role : crit ? CANVAS_ACCENT : CANVAS_OK;
		if (b >= 0 && a <= l->bar_w * 8) /* some of it is inside the window */
			draw_bar(c, l->bar_x, y, l->bar_w, lround(a), lround(b), open, style);
	}
	if (selected)
		canvas_add_attr(c, 0, y, c->width, CANVAS_SELECTED);
}

void
timeline_page(struct timeline *tl, struct canvas *c, int y, int height, size_t first, long selected)
{
	build_rows(tl);
	struct layout l = layout_for(c->width);
	for (int k = 0; k < height && first + (size_t)k < tl->n_rows && y + k < c->height; k++) {
		size_t row = first + (size_t)k;
		draw_row(tl, c, &l, y + k, tl->rows[row], selected >= 0 && (size_t)selected == row);
	}
}

/* ---- where the time went ---- */

struct spot {
	unsigned index;
	char *kind;
};

/* Copies src into dst (size bytes), cut before a character that does
 * not fit whole. */
static void
copy_whole_chars(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size) {
		n = size - 1;
		size_t lead = n;
		while (lead > 0 && ((unsigned char)src[lead - 1] & 0xC0) == 0x80)
			lead--;
		uint32_t cp;
		if (lead > 0 && (unsigned char)src[lead - 1] >= 0xC0 &&
		    utf8_decode(src + lead - 1, n - (lead - 1), &cp) < 0)
			n = lead - 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Sorting by name and kind needs the trace: kept here for the comparator. */
static _Thread_local const struct timeline *sort_tl;

static int
cmp_spot_key(const void *a, const void *b)
{
	const struct spot *x = a, *y = b;
	int d = strcmp(sort_tl->t->all[x->index]->name, sort_tl->t->all[y->index]->name);
	if (d)
		return d;
	d = strcmp(x->kind, y->kind);
	return d ? d : (x->index < y->index ? -1 : x->index > y->index);
}

static int
cmp_hotspot(const void *a, const void *b)
{
	const struct timeline_hotspot *x = a, *y = b;
	if (x->seconds != y->seconds)
		return x->seconds > y->seconds ? -1 : 1;
	return strcmp(x->name, y->name);
}

size_t
timeline_hotspots(const struct timeline *tl, struct timeline_hotspot *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < tl->n; i++)
		k += tl->crit[i] && tl->crit_self[i] > 0;
	struct spot *spots = xcalloc(k + 1, sizeof *spots);
	k = 0;
	for (size_t i = 0; i < tl->n; i++) {
		if (!tl->crit[i] || tl->crit_self[i] <= 0)
			continue;
		struct buf b = BUF_INIT;
		segment_kind(tl->t->all[i], false, &b);
		spots[k].index = (unsigned)i;
		spots[k++].kind = b.data ? buf_steal(&b) : xstrdup("");
	}
	sort_tl = tl;
	qsort(spots, k, sizeof *spots, cmp_spot_key);
	struct timeline_hotspot *groups = xcalloc(k + 1, sizeof *groups);
	size_t n = 0;
	for (size_t j = 0; j < k; j++) {
		const struct xr_segment *s = tl->t->all[spots[j].index];
		if (!n || strcmp(groups[n - 1].name, s->name) != 0 ||
		    strcmp(groups[n - 1].kind, spots[j].kind) != 0) {
			groups[n] = (struct timeline_hotspot){.name = s->name, .first = s};
			copy_whole_chars(groups[n++].kind, sizeof groups->kind, spots[j].kind);
		}
		groups[n - 1].seconds += tl->crit_self[spots[j].index];
		groups[n - 1].count++;
	}
	qsort(groups, n, sizeof *groups, cmp_hotspot);
	if (n > max)
		n = max;
	memcpy(out, groups, n * sizeof *out);
	for (size_t j = 0; j < k; j++)
		free(spots[j].kind);
	free(spots);
	free(groups);
	return n;
}

/* The hotspots timeline_summary() lists (those of 1% or more, at least
 * one, at most max_lines - 2, in spots[0, *shown)) and what is left over.
 * Returns the lines; the caller frees *spots. */
static int
summary_plan(const struct timeline *tl, int max_lines, struct timeline_hotspot **spots,
             size_t *shown, double *rest, unsigned *rest_n)
{
	*spots = NULL;
	*shown = 0;
	*rest = 0;
	*rest_n = 0;
	if (max_lines <= 0 || tl->crit_total <= 0)
		return 0;
	*spots = xcalloc(tl->n + 1, sizeof **spots);
	size_t n = timeline_hotspots(tl, *spots, tl->n + 1);
	while (*shown < n && (int)*shown < max_lines - 2 &&
	       (*shown == 0 || (*spots)[*shown].seconds >= tl->crit_total / 100))
		(*shown)++;
	for (size_t j = *shown; j < n; j++) {
		*rest += (*spots)[j].seconds;
		*rest_n += (*spots)[j].count;
	}
	return 1 + (int)*shown + (*rest_n > 0 && max_lines > 1 + (int)*shown);
}

int
timeline_summary_lines(const struct timeline *tl, int max_lines)
{
	struct timeline_hotspot *spots;
	size_t shown;
	double rest;
	unsigned rest_n;
	int lines = summary_plan(tl, max_lines, &spots, &shown, &rest, &rest_n);
	free(spots);
	return lines;
}

/* One "  99.6%  3.662s  name  kind  x4" line. */
static void
summary_line(const struct timeline *tl, struct canvas *c, int y, double seconds, const char *name,
             unsigned name_style, const char *kind, unsigned count, bool top)
{
	bool ascii = c->flags & CANVAS_ASCII;
	char pct[16], dur[16];
	snprintf(pct, sizeof pct, "%5.1f%%", 100 * seconds / tl->crit_total);
	timeline_duration_text(seconds, ascii, dur, sizeof dur);
	int x = 2;
	x += canvas_puts(c, x, y, -1, pct, top ? CANVAS_ACCENT | CANVAS_BOLD : CANVAS_NORMAL);
	x += canvas_fit(c, x + 1, y, DUR_W, dur, strlen(dur), UTF8_RIGHT, CANVAS_NORMAL) + 1;
	x += 2;
	x += canvas_puts(c, x, y, -1, name, name_style);
	if (kind && *kind) {
		x += canvas_puts(c, x, y, -1, "  ", CANVAS_NORMAL);
		x += canvas_puts(c, x, y, -1, kind, CANVAS_DIM);
	}
	if (count > 1)
		canvas_printf(c, x, y, -1, CANVAS_NORMAL, "  %s%u", ascii ? "x" : "×", count);
}

int
timeline_summary(const struct timeline *tl, struct canvas *c, int y, int max_lines)
{
	struct timeline_hotspot *spots;
	size_t shown;
	double rest;
	unsigned rest_n;
	int lines = summary_plan(tl, max_lines, &spots, &shown, &rest, &rest_n);
	if (!lines) {
		free(spots);
		return 0;
	}
	bool ascii = c->flags & CANVAS_ASCII;
	char dur[16];
	timeline_duration_text(tl->crit_total, ascii, dur, sizeof dur);
	int x = canvas_puts(c, 0, y, -1, ascii ? "*" : canvas_glyph(c, CANVAS_G_BULLET),
	                    CANVAS_ACCENT | CANVAS_BOLD);
	canvas_printf(c, x + 1, y, -1, CANVAS_HEADER | CANVAS_BOLD,
	              _("Critical path %s. Where the time went:"), dur);
	for (size_t j = 0; j < shown; j++) {
		unsigned role = flag_role(spots[j].first->flags);
		summary_line(tl, c, y + 1 + (int)j, spots[j].seconds, spots[j].name,
		             role | CANVAS_BOLD, spots[j].kind, spots[j].count, j == 0);
	}
	if (lines > 1 + (int)shown) {
		char other[64];
		snprintf(other, sizeof other,
		         ngettext("%u other entity", "%u other entities", rest_n), rest_n);
		summary_line(tl, c, y + 1 + (int)shown, rest, other, CANVAS_DIM, NULL, 0, false);
	}
	free(spots);
	return lines;
}

void
timeline_legend(struct canvas *c, int y)
{
	static const struct {
		const char *mark, *text;
		unsigned role;
	} items[] = {
	    {NULL, N_("critical path"), CANVAS_ACCENT}, {"F", N_("fault"), CANVAS_FAULT},
	    {"E", N_("error"), CANVAS_ERROR},           {"T", N_("throttled"), CANVAS_THROTTLE},
	    {"P", N_("in progress"), CANVAS_THROTTLE},  {"D", N_("parent missing"), CANVAS_DIM},
	};
	int x = 0;
	for (size_t i = 0; i < sizeof items / sizeof *items && x < c->width; i++) {
		const char *mark = items[i].mark             ? items[i].mark
		                   : c->flags & CANVAS_ASCII ? "*"
		                                             : canvas_glyph(c, CANVAS_G_BULLET);
		x += canvas_puts(c, x, y, -1, mark, items[i].role | CANVAS_BOLD);
		x += canvas_printf(c, x, y, -1, CANVAS_DIM, " %s  ", _(items[i].text));
	}
}
