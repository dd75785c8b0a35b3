/* timeline_test: the timeline (view/timeline.h) and details (view/details.h)
 * views, and the segment encoder they share with -o json. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "tap.h"
#include "util/jsonw.h"
#include "util/xmalloc.h"
#include "view/details.h"
#include "view/timeline.h"
#include "xray/decode.h"
#include "xray/encode.h"

#define T0 1795166000.0

/* A trace from segment documents, one per line. */
static struct xr_trace *
trace_of(const char *ndjson)
{
	struct xr_trace *t = trace_new(NULL);
	for (const char *p = ndjson; *p;) {
		size_t n = strcspn(p, "\n");
		struct xr_err err = {0};
		if (n && !decode_segment_document(p, n, t, &err))
			printf("# decode: %s\n", err.msg);
		p += n;
		if (*p)
			p++;
	}
	trace_finish(t);
	return t;
}

static char *
row_text(const struct canvas *c, int y)
{
	struct buf b = BUF_INIT;
	canvas_row_text(c, y, true, &b);
	return b.data ? buf_steal(&b) : xstrdup("");
}

/* root [0, 1]; A [0, .6] (fault) with child Q [.05, .55]; B [.1, .9]
 * (throttled) overlapping C [.7, .95] (error). */
static const char critical_doc[] =
    "{\"trace_id\":\"1-6b000000-000000000000000000000001\",\"id\":\"r000000000000001\","
    "\"name\":\"root\",\"start_time\":1795166000,\"end_time\":1795166001,\"subsegments\":["
    "{\"id\":\"a000000000000001\",\"name\":\"A\",\"start_time\":1795166000,\"end_time\":"
    "1795166000.6,\"fault\":true,\"subsegments\":[{\"id\":\"q000000000000001\",\"name\":\"Q\","
    "\"start_time\":1795166000.05,\"end_time\":1795166000.55}]},"
    "{\"id\":\"b000000000000001\",\"name\":\"B\",\"start_time\":1795166000.1,\"end_time\":"
    "1795166000.9,\"throttle\":true,\"error\":true},"
    "{\"id\":\"c000000000000001\",\"name\":\"C\",\"start_time\":1795166000.7,\"end_time\":"
    "1795166000.95,\"error\":true}]}\n";

