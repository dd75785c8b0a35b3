#include "config.h"

#include "tui/timelinescreen.h"

#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "tui/tuipriv.h"
#include "util/xmalloc.h"
#include "view/details.h"
#include "view/timeline.h"

void
timelinescreen_close(struct tui *t)
{
	details_free(t->det);
	t->det = NULL;
	t->det_seg = NULL;
	timeline_free(t->tline);
	t->tline = NULL;
}

/* Shows the timeline of trace tr (the one of t->trace_id). */
void
timelinescreen_show(struct tui *t, const struct xr_trace *tr)
{
	timelinescreen_close(t);
	t->tline = timeline_new(tr);
	t->tl_sel = t->tl_top = 0;
	t->tl_depth = -1;
	t->trace_waiting = false;
	t->screen = SCREEN_TIMELINE;
}

/* The store may have replaced or dropped the trace shown (a live refresh,
 * --max-traces): follow it, keeping what was collapsed and selected. */
static void
ensure_timeline(struct tui *t)
{
	if (!t->tline || !t->trace_id)
		return;
	const struct xr_store_entry *e = session_find(t->s, t->trace_id);
	if (e && e->trace == timeline_trace(t->tline))
		return;
	if (!e || !e->trace) {
		timelinescreen_close(t);
		if (t->screen & SCREEN_TRACE)
			t->screen = SCREEN_TRACES;
		tui_set_status(t, CANVAS_ERROR, "trace %s is no longer held", t->trace_id);
		return;
	}
	const char *sel = timeline_row_id(t->tline, t->tl_sel);
	char *keep = sel ? xstrdup(sel) : NULL;
	struct timeline *old = t->tline;
	t->tline = timeline_new(e->trace);
	timeline_copy_collapsed(t->tline, old);
	timeline_free(old);
	details_free(t->det);
	t->det = NULL;
	t->det_seg = NULL;
	long row = keep ? timeline_find_row(t->tline, keep) : -1;
	t->tl_sel = row >= 0 ? (size_t)row : 0;
	free(keep);
	if (t->screen == SCREEN_DETAILS)
		t->screen = SCREEN_TIMELINE;
}

void
timelinescreen_key_open(struct tui *t)
{
	if (t->screen == SCREEN_TIMELINE) {
		if (timeline_row_segment(t->tline, t->tl_sel)) {
			t->screen = SCREEN_DETAILS;
			t->det_scroll = 0;
		}
		return;
	}
	const char *id = tui_selected_id(t);
	if (!id)
		return;
	free(t->trace_id);
	t->trace_id = xstrdup(id);
	const struct xr_store_entry *e = session_find(t->s, id);
	if (e && e->trace) {
		timelinescreen_show(t, e->trace);
	} else if (t->api) {
		t->trace_waiting = true;
		session_fetch_trace(t->s, id);
		tui_set_status(t, CANVAS_NORMAL, "fetching the full trace %s ...", id);
	} else {
		tui_set_status(
		    t, CANVAS_ERROR,
		    "only the summary of %s is loaded: its timeline needs the full trace", id);
	}
}

void
timelinescreen_key_collapse(struct tui *t)
{
	const char *id = timeline_row_id(t->tline, t->tl_sel);
	if (id)
		timeline_set_collapsed(t->tline, id, !timeline_is_collapsed(t->tline, id));
}

/* The depth of the deepest row. */
static int
max_depth(struct tui *t)
{
	int depth = 0;
	timeline_collapse_to_depth(t->tline, -1);
	for (size_t r = 0; r < timeline_rows(t->tline); r++) {
		const struct xr_segment *s = timeline_row_segment(t->tline, r);
		int d = 0;
		for (const struct xr_segment *p = s; p && p->parent; p = p->parent)
			d++;
		if (d > depth)
			depth = d;
	}
	return depth;
}

static void
set_depth(struct tui *t, int depth)
{
	const char *sel = timeline_row_id(t->tline, t->tl_sel);
	char *keep = sel ? xstrdup(sel) : NULL;
	int deepest = max_depth(t);
	if (depth >= deepest)
		depth = -1;
	t->tl_depth = depth;
	timeline_collapse_to_depth(t->tline, depth);
	long row = keep ? timeline_find_row(t->tline, keep) : -1;
	t->tl_sel = row >= 0 ? (size_t)row : 0;
	free(keep);
	if (depth < 0)
		tui_set_status(t, CANVAS_NORMAL, "every row expanded");
	else
		tui_set_status(t, CANVAS_NORMAL, "collapsed below depth %d (+ expands a level)",
		               depth);
}

