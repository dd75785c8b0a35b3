#include "config.h"

#include "view/tracetable.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/hex.h"
#include "util/timefmt.h"
#include "util/i18n.h"

#define URL_COLUMNS 50
#define MIN_SHRUNK 8

static const struct tracetable_column fixed_columns[TRACETABLE_ANNOTATION] = {
    [TRACETABLE_START] = {N_("START (UTC)"), UTF8_LEFT, 0, 0, 0, 0, 0, 0, false},
    [TRACETABLE_ID] = {N_("TRACE ID"), UTF8_LEFT, 0, 0, 0, 0, 0, 0, false},
    [TRACETABLE_METHOD] = {N_("METHOD"), UTF8_LEFT, 7, 0, 0, 0, 0, 0, false},
    [TRACETABLE_URL] = {N_("URL"), UTF8_LEFT, URL_COLUMNS, 1, 0, 0, 0, 0, false},
    [TRACETABLE_STATUS] = {N_("STATUS"), UTF8_RIGHT, 0, 0, 0, 0, 0, 0, false},
    [TRACETABLE_RESP] = {N_("RESP(s)"), UTF8_RIGHT, 0, 0, 0, 0, 0, 0, false},
    [TRACETABLE_DUR] = {N_("DUR(s)"), UTF8_RIGHT, 0, 0, 0, 0, 0, 0, false},
    [TRACETABLE_FLAGS] = {N_("FLAGS"), UTF8_LEFT, 0, 0, 0, 0, 0, 0, false},
    [TRACETABLE_SERVICE] = {N_("SERVICE"), UTF8_LEFT, 32, 2, 0, 0, 0, 0, false},
};

void
tracetable_init(struct tracetable *tt, const struct tracelist *tl, unsigned canvas_flags)
{
	memset(tt, 0, sizeof *tt);
	tt->tl = tl;
	tt->canvas_flags = canvas_flags;
	tt->sort_column = -1;
	memcpy(tt->cols, fixed_columns, sizeof fixed_columns);
	for (size_t c = 0; c < TRACETABLE_ANNOTATION; c++)
		tt->cols[c].header = _(fixed_columns[c].header);
	tt->n_columns = TRACETABLE_ANNOTATION;
	for (size_t a = 0; a < tl->n_annotation_keys; a++)
		tt->cols[tt->n_columns++] = (struct tracetable_column){
		    tl->annotation_keys[a], UTF8_LEFT, 30, 3, 0, 0, 0, 0, false};
}

void
tracetable_free(struct tracetable *tt)
{
	if (tt)
		buf_free(&tt->scratch);
}

static int
text_width(const struct tracetable *tt, const char *s, size_t n)
{
	return (int)utf8_width(s, n, (tt->canvas_flags & CANVAS_ASCII) ? UTF8_ASCII : 0);
}

void
tracetable_decode_url(const char *url, struct buf *out)
{
	bool query = false;
	for (const char *p = url; *p; p++) {
		int hi, lo;
		if (*p == '?')
			query = true;
		if (*p == '%' && (hi = hex_digit(p[1])) >= 0 && (lo = hex_digit(p[2])) >= 0) {
			buf_putc(out, (char)(hi * 16 + lo));
			p += 2;
		} else if (*p == '+' && query) {
			buf_putc(out, ' ');
		} else {
			buf_putc(out, *p);
		}
	}
}

static void
seconds_text(double v, struct buf *out)
{
	if (isnan(v))
		buf_puts(out, "-");
	else
		buf_printf(out, "%.3f", v);
}

void
tracetable_cell(struct tracetable *tt, size_t row, size_t col, struct buf *out)
{
	const struct tracelist_row *r = &tt->tl->rows[row];
	const struct xr_summary *s = r->summary;
	char tmp[32];
	switch (col) {
	case TRACETABLE_START:
		timefmt_short(s->start_time, tmp, sizeof tmp);
		buf_puts(out, tt->time_only && strlen(tmp) > 8 ? tmp + strlen(tmp) - 8 : tmp);
		break;
	case TRACETABLE_ID: buf_puts(out, s->id ? s->id : ""); break;
	case TRACETABLE_METHOD: buf_puts(out, s->http.method ? s->http.method : "-"); break;
	case TRACETABLE_URL:
		if (!s->http.url) {
			buf_puts(out, "-");
		} else {
			struct buf decoded = BUF_INIT;
			tracetable_decode_url(s->http.url, &decoded);
			buf_puts(out, tracelist_url(decoded.data ? decoded.data : "", URL_COLUMNS));
			buf_free(&decoded);
		}
		break;
	case TRACETABLE_STATUS:
		if (s->http.status)
			buf_printf(out, "%d", s->http.status);
		else
			buf_puts(out, "-");
		break;
	case TRACETABLE_RESP: seconds_text(s->response_time, out); break;
	case TRACETABLE_DUR: seconds_text(s->duration, out); break;
	case TRACETABLE_FLAGS:
		tracelist_flags(r, tmp);
		buf_puts(out, tmp);
		break;
	case TRACETABLE_SERVICE: buf_puts(out, tracelist_service(s)); break;
	default:
		if (col >= TRACETABLE_ANNOTATION && col < tt->n_columns)
			tracelist_annotation_text(s, tt->cols[col].header, out);
		break;
	}
}

