#include "config.h"

#include "view/canvas.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

static const char *const glyphs_utf8[CANVAS_GLYPHS] = {
    [CANVAS_G_HLINE] = "─",      [CANVAS_G_VLINE] = "│",       [CANVAS_G_TOP_LEFT] = "┌",
    [CANVAS_G_TOP_RIGHT] = "┐",  [CANVAS_G_BOTTOM_LEFT] = "└", [CANVAS_G_BOTTOM_RIGHT] = "┘",
    [CANVAS_G_TEE_RIGHT] = "├",  [CANVAS_G_TEE_LEFT] = "┤",    [CANVAS_G_TEE_DOWN] = "┬",
    [CANVAS_G_TEE_UP] = "┴",     [CANVAS_G_CROSS] = "┼",       [CANVAS_G_ARROW_RIGHT] = "▶",
    [CANVAS_G_ARROW_DOWN] = "▼", [CANVAS_G_SORT_UP] = "▲",     [CANVAS_G_SORT_DOWN] = "▼",
    [CANVAS_G_ELLIPSIS] = "…",   [CANVAS_G_FULL_BLOCK] = "█",  [CANVAS_G_LIGHT_SHADE] = "░",
    [CANVAS_G_BULLET] = "•",     [CANVAS_G_COLLAPSED] = "▸",   [CANVAS_G_EXPANDED] = "▾",
};

static const char *const glyphs_ascii[CANVAS_GLYPHS] = {
    [CANVAS_G_HLINE] = "-",      [CANVAS_G_VLINE] = "|",       [CANVAS_G_TOP_LEFT] = "+",
    [CANVAS_G_TOP_RIGHT] = "+",  [CANVAS_G_BOTTOM_LEFT] = "+", [CANVAS_G_BOTTOM_RIGHT] = "+",
    [CANVAS_G_TEE_RIGHT] = "+",  [CANVAS_G_TEE_LEFT] = "+",    [CANVAS_G_TEE_DOWN] = "+",
    [CANVAS_G_TEE_UP] = "+",     [CANVAS_G_CROSS] = "+",       [CANVAS_G_ARROW_RIGHT] = ">",
    [CANVAS_G_ARROW_DOWN] = "v", [CANVAS_G_SORT_UP] = "^",     [CANVAS_G_SORT_DOWN] = "v",
    [CANVAS_G_ELLIPSIS] = "~",   [CANVAS_G_FULL_BLOCK] = "#",  [CANVAS_G_LIGHT_SHADE] = ".",
    [CANVAS_G_BULLET] = "*",     [CANVAS_G_COLLAPSED] = "+",   [CANVAS_G_EXPANDED] = "-",
};

static void
cell_blank(struct canvas_cell *cell, unsigned style)
{
	cell->text[0] = ' ';
	cell->text[1] = '\0';
	cell->width = 1;
	cell->style = (uint16_t)style;
}

struct canvas *
canvas_new(int width, int height, unsigned flags)
{
	struct canvas *c = xcalloc(1, sizeof *c);
	c->flags = flags;
	canvas_resize(c, width, height);
	return c;
}

void
canvas_free(struct canvas *c)
{
	if (!c)
		return;
	free(c->cells);
	free(c);
}

void
canvas_resize(struct canvas *c, int width, int height)
{
	c->width = width > 0 ? width : 0;
	c->height = height > 0 ? height : 0;
	free(c->cells);
	c->cells = xreallocarray(NULL, (size_t)c->width * (size_t)c->height + 1, sizeof *c->cells);
	canvas_clear(c);
}

void
canvas_clear(struct canvas *c)
{
	size_t n = (size_t)c->width * (size_t)c->height;
	for (size_t i = 0; i < n; i++)
		cell_blank(&c->cells[i], CANVAS_NORMAL);
}

static struct canvas_cell *
cell_at(const struct canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->width || y >= c->height)
		return NULL;
	return &c->cells[(size_t)y * (size_t)c->width + (size_t)x];
}

const struct canvas_cell *
canvas_cell(const struct canvas *c, int x, int y)
{
	return cell_at(c, x, y);
}

/* Before (x, y) is overwritten: a wide character it is half of loses its
 * other half too, so no half character is ever left behind. */
static void
unsplit(struct canvas *c, int x, int y)
{
	struct canvas_cell *cell = cell_at(c, x, y);
	if (cell->width == 0) {
		struct canvas_cell *left = cell_at(c, x - 1, y);
		if (left)
			cell_blank(left, left->style);
	} else if (cell->width == 2) {
		struct canvas_cell *right = cell_at(c, x + 1, y);
		if (right)
			cell_blank(right, right->style);
	}
}

