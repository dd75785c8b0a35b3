/* mapview: the service map drawn left to right.
 *
 * Owns the layout of a struct svcmap: nodes in layers (longest path, cycles
 * broken by reversing back edges, sources pulled next to what they call),
 * ordered within layers by barycenter sweeps to reduce crossings, placed so
 * chains run straight, and edges routed through per-gap channels.  Each box
 * shows the service's name (wrapped on two lines when narrow), type,
 * requests, average response time and its error / throttle / fault shares,
 * with its health (ok, E 4xx, T 429, F 5xx) as a colour role and a letter.
 * Box widths shrink until the map fits the width asked for; a map that
 * still does not fit is drawn clipped around a focus node, which the caller
 * moves and pans.  Pure: it draws into a canvas (view/canvas.h). */
#ifndef XRTOP_VIEW_MAPVIEW_H
#define XRTOP_VIEW_MAPVIEW_H

#include <stdbool.h>

#include "model/svcmap.h"
#include "view/canvas.h"

/* A node's or an edge's health, worst first as the console colours it. */
enum mapview_health { MAPVIEW_OK, MAPVIEW_ERROR, MAPVIEW_THROTTLE, MAPVIEW_FAULT, MAPVIEW_NONE };

enum mapview_dir { MAPVIEW_LEFT, MAPVIEW_RIGHT, MAPVIEW_UP, MAPVIEW_DOWN };

/* Where the canvas looks at the map: the focus node is kept in view and
 * the pan offsets move the window from there (in columns and rows). */
struct mapview_viewport {
	int focus; /* node index, or -1 for the first entry point */
	int pan_x, pan_y;
	bool highlight;         /* mark the focus node as selected */
	int origin_x, origin_y; /* out: map coordinates of the canvas's top left */
};

struct mapview;

/* Lays m out for a canvas width columns wide (m must outlive the view).
 * flags are canvas flags (CANVAS_ASCII), which change glyphs and widths.
 * Caller frees. */
struct mapview *mapview_new(const struct svcmap *m, int width, unsigned flags);
void mapview_free(struct mapview *v);
/* The size of the whole map in columns and rows. */
void mapview_size(const struct mapview *v, int *width, int *height);
/* The node the viewport focuses on by default: the first entry point. */
int mapview_default_focus(const struct mapview *v);
/* Draws the map into c (cleared first), clipped around vp's focus. */
void mapview_draw(const struct mapview *v, struct canvas *c, struct mapview_viewport *vp);
/* The node whose box covers canvas cell (x, y) as last drawn with vp, or -1. */
int mapview_node_at(const struct mapview *v, const struct mapview_viewport *vp, int x, int y);
/* The nearest node from node in direction dir (for moving the focus), or -1. */
int mapview_neighbour(const struct mapview *v, int node, enum mapview_dir dir);
/* node's place in reading order: layers left to right, each top to bottom. */
int mapview_node_order(const struct mapview *v, int node);
/* The box of node in map coordinates; false when the node is not drawn. */
bool mapview_node_box(const struct mapview *v, int node, int *x, int *y, int *w, int *h);

/* Appends the filter expression that selects the traces through node:
 * service(id(name: ..., type: ...)), or for a client node its entry point
 * with { root } (nothing for an index out of range). */
void mapview_node_filter(const struct svcmap *m, int node, struct buf *out);
/* Appends the filter expression that selects the traces through edge:
 * edge(id(...), id(...)), or for a client's edge its entry point as root. */
void mapview_edge_filter(const struct svcmap *m, int edge, struct buf *out);

/* The health of some statistics, and its letter ("ok", "E", "T", "F", "-"). */
enum mapview_health mapview_health_of(const struct svcmap_stats *st, bool has_stats);
const char *mapview_health_letter(enum mapview_health h);
/* Writes a response time compactly: 352ms, 1.06s, 12.3s, 95s ("-" for NAN). */
void mapview_format_time(double seconds, char *out, size_t n);
/* Writes a count compactly: 999, 18.4k, 1.2M. */
void mapview_format_count(long long n, char *out, size_t size);
/* A type without its AWS:: prefix, "::" shown as spaces (short: the first part). */
void mapview_type_label(const char *type, bool short_form, char *out, size_t n);

#endif