static int
header_width(const struct tracetable *tt, size_t col)
{
	const char *h = tt->cols[col].header;
	return text_width(tt, h, strlen(h)) + (tt->sort_column == (int)col ? 1 : 0);
}

void
tracetable_measure(struct tracetable *tt, size_t from, size_t to)
{
	for (size_t c = 0; c < tt->n_columns; c++) {
		struct tracetable_column *col = &tt->cols[c];
		for (size_t r = from; r < to && r < tt->tl->n_rows; r++) {
			buf_reset(&tt->scratch);
			tracetable_cell(tt, r, c, &tt->scratch);
			int w = text_width(tt, tt->scratch.data ? tt->scratch.data : "",
			                   tt->scratch.len);
			if (w > col->cells)
				col->cells = w;
		}
	}
}

/* The natural width of each column: its widest cell or its header (with
 * the sort marker), capped. */
static void
naturals(struct tracetable *tt)
{
	for (size_t c = 0; c < tt->n_columns; c++) {
		struct tracetable_column *col = &tt->cols[c];
		int h = header_width(tt, c);
		col->natural = col->cells > h ? col->cells : h;
		if (col->max_width && col->natural > col->max_width)
			col->natural = col->max_width;
	}
}

static int
layout(struct tracetable *tt)
{
	int x = 0;
	bool first = true;
	for (size_t c = 0; c < tt->n_columns; c++) {
		struct tracetable_column *col = &tt->cols[c];
		if (col->x < 0)
			continue;
		if (!first)
			x += TRACETABLE_GAP;
		first = false;
		col->x = x;
		x += col->width;
	}
	return x;
}

/* Narrows columns of shrink order `order` down to min while total > width. */
static int
shrink(struct tracetable *tt, int order, int min, int total, int width)
{
	for (size_t c = 0; c < tt->n_columns && total > width; c++) {
		struct tracetable_column *col = &tt->cols[c];
		if (col->shrink != order || col->width <= min || col->x < 0)
			continue;
		int cut = total - width;
		if (cut > col->width - min)
			cut = col->width - min;
		col->width -= cut;
		total -= cut;
	}
	return total;
}

/* Room left over goes back to the narrowed columns, in order. */
static void
give_back(struct tracetable *tt, int total, int width)
{
	for (int o = 1; o <= 3 && total < width; o++) {
		for (size_t c = 0; c < tt->n_columns && total < width; c++) {
			struct tracetable_column *col = &tt->cols[c];
			if (col->shrink != o || col->x < 0 || col->width >= col->natural)
				continue;
			int grow = col->natural - col->width;
			if (grow > width - total)
				grow = width - total;
			col->width += grow;
			total += grow;
		}
	}
	layout(tt);
}

void
tracetable_fit(struct tracetable *tt, int width, bool fit)
{
	naturals(tt);
	for (size_t c = 0; c < tt->n_columns; c++) {
		tt->cols[c].width = tt->cols[c].natural;
		tt->cols[c].x = tt->cols[c].hidden ? -1 : 0;
	}
	int total = layout(tt);
	if (width <= 0)
		return;
	if (!fit) {
		for (int order = 1; total > width && order <= 9; order++)
			total = shrink(tt, order, MIN_SHRUNK, total, width);
		/* Batch: the trace id stays (it is what --trace takes); the
		 * columns that say least go first: the duration (mostly the
		 * response time again) and the service (mostly one), then the
		 * annotations that tell traces apart, last first. */
		size_t drop[TRACETABLE_MAX_COLUMNS], n = 0;
		drop[n++] = TRACETABLE_DUR;
		drop[n++] = TRACETABLE_SERVICE;
		for (size_t c = tt->n_columns; c > TRACETABLE_ANNOTATION; c--)
			drop[n++] = c - 1;
		static const enum tracetable_column_id batch_drop[] = {
		    TRACETABLE_METHOD, TRACETABLE_FLAGS, TRACETABLE_STATUS,
		    TRACETABLE_START,  TRACETABLE_RESP,  TRACETABLE_URL};
		for (size_t i = 0; i < sizeof batch_drop / sizeof *batch_drop; i++)
			drop[n++] = batch_drop[i];
		for (size_t k = 0; k < n && total > width; k++) {
			tt->cols[drop[k]].x = -1;
			total = layout(tt);
		}
		give_back(tt, total, width);
		return;
	}
	/* The URL keeps its path and annotations a few words, leaving out the
	 * columns that say least as needed; then everything narrows, then
	 * more columns go. */
	size_t order[TRACETABLE_MAX_COLUMNS], n = 0;
	order[n++] = TRACETABLE_ID;
	order[n++] = TRACETABLE_SERVICE;
	order[n++] = TRACETABLE_DUR;
	for (size_t c = tt->n_columns; c > TRACETABLE_ANNOTATION + 1; c--)
		order[n++] = c - 1;
	size_t k = 0;
	for (;; k++) {
		for (size_t c = 0; c < tt->n_columns; c++) {
			tt->cols[c].width = tt->cols[c].natural;
			tt->cols[c].x = tt->cols[c].hidden ? -1 : 0;
		}
		for (size_t i = 0; i < k; i++)
			tt->cols[order[i]].x = -1;
		total = layout(tt);
		total = shrink(tt, 1, 24, total, width);
		total = shrink(tt, 2, 16, total, width);
		total = shrink(tt, 3, 14, total, width);
		if (total <= width || k == n)
			break;
	}
	for (int o = 1; total > width && o <= 9; o++)
		total = shrink(tt, o, MIN_SHRUNK, total, width);
	total = layout(tt);
	order[n++] = TRACETABLE_ANNOTATION;
	order[n++] = TRACETABLE_METHOD;
	order[n++] = TRACETABLE_URL;
	for (; k < n && total > width; k++) {
		tt->cols[order[k]].x = -1;
		total = layout(tt);
	}
	give_back(tt, total, width);
}