/* Puts one character (bytes of UTF-8, width 1 or 2) at (x, y). */
static void
put_char(struct canvas *c, int x, int y, const char *s, size_t len, int width, unsigned style)
{
	unsplit(c, x, y);
	struct canvas_cell *cell = cell_at(c, x, y);
	if (len >= CANVAS_CELL_BYTES)
		len = CANVAS_CELL_BYTES - 1;
	memcpy(cell->text, s, len);
	cell->text[len] = '\0';
	cell->width = (uint8_t)width;
	cell->style = (uint16_t)style;
	if (width == 2) {
		unsplit(c, x + 1, y);
		struct canvas_cell *right = cell_at(c, x + 1, y);
		right->text[0] = '\0';
		right->width = 0;
		right->style = (uint16_t)style;
	}
}

/* Appends a combining mark to the character left of x, if there is room. */
static void
put_combining(struct canvas *c, int x, int y, const char *s, size_t len)
{
	struct canvas_cell *cell = cell_at(c, x - 1, y);
	if (cell && cell->width == 0)
		cell = cell_at(c, x - 2, y);
	if (!cell)
		return;
	size_t have = strlen(cell->text);
	if (have + len < CANVAS_CELL_BYTES) {
		memcpy(cell->text + have, s, len);
		cell->text[have + len] = '\0';
	}
}

static unsigned
utf8_flags(const struct canvas *c)
{
	return (c->flags & CANVAS_ASCII) ? UTF8_ASCII : 0;
}

/* Writes already sanitised text; returns the columns used. */
static int
put_clean(struct canvas *c, int x, int y, int max_cols, const char *s, size_t n, unsigned style)
{
	if (y < 0 || y >= c->height)
		return 0;
	int limit = c->width - x;
	if (max_cols >= 0 && max_cols < limit)
		limit = max_cols;
	int used = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);
		if (len < 0) /* cannot happen after sanitising; skip the byte */
			len = 1, cp = '?';
		int w = utf8_cp_width(cp);
		if (w == 0) {
			if (x + used > 0 && x + used <= c->width)
				put_combining(c, x + used, y, s + i, (size_t)len);
			i += (size_t)len;
			continue;
		}
		if (w < 0)
			w = 1;
		if (used + w > limit) {
			/* A wide character that does not fit leaves a blank. */
			if (used < limit && x + used >= 0)
				put_char(c, x + used, y, " ", 1, 1, style), used++;
			break;
		}
		if (x + used >= 0)
			put_char(c, x + used, y, s + i, (size_t)len, w, style);
		else if (x + used + w > 0) /* right half of a wide character at the left edge */
			put_char(c, 0, y, " ", 1, 1, style);
		used += w;
		i += (size_t)len;
	}
	return used;
}

int
canvas_text(struct canvas *c, int x, int y, int max_cols, const char *s, size_t n, unsigned style)
{
	if (y < 0 || y >= c->height || x >= c->width || max_cols == 0)
		return 0;
	struct buf clean = BUF_INIT;
	utf8_sanitize(&clean, s, n, utf8_flags(c));
	int used = put_clean(c, x, y, max_cols, clean.data ? clean.data : "", clean.len, style);
	buf_free(&clean);
	return used;
}

int
canvas_puts(struct canvas *c, int x, int y, int max_cols, const char *s, unsigned style)
{
	return canvas_text(c, x, y, max_cols, s, strlen(s), style);
}

int
canvas_width_of(const struct canvas *c, const char *s, size_t n)
{
	return (int)utf8_width(s, n, utf8_flags(c));
}

int
canvas_fit(struct canvas *c, int x, int y, int cols, const char *s, size_t n, enum utf8_align align,
           unsigned style)
{
	if (cols <= 0)
		return 0;
	struct buf clean = BUF_INIT;
	utf8_sanitize(&clean, s, n, utf8_flags(c));
	const char *text = clean.data ? clean.data : "";
	int total = (int)utf8_width(text, clean.len, 0);
	int used;
	if (total <= cols) {
		int pad = cols - total;
		if (align == UTF8_RIGHT)
			canvas_fill(c, x, y, pad, 1, " ", style);
		used = put_clean(c, align == UTF8_RIGHT ? x + pad : x, y, total, text, clean.len,
		                 style);
		if (align == UTF8_LEFT)
			canvas_fill(c, x + total, y, pad, 1, " ", style);
		used += pad;
	} else {
		/* Cut one column short, pad a wide character's leftover, mark it. */
		used = put_clean(c, x, y, cols - 1, text, clean.len, style);
		const char *ell = canvas_glyph(c, CANVAS_G_ELLIPSIS);
		used += put_clean(c, x + used, y, 1, ell, strlen(ell), style);
	}
	buf_free(&clean);
	if (used > c->width - x)
		used = c->width - x;
	return used;
}

