/* Unit tests for the trace model, the decoders and the file loader:
 * linking, problems in messy data, summaries as the X-Ray API computes
 * them, and every input format --load accepts. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "model/store.h"
#include "source/file.h"
#include "tap.h"
#include "fixture.h"
#include "util/arena.h"
#include "util/jsonw.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "xray/decode.h"
#include "xray/encode.h"

struct loaded {
	struct xr_store *store;
	struct xr_warnings warnings;
	struct load_stats stats;
	int rc;
	struct xr_err err;
};

static void
load_text(struct loaded *l, const char *name, const char *text)
{
	memset(l, 0, sizeof *l);
	l->store = store_new();
	l->rc =
	    file_load_buffer(name, text, strlen(text), l->store, &l->warnings, &l->stats, &l->err);
}

static void
load_fixture(struct loaded *l, const char *name)
{
	size_t len;
	char *data = read_fixture(name, &len);
	memset(l, 0, sizeof *l);
	l->store = store_new();
	l->rc = file_load_buffer(name, data, len, l->store, &l->warnings, &l->stats, &l->err);
	free(data);
}

static void
unload(struct loaded *l)
{
	store_free(l->store);
	warn_free(&l->warnings);
}

static const struct xr_trace *
trace_of(const struct loaded *l, const char *id)
{
	const struct xr_store_entry *e = store_find(l->store, id);
	return e ? e->trace : NULL;
}

static bool
has_problem(const struct xr_trace *t, const char *needle)
{
	for (unsigned i = 0; t && i < t->n_problems; i++)
		if (strstr(t->problems[i], needle))
			return true;
	return false;
}

static bool
has_warning(const struct loaded *l, const char *needle)
{
	for (size_t i = 0; i < l->warnings.n; i++)
		if (strstr(l->warnings.msgs[i], needle))
			return true;
	return false;
}

static void
test_devguide_batch(void)
{
	struct loaded l;
	load_fixture(&l, "devguide-batch.json");
	is_int(l.rc, 0, "devguide BatchGetTraces loads");
	is_int(l.stats.traces, 1, "one trace");
	const struct xr_trace *t = trace_of(&l, "1-59602603-23fc5b688855d396af79b496");
	ok(t != NULL, "trace found by id");
	if (!t)
		return;
	is_int(t->n_documents, 5, "five segment documents");
	is_int(t->n_problems, 0, "no problems in the developer guide's trace");
	is_str(t->root->name, "Scorekeep", "root segment is Scorekeep");
	is_int(t->n_roots, 1, "everything hangs under the root");
	const struct xr_summary *s = &t->summary;
	is_num(s->duration, 3.232, "Duration as the API reports");
	is_num(s->response_time, 3.232, "ResponseTime as the API reports");
	is_int(s->http.status, 200, "HTTP status from the root");
	is_str(s->http.method, "POST", "HTTP method from the root");
	is_str(s->http.url, "http://scorekeep.elasticbeanstalk.com/api/user", "URL from the root");
	ok(!s->has_error && !s->has_fault && !s->has_throttle && !s->is_partial, "no flags");
	const struct xr_summary_annotation *an = summary_annotation(s, "UserID");
	ok(an && an->n_values == 1 && strcmp(an->values[0].value.u.s, "5M388M1E") == 0,
	   "annotation UserID=5M388M1E");
	ok(an && an->values[0].n_services == 1 &&
	       strcmp(an->values[0].services[0].name, "random-name") == 0,
	   "annotation tagged with the service that recorded it");
	is_int(s->n_users, 1, "one user");
	is_str(s->n_users ? s->users[0].name : NULL, "5M388M1E", "user name");
	is_int(s->n_service_ids, 5, "five service nodes");
	is_str(s->entry_point ? s->entry_point->name : NULL, "Scorekeep", "entry point");
	is_int(t->n_edges, 4, "four edges");
	const struct xr_segment *ddb = trace_find_segment(t, "17ba309b32c7fbaf");
	ok(ddb && ddb->parent && strcmp(ddb->parent->id, "4cd3f10b76c624b4") == 0,
	   "inferred DynamoDB segment hangs under the DynamoDB subsegment");
	ok(ddb && (ddb->flags & XR_SEG_INFERRED), "inferred flag kept");
	ok(ddb && ddb->aws && strcmp(ddb->aws->table_name, "scorekeep-user") == 0,
	   "aws.table_name");
	is_int(s->n_root_causes[XR_RC_RESPONSETIME], 1, "a response-time root cause");
	is_int(s->n_resource_arns, 1, "resource ARN of the Lambda");
	is_str(s->n_availability_zones ? s->availability_zones[0] : NULL, "us-west-2c",
	       "availability zone");
	is_str(s->n_instance_ids ? s->instance_ids[0] : NULL, "i-0cd9e448944061b4a", "instance id");
	unload(&l);
}

static void
test_devguide_summaries(void)
{
	struct loaded l;
	load_fixture(&l, "devguide-summaries.json");
	is_int(l.rc, 0, "devguide GetTraceSummaries loads");
	is_int(l.stats.summaries, 2, "two summaries");
	const struct xr_store_entry *e = store_find(l.store, "1-59602606-a43a1ac52fc7ee0eea12a82c");
	ok(e && e->api_summary && !e->trace, "summary only, no full trace");
	const struct xr_summary *s = e ? e->api_summary : NULL;
	ok(s && s->response_time == 0.084 && s->http.status == 200, "fields decoded");
	ok(s && s->start_time == 1499473414, "start time taken from the trace id");
	unload(&l);
}

static void
test_messy(void)
{
	struct loaded l;
	load_fixture(&l, "messy.ndjson");
	is_int(l.rc, 0, "messy NDJSON loads what it can");
	is_int(l.stats.traces, 2, "two traces");
	is_int(l.stats.skipped, 2, "two lines skipped");
	ok(has_warning(&l, "messy.ndjson:12:57: invalid JSON (truncated?)"),
	   "broken line reported with line:column");
	ok(has_warning(&l, "messy.ndjson:14: segment 7000000000000001 has no trace_id"),
	   "document without trace_id reported");
	const struct xr_trace *t = trace_of(&l, "1-5f000000-0123456789abcdef01234567");
	ok(t != NULL, "first trace loaded");
	if (!t)
		return;
	is_str(t->root->id, "a000000000000001", "root found although listed after its child");
	ok(has_problem(t, "parent ffffffffffffffff not found"), "missing parent reported");
	const struct xr_segment *orphan = trace_find_segment(t, "c000000000000004");
	ok(orphan && !orphan->parent && (orphan->flags & XR_SEG_DETACHED), "orphan kept as a root");
	ok(has_problem(t, "duplicate segment id d000000000000005"), "duplicate id reported");
	const struct xr_segment *dup = trace_find_segment(t, "d000000000000005");
	is_str(dup ? dup->name : NULL, "backwards", "first of two duplicates kept");
	ok(has_problem(t, "ends before it starts"), "end before start reported");
	ok(has_problem(t, "start_time is not a finite number"), "1e400 reported");
	ok(has_problem(t, "not valid UTF-8"), "invalid UTF-8 reported");
	ok(has_problem(t, "annotation bad is not a string"), "object annotation reported");
	const struct xr_segment *streamed = trace_find_segment(t, "a000000000000006");
	ok(streamed && streamed->parent && strcmp(streamed->parent->id, "a000000000000001") == 0,
	   "standalone subsegment merged into its parent");
	ok(streamed && streamed->document == t->root, "and belongs to the parent's document");
	const struct xr_summary *s = &t->summary;
	ok(s->has_fault && !s->has_error, "fault from the root segment");
	is_int(s->http.status, 502, "status");
	const struct xr_summary_annotation *an = summary_annotation(s, "restaurantName");
	ok(an && strcmp(an->values[0].value.u.s, "강남 맛집") == 0, "Korean annotation value");
	an = summary_annotation(s, "n");
	ok(an && an->values[0].value.type == XR_VAL_NUMBER && an->values[0].value.u.n == 3,
	   "number annotation");
	an = summary_annotation(s, "ok");
	ok(an && an->values[0].value.type == XR_VAL_BOOL && !an->values[0].value.u.b,
	   "boolean annotation");
	is_int(s->n_root_causes[XR_RC_FAULT], 1, "one fault root cause");
	if (s->n_root_causes[XR_RC_FAULT]) {
		const struct xr_rc_service *svc = &s->root_causes[XR_RC_FAULT][0].services[0];
		is_str(svc->id.name, "root-svc", "fault root cause service");
		ok(svc->n_path == 2 && strcmp(svc->path[1].name, "call") == 0,
		   "entity path down to 'call'");
		ok(svc->n_path == 2 && svc->path[1].n_exceptions == 1 &&
		       strcmp(svc->path[1].exceptions[0].name, "Boom") == 0,
		   "exception of the root cause");
		ok(s->root_causes[XR_RC_FAULT][0].client_impacting, "client impacting");
	}
	bool remote_node = false;
	for (unsigned n = 0; n < t->n_nodes; n++)
		remote_node |=
		    strcmp(t->nodes[n].name, "backend.internal") == 0 && t->nodes[n].inferred;
	ok(remote_node, "remote call without inferred segment becomes an inferred node");

	const struct xr_trace *u = trace_of(&l, "1-5f000001-aaaaaaaaaaaaaaaaaaaaaaaa");
	ok(u && has_problem(u, "cycle in parent links"), "cycle reported");
	ok(u && u->n_all == 5, "every segment of the cycle still reachable");
	const struct xr_segment *c = u ? trace_find_segment(u, "3000000000000001") : NULL;
	ok(c && !(c->flags & XR_SEG_IN_PROGRESS) && isfinite(c->end_time),
	   "complete segment replaced the in-progress one");
	ok(u && !has_problem(u, "duplicate segment id 3000000000000001"),
	   "in-progress then complete is not a duplicate");
	unload(&l);
}

static void
test_formats(void)
{
	struct loaded l;
	const char *doc =
	    "{\"id\":\"a1\",\"name\":\"svc\",\"trace_id\":\"1-5f000000-000000000000000000000001\","
	    "\"start_time\":1.5E9,\"end_time\":1.5000000012E9}";
	char text[1024];
	snprintf(text, sizeof text, "[%s]", doc);
	load_text(&l, "array", text);
	is_int(l.stats.traces, 1, "JSON array of documents");
	const struct xr_trace *t = trace_of(&l, "1-5f000000-000000000000000000000001");
	ok(t && fabs(t->summary.duration - 1.2) < 1e-9, "exponent times decoded");
	unload(&l);

	snprintf(text, sizeof text, "%s", doc);
	load_text(&l, "single", text);
	is_int(l.stats.traces, 1, "a single document");
	unload(&l);

	load_text(
	    &l, "two-responses",
	    "{\"Traces\":[{\"Id\":\"1-5f000000-000000000000000000000002\",\"Segments\":[]}]}\n"
	    "{\"Traces\":[{\"Id\":\"1-5f000000-000000000000000000000003\",\"Segments\":[]}]}\n");
	is_int(l.stats.traces, 2, "two BatchGetTraces responses in one file");
	unload(&l);

	load_text(&l, "empty-traces", "{\"Traces\":[],\"UnprocessedTraceIds\":[]}");
	ok(l.rc == 0 && l.stats.traces == 0 && l.stats.responses == 1,
	   "an empty response is valid input with nothing in it");
	unload(&l);
	load_text(&l, "empty-object", "{}");
	ok(l.rc < 0 && strstr(l.err.msg, "empty-object"), "an empty object is an error: %s",
	   l.err.msg);
	unload(&l);

	load_text(&l, "garbage", "hello world");
	ok(l.rc < 0 && l.stats.skipped == 1, "not JSON at all");
	ok(has_warning(&l, "garbage:1: expected a JSON object or list"), "says what and where");
	unload(&l);

	load_text(&l, "unprocessed",
	          "{\"Traces\":[{\"Id\":\"1-5f000000-000000000000000000000004\"}],"
	          "\"UnprocessedTraceIds\":[\"1-5f000000-000000000000000000000005\"]}");
	ok(has_warning(&l, "UnprocessedTraceIds"),
	   "unprocessed ids in a saved response are reported");
	unload(&l);

	load_text(&l, "bad-summary",
	          "{\"TraceSummaries\":[{\"Id\":\"1-5f000000-000000000000000000000006\","
	          "\"Http\":{\"HttpStatus\":\"200\"}},"
	          "{\"Id\":\"1-5f000000-000000000000000000000007\"}]}");
	is_int(l.stats.summaries, 1, "a summary with a wrong type is skipped, the other loads");
	ok(has_warning(&l, "Http.HttpStatus: expected a number"), "wrong type named");
	unload(&l);

	/* Deep nesting beyond cJSON's limit is reported, not recursed into. */
	struct buf deep = BUF_INIT;
	buf_puts(
	    &deep,
	    "{\"id\":\"d1\",\"name\":\"deep\",\"trace_id\":\"1-5f000000-000000000000000000000008\","
	    "\"start_time\":1,\"end_time\":2,\"metadata\":");
	for (int i = 0; i < 2000; i++)
		buf_puts(&deep, "[");
	for (int i = 0; i < 2000; i++)
		buf_puts(&deep, "]");
	buf_puts(&deep, "}");
	load_text(&l, "deep", deep.data);
	ok(l.rc < 0 && l.stats.skipped == 1, "too deep a document is skipped with a message");
	unload(&l);
	buf_free(&deep);
}

