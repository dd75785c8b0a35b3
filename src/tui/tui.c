#include "config.h"

#include "tui/tui.h"

#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter/filter.h"
#include "frontend.h"
#include "loop.h"
#include "model/stats.h"
#include "session.h"
#include "save.h"
#include "tui/analyticsscreen.h"
#include "tui/mapscreen.h"
#include "tui/prompt.h"
#include "tui/term.h"
#include "tui/timelinescreen.h"
#include "tui/tuipriv.h"
#include "util/regex.h"
#include "util/timefmt.h"
#include "util/utf8.h"
#include "util/warn.h"
#include "util/xmalloc.h"
#include "view/analytics.h"
#include "view/canvas.h"
#include "view/details.h"
#include "view/mapview.h"
#include "view/timeline.h"
#include "view/tracelist.h"
#include "view/tracetable.h"
#include "util/i18n.h"
#include "util/jsonw.h"
#include "xray/encode.h"

/* Below this the screens do not fit: a notice instead. */
#define MIN_COLS 40
#define MIN_ROWS 10
/* Rows measured for column widths on a rebuild (spread over the list). */
#define MEASURE_SAMPLE 2000
/* From this width the start column shows the date too. */
#define WIDE_COLS 120

/* ---- the trace list ---- */

static const struct {
	size_t col;
	enum sort_key sort;
	bool ascending; /* the natural order goes up */
	const char *name;
} sortable[] = {
    {TRACETABLE_START, SORT_START, true, "start"},
    {TRACETABLE_ID, SORT_ID, true, "id"},
    {TRACETABLE_METHOD, SORT_METHOD, true, "method"},
    {TRACETABLE_URL, SORT_URL, true, "url"},
    {TRACETABLE_STATUS, SORT_STATUS, false, "status"},
    {TRACETABLE_RESP, SORT_RESPONSETIME, false, "responsetime"},
    {TRACETABLE_DUR, SORT_DURATION, false, "duration"},
    {TRACETABLE_SERVICE, SORT_SERVICE, true, "service"},
};
#define N_SORTABLE (sizeof sortable / sizeof *sortable)

void
tui_set_status(struct tui *t, unsigned style, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->status, sizeof t->status, fmt, ap);
	va_end(ap);
	t->status_style = style;
}

static void
compute_stats(struct tui *t)
{
	struct tui_stats *st = &t->stats;
	memset(st, 0, sizeof *st);
	st->first = INFINITY;
	st->last = -INFINITY;
	double *rt = xmalloc((t->tl.n_rows + 1) * sizeof *rt);
	size_t n_rt = 0, err = 0, fault = 0, thr = 0;
	for (size_t i = 0; i < t->tl.n_rows; i++) {
		const struct tracelist_row *s = &t->tl.rows[i];
		if (!isnan(s->start_time)) {
			if (s->start_time < st->first)
				st->first = s->start_time;
			if (s->start_time > st->last)
				st->last = s->start_time;
		}
		if (!isnan(s->response_time))
			rt[n_rt++] = s->response_time;
		err += s->has_error;
		fault += s->has_fault;
		thr += s->has_throttle;
	}
	static const double ps[] = {50, 90, 99};
	double pv[3];
	stats_percentiles(rt, n_rt, ps, 3, pv);
	st->p50 = pv[0];
	st->p90 = pv[1];
	st->p99 = pv[2];
	free(rt);
	size_t n = t->tl.n_rows;
	if (n) {
		st->error_pct = 100.0 * (double)err / (double)n;
		st->fault_pct = 100.0 * (double)fault / (double)n;
		st->throttle_pct = 100.0 * (double)thr / (double)n;
	}
	double span = st->last - st->first;
	st->per_minute = n > 1 && span > 0 ? (double)n / (span / 60.0) : NAN;
}

/* The widths of the cells of list row r, from the cache of widths by
 * store entry (measured the first time), widening the columns to them. */
static void
measure_row(struct tui *t, size_t r)
{
	struct tracetable *tt = &t->tt;
	uint16_t *w = t->widths + (size_t)t->tl.rows[r].index * TRACETABLE_MAX_COLUMNS;
	if (w[0] == UINT16_MAX) {
		int kept[TRACETABLE_MAX_COLUMNS];
		for (size_t c = 0; c < tt->n_columns; c++) {
			kept[c] = tt->cols[c].cells;
			tt->cols[c].cells = 0;
		}
		tracetable_measure(tt, r, r + 1);
		for (size_t c = 0; c < tt->n_columns; c++) {
			int cells = tt->cols[c].cells;
			w[c] = (uint16_t)(cells < UINT16_MAX - 1 ? cells : UINT16_MAX - 1);
			tt->cols[c].cells = kept[c];
		}
	}
	for (size_t c = 0; c < tt->n_columns; c++)
		if (w[c] > tt->cols[c].cells)
			tt->cols[c].cells = w[c];
}

/* Forgets the cached widths unless they were measured from this store,
 * with this form of the start column and these columns. */
static void
widths_check(struct tui *t)
{
	const struct xr_store *store = session_store(t->s);
	const char *keys = t->annotation_keys ? t->annotation_keys : "";
	if (t->widths && t->widths_gen == store_generation(store) &&
	    t->widths_time_only == t->tt.time_only && t->widths_flags == t->canvas_flags &&
	    strcmp(t->widths_keys, keys) == 0)
		return;
	free(t->widths);
	free(t->widths_keys);
	size_t n = store_count(store);
	t->widths = xmalloc((n + 1) * TRACETABLE_MAX_COLUMNS * sizeof *t->widths);
	memset(t->widths, 0xff, (n + 1) * TRACETABLE_MAX_COLUMNS * sizeof *t->widths);
	t->widths_gen = store_generation(store);
	t->widths_time_only = t->tt.time_only;
	t->widths_flags = t->canvas_flags;
	t->widths_keys = xstrdup(keys);
}

/* Column widths from a sample of rows spread over the list, so that a
 * large list is laid out quickly and columns do not jump while scrolling;
 * each row's widths are measured once for as long as the store stays (a
 * re-filter measures again from the cache). */
static void
measure(struct tui *t)
{
	tracetable_free(&t->tt);
	tracetable_init(&t->tt, &t->tl, t->canvas_flags);
	t->tt.time_only = !t->tt_wide;
	if (t->tt.time_only)
		t->tt.cols[TRACETABLE_START].header = _("START");
	t->tt.cols[TRACETABLE_SERVICE].hidden = t->one_service != NULL;
	t->tt.sort_column = (int)sortable[t->sort_col].col;
	t->tt.sort_up = sortable[t->sort_col].ascending != t->sort_reverse;
	size_t n = t->tl.n_rows;
	if (t->tl.index != t->index || t->tl.gen != store_generation(session_store(t->s))) {
		/* not the indexed list of this store: rows have no entry numbers
		 * to cache by */
		if (n <= MEASURE_SAMPLE) {
			tracetable_measure(&t->tt, 0, n);
		} else {
			for (size_t i = 0; i < MEASURE_SAMPLE; i++) {
				size_t r = i * (n / MEASURE_SAMPLE);
				tracetable_measure(&t->tt, r, r + 1);
			}
		}
		return;
	}
	widths_check(t);
	if (n <= MEASURE_SAMPLE) {
		for (size_t r = 0; r < n; r++)
			measure_row(t, r);
	} else {
		for (size_t i = 0; i < MEASURE_SAMPLE; i++)
			measure_row(t, i * (n / MEASURE_SAMPLE));
	}
}

const char *
tui_selected_id(const struct tui *t)
{
	if (t->sel >= t->tl.n_rows)
		return NULL;
	return t->tl.rows[t->sel].id;
}

static void
select_id(struct tui *t, const char *id)
{
	t->sel = 0;
	if (!id)
		return;
	/* the same summary's id first (no summary read), then by value */
	for (size_t i = 0; i < t->tl.n_rows; i++) {
		if (t->tl.rows[i].id == id) {
			t->sel = i;
			return;
		}
	}
	for (size_t i = 0; i < t->tl.n_rows; i++) {
		const char *rid = t->tl.rows[i].id;
		if (rid && strcmp(rid, id) == 0) {
			t->sel = i;
			return;
		}
	}
}

/* Idle time computes the index's orders by the other columns, one per
 * PREPARE_PERIOD, so that no re-sort waits for one. */
#define PREPARE_PERIOD 0.05

static void
on_prepare_timer(void *ctx)
{
	struct tui *t = ctx;
	t->prepare_timer = 0;
	if (tracelist_index_prepare(t->index))
		t->prepare_timer = loop_add_timer(t->loop, timefmt_monotonic() + PREPARE_PERIOD, 0,
		                                  on_prepare_timer, t);
}

static void
prepare_soon(struct tui *t)
{
	if (t->loop && !t->prepare_timer)
		t->prepare_timer = loop_add_timer(t->loop, timefmt_monotonic() + PREPARE_PERIOD, 0,
		                                  on_prepare_timer, t);
}

/* Rebuilds the list from the session (filter, sort, annotation columns),
 * keeping the selection on its trace id. */