static void
test_critical_path(void)
{
	struct xr_trace *t = trace_of(critical_doc);
	struct timeline *tl = timeline_new(t);
	const char *on[] = {"r000000000000001", "a000000000000001", "q000000000000001",
	                    "c000000000000001"};
	for (size_t i = 0; i < 4; i++)
		ok(timeline_is_critical(tl, trace_find_segment(t, on[i])),
		   "%s is on the critical path", trace_find_segment(t, on[i])->name);
	ok(!timeline_is_critical(tl, trace_find_segment(t, "b000000000000001")),
	   "B overlaps C (the last to finish): not on the critical path");
	is_num(timeline_critical_seconds(tl), 1.0, "critical path = the root's duration");
	struct timeline_hotspot spots[8];
	size_t n = timeline_hotspots(tl, spots, 8);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += spots[i].seconds;
	ok(fabs(sum - 1.0) < 1e-6, "hotspots add up to the critical path (%g)", sum);
	ok(n >= 1 && strcmp(spots[0].name, "Q") == 0 && fabs(spots[0].seconds - 0.5) < 1e-6,
	   "the biggest hotspot is Q, 0.5s");
	ok(n >= 2 && strcmp(spots[1].name, "C") == 0 && fabs(spots[1].seconds - 0.25) < 1e-6,
	   "then C, 0.25s");

	/* The details' Overview says what the timeline knows. */
	const char *which[2] = {"q000000000000001", "b000000000000001"};
	const char *want[2] = {"yes: 500ms of its own (50.0%)", "Critical path      no"};
	for (int k = 0; k < 2; k++) {
		struct details *d =
		    details_new(t, tl, trace_find_segment(t, which[k]), DETAILS_OVERVIEW, 80, 0);
		struct canvas *c = canvas_new(80, (int)details_lines(d), 0);
		details_render(d, c, 0, (int)details_lines(d), 0);
		struct buf text = BUF_INIT;
		canvas_to_text(c, &text);
		ok(strstr(text.data, want[k]) != NULL, "details of %s: '%s'", which[k], want[k]);
		buf_free(&text);
		canvas_free(c);
		details_free(d);
	}

	/* Navigation. */
	is_int(timeline_rows(tl), 5, "5 rows");
	is_str(timeline_row_id(tl, 0), "r000000000000001", "row 0 is the root");
	is_int(timeline_next_problem(tl, 0, 1), 1, "next problem after the root: A (fault)");
	is_int(timeline_next_problem(tl, 1, 1), 3, "then B (throttle), skipping Q");
	is_int(timeline_next_problem(tl, 4, -1), 3, "previous problem from C: B");
	is_int(timeline_next_problem(tl, 4, 1), -1, "none after the last");
	is_int(timeline_next_critical(tl, 2, 1), 4, "next critical row after Q: C (B is not)");
	is_int(timeline_next_critical(tl, 4, -1), 2, "previous critical row from C: Q");

	/* Collapse. */
	timeline_set_collapsed(tl, "a000000000000001", true);
	is_int(timeline_rows(tl), 4, "collapsing A hides Q");
	is_int(timeline_find_row(tl, "q000000000000001"), -1, "a hidden segment has no row");
	is_int(timeline_find_row(tl, "c000000000000001"), 3, "rows after it move up");
	ok(timeline_is_collapsed(tl, "a000000000000001"), "A is collapsed");
	struct timeline *again = timeline_new(t);
	timeline_copy_collapsed(again, tl);
	is_int(timeline_rows(again), 4, "collapse state copies by segment id");
	timeline_free(again);
	timeline_collapse_to_depth(tl, 0);
	is_int(timeline_rows(tl), 1, "collapse to depth 0: the root only");
	timeline_collapse_to_depth(tl, 1);
	is_int(timeline_rows(tl), 4, "collapse to depth 1: the root and its children");
	timeline_collapse_to_depth(tl, -1);
	is_int(timeline_rows(tl), 5, "expand all");
	timeline_set_collapsed(tl, "nope", true);
	is_int(timeline_rows(tl), 5, "an unknown id changes nothing");
	is_str(timeline_row_id(tl, 99), NULL, "no id past the last row");

	/* Drawing: letters, markers, selection. */
	struct canvas *c = canvas_new(80, 5, CANVAS_ASCII);
	timeline_page(tl, c, 0, 5, 0, 3);
	char *r0 = row_text(c, 0), *r3 = row_text(c, 3), *r4 = row_text(c, 4);
	ok(r0[0] == '*' && r3[0] == ' ' && r3[1] == 'T' && r4[0] == '*' && r4[1] == 'E',
	   "critical marker and flag letters: '%s' '%s'", r0, r3);
	ok(canvas_cell(c, 10, 3)->style & CANVAS_SELECTED, "the selected row is drawn selected");
	ok(!(canvas_cell(c, 10, 2)->style & CANVAS_SELECTED), "the others are not");
	ok((canvas_cell(c, 0, 0)->style & CANVAS_ROLE_MASK) == CANVAS_ACCENT,
	   "the critical-path marker has the accent role");
	ok((canvas_cell(c, 1, 1)->style & CANVAS_ROLE_MASK) == CANVAS_FAULT,
	   "F has the fault role");
	free(r0);
	free(r3);
	free(r4);
	canvas_free(c);
	timeline_free(tl);
	trace_free(t);
}