static void
test_store_merge(void)
{
	struct loaded l;
	load_text(
	    &l, "part1",
	    "{\"id\":\"r1\",\"name\":\"root\",\"trace_id\":\"1-5f000000-000000000000000000000009\","
	    "\"start_time\":10,\"end_time\":12}\n"
	    "{\"format\":\"json\",\"version\":1}\n");
	struct load_stats st = {0};
	struct xr_err err;
	const char *more =
	    "{\"id\":\"c1\",\"name\":\"child\",\"trace_id\":\"1-5f000000-"
	    "000000000000000000000009\","
	    "\"parent_id\":\"r1\",\"start_time\":11,\"end_time\":15,\"throttle\":true}\n";
	file_load_buffer("part2", more, strlen(more), l.store, &l.warnings, &st, &err);
	const struct xr_trace *t = trace_of(&l, "1-5f000000-000000000000000000000009");
	ok(t && t->n_documents == 2, "documents of one trace from two loads are merged");
	ok(t && t->summary.duration == 5 && t->summary.response_time == 2,
	   "duration runs to the last end, response time is the root's");
	ok(t && t->summary.has_throttle, "throttle from any segment");
	is_int(store_count(l.store), 1, "one store entry");
	unload(&l);
}

/* A pinned entry stays, whatever its age. */
static bool
pin_b(void *ctx, const struct xr_store_entry *e)
{
	(void)ctx;
	return e->trace && strcmp(e->trace->id, "1-5f000000-00000000000000000000000b") == 0;
}