static void
rebuild(struct tui *t)
{
	char *id = tui_selected_id(t) ? xstrdup(tui_selected_id(t)) : NULL;
	tracelist_free(&t->tl);
	struct session_list_stats st = {0};
	session_list_indexed(t->s, t->index, &t->tl, &st);
	if (t->sort_reverse)
		tracelist_reverse(&t->tl);
	t->built_gen = store_generation(session_store(t->s));
	t->stale = false;
	t->undecided = st.undecided;
	t->disagreed = st.disagreed;
	t->one_service = t->tl.n_rows ? t->tl.rows[0].service : NULL;
	for (size_t i = 1; i < t->tl.n_rows && t->one_service; i++)
		if (t->tl.rows[i].service != t->one_service &&
		    strcmp(t->tl.rows[i].service, t->one_service) != 0)
			t->one_service = NULL;
	if (t->one_service && !*t->one_service)
		t->one_service = NULL;
	if (!t->annotation_keys && t->o->annotations) {
		t->annotation_keys = xstrdup(t->o->annotations);
	} else if (!t->annotation_keys && t->tl.n_rows) {
		/* chosen once, from the first traces, so columns stay put */
		tracelist_choose_annotations(&t->tl, 2);
		struct buf keys = BUF_INIT;
		for (size_t a = 0; a < t->tl.n_annotation_keys; a++)
			buf_printf(&keys, "%s%s", a ? "," : "", t->tl.annotation_keys[a]);
		t->annotation_keys = keys.data ? buf_steal(&keys) : xstrdup("");
	}
	tracelist_set_annotations(&t->tl, t->annotation_keys ? t->annotation_keys : "");
	measure(t);
	compute_stats(t);
	select_id(t, id);
	free(id);
	prepare_soon(t);
}

/* The list reads the store: rebuilt whenever the store changed. */
void
tui_ensure_list(struct tui *t)
{
	if (t->stale || store_generation(session_store(t->s)) != t->built_gen)
		rebuild(t);
}

/* A new order sorts the list in place: the rows, their widths and the
 * statistics stay; the session sorts later rebuilds the same way.  An
 * inverted order is the same rows the other way round. */
static void
resort(struct tui *t, bool invert)
{
	tui_ensure_list(t);
	const char *id = tui_selected_id(t); /* the store does not change meanwhile */
	session_set_sort(t->s, sortable[t->sort_col].sort);
	if (invert)
		tracelist_reverse(&t->tl);
	else
		tracelist_sort(&t->tl, sortable[t->sort_col].sort, t->sort_reverse);
	t->tt.sort_column = (int)sortable[t->sort_col].col;
	t->tt.sort_up = sortable[t->sort_col].ascending != t->sort_reverse;
	if (invert && t->sel < t->tl.n_rows)
		t->sel = t->tl.n_rows - 1 - t->sel;
	else
		select_id(t, id);
	tui_set_status(t, CANVAS_NORMAL, _("sorted by %s%s"), sortable[t->sort_col].name,
	               t->sort_reverse ? _(" (inverted)") : "");
}

/* ---- drawing ---- */

static void
fmt_seconds(double v, char *out, size_t n)
{
	if (isnan(v))
		snprintf(out, n, "-");
	else if (v < 10)
		snprintf(out, n, "%.2f", v);
	else
		snprintf(out, n, "%.1f", v);
}

/* Writes s at *x on line y and moves *x past it and a gap. */
static void
put(struct canvas *c, int *x, int y, unsigned style, const char *s)
{
	*x += canvas_puts(c, *x, y, -1, s, style);
}

void
tui_draw_title(struct tui *t, const char *what)
{
	struct canvas *c = t->canvas;
	canvas_fill(c, 0, 0, c->width, 1, " ", CANVAS_HEADER | CANVAS_SELECTED);
	int x = 0;
	put(c, &x, 0, CANVAS_HEADER | CANVAS_SELECTED | CANVAS_BOLD, " xrtop ");
	/* cut with an ellipsis, so a long filter does not look complete */
	size_t n = strlen(what);
	if (canvas_width_of(c, what, n) > c->width - x)
		canvas_fit(c, x, 0, c->width - x, what, n, UTF8_LEFT,
		           CANVAS_HEADER | CANVAS_SELECTED);
	else
		put(c, &x, 0, CANVAS_HEADER | CANVAS_SELECTED, what);
}

static void
draw_header(struct tui *t)
{
	struct canvas *c = t->canvas;
	struct buf b = BUF_INIT;
	if (t->filter_text)
		buf_printf(&b, _("filter: %s  "), t->filter_text);
	buf_printf(&b, "%s", t->source);
	if (t->one_service)
		buf_printf(&b, "  %s", t->one_service);
	if (isfinite(t->stats.first)) {
		char a[32], z[32];
		timefmt_short(t->stats.first, a, sizeof a);
		timefmt_short(t->stats.last, z, sizeof z);
		bool same_day = strncmp(a, z, 11) == 0;
		bool dates = c->width >= 100 || !same_day;
		buf_printf(&b, "  %s %s %s UTC", dates ? a : a + 11,
		           canvas_glyph(c, CANVAS_G_ARROW_RIGHT), same_day ? z + 11 : z);
	}
	tui_draw_title(t, b.data);
	buf_free(&b);

	int x = 0, y = 1;
	char tmp[128];
	snprintf(tmp, sizeof tmp, _("matched %zu/%zu"), t->tl.n_rows, t->tl.n_considered);
	put(c, &x, y, CANVAS_NORMAL, tmp);
	if (t->undecided) {
		snprintf(tmp, sizeof tmp, _(" (%zu undecided)"), t->undecided);
		put(c, &x, y, CANVAS_ERROR, tmp);
	}
	if (!isnan(t->stats.per_minute)) {
		snprintf(tmp, sizeof tmp, _("  %.1f/min"), t->stats.per_minute);
		put(c, &x, y, CANVAS_NORMAL, tmp);
	}
	put(c, &x, y, CANVAS_NORMAL, _("  err/fault/thr "));
	snprintf(tmp, sizeof tmp, "%.1f", t->stats.error_pct);
	put(c, &x, y, t->stats.error_pct > 0 ? CANVAS_ERROR : CANVAS_DIM, tmp);
	put(c, &x, y, CANVAS_NORMAL, "/");
	snprintf(tmp, sizeof tmp, "%.1f", t->stats.fault_pct);
	put(c, &x, y, t->stats.fault_pct > 0 ? CANVAS_FAULT : CANVAS_DIM, tmp);
	put(c, &x, y, CANVAS_NORMAL, "/");
	snprintf(tmp, sizeof tmp, "%.1f", t->stats.throttle_pct);
	put(c, &x, y, t->stats.throttle_pct > 0 ? CANVAS_THROTTLE : CANVAS_DIM, tmp);
	put(c, &x, y, CANVAS_NORMAL, "%");
	char p50[16], p90[16], p99[16];
	fmt_seconds(t->stats.p50, p50, sizeof p50);
	fmt_seconds(t->stats.p90, p90, sizeof p90);
	fmt_seconds(t->stats.p99, p99, sizeof p99);
	snprintf(tmp, sizeof tmp, "  p50/90/99 %s/%s/%ss", p50, p90, p99);
	put(c, &x, y, CANVAS_NORMAL, tmp);
}

static void
fix_scroll(struct tui *t)
{
	size_t n = t->tl.n_rows;
	size_t page = t->page > 0 ? (size_t)t->page : 1;
	if (t->sel >= n)
		t->sel = n ? n - 1 : 0;
	if (t->sel < t->top)
		t->top = t->sel;
	if (t->sel >= t->top + page)
		t->top = t->sel - page + 1;
	if (t->top + page > n)
		t->top = n > page ? n - page : 0;
}

static void
draw_traces(struct tui *t)
{
	struct canvas *c = t->canvas;
	tui_ensure_list(t);
	bool wide = c->width >= WIDE_COLS;
	if (wide != t->tt_wide) {
		t->tt_wide = wide;
		measure(t);
	}
	draw_header(t);
	tracetable_fit(&t->tt, c->width, true);
	tracetable_draw_header(&t->tt, c, 2);
	t->list_y = 3;
	t->page = c->height - 5;
	fix_scroll(t);
	if (t->tl.n_rows == 0 && (t->o->listen || t->o->listen_otlp)) {
		canvas_puts(
		    c, 2, t->list_y + 1, -1,
		    _("Waiting for segments: point an X-Ray SDK or OpenTelemetry exporter here."),
		    CANVAS_DIM);
		return;
	}
	if (t->tl.n_rows == 0 && !t->ready) {
		canvas_puts(c, 2, t->list_y + 1, -1, _("Reading the traces..."), CANVAS_DIM);
		return;
	}
	if (t->tl.n_rows == 0) {
		canvas_puts(c, 2, t->list_y + 1, -1,
		            t->filter_text ? _("No trace matches the filter (f to change it).")
		                           : _("No traces."),
		            CANVAS_DIM);
		return;
	}
	for (int i = 0; i < t->page && t->top + (size_t)i < t->tl.n_rows; i++) {
		size_t r = t->top + (size_t)i;
		bool sel = r == t->sel;
		tracetable_draw_row(&t->tt, c, t->list_y + i, r, sel ? CANVAS_SELECTED : 0);
		if (sel)
			canvas_add_attr(c, 0, t->list_y + i, c->width, CANVAS_SELECTED);
	}
}

