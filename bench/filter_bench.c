/* filter_bench: how fast compiled filter expressions evaluate.
 *
 * Generates synthetic QuickTable-like data (deterministic): N trace
 * summaries in GetTraceSummaries shape and T full traces in BatchGetTraces
 * shape, loads them into a store through the file loader exactly as
 * `xrtop --load` does, and measures evaluations per second on one core:
 *   annotation.restaurantName = "강남 맛집"          over the summaries
 *   responsetime > 1 AND http.method = "POST"        over the summaries
 *   service("Reservations") { fault }                over the full traces
 * and the time to re-filter 100,000 loaded traces (one pass of
 * filter_eval() over the store, as the TUI does when the filter changes).
 * With -o DIR it also writes DIR/summaries.ndjson and DIR/traces.ndjson
 * (one item per line) so filter-bench.sh can run jq over the same data.
 *
 * Usage: filter_bench [-n SUMMARIES] [-t TRACES] [-o DIR] */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filter/filter.h"
#include "model/store.h"
#include "source/file.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/utf8.h"
#include "util/xmalloc.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Uniform in [0, 1). */
static double
unit(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static const char *const restaurants[] = {
    "강남 맛집",      "부산 횟집",    "종로 국밥",   "홍대 카페",    "이태원 버거",
    "신촌 분식",      "명동 칼국수",  "여의도 초밥", "잠실 고기집",  "성수 베이커리",
    "Tokyo Ramen",    "Bistro Paris", "Taco Loco",   "Pizza Napoli", "Curry House",
    "Dim Sum Palace", "Green Bowl",   "Noodle Bar",  "Steak & Co",   "강남 맛집 2호점",
};
#define N_RESTAURANTS (sizeof restaurants / sizeof *restaurants)

/* One synthetic request. */
struct req {
	unsigned long long n;
	double start, rt;
	bool post, fault, error, throttle, ddb_fault;
	const char *restaurant;
	int party;
	int user;
};

/* Request number seq of a data set whose ids start at first. */
static void
req_make(struct req *r, unsigned long long first, unsigned long long seq)
{
	r->n = first + seq;
	r->start = 1732567200.0 + (double)seq * 0.01;
	r->post = unit() < 0.4;
	double x = unit();
	r->rt = 0.02 + x * x * x * 3.0; /* mostly fast, some slow */
	r->ddb_fault = unit() < 0.03;
	r->fault = r->ddb_fault || unit() < 0.01;
	r->throttle = !r->fault && unit() < 0.02;
	r->error = !r->fault && (r->throttle || unit() < 0.04);
	/* restaurant 0 (강남 맛집) about one time in ten */
	r->restaurant =
	    unit() < 0.1 ? restaurants[0] : restaurants[1 + next() % (N_RESTAURANTS - 1)];
	r->party = 1 + (int)(next() % 8);
	r->user = (int)(next() % 500);
}

static void
trace_id(const struct req *r, char out[36])
{
	snprintf(out, 36, "1-%08llx-%024llx", (unsigned long long)r->start, r->n);
}

static int
status_of(const struct req *r)
{
	return r->fault ? 502 : r->throttle ? 429 : r->error ? 400 : 200;
}

static const char *
function_of(const struct req *r)
{
	return r->post ? "CreateReservation" : "GetReservations";
}

static void
service_id(struct jsonw *w, const char *name, const char *type)
{
	jsonw_object_begin(w);
	jsonw_key(w, "Name");
	jsonw_string(w, name);
	jsonw_key(w, "Names");
	jsonw_array_begin(w);
	jsonw_string(w, name);
	jsonw_array_end(w);
	jsonw_key(w, "AccountId");
	jsonw_string(w, "123456789012");
	jsonw_key(w, "Type");
	jsonw_string(w, type);
	jsonw_object_end(w);
}

/* One TraceSummary as the API returns it. */
static void
summary_json(const struct req *r, struct buf *out)
{
	char id[36], url[128];
	trace_id(r, id);
	snprintf(url, sizeof url,
	         "https://qt1234.execute-api.ap-northeast-2.amazonaws.com/prod/reservations%s",
	         r->post ? "" : "?restaurant=7");
	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "Id");
	jsonw_string(&w, id);
	jsonw_key(&w, "Duration");
	jsonw_number(&w, r->rt + 0.01);
	jsonw_key(&w, "ResponseTime");
	jsonw_number(&w, r->rt);
	jsonw_key(&w, "HasFault");
	jsonw_bool(&w, r->fault);
	jsonw_key(&w, "HasError");
	jsonw_bool(&w, r->error);
	jsonw_key(&w, "HasThrottle");
	jsonw_bool(&w, r->throttle);
	jsonw_key(&w, "IsPartial");
	jsonw_bool(&w, false);
	jsonw_key(&w, "Http");
	jsonw_object_begin(&w);
	jsonw_key(&w, "HttpURL");
	jsonw_string(&w, url);
	jsonw_key(&w, "HttpStatus");
	jsonw_int(&w, status_of(r));
	jsonw_key(&w, "HttpMethod");
	jsonw_string(&w, r->post ? "POST" : "GET");
	jsonw_key(&w, "UserAgent");
	jsonw_string(&w, "QuickTable-iOS/2.1");
	jsonw_key(&w, "ClientIp");
	jsonw_string(&w, "203.0.113.10");
	jsonw_object_end(&w);
	jsonw_key(&w, "Annotations");
	jsonw_object_begin(&w);
	jsonw_key(&w, "restaurantName");
	jsonw_array_begin(&w);
	jsonw_object_begin(&w);
	jsonw_key(&w, "AnnotationValue");
	jsonw_object_begin(&w);
	jsonw_key(&w, "StringValue");
	jsonw_string(&w, r->restaurant);
	jsonw_object_end(&w);
	jsonw_key(&w, "ServiceIds");
	jsonw_array_begin(&w);
	service_id(&w, function_of(r), "AWS::Lambda::Function");
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	jsonw_array_end(&w);
	jsonw_key(&w, "partySize");
	jsonw_array_begin(&w);
	jsonw_object_begin(&w);
	jsonw_key(&w, "AnnotationValue");
	jsonw_object_begin(&w);
	jsonw_key(&w, "NumberValue");
	jsonw_int(&w, r->party);
	jsonw_object_end(&w);
	jsonw_object_end(&w);
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	jsonw_key(&w, "Users");
	jsonw_array_begin(&w);
	jsonw_object_begin(&w);
	char user[32];
	snprintf(user, sizeof user, "user%03d", r->user);
	jsonw_key(&w, "UserName");
	jsonw_string(&w, user);
	jsonw_object_end(&w);
	jsonw_array_end(&w);
	jsonw_key(&w, "ServiceIds");
	jsonw_array_begin(&w);
	service_id(&w, "QuickTableXRayAPI/prod", "AWS::ApiGateway::Stage");
	service_id(&w, function_of(r), "AWS::Lambda");
	service_id(&w, function_of(r), "AWS::Lambda::Function");
	service_id(&w, "Reservations", "AWS::DynamoDB::Table");
	jsonw_array_end(&w);
	jsonw_key(&w, "EntryPoint");
	service_id(&w, "QuickTableXRayAPI/prod", "AWS::ApiGateway::Stage");
	jsonw_object_end(&w);
}