int
tracetable_width(const struct tracetable *tt)
{
	int end = 0;
	for (size_t c = 0; c < tt->n_columns; c++)
		if (tt->cols[c].x >= 0 && tt->cols[c].x + tt->cols[c].width > end)
			end = tt->cols[c].x + tt->cols[c].width;
	return end;
}

enum canvas_role
tracetable_status_role(const struct xr_summary *s)
{
	if (s->has_fault || s->http.status >= 500)
		return CANVAS_FAULT;
	if (s->has_throttle || s->http.status == 429)
		return CANVAS_THROTTLE;
	if (s->has_error || s->http.status >= 400)
		return CANVAS_ERROR;
	return CANVAS_OK;
}

static size_t
last_visible(const struct tracetable *tt)
{
	size_t last = 0;
	for (size_t c = 0; c < tt->n_columns; c++)
		if (tt->cols[c].x >= 0)
			last = c;
	return last;
}

/* Draws text in column col; the last column, when aligned left, is not
 * padded.  Returns the column after it. */
static int
draw_cell(struct tracetable *tt, struct canvas *c, int y, size_t col, const char *s, size_t n,
          unsigned style)
{
	const struct tracetable_column *tc = &tt->cols[col];
	int w = tc->width;
	if (col == last_visible(tt) && tc->align == UTF8_LEFT) {
		int sw = text_width(tt, s, n);
		if (sw < w)
			w = sw;
	}
	canvas_fit(c, tc->x, y, w, s, n, tc->align, style);
	return tc->x + w;
}

int
tracetable_draw_header(struct tracetable *tt, struct canvas *c, int y)
{
	int end = 0;
	for (size_t col = 0; col < tt->n_columns; col++) {
		if (tt->cols[col].x < 0)
			continue;
		buf_reset(&tt->scratch);
		buf_puts(&tt->scratch, tt->cols[col].header);
		if (tt->sort_column == (int)col)
			buf_puts(&tt->scratch, canvas_glyph(c, tt->sort_up ? CANVAS_G_SORT_UP
			                                                   : CANVAS_G_SORT_DOWN));
		end = draw_cell(tt, c, y, col, tt->scratch.data, tt->scratch.len,
		                CANVAS_HEADER | (tt->sort_column == (int)col ? CANVAS_BOLD : 0));
	}
	return end;
}

int
tracetable_draw_row(struct tracetable *tt, struct canvas *c, int y, size_t row, unsigned attr)
{
	const struct xr_summary *s = tt->tl->rows[row].summary;
	enum canvas_role flags = tracetable_status_role(s);
	attr &= CANVAS_ATTR_MASK;
	if (attr)
		canvas_fill(c, 0, y, tracetable_width(tt), 1, " ", CANVAS_NORMAL | attr);
	int end = 0;
	for (size_t col = 0; col < tt->n_columns; col++) {
		if (tt->cols[col].x < 0)
			continue;
		buf_reset(&tt->scratch);
		tracetable_cell(tt, row, col, &tt->scratch);
		unsigned role = CANVAS_NORMAL;
		/* only the flags of a problem are coloured: the eye goes to them,
		 * and every colour change costs bytes on a slow link */
		if (col == TRACETABLE_FLAGS && flags != CANVAS_OK)
			role = flags | CANVAS_BOLD;
		else if (col == TRACETABLE_ID)
			role = CANVAS_DIM;
		end = draw_cell(tt, c, y, col, tt->scratch.data ? tt->scratch.data : "",
		                tt->scratch.len, role | attr);
	}
	return end;
}
