/* tracelist_bench: how long the trace list (view/tracelist.h) takes to
 * build, sort and filter over a loaded file, without the screens: the part
 * of a key press on the traces screen that grows with the number of traces.
 * Loads FILE through the file loader exactly as `xrtop --load` does, then
 * times R runs (default 20) of
 *   build       tracelist_build() of every entry, sorted by responsetime
 *   sort KEY    tracelist_sort() of that list by each key in turn
 *   reverse     tracelist_reverse()
 *   filter      filter_eval_store() of EXPR (default `responsetime > 2`)
 *               and tracelist_build() of what matched
 * then the same through a tracelist_index (as the screens do: the first
 * sort by each key computes its order of the whole store; the filter is
 * evaluated over the index's copies of the summaries, in store order, on
 * one thread), and
 * filter_eval_store() alone for comparison,
 * and prints the minimum and median in milliseconds.  bench/tui-keys.py
 * measures the same through the screens.
 *
 * Usage: tracelist_bench FILE [R [EXPR]] */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "model/store.h"
#include "source/file.h"
#include "util/timefmt.h"
#include "util/warn.h"
#include "util/xmalloc.h"
#include "view/tracelist.h"

static int
cmp_ms(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *ms, int runs)
{
	qsort(ms, (size_t)runs, sizeof *ms, cmp_ms);
	printf("%-22s %8.2f %8.2f\n", what, ms[0], ms[runs / 2]);
}

static bool
keep_verdict(void *ctx, size_t i, const struct xr_store_entry *e)
{
	(void)e;
	return ((const enum filter_verdict *)ctx)[i] == FILTER_MATCH;
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc < 2) {
		fprintf(stderr, "usage: tracelist_bench FILE [RUNS [EXPR]]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 20;
	const char *expr = argc > 3 ? argv[3] : "responsetime > 2";
	if (runs < 1)
		runs = 1;
	struct xr_store *store = store_new();
	struct xr_warnings w = {0};
	struct load_stats stats = {0};
	struct xr_err err = {0};
	double t0 = timefmt_monotonic();
	if (file_load(argv[1], store, &w, &stats, &err) < 0) {
		fprintf(stderr, "tracelist_bench: %s\n", err.msg);
		return 1;
	}
	printf("%zu entries loaded in %.1f s; %d runs; milliseconds min / median\n",
	       store_count(store), timefmt_monotonic() - t0, runs);
	struct xr_filter_error fe;
	struct xr_filter *f = filter_compile(expr, NULL, NULL, &fe);
	if (!f) {
		fprintf(stderr, "tracelist_bench: %s: column %zu: %s\n", expr, fe.column,
		        fe.message);
		return 1;
	}
	double *ms = xmalloc((size_t)runs * sizeof *ms);
	struct tracelist tl;
	for (int r = 0; r < runs; r++) {
		double a = timefmt_monotonic();
		tracelist_build(&tl, store, NULL, NULL, SORT_RESPONSETIME);
		ms[r] = (timefmt_monotonic() - a) * 1e3;
		if (r + 1 < runs)
			tracelist_free(&tl);
	}
	report("build", ms, runs);
	static const struct {
		enum sort_key key;
		const char *name;
	} keys[] = {
	    {SORT_START, "sort start"},       {SORT_ID, "sort id"},
	    {SORT_METHOD, "sort method"},     {SORT_URL, "sort url"},
	    {SORT_STATUS, "sort status"},     {SORT_RESPONSETIME, "sort responsetime"},
	    {SORT_DURATION, "sort duration"}, {SORT_SERVICE, "sort service"},
	};
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		for (int r = 0; r < runs; r++) {
			tracelist_sort(&tl, SORT_RESPONSETIME, false);
			double a = timefmt_monotonic();
			tracelist_sort(&tl, keys[k].key, false);
			ms[r] = (timefmt_monotonic() - a) * 1e3;
		}
		report(keys[k].name, ms, runs);
	}
	for (int r = 0; r < runs; r++) {
		double a = timefmt_monotonic();
		tracelist_reverse(&tl);
		ms[r] = (timefmt_monotonic() - a) * 1e3;
	}
	report("reverse", ms, runs);
	tracelist_free(&tl);
	enum filter_verdict *v = xmalloc((store_count(store) + 1) * sizeof *v);
	size_t matched = 0;
	for (int r = 0; r < runs; r++) {
		double a = timefmt_monotonic();
		filter_eval_store(f, store, v);
		tracelist_build(&tl, store, keep_verdict, v, SORT_RESPONSETIME);
		ms[r] = (timefmt_monotonic() - a) * 1e3;
		matched = tl.n_rows;
		tracelist_free(&tl);
	}
	char what[64];
	snprintf(what, sizeof what, "filter (%zu rows)", matched);
	report(what, ms, runs);

	/* the same through an index of the store, as the screens do */
	struct tracelist_index *x = tracelist_index_new();
	double a = timefmt_monotonic();
	tracelist_build_indexed(&tl, x, store, NULL, NULL, SORT_RESPONSETIME);
	printf("%-22s %8.2f\n", "index: first build", (timefmt_monotonic() - a) * 1e3);
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		a = timefmt_monotonic();
		tracelist_sort(&tl, keys[k].key, false);
		double first = (timefmt_monotonic() - a) * 1e3;
		for (int r = 0; r < runs; r++) {
			tracelist_sort(&tl, SORT_RESPONSETIME, false);
			a = timefmt_monotonic();
			tracelist_sort(&tl, keys[k].key, false);
			ms[r] = (timefmt_monotonic() - a) * 1e3;
		}
		snprintf(what, sizeof what, "index: %s", keys[k].name);
		qsort(ms, (size_t)runs, sizeof *ms, cmp_ms);
		printf("%-22s %8.2f %8.2f  (first %.2f)\n", what, ms[0], ms[runs / 2], first);
	}
	tracelist_free(&tl);
	for (int r = 0; r < runs; r++) {
		a = timefmt_monotonic();
		/* as session_list_indexed() does, on one thread */
		const struct tracelist_row *rows = tracelist_index_rows(x);
		const struct xr_summary *sums = tracelist_index_summaries(x);
		const struct xr_trace *const *traces = tracelist_index_traces(x);
		for (size_t i = 0; i < store_count(store); i++)
			v[i] =
			    rows[i].summary ? filter_eval(f, &sums[i], traces[i]) : FILTER_NO_MATCH;
		tracelist_build_indexed(&tl, x, store, keep_verdict, v, SORT_RESPONSETIME);
		ms[r] = (timefmt_monotonic() - a) * 1e3;
		tracelist_free(&tl);
	}
	report("index: filter", ms, runs);
	for (int r = 0; r < runs; r++) {
		a = timefmt_monotonic();
		filter_eval_store(f, store, v);
		ms[r] = (timefmt_monotonic() - a) * 1e3;
	}
	report("filter_eval_store", ms, runs);
	tracelist_index_free(x);
	free(v);
	free(ms);
	filter_free(f);
	warn_free(&w);
	store_free(store);
	return 0;
}