static void
test_store_evict(void)
{
	struct loaded l;
	/* start times: a 30, b 10, c 20, d 40 (inserted a, b, c, d) */
	load_text(
	    &l, "evict",
	    "{\"id\":\"1\",\"name\":\"a\",\"trace_id\":\"1-5f000000-00000000000000000000000a\","
	    "\"start_time\":30,\"end_time\":31}\n"
	    "{\"id\":\"2\",\"name\":\"b\",\"trace_id\":\"1-5f000000-00000000000000000000000b\","
	    "\"start_time\":10,\"end_time\":11}\n"
	    "{\"id\":\"3\",\"name\":\"c\",\"trace_id\":\"1-5f000000-00000000000000000000000c\","
	    "\"start_time\":20,\"end_time\":21}\n"
	    "{\"id\":\"4\",\"name\":\"d\",\"trace_id\":\"1-5f000000-00000000000000000000000d\","
	    "\"start_time\":40,\"end_time\":41}\n");
	is_int(store_count(l.store), 4, "four traces to evict from");
	size_t next = store_next_seq(l.store);
	is_int(next, 4, "the next sequence number follows the last entry");
	is_int(store_evict(l.store, 10, NULL, NULL), 0, "nothing goes under the cap");
	unsigned long gen = store_generation(l.store);
	is_int(store_evict(l.store, 2, pin_b, NULL), 2, "two entries go to meet a cap of 2");
	ok(store_generation(l.store) > gen, "the generation moves");
	ok(trace_of(&l, "1-5f000000-00000000000000000000000b") != NULL,
	   "the pinned entry stays although it is the oldest");
	ok(!trace_of(&l, "1-5f000000-00000000000000000000000c") &&
	       !trace_of(&l, "1-5f000000-00000000000000000000000a"),
	   "the oldest unpinned ones (by start time) went");
	ok(trace_of(&l, "1-5f000000-00000000000000000000000d") != NULL, "the newest stays");
	is_int(store_count(l.store), 2, "two left");
	ok(store_entry(l.store, 0)->seq == 1 && store_entry(l.store, 1)->seq == 3,
	   "the rest keep their order and sequence numbers");
	const char *more =
	    "{\"id\":\"5\",\"name\":\"e\",\"trace_id\":"
	    "\"1-5f000000-00000000000000000000000e\",\"start_time\":50,\"end_time\":51}\n";
	struct load_stats st = {0};
	struct xr_err err;
	file_load_buffer("more", more, strlen(more), l.store, &l.warnings, &st, &err);
	const struct xr_store_entry *e = store_find(l.store, "1-5f000000-00000000000000000000000e");
	ok(e && e->seq == next, "a new entry gets a sequence number never used before");
	ok(store_find(l.store, "1-5f000000-00000000000000000000000d") == store_entry(l.store, 1),
	   "the index finds the moved entries");
	unload(&l);
}

