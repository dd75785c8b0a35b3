/* analytics_test: response-time statistics (model/stats.h) and the
 * analytics view (view/analytics.h): percentiles, histogram buckets, the
 * group-by table, sorting, each group's filter expression compiled and
 * evaluated (hand-made summaries and the demo's full traces), and the
 * rendering into a canvas. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "model/stats.h"
#include "model/store.h"
#include "source/demo.h"
#include "source/file.h"
#include "tap.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "view/analytics.h"
#include "view/canvas.h"

/* ---- stats ---- */

static void
test_percentiles(void)
{
	double v[] = {5, 1, NAN, 4, 2, INFINITY, 3};
	size_t n = stats_sort(v, sizeof v / sizeof *v);
	is_int(n, 5, "stats_sort: NaN and infinities are left out");
	ok(v[0] == 1 && v[4] == 5, "stats_sort: ascending");
	is_num(stats_percentile(v, n, 50), 3, "p50 of 1..5 is rank ceil(2.5) = 3");
	is_num(stats_percentile(v, n, 90), 5, "p90 of 1..5 is rank ceil(4.5) = 5");
	is_num(stats_percentile(v, n, 20), 1, "p20 of 1..5 is rank 1");
	is_num(stats_percentile(v, n, 21), 2, "p21 of 1..5 is rank ceil(1.05) = 2");
	double ten[10];
	for (int i = 0; i < 10; i++)
		ten[i] = i + 1;
	is_num(stats_percentile(ten, 10, 90), 9, "p90 of 1..10 is 9 (no rounding up past it)");
	is_num(stats_percentile(ten, 10, 99), 10, "p99 of 1..10 is 10");
	double hundred[100];
	for (int i = 0; i < 100; i++)
		hundred[i] = i + 1;
	is_num(stats_percentile(hundred, 100, 50), 50, "p50 of 1..100");
	is_num(stats_percentile(hundred, 100, 99), 99, "p99 of 1..100");
	is_num(stats_percentile(hundred, 100, 100), 100, "p100 is the maximum");
	ok(isnan(stats_percentile(hundred, 0, 50)), "no values: NaN");
	is_num(stats_percentile(hundred, 1, 99), 1, "one value: every percentile is it");

	struct stats_values s = {0};
	for (int i = 0; i < 1000; i++)
		stats_values_add(&s, (double)(1000 - i));
	is_int(stats_sort(s.v, s.n), 1000, "stats_values: 1000 values");
	is_num(stats_percentile(s.v, s.n, 99), 990, "p99 of 1..1000");
	stats_values_free(&s);
	stats_values_free(&s);
}

static void
check_histogram_invariants(const struct stats_histogram *h, const double *v, size_t n, size_t max,
                           const char *what)
{
	size_t total = 0;
	bool ascending = true, agree = true;
	size_t *recount = xcalloc(h->n_buckets ? h->n_buckets : 1, sizeof *recount);
	for (size_t i = 0; i < h->n_buckets; i++) {
		total += h->counts[i];
		ascending = ascending && h->edges[i] < h->edges[i + 1];
	}
	for (size_t i = 0; i < n; i++) {
		long b = stats_histogram_bucket(h, v[i]);
		if (b < 0)
			agree = false;
		else
			recount[b]++;
	}
	for (size_t i = 0; i < h->n_buckets; i++)
		agree = agree && recount[i] == h->counts[i];
	free(recount);
	ok(h->n_buckets >= 1 && h->n_buckets <= max, "%s: 1..%zu buckets (%zu)", what, max,
	   h->n_buckets);
	is_int(total, n, "%s: every value counted once", what);
	ok(ascending, "%s: edges ascend", what);
	ok(agree, "%s: stats_histogram_bucket() agrees with the counts", what);
}

