/* details: one segment's details as the console's tabs (Overview,
 * Resources, Annotations, Metadata, Exceptions, SQL, Raw JSON).
 *
 * Owns the laid-out lines of one tab of one segment at one width: every
 * string sanitised first (control characters and escape sequences made
 * visible), then wrapped by display columns (at spaces when it can, never
 * inside a character), so a tab of any length scrolls in O(page).  The Raw
 * JSON tab is the segment written back by xray/encode.h, pretty-printed.
 * Pure: draws into a canvas. */
#ifndef XRTOP_VIEW_DETAILS_H
#define XRTOP_VIEW_DETAILS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/trace.h"
#include "view/canvas.h"
#include "view/timeline.h"

enum details_tab {
	DETAILS_OVERVIEW,
	DETAILS_RESOURCES,
	DETAILS_ANNOTATIONS,
	DETAILS_METADATA,
	DETAILS_EXCEPTIONS,
	DETAILS_SQL,
	DETAILS_RAW,
	DETAILS_TABS
};

struct details;

/* The tab's title ("Overview", ..., "Raw JSON"). */
const char *details_tab_name(enum details_tab tab);
/* True when the segment has nothing for the tab (Overview and Raw never). */
bool details_tab_empty(const struct xr_segment *s, enum details_tab tab);

/* Lays out tab of segment s (of trace t) for a canvas `width` columns wide
 * with canvas flags (CANVAS_ASCII).  With tl (the trace's timeline, or
 * NULL), the Overview says whether s is on the critical path.  Caller
 * frees. */
struct details *details_new(const struct xr_trace *t, const struct timeline *tl,
                            const struct xr_segment *s, enum details_tab tab, int width,
                            unsigned flags);
void details_free(struct details *d);
/* Number of lines of the laid-out tab. */
size_t details_lines(const struct details *d);
/* Draws lines [scroll, scroll + height) at y. */
void details_render(const struct details *d, struct canvas *c, int y, int height, size_t scroll);
/* Draws the tab bar at y: every tab, the current one selected, empty ones
 * dim, counts where they help ("Annotations 6"). */
void details_tab_bar(const struct xr_segment *s, enum details_tab current, struct canvas *c, int y);

#endif