static void
test_fields(void)
{
	struct loaded l;
	load_text(
	    &l, "fields",
	    "{\"id\":\"r1\",\"name\":\"api\",\"trace_id\":\"1-5f000000-00000000000000000000000b\","
	    "\"start_time\":10,\"end_time\":12,\"origin\":\"AWS::EC2::Instance\",\"user\":"
	    "\"alice\","
	    "\"service\":{\"version\":\"1.2\"},\"metadata\":{\"debug\":{\"n\":[1,2]}},"
	    "\"custom_field\":{\"x\":true},"
	    "\"aws\":{\"ec2\":{\"instance_id\":\"i-1\",\"availability_zone\":\"az1\",\"ami_id\":"
	    "\"ami-1\"},"
	    "\"xray\":{\"sdk\":\"X-Ray for Go\"}},"
	    "\"subsegments\":[{\"id\":\"s1\",\"name\":\"db\",\"start_time\":10.5,\"end_time\":11,"
	    "\"namespace\":\"remote\",\"precursor_ids\":[\"s0\"],\"error\":true,\"cause\":"
	    "\"e0e0e0e0e0e0e0e0\","
	    "\"sql\":{\"url\":\"jdbc:postgresql://db/x\",\"sanitized_query\":\"SELECT * FROM t "
	    "WHERE id = ?\","
	    "\"database_type\":\"PostgreSQL\",\"database_version\":\"15\",\"driver_version\":"
	    "\"42\","
	    "\"user\":\"app\",\"preparation\":\"statement\"}},"
	    "{\"id\":\"s2\",\"name\":\"work\",\"start_time\":11,\"end_time\":11.5,\"fault\":true,"
	    "\"cause\":{\"working_directory\":\"/app\",\"paths\":[\"/app/main.go\"],\"exceptions\":"
	    "[{\"id\":\"e1\",\"message\":\"boom\",\"type\":\"Panic\",\"remote\":true,\"truncated\":"
	    "2,"
	    "\"skipped\":1,\"cause\":\"e0\",\"stack\":[{\"path\":\"main.go\",\"line\":42,\"label\":"
	    "\"main\"}]}]}}]}\n");
	const struct xr_trace *t = trace_of(&l, "1-5f000000-00000000000000000000000b");
	ok(t != NULL, "trace with every kind of field loads");
	if (!t) {
		unload(&l);
		return;
	}
	const struct xr_segment *r = t->root, *db = trace_find_segment(t, "s1"),
	                        *work = trace_find_segment(t, "s2");
	is_str(r->origin, "AWS::EC2::Instance", "origin");
	is_str(r->user, "alice", "user");
	is_str(r->service_version, "1.2", "service.version");
	is_str(r->metadata, "{\"debug\":{\"n\":[1,2]}}", "metadata kept as JSON");
	is_str(r->extra, "{\"custom_field\":{\"x\":true}}", "unknown fields kept for the raw view");
	ok(r->aws && strcmp(r->aws->instance_id, "i-1") == 0 &&
	       strcmp(r->aws->availability_zone, "az1") == 0,
	   "aws.ec2 instance and zone");
	is_str(r->aws ? r->aws->extra : NULL,
	       "{\"ec2\":{\"instance_id\":\"i-1\",\"availability_zone\":\"az1\",\"ami_id\":\"ami-"
	       "1\"},\"xray\":{\"sdk\":\"X-Ray for Go\"}}",
	       "other aws members kept");
	ok(db && db->sql && strcmp(db->sql->sanitized_query, "SELECT * FROM t WHERE id = ?") == 0 &&
	       strcmp(db->sql->database_type, "PostgreSQL") == 0 &&
	       strcmp(db->sql->preparation, "statement") == 0,
	   "sql");
	ok(db && db->n_precursor_ids == 1 && strcmp(db->precursor_ids[0], "s0") == 0,
	   "precursor_ids");
	ok(db && db->cause && strcmp(db->cause->exception_id, "e0e0e0e0e0e0e0e0") == 0,
	   "cause given as an exception id");
	ok(db && (db->flags & XR_SEG_ERROR) && strcmp(db->namespace, "remote") == 0,
	   "error flag, namespace");
	const struct xr_exception *ex =
	    work && work->cause && work->cause->n_exceptions ? &work->cause->exceptions[0] : NULL;
	ok(ex && strcmp(ex->type, "Panic") == 0 && strcmp(ex->message, "boom") == 0 && ex->remote &&
	       ex->truncated == 2 && ex->skipped == 1 && strcmp(ex->cause, "e0") == 0,
	   "exception fields");
	ok(ex && ex->n_stack == 1 && ex->stack[0].line == 42 &&
	       strcmp(ex->stack[0].label, "main") == 0,
	   "stack frames");
	ok(work && strcmp(work->cause->working_directory, "/app") == 0 && work->cause->n_paths == 1,
	   "working directory and paths");
	ok(t->summary.n_users == 1 && t->summary.n_instance_ids == 1 &&
	       t->summary.n_availability_zones == 1,
	   "users, instances and zones in the summary");
	unload(&l);
}

