/* analytics_bench: how long the analytics group-by takes on a large store.
 *
 * Loads FILE (any file `xrtop --load` reads; bench/analytics-bench.sh makes
 * 100,000 demo traces with data/gen-demo.py) into a store exactly as xrtop
 * does, then measures, in-process, the median and worst of RUNS runs of:
 *   analytics_build() for several keys over every trace (what the TUI does
 *   when the key, the filter or the data change),
 *   a re-filter (filter_eval_store) followed by analytics_build() on the
 *   matches,
 *   analytics_render() of the whole picture into a 120-column canvas.
 *
 * Each line gives the median and worst wall-clock time and the median CPU
 * time of the process (every thread): on a busy machine the wall clock
 * includes waiting for a CPU.  XRTOP_THREADS=1 measures one thread.
 *
 * Usage: analytics_bench FILE [RUNS] */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter/filter.h"
#include "model/store.h"
#include "source/file.h"
#include "util/xmalloc.h"
#include "view/analytics.h"
#include "view/canvas.h"

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the whole process (every thread). */
static double
cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Prints the median and worst wall-clock times and the median CPU time. */
static void
report(const char *what, double *times, double *cpus, int runs, size_t traces, size_t groups)
{
	qsort(times, (size_t)runs, sizeof *times, cmp_double);
	qsort(cpus, (size_t)runs, sizeof *cpus, cmp_double);
	printf("%-52s %6zu traces %4zu groups  median %6.2f ms  max %6.2f ms  cpu %6.2f ms\n", what,
	       traces, groups, times[runs / 2] * 1e3, times[runs - 1] * 1e3, cpus[runs / 2] * 1e3);
}

int
main(int argc, char **argv)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	if (argc < 2) {
		fprintf(stderr, "usage: analytics_bench FILE [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 21;
	if (runs < 1)
		runs = 1;
	struct xr_store *store = store_new();
	struct xr_warnings w = {0};
	struct load_stats st = {0};
	struct xr_err err = {0};
	double t0 = now();
	if (file_load(argv[1], store, &w, &st, &err) < 0) {
		fprintf(stderr, "analytics_bench: %s\n", err.msg);
		return 1;
	}
	warn_free(&w);
	size_t n = store_count(store);
	printf("loaded %zu traces from %s in %.2f s\n", n, argv[1], now() - t0);
	const struct xr_summary **sums = xmalloc((n ? n : 1) * sizeof *sums);
	for (size_t i = 0; i < n; i++)
		sums[i] = store_entry_summary(store_entry(store, i));

	static const char *const keys[] = {
	    "annotation.restaurantName", "http.status", "http.method", "user", "service",
	    "rootcause.responsetime",    "http.url"};
	double *times = xmalloc((size_t)runs * sizeof *times);
	double *cpus = xmalloc((size_t)runs * sizeof *cpus);
	struct analytics *a = analytics_new();
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		for (int r = 0; r < runs; r++) {
			double s = now(), c = cpu();
			if (analytics_build(a, keys[k], sums, n, &err) < 0) {
				fprintf(stderr, "analytics_bench: %s\n", err.msg);
				return 1;
			}
			times[r] = now() - s;
			cpus[r] = cpu() - c;
			cpus[r] = cpu() - c;
		}
		char what[128];
		snprintf(what, sizeof what, "analytics_build --group-by %s", keys[k]);
		report(what, times, cpus, runs, n, analytics_n_groups(a));
	}

	/* The TUI's path when the filter changes: re-filter, then group. */
	const char *expr = "http.method = \"POST\"";
	struct xr_filter_error fe;
	struct xr_filter *f = filter_compile(expr, NULL, NULL, &fe);
	if (!f) {
		fprintf(stderr, "analytics_bench: %s: %s\n", expr, fe.message);
		return 1;
	}
	enum filter_verdict *v = xmalloc((n ? n : 1) * sizeof *v);
	const struct xr_summary **kept = xmalloc((n ? n : 1) * sizeof *kept);
	size_t m = 0;
	for (int r = 0; r < runs; r++) {
		double s = now(), c = cpu();
		filter_eval_store(f, store, v);
		m = 0;
		for (size_t i = 0; i < n; i++)
			if (v[i] == FILTER_MATCH)
				kept[m++] = sums[i];
		analytics_build(a, "annotation.restaurantName", kept, m, &err);
		times[r] = now() - s;
		cpus[r] = cpu() - c;
	}
	report("filter http.method = \"POST\", then group by restaurant", times, cpus, runs, m,
	       analytics_n_groups(a));

	analytics_build(a, "annotation.restaurantName", sums, n, &err);
	struct canvas *cv = canvas_new(120, analytics_height(a), 0);
	for (int r = 0; r < runs; r++) {
		double s = now(), c = cpu();
		canvas_clear(cv);
		analytics_render(a, cv, 0, 0);
		times[r] = now() - s;
		cpus[r] = cpu() - c;
	}
	report("analytics_render, 120 columns, every group", times, cpus, runs, n,
	       analytics_n_groups(a));

	canvas_free(cv);
	filter_free(f);
	free(v);
	free(kept);
	free(times);
	free(cpus);
	free(sums);
	analytics_free(a);
	store_free(store);
	return 0;
}
