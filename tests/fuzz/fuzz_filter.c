/* fuzz_filter: libFuzzer target for the filter language.  Each input is an
 * expression: it is compiled (with a resolver that knows a few groups,
 * one of them looping), and when valid normalised, compiled again, checked
 * to normalise to the same text, and evaluated against fixed summaries and
 * full traces, where a definite answer from a summary must agree with the
 * full trace.  When invalid, the error report is formatted.  Any
 * disagreement aborts, so the fuzzer reports it. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "model/store.h"
#include "source/file.h"
#include "util/buf.h"
#include "util/utf8.h"
#include "util/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Two QuickTable traces as segment documents: a fault in DynamoDB, and a
 * throttled then retried DynamoDB call with annotations on a subsegment. */
static const char traces_json[] =
    "["
    "{\"name\":\"api\",\"id\":\"f100000000000001\",\"trace_id\":\"1-6744e0a0-"
    "0000000000000000000f0001\","
    "\"start_time\":1732567210.0,\"end_time\":1732567211.2,\"origin\":\"AWS::ApiGateway::Stage\","
    "\"fault\":true,"
    "\"user\":\"alice\",\"aws\":{\"account_id\":\"1\",\"ec2\":{\"instance_id\":\"i-1\","
    "\"availability_zone\":\"az1\"}},"
    "\"resource_arn\":\"arn:x\",\"annotations\":{\"restaurantName\":\"강남 "
    "맛집\",\"n\":4,\"b\":true},"
    "\"http\":{\"request\":{\"method\":\"POST\",\"url\":\"https://h/"
    "r\",\"user_agent\":\"ua\",\"client_ip\":\"1.2.3.4\"},"
    "\"response\":{\"status\":502}},\"subsegments\":[{\"id\":\"f100000000000002\",\"name\":"
    "\"Lambda\","
    "\"start_time\":1732567210.01,\"end_time\":1732567211.19,\"namespace\":\"aws\",\"fault\":true}]"
    "},"
    "{\"name\":\"fn\",\"id\":\"f100000000000003\",\"trace_id\":\"1-6744e0a0-"
    "0000000000000000000f0001\","
    "\"parent_id\":\"f100000000000002\",\"start_time\":1732567210.02,\"end_time\":1732567211.18,"
    "\"origin\":\"AWS::Lambda::Function\",\"fault\":true,\"subsegments\":[{\"id\":"
    "\"f100000000000004\","
    "\"name\":\"DynamoDB\",\"start_time\":1732567210.1,\"end_time\":1732567211.1,\"namespace\":"
    "\"aws\","
    "\"fault\":true,\"aws\":{\"operation\":\"PutItem\",\"table_name\":\"Reservations\"},"
    "\"http\":{\"response\":{\"status\":500}},\"cause\":{\"exceptions\":[{\"id\":"
    "\"e100000000000001\","
    "\"type\":\"InternalServerError\",\"message\":\"boom\"}]}}]},"
    "{\"name\":\"api\",\"id\":\"f200000000000001\",\"trace_id\":\"1-6744e0a0-"
    "0000000000000000000f0002\","
    "\"start_time\":1732567230.0,\"end_time\":1732567230.8,\"origin\":\"AWS::ApiGateway::Stage\","
    "\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"https://h/"
    "r?x=1\"},\"response\":{\"status\":200}},"
    "\"subsegments\":[{\"id\":\"f200000000000002\",\"name\":\"Lambda\",\"start_time\":1732567230."
    "01,"
    "\"end_time\":1732567230.79,\"namespace\":\"aws\"}]},"
    "{\"name\":\"fn\",\"id\":\"f200000000000003\",\"trace_id\":\"1-6744e0a0-"
    "0000000000000000000f0002\","
    "\"parent_id\":\"f200000000000002\",\"start_time\":1732567230.03,\"in_progress\":true,"
    "\"origin\":\"AWS::Lambda::Function\",\"subsegments\":[{\"id\":\"f200000000000006\",\"name\":"
    "\"h\","
    "\"start_time\":1732567230.04,\"end_time\":1732567230.7,\"annotations\":{\"restaurantName\":"
    "\"부산\",\"k\":false},"
    "\"subsegments\":[{\"id\":\"f200000000000004\",\"name\":\"DynamoDB\",\"start_time\":1732567230."
    "1,"
    "\"end_time\":1732567230.3,\"namespace\":\"aws\",\"error\":true,\"throttle\":true,"
    "\"aws\":{\"operation\":\"Query\",\"table_name\":\"Reservations\"},\"http\":{\"response\":{"
    "\"status\":400}}},"
    "{\"id\":\"f200000000000005\",\"name\":\"DynamoDB\",\"start_time\":1732567230.4,\"end_time\":"
    "1732567230.6,"
    "\"namespace\":\"remote\",\"http\":{\"request\":{\"url\":\"https://backend.example.com/x\"},"
    "\"response\":{\"status\":200}}}]}]}"
    "]";