static void
test_encode(void)
{
	struct loaded l;
	load_text(&l, "enc",
	          "{\"id\":\"r1\",\"name\":\"x\\u001b]0;pwn\\u0007\",\"trace_id\":\"1-5f000000-"
	          "00000000000000000000000a\","
	          "\"start_time\":10,\"end_time\":12,\"annotations\":{\"k\":\"v\\u009b\"}}\n");
	const struct xr_trace *t = trace_of(&l, "1-5f000000-00000000000000000000000a");
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	encode_summary(&w, &t->summary);
	ok(strstr(b.data, "\"Name\":\"x\\u001b]0;pwn\\u0007\"") != NULL,
	   "escape sequence escaped in JSON");
	ok(strstr(b.data, "\"StringValue\":\"v\\u009b\"") != NULL, "C1 control escaped in JSON");
	ok(strchr(b.data, '\x1b') == NULL, "no raw ESC byte in the output");
	buf_free(&b);
	unload(&l);
}

/* NUL is data: a key or value holding \u0000 keeps its whole length (held
 * as UTF8_NUL), is compared whole, shown as ^@ and written back as \u0000;
 * an unknown key with one is copied whole (it once was read past). */
static void
test_nul(void)
{
	char long_key[220], doc[2048], want[300];
	memcpy(long_key, "a\\u0000", 7);
	memset(long_key + 7, 'b', 200);
	long_key[207] = '\0';
	snprintf(doc, sizeof doc,
	         "{\"name\":\"svc\",\"id\":\"0123456789abcdef\",\"trace_id\":\"1-5f000000-"
	         "0123456789abcdef01234567\","
	         "\"start_time\":1600000000,\"end_time\":1600000001,\"%s\":\"x\","
	         "\"annotations\":{\"k\":\"v\\u0000tail\"},"
	         "\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"/a\\u0000b\"}}}\n",
	         long_key);
	struct loaded l;
	load_text(&l, "nul", doc);
	const struct xr_trace *t = trace_of(&l, "1-5f000000-0123456789abcdef01234567");
	ok(t != NULL, "a document with \\u0000 in a key and values loads");
	if (!t) {
		unload(&l);
		return;
	}
	snprintf(want, sizeof want, "{\"%s\":\"x\"}", long_key);
	is_str(t->root->extra, want, "an unknown key with \\u0000 is kept whole");
	const struct xr_annotation *an = t->root->n_annotations ? &t->root->annotations[0] : NULL;
	ok(an && an->value.type == XR_VAL_STRING && strcmp(an->value.u.s, "v" UTF8_NUL "tail") == 0,
	   "an annotation value with \\u0000 keeps its tail");
	is_str(t->root->http.url, "/a" UTF8_NUL "b", "a URL with \\u0000 keeps its tail");

	struct xr_filter_error fe;
	struct xr_filter *f = filter_compile("annotation.k = \"v\"", NULL, NULL, &fe);
	ok(f && filter_eval_trace(f, t) == 0,
	   "annotation.k = \"v\" does not match \"v\\u0000tail\"");
	filter_free(f);
	f = filter_compile("annotation.k CONTAINS \"tail\"", NULL, NULL, &fe);
	ok(f && filter_eval_trace(f, t) == 1, "annotation.k CONTAINS \"tail\" matches it");
	filter_free(f);
	f = filter_compile("http.url = \"/a\"", NULL, NULL, &fe);
	ok(f && filter_eval_trace(f, t) == 0, "http.url = \"/a\" does not match \"/a\\u0000b\"");
	filter_free(f);

	struct buf b = BUF_INIT;
	utf8_sanitize(&b, t->root->http.url, strlen(t->root->http.url), 0);
	is_str(b.data, "/a^@b", "NUL is shown as ^@");
	is_int((long)utf8_width(t->root->http.url, strlen(t->root->http.url), 0), 5,
	       "... and measured so");
	buf_reset(&b);
	struct jsonw w;
	jsonw_init(&w, &b);
	encode_summary(&w, &t->summary);
	ok(strstr(b.data, "\"HttpURL\":\"/a\\u0000b\"") != NULL &&
	       strstr(b.data, "\"StringValue\":\"v\\u0000tail\"") != NULL,
	   "NUL is written back to JSON as \\u0000");
	buf_free(&b);
	unload(&l);

	/* The API's summaries go through cJSON, which cuts strings at NUL. */
	const char *summary =
	    "{\"Id\":\"1-5f000000-0123456789abcdef01234567\",\"Http\":{\"HttpURL\":"
	    "\"/a\\u0000b\"},\"Annotations\":{\"k\":[{\"AnnotationValue\":"
	    "{\"StringValue\":\"v\\u0000tail\"}}]}}";
	struct arena *a = arena_new();
	struct xr_err err = {0};
	struct xr_summary *sum = decode_trace_summary(summary, strlen(summary), a, &err);
	ok(sum && sum->http.url && strcmp(sum->http.url, "/a" UTF8_NUL "b") == 0,
	   "a TraceSummary's HttpURL with \\u0000 keeps its tail");
	ok(sum && sum->n_annotations == 1 && sum->annotations[0].n_values == 1 &&
	       strcmp(sum->annotations[0].values[0].value.u.s, "v" UTF8_NUL "tail") == 0,
	   "a TraceSummary's annotation value with \\u0000 keeps its tail");
	arena_free(a);

	/* A lone surrogate is U+FFFD; the segment and the summary are kept. */
	load_text(&l, "surrogate",
	          "{\"name\":\"a\\ud800b\",\"id\":\"0123456789abcdef\",\"trace_id\":\"1-5f000000-"
	          "0123456789abcdef01234569\","
	          "\"start_time\":1600000000,\"end_time\":1600000001,\"annotations\":{\"k\":"
	          "\"\\udc00\\ud83d\\ude00\"}}\n");
	t = trace_of(&l, "1-5f000000-0123456789abcdef01234569");
	ok(t && strcmp(t->root->name, "a\xEF\xBF\xBD"
	                              "b") == 0,
	   "a lone high surrogate becomes U+FFFD, the segment is kept");
	ok(t && t->root->n_annotations == 1 &&
	       strcmp(t->root->annotations[0].value.u.s, "\xEF\xBF\xBD\xF0\x9F\x98\x80") == 0,
	   "a lone low surrogate becomes U+FFFD, a valid pair after it is kept");
	unload(&l);
	summary = "{\"Id\":\"1-5f000000-0123456789abcdef01234567\",\"Http\":{\"HttpURL\":\"/"
	          "\\ud800x\\ud83d\\ude00\"}}";
	a = arena_new();
	sum = decode_trace_summary(summary, strlen(summary), a, &err);
	ok(sum && sum->http.url && strcmp(sum->http.url, "/\xEF\xBF\xBDx\xF0\x9F\x98\x80") == 0,
	   "a TraceSummary with a lone surrogate is kept, with U+FFFD");
	arena_free(a);
}

