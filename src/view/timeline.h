/* timeline: one trace as a Gantt chart, the console's trace timeline.
 *
 * Owns, for one finished trace, the row index of what is shown (every
 * segment and subsegment in tree order, less the subtrees of collapsed
 * rows), the collapse state (kept by segment id), the shared time axis
 * (zero = the trace's first start) and the critical path.  Rendering lays
 * out only the rows asked for, so a page of a 10,000-segment trace costs
 * the same as a page of a small one.  Pure: draws into a canvas.
 *
 * The critical path is the chain of entities that determined the response
 * time, computed as Jaeger's "last finishing child" walk: start at the root
 * segment with a cursor at its end; among its children (their times clipped
 * to the parent's span) take the one that ends last at or before the
 * cursor, mark it, walk into it the same way, then move the cursor to that
 * child's start and repeat with the children ending at or before the new
 * cursor; children overlapping a taken one are skipped.  What the taken
 * children do not cover is the parent's own (self) time on the path.  An
 * in-progress segment counts as ending at the trace's last known time; a
 * child with no time inside its parent's span is never on the path.
 * The critical self times, grouped by what the entity is, are the
 * "hotspots": where the time went. */
#ifndef XRTOP_VIEW_TIMELINE_H
#define XRTOP_VIEW_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/trace.h"
#include "view/canvas.h"

/* Lines timeline_header() and timeline_ruler() draw. */
#define TIMELINE_HEADER_LINES 2
#define TIMELINE_RULER_LINES 2

struct timeline;

/* One group of critical-path time: entities of the same name and kind. */
struct timeline_hotspot {
	const char *name;               /* segment name (untrusted) */
	char kind[96];                  /* "DynamoDB::Table Query", ... (untrusted), or "" */
	double seconds;                 /* critical self time of the group */
	unsigned count;                 /* entities in the group on the path */
	const struct xr_segment *first; /* the group's first entity */
};

/* A timeline of t (finished), every row expanded.  t must outlive it.
 * Caller frees. */
struct timeline *timeline_new(const struct xr_trace *t);
void timeline_free(struct timeline *tl);
const struct xr_trace *timeline_trace(const struct timeline *tl);

/* Collapses (hides the subtree of) or expands the segment with this id;
 * unknown ids are ignored.  Rows are rebuilt when next asked for. */
void timeline_set_collapsed(struct timeline *tl, const char *segment_id, bool collapsed);
bool timeline_is_collapsed(const struct timeline *tl, const char *segment_id);
/* Collapses every segment at depth >= depth that has children, expands
 * the rest (depth < 0: expands everything). */
void timeline_collapse_to_depth(struct timeline *tl, int depth);
/* Copies the collapse state of src (by segment id) into tl. */
void timeline_copy_collapsed(struct timeline *tl, const struct timeline *src);

/* Number of visible rows. */
size_t timeline_rows(struct timeline *tl);
/* The segment shown on row (NULL past the end). */
const struct xr_segment *timeline_row_segment(struct timeline *tl, size_t row);
/* The id of the segment on row (NULL past the end). */
const char *timeline_row_id(struct timeline *tl, size_t row);
/* The row showing the segment with this id, or -1 (unknown or hidden). */
long timeline_find_row(struct timeline *tl, const char *segment_id);
/* The next (dir > 0) or previous (dir < 0) row after row whose segment has
 * an error, fault or throttle flag, or -1. */
long timeline_next_problem(struct timeline *tl, long row, int dir);
/* The next or previous row after row on the critical path, or -1. */
long timeline_next_critical(struct timeline *tl, long row, int dir);
/* True when the segment is on the critical path. */
bool timeline_is_critical(const struct timeline *tl, const struct xr_segment *s);
/* The segment's own time on the critical path (0 when it is not on it). */
double timeline_critical_self(const struct timeline *tl, const struct xr_segment *s);

/* Zooms the axis to [from, to] seconds since the trace's start (clamped to
 * the trace); a NAN or empty range shows the whole trace again. */
void timeline_set_window(struct timeline *tl, double from, double to);
/* The window shown, in seconds since the trace's start. */
void timeline_window(const struct timeline *tl, double *from, double *to);
/* Shows or hides the critical-path marks and accent (shown by default). */
void timeline_set_show_critical(struct timeline *tl, bool show);

/* Trace start (time zero of the axis) and the last known time. */
double timeline_start(const struct timeline *tl);
double timeline_end(const struct timeline *tl);
/* Time on the critical path (the root segment's duration). */
double timeline_critical_seconds(const struct timeline *tl);
/* Fills out with up to max hotspots, most time first; returns how many. */
size_t timeline_hotspots(const struct timeline *tl, struct timeline_hotspot *out, size_t max);

/* Draws the header at y: trace id, service, duration, flags and start
 * time; below it the request (method, status, URL). */
void timeline_header(const struct timeline *tl, struct canvas *c, int y);
/* Draws the column titles with the time labels, and the axis, at y. */
void timeline_ruler(const struct timeline *tl, struct canvas *c, int y);
/* Draws rows [first, first + height) at y..y+height-1; row `selected`
 * (or none: -1) is drawn selected. */
void timeline_page(struct timeline *tl, struct canvas *c, int y, int height, size_t first,
                   long selected);
/* Draws up to max_lines lines of "where the time went" at y: the critical
 * path's length, then its hotspots of 1% or more, then the rest as one
 * line.  Returns the lines drawn. */
int timeline_summary(const struct timeline *tl, struct canvas *c, int y, int max_lines);
/* The lines timeline_summary() draws with max_lines. */
int timeline_summary_lines(const struct timeline *tl, int max_lines);
/* Draws the key to the marks and letters at y. */
void timeline_legend(struct canvas *c, int y);

/* "3.676s", "915ms", "12.5ms", "250µs" ("us" when ascii); 8 bytes room. */
void timeline_duration_text(double seconds, bool ascii, char *out, size_t size);

#endif