/* ---- the key table ---- */

struct keydef {
	int key, alt;
	unsigned screens;
	const char *footer; /* short label for the footer, or NULL */
	const char *help;
	void (*fn)(struct tui *t);
};

static const struct keydef keys[];
static const size_t n_keys;

static size_t
list_len(struct tui *t)
{
	switch (t->screen) {
	case SCREEN_TRACES: return t->tl.n_rows;
	case SCREEN_LOG: return t->log.n;
	case SCREEN_TIMELINE: return t->tline ? timeline_rows(t->tline) : 0;
	case SCREEN_DETAILS: return t->det ? details_lines(t->det) : 0;
	case SCREEN_ANALYTICS: return t->an ? analytics_n_groups(t->an) : 0;
	default: return t->help_lines ? t->help_lines : n_keys + 8;
	}
}

static size_t *
cursor_of(struct tui *t)
{
	switch (t->screen) {
	case SCREEN_TRACES: return &t->sel;
	case SCREEN_LOG: return &t->log_top;
	case SCREEN_TIMELINE: return &t->tl_sel;
	case SCREEN_DETAILS: return &t->det_scroll;
	case SCREEN_ANALYTICS: return &t->an_sel;
	default: return &t->help_top;
	}
}

static void
move_by(struct tui *t, long d)
{
	size_t *cur = cursor_of(t), n = list_len(t);
	if (d < 0 && (size_t)-d > *cur)
		*cur = 0;
	else
		*cur += (size_t)d;
	if (n == 0)
		*cur = 0;
	else if (*cur >= n)
		*cur = n - 1;
}

static long
page_size(const struct tui *t)
{
	return t->page > 1 ? t->page - 1 : 1;
}

static void
key_down(struct tui *t)
{
	if (t->screen == SCREEN_MAP) {
		mapscreen_move(t, MAPVIEW_DOWN);
		return;
	}
	move_by(t, 1);
}
static void
key_up(struct tui *t)
{
	if (t->screen == SCREEN_MAP) {
		mapscreen_move(t, MAPVIEW_UP);
		return;
	}
	move_by(t, -1);
}
/* A page move scrolls the list by a page and keeps the selection on the
 * same screen line (less and htop do the same). */
static void
page_move(struct tui *t, long d)
{
	if (t->screen != SCREEN_TRACES) {
		move_by(t, d);
		return;
	}
	size_t n = t->tl.n_rows, page = t->page > 0 ? (size_t)t->page : 1;
	size_t line = t->sel >= t->top ? t->sel - t->top : 0;
	size_t max_top = n > page ? n - page : 0;
	if (d > 0)
		t->top = t->top + (size_t)d > max_top ? max_top : t->top + (size_t)d;
	else
		t->top = t->top > (size_t)-d ? t->top - (size_t)-d : 0;
	move_by(t, d);
	if (t->sel >= t->top && t->sel < t->top + page)
		return;
	t->sel = t->top + line < n ? t->top + line : (n ? n - 1 : 0);
}

static void
key_pgdn(struct tui *t)
{
	page_move(t, page_size(t));
}

static void
key_pgup(struct tui *t)
{
	page_move(t, -page_size(t));
}
static void
key_top(struct tui *t)
{
	*cursor_of(t) = 0;
}

static void
key_bottom(struct tui *t)
{
	size_t n = list_len(t);
	*cursor_of(t) = n ? n - 1 : 0;
}

static void
key_sort_next(struct tui *t)
{
	t->sort_col = (t->sort_col + 1) % N_SORTABLE;
	t->sort_reverse = false;
	resort(t, false);
}

static void
key_sort_prev(struct tui *t)
{
	t->sort_col = (t->sort_col + N_SORTABLE - 1) % N_SORTABLE;
	t->sort_reverse = false;
	resort(t, false);
}

static void
key_invert(struct tui *t)
{
	tui_ensure_list(t); /* sorted the old way, to be turned around */
	t->sort_reverse = !t->sort_reverse;
	resort(t, true);
}

static void
validate_filter(struct tui *t)
{
	struct buf b = BUF_INIT;
	prompt_text(&t->prompt, &b);
	t->ferr_set = false;
	if (b.len) {
		struct xr_filter *f = filter_compile(b.data, NULL, NULL, &t->ferr);
		t->ferr_set = f == NULL;
		filter_free(f);
	}
	buf_free(&b);
}

static void
key_filter(struct tui *t)
{
	t->mode = MODE_FILTER;
	prompt_start(&t->prompt, _("Filter: "), t->filter_text, &t->history[MODE_FILTER]);
	validate_filter(t);
}

static void
key_search(struct tui *t)
{
	t->mode = MODE_SEARCH;
	prompt_start(&t->prompt, "/", "", &t->history[MODE_SEARCH]);
}

static void
key_command(struct tui *t)
{
	t->mode = MODE_COMMAND;
	t->completions[0] = '\0';
	prompt_start(&t->prompt, ":", "", &t->history[MODE_COMMAND]);
}

/* The text of a whole row, for the search. */
static void
row_text(struct tui *t, size_t r, struct buf *out)
{
	for (size_t c = 0; c < t->tt.n_columns; c++) {
		tracetable_cell(&t->tt, r, c, out);
		buf_putc(out, '\t');
	}
}

/* Moves to the next row matching the search in direction dir (+1/-1),
 * starting after the selection; false when none matches. */
static bool
search_step(struct tui *t, int dir)
{
	size_t n = t->tl.n_rows;
	if (!t->re || !n)
		return false;
	struct buf b = BUF_INIT;
	bool found = false;
	for (size_t k = 1; k <= n && !found; k++) {
		size_t r = dir > 0 ? (t->sel + k) % n : (t->sel + n - k % n) % n;
		buf_reset(&b);
		row_text(t, r, &b);
		if (regex_match(t->re, b.data, b.len)) {
			t->sel = r;
			found = true;
		}
	}
	buf_free(&b);
	return found;
}

static void
search_report(struct tui *t, bool found)
{
	if (!found)
		tui_set_status(t, CANVAS_ERROR, _("/%s: no match"), t->search_text);
	else
		tui_set_status(t, CANVAS_ACCENT, _("/%s  (n next, N previous)"), t->search_text);
}

static void
key_next(struct tui *t)
{
	search_report(t, search_step(t, 1));
}
static void
key_prev(struct tui *t)
{
	search_report(t, search_step(t, -1));
}

static void
key_copy(struct tui *t)
{
	const char *id =
	    (t->screen & SCREEN_TRACE) && t->trace_id ? t->trace_id : tui_selected_id(t);
	if (!id)
		return;
	term_clipboard(t->term, id);
	tui_set_status(t, CANVAS_ACCENT, _("copied %s (OSC 52)"), id);
}

static void
key_back(struct tui *t)
{
	switch (t->screen) {
	case SCREEN_DETAILS: t->screen = SCREEN_TIMELINE; break;
	case SCREEN_HELP:
	case SCREEN_LOG: t->screen = t->back ? t->back : SCREEN_TRACES; break;
	default: t->screen = SCREEN_TRACES; break;
	}
}

static void
key_quit_or_back(struct tui *t)
{
	if (t->screen == SCREEN_TRACES)
		t->quit = true;
	else
		key_back(t);
}

static void
key_traces(struct tui *t)
{
	t->screen = SCREEN_TRACES;
}
static void
key_quit(struct tui *t)
{
	t->quit = true;
}
static void
key_redraw(struct tui *t)
{
	term_redraw_all(t->term);
}
/* Help and the log go back to where they were opened. */
static void
open_page(struct tui *t, enum tui_screen page)
{
	if (t->screen != SCREEN_HELP && t->screen != SCREEN_LOG)
		t->back = t->screen;
	t->screen = page;
}

static void
key_help(struct tui *t)
{
	open_page(t, SCREEN_HELP);
	t->help_top = 0;
}

static void
key_log(struct tui *t)
{
	open_page(t, SCREEN_LOG);
	size_t n = t->log.n, rows = t->canvas->height > 4 ? (size_t)t->canvas->height - 4 : 1;
	t->log_top = n > rows ? n - rows : 0;
	t->log_seen = warn_count(&t->log);
}

static void
key_refresh(struct tui *t)
{
	if (!t->api)
		tui_set_status(t, CANVAS_DIM,
		               _("r: only the X-Ray API source can be fetched again"));
	else if (session_refresh(t->s))
		tui_set_status(t, CANVAS_NORMAL, _("fetching what is new"));
	else
		tui_set_status(t, CANVAS_DIM, _("a scan is running"));
}