static void
test_histogram(void)
{
	struct stats_histogram h;
	double log_v[] = {0.009, 0.015, 0.016, 0.016, 1.2, 3.5};
	stats_histogram_build(&h, log_v, 6, 12);
	ok(h.log, "ms to seconds: log-spaced buckets");
	is_int(h.n_buckets, 9, "1-2-5 ladder from 5ms to 5s (the finer one needs 17)");
	is_num(h.edges[0], 0.005, "first edge 5ms");
	is_num(h.edges[1], 0.01, "then 10ms");
	is_num(h.edges[9], 5, "last edge 5s");
	is_int(h.counts[0], 1, "9ms in 5-10ms");
	is_int(h.counts[1], 3, "15ms, 16ms, 16ms in 10-20ms");
	is_int(h.counts[7], 1, "1.2s in 1-2s");
	is_int(h.counts[8], 1, "3.5s in 2-5s");
	check_histogram_invariants(&h, log_v, 6, 12, "log");
	stats_histogram_free(&h);

	stats_histogram_build(&h, log_v, 6, 20);
	is_int(h.n_buckets, 17, "20 buckets allowed: the 1-1.5-2-3-5-7 ladder");
	is_num(h.edges[0], 0.007, "... from 7ms");
	check_histogram_invariants(&h, log_v, 6, 20, "fine log");
	stats_histogram_free(&h);

	stats_histogram_build(&h, log_v, 6, 4);
	is_int(h.n_buckets, 4, "4 buckets allowed: one per decade");
	is_num(h.edges[0], 0.001, "... 1ms");
	is_num(h.edges[4], 10, "... to 10s");
	check_histogram_invariants(&h, log_v, 6, 4, "decades");
	stats_histogram_free(&h);

	stats_histogram_build(&h, log_v, 6, 3);
	is_int(h.n_buckets, 3, "3 buckets allowed: every second decade");
	is_num(h.edges[0], 0.0001, "... 100us");
	is_num(h.edges[3], 100, "... to 100s");
	check_histogram_invariants(&h, log_v, 6, 3, "two decades");
	stats_histogram_free(&h);

	double lin[10];
	for (int i = 0; i < 10; i++)
		lin[i] = 10 + i;
	stats_histogram_build(&h, lin, 10, 12);
	ok(!h.log, "10..19: linear buckets");
	is_int(h.n_buckets, 10, "width 1 from 10");
	is_num(h.edges[0], 10, "starts at 10");
	is_num(h.edges[10], 20, "ends at 20");
	check_histogram_invariants(&h, lin, 10, 12, "linear");
	stats_histogram_free(&h);

	stats_histogram_build(&h, lin, 10, 4);
	is_int(h.n_buckets, 2, "at most 4: width 2 needs 5, so width 5: two buckets");
	is_num(h.edges[2], 20, "... 10 to 20");
	stats_histogram_free(&h);

	double tenths[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7};
	stats_histogram_build(&h, tenths, 7, 7);
	is_num(h.edges[3], 0.4, "decimal edges are exact (0.4, not 0.30000000000000004 + 0.1)");
	check_histogram_invariants(&h, tenths, 7, 7, "tenths");
	stats_histogram_free(&h);

	double same[] = {2, 2, 2};
	stats_histogram_build(&h, same, 3, 12);
	is_int(h.n_buckets, 1, "equal values: one bucket");
	check_histogram_invariants(&h, same, 3, 12, "equal values");
	stats_histogram_free(&h);

	double zeros[] = {0, 0, 0.01, 1};
	stats_histogram_build(&h, zeros, 4, 12);
	ok(h.log && h.edges[0] == 0, "zeros with a wide range: log buckets from 0");
	check_histogram_invariants(&h, zeros, 4, 12, "zeros");
	stats_histogram_free(&h);

	double neg[] = {-3, -1, 0, 2, 7};
	stats_histogram_build(&h, neg, 5, 12);
	ok(!h.log, "negative values: linear");
	check_histogram_invariants(&h, neg, 5, 12, "negative");
	stats_histogram_free(&h);

	double extreme[] = {1e-300, 1e300};
	stats_histogram_build(&h, extreme, 2, 12);
	check_histogram_invariants(&h, extreme, 2, 12, "600 decades");
	stats_histogram_free(&h);

	stats_histogram_build(&h, NULL, 0, 12);
	is_int(h.n_buckets, 0, "no values: no buckets");
	is_int(stats_histogram_bucket(&h, 1), -1, "... and no bucket for anything");
	stats_histogram_free(&h);

	/* Random data: the invariants hold for every size and spread. */
	unsigned long long r = 88172645463325252ull;
	for (int round = 0; round < 200; round++) {
		size_t n = 1 + round % 37;
		double *v = xmalloc(n * sizeof *v);
		for (size_t i = 0; i < n; i++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			double u = (double)(r >> 11) / 9007199254740992.0;
			v[i] = round % 3 == 0   ? u * 100
			       : round % 3 == 1 ? pow(10, u * 6 - 4)
			                        : u - 0.5;
		}
		stats_sort(v, n);
		size_t max = 1 + (size_t)round % 16;
		stats_histogram_build(&h, v, n, max);
		size_t total = 0;
		bool agree = h.n_buckets >= 1 && h.n_buckets <= max;
		for (size_t i = 0; i < h.n_buckets; i++)
			total += h.counts[i];
		for (size_t i = 0; i < n; i++)
			agree = agree && stats_histogram_bucket(&h, v[i]) >= 0;
		if (!agree || total != n) {
			ok(0, "random round %d: %zu values, %zu buckets of at most %zu", round, n,
			   h.n_buckets, max);
			free(v);
			stats_histogram_free(&h);
			break;
		}
		stats_histogram_free(&h);
		free(v);
		if (round == 199)
			ok(1,
			   "200 random data sets: bucket counts add up, every value has a bucket");
	}
}