/* One segment document: name, ids, times, origin, flags, more (raw JSON
 * members, may be empty). */
static void
document(struct buf *d, const char *tid, const struct req *r, int k, int parent, const char *name,
         const char *origin, double t0, double t1, bool fault, const char *more)
{
	buf_printf(d, "{\"name\":\"%s\",\"id\":\"%012llx%04x\",\"trace_id\":\"%s\",", name, r->n, k,
	           tid);
	if (parent)
		buf_printf(d, "\"parent_id\":\"%012llx%04x\",", r->n, parent);
	buf_printf(d, "\"start_time\":%.6f,\"end_time\":%.6f,\"origin\":\"%s\"%s%s}", t0, t1,
	           origin, fault ? ",\"fault\":true" : "", more);
}

/* One Trace as BatchGetTraces returns it: API Gateway -> Lambda -> function
 * -> a DynamoDB subsegment, documents as JSON strings. */
static void
trace_json(const struct req *r, struct buf *out)
{
	char tid[36];
	trace_id(r, tid);
	double s = r->start, e = r->start + r->rt;
	struct buf docs[3] = {BUF_INIT, BUF_INIT, BUF_INIT};
	char more[1024];
	snprintf(more, sizeof more,
	         ",\"http\":{\"request\":{\"method\":\"%s\",\"url\":\"https://"
	         "qt1234.execute-api.ap-northeast-2."
	         "amazonaws.com/prod/"
	         "reservations\"},\"response\":{\"status\":%d}},\"subsegments\":[{\"id\":"
	         "\"%012llx0002\",\"name\":\"Lambda\",\"start_time\":%.6f,\"end_time\":%.6f,"
	         "\"namespace\":\"aws\"}]",
	         r->post ? "POST" : "GET", status_of(r), r->n, s + 0.001, e - 0.001);
	document(&docs[0], tid, r, 1, 0, "QuickTableXRayAPI/prod", "AWS::ApiGateway::Stage", s, e,
	         r->fault, more);
	document(&docs[1], tid, r, 3, 2, function_of(r), "AWS::Lambda", s + 0.002, e - 0.002,
	         r->fault, "");
	snprintf(
	    more, sizeof more,
	    ",\"user\":\"user%03d\",\"annotations\":{\"restaurantName\":\"%s\",\"partySize\":%d},"
	    "\"subsegments\":[{\"id\":\"%012llx0005\",\"name\":\"DynamoDB\",\"start_time\":%.6f,"
	    "\"end_time\":%.6f,\"namespace\":\"aws\"%s,\"aws\":{\"operation\":\"%s\",\"table_"
	    "name\":"
	    "\"Reservations\"}}]",
	    r->user, r->restaurant, r->party, r->n, s + 0.004, e - 0.004,
	    r->ddb_fault ? ",\"fault\":true" : "", r->post ? "PutItem" : "Query");
	document(&docs[2], tid, r, 4, 3, function_of(r), "AWS::Lambda::Function", s + 0.003,
	         e - 0.003, r->fault, more);
	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "Id");
	jsonw_string(&w, tid);
	jsonw_key(&w, "Duration");
	jsonw_number(&w, r->rt);
	jsonw_key(&w, "LimitExceeded");
	jsonw_bool(&w, false);
	jsonw_key(&w, "Segments");
	jsonw_array_begin(&w);
	for (int i = 0; i < 3; i++) {
		char sid[32];
		snprintf(sid, sizeof sid, "%012llx%04x", r->n, i == 0 ? 1 : i == 1 ? 3 : 4);
		jsonw_object_begin(&w);
		jsonw_key(&w, "Id");
		jsonw_string(&w, sid);
		jsonw_key(&w, "Document");
		jsonw_string(&w, docs[i].data);
		jsonw_object_end(&w);
		buf_free(&docs[i]);
	}
	jsonw_array_end(&w);
	jsonw_object_end(&w);
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Generates n items with make(), writes them one per line to ndjson (if
 * not NULL), and loads them into a new store as one `key` response. */