static void
key_pause(struct tui *t)
{
	if (!t->api) {
		tui_set_status(t, CANVAS_DIM, _("p: only the X-Ray API source refreshes (-d)"));
		return;
	}
	bool paused = !session_progress(t->s).paused;
	session_pause(t->s, paused);
	tui_set_status(t, CANVAS_NORMAL,
	               paused ? _("live refresh paused (p resumes)") : _("live refresh resumed"));
}

/* t: the command line, "window " typed, for the API source's time window. */
static void
key_window(struct tui *t)
{
	if (!t->api) {
		tui_set_status(
		    t, CANVAS_DIM,
		    _("t: only the X-Ray API source has a time window (--since, --start, "
		      "--end)"));
		return;
	}
	key_command(t);
	prompt_set_text(&t->prompt, "window ");
}

static const struct keydef keys[] = {
    {'\r', TERM_FN(KEY_ENTER), SCREEN_TRACES | SCREEN_TIMELINE, N_("open"),
     N_("open: a trace's timeline, a segment's details"), timelinescreen_key_open},
    {'\r', TERM_FN(KEY_ENTER), SCREEN_MAP, N_("traces"), N_("the traces of the selected service"),
     mapscreen_key_open},
    {'\r', TERM_FN(KEY_ENTER), SCREEN_ANALYTICS, N_("narrow"), N_("narrow the filter to the group"),
     analyticsscreen_key_open},
    {'h', TERM_FN(KEY_LEFT), SCREEN_MAP, NULL, N_("the service to the left"), mapscreen_key_left},
    {'l', TERM_FN(KEY_RIGHT), SCREEN_MAP, NULL, N_("the service to the right"),
     mapscreen_key_right},
    {'j', TERM_FN(KEY_DOWN), SCREEN_ALL, NULL, N_("move down"), key_down},
    {'k', TERM_FN(KEY_UP), SCREEN_ALL, NULL, N_("move up"), key_up},
    {TERM_FN(KEY_NPAGE), TERM_CTRL('d'), SCREEN_ALL, NULL, N_("page down"), key_pgdn},
    {TERM_FN(KEY_PPAGE), TERM_CTRL('u'), SCREEN_ALL, NULL, N_("page up"), key_pgup},
    {'g', TERM_FN(KEY_HOME), SCREEN_ALL, NULL, N_("first row"), key_top},
    {'G', TERM_FN(KEY_END), SCREEN_ALL, NULL, N_("last row"), key_bottom},
    {'>', '.', SCREEN_TRACES, N_("sort"), N_("sort by the next column"), key_sort_next},
    {'<', ',', SCREEN_TRACES, NULL, N_("sort by the previous column"), key_sort_prev},
    {'I', 0, SCREEN_TRACES, NULL, N_("invert the sort order"), key_invert},
    {'f', TERM_FN(KEY_F(4)), SCREEN_TRACES, N_("filter"),
     N_("edit the filter (X-Ray filter expression; checked as you type)"), key_filter},
    {'/', TERM_FN(KEY_F(3)), SCREEN_TRACES, N_("search"),
     N_("search the list (regular expression; smart case)"), key_search},
    {'n', 0, SCREEN_TRACES, NULL, N_("next search match"), key_next},
    {'N', 0, SCREEN_TRACES, NULL, N_("previous search match"), key_prev},
    {'y', 0, SCREEN_TRACES | SCREEN_TRACE, NULL, N_("copy the trace id (OSC 52; also shown)"),
     key_copy},
    {' ', 0, SCREEN_TIMELINE, N_("fold"), N_("collapse or expand the selected row"),
     timelinescreen_key_collapse},
    {'-', 0, SCREEN_TIMELINE, NULL, N_("collapse one level more"), timelinescreen_key_shallower},
    {'+', '=', SCREEN_TIMELINE, NULL, N_("expand one level more"), timelinescreen_key_deeper},
    {'c', 0, SCREEN_TIMELINE, N_("critical"), N_("go along the critical path"),
     timelinescreen_key_critical},
    {'e', 0, SCREEN_TIMELINE, NULL, N_("go to the next error, fault or throttle"),
     timelinescreen_key_problem},
    {']', TERM_FN(KEY_RIGHT), SCREEN_DETAILS, N_("tabs"), N_("next details tab"),
     timelinescreen_key_tab_next},
    {'[', TERM_FN(KEY_LEFT), SCREEN_DETAILS, NULL, N_("previous details tab"),
     timelinescreen_key_tab_prev},
    {'r', TERM_FN(KEY_F(5)), SCREEN_ALL, NULL, N_("fetch what is new (X-Ray API)"), key_refresh},
    {'p', 0, SCREEN_ALL, NULL, N_("pause or resume the live refresh (X-Ray API, -d)"), key_pause},
    {'t', 0, SCREEN_ALL, NULL, N_("time window: the command line with 'window ' typed (X-Ray API)"),
     key_window},
    {':', 0, SCREEN_ALL, N_("cmd"),
     N_("command line: sort, filter, group-by, window, save, help, log, quit"), key_command},
    {'?', TERM_FN(KEY_F(1)), SCREEN_ALL, N_("help"), N_("this help"), key_help},
    {'L', 0, SCREEN_ALL, N_("log"), N_("messages and warnings from the sources"), key_log},
    {'1', 0, SCREEN_ALL, NULL, N_("the traces screen"), key_traces},
    {'2', 0, SCREEN_ALL, N_("map"), N_("the service map"), mapscreen_key_show},
    {'3', 0, SCREEN_ALL, N_("analytics"), N_("analytics: percentiles, histogram, group-by table"),
     analyticsscreen_key_show},
    {TERM_CTRL('l'), 0, SCREEN_ALL, NULL, N_("redraw the screen"), key_redraw},
    {TERM_ESC, 0, SCREEN_HELP | SCREEN_LOG | SCREEN_TRACE | SCREEN_MAP | SCREEN_ANALYTICS, NULL,
     N_("back"), key_back},
    {'q', TERM_FN(KEY_F(10)), SCREEN_ALL, N_("quit"), N_("quit (on other screens: back)"),
     key_quit_or_back},
    {'Q', 0, SCREEN_ALL, NULL, N_("quit from any screen"), key_quit},
};
static const size_t n_keys = sizeof keys / sizeof *keys;

/* One footer entry at *x; false when it does not fit before limit. */
static bool
footer_item(struct canvas *c, int *x, int y, int limit, const struct keydef *k, const char *label)
{
	char kb[16];
	const char *kn = k->key == '>' ? "<>" : term_key_name(k->key, kb, sizeof kb);
	int w = (int)strlen(kn) + 1 + (int)utf8_width(label, strlen(label), 0);
	if (*x + w > limit)
		return false;
	*x += canvas_puts(c, *x, y, -1, kn, CANVAS_HEADER | CANVAS_SELECTED);
	*x += 1;
	*x += canvas_puts(c, *x, y, -1, label, CANVAS_NORMAL);
	*x += 2;
	return true;
}

/* The screen key k opens, or 0. */
static unsigned
key_opens(const struct keydef *k)
{
	if (k->fn == key_traces)
		return SCREEN_TRACES;
	if (k->fn == mapscreen_key_show)
		return SCREEN_MAP;
	if (k->fn == analyticsscreen_key_show)
		return SCREEN_ANALYTICS;
	if (k->fn == key_help)
		return SCREEN_HELP;
	if (k->fn == key_log)
		return SCREEN_LOG;
	return 0;
}

/* The keys of this screen that have a footer label, in table order, as
 * many as fit, without the key of the screen itself; quitting always has
 * its place at the end. */
static void
draw_footer(struct tui *t, int y)
{
	struct canvas *c = t->canvas;
	const struct keydef *quit = NULL;
	for (size_t i = 0; i < n_keys; i++)
		if (keys[i].key == 'q')
			quit = &keys[i];
	/* q quits only from the traces screen; elsewhere it goes back */
	const char *quit_label =
	    quit ? (t->screen == SCREEN_TRACES ? _(quit->footer) : _("back")) : "";
	int quit_w = quit ? (int)utf8_width(quit_label, strlen(quit_label), 0) + 2 : 0;
	int x = 0;
	for (size_t i = 0; i < n_keys; i++) {
		if (!keys[i].footer || !(keys[i].screens & t->screen) || &keys[i] == quit ||
		    key_opens(&keys[i]) == (unsigned)t->screen)
			continue;
		footer_item(c, &x, y, c->width - quit_w, &keys[i], _(keys[i].footer));
	}
	if (quit)
		footer_item(c, &x, y, c->width, quit, quit_label);
}

/* " [traces, map]": the screens of a key that does not work everywhere. */
static void
screen_names(unsigned screens, struct buf *out)
{
	static const struct {
		unsigned screen;
		const char *name;
	} names[] = {
	    {SCREEN_TRACES, N_("traces")},
	    {SCREEN_TIMELINE, N_("timeline")},
	    {SCREEN_DETAILS, N_("details")},
	    {SCREEN_MAP, N_("map")},
	    {SCREEN_ANALYTICS, N_("analytics")},
	    {SCREEN_HELP, N_("help")},
	    {SCREEN_LOG, N_("log")},
	};
	const char *sep = " [";
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (screens & names[i].screen) {
			buf_printf(out, "%s%s", sep, _(names[i].name));
			sep = ", ";
		}
	}
	buf_puts(out, "]");
}