/* Times out of range are problems, never cast: 1.59e35 once became a
 * response time of 1589999999999999953816869930637 s. */
static void
test_time_range(void)
{
	struct loaded l;
	load_text(&l, "range",
	          "{\"name\":\"svc\",\"id\":\"0123456789abcdef\",\"trace_id\":\"1-5f000000-"
	          "0123456789abcdef01234567\","
	          "\"start_time\":1600000000,\"end_time\":1.59e35}\n"
	          "{\"name\":\"svc\",\"id\":\"0123456789abcdee\",\"trace_id\":\"1-5f000000-"
	          "0123456789abcdef01234568\","
	          "\"start_time\":-1e300,\"end_time\":1600000001}\n");
	const struct xr_trace *t = trace_of(&l, "1-5f000000-0123456789abcdef01234567");
	ok(t && has_problem(t, "end_time is not a time between 1970 and 9999"),
	   "end_time 1.59e35 reported as out of range");
	ok(t && !isfinite(t->summary.response_time) && !isfinite(t->summary.duration),
	   "... and no absurd response time or duration");
	t = trace_of(&l, "1-5f000000-0123456789abcdef01234568");
	ok(t && has_problem(t, "start_time is not a time between 1970 and 9999"),
	   "start_time -1e300 reported as out of range");
	unload(&l);

	const char *summary =
	    "{\"Id\":\"1-5f000000-0123456789abcdef01234567\",\"StartTime\":1.59e35}";
	struct arena *a = arena_new();
	struct xr_err err = {0};
	ok(decode_trace_summary(summary, strlen(summary), a, &err) == NULL &&
	       strstr(err.msg, "StartTime"),
	   "a TraceSummary with StartTime 1.59e35 is refused, naming the field");
	summary = "{\"Id\":\"1-5f000000-0123456789abcdef01234567\",\"ResponseTime\":-5}";
	ok(decode_trace_summary(summary, strlen(summary), a, &err) == NULL &&
	       strstr(err.msg, "ResponseTime"),
	   "a TraceSummary with a negative ResponseTime is refused");
	arena_free(a);
}