static struct xr_store *
generate(size_t n, unsigned long long first, const char *key,
         void (*make)(const struct req *, struct buf *), const char *ndjson)
{
	FILE *fp = ndjson ? fopen(ndjson, "w") : NULL;
	if (ndjson && !fp) {
		perror(ndjson);
		exit(1);
	}
	struct buf all = BUF_INIT, item = BUF_INIT;
	buf_printf(&all, "{\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		struct req r;
		req_make(&r, first, i);
		buf_reset(&item);
		make(&r, &item);
		if (i)
			buf_putc(&all, ',');
		buf_append(&all, item.data, item.len);
		if (fp) {
			fwrite(item.data, 1, item.len, fp);
			fputc('\n', fp);
		}
	}
	buf_puts(&all, "]}");
	if (fp && fclose(fp) != 0) {
		perror(ndjson);
		exit(1);
	}
	struct xr_store *store = store_new();
	struct xr_warnings w = {0};
	struct load_stats stats = {0};
	struct xr_err err = {0};
	if (file_load_buffer(key, all.data, all.len, store, &w, &stats, &err) < 0 ||
	    stats.skipped) {
		fprintf(stderr, "filter_bench: generated data does not load: %s\n", err.msg);
		exit(1);
	}
	warn_free(&w);
	buf_free(&all);
	buf_free(&item);
	return store;
}