/* The bytes of s (n bytes) that fit in cols columns, cut after a space
 * when one is there; at least one character. */
static size_t
wrap_len(const struct canvas *c, const char *s, size_t n, int cols)
{
	size_t fit = 0, space = 0;
	while (fit < n) {
		size_t k = fit + 1;
		while (k < n && (s[k] & 0xC0) == 0x80)
			k++;
		if (canvas_width_of(c, s, k) > cols)
			break;
		if (s[fit] == ' ')
			space = fit + 1;
		fit = k;
	}
	if (fit == n)
		return n;
	if (space)
		return space;
	if (fit)
		return fit;
	size_t k = 1;
	while (k < n && (s[k] & 0xC0) == 0x80)
		k++;
	return k;
}

/* Lays out the help from line row 0 on: the intro, then each key with
 * its description wrapped under column 17.  Draws the lines from
 * t->help_top on (when draw), up to the status line; returns how many
 * lines the help has. */
static size_t
help_layout(struct tui *t, bool draw)
{
	struct canvas *c = t->canvas;
	const char *intro[] = {
	    _("The traces screen lists traces; the header shows counts, rates and percentiles."),
	    _("Colours and flags: E error (4xx), F fault (5xx), T throttle (429), P partial,"),
	    _("L trace larger than X-Ray keeps.  The mouse selects and scrolls (--no-mouse)."),
	    "",
	};
	struct buf line = BUF_INIT;
	size_t row = 0;
	int y = 1, text_cols = c->width - 18 > 20 ? c->width - 18 : 20;
	for (size_t i = 0; i < sizeof intro / sizeof *intro; i++, row++)
		if (draw && row >= t->help_top && y < c->height - 2)
			canvas_puts(c, 1, y++, -1, intro[i], CANVAS_DIM);
	for (size_t i = 0; i < n_keys; i++) {
		char a[16], b[16];
		buf_reset(&line);
		buf_puts(&line, term_key_name(keys[i].key, a, sizeof a));
		const char *alt = keys[i].alt ? term_key_name(keys[i].alt, b, sizeof b) : NULL;
		if (alt && strcmp(alt, line.data) != 0)
			buf_printf(&line, " %s", alt);
		if (draw && row >= t->help_top && y < c->height - 2)
			canvas_fit(c, 2, y, 14, line.data, line.len, UTF8_LEFT, CANVAS_HEADER);
		buf_reset(&line);
		buf_puts(&line, _(keys[i].help));
		if (keys[i].screens != SCREEN_ALL)
			screen_names(keys[i].screens, &line);
		size_t from = 0;
		do {
			size_t k = wrap_len(c, line.data + from, line.len - from, text_cols);
			if (draw && row >= t->help_top && y < c->height - 2)
				canvas_text(c, 17, y++, -1, line.data + from, k, CANVAS_NORMAL);
			row++;
			from += k;
		} while (from < line.len);
	}
	buf_free(&line);
	return row;
}

static void
draw_help(struct tui *t)
{
	struct canvas *c = t->canvas;
	tui_draw_title(t, _("help: keys (generated from the key table)"));
	/* the last page ends with the last key */
	size_t total = help_layout(t, false);
	size_t shown = c->height > 3 ? (size_t)c->height - 3 : 1;
	if (t->help_top + shown > total)
		t->help_top = total > shown ? total - shown : 0;
	t->help_lines = total;
	help_layout(t, true);
}

/* Draws m from line y on (up to line end), width columns a line, from
 * column 1.  Returns the line after it. */
static int
draw_wrapped(struct canvas *c, int y, int end, int width, const char *m)
{
	struct buf clean = BUF_INIT;
	utf8_sanitize(&clean, m, strlen(m), (c->flags & CANVAS_ASCII) ? UTF8_ASCII : 0);
	const char *s = clean.data ? clean.data : "";
	size_t n = clean.len, from = 0;
	while ((from < n || from == 0) && y < end) {
		size_t i = from;
		int cols = 0;
		while (i < n) {
			uint32_t cp;
			int k = utf8_decode(s + i, n - i, &cp);
			if (k < 0)
				k = 1, cp = '?';
			int cw = utf8_cp_width(cp);
			if (cw > 0 && cols + cw > width)
				break;
			cols += cw > 0 ? cw : 0;
			i += (size_t)k;
		}
		canvas_text(c, 1, y, width, s + from, i - from, CANVAS_NORMAL);
		y++;
		if (i == from)
			break;
		from = i;
		while (from < n && s[from] == ' ')
			from++;
	}
	buf_free(&clean);
	return y;
}

static void
draw_log(struct tui *t)
{
	struct canvas *c = t->canvas;
	const struct xr_warnings *log = &t->log;
	char title[128];
	snprintf(title, sizeof title,
	         ngettext("log: %zu message%s", "log: %zu messages%s", warn_count(log)),
	         warn_count(log), log->dropped ? _(" (the oldest kept)") : "");
	tui_draw_title(t, title);
	int rows = c->height - 3;
	if (log->n == 0) {
		canvas_puts(c, 1, 2, -1, _("No messages."), CANVAS_DIM);
		return;
	}
	/* log_top is the first message shown; long messages wrap */
	int y = 1;
	for (size_t i = t->log_top; i < log->n && y < 1 + rows; i++)
		y = draw_wrapped(c, y, 1 + rows, c->width - 2, log->msgs[i]);
}

/* The API source's state on the status line: what a scan is doing, or
 * when the next refresh comes. */
static void
draw_progress(struct tui *t, int y)
{
	struct session_progress p = session_progress(t->s);
	struct buf b = BUF_INIT;
	unsigned style = CANVAS_DIM;
	if (p.busy) {
		buf_puts(&b, _("fetching: "));
		session_progress_text(&p, &b);
	} else {
		buf_printf(&b, _("scanned %llu"), p.scanned);
		if (p.more_available)
			buf_puts(&b, _("  more available (--max-traces)"));
		if (p.paused)
			buf_puts(&b, _("  live refresh paused (p resumes)"));
		else if (p.live)
			buf_printf(&b, _("  live: every %gs (p pauses, r now)"), t->o->delay);
		else
			buf_puts(&b, _("  r fetches what is new"));
	}
	if (p.throttled || p.retrying)
		style = CANVAS_THROTTLE;
	if (p.last_error) {
		buf_printf(&b, _("  last error: %s"), p.last_error);
		style = CANVAS_ERROR;
	}
	canvas_puts(t->canvas, 0, y, t->canvas->width - 12, b.data, style);
	buf_free(&b);
}

/* The line editor's lines: the prompt at y, its hint or error at y + 1. */
static int
draw_prompt(struct tui *t, int y, int *cursor_y)
{
	struct canvas *c = t->canvas;
	int text_x;
	int cx = prompt_draw(&t->prompt, c, y, &text_x);
	*cursor_y = y;
	canvas_fill(c, 0, y + 1, c->width, 1, " ", CANVAS_NORMAL);
	if (t->mode == MODE_FILTER && t->ferr_set) {
		size_t col = t->ferr.column ? t->ferr.column - 1 : t->prompt.len;
		int x = text_x + prompt_columns(&t->prompt, col);
		if (x < 0)
			x = 0;
		if (x >= c->width)
			x = c->width - 1;
		canvas_puts(c, x, y + 1, 1, "^", CANVAS_FAULT | CANVAS_BOLD);
		/* the hint gets the line above the editor: with the message after
		 * the caret it would not fit */
		if (t->ferr.hint[0]) {
			struct buf h = BUF_INIT;
			buf_printf(&h, _("hint: %s"), t->ferr.hint);
			canvas_fill(c, 0, y - 1, c->width, 1, " ", CANVAS_NORMAL);
			canvas_fit(c, 0, y - 1, c->width, h.data, h.len, UTF8_LEFT, CANVAS_ACCENT);
			buf_free(&h);
		}
		struct buf m = BUF_INIT;
		buf_printf(&m, _("column %zu: %s"), t->ferr.column, t->ferr.message);
		int mw = canvas_width_of(c, m.data, m.len);
		if (x + 1 + mw <= c->width || x < c->width / 2)
			canvas_text(c, x + 1, y + 1, -1, m.data, m.len, CANVAS_FAULT);
		else if (x - 1 >= mw)
			canvas_fit(c, x - 1 - mw, y + 1, mw, m.data, m.len, UTF8_LEFT,
			           CANVAS_FAULT);
		else
			canvas_fit(c, 0, y + 1, x - 1, m.data, m.len, UTF8_LEFT, CANVAS_FAULT);
		buf_free(&m);
	} else if (t->mode == MODE_FILTER) {
		canvas_puts(c, 0, y + 1, -1,
		            _("Enter apply  Esc cancel  Up/Down history  (empty: no filter)"),
		            CANVAS_DIM);
	} else if (t->mode == MODE_SEARCH) {
		canvas_puts(c, 0, y + 1, -1, _("Enter search  Esc cancel  (regular expression)"),
		            CANVAS_DIM);
	} else if (t->completions[0]) {
		canvas_puts(c, 0, y + 1, -1, t->completions, CANVAS_DIM);
	} else {
		canvas_puts(
		    c, 0, y + 1, -1,
		    _("sort COL  filter EXPR  group-by KEY  window 1h  save FILE  quit  (Tab "
		      "completes)"),
		    CANVAS_DIM);
	}
	return cx;
}