static struct xr_store_entry *
add_summary(struct xr_store *st, const char *json)
{
	struct arena *a = arena_new();
	struct xr_err err = {0};
	struct xr_summary *sum = decode_trace_summary(json, strlen(json), a, &err);
	if (!sum) {
		arena_free(a);
		return NULL;
	}
	return store_add_summary(st, sum, a);
}

/* A live refresh asks again for a window's end: the same summary changes
 * nothing, a partial trace completing renews the entry's seq. */
static void
test_store_summary_changed(void)
{
	struct xr_store *st = store_new();
	const char *partial = "{\"Id\":\"1-5f000000-0123456789abcdef01234567\",\"Duration\":0.5,"
	                      "\"IsPartial\":true,\"Revision\":1}";
	const char *whole = "{\"Id\":\"1-5f000000-0123456789abcdef01234567\",\"Duration\":0.9,"
	                    "\"IsPartial\":false,\"Revision\":2}";
	struct xr_store_entry *e = add_summary(st, partial);
	ok(e && e->seq == 0, "the first summary: seq 0");
	size_t from = store_next_seq(st);
	e = add_summary(st, partial);
	ok(e && e->seq < from && store_count(st) == 1,
	   "the same summary again: one entry, not changed since");
	e = add_summary(st, whole);
	ok(e && e->seq >= from && store_count(st) == 1,
	   "the trace completed: one entry, changed since");
	ok(e && !store_entry_summary(e)->is_partial && store_entry_summary(e)->duration == 0.9,
	   "... holding the new values");
	ok(store_next_seq(st) > e->seq, "... and the next seq is past it");
	store_free(st);
}