int
canvas_printf(struct canvas *c, int x, int y, int max_cols, unsigned style, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof tmp)
		n = sizeof tmp - 1;
	return canvas_text(c, x, y, max_cols, tmp, (size_t)n, style);
}

const char *
canvas_glyph(const struct canvas *c, enum canvas_glyph g)
{
	return (c->flags & CANVAS_ASCII) ? glyphs_ascii[g] : glyphs_utf8[g];
}

void
canvas_fill(struct canvas *c, int x, int y, int w, int h, const char *ch, unsigned style)
{
	size_t len = strlen(ch);
	for (int row = y; row < y + h; row++)
		for (int col = x; col < x + w; col++)
			if (cell_at(c, col, row))
				put_char(c, col, row, ch, len, 1, style);
}

void
canvas_set_style(struct canvas *c, int x, int y, int w, unsigned style)
{
	for (int col = x; col < x + w; col++) {
		struct canvas_cell *cell = cell_at(c, col, y);
		if (cell)
			cell->style = (uint16_t)style;
	}
}

void
canvas_add_attr(struct canvas *c, int x, int y, int w, unsigned attr)
{
	for (int col = x; col < x + w; col++) {
		struct canvas_cell *cell = cell_at(c, col, y);
		if (cell)
			cell->style |= (uint16_t)(attr & CANVAS_ATTR_MASK);
	}
}

void
canvas_hline(struct canvas *c, int x, int y, int len, unsigned style)
{
	canvas_fill(c, x, y, len, 1, canvas_glyph(c, CANVAS_G_HLINE), style);
}

void
canvas_vline(struct canvas *c, int x, int y, int len, unsigned style)
{
	canvas_fill(c, x, y, 1, len, canvas_glyph(c, CANVAS_G_VLINE), style);
}

void
canvas_box(struct canvas *c, int x, int y, int w, int h, unsigned style)
{
	if (w < 2 || h < 2)
		return;
	canvas_hline(c, x + 1, y, w - 2, style);
	canvas_hline(c, x + 1, y + h - 1, w - 2, style);
	canvas_vline(c, x, y + 1, h - 2, style);
	canvas_vline(c, x + w - 1, y + 1, h - 2, style);
	canvas_fill(c, x, y, 1, 1, canvas_glyph(c, CANVAS_G_TOP_LEFT), style);
	canvas_fill(c, x + w - 1, y, 1, 1, canvas_glyph(c, CANVAS_G_TOP_RIGHT), style);
	canvas_fill(c, x, y + h - 1, 1, 1, canvas_glyph(c, CANVAS_G_BOTTOM_LEFT), style);
	canvas_fill(c, x + w - 1, y + h - 1, 1, 1, canvas_glyph(c, CANVAS_G_BOTTOM_RIGHT), style);
}

void
canvas_blit(struct canvas *dst, int dx, int dy, const struct canvas *src, int sx, int sy, int w,
            int h)
{
	for (int row = 0; row < h; row++) {
		for (int col = 0; col < w; col++) {
			const struct canvas_cell *from = cell_at(src, sx + col, sy + row);
			struct canvas_cell *to = cell_at(dst, dx + col, dy + row);
			if (!from || !to)
				continue;
			bool cut_left = from->width == 0 && col == 0;
			bool cut_right = from->width == 2 &&
			                 (col == w - 1 || !cell_at(dst, dx + col + 1, dy + row));
			if (cut_left || cut_right) {
				unsplit(dst, dx + col, dy + row);
				cell_blank(to, from->style);
			} else if (from->width == 0) {
				*to = *from; /* the left half was copied just before */
			} else {
				unsplit(dst, dx + col, dy + row);
				*to = *from;
			}
		}
	}
}

void
canvas_row_text(const struct canvas *c, int y, bool trim, struct buf *out)
{
	if (y < 0 || y >= c->height)
		return;
	size_t start = out->len;
	size_t keep = out->len;
	for (int x = 0; x < c->width; x++) {
		const struct canvas_cell *cell = cell_at(c, x, y);
		if (cell->width == 0)
			continue;
		buf_puts(out, cell->text);
		if (strcmp(cell->text, " ") != 0)
			keep = out->len;
	}
	if (trim && out->len > keep) {
		out->len = keep > start ? keep : start;
		if (out->data)
			out->data[out->len] = '\0';
	}
}

void
canvas_to_text(const struct canvas *c, struct buf *out)
{
	for (int y = 0; y < c->height; y++) {
		canvas_row_text(c, y, true, out);
		buf_putc(out, '\n');
	}
}