static void
draw(struct tui *t)
{
	int rows = term_rows(t->term), cols = term_cols(t->term);
	struct canvas *c = t->canvas;
	if (c->width != cols || c->height != rows)
		canvas_resize(c, cols, rows);
	else
		canvas_clear(c);
	int cx = -1, cy = -1;
	if (cols < MIN_COLS || rows < MIN_ROWS) {
		char msg[96];
		snprintf(msg, sizeof msg, _("terminal too small: %dx%d, need %dx%d"), cols, rows,
		         MIN_COLS, MIN_ROWS);
		canvas_puts(c, 0, 0, -1, msg, CANVAS_ERROR | CANVAS_BOLD);
		canvas_puts(c, 0, 1, -1, _("Q quits"), CANVAS_DIM);
		term_draw(t->term, c, -1, -1);
		t->drawn_at = timefmt_monotonic();
		return;
	}
	switch (t->screen) {
	case SCREEN_TRACES: draw_traces(t); break;
	case SCREEN_HELP: draw_help(t); break;
	case SCREEN_LOG: draw_log(t); break;
	case SCREEN_TIMELINE: timelinescreen_draw(t); break;
	case SCREEN_DETAILS: timelinescreen_draw_details(t); break;
	case SCREEN_MAP: mapscreen_draw(t); break;
	case SCREEN_ANALYTICS: analyticsscreen_draw(t); break;
	}
	if (t->mode != MODE_NONE) {
		cx = draw_prompt(t, rows - 2, &cy);
	} else {
		size_t unseen = warn_count(&t->log) - t->log_seen;
		if (t->status[0]) {
			canvas_puts(c, 0, rows - 2, -1, t->status, t->status_style);
		} else if (t->api && t->screen == SCREEN_TRACES) {
			draw_progress(t, rows - 2);
		} else if (unseen && t->screen != SCREEN_LOG) {
			char msg[96];
			snprintf(msg, sizeof msg,
			         ngettext("%zu message from the sources: L shows them",
			                  "%zu messages from the sources: L shows them", unseen),
			         unseen);
			canvas_puts(c, 0, rows - 2, -1, msg, CANVAS_ERROR);
		}
		if (t->screen == SCREEN_TRACES && t->tl.n_rows) {
			char pos[48];
			snprintf(pos, sizeof pos, " %zu/%zu", t->sel + 1, t->tl.n_rows);
			int w = (int)strlen(pos);
			canvas_puts(c, cols - w, rows - 2, -1, pos, CANVAS_NORMAL);
		}
		draw_footer(t, rows - 1);
	}
	term_draw(t->term, c, cx, cy);
	t->drawn_at = timefmt_monotonic();
}

/* ---- the line editor's results ---- */

bool
tui_apply_filter(struct tui *t, const char *text)
{
	struct xr_filter_error e;
	if (session_set_filter(t->s, *text ? text : NULL, &e) < 0) {
		tui_set_status(t, CANVAS_FAULT, _("filter: column %zu: %s"), e.column, e.message);
		return false;
	}
	free(t->filter_text);
	t->filter_text = *text ? xstrdup(text) : NULL;
	t->stale = true;
	tui_ensure_list(t);
	if (t->undecided)
		tui_set_status(
		    t, CANVAS_ERROR,
		    _("%zu matched; %zu left out: the filter needs their full traces, and only "
		      "their summaries are loaded"),
		    t->tl.n_rows, t->undecided);
	else if (t->api)
		tui_set_status(t, CANVAS_NORMAL,
		               _("%zu of %zu traces match; r fetches with the new filter"),
		               t->tl.n_rows, t->tl.n_considered);
	else
		tui_set_status(t, CANVAS_NORMAL, _("%zu of %zu traces match"), t->tl.n_rows,
		               t->tl.n_considered);
	return true;
}

static void
apply_search(struct tui *t, const char *text)
{
	if (!*text) {
		regex_free(t->re);
		t->re = NULL;
		return;
	}
	struct xr_err err = {0};
	struct regex *re = regex_new(text, true, &err);
	if (!re) {
		tui_set_status(t, CANVAS_FAULT, "/%s: %s", text, err.msg);
		return;
	}
	regex_free(t->re);
	t->re = re;
	free(t->search_text);
	t->search_text = xstrdup(text);
	/* the selected row counts: search from the one before it */
	size_t n = t->tl.n_rows;
	if (n)
		t->sel = (t->sel + n - 1) % n;
	search_report(t, search_step(t, 1));
}

/* :save FILE: the listed summaries as a GetTraceSummaries response (which
 * --load reads back), written by the --save writer: a temporary file next
 * to FILE, renamed over it, never through a planted link. */
static bool
save_list(struct tui *t, const char *path)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"TraceSummaries\":[");
	for (size_t r = 0; r < t->tl.n_rows; r++) {
		struct jsonw w;
		if (r)
			buf_putc(&b, ',');
		jsonw_init(&w, &b);
		encode_summary(&w, t->tl.rows[r].summary);
	}
	buf_printf(&b, "],\"TracesProcessedCount\":%zu}\n", t->tl.n_considered);
	struct xr_err err = {0};
	struct save *sv = save_open_document(path, ":save", &err);
	int rc = -1;
	if (sv) {
		save_write(sv, b.data, b.len);
		rc = save_close(sv, &err);
	}
	buf_free(&b);
	if (rc != SAVE_WRITTEN)
		tui_set_status(t, CANVAS_FAULT, "%s", err.msg);
	else
		tui_set_status(t, CANVAS_NORMAL,
		               _("saved %zu trace summaries to %s (xrtop --load reads it)"),
		               t->tl.n_rows, path);
	return rc == SAVE_WRITTEN;
}

static const char *const commands[] = {"filter", "group-by", "help",   "log", "quit",
                                       "save",   "sort",     "window", NULL};

static void
run_command(struct tui *t, const char *line)
{
	while (*line == ' ')
		line++;
	size_t n = strcspn(line, " ");
	const char *arg = line + n;
	while (*arg == ' ')
		arg++;
	char argbuf[PROMPT_MAX * 4];
	snprintf(argbuf, sizeof argbuf, "%s", arg);
	for (size_t k = strlen(argbuf); k > 0 && argbuf[k - 1] == ' '; k--)
		argbuf[k - 1] = '\0';
	arg = argbuf;
	if (n == 0)
		return;
	if (strncmp(line, "sort", n) == 0 && n >= 2) {
		for (size_t i = 0; i < N_SORTABLE; i++) {
			if (strcmp(arg, sortable[i].name) == 0) {
				t->sort_col = i;
				t->sort_reverse = false;
				resort(t, false);
				return;
			}
		}
		tui_set_status(
		    t, CANVAS_FAULT,
		    _("sort: '%s' is not one of start, id, method, url, status, responsetime, "
		      "duration, service"),
		    arg);
	} else if (strncmp(line, "window", n) == 0 && n >= 1) {
		double since;
		struct xr_err err = {0};
		if (!t->api) {
			tui_set_status(t, CANVAS_DIM,
			               _("window: only the X-Ray API source has a time window"));
		} else if (timefmt_parse_duration(arg, &since, &err) < 0 || !(since > 0)) {
			tui_set_status(t, CANVAS_FAULT,
			               _("window: '%s' is not a duration (30m, 2h, 1d)"), arg);
		} else {
			session_set_window(t->s, since, NAN, NAN);
			session_refresh(t->s);
			tui_set_status(t, CANVAS_NORMAL, _("window: the last %s, fetching"), arg);
		}
	} else if (strncmp(line, "group-by", n) == 0 && n >= 2) {
		if (!*arg)
			tui_set_status(
			    t, CANVAS_FAULT,
			    _("group-by: which key? (annotation.KEY, http.status, service, ...)"));
		else
			analyticsscreen_set_group_by(t, arg);
	} else if (strncmp(line, "filter", n) == 0) {
		tui_apply_filter(t, arg);
	} else if (strncmp(line, "save", n) == 0 && n >= 2) {
		if (!*arg)
			tui_set_status(t, CANVAS_FAULT, _("save: which file? (save FILE)"));
		else
			save_list(t, arg);
	} else if (strncmp(line, "help", n) == 0) {
		key_help(t);
	} else if (strncmp(line, "log", n) == 0) {
		key_log(t);
	} else if (strncmp(line, "quit", n) == 0) {
		t->quit = true;
	} else {
		tui_set_status(t, CANVAS_FAULT, _(":%.*s: unknown command (Tab lists them)"),
		               (int)n, line);
	}
}

