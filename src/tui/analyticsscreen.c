#include "config.h"

#include "tui/analyticsscreen.h"

#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "tui/tuipriv.h"
#include "util/xmalloc.h"
#include "view/analytics.h"

/* Groups the listed traces by t->group_by, again when the list changed. */
static bool
ensure_analytics(struct tui *t)
{
	tui_ensure_list(t);
	if (t->an && t->an_gen == t->built_gen)
		return true;
	if (!t->an)
		t->an = analytics_new();
	const struct xr_summary **sums = xmalloc((t->tl.n_rows + 1) * sizeof *sums);
	for (size_t i = 0; i < t->tl.n_rows; i++)
		sums[i] = t->tl.rows[i].summary;
	struct xr_err err = {0};
	int rc = analytics_build(t->an, t->group_by, sums, t->tl.n_rows, &err);
	free(sums);
	if (rc < 0) {
		tui_set_status(t, CANVAS_FAULT, "group-by: %s", err.msg);
		return false;
	}
	t->an_gen = t->built_gen;
	if (t->an_sel >= analytics_n_groups(t->an))
		t->an_sel = 0;
	return true;
}

void
analyticsscreen_key_show(struct tui *t)
{
	t->screen = SCREEN_ANALYTICS;
}

/* Changes the group key (checked first); true when it was valid. */
bool
analyticsscreen_set_group_by(struct tui *t, const char *key)
{
	struct xr_err err = {0};
	if (analytics_key_check(key, &err) < 0) {
		tui_set_status(t, CANVAS_FAULT, "group-by: %s", err.msg);
		return false;
	}
	free(t->group_by);
	t->group_by = xstrdup(key);
	t->an_gen = 0;
	analytics_free(t->an);
	t->an = NULL;
	t->an_sel = t->an_top = 0;
	t->screen = SCREEN_ANALYTICS;
	return true;
}

/* Enter on a group: the filter narrowed to the group's traces. */
void
analyticsscreen_key_open(struct tui *t)
{
	if (!t->an || t->an_sel >= analytics_n_groups(t->an))
		return;
	struct buf f = BUF_INIT;
	if (t->filter_text)
		buf_printf(&f, "(%s) AND ", t->filter_text);
	analytics_group_filter(t->an, t->an_sel, &f);
	if (tui_apply_filter(t, f.data)) {
		t->screen = SCREEN_TRACES;
		t->sel = t->top = 0;
	}
	buf_free(&f);
}

void
analyticsscreen_draw(struct tui *t)
{
	struct canvas *c = t->canvas;
	struct buf title = BUF_INIT;
	buf_printf(&title, "analytics  grouped by %s", t->group_by);
	if (t->filter_text)
		buf_printf(&title, "  filter: %s", t->filter_text);
	tui_draw_title(t, title.data);
	buf_free(&title);
	if (!ensure_analytics(t))
		return;
	int h = c->height - 3;
	if (!t->page_canvas)
		t->page_canvas = canvas_new(c->width, h, t->canvas_flags);
	else if (t->page_canvas->width != c->width || t->page_canvas->height != h)
		canvas_resize(t->page_canvas, c->width, h);
	canvas_clear(t->page_canvas);
	if (t->an_sel < t->an_top)
		t->an_top = t->an_sel;
	if (t->an_rows > 0 && t->an_sel >= t->an_top + (size_t)t->an_rows)
		t->an_top = t->an_sel - (size_t)t->an_rows + 1;
	t->an_rows = analytics_render(t->an, t->page_canvas, t->an_top, (long)t->an_sel);
	if (t->an_rows > 0 && t->an_sel >= t->an_top + (size_t)t->an_rows) {
		t->an_top = t->an_sel - (size_t)t->an_rows + 1;
		canvas_clear(t->page_canvas);
		t->an_rows = analytics_render(t->an, t->page_canvas, t->an_top, (long)t->an_sel);
	}
	t->page = t->an_rows;
	canvas_blit(c, 0, 1, t->page_canvas, 0, 0, c->width, h);
	if (!t->status[0] && analytics_n_groups(t->an))
		tui_set_status(t, CANVAS_DIM,
		               "Enter narrows the filter to the group; :group-by KEY");
}
