#include "config.h"

#include "view/table.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

#define TABLE_GAP 2
#define TABLE_MIN_SHRUNK 8

void
table_init(struct table *t, const struct table_column *columns, size_t n_columns, unsigned flags)
{
	memset(t, 0, sizeof *t);
	t->columns = columns;
	t->n_columns = n_columns;
	t->flags = flags;
}

void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->n_rows = t->cap_rows = 0;
}

void
table_add_row(struct table *t, const char *const *cells)
{
	if (t->n_rows == t->cap_rows) {
		t->cap_rows = t->cap_rows ? t->cap_rows * 2 : 64;
		t->cells = xreallocarray(t->cells, t->cap_rows * t->n_columns, sizeof *t->cells);
	}
	for (size_t c = 0; c < t->n_columns; c++)
		t->cells[t->n_rows * t->n_columns + c] = xstrdup(cells[c] ? cells[c] : "");
	t->n_rows++;
}

static size_t
cell_width(const struct table *t, const char *s)
{
	return utf8_width(s, strlen(s), t->flags);
}

/* Natural widths, capped by max_width, then narrowed to fit `width`. */
static void
table_widths(const struct table *t, size_t width, size_t *w)
{
	for (size_t c = 0; c < t->n_columns; c++) {
		w[c] = cell_width(t, t->columns[c].header);
		for (size_t r = 0; r < t->n_rows; r++) {
			size_t cw = cell_width(t, t->cells[r * t->n_columns + c]);
			if (cw > w[c])
				w[c] = cw;
		}
		if (t->columns[c].max_width && w[c] > t->columns[c].max_width)
			w[c] = t->columns[c].max_width;
	}
	if (!width)
		return;
	size_t total = 0;
	for (size_t c = 0; c < t->n_columns; c++)
		total += w[c] + (c ? TABLE_GAP : 0);
	for (int order = 1; total > width && order <= 9; order++) {
		for (size_t c = 0; c < t->n_columns && total > width; c++) {
			if (t->columns[c].shrink != order || w[c] <= TABLE_MIN_SHRUNK)
				continue;
			size_t cut = total - width;
			if (cut > w[c] - TABLE_MIN_SHRUNK)
				cut = w[c] - TABLE_MIN_SHRUNK;
			w[c] -= cut;
			total -= cut;
		}
	}
}

static void
render_line(const struct table *t, const size_t *w, const char *const *cells, struct buf *out)
{
	for (size_t c = 0; c < t->n_columns; c++) {
		if (c)
			buf_append(out, "  ", TABLE_GAP);
		bool last = c + 1 == t->n_columns;
		const char *s = cells[c];
		if (last && t->columns[c].align == UTF8_LEFT) {
			/* No trailing padding on the last column. */
			size_t sw = cell_width(t, s);
			utf8_fit(out, s, strlen(s), sw < w[c] ? sw : w[c], UTF8_LEFT, t->flags);
		} else {
			utf8_fit(out, s, strlen(s), w[c], t->columns[c].align, t->flags);
		}
	}
	buf_putc(out, '\n');
}

void
table_render(const struct table *t, size_t width, struct buf *out)
{
	size_t *w = xcalloc(t->n_columns, sizeof *w);
	table_widths(t, width, w);
	const char **headers = xcalloc(t->n_columns, sizeof *headers);
	for (size_t c = 0; c < t->n_columns; c++)
		headers[c] = t->columns[c].header;
	render_line(t, w, headers, out);
	for (size_t r = 0; r < t->n_rows; r++)
		render_line(t, w, (const char *const *)&t->cells[r * t->n_columns], out);
	free(headers);
	free(w);
}