static struct xr_store *store;

static int
resolve(void *ctx, const char *name_or_arn, int is_arn, char **expr, struct xr_err *err)
{
	(void)ctx;
	static const char *const groups[][2] = {
	    {"g", "fault OR responsetime > 1"},
	    {"loop", "ok OR group.name = \"loop\""},
	    {"bad", "user = alice"},
	    {"nested", "group.name = \"g\" AND service(\"fn\") { fault }"},
	};
	for (size_t i = 0; i < sizeof groups / sizeof *groups; i++) {
		if (strcmp(name_or_arn, groups[i][0]) == 0 ||
		    (is_arn && strncmp(name_or_arn, "arn:", 4) == 0 &&
		     strcmp(name_or_arn + 4, groups[i][0]) == 0)) {
			*expr = xstrdup(groups[i][1]);
			return 0;
		}
	}
	return xr_err_set(err, XR_EAPI, "no group %s", name_or_arn);
}

static void
setup(void)
{
	store = store_new();
	struct xr_warnings w = {0};
	struct load_stats stats = {0};
	struct xr_err err = {0};
	if (file_load_buffer("fuzz", traces_json, sizeof traces_json - 1, store, &w, &stats, &err) <
	        0 ||
	    store_count(store) != 2) {
		fprintf(stderr, "fuzz_filter: fixture does not load: %s\n", err.msg);
		abort();
	}
	warn_free(&w);
}

static void
evaluate(const struct xr_filter *f)
{
	enum filter_verdict batch[2];
	size_t matches = filter_eval_store(f, store, batch), counted = 0;
	for (size_t i = 0; i < store_count(store); i++) {
		const struct xr_store_entry *e = store_entry(store, i);
		const struct xr_summary *s = store_entry_summary(e);
		enum filter_verdict vs = filter_eval_summary(f, s);
		int vt = filter_eval_trace(f, e->trace);
		if (vs != FILTER_NEED_TRACE && (vs == FILTER_MATCH) != vt)
			abort(); /* the summary answered, and differently from the trace */
		if (vs == FILTER_NEED_TRACE && !filter_needs_trace(f))
			abort(); /* unknown although no term needs the trace */
		if (batch[i] != filter_eval(f, s, e->trace))
			abort(); /* the store pass disagrees with filter_eval() */
		counted += batch[i] == FILTER_MATCH;
		/* An empty summary is always answerable or honestly unknown. */
		struct xr_summary empty;
		summary_init(&empty);
		(void)filter_eval_summary(f, &empty);
	}
	if (counted != matches)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!store)
		setup();
	char *expr = xstrndup((const char *)data, size);
	struct xr_filter_error e;
	struct xr_filter *f = filter_compile(expr, resolve, NULL, &e);
	if (!f) {
		size_t chars = utf8_chars(expr, strlen(expr));
		if (e.column > chars + 1 || !e.message[0])
			abort(); /* a column past the end, or no message */
		struct buf report = BUF_INIT;
		filter_error_format(expr, &e, 0, &report);
		filter_error_format(expr, &e, UTF8_ASCII, &report);
		buf_free(&report);
		free(expr);
		return 0;
	}
	struct buf n1 = BUF_INIT, n2 = BUF_INIT;
	buf_puts(&n1, "");
	buf_puts(&n2, "");
	filter_normalize(f, &n1);
	struct xr_filter *g = filter_compile(n1.data, resolve, NULL, &e);
	if (!g)
		abort(); /* the normalised text does not parse */
	filter_normalize(g, &n2);
	if (strcmp(n1.data, n2.data) != 0)
		abort(); /* normalising is not idempotent */
	evaluate(f);
	for (size_t i = 0; i < store_count(store); i++) {
		const struct xr_trace *t = store_entry(store, i)->trace;
		if (filter_eval_trace(f, t) != filter_eval_trace(g, t))
			abort(); /* the normalised text means something else */
	}
	filter_free(g);
	filter_free(f);
	buf_free(&n1);
	buf_free(&n2);
	free(expr);
	return 0;
}