/* Tab on the command line: completes a command name or a sort column. */
static void
complete_command(struct tui *t)
{
	struct buf b = BUF_INIT;
	prompt_text(&t->prompt, &b);
	const char *text = b.data;
	const char *space = strchr(text, ' ');
	const char *word = space ? space + 1 : text;
	const char *cands[16];
	size_t n = 0;
	if (!space) {
		for (size_t i = 0; commands[i]; i++)
			if (strncmp(commands[i], word, strlen(word)) == 0)
				cands[n++] = commands[i];
	} else if (strncmp(text, "sort ", 5) == 0) {
		for (size_t i = 0; i < N_SORTABLE; i++)
			if (strncmp(sortable[i].name, word, strlen(word)) == 0)
				cands[n++] = sortable[i].name;
	}
	t->completions[0] = '\0';
	if (n == 0) {
		snprintf(t->completions, sizeof t->completions, "%s", _("no completion"));
	} else {
		size_t common = strlen(cands[0]);
		for (size_t i = 1; i < n; i++) {
			size_t k = 0;
			while (k < common && cands[i][k] == cands[0][k])
				k++;
			common = k;
		}
		struct buf nt = BUF_INIT;
		buf_append(&nt, text, (size_t)(word - text));
		buf_append(&nt, cands[0], common);
		if (n == 1)
			buf_putc(&nt, ' ');
		prompt_set_text(&t->prompt, nt.data);
		buf_free(&nt);
		if (n > 1) {
			size_t len = 0;
			for (size_t i = 0; i < n; i++)
				len += (size_t)snprintf(t->completions + len,
				                        sizeof t->completions - len, "%s%s",
				                        i ? "  " : "", cands[i]);
		}
	}
	buf_free(&b);
}

static void
prompt_input(struct tui *t, int key)
{
	enum prompt_result r = prompt_key(&t->prompt, key);
	if (r == PROMPT_EDITING) {
		if (t->mode == MODE_FILTER)
			validate_filter(t);
		if (t->mode == MODE_COMMAND)
			t->completions[0] = '\0';
		return;
	}
	if (r == PROMPT_COMPLETE) {
		if (t->mode == MODE_COMMAND)
			complete_command(t);
		return;
	}
	enum tui_mode mode = t->mode;
	if (r == PROMPT_CANCEL) {
		t->mode = MODE_NONE;
		return;
	}
	struct buf b = BUF_INIT;
	prompt_text(&t->prompt, &b);
	prompt_history_add(&t->history[mode], b.data);
	t->mode = MODE_NONE;
	switch (mode) {
	case MODE_FILTER:
		if (!tui_apply_filter(t, b.data))
			key_filter(t), prompt_set_text(&t->prompt, b.data), validate_filter(t);
		break;
	case MODE_SEARCH: apply_search(t, b.data); break;
	case MODE_COMMAND: run_command(t, b.data); break;
	case MODE_NONE: break;
	}
	buf_free(&b);
}

static void
mouse_input(struct tui *t, const struct term_mouse *m)
{
	if (t->screen == SCREEN_TIMELINE && m->click && t->tline && m->y >= t->tl_y &&
	    m->y < t->tl_y + t->tl_page) {
		size_t r = t->tl_top + (size_t)(m->y - t->tl_y);
		if (r < timeline_rows(t->tline))
			t->tl_sel = r;
		return;
	}
	if (t->screen == SCREEN_MAP && m->click && t->mapview) {
		int node = mapview_node_at(t->mapview, &t->vp, m->x, m->y - 1);
		if (node >= 0)
			t->vp.focus = node;
		return;
	}
	if (t->screen != SCREEN_TRACES) {
		if (m->wheel_up)
			move_by(t, -3);
		else if (m->wheel_down)
			move_by(t, 3);
		return;
	}
	if (m->wheel_up) {
		move_by(t, -3);
	} else if (m->wheel_down) {
		move_by(t, 3);
	} else if (m->click && m->y >= t->list_y && m->y < t->list_y + t->page) {
		size_t r = t->top + (size_t)(m->y - t->list_y);
		if (r < t->tl.n_rows)
			t->sel = r;
	}
}

static void
handle_key(struct tui *t, int key, const struct term_mouse *m)
{
	if (key == TERM_FN(KEY_RESIZE))
		return;
	if (t->mode != MODE_NONE) {
		prompt_input(t, key);
		return;
	}
	t->status[0] = '\0';
	if (key == TERM_FN(KEY_MOUSE)) {
		mouse_input(t, m);
		return;
	}
	for (size_t i = 0; i < n_keys; i++) {
		if ((keys[i].key == key || (keys[i].alt && keys[i].alt == key)) &&
		    (keys[i].screens & t->screen)) {
			keys[i].fn(t);
			return;
		}
	}
	if (key == '\r' || key == '\n' || key == TERM_ESC)
		return;
	char kb[16];
	tui_set_status(t, CANVAS_DIM, _("%s: no such key here (? lists the keys)"),
	               term_key_name(key, kb, sizeof kb));
}

/* ---- the loop ---- */

/* Processor time of the process (every thread), for $XRTOP_KEY_TIMES. */
static double
cpu_seconds(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_input(void *ctx, int fd, short revents)
{
	(void)fd;
	struct tui *t = ctx;
	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		t->quit = true;
		loop_stop(t->loop);
		return;
	}
	struct term_mouse m;
	int key;
	double t0 = NAN, cpu0 = 0;
	char names[64] = "";
	while (!t->quit && (key = term_key(t->term, &m)) >= 0) {
		if (isnan(t0)) {
			t0 = timefmt_monotonic();
			cpu0 = cpu_seconds();
		}
		if (t->key_times) {
			char kb[16];
			size_t len = strlen(names);
			snprintf(names + len, sizeof names - len, "%s%s", len ? " " : "",
			         term_key_name(key, kb, sizeof kb));
		}
		tui_ensure_list(t);
		handle_key(t, key, &m);
	}
	if (t->quit) {
		loop_stop(t->loop);
		return;
	}
	double t1 = timefmt_monotonic();
	draw(t);
	if (t->key_times && !isnan(t0)) {
		double t2 = timefmt_monotonic();
		fprintf(t->key_times, "%.3f %.3f %.3f %zu %s\n", (t1 - t0) * 1e3, (t2 - t0) * 1e3,
		        (cpu_seconds() - cpu0) * 1e3, t->tl.n_rows, names);
		fflush(t->key_times);
	}
}

static bool
tui_done(void *ctx)
{
	return ((struct tui *)ctx)->quit;
}

/* ---- the session's events ---- */

/* The problems found in the traces' data, once the first data is in. */
static void
log_problems(struct tui *t)
{
	const struct xr_store *store = session_store(t->s);
	for (size_t i = 0; i < store_count(store); i++) {
		const struct xr_trace *tr = store_entry(store, i)->trace;
		for (unsigned p = 0; tr && p < tr->n_problems; p++)
			warn_add(&t->log, _("trace %s: %s"), tr->id, tr->problems[p]);
	}
}

/* Source events redraw at most DRAW_PERIOD apart: a burst of arriving
 * traces costs one frame, not one per trace. */
#define DRAW_PERIOD 0.1

static void
on_draw_timer(void *ctx)
{
	struct tui *t = ctx;
	t->draw_timer = 0;
	if (t->term && !t->quit)
		draw(t);
}

static void
draw_soon(struct tui *t)
{
	double now = timefmt_monotonic();
	if (t->draw_timer)
		return;
	if (now - t->drawn_at >= DRAW_PERIOD)
		draw(t);
	else
		t->draw_timer =
		    loop_add_timer(t->loop, t->drawn_at + DRAW_PERIOD, 0, on_draw_timer, t);
}

/* --view timeline or details (or --trace): once the data is in, the
 * screens open on that trace (the first listed one without --trace) and
 * segment. */
static void
open_first_view(struct tui *t)
{
	const struct options *o = t->o;
	if (o->view == VIEW_MAP) {
		t->screen = SCREEN_MAP;
		return;
	}
	if (o->view == VIEW_ANALYTICS) {
		t->screen = SCREEN_ANALYTICS;
		return;
	}
	if (o->view == VIEW_TRACES && !o->trace_id)
		return;
	tui_ensure_list(t);
	const char *id = o->trace_id ? o->trace_id : tui_selected_id(t);
	const struct xr_store_entry *e = id ? session_find(t->s, id) : NULL;
	if (!e || !e->trace) {
		tui_set_status(t, CANVAS_ERROR, _("%s%s: no full trace to show"),
		               o->trace_id ? "--trace " : "", id ? id : _("no trace"));
		return;
	}
	free(t->trace_id);
	t->trace_id = xstrdup(id);
	timelinescreen_show(t, e->trace);
	if (o->view == VIEW_DETAILS) {
		long row = o->segment_id ? timeline_find_row(t->tline, o->segment_id) : 0;
		if (row < 0) {
			tui_set_status(t, CANVAS_ERROR, _("--segment %s: not in trace %s"),
			               o->segment_id, id);
			return;
		}
		t->tl_sel = (size_t)row;
		t->screen = SCREEN_DETAILS;
	}
}

