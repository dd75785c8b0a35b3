/* canvas: a rectangle of terminal cells that views draw into.
 *
 * Each cell holds one character (with its combining marks) as UTF-8, its
 * width in columns, a colour role and attributes.  A wide character takes
 * two cells: the left one holds it, the right one is a continuation (width
 * 0).  Text written into a canvas is untrusted: it is sanitised (control
 * characters and escape sequences made visible, see util/utf8.h), measured
 * in columns and clipped, and a wide character never straddles an edge.
 * Pure: batch mode prints a canvas as text, the TUI copies it to curses. */
#ifndef XRTOP_VIEW_CANVAS_H
#define XRTOP_VIEW_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/utf8.h"

/* Colour roles: what a cell means, not which colour it gets. */
enum canvas_role {
	CANVAS_NORMAL,
	CANVAS_HEADER,   /* column headers, titles */
	CANVAS_OK,       /* healthy (2xx) */
	CANVAS_ERROR,    /* client error (4xx) */
	CANVAS_FAULT,    /* server fault (5xx) */
	CANVAS_THROTTLE, /* throttled (429) */
	CANVAS_DIM,      /* secondary text, rulers, axes */
	CANVAS_ACCENT,   /* emphasis: the critical path, search matches */
	CANVAS_ROLES
};

/* Attributes, or-ed with a role into a style: CANVAS_FAULT | CANVAS_BOLD. */
#define CANVAS_BOLD 0x100u
#define CANVAS_UNDERLINE 0x200u
#define CANVAS_SELECTED 0x400u /* the selection (drawn in reverse video) */
#define CANVAS_ROLE_MASK 0xFFu
#define CANVAS_ATTR_MASK 0xF00u

#define CANVAS_CELL_BYTES 13

struct canvas_cell {
	char text[CANVAS_CELL_BYTES]; /* UTF-8, NUL-terminated; "" on a continuation */
	uint8_t width;                /* 1 or 2; 0 for the right half of a wide character */
	uint16_t style;               /* role | attributes */
};

enum canvas_flags {
	CANVAS_ASCII = 1, /* ASCII glyphs, and non-ASCII text escaped (UTF8_ASCII) */
};

struct canvas {
	int width, height;
	unsigned flags;
	struct canvas_cell *cells; /* height rows of width cells */
};

/* Line-drawing and other glyphs, in Unicode or ASCII (canvas_glyph()). */
enum canvas_glyph {
	CANVAS_G_HLINE,
	CANVAS_G_VLINE,
	CANVAS_G_TOP_LEFT,
	CANVAS_G_TOP_RIGHT,
	CANVAS_G_BOTTOM_LEFT,
	CANVAS_G_BOTTOM_RIGHT,
	CANVAS_G_TEE_RIGHT, /* ├ */
	CANVAS_G_TEE_LEFT,  /* ┤ */
	CANVAS_G_TEE_DOWN,  /* ┬ */
	CANVAS_G_TEE_UP,    /* ┴ */
	CANVAS_G_CROSS,
	CANVAS_G_ARROW_RIGHT,
	CANVAS_G_ARROW_DOWN,
	CANVAS_G_SORT_UP,
	CANVAS_G_SORT_DOWN,
	CANVAS_G_ELLIPSIS,
	CANVAS_G_FULL_BLOCK,
	CANVAS_G_LIGHT_SHADE,
	CANVAS_G_BULLET,
	CANVAS_G_COLLAPSED, /* ▸ */
	CANVAS_G_EXPANDED,  /* ▾ */
	CANVAS_GLYPHS
};

/* A canvas of width x height blank cells (either may be 0). */
struct canvas *canvas_new(int width, int height, unsigned flags);
void canvas_free(struct canvas *c);
/* Changes the size; every cell becomes blank. */
void canvas_resize(struct canvas *c, int width, int height);
/* Makes every cell a blank with style CANVAS_NORMAL. */
void canvas_clear(struct canvas *c);

/* The cell at (x, y), or NULL outside the canvas. */
const struct canvas_cell *canvas_cell(const struct canvas *c, int x, int y);

/* Writes text s (n bytes of untrusted UTF-8) at (x, y), sanitised, in at
 * most max_cols columns (and never past the right edge; max_cols < 0: up
 * to the edge).  Text that does not fit is cut without a mark.  Returns
 * the columns written. */
int canvas_text(struct canvas *c, int x, int y, int max_cols, const char *s, size_t n,
                unsigned style);
/* canvas_text() of a NUL-terminated string. */
int canvas_puts(struct canvas *c, int x, int y, int max_cols, const char *s, unsigned style);
/* Writes s in exactly cols columns: padded (aligned left or right), or cut
 * with an ellipsis when it does not fit.  Returns cols (less at the edge). */
int canvas_fit(struct canvas *c, int x, int y, int cols, const char *s, size_t n,
               enum utf8_align align, unsigned style);
/* canvas_text() of a formatted string. */
int canvas_printf(struct canvas *c, int x, int y, int max_cols, unsigned style, const char *fmt,
                  ...) __attribute__((format(printf, 6, 7)));
/* Columns s takes once sanitised for this canvas. */
int canvas_width_of(const struct canvas *c, const char *s, size_t n);

/* The glyph as UTF-8 (or ASCII under CANVAS_ASCII). */
const char *canvas_glyph(const struct canvas *c, enum canvas_glyph g);
/* Fills a rectangle with one single-width character (trusted UTF-8). */
void canvas_fill(struct canvas *c, int x, int y, int w, int h, const char *ch, unsigned style);
/* Sets the style of w cells from (x, y), keeping their text. */
void canvas_set_style(struct canvas *c, int x, int y, int w, unsigned style);
/* Adds attributes to w cells from (x, y). */
void canvas_add_attr(struct canvas *c, int x, int y, int w, unsigned attr);
void canvas_hline(struct canvas *c, int x, int y, int len, unsigned style);
void canvas_vline(struct canvas *c, int x, int y, int len, unsigned style);
/* A box outline of w x h cells (w, h >= 2). */
void canvas_box(struct canvas *c, int x, int y, int w, int h, unsigned style);
/* Copies the w x h rectangle at (sx, sy) of src to (dx, dy) of dst,
 * clipped to both; a wide character cut by an edge becomes a blank. */
void canvas_blit(struct canvas *dst, int dx, int dy, const struct canvas *src, int sx, int sy,
                 int w, int h);

/* Appends row y as UTF-8 text (trailing blanks removed when trim). */
void canvas_row_text(const struct canvas *c, int y, bool trim, struct buf *out);
/* Appends every row, each ending in '\n', trailing blanks removed. */
void canvas_to_text(const struct canvas *c, struct buf *out);

#endif
