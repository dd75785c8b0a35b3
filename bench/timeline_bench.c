/* timeline_bench: how long the timeline of a large trace takes to lay out.
 *
 *   bench/timeline_bench [SUBSEGMENTS [ROWS [WIDTH]]]   (default 10000 40 120)
 *
 * Builds a trace whose root has SUBSEGMENTS subsegments (every tenth one
 * with a child, one fault), then measures: timeline_new() (row index,
 * critical path), and drawing one page of ROWS rows at WIDTH columns at the
 * top, the middle and the end, each repeated; prints the minimum and the
 * median in milliseconds. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/utf8.h"
#include "view/timeline.h"
#include "xray/decode.h"

#define REPEAT 200

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	printf("%-34s min %8.3f ms   median %8.3f ms\n", what, t[0] * 1e3, t[n / 2] * 1e3);
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "C.UTF-8");
	utf8_set_locale_is_utf8(true);
	int n = argc > 1 ? atoi(argv[1]) : 10000;
	int rows = argc > 2 ? atoi(argv[2]) : 40;
	int width = argc > 3 ? atoi(argv[3]) : 120;
	if (n < 1 || rows < 1 || width < 20) {
		fprintf(stderr, "usage: timeline_bench [SUBSEGMENTS [ROWS [WIDTH]]]\n");
		return 2;
	}
	double t0 = 1795166000;
	struct buf b = BUF_INIT;
	buf_printf(
	    &b,
	    "{\"trace_id\":\"1-6b000000-000000000000000000000b00\",\"id\":\"r000000000000000\","
	    "\"name\":\"big\",\"start_time\":%.6f,\"end_time\":%.6f,\"subsegments\":[",
	    t0, t0 + n * 0.001 + 0.001);
	for (int i = 0; i < n; i++) {
		buf_printf(&b,
		           "%s{\"id\":\"%016x\",\"name\":\"call-%06d\",\"start_time\":%.6f,"
		           "\"end_time\":%.6f%s",
		           i ? "," : "", 0x100000 + i, i, t0 + i * 0.001, t0 + i * 0.001 + 0.0009,
		           i == n / 2 ? ",\"fault\":true" : "");
		if (i % 10 == 0)
			buf_printf(&b,
			           ",\"subsegments\":[{\"id\":\"%016x\",\"name\":\"DynamoDB\","
			           "\"namespace\":\"aws\",\"start_time\":%.6f,\"end_time\":%.6f,"
			           "\"aws\":{\"operation\":\"Query\",\"table_name\":\"T\"}}]",
			           0x900000 + i, t0 + i * 0.001, t0 + i * 0.001 + 0.0005);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "]}");
	struct xr_trace *t = trace_new(NULL);
	struct xr_err err = {0};
	if (!decode_segment_document(b.data, b.len, t, &err)) {
		fprintf(stderr, "timeline_bench: %s\n", err.msg);
		return 1;
	}
	buf_free(&b);
	trace_finish(t);
	printf("trace: %u segments and subsegments; page: %d rows x %d columns\n", t->n_all, rows,
	       width);

	double times[REPEAT];
	int reps = n > 50000 ? 20 : REPEAT / 4;
	for (int k = 0; k < reps; k++) {
		double s = now();
		struct timeline *tl = timeline_new(t);
		timeline_rows(tl);
		times[k] = now() - s;
		timeline_free(tl);
	}
	report("timeline_new + row index", times, reps);

	struct timeline *tl = timeline_new(t);
	struct canvas *c = canvas_new(width, rows + 3, 0);
	size_t total = timeline_rows(tl);
	size_t firsts[3] = {0, total / 2, total > (size_t)rows ? total - (size_t)rows : 0};
	const char *names[3] = {"page at the top", "page in the middle", "page at the end"};
	for (int p = 0; p < 3; p++) {
		for (int k = 0; k < REPEAT; k++) {
			canvas_clear(c);
			double s = now();
			timeline_ruler(tl, c, 0);
			timeline_page(tl, c, 2, rows, firsts[p], (long)firsts[p] + 1);
			times[k] = now() - s;
		}
		report(names[p], times, REPEAT);
	}
	for (int k = 0; k < REPEAT; k++) {
		double s = now();
		timeline_set_collapsed(tl, "r000000000000000", k % 2 == 0);
		timeline_rows(tl);
		times[k] = now() - s;
	}
	report("collapse/expand the root + rows", times, REPEAT);
	canvas_free(c);
	timeline_free(tl);
	trace_free(t);
	return 0;
}