/* ---- hand-made summaries ---- */

static const char summaries_json[] =
    "{\"TraceSummaries\":["
    /* 0: two restaurants, a 400 GET by alice, fault root cause X */
    "{\"Id\":\"1-5f000000-000000000000000000000001\",\"ResponseTime\":0.1,\"Duration\":0.1,"
    "\"HasError\":true,\"HasFault\":false,\"HasThrottle\":false,"
    "\"Http\":{\"HttpStatus\":400,\"HttpMethod\":\"GET\",\"HttpURL\":\"https://x/a\"},"
    "\"Annotations\":{\"restaurantName\":["
    "{\"AnnotationValue\":{\"StringValue\":\"강남 맛집\"}},"
    "{\"AnnotationValue\":{\"StringValue\":\"부산 횟집\"}},"
    "{\"AnnotationValue\":{\"StringValue\":\"강남 맛집\"}}]},"
    "\"Users\":[{\"UserName\":\"alice\"}],"
    "\"ServiceIds\":[{\"Name\":\"api\",\"Type\":\"AWS::ApiGateway::Stage\"},"
    "{\"Name\":\"fn\",\"Type\":\"AWS::Lambda\"},{\"Name\":\"fn\",\"Type\":\"AWS::Lambda::"
    "Function\"}],"
    "\"FaultRootCauses\":[{\"Services\":[{\"Name\":\"X\",\"Type\":\"remote\"}]}]},"
    /* 1: a 502 POST by alice and bob, root causes X and Y */
    "{\"Id\":\"1-5f000000-000000000000000000000002\",\"ResponseTime\":0.2,\"Duration\":0.2,"
    "\"HasError\":false,\"HasFault\":true,\"HasThrottle\":false,"
    "\"Http\":{\"HttpStatus\":502,\"HttpMethod\":\"POST\"},"
    "\"Annotations\":{\"restaurantName\":[{\"AnnotationValue\":{\"StringValue\":\"강남 맛집\"}}]},"
    "\"Users\":[{\"UserName\":\"alice\"},{\"UserName\":\"bob\"}],"
    "\"ServiceIds\":[{\"Name\":\"api\",\"Type\":\"AWS::ApiGateway::Stage\"}],"
    "\"FaultRootCauses\":[{\"Services\":[{\"Name\":\"X\"}]},{\"Services\":[{\"Name\":\"Y\"}]}]},"
    /* 2: in progress: no response time, status, annotation, user */
    "{\"Id\":\"1-5f000000-000000000000000000000003\",\"Duration\":0.5,"
    "\"HasError\":false,\"HasFault\":false,\"HasThrottle\":false,\"IsPartial\":true},"
    /* 3: hostile text, throttled 200 */
    "{\"Id\":\"1-5f000000-000000000000000000000004\",\"ResponseTime\":1.0,\"Duration\":1.0,"
    "\"HasError\":false,\"HasFault\":false,\"HasThrottle\":true,"
    "\"Http\":{\"HttpStatus\":200,\"HttpMethod\":\"GET\"},"
    "\"Annotations\":{\"restaurantName\":[{\"AnnotationValue\":{\"StringValue\":"
    "\"q\\\"uote \\\\back \\u001b[31mred\\u001b[0m\\nnl\"}}],"
    "\"odd.key\":[{\"AnnotationValue\":{\"StringValue\":\"v\"}}]},"
    "\"Users\":[{\"UserName\":\"\\u001b]0;pwn\\u0007\"}],"
    "\"ServiceIds\":[{\"Name\":\"svc \\\"quoted\\\"\"}]},"
    /* 4: a number and a boolean under the same key */
    "{\"Id\":\"1-5f000000-000000000000000000000005\",\"ResponseTime\":0.3,\"Duration\":0.3,"
    "\"HasError\":false,\"HasFault\":false,\"HasThrottle\":false,"
    "\"Annotations\":{\"restaurantName\":[{\"AnnotationValue\":{\"NumberValue\":42}},"
    "{\"AnnotationValue\":{\"BooleanValue\":false}}]}},"
    "{\"Id\":\"1-5f000000-000000000000000000000006\",\"ResponseTime\":0.4,\"Duration\":0.4,"
    "\"HasError\":false,\"HasFault\":false,\"HasThrottle\":false,"
    "\"Annotations\":{\"restaurantName\":[{\"AnnotationValue\":{\"NumberValue\":1.5e-7}},"
    "{\"AnnotationValue\":{\"BooleanValue\":true}}]}}"
    "]}";