static void
test_bars(void)
{
	/* At 80 columns the bar area is 42 cells: 0.5 + 1/84 s of 1 s is 21.5 cells. */
	char doc[1024];
	snprintf(
	    doc, sizeof doc,
	    "{\"trace_id\":\"1-6b000000-000000000000000000000002\",\"id\":\"r000000000000002\","
	    "\"name\":\"root\",\"start_time\":%.6f,\"end_time\":%.6f,\"subsegments\":["
	    "{\"id\":\"h000000000000002\",\"name\":\"half\",\"start_time\":%.6f,\"end_time\":%.9f},"
	    "{\"id\":\"t000000000000002\",\"name\":\"tiny\",\"start_time\":%.6f,\"end_time\":%.6f}]"
	    "}\n",
	    T0, T0 + 1, T0, T0 + 0.5 + 1.0 / 84, T0 + 0.25, T0 + 0.25);
	struct xr_trace *t = trace_of(doc);
	struct timeline *tl = timeline_new(t);
	struct canvas *c = canvas_new(80, 3, 0);
	timeline_page(tl, c, 0, 3, 0, -1);
	int full = 0, bar_x = -1;
	for (int x = 0; x < 80; x++)
		if (strcmp(canvas_cell(c, x, 0)->text, "█") == 0 && bar_x < 0)
			bar_x = x;
	ok(bar_x == 38, "the bar area starts at column 38 (%d)", bar_x);
	for (int x = bar_x; x < 80; x++)
		full += strcmp(canvas_cell(c, x, 1)->text, "█") == 0;
	is_int(full, 21, "21 full cells for 21.5 cells of time");
	is_str(canvas_cell(c, bar_x + 21, 1)->text, "▌", "then a half block");
	is_str(canvas_cell(c, bar_x + 22, 1)->text, " ", "then nothing");
	int tiny = 0;
	for (int x = bar_x; x < 80; x++)
		tiny += strcmp(canvas_cell(c, x, 2)->text, " ") != 0;
	is_int(tiny, 1, "a zero-length segment still shows one thin mark");
	canvas_free(c);
	c = canvas_new(80, 3, CANVAS_ASCII);
	timeline_page(tl, c, 0, 3, 0, -1);
	full = 0;
	for (int x = bar_x; x < 80; x++)
		full += strcmp(canvas_cell(c, x, 1)->text, "=") == 0;
	is_int(full, 22, "ASCII: '=' for every cell at least half covered");
	canvas_free(c);

	c = canvas_new(80, 2, 0);
	timeline_ruler(tl, c, 0);
	char *labels = row_text(c, 0);
	ok(strstr(labels, " 0s ") && strstr(labels, " 0.2s ") && strstr(labels, " 1s"),
	   "ticks at 1, 2 or 5 x 10^k: '%s'", labels);
	free(labels);
	canvas_free(c);

	/* Zoom to the second half: the ruler starts at 0.5s, "half" shows only
	 * its last 1/84 s, at the left edge; the root spans the whole area. */
	timeline_set_window(tl, 0.5, 1.0);
	double from, to;
	timeline_window(tl, &from, &to);
	ok(fabs(from - 0.5) < 1e-9 && fabs(to - 1.0) < 1e-9, "the window is kept");
	c = canvas_new(80, 5, 0);
	timeline_ruler(tl, c, 0);
	timeline_page(tl, c, 2, 3, 0, -1);
	labels = row_text(c, 0);
	ok(strstr(labels, "DUR 0.5s") && strstr(labels, " 1s") && !strstr(labels, " 0s"),
	   "zoomed ruler: '%s'", labels);
	free(labels);
	full = 0;
	for (int x = bar_x; x < 80; x++)
		full += strcmp(canvas_cell(c, x, 2)->text, "█") == 0;
	is_int(full, 42, "zoomed: the root fills the bar area");
	ok(strcmp(canvas_cell(c, bar_x, 3)->text, " ") != 0 &&
	       strcmp(canvas_cell(c, bar_x + 2, 3)->text, " ") == 0,
	   "zoomed: the end of 'half' at the left edge");
	canvas_free(c);
	timeline_set_window(tl, NAN, NAN);
	timeline_window(tl, &from, &to);
	ok(from == 0 && fabs(to - 1.0) < 1e-6, "NAN shows the whole trace again");

	timeline_set_show_critical(tl, false);
	c = canvas_new(80, 1, 0);
	timeline_page(tl, c, 0, 1, 0, -1);
	is_str(canvas_cell(c, 0, 0)->text, " ", "critical marks can be hidden");
	canvas_free(c);
	timeline_free(tl);
	trace_free(t);
}