void
timelinescreen_key_shallower(struct tui *t)
{
	int depth = t->tl_depth < 0 ? max_depth(t) - 1 : t->tl_depth - 1;
	set_depth(t, depth < 0 ? 0 : depth);
}

void
timelinescreen_key_deeper(struct tui *t)
{
	if (t->tl_depth >= 0)
		set_depth(t, t->tl_depth + 1);
}

void
timelinescreen_key_critical(struct tui *t)
{
	long row = timeline_next_critical(t->tline, (long)t->tl_sel, 1);
	if (row < 0)
		row = timeline_next_critical(t->tline, -1, 1);
	if (row >= 0) {
		t->tl_sel = (size_t)row;
		char took[16];
		timeline_duration_text(timeline_critical_seconds(t->tline),
		                       (t->canvas_flags & CANVAS_ASCII) != 0, took, sizeof took);
		tui_set_status(t, CANVAS_ACCENT, "on the critical path (%s); c goes to the next",
		               took);
	}
}

void
timelinescreen_key_problem(struct tui *t)
{
	long row = timeline_next_problem(t->tline, (long)t->tl_sel, 1);
	if (row < 0)
		row = timeline_next_problem(t->tline, -1, 1);
	if (row >= 0)
		t->tl_sel = (size_t)row;
	else
		tui_set_status(t, CANVAS_DIM, "no segment has an error, fault or throttle");
}

static void
tab_step(struct tui *t, int dir)
{
	t->tab = (enum details_tab)(((int)t->tab + dir + DETAILS_TABS) % DETAILS_TABS);
	t->det_scroll = 0;
}

void
timelinescreen_key_tab_next(struct tui *t)
{
	tab_step(t, 1);
}

void
timelinescreen_key_tab_prev(struct tui *t)
{
	tab_step(t, -1);
}

void
timelinescreen_draw(struct tui *t)
{
	struct canvas *c = t->canvas;
	ensure_timeline(t);
	if (!t->tline)
		return;
	tui_draw_title(t, "timeline");
	timeline_header(t->tline, c, 1);
	int y = 1 + TIMELINE_HEADER_LINES;
	timeline_ruler(t->tline, c, y);
	y += TIMELINE_RULER_LINES;
	int room = c->height - 2 - y;
	int summary = room >= 16 ? 5 : room >= 10 ? 3 : 0;
	summary = summary ? timeline_summary_lines(t->tline, summary) : 0;
	t->tl_page = room - summary - (summary ? 1 : 0);
	if (t->tl_page < 1)
		t->tl_page = 1;
	size_t n = timeline_rows(t->tline), page = (size_t)t->tl_page;
	if (t->tl_sel >= n)
		t->tl_sel = n ? n - 1 : 0;
	if (t->tl_sel < t->tl_top)
		t->tl_top = t->tl_sel;
	if (t->tl_sel >= t->tl_top + page)
		t->tl_top = t->tl_sel - page + 1;
	t->tl_y = y;
	timeline_page(t->tline, c, y, t->tl_page, t->tl_top, (long)t->tl_sel);
	if (summary)
		timeline_summary(t->tline, c, y + t->tl_page + 1, summary);
}

void
timelinescreen_draw_details(struct tui *t)
{
	struct canvas *c = t->canvas;
	ensure_timeline(t);
	if (!t->tline)
		return;
	const struct xr_segment *seg = timeline_row_segment(t->tline, t->tl_sel);
	if (!seg) {
		t->screen = SCREEN_TIMELINE;
		return;
	}
	if (!t->det || t->det_seg != seg || t->det_tab != t->tab || t->det_width != c->width) {
		details_free(t->det);
		t->det = details_new(timeline_trace(t->tline), t->tline, seg, t->tab, c->width,
		                     t->canvas_flags);
		t->det_seg = seg;
		t->det_tab = t->tab;
		t->det_width = c->width;
	}
	struct buf title = BUF_INIT;
	buf_printf(&title, "details: %s", seg->name ? seg->name : "");
	tui_draw_title(t, title.data);
	buf_free(&title);
	details_tab_bar(seg, t->tab, c, 1);
	int height = c->height - 4;
	t->page = height;
	size_t lines = details_lines(t->det);
	if (t->det_scroll + (size_t)height > lines)
		t->det_scroll = lines > (size_t)height ? lines - (size_t)height : 0;
	details_render(t->det, c, 2, height, t->det_scroll);
}