static void
on_event(void *ctx, const struct session_event *ev)
{
	struct tui *t = ctx;
	switch (ev->kind) {
	case SESSION_EVENT_LOADED:
		if (ev->message) {
			warn_add(&t->log, "%s", ev->message);
			tui_set_status(t, CANVAS_ERROR, _("%s (L for more)"), ev->message);
		}
		if (ev->message || ev->load->skipped)
			t->failed = true;
		break;
	case SESSION_EVENT_WARNING: warn_add(&t->log, "%s", ev->message); break;
	case SESSION_EVENT_FAILURE:
		warn_add(&t->log, "%s: %s", ev->failure->what, ev->failure->why);
		tui_set_status(t, CANVAS_ERROR, "%s: %s", ev->failure->what, ev->failure->why);
		t->failed = true;
		break;
	case SESSION_EVENT_ABORTED:
		warn_add(&t->log, "%s", ev->message);
		if (ev->hint && *ev->hint)
			warn_add(&t->log, _("hint: %s"), ev->hint);
		tui_set_status(t, CANVAS_FAULT, _("%s (L for more)"), ev->message);
		t->failed = true;
		/* Nothing to show (credentials refused at start, say): close the
		 * screens, so the whole message is printed, as batch mode does. */
		if (!t->ready && store_count(session_store(t->s)) == 0)
			t->quit = true;
		break;
	case SESSION_EVENT_FILTER_ERROR:
		if (ev->filter_error)
			warn_add(&t->log, _("filter: column %zu: %s"), ev->filter_error->column,
			         ev->filter_error->message);
		else
			warn_add(&t->log, "%s", ev->message);
		tui_set_status(t, CANVAS_FAULT, _("the filter was refused (L for more)"));
		break;
	case SESSION_EVENT_SCAN_DONE:
		if (ev->scan == 0 && !t->ready) {
			t->ready = true;
			log_problems(t);
			open_first_view(t);
		}
		t->stale = true;
		break;
	case SESSION_EVENT_EVICTED: t->stale = true; break;
	case SESSION_EVENT_TRACE:
		if (t->trace_waiting && ev->entry && ev->entry->trace && t->trace_id &&
		    strcmp(ev->entry->trace->id, t->trace_id) == 0 && t->screen == SCREEN_TRACES)
			timelinescreen_show(t, ev->entry->trace);
		break;
	case SESSION_EVENT_PROGRESS:
	case SESSION_EVENT_FINISHED: break;
	}
	if (t->term && !t->quit)
		draw_soon(t);
}

static void
on_signal(void *ctx, int sig)
{
	struct tui *t = ctx;
	if (sig == SIGWINCH && t->term) {
		term_resized(t->term);
		draw(t);
	}
}

/* Where the screens read keys: standard input when it is a terminal, else
 * the controlling terminal when standard input is data (--load -). */
static FILE *
open_input(const struct options *o)
{
	if (isatty(STDIN_FILENO))
		return stdin;
	bool stdin_is_data = false;
	for (size_t i = 0; i < o->n_loads; i++)
		stdin_is_data |= strcmp(o->loads[i], "-") == 0;
	return stdin_is_data ? fopen("/dev/tty", "r") : NULL;
}

static void
source_name(struct tui *t)
{
	const struct options *o = t->o;
	struct buf b = BUF_INIT;
	if (o->demo)
		buf_puts(&b, _("demo data"));
	for (size_t i = 0; i < o->n_loads && i < 2; i++)
		buf_printf(&b, "%s%s", b.len ? " + " : "",
		           strcmp(o->loads[i], "-") == 0 ? _("(stdin)") : o->loads[i]);
	if (o->n_loads > 2)
		buf_printf(&b, ngettext(" + %zu file", " + %zu files", o->n_loads - 2),
		           o->n_loads - 2);
	if (t->api)
		buf_printf(&b, "%sX-Ray%s%s", b.len ? " + " : "", o->region ? " " : "",
		           o->region ? o->region : "");
	if (o->listen)
		buf_printf(&b, _("%slistening UDP%s%s"), b.len ? " + " : "", *o->listen ? " " : "",
		           o->listen);
	if (o->listen_otlp)
		buf_printf(&b, _("%slistening OTLP%s%s"), b.len ? " + " : "",
		           *o->listen_otlp ? " " : "", o->listen_otlp);
	snprintf(t->source, sizeof t->source, "%s", b.data ? b.data : "");
	buf_free(&b);
}

static void
tui_free(struct tui *t)
{
	canvas_free(t->canvas);
	tracetable_free(&t->tt);
	tracelist_free(&t->tl);
	tracelist_index_free(t->index);
	free(t->widths);
	free(t->widths_keys);
	free(t->filter_text);
	free(t->annotation_keys);
	free(t->search_text);
	regex_free(t->re);
	timelinescreen_close(t);
	free(t->trace_id);
	mapscreen_close(t);
	canvas_free(t->page_canvas);
	analytics_free(t->an);
	free(t->group_by);
	for (size_t i = 0; i < sizeof t->history / sizeof *t->history; i++)
		prompt_history_free(&t->history[i]);
	warn_free(&t->log);
	if (t->key_times)
		fclose(t->key_times);
	session_free(t->s);
	loop_free(t->loop);
}

int
tui_main(const struct options *o, struct xr_err *err)
{
	/* A bad filter is reported by batch mode exactly as without screens. */
	if (o->filter && *o->filter) {
		struct xr_filter_error fe;
		struct xr_filter *f = filter_compile(o->filter, NULL, NULL, &fe);
		if (!f)
			return TUI_FALLBACK;
		filter_free(f);
	}
	FILE *in = open_input(o);
	if (!in) {
		xr_err_set(
		    err, XR_EUSAGE,
		    _("standard input is not a terminal, so the interactive screens cannot read "
		      "keys: printing the table instead (-b does so without this note)"));
		return TUI_FALLBACK;
	}
	struct tui t = {.o = o, .screen = SCREEN_TRACES};
	t.api = options_has_api_source(o);
	struct session_settings set;
	frontend_settings(o, t.api, &set);
	set.refreshes = -1; /* live until the user quits */
	/* The screens open on the slowest requests unless --sort says otherwise. */
	set.sort = o->sort_set ? o->sort : SORT_RESPONSETIME;
	for (size_t i = 0; i < N_SORTABLE; i++)
		if (sortable[i].sort == set.sort)
			t.sort_col = i;
	struct xr_err serr = {0};
	t.s = session_new(&set, &serr);
	if (!t.s) {
		/* batch mode says why, with the same exit status */
		if (in != stdin)
			fclose(in);
		return TUI_FALLBACK;
	}
	t.index = tracelist_index_new();
	t.filter_text = o->filter && *o->filter ? xstrdup(o->filter) : NULL;
	t.group_by = xstrdup(o->group_by ? o->group_by : "http.status");
	if (o->group_by)
		t.screen = SCREEN_ANALYTICS;
	source_name(&t);
	t.canvas_flags = (o->ascii || !utf8_locale_is_utf8()) ? CANVAS_ASCII : 0;
	const char *no_color = getenv("NO_COLOR");
	struct term_config tc = {
	    .color = !o->no_color && !(no_color && *no_color),
	    .mouse = !o->no_mouse,
	};
	t.term = term_open(in, stdout, &tc, err);
	if (!t.term) {
		tui_free(&t);
		if (in != stdin)
			fclose(in);
		return TUI_FALLBACK;
	}
	t.canvas = canvas_new(term_cols(t.term), term_rows(t.term), t.canvas_flags);
	/* bench/tui-keys.py: how long each key takes until its frame is out */
	const char *key_times = getenv("XRTOP_KEY_TIMES");
	if (key_times && *key_times)
		t.key_times = fopen(key_times, "ae");
	t.loop = loop_new(session_http(t.s));
	struct xr_err lerr = {0};
	if (loop_catch_signals(t.loop, &lerr) < 0)
		warn_add(&t.log, "%s", lerr.msg);
	loop_on_signal(t.loop, on_signal, &t);
	session_on_event(t.s, on_event, &t);
	loop_add_fd(t.loop, term_input_fd(t.term), POLLIN, on_input, &t);
	rebuild(&t);
	draw(&t);
	int status = TUI_EXIT_OK;
	if (session_start(t.s, t.loop) < 0) {
		status = TUI_EXIT_USAGE;
	} else if (loop_run(t.loop, tui_done, &t, &lerr) < 0) {
		warn_add(&t.log, "%s", lerr.msg);
		t.failed = true;
	}
	if (loop_interrupted(t.loop) || !session_finished(t.s))
		session_stop(t.s);
	loop_remove_fd(t.loop, term_input_fd(t.term));
	term_close(t.term);
	t.term = NULL;
	if (in != stdin)
		fclose(in);
	/* what went wrong stays readable after the screens close */
	for (size_t i = 0; i < t.log.n && (t.failed || status); i++)
		frontend_report("%s", t.log.msgs[i]);
	if (status == TUI_EXIT_OK && t.failed)
		status = TUI_EXIT_SOURCE;
	tui_free(&t);
	return status;
}