/* Compares text with tests/timeline/golden/NAME (XRTOP_REGOLD=1 rewrites it). */
static void
golden(const char *name, const char *text)
{
	char rel[256];
	snprintf(rel, sizeof rel, "../timeline/golden/%s", name);
	if (getenv("XRTOP_REGOLD") && strcmp(getenv("XRTOP_REGOLD"), "1") == 0) {
		const char *dir = getenv("top_srcdir");
		char path[1024];
		snprintf(path, sizeof path, "%s/tests/timeline/golden/%s", dir ? dir : "..", name);
		FILE *f = fopen(path, "wb");
		if (f) {
			fputs(text, f);
			fclose(f);
		}
	}
	size_t len;
	char *want = read_fixture(rel, &len);
	is_str(text, want, "golden %s", name);
	free(want);
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_big(void)
{
	enum { N = 10000 };
	struct buf b = BUF_INIT;
	buf_printf(
	    &b,
	    "{\"trace_id\":\"1-6b000000-000000000000000000000003\",\"id\":\"r000000000000003\","
	    "\"name\":\"big\",\"start_time\":%.6f,\"end_time\":%.6f,\"subsegments\":[",
	    T0, T0 + N * 0.001);
	for (int i = 0; i < N; i++)
		buf_printf(&b,
		           "%s{\"id\":\"%016x\",\"name\":\"call-%05d\",\"start_time\":%.6f,\"end_"
		           "time\":%.6f"
		           "%s}",
		           i ? "," : "", 0x1000 + i, i, T0 + i * 0.001, T0 + i * 0.001 + 0.0009,
		           i == 7777 ? ",\"fault\":true" : "");
	buf_puts(&b, "]}\n");
	struct xr_trace *t = trace_of(b.data);
	buf_free(&b);
	double t_build = now();
	struct timeline *tl = timeline_new(t);
	is_int(timeline_rows(tl), N + 1, "10,000 subsegments: 10,001 rows");
	t_build = now() - t_build;
	struct canvas *c = canvas_new(120, 40, 0);
	double best = INFINITY;
	for (int k = 0; k < 20; k++) {
		canvas_clear(c);
		double t0 = now();
		timeline_page(tl, c, 0, 40, 5000, 5003);
		double dt = now() - t0;
		if (dt < best)
			best = dt;
	}
	ok(best < 0.002, "a page of 40 rows in %.3f ms (target: under 2 ms)", best * 1e3);
	ok(t_build < 0.2, "the timeline (rows, critical path) built in %.1f ms", t_build * 1e3);
	char *first = row_text(c, 0);
	ok(strstr(first, "call-04999") != NULL, "page row 0 is row 5000: '%.40s'", first);
	free(first);
	/* The page as a user sees it: ruler, then rows 5000-5019 with 5003
	 * selected (selection is an attribute: not in the text). */
	for (int w = 80; w <= 120; w += 40) {
		for (unsigned flags = 0; flags <= CANVAS_ASCII; flags += CANVAS_ASCII) {
			struct canvas *pg = canvas_new(w, 22, flags);
			timeline_ruler(tl, pg, 0);
			timeline_page(tl, pg, 2, 20, 5000, 5003);
			struct buf text = BUF_INIT;
			canvas_to_text(pg, &text);
			char name[64];
			snprintf(name, sizeof name, "big-page-%d%s.txt", w, flags ? "-ascii" : "");
			golden(name, text.data);
			buf_free(&text);
			canvas_free(pg);
		}
	}
	is_int(timeline_next_problem(tl, 0, 1), 7778, "the fault is found from the top");
	is_int(timeline_find_row(tl, "0000000000002e61"), 7778, "rows found by id");
	timeline_set_collapsed(tl, "r000000000000003", true);
	is_int(timeline_rows(tl), 1, "collapsing the root leaves one row");
	canvas_free(c);
	timeline_free(tl);
	trace_free(t);
}

static void
test_details(void)
{
	const char *doc =
	    "{\"trace_id\":\"1-6b000000-000000000000000000000004\",\"id\":\"k000000000000004\","
	    "\"name\":\"예약\",\"start_time\":1795166000,\"end_time\":1795166001,"
	    "\"annotations\":{\"long\":\"강남 맛집 강남맛집강남맛집강남맛집강남맛집 \\u001b[2J "
	    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\"},"
	    "\"metadata\":{\"a\":[1,2,{\"b\":null}],\"e\":{}}}\n";
	struct xr_trace *t = trace_of(doc);
	const struct xr_segment *s = t->root;
	struct details *d = details_new(t, NULL, s, DETAILS_ANNOTATIONS, 30, 0);
	size_t n = details_lines(d);
	struct canvas *c = canvas_new(30, (int)n, 0);
	details_render(d, c, 0, (int)n, 0);
	bool fits = true, whole = true;
	struct buf all = BUF_INIT;
	for (int y = 0; y < (int)n; y++) {
		char *line = row_text(c, y);
		fits &= utf8_width(line, strlen(line), 0) <= 30;
		whole &= utf8_valid(line, strlen(line));
		buf_puts(&all, line);
		free(line);
	}
	ok(n > 4, "a long annotation wraps over %zu lines", n);
	ok(fits && whole, "every line fits 30 columns and holds whole characters");
	ok(strstr(all.data, "^[[2J") || strstr(all.data, "\\u001b[2J"),
	   "the escape is shown escaped");
	ok(!strchr(all.data, '\x1b'), "no raw escape");
	buf_free(&all);
	canvas_free(c);
	details_free(d);

	d = details_new(t, NULL, s, DETAILS_METADATA, 60, 0);
	c = canvas_new(60, (int)details_lines(d), 0);
	details_render(d, c, 0, (int)details_lines(d), 0);
	struct buf text = BUF_INIT;
	canvas_to_text(c, &text);
	is_str(text.data,
	       "Metadata\n  {\n    \"a\": [\n      1,\n      2,\n      {\n        \"b\": null\n    "
	       "  }\n"
	       "    ],\n    \"e\": {}\n  }\n",
	       "metadata is pretty-printed");
	buf_free(&text);
	canvas_free(c);
	details_free(d);

	d = details_new(t, NULL, s, DETAILS_OVERVIEW, 60, 0);
	c = canvas_new(60, 3, 0);
	details_render(d, c, 0, 3, 1);
	char *line = row_text(c, 0);
	ok(strstr(line, "Name") && strstr(line, "예약"), "rendering starts at the scroll offset");
	free(line);
	canvas_free(c);
	details_free(d);

	c = canvas_new(100, 1, 0);
	details_tab_bar(s, DETAILS_METADATA, c, 0);
	line = row_text(c, 0);
	ok(strstr(line, "[Metadata]") && strstr(line, "Annotations 1"), "tab bar: '%s'", line);
	ok(details_tab_empty(s, DETAILS_SQL) && !details_tab_empty(s, DETAILS_METADATA),
	   "empty tabs are known");
	free(line);
	canvas_free(c);
	trace_free(t);
}

static void
test_encode_round_trip(void)
{
	struct xr_trace *t = trace_of(critical_doc);
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &a);
	encode_segment(&w, t->root);
	struct xr_trace *t2 = trace_of(a.data);
	jsonw_init(&w, &b);
	encode_segment(&w, t2->root);
	is_str(b.data, a.data, "a segment encodes to what it decodes from");
	ok(strstr(a.data, "\"fault\":true") && strstr(a.data, "\"subsegments\":["),
	   "flags and subsegments are written");
	buf_free(&a);
	buf_free(&b);
	trace_free(t2);
	trace_free(t);
}

static void
test_duration_text(void)
{
	char out[16];
	struct {
		double v;
		const char *want;
	} cases[] = {{3.6764, "3.676s"},  {0.915, "915ms"},   {0.0125, "12.5ms"},
	             {0.00286, "2.86ms"}, {0.00025, "250µs"}, {12.345, "12.35s"},
	             {150, "150s"},       {NAN, "-"}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		timeline_duration_text(cases[i].v, false, out, sizeof out);
		is_str(out, cases[i].want, "duration %g", cases[i].v);
	}
	timeline_duration_text(0.00025, true, out, sizeof out);
	is_str(out, "250us", "ASCII microseconds");
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	utf8_set_locale_is_utf8(true);
	test_critical_path();
	test_bars();
	test_big();
	test_details();
	test_encode_round_trip();
	test_duration_text();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
