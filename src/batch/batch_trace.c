#include "config.h"

#include "batch/batch_trace.h"

#include <errno.h>
#include <string.h>

#include "frontend.h"
#include "util/jsonw.h"
#include "view/canvas.h"
#include "view/details.h"
#include "view/timeline.h"
#include "xray/encode.h"
#include "util/i18n.h"

/* Lines of "where the time went" under the chart. */
#define SUMMARY_LINES 6
/* Rows drawn and printed at a time. */
#define PAGE_ROWS 512

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
	size_t rows = timeline_rows(tl);
	int width = canvas_width(fmt);
	/* header, blank, ruler */
	struct canvas *c =
	    canvas_new(width, TIMELINE_HEADER_LINES + 1 + TIMELINE_RULER_LINES, canvas_flags(fmt));
	timeline_header(tl, c, 0);
	timeline_ruler(tl, c, TIMELINE_HEADER_LINES + 1);
	rc = print_canvas(out, c);
	/* the rows, a page at a time so memory stays flat for any trace */
	for (size_t first = 0; first < rows && rc == 0; first += PAGE_ROWS) {
		int n = rows - first < PAGE_ROWS ? (int)(rows - first) : PAGE_ROWS;
		canvas_resize(c, width, n);
		timeline_page(tl, c, 0, n, first, -1);
		rc = print_canvas(out, c);
	}
	/* blank, summary and blank, legend */
	int summary = timeline_summary_lines(tl, SUMMARY_LINES);
	canvas_resize(c, width, 1 + (summary ? summary + 1 : 0) + 1);
	if (summary)
		timeline_summary(tl, c, 1, SUMMARY_LINES);
	timeline_legend(c, summary ? summary + 2 : 1);
	if (rc == 0)
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
	struct timeline *tl = timeline_new(t);
	for (int tab = 0; tab < DETAILS_TABS && rc == 0; tab++) {
		struct details *d =
		    details_new(t, tl, s, (enum details_tab)tab, width, canvas_flags(fmt));
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
	timeline_free(tl);
	return rc;
}

/* Data problems of the trace shown, printed before it. */
#define MAX_PROBLEMS_SHOWN 20

/* The trace --trace names, or (without it) the one holding --segment, or
 * the first trace listed; NULL after reporting why there is none. */
static const struct xr_trace *
pick_trace(const struct options *o, const struct session *s)
{
	const struct xr_store *store = session_store(s);
	if (o->trace_id) {
		const struct xr_store_entry *e = session_find(s, o->trace_id);
		if (!e)
			frontend_report(
			    _("--trace %s: no such trace in the loaded data (%zu traces)"),
			    o->trace_id, store_count(store));
		else if (!e->trace)
			frontend_report(
			    _("--trace %s: only its summary is loaded, not its segments"),
			    o->trace_id);
		return e ? e->trace : NULL;
	}
	if (o->segment_id) {
		for (size_t i = 0; i < store_count(store); i++) {
			const struct xr_trace *t = store_entry(store, i)->trace;
			if (t && trace_find_segment(t, o->segment_id))
				return t;
		}
		frontend_report(_("--segment %s: no such segment in the loaded traces"),
		                o->segment_id);
		return NULL;
	}
	struct tracelist tl;
	struct session_list_stats st;
	session_list(s, 0, &tl, &st);
	const struct xr_trace *t = NULL;
	for (size_t i = 0; i < tl.n_rows && !t; i++)
		t = tl.rows[i].entry->trace;
	tracelist_free(&tl);
	if (!t)
		frontend_report(session_filter(s) ? _("--view %s: no full trace matches the filter")
		                                  : _("--view %s: no full trace is loaded"),
		                o->view == VIEW_DETAILS ? "details" : "timeline");
	return t;
}

int
batch_trace_run(const struct options *o, const struct session *s, size_t width, unsigned flags)
{
	const struct xr_trace *t = pick_trace(o, s);
	if (!t)
		return FRONTEND_EXIT_SOURCE;
	for (unsigned p = 0; p < t->n_problems && p < MAX_PROBLEMS_SHOWN; p++)
		frontend_report(_("trace %s: %s"), t->id, t->problems[p]);
	if (t->n_problems > MAX_PROBLEMS_SHOWN)
		frontend_report(_("... and %u more problems in trace %s"),
		                t->n_problems - MAX_PROBLEMS_SHOWN, t->id);
	struct batch_format fmt = {.output = o->output, .width = width, .flags = flags};
	int rc;
	if (o->view == VIEW_DETAILS) {
		const struct xr_segment *seg =
		    o->segment_id ? trace_find_segment(t, o->segment_id) : t->root;
		if (!seg) {
			if (o->segment_id)
				frontend_report(_("--segment %s: no such segment in trace %s"),
				                o->segment_id, t->id);
			else
				frontend_report(_("trace %s has no segments"), t->id);
			return FRONTEND_EXIT_SOURCE;
		}
		rc = batch_print_details(stdout, t, seg, &fmt);
	} else {
		rc = batch_print_timeline(stdout, t, &fmt);
	}
	if (rc < 0) {
		frontend_report(_("cannot write the output: %s"), strerror(errno));
		return FRONTEND_EXIT_SOURCE;
	}
	return FRONTEND_EXIT_OK;
}