#define N_HAND 6

static struct xr_store *
hand_store(const struct xr_summary **sums)
{
	struct xr_store *store = store_new();
	struct xr_warnings w = {0};
	struct load_stats st = {0};
	struct xr_err err = {0};
	int rc = file_load_buffer("summaries", summaries_json, strlen(summaries_json), store, &w,
	                          &st, &err);
	if (rc < 0 || st.skipped || store_count(store) != N_HAND) {
		printf("Bail out! hand-made summaries do not load: %s (%zu)\n", err.msg,
		       store_count(store));
		exit(1);
	}
	warn_free(&w);
	for (size_t i = 0; i < N_HAND; i++)
		sums[i] = store_entry_summary(store_entry(store, i));
	return store;
}

/* The index of the group whose text is `text`, or -1. */
static long
find_group(const struct analytics *a, const char *text)
{
	for (size_t i = 0; i < analytics_n_groups(a); i++) {
		struct buf b = BUF_INIT;
		analytics_group_text(a, i, &b);
		bool same = strcmp(b.data ? b.data : "", text) == 0;
		buf_free(&b);
		if (same)
			return (long)i;
	}
	return -1;
}

static char *
group_filter(const struct analytics *a, size_t i)
{
	struct buf b = BUF_INIT;
	analytics_group_filter(a, i, &b);
	return buf_steal(&b);
}

/* Every group's filter compiles and selects exactly count traces of the
 * store (full traces where loaded); returns the number of groups that
 * failed. */
static int
round_trip(const struct analytics *a, const struct xr_store *store, const char *what)
{
	int bad = 0;
	for (size_t i = 0; i < analytics_n_groups(a); i++) {
		const struct analytics_group *g = analytics_group(a, i);
		char *expr = group_filter(a, i);
		struct xr_filter_error e;
		struct xr_filter *f = filter_compile(expr, NULL, NULL, &e);
		if (!f) {
			ok(0, "%s: group %zu filter %s compiles: column %zu: %s", what, i, expr,
			   e.column, e.message);
			bad++;
			free(expr);
			continue;
		}
		size_t match = 0, unknown = 0;
		for (size_t k = 0; k < store_count(store); k++) {
			const struct xr_store_entry *en = store_entry(store, k);
			enum filter_verdict v = filter_eval(f, store_entry_summary(en), en->trace);
			match += v == FILTER_MATCH;
			unknown += v == FILTER_NEED_TRACE;
		}
		/* The normalised text selects the same traces. */
		struct buf norm = BUF_INIT;
		filter_normalize(f, &norm);
		struct xr_filter *f2 = filter_compile(norm.data, NULL, NULL, &e);
		size_t match2 = 0;
		for (size_t k = 0; f2 && k < store_count(store); k++) {
			const struct xr_store_entry *en = store_entry(store, k);
			match2 +=
			    filter_eval(f2, store_entry_summary(en), en->trace) == FILTER_MATCH;
		}
		/* A summary without ServiceIds leaves service() undecided
		 * (filter.h); such a trace is in "(none)" or not. */
		bool service = analytics_key_kind(a) == ANALYTICS_KEY_SERVICE;
		bool agree = service ? match <= g->count && g->count <= match + unknown
		                     : match == g->count && unknown == 0;
		if (!agree || !f2 || match2 != match) {
			ok(0,
			   "%s: %s selects %zu traces (%zu undecided, normalised %s: %zu), the "
			   "group has %zu",
			   what, expr, match, unknown, norm.data, match2, g->count);
			bad++;
		}
		buf_free(&norm);
		filter_free(f2);
		filter_free(f);
		free(expr);
	}
	return bad;
}

