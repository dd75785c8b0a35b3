/* table: lays out rows of text cells in aligned columns measured in
 * terminal columns.  Cells are untrusted text; the table sanitises them.
 * Pure: it writes lines into a buffer and knows nothing of terminals. */
#ifndef XRTOP_VIEW_TABLE_H
#define XRTOP_VIEW_TABLE_H

#include <stddef.h>

#include "util/buf.h"
#include "util/utf8.h"

struct table_column {
	const char *header;
	enum utf8_align align;
	size_t max_width; /* 0 = no limit */
	int shrink;       /* order in which columns give up width to fit; 0 = never */
};

struct table {
	const struct table_column *columns;
	size_t n_columns;
	char **cells; /* n_rows * n_columns, owned */
	size_t n_rows;
	size_t cap_rows;
	unsigned flags; /* utf8 flags (UTF8_ASCII) */
};

void table_init(struct table *t, const struct table_column *columns, size_t n_columns,
                unsigned flags);
void table_free(struct table *t);
/* Appends a row; cells[i] are copied (NULL = empty). */
void table_add_row(struct table *t, const char *const *cells);
/* Writes header and rows, each line ending in '\n'.  width 0 = no limit;
 * otherwise shrinkable columns are narrowed so lines fit. */
void table_render(const struct table *t, size_t width, struct buf *out);

#endif
