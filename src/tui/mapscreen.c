#include "config.h"

#include "tui/mapscreen.h"

#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "tui/tuipriv.h"
#include "util/xmalloc.h"
#include "model/svcmap.h"
#include "view/mapview.h"
#include "util/i18n.h"

void
mapscreen_close(struct tui *t)
{
	mapview_free(t->mapview);
	t->mapview = NULL;
	svcmap_free(t->map);
	t->map = NULL;
}

/* The map of the traces the filter matches, rebuilt when the store or
 * the width changed; the focus stays on its service. */
static void
ensure_map(struct tui *t, int width)
{
	unsigned long gen = store_generation(session_store(t->s));
	if (t->map && t->map_gen == gen && t->map_width == width && !t->stale)
		return;
	char *focus = NULL;
	if (t->map && t->vp.focus >= 0 && (size_t)t->vp.focus < t->map->n_nodes)
		focus = xstrdup(t->map->nodes[t->vp.focus].name);
	mapscreen_close(t);
	t->map = session_service_map(t->s, &t->map_summaries_only);
	t->mapview = mapview_new(t->map, width, t->canvas_flags);
	t->map_gen = gen;
	t->map_width = width;
	int node = focus ? svcmap_find(t->map, focus) : -1;
	t->vp.focus = node >= 0 ? node : mapview_default_focus(t->mapview);
	t->vp.pan_x = t->vp.pan_y = 0;
	t->vp.highlight = true;
	free(focus);
}

void
mapscreen_key_show(struct tui *t)
{
	t->screen = SCREEN_MAP;
}

void
mapscreen_move(struct tui *t, enum mapview_dir dir)
{
	if (!t->mapview)
		return;
	int next = mapview_neighbour(t->mapview, t->vp.focus, dir);
	if (next >= 0) {
		t->vp.focus = next;
		t->vp.pan_x = t->vp.pan_y = 0;
	}
}

void
mapscreen_key_left(struct tui *t)
{
	mapscreen_move(t, MAPVIEW_LEFT);
}

void
mapscreen_key_right(struct tui *t)
{
	mapscreen_move(t, MAPVIEW_RIGHT);
}

/* Enter on a service: its traces, with service("NAME") as the filter. */

void
mapscreen_key_open(struct tui *t)
{
	if (!t->map || t->vp.focus < 0 || (size_t)t->vp.focus >= t->map->n_nodes)
		return;
	const struct svcmap_node *n = &t->map->nodes[t->vp.focus];
	if (n->client) {
		tui_set_status(t, CANVAS_DIM,
		               _("the client stands for the callers; choose a service"));
		return;
	}
	struct buf f = BUF_INIT;
	buf_puts(&f, "service(");
	buf_put_quoted(&f, n->name);
	buf_putc(&f, ')');
	if (tui_apply_filter(t, f.data)) {
		t->screen = SCREEN_TRACES;
		t->sel = t->top = 0;
	}
	buf_free(&f);
}

void
mapscreen_draw(struct tui *t)
{
	struct canvas *c = t->canvas;
	int h = c->height - 3;
	ensure_map(t, c->width);
	struct buf title = BUF_INIT;
	buf_printf(&title, _("service map  %zu services, %zu traces"), t->map->n_nodes,
	           t->map->n_traces);
	if (t->filter_text)
		buf_printf(&title, _("  filter: %s"), t->filter_text);
	tui_draw_title(t, title.data);
	buf_free(&title);
	if (t->map->n_nodes == 0) {
		canvas_puts(
		    c, 2, 2, -1,
		    t->map_summaries_only
		        ? _("No full traces: the map needs them (only summaries are loaded).")
		        : _("No services."),
		    CANVAS_DIM);
		return;
	}
	if (!t->page_canvas)
		t->page_canvas = canvas_new(c->width, h, t->canvas_flags);
	else if (t->page_canvas->width != c->width || t->page_canvas->height != h)
		canvas_resize(t->page_canvas, c->width, h);
	mapview_draw(t->mapview, t->page_canvas, &t->vp);
	canvas_blit(c, 0, 1, t->page_canvas, 0, 0, c->width, h);
	const struct svcmap_node *n = &t->map->nodes[t->vp.focus];
	if (!t->status[0])
		tui_set_status(t, CANVAS_DIM, _("%s: Enter shows its traces"), n->name);
}
