/* tracetable_test: the trace table view (view/tracetable.h): cells, the
 * URL decoding, fitting to a width, the sort marker and row drawing. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "model/store.h"
#include "source/file.h"
#include "tap.h"
#include "util/warn.h"
#include "view/canvas.h"
#include "view/tracetable.h"

static char *
line_of(const struct canvas *c, int y)
{
	struct buf b = BUF_INIT;
	canvas_row_text(c, y, true, &b);
	if (!b.data)
		buf_puts(&b, "");
	return buf_steal(&b);
}

static void
test_decode_url(void)
{
	struct buf b = BUF_INIT;
	tracetable_decode_url("/r?restaurant=%EA%B0%95%EB%82%A8+%EB%A7%9B%EC%A7%91&a=b+c", &b);
	is_str(b.data, "/r?restaurant=강남 맛집&a=b c", "%%XX and '+' in the query decoded");
	buf_reset(&b);
	tracetable_decode_url("/a+b/%zz%4", &b);
	is_str(b.data, "/a+b/%zz%4", "'+' in the path and bad escapes kept");
	buf_reset(&b);
	tracetable_decode_url("/x%1b%5b2J", &b);
	is_int((int)b.len, 6, "a decoded escape is data (the canvas sanitises it)");
	buf_free(&b);
}

static void
test_demo(void)
{
	size_t len;
	char *data = read_fixture("demo-small.ndjson", &len);
	struct xr_store *store = store_new();
	struct xr_warnings w = {0};
	struct load_stats stats = {0};
	struct xr_err err = {0};
	ok(file_load_buffer("demo-small.ndjson", data, len, store, &w, &stats, &err) == 0,
	   "demo-small loads");
	struct tracelist tl;
	tracelist_build(&tl, store, NULL, NULL, SORT_RESPONSETIME);
	tracelist_set_annotations(&tl, "restaurantName");
	ok(tl.n_rows > 3, "rows listed");
	struct tracetable tt;
	tracetable_init(&tt, &tl, 0);
	is_int((int)tt.n_columns, TRACETABLE_ANNOTATION + 1, "nine columns and one annotation");
	tracetable_measure(&tt, 0, tl.n_rows);

	/* batch: every column, natural widths */
	tracetable_fit(&tt, 0, false);
	int full = tracetable_width(&tt);
	ok(full > 100, "natural width is wide (%d)", full);
	struct canvas *c = canvas_new(full, 2, 0);
	int end = tracetable_draw_header(&tt, c, 0);
	char *h = line_of(c, 0);
	ok(strncmp(h, "START (UTC)", 11) == 0 && strstr(h, "TRACE ID") &&
	       strstr(h, "restaurantName"),
	   "header names the columns: %s", h);
	is_int(end, (int)strlen(h), "the header ends after its last word");
	free(h);

	/* screens: 80 columns, columns that say least hidden */
	tt.sort_column = TRACETABLE_RESP;
	tt.time_only = true;
	tracetable_free(&tt);
	tracetable_init(&tt, &tl, 0);
	tt.sort_column = TRACETABLE_RESP;
	tt.time_only = true;
	tracetable_measure(&tt, 0, tl.n_rows);
	tracetable_fit(&tt, 80, true);
	ok(tracetable_width(&tt) <= 80, "fitted to 80 columns (%d)", tracetable_width(&tt));
	is_int(tt.cols[TRACETABLE_ID].x, -1, "the trace id gives way first");
	ok(tt.cols[TRACETABLE_ANNOTATION].x > 0, "the annotation stays");
	canvas_resize(c, 80, 3);
	tracetable_draw_header(&tt, c, 0);
	tracetable_draw_row(&tt, c, 1, 0, CANVAS_SELECTED);
	h = line_of(c, 0);
	ok(strstr(h, "RESP(s)▼") != NULL, "sort marker on the response time: %s", h);
	free(h);
	char *r = line_of(c, 1);
	ok(strlen(r) > 8 && r[2] == ':' && r[5] == ':' && r[8] == ' ', "time only: %s", r);
	free(r);
	ok((canvas_cell(c, 0, 1)->style & CANVAS_SELECTED) &&
	       (canvas_cell(c, 79, 1)->style & CANVAS_SELECTED),
	   "the selected row is marked across the line");
	ok(!(canvas_cell(c, 0, 2)->style & CANVAS_SELECTED), "other rows are not");

	/* narrower than anything: more columns go, nothing wider than asked */
	tracetable_fit(&tt, 40, true);
	ok(tracetable_width(&tt) <= 40, "fitted to 40 columns (%d)", tracetable_width(&tt));
	ok(tt.cols[TRACETABLE_START].x == 0 && tt.cols[TRACETABLE_RESP].x > 0,
	   "start and response time stay");

	canvas_free(c);
	tracetable_free(&tt);
	tracelist_free(&tl);
	warn_free(&w);
	store_free(store);
	free(data);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_decode_url();
	test_demo();
	return tap_done();
}
