#include "config.h"

#include "batch/batch_trace.h"

#include <string.h>

#include "util/jsonw.h"
#include "view/canvas.h"
#include "view/details.h"
#include "view/timeline.h"
#include "xray/encode.h"

/* Lines of "where the time went" under the chart. */
#define SUMMARY_LINES 6

static int
write_buf(FILE *out, const struct buf *b)
{
	if (b->len && fwrite(b->data, 1, b->len, out) != b->len)
		return -1;
	return fflush(out) == 0 ? 0 : -1;
}

static int
print_canvas(FILE *out, const struct canvas *c)
{
	struct buf b = BUF_INIT;
	canvas_to_text(c, &b);
	int rc = write_buf(out, &b);
	buf_free(&b);
	return rc;
}

static int
canvas_width(const struct batch_format *fmt)
{
	return fmt->width ? (int)fmt->width : 100;
}

static unsigned
canvas_flags(const struct batch_format *fmt)
{
	return (fmt->flags & UTF8_ASCII) ? CANVAS_ASCII : 0;
}

int
batch_print_timeline(FILE *out, const struct xr_trace *t, const struct batch_format *fmt)
{
	struct buf b = BUF_INIT;
	int rc;
	if (fmt->output != OUTPUT_TABLE) {
		struct jsonw w;
		jsonw_init(&w, &b);
		if (fmt->output == OUTPUT_NDJSON) {
			encode_trace(&w, t);
		} else {
			jsonw_object_begin(&w);
			JSONW_KEY(&w, "Traces");
			jsonw_array_begin(&w);
			encode_trace(&w, t);
			jsonw_array_end(&w);
			JSONW_KEY(&w, "UnprocessedTraceIds");
			jsonw_array_begin(&w);
			jsonw_array_end(&w);
			jsonw_object_end(&w);
		}
		buf_putc(&b, '\n');
		rc = write_buf(out, &b);
		buf_free(&b);
		return rc;
	}
	struct timeline *tl = timeline_new(t);
	int rows = (int)timeline_rows(tl);
	int summary = timeline_summary_lines(tl, SUMMARY_LINES);
	/* header, blank, ruler, rows, blank, summary and blank, legend */
	int height = TIMELINE_HEADER_LINES + 1 + TIMELINE_RULER_LINES + rows + 1 +
	             (summary ? summary + 1 : 0) + 1;
	struct canvas *c = canvas_new(canvas_width(fmt), height, canvas_flags(fmt));
	int y = 0;
	timeline_header(tl, c, y);
	y += TIMELINE_HEADER_LINES + 1;
	timeline_ruler(tl, c, y);
	y += TIMELINE_RULER_LINES;
	timeline_page(tl, c, y, rows, 0, -1);
	y += rows;
	y++;
	if (summary) {
		timeline_summary(tl, c, y, SUMMARY_LINES);
		y += summary + 1;
	}
	timeline_legend(c, y);
	rc = print_canvas(out, c);
	canvas_free(c);
	timeline_free(tl);
	return rc;
}

int
batch_print_details(FILE *out, const struct xr_trace *t, const struct xr_segment *s,
                    const struct batch_format *fmt)
{
	int rc = 0;
	if (fmt->output != OUTPUT_TABLE) {
		struct buf b = BUF_INIT;
		struct jsonw w;
		jsonw_init(&w, &b);
		encode_segment(&w, s);
		buf_putc(&b, '\n');
		rc = write_buf(out, &b);
		buf_free(&b);
		return rc;
	}
	int width = canvas_width(fmt);
	for (int tab = 0; tab < DETAILS_TABS && rc == 0; tab++) {
		struct details *d =
		    details_new(t, s, (enum details_tab)tab, width, canvas_flags(fmt));
		int lines = (int)details_lines(d);
		struct canvas *c = canvas_new(width, lines + 1, canvas_flags(fmt));
		int y = 1;
		if (tab == 0)
			details_tab_bar(s, DETAILS_OVERVIEW, c, 0);
		details_render(d, c, y, lines, 0);
		rc = print_canvas(out, c);
		canvas_free(c);
		details_free(d);
	}
	return rc;
}
