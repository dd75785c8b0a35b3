/* tracetable: the trace list as a table: its columns (start, trace id,
 * method, URL, status, response time, duration, flags, service and the
 * chosen annotations), the text of each cell, their widths fitted to a
 * line, and drawing the header and rows into a canvas.  Batch mode prints
 * it a row at a time; the TUI draws one page with a selected row and a sort
 * marker.  Pure: it only reads the tracelist it is given. */
#ifndef XRTOP_VIEW_TRACETABLE_H
#define XRTOP_VIEW_TRACETABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "view/canvas.h"
#include "view/tracelist.h"

enum tracetable_column_id {
	TRACETABLE_START,
	TRACETABLE_ID,
	TRACETABLE_METHOD,
	TRACETABLE_URL,
	TRACETABLE_STATUS,
	TRACETABLE_RESP,
	TRACETABLE_DUR,
	TRACETABLE_FLAGS,
	TRACETABLE_SERVICE,
	TRACETABLE_ANNOTATION, /* the first annotation; the others follow */
	TRACETABLE_MAX_COLUMNS = TRACETABLE_ANNOTATION + TRACELIST_MAX_ANNOTATIONS
};

/* Gap between two columns. */
#define TRACETABLE_GAP 2

struct tracetable_column {
	const char *header;
	enum utf8_align align;
	int max_width; /* 0 = no limit */
	int shrink;    /* order in which columns give up width; 0 = never */
	int cells;     /* widest cell measured */
	int natural;   /* max(cells, header), capped by max_width (tracetable_fit()) */
	int width;     /* after tracetable_fit() */
	int x;         /* left edge after tracetable_fit(); -1 when hidden */
	bool hidden;   /* left out by the caller */
};

struct tracetable {
	const struct tracelist *tl;
	unsigned canvas_flags; /* CANVAS_ASCII */
	bool time_only;        /* start as HH:MM:SS instead of the full date */
	struct tracetable_column cols[TRACETABLE_MAX_COLUMNS];
	size_t n_columns;
	int sort_column; /* column with the sort marker, -1 for none */
	bool sort_up;    /* the marker points up (ascending) */
	struct buf scratch;
};

/* Sets up the columns of tl (its annotation keys included). */
void tracetable_init(struct tracetable *tt, const struct tracelist *tl, unsigned canvas_flags);
void tracetable_free(struct tracetable *tt);
/* Widens columns to the widest cell of rows [from, to). */
void tracetable_measure(struct tracetable *tt, size_t from, size_t to);
/* Lays the columns out in width columns (0 = no limit): shrinkable
 * columns are narrowed in order, then columns left out while the line is
 * still too wide (annotations from the last, duration, method, flags,
 * service, status, start, response time, URL; never the trace id: a line
 * narrower than it is cut by the caller).  When fit is true (screens) they are first
 * narrowed only to a comfortable width, and when the line is still too
 * wide, columns are hidden (trace id, service, duration, annotations from
 * the last, method, URL). */
void tracetable_fit(struct tracetable *tt, int width, bool fit);
/* Columns one laid-out line takes. */
int tracetable_width(const struct tracetable *tt);
/* Appends the text of cell col of row (untrusted, not yet sanitised). */
void tracetable_cell(struct tracetable *tt, size_t row, size_t col, struct buf *out);
/* Draws the column headers at line y of c.  Returns the column after the
 * last character. */
int tracetable_draw_header(struct tracetable *tt, struct canvas *c, int y);
/* Draws row at line y of c with attr added to every cell.  Returns the
 * column after the last character (no padding after the last column). */
int tracetable_draw_row(struct tracetable *tt, struct canvas *c, int y, size_t row, unsigned attr);
/* The colour role of a trace's status: fault, throttle, error or ok. */
enum canvas_role tracetable_status_role(const struct xr_summary *s);
/* Appends url with %XX sequences decoded (and '+' as a space in the
 * query), for display. */
void tracetable_decode_url(const char *url, struct buf *out);

#endif
