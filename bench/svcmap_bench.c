/* svcmap_bench: how long the service map takes to compute and to draw.
 *
 * Loads FILE into a store exactly as `xrtop --load` does, then measures,
 * in-process, RUNS times each (minimum and median reported):
 *   svcmap_build()  the map of every full trace in the store, read from
 *                   the traces (what `xrtop -b --view map` computes);
 *   svcmap_index_update() once, then svcmap_build_indexed(): the same map
 *                   from the compact index (what a screen that rebuilds
 *                   the map for each filter computes);
 *   mapview_new() + mapview_draw()  its layout and picture at 120 columns.
 *
 * Usage: svcmap_bench FILE [RUNS] */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/store.h"
#include "model/svcmap.h"
#include "source/file.h"
#include "util/timefmt.h"
#include "util/utf8.h"
#include "view/canvas.h"
#include "view/mapview.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *t, int runs)
{
	qsort(t, (size_t)runs, sizeof *t, cmp_double);
	printf("%-34s min %8.2f ms   median %8.2f ms\n", what, t[0] * 1e3, t[runs / 2] * 1e3);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: svcmap_bench FILE [RUNS]\n");
		return 2;
	}
	setlocale(LC_ALL, "C.UTF-8");
	utf8_set_locale_is_utf8(true);
	int runs = argc > 2 ? atoi(argv[2]) : 10;
	if (runs < 1)
		runs = 1;
	struct xr_store *s = store_new();
	struct xr_warnings w = {0};
	struct load_stats st = {0};
	struct xr_err err = {0};
	double t0 = timefmt_monotonic();
	if (file_load(argv[1], s, &w, &st, &err) < 0) {
		fprintf(stderr, "svcmap_bench: %s\n", err.msg);
		return 1;
	}
	printf("loaded %zu traces from %s in %.2f s\n", st.traces, argv[1],
	       timefmt_monotonic() - t0);
	warn_free(&w);

	double *times = calloc((size_t)runs, sizeof *times);
	struct svcmap *m = NULL;
	for (int r = 0; r < runs; r++) {
		svcmap_free(m);
		t0 = timefmt_monotonic();
		m = svcmap_build(s, NULL, NULL, NULL);
		times[r] = timefmt_monotonic() - t0;
	}
	printf("map: %zu traces, %zu nodes, %zu edges\n", m->n_traces, m->n_nodes, m->n_edges);
	report("svcmap_build (from the traces)", times, runs);
	struct svcmap_index *ix = svcmap_index_new();
	t0 = timefmt_monotonic();
	svcmap_index_update(ix, s);
	printf("%-34s %8.2f ms (once, as traces arrive)\n", "svcmap_index_update (copy tallies)",
	       (timefmt_monotonic() - t0) * 1e3);
	for (int r = 0; r < runs; r++) {
		svcmap_free(m);
		t0 = timefmt_monotonic();
		m = svcmap_build_indexed(ix, s, NULL, NULL, NULL);
		times[r] = timefmt_monotonic() - t0;
	}
	report("svcmap_build_indexed (the index)", times, runs);
	svcmap_index_free(ix);
	for (int r = 0; r < runs; r++) {
		t0 = timefmt_monotonic();
		struct mapview *v = mapview_new(m, 120, 0);
		int mw, mh;
		mapview_size(v, &mw, &mh);
		struct canvas *c = canvas_new(120, mh, 0);
		struct mapview_viewport vp = {.focus = -1};
		mapview_draw(v, c, &vp);
		canvas_free(c);
		mapview_free(v);
		times[r] = timefmt_monotonic() - t0;
	}
	report("mapview_new + draw at 120 columns", times, runs);
	svcmap_free(m);
	free(times);
	store_free(s);
	return 0;
}