static void
test_group_by(void)
{
	const struct xr_summary *sums[N_HAND];
	struct xr_store *store = hand_store(sums);
	struct analytics *a = analytics_new();
	struct xr_err err = {0};

	is_int(analytics_build(a, "annotation.restaurantName", sums, N_HAND, &err), 0,
	       "build by annotation.restaurantName");
	is_str(analytics_key(a), "annotation.restaurantName", "canonical key");
	const struct analytics_dist *d = analytics_dist(a);
	is_int(d->traces, N_HAND, "all traces counted");
	is_int(d->timed, N_HAND - 1, "one without a response time");
	is_num(d->p50, 0.3, "overall p50 (nearest rank 3 of 0.1 0.2 0.3 0.4 1.0)");
	is_num(d->max, 1.0, "overall max");
	long g = find_group(a, "강남 맛집");
	ok(g >= 0, "group 강남 맛집");
	const struct analytics_group *gr = analytics_group(a, (size_t)g);
	is_int(gr->count, 2, "강남 맛집: twice in trace 0 but counted once, and trace 1");
	is_int(gr->errors, 1, "... one error");
	is_int(gr->faults, 1, "... one fault");
	is_num(gr->p50, 0.1, "... p50 is rank 1 of 0.1, 0.2");
	is_num(gr->p99, 0.2, "... p99 is rank 2");
	is_int(analytics_group(a, 0)->count, 2, "sorted by traces, most first");
	ok(find_group(a, "부산 횟집") >= 0, "trace 0's second value has its own group");
	ok(find_group(a, "42") >= 0 && find_group(a, "1.5e-07") >= 0, "number values are groups");
	ok(find_group(a, "true") >= 0 && find_group(a, "false") >= 0, "boolean values are groups");
	long none = find_group(a, "(none)");
	ok(none == (long)analytics_n_groups(a) - 1, "(none) sorts last");
	is_int(analytics_group(a, (size_t)none)->count, 1, "(none): the trace without the key");
	ok(isnan(analytics_group(a, (size_t)none)->p50), "(none) has no response time: NaN");
	char *expr = group_filter(a, (size_t)g);
	is_str(expr, "annotation.restaurantName = \"강남 맛집\"", "filter of 강남 맛집");
	free(expr);
	expr = group_filter(a, (size_t)none);
	is_str(expr, "!annotation.restaurantName AND !(annotation.restaurantName = false)",
	       "filter of (none) when a value is boolean");
	free(expr);
	long hostile = find_group(a, "q\"uote \\back \x1b[31mred\x1b[0m\nnl");
	ok(hostile >= 0, "the hostile value is one group, kept byte for byte");
	expr = group_filter(a, (size_t)hostile);
	is_str(expr, "annotation.restaurantName = \"q\\\"uote \\\\back \x1b[31mred\x1b[0m\nnl\"",
	       "quotes and backslashes escaped in its filter");
	free(expr);
	is_int(round_trip(a, store, "restaurantName"), 0,
	       "every restaurantName filter selects its group");

	/* Sorting. */
	analytics_sort(a, ANALYTICS_COL_GROUP, false);
	struct buf b = BUF_INIT;
	analytics_group_text(a, 0, &b);
	is_str(b.data, "1.5e-07", "by value: numbers first, ascending");
	buf_free(&b);
	analytics_sort(a, ANALYTICS_COL_P99, true);
	ok(analytics_group(a, 0)->p99 == 1.0, "by p99, descending: the slowest first");
	ok(analytics_group(a, analytics_n_groups(a) - 1)->none, "(none) still last");
	analytics_sort(a, ANALYTICS_COL_P99, false);
	ok(analytics_group(a, 0)->p99 == 0.1 || analytics_group(a, 0)->p99 == 0.2,
	   "by p99, ascending: the fastest first");
	analytics_sort(a, ANALYTICS_COL_ERROR, true);
	is_int(analytics_group(a, 0)->errors, 1, "by error rate");
	bool desc = false;
	is_int(analytics_sort_column(a, &desc), ANALYTICS_COL_ERROR, "sort column kept");
	ok(desc, "... and direction");
	is_int(analytics_build(a, "http.status", sums, N_HAND, &err), 0, "rebuild keeps the sort");
	is_int(analytics_sort_column(a, NULL), ANALYTICS_COL_ERROR, "... column");
	analytics_sort(a, ANALYTICS_COL_COUNT, true);

	/* The other keys. */
	static const struct {
		const char *key, *group, *filter;
		size_t count;
	} cases[] = {
	    {"http.status", "400", "http.status = 400", 1},
	    {"http.status", "(none)", "!(http.status != 0)", 3},
	    {"HTTP.Method", "GET", "http.method = \"GET\"", 2},
	    {"http.method", "(none)", "!http.method", 3},
	    {"http.url", "https://x/a", "http.url = \"https://x/a\"", 1},
	    {"service", "fn", "service(\"fn\")", 1},
	    {"service", "api", "service(\"api\")", 2},
	    {"service", "svc \"quoted\"", "service(\"svc \\\"quoted\\\"\")", 1},
	    {"service", "(none)", "!service()", 3},
	    {"user", "alice", "user = \"alice\"", 2},
	    {"user", "bob", "user = \"bob\"", 1},
	    {"user", "(none)", "!user", 3},
	    {"rootcause.fault", "X", "rootcause.fault.service { name = \"X\" }", 2},
	    {"rootcause.fault.service", "Y", "rootcause.fault.service { name = \"Y\" }", 1},
	    {"rootcause.fault", "(none)", "!rootcause.fault.service { first }", 4},
	    {"rootcause.error", "(none)", "!rootcause.error.service { first }", 6},
	    {"annotation[\"odd.key\"]", "v", "annotation[\"odd.key\"] = \"v\"", 1},
	    {"annotation.odd.key", "(none)", "!annotation[\"odd.key\"]", 5},
	    {"annotation[restaurantName]", "42", "annotation.restaurantName = 42", 1},
	    {"annotation.restaurantName", "1.5e-07", "annotation.restaurantName = 1.5e-07", 1},
	    {"annotation.restaurantName", "true", "annotation.restaurantName = true", 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (analytics_build(a, cases[i].key, sums, N_HAND, &err) < 0) {
			ok(0, "%s: %s", cases[i].key, err.msg);
			continue;
		}
		long k = find_group(a, cases[i].group);
		if (!ok(k >= 0, "%s: group %s", cases[i].key, cases[i].group))
			continue;
		is_int(analytics_group(a, (size_t)k)->count, cases[i].count, "%s %s: traces",
		       cases[i].key, cases[i].group);
		expr = group_filter(a, (size_t)k);
		is_str(expr, cases[i].filter, "%s %s: filter", cases[i].key, cases[i].group);
		free(expr);
		is_int(round_trip(a, store, cases[i].key), 0, "%s: every filter selects its group",
		       cases[i].key);
	}
	analytics_build(a, "service", sums, N_HAND, &err);
	size_t total = 0;
	for (size_t i = 0; i < analytics_n_groups(a); i++)
		total += analytics_group(a, i)->count;
	ok(total > N_HAND, "several services per trace: the groups add up to more than the traces");

	/* Bad keys. */
	static const char *const bad[] = {"foo",
	                                  "annotation.",
	                                  "annotation[]",
	                                  "annotation[a.b]",
	                                  "annotation[\"a]",
	                                  "annotation[\"a\\q\"]",
	                                  "http",
	                                  "rootcause",
	                                  ""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct xr_err e = {0};
		ok(analytics_key_check(bad[i], &e) < 0 && e.msg[0], "bad key '%s': %s", bad[i],
		   e.msg);
	}
	struct xr_err e = {0};
	analytics_key_check("http.stauts", &e);
	ok(strstr(e.msg, "did you mean 'http.status'") && strstr(e.msg, "rootcause.fault"),
	   "a misspelt key gets a suggestion and the list of forms");
	ok(analytics_build(a, "nope", sums, N_HAND, &e) < 0, "build refuses a bad key");
	is_int(analytics_key_check("annotation[\"a\\\"b\"]", &e), 0,
	       "annotation[\"a\\\"b\"] is fine");

	analytics_free(a);
	analytics_free(NULL);
	store_free(store);
}

static void
test_format_seconds(void)
{
	static const struct {
		double s;
		const char *want;
	} cases[] = {{0, "0"},           {0.0000005, "0.5us"}, {0.00085, "850us"},
	             {0.0009996, "1ms"}, {0.016407, "16.4ms"}, {0.1, "100ms"},
	             {0.9996, "1s"},     {1.06325, "1.06s"},   {12.34, "12.3s"},
	             {3600, "3600s"},    {NAN, "-"},           {-0.5, "-500ms"}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct buf b = BUF_INIT;
		analytics_format_seconds(cases[i].s, true, &b);
		is_str(b.data, cases[i].want, "%g seconds", cases[i].s);
		buf_free(&b);
	}
}

/* ---- rendering ---- */

static char *
text_of(const struct canvas *c)
{
	struct buf b = BUF_INIT;
	canvas_to_text(c, &b);
	return buf_steal(&b);
}

/* Shows a picture as TAP comments (when a check of it failed). */
static void
diag(const char *t)
{
	for (const char *p = t; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		printf("# %.*s\n", (int)n, p);
		p += n + (nl != NULL);
	}
}

static void
test_render(void)
{
	const struct xr_summary *sums[N_HAND];
	struct xr_store *store = hand_store(sums);
	struct analytics *a = analytics_new();
	struct xr_err err = {0};
	analytics_build(a, "annotation.restaurantName", sums, N_HAND, &err);
	int h = analytics_height(a);
	is_int(h, 2 + (int)analytics_dist(a)->hist.n_buckets + 1 + 3 + (int)analytics_n_groups(a),
	       "height: two title lines, buckets, blank, header, groups, rule, all traces");

	struct canvas *c = canvas_new(80, h, CANVAS_ASCII);
	int rows = analytics_render(a, c, 0, 1);
	is_int(rows, (int)analytics_n_groups(a), "every group fits");
	char *t = text_of(c);
	if (!ok(strstr(t, "6 traces from 2020-07-04 ") &&
	            strstr(t, " UTC (1 in progress)\nRESPONSE TIME "),
	        "title counts the traces and gives their time span"))
		diag(t);
	ok(strstr(t, "p50 300ms"), "title has the p50");
	if (!ok(strstr(t, "< p50 300ms") && strstr(t, "< p90 1s p99 1s"),
	        "percentiles marked in the histogram"))
		diag(t);
	ok(strstr(t, "#"), "ASCII bars");
	ok(strstr(t, "restaurantName") && strstr(t, "vTRACES"), "header with the sort marker");
	ok(!strchr(t, '\x1b') && !strchr(t, '\x07'), "no escape character reaches the text");
	ok(strstr(t, "all traces"), "the all-traces row");
	/* the selected row (group 1) is drawn in reverse */
	int header_y = -1;
	for (int y = 0; y < c->height && header_y < 0; y++) {
		struct buf row = BUF_INIT;
		canvas_row_text(c, y, true, &row);
		if (row.data && strstr(row.data, "TRACES"))
			header_y = y;
		buf_free(&row);
	}
	ok(header_y > 0, "the header row");
	ok(canvas_cell(c, 0, header_y + 2)->style & CANVAS_SELECTED &&
	       canvas_cell(c, 79, header_y + 2)->style & CANVAS_SELECTED,
	   "the selected group's row is highlighted across");
	ok(!(canvas_cell(c, 0, header_y + 1)->style & CANVAS_SELECTED), "the others are not");
	free(t);

	/* Korean names take two columns a character: every row is exactly the
	 * canvas wide, so the columns after the name line up. */
	canvas_free(c);
	c = canvas_new(80, h, 0);
	analytics_render(a, c, 0, -1);
	bool aligned = true;
	for (int y = 0; y < c->height; y++) {
		struct buf row = BUF_INIT;
		canvas_row_text(c, y, false, &row);
		aligned = aligned && utf8_width(row.data, row.len, 0) == 80;
		buf_free(&row);
	}
	ok(aligned, "every row is 80 display columns, Korean names included");
	t = text_of(c);
	ok(strstr(t, "강남 맛집"), "Korean group names as they are");
	if (!ok(strstr(t, "q\"uote \\back ^[[31mred"), "the escape sequence is shown escaped"))
		diag(t);
	free(t);

	/* A narrow canvas: columns give way so the names stay readable. */
	canvas_free(c);
	c = canvas_new(40, h, 0);
	analytics_render(a, c, 0, -1);
	t = text_of(c);
	if (!ok(strstr(t, "restaurantName    ▼TRACES ERROR%    P99\n") && strstr(t, " 강남 맛집  "),
	        "40 columns: traces, error rate and p99 beside 16 columns of name"))
		diag(t);
	free(t);

	/* A short canvas: the histogram shrinks (merged buckets), the table scrolls. */
	canvas_free(c);
	c = canvas_new(80, 12, 0);
	rows = analytics_render(a, c, 2, 3);
	ok(rows >= 1 && rows <= (int)analytics_n_groups(a) - 2, "a short canvas shows %d rows",
	   rows);
	t = text_of(c);
	ok(strstr(t, "p50"), "... still marks p50");
	free(t);
	canvas_free(c);

	/* Nothing to show. */
	analytics_build(a, "user", sums, 0, &err);
	c = canvas_new(40, analytics_height(a), 0);
	analytics_render(a, c, 0, -1);
	t = text_of(c);
	is_str(t, "No traces to analyse.\n", "no traces");
	free(t);
	canvas_free(c);
	analytics_free(a);
	store_free(store);
}

/* Many traces are counted on several threads: the result is the one of a
 * single thread. */
static void
test_workers(void)
{
	const struct xr_summary *hand[N_HAND];
	struct xr_store *store = hand_store(hand);
	enum { COPIES = 40000 };
	size_t n = (size_t)N_HAND * COPIES;
	const struct xr_summary **sums = xmalloc(n * sizeof *sums);
	for (size_t i = 0; i < n; i++)
		sums[i] = hand[(i * 7) % N_HAND]; /* interleaved: every share sees every kind */
	static const char *const keys[] = {"annotation.restaurantName", "user", "http.status",
	                                   "rootcause.fault"};
	struct xr_err err = {0};
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		struct analytics *one = analytics_new(), *many = analytics_new();
		setenv("XRTOP_THREADS", "1", 1);
		analytics_build(one, keys[k], sums, n, &err);
		setenv("XRTOP_THREADS", "4", 1);
		analytics_build(many, keys[k], sums, n, &err);
		unsetenv("XRTOP_THREADS");
		bool same = analytics_n_groups(one) == analytics_n_groups(many);
		for (size_t i = 0; same && i < analytics_n_groups(one); i++) {
			const struct analytics_group *x = analytics_group(one, i),
			                             *y = analytics_group(many, i);
			struct buf bx = BUF_INIT, by = BUF_INIT;
			analytics_group_text(one, i, &bx);
			analytics_group_text(many, i, &by);
			same = strcmp(bx.data, by.data) == 0 && x->count == y->count &&
			       x->errors == y->errors && x->faults == y->faults &&
			       x->throttles == y->throttles && x->timed == y->timed &&
			       (x->p50 == y->p50 || (isnan(x->p50) && isnan(y->p50))) &&
			       (x->p99 == y->p99 || (isnan(x->p99) && isnan(y->p99)));
			buf_free(&bx);
			buf_free(&by);
		}
		const struct analytics_dist *dx = analytics_dist(one), *dy = analytics_dist(many);
		same = same && dx->timed == dy->timed && dx->p50 == dy->p50 && dx->p99 == dy->p99 &&
		       dx->min == dy->min && dx->max == dy->max && dx->first == dy->first &&
		       dx->hist.n_buckets == dy->hist.n_buckets;
		for (size_t b = 0; same && b < dx->hist.n_buckets; b++)
			same = dx->hist.counts[b] == dy->hist.counts[b];
		ok(same, "%s over %zu traces: 4 threads give what one gives", keys[k], n);
		if (k == 0) {
			long g = find_group(many, "강남 맛집");
			ok(g >= 0 && analytics_group(many, (size_t)g)->count == 2 * COPIES,
			   "... 강남 맛집 counted in every copy of its two traces");
			is_int(dy->timed, (N_HAND - 1) * COPIES, "... every response time");
		}
		analytics_free(one);
		analytics_free(many);
	}
	free(sums);
	store_free(store);
}