/* s padded with spaces to cols display columns (CJK counts double). */
static const char *
pad(const char *s, size_t cols)
{
	static char out[256];
	size_t w = utf8_width(s, strlen(s), 0);
	snprintf(out, sizeof out, "%s%*s", s, w < cols ? (int)(cols - w) : 0, "");
	return out;
}

static struct xr_filter *
compile(const char *expr)
{
	struct xr_filter_error e;
	struct xr_filter *f = filter_compile(expr, NULL, NULL, &e);
	if (!f) {
		fprintf(stderr, "filter_bench: %s: column %zu: %s\n", expr, e.column, e.message);
		exit(1);
	}
	return f;
}

/* Evaluates f over every entry for at least a second; prints evaluations/s. */
static void
measure(const char *expr, const struct xr_store *store, bool full)
{
	struct xr_filter *f = compile(expr);
	size_t n = store_count(store);
	const struct xr_summary **sums = xmalloc(n * sizeof *sums);
	const struct xr_trace **traces = xmalloc(n * sizeof *traces);
	for (size_t i = 0; i < n; i++) {
		sums[i] = store_entry_summary(store_entry(store, i));
		traces[i] = store_entry(store, i)->trace;
	}
	size_t matches = 0, evals = 0, passes = 0;
	double t0 = now(), t;
	do {
		size_t m = 0;
		if (full) {
			for (size_t i = 0; i < n; i++)
				m += filter_eval_trace(f, traces[i]);
		} else {
			for (size_t i = 0; i < n; i++)
				m += filter_eval_summary(f, sums[i]) == FILTER_MATCH;
		}
		matches = m;
		evals += n;
		passes++;
		t = now() - t0;
	} while (t < 1.0 || passes < 3);
	printf("%s %-9s %9zu items %8zu matches %6.2f M evaluations/s (%.1f ns each)\n",
	       pad(expr, 46), full ? "traces" : "summaries", n, matches, (double)evals / t / 1e6,
	       t / (double)evals * 1e9);
	free(sums);
	free(traces);
	filter_free(f);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Evaluates f over the whole store with filter_eval_store() for at least a
 * second; prints evaluations/s. */
static void
measure_store(const char *expr, const struct xr_store *store, const char *what)
{
	struct xr_filter *f = compile(expr);
	size_t n = store_count(store), matches = 0, evals = 0, passes = 0;
	enum filter_verdict *v = xmalloc(n * sizeof *v);
	double t0 = now(), t;
	do {
		matches = filter_eval_store(f, store, v);
		evals += n;
		passes++;
		t = now() - t0;
	} while (t < 1.0 || passes < 3);
	printf("%s %-9s %9zu items %8zu matches %6.2f M evaluations/s (%.1f ns each)\n",
	       pad(expr, 46), what, n, matches, (double)evals / t / 1e6, t / (double)evals * 1e9);
	free(v);
	filter_free(f);
}

/* The TUI's re-filter: compile, then one pass over the store, either with
 * filter_eval_store() or with a filter_eval() call per entry. */
static void
refilter(const char *expr, const struct xr_store *store, bool batch)
{
	enum { RUNS = 21 };
	double times[RUNS];
	size_t kept = 0, n = store_count(store);
	enum filter_verdict *v = xmalloc(n * sizeof *v);
	for (int run = 0; run < RUNS; run++) {
		double t0 = now();
		struct xr_filter *f = compile(expr);
		size_t k = 0;
		if (batch) {
			k = filter_eval_store(f, store, v);
		} else {
			for (size_t i = 0; i < n; i++) {
				const struct xr_store_entry *e = store_entry(store, i);
				k += filter_eval(f, store_entry_summary(e), e->trace) ==
				     FILTER_MATCH;
			}
		}
		filter_free(f);
		times[run] = now() - t0;
		kept = k;
	}
	free(v);
	qsort(times, RUNS, sizeof *times, cmp_double);
	printf("re-filter %zu traces, %-16s %s %6zu kept  median %6.2f ms  max %6.2f ms\n", n,
	       batch ? "filter_eval_store" : "filter_eval loop", pad(expr, 44), kept,
	       times[RUNS / 2] * 1e3, times[RUNS - 1] * 1e3);
}

int
main(int argc, char **argv)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	size_t n_summaries = 1000000, n_traces = 100000;
	const char *outdir = NULL;
	int c;
	while ((c = getopt(argc, argv, "n:t:o:")) != -1) {
		switch (c) {
		case 'n': n_summaries = strtoul(optarg, NULL, 10); break;
		case 't': n_traces = strtoul(optarg, NULL, 10); break;
		case 'o': outdir = optarg; break;
		default:
			fprintf(stderr,
			        "usage: filter_bench [-n SUMMARIES] [-t TRACES] [-o DIR]\n");
			return 2;
		}
	}
	char *sum_path = outdir ? xasprintf("%s/summaries.ndjson", outdir) : NULL;
	char *trace_path = outdir ? xasprintf("%s/traces.ndjson", outdir) : NULL;
	double t0 = now();
	struct xr_store *summaries =
	    generate(n_summaries, 0, "TraceSummaries", summary_json, sum_path);
	double t1 = now();
	struct xr_store *traces = generate(n_traces, 1ull << 40, "Traces", trace_json, trace_path);
	double t2 = now();
	printf("generated and loaded %zu summaries in %.1f s, %zu full traces in %.1f s\n",
	       store_count(summaries), t1 - t0, store_count(traces), t2 - t1);

	static const char *const exprs[] = {
	    "annotation.restaurantName = \"강남 맛집\"",
	    "responsetime > 1 AND http.method = \"POST\"",
	    "service(\"Reservations\") { fault }",
	};
	cpu_set_t all, one;
	sched_getaffinity(0, sizeof all, &all);
	CPU_ZERO(&one);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &all)) {
			CPU_SET(cpu, &one);
			break;
		}
	if (sched_setaffinity(0, sizeof one, &one) != 0)
		perror("sched_setaffinity");
	printf("-- single core: one filter_eval_summary() / filter_eval_trace() call per item:\n");
	measure(exprs[0], summaries, false);
	measure(exprs[1], summaries, false);
	measure(exprs[2], traces, true);
	measure(exprs[0], traces, true);
	measure(exprs[1], traces, true);
	printf("-- single core: filter_eval_store() over the whole store:\n");
	measure_store(exprs[0], summaries, "summaries");
	measure_store(exprs[1], summaries, "summaries");
	measure_store(exprs[2], traces, "traces");
	measure_store(exprs[0], traces, "traces");
	measure_store(exprs[1], traces, "traces");
	printf("-- re-filtering (compile + one pass), 21 runs, single core:\n");
	for (int batch = 1; batch >= 0; batch--)
		for (size_t i = 0; i < 3; i++)
			refilter(exprs[i], traces, batch);
	sched_setaffinity(0, sizeof all, &all);
	printf("-- re-filtering with filter_eval_store(), all %d CPUs:\n", CPU_COUNT(&all));
	for (size_t i = 0; i < 3; i++)
		refilter(exprs[i], traces, true);

	store_free(summaries);
	store_free(traces);
	free(sum_path);
	free(trace_path);
	return 0;
}