/* The groups and the service graph: owned by the store, replaced whole,
 * and each change moves the generation. */
static void
test_store_groups_graph(void)
{
	struct xr_store *s = store_new();
	size_t n = 99;
	ok(store_groups(s, &n) == NULL && n == 0, "a new store has no groups");
	ok(store_service_graph(s) == NULL, "... and no service graph");
	struct xr_group *g = xcalloc(2, sizeof *g);
	g[0].name = xstrdup("default");
	g[1].name = xstrdup("slow");
	g[1].arn = xstrdup("arn:aws:xray:us-east-1:1:group/slow/X");
	g[1].filter_expression = xstrdup("duration > 5");
	unsigned long gen = store_generation(s);
	store_set_groups(s, g, 2);
	ok(store_generation(s) > gen, "setting the groups moves the generation");
	const struct xr_group *got = store_groups(s, &n);
	ok(n == 2 && got == g && strcmp(got[1].filter_expression, "duration > 5") == 0,
	   "the store holds the groups it was given");
	struct xr_group *g2 = xcalloc(1, sizeof *g2);
	g2[0].name = xstrdup("other");
	store_set_groups(s, g2, 1); /* frees the first list (ASan/valgrind would see a leak) */
	got = store_groups(s, &n);
	ok(n == 1 && strcmp(got[0].name, "other") == 0, "a new list replaces the old one");
	struct xr_service_graph *graph = svcgraph_new();
	gen = store_generation(s);
	store_set_service_graph(s, graph);
	ok(store_service_graph(s) == graph && store_generation(s) > gen,
	   "the store holds the graph, and the generation moved");
	store_set_service_graph(s, svcgraph_new());
	ok(store_service_graph(s) != NULL && store_service_graph(s)->n_services == 0,
	   "a new graph replaces the old one");
	gen = store_generation(s);
	store_set_service_graph(s, NULL);
	store_set_groups(s, NULL, 0);
	ok(!store_service_graph(s) && !store_groups(s, &n) && n == 0 && store_generation(s) > gen,
	   "both can be cleared");
	ok(store_count(s) == 0, "none of this adds entries");
	store_set_groups(s, xcalloc(1, sizeof *g), 1);
	store_set_service_graph(s, svcgraph_new());
	store_free(s); /* frees both */
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_devguide_batch();
	test_devguide_summaries();
	test_messy();
	test_formats();
	test_store_merge();
	test_store_evict();
	test_store_summary_changed();
	test_store_groups_graph();
	test_fields();
	test_encode();
	test_nul();
	test_time_range();
	return tap_done();
}