/* ---- the demo: full traces ---- */

static void
test_demo(void)
{
	char path[4096];
	struct xr_err err = {0};
	if (demo_path(path, sizeof path, &err) < 0) {
		ok(0, "demo data: %s", err.msg);
		return;
	}
	struct xr_store *store = store_new();
	struct xr_warnings w = {0};
	struct load_stats st = {0};
	file_load(path, store, &w, &st, &err);
	warn_free(&w);
	size_t n = store_count(store);
	is_int(n, 300, "the demo has 300 traces");
	const struct xr_summary **sums = xmalloc(n * sizeof *sums);
	for (size_t i = 0; i < n; i++)
		sums[i] = store_entry_summary(store_entry(store, i));
	static const char *const keys[] = {"annotation.restaurantName",
	                                   "annotation.status",
	                                   "annotation.partySize",
	                                   "annotation.coldStart",
	                                   "annotation.operation",
	                                   "http.status",
	                                   "http.method",
	                                   "http.url",
	                                   "service",
	                                   "user",
	                                   "rootcause.fault",
	                                   "rootcause.error",
	                                   "rootcause.responsetime"};
	struct analytics *a = analytics_new();
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		analytics_build(a, keys[k], sums, n, &err);
		is_int(round_trip(a, store, keys[k]), 0,
		       "demo, %s: each of %zu groups' filters selects exactly its traces", keys[k],
		       analytics_n_groups(a));
	}
	analytics_build(a, "annotation.restaurantName", sums, n, &err);
	long g = find_group(a, "강남 맛집");
	ok(g >= 0 && analytics_group(a, (size_t)g)->count == 74, "demo: 강남 맛집 has 74 traces");
	analytics_free(a);
	free(sums);
	store_free(store);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_percentiles();
	test_histogram();
	test_group_by();
	test_format_seconds();
	test_render();
	test_workers();
	test_demo();
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
