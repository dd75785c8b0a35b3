#include "config.h"

#include "source/fetch.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/retry.h"
#include "util/hash.h"
#include "util/dlog.h"
#include "util/jsonscan.h"
#include "util/timefmt.h"
#include "util/i18n.h"
#include "util/xmalloc.h"
#include "xray/decode_graph.h"

#define SUMMARY_MAX_BODY ((size_t)64 << 20)
#define TRACES_MAX_BODY ((size_t)256 << 20)
#define SMALL_MAX_BODY ((size_t)16 << 20)
#define CREDS_WAIT 30.0 /* longest a request waits for refreshed credentials */
#define MAX_PAGES 100000
/* With --max-traces, slices sent ahead of the newest unfinished one. */
#define ORDERED_LOOKAHEAD 16

/* ---- a set of trace ids ---- */

struct idset {
	char **ids;
	size_t n, cap;
	struct hash_index index;
};

static const char *
idset_key(const void *ids, size_t i)
{
	return ((char *const *)ids)[i];
}

static uint64_t
idset_hash(const void *ids, size_t i)
{
	return hash_str(idset_key(ids, i));
}

/* Adds id; false when it was there already. */
static bool
idset_add(struct idset *s, const char *id)
{
	if (!s->index.slots)
		hash_index_init(&s->index, 500);
	size_t *slot = hash_index_str_slot(&s->index, id, idset_key, s->ids);
	if (*slot)
		return false;
	XGROW(s->ids, s->cap, s->n + 1);
	s->ids[s->n++] = xstrdup(id);
	*slot = s->n;
	hash_index_added(&s->index, s->n, idset_hash, s->ids);
	return true;
}

static void
idset_free(struct idset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->ids[i]);
	free(s->ids);
	hash_index_free(&s->index);
	*s = (struct idset){0};
}

/* ---- state ---- */

struct scan {
	double start, end;
	char *range_type;
	char *filter;
	long max_traces;
	bool fetch_traces;
	size_t matched;
	bool stopped; /* max_traces reached */
	/* With max_traces, slices are taken newest first: each slice's pages
	 * wait in held[] until every newer slice is complete. */
	struct xr_store **held;
	bool *slice_done;
	size_t n_slices, next_commit;
	struct scan *next;
};

struct pending_id {
	char *id;
	int attempts; /* times BatchGetTraces left it unprocessed */
};

struct job {
	struct fetch *f;
	enum xray_op op;
	struct scan *scan;       /* summaries */
	size_t slice;            /* summaries: 0 = the newest */
	double start, end;       /* summaries, graph */
	char *group;             /* graph */
	struct xr_group *groups; /* GetGroups pages so far, until the store takes them */
	size_t n_groups;
	struct xr_service_graph *graph; /* GetServiceGraph pages so far, likewise */
	char *token;                    /* NextToken of the page to ask for */
	char **tokens;                  /* every token seen in this chain */
	size_t n_tokens, cap_tokens;
	struct pending_id ids[XRAY_BATCH_MAX];
	size_t n_ids;
	size_t page; /* 1-based */
	long long processed;
	/* retrying the current page */
	int attempts;
	double first_sent; /* monotonic; NAN before the first send */
	double since;      /* monotonic: start of its --retry-budget; NAN before queued */
	double ready_at;
	bool retrying;
	bool creds_retry_used;
	unsigned creds_gen;  /* generation of the credentials it was signed with */
	unsigned wait_creds; /* generation being replaced, 0 when not waiting */
	double wait_creds_since;
	char wait_reason[900];
	uint64_t http_id;
	struct job *next;
};

struct fetch {
	struct fetch_opts o;
	char *endpoint, *region, *ca_file;
	struct xr_store *store;
	struct xr_warnings *warnings;
	fetch_want_fn want;
	fetch_trace_fn on_trace;
	void *hook_ctx;

	struct job *queue;          /* waiting to be sent, in arrival order */
	double last_ok;             /* monotonic time of the last good reply; 0 = none */
	struct job *inflight;       /* sent */
	struct pending_id *pending; /* trace ids not yet in a job */
	size_t n_pending, cap_pending, pending_head;
	struct idset requested;
	size_t summary_jobs; /* summary pages queued or in flight */
	struct scan *scans;
	struct retry_ratelim rl;
	uint64_t rng;

	size_t replies; /* HTTP replies received, any status */
	struct fetch_progress progress;
	struct fetch_failure *failures;
	size_t n_failures, cap_failures;
	char **failed_ids;
	size_t n_failed_ids, cap_failed_ids;
	char *abort_reason;
	enum http_failure abort_failure;

	bool groups_done;
};

/* ---- text helpers ---- */

void
fetch_duration_text(double s, char *out, size_t size)
{
	if (s < 10 && s != floor(s))
		snprintf(out, size, "%.1fs", s);
	else if (s < 60)
		snprintf(out, size, "%.0fs", s);
	else if (fmod(round(s), 60) == 0 || s >= 600)
		snprintf(out, size, "%.0fm", round(s / 60));
	else
		snprintf(out, size, "%.0fm%.0fs", floor(round(s) / 60), fmod(round(s), 60));
}

void
fetch_window_text(double start, double end, char *out, size_t size)
{
	char a[40], b[40];
	timefmt_iso(start, a, sizeof a); /* 2026-11-27T08:00:00.000Z */
	timefmt_iso(end, b, sizeof b);
	bool whole = fmod(start, 60) == 0 && fmod(end, 60) == 0;
	bool frac = fmod(start, 1) != 0 || fmod(end, 1) != 0;
	int len = whole ? 16 : frac ? 23 : 19; /* up to minutes, milliseconds or seconds */
	bool same_day = strncmp(a, b, 10) == 0;
	snprintf(out, size, "%.*sZ..%.*sZ", len, a, same_day ? len - 11 : len,
	         same_day ? b + 11 : b);
}

size_t
fetch_slices(double start, double end, double slice, double **bounds)
{
	double len = end - start;
	size_t n;
	if (!(len > 0)) {
		n = 1;
	} else if (slice > 0) {
		double k = ceil(len / slice);
		n = k > 100000 ? 100000 : (size_t)k;
	} else {
		double k = ceil(len / FETCH_MIN_SLICE);
		n = k < 1 ? 1 : k > FETCH_MAX_SLICES ? FETCH_MAX_SLICES : (size_t)k;
		slice = ceil(len / (double)n);
		n = (size_t)ceil(len / slice);
		if (n < 1)
			n = 1;
	}
	if (slice <= 0)
		slice = len > 0 ? len : 1;
	double *b = xcalloc(n + 1, sizeof *b);
	for (size_t i = 0; i < n; i++)
		b[i] = start + (double)i * slice;
	b[n] = end;
	*bounds = b;
	return n;
}

static double
rand01(struct fetch *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return (double)(f->rng >> 11) / (double)(1ull << 53);
}

/* What a job fetches, for messages. */
static void
job_what(const struct job *j, char *out, size_t size)
{
	char win[80];
	switch (j->op) {
	case XRAY_GET_TRACE_SUMMARIES:
	case XRAY_GET_SERVICE_GRAPH:
		fetch_window_text(j->start, j->end, win, sizeof win);
		if (j->page > 1)
			snprintf(out, size, _("%s %s (page %zu)"), xray_op_name(j->op), win,
			         j->page);
		else
			snprintf(out, size, "%s %s", xray_op_name(j->op), win);
		break;
	case XRAY_BATCH_GET_TRACES: {
		int n = snprintf(out, size, "BatchGetTraces");
		for (size_t i = 0; i < j->n_ids && n > 0 && (size_t)n < size; i++)
			n += snprintf(out + n, size - (size_t)n, "%s%s", i ? ", " : " ",
			              j->ids[i].id);
		break;
	}
	case XRAY_GET_GROUPS: snprintf(out, size, "GetGroups"); break;
	}
}

/* ---- jobs and queues ---- */

static struct job *
job_new(struct fetch *f, enum xray_op op)
{
	struct job *j = xcalloc(1, sizeof *j);
	j->f = f;
	j->op = op;
	j->first_sent = NAN;
	j->since = NAN;
	j->page = 1;
	j->processed = -1;
	return j;
}

static void
job_free(struct job *j)
{
	free(j->token);
	for (size_t i = 0; i < j->n_tokens; i++)
		free(j->tokens[i]);
	free(j->tokens);
	for (size_t i = 0; i < j->n_ids; i++)
		free(j->ids[i].id);
	free(j->group);
	group_list_free(j->groups, j->n_groups);
	svcgraph_free(j->graph);
	free(j);
}

static void
enqueue(struct fetch *f, struct job *j, double ready_at)
{
	j->ready_at = ready_at;
	if (isnan(j->since))
		j->since = ready_at;
	j->next = NULL;
	struct job **p = &f->queue;
	while (*p)
		p = &(*p)->next;
	*p = j;
}

static void
list_remove(struct job **head, struct job *j)
{
	for (struct job **p = head; *p; p = &(*p)->next) {
		if (*p == j) {
			*p = j->next;
			j->next = NULL;
			return;
		}
	}
}

static void commit_slices(struct fetch *f, struct scan *s);

/* A page is done (or dropped): a summary job no longer counts. */
static void
job_done(struct fetch *f, struct job *j)
{
	if (j->op == XRAY_GET_TRACE_SUMMARIES) {
		f->summary_jobs--;
		f->progress.slices_done++;
		if (j->scan->held) {
			j->scan->slice_done[j->slice] = true;
			commit_slices(f, j->scan);
		}
	}
	/* the store gets what was fetched, all of it or as far as it got */
	if (j->op == XRAY_GET_GROUPS) {
		store_set_groups(f->store, j->groups, j->n_groups);
		j->groups = NULL;
		j->n_groups = 0;
		f->groups_done = true;
	} else if (j->op == XRAY_GET_SERVICE_GRAPH) {
		store_set_service_graph(f->store, j->graph);
		j->graph = NULL;
	}
	job_free(j);
}

static void
add_failure(struct fetch *f, enum xray_op op, const char *what, const char *why, size_t count)
{
	XGROW(f->failures, f->cap_failures, f->n_failures + 1);
	f->failures[f->n_failures++] =
	    (struct fetch_failure){op, xstrdup(what), xstrdup(why), count, NAN, NAN};
	dlog("FAILED %s: %s", what, why);
}

static void
failed_id(struct fetch *f, const char *id)
{
	XGROW(f->failed_ids, f->cap_failed_ids, f->n_failed_ids + 1);
	f->failed_ids[f->n_failed_ids++] = xstrdup(id);
}

static void
job_fail(struct fetch *f, struct job *j, const char *why)
{
	for (size_t i = 0; j->op == XRAY_BATCH_GET_TRACES && i < j->n_ids; i++)
		failed_id(f, j->ids[i].id);
	char what[400];
	job_what(j, what, sizeof what);
	add_failure(f, j->op, what, why, j->op == XRAY_BATCH_GET_TRACES ? j->n_ids : 1);
	if (j->op == XRAY_GET_TRACE_SUMMARIES) {
		f->failures[f->n_failures - 1].start = j->start;
		f->failures[f->n_failures - 1].end = j->end;
	}
	job_done(f, j);
}

/* ---- construction ---- */

struct fetch *
fetch_new(const struct fetch_opts *o, struct xr_store *store, struct xr_warnings *warnings)
{
	struct fetch *f = xcalloc(1, sizeof *f);
	f->o = *o;
	f->endpoint = xstrdup(o->endpoint);
	f->region = xstrdup(o->region);
	f->ca_file = o->ca_file ? xstrdup(o->ca_file) : NULL;
	f->o.endpoint = f->endpoint;
	f->o.region = f->region;
	f->o.ca_file = f->ca_file;
	if (f->o.concurrency <= 0)
		f->o.concurrency = FETCH_DEFAULT_CONCURRENCY;
	if (f->o.retry_budget <= 0)
		f->o.retry_budget = FETCH_DEFAULT_RETRY_BUDGET;
	if (f->o.max_attempts <= 0)
		f->o.max_attempts = RETRY_DEFAULT_MAX_ATTEMPTS;
	if (f->o.request_timeout <= 0)
		f->o.request_timeout = 60;
	f->store = store;
	f->warnings = warnings;
	retry_ratelim_init(&f->rl, timefmt_monotonic());
	f->rng = (uint64_t)time(NULL) * 6364136223846793005ull ^ (uint64_t)getpid() ^ (uintptr_t)f;
	if (!f->rng)
		f->rng = 88172645463325252ull;
	f->progress.send_rate = INFINITY;
	return f;
}

void
fetch_free(struct fetch *f)
{
	if (!f)
		return;
	while (f->inflight) {
		struct job *j = f->inflight;
		f->inflight = j->next;
		http_cancel(f->o.http, j->http_id);
		job_free(j);
	}
	while (f->queue) {
		struct job *j = f->queue;
		f->queue = j->next;
		job_free(j);
	}
	for (size_t i = f->pending_head; i < f->n_pending; i++)
		free(f->pending[i].id);
	free(f->pending);
	idset_free(&f->requested);
	while (f->scans) {
		struct scan *s = f->scans;
		f->scans = s->next;
		free(s->range_type);
		free(s->filter);
		for (size_t i = 0; s->held && i < s->n_slices; i++)
			store_free(s->held[i]);
		free(s->held);
		free(s->slice_done);
		free(s);
	}
	for (size_t i = 0; i < f->n_failures; i++) {
		free(f->failures[i].what);
		free(f->failures[i].why);
	}
	free(f->failures);
	for (size_t i = 0; i < f->n_failed_ids; i++)
		free(f->failed_ids[i]);
	free(f->failed_ids);
	free(f->abort_reason);
	free(f->endpoint);
	free(f->region);
	free(f->ca_file);
	free(f);
}

void
fetch_set_hooks(struct fetch *f, fetch_want_fn want, fetch_trace_fn on_trace, void *ctx)
{
	f->want = want;
	f->on_trace = on_trace;
	f->hook_ctx = ctx;
}

void
fetch_scan(struct fetch *f, const struct fetch_scan_opts *o)
{
	if (f->abort_reason)
		return;
	struct scan *s = xcalloc(1, sizeof *s);
	s->start = floor(o->start);
	s->end = ceil(o->end);
	s->range_type = o->time_range_type ? xstrdup(o->time_range_type) : NULL;
	s->filter = o->filter && *o->filter ? xstrdup(o->filter) : NULL;
	s->max_traces = o->max_traces;
	s->fetch_traces = o->fetch_traces;
	s->next = f->scans;
	f->scans = s;
	double *b;
	size_t n = fetch_slices(s->start, s->end, f->o.slice, &b);
	double now = timefmt_monotonic();
	s->n_slices = n;
	if (s->max_traces >= 0) {
		s->held = xcalloc(n, sizeof *s->held);
		s->slice_done = xcalloc(n, sizeof *s->slice_done);
	}
	for (size_t i = n; i-- > 0;) { /* newest first */
		struct job *j = job_new(f, XRAY_GET_TRACE_SUMMARIES);
		j->scan = s;
		j->slice = n - 1 - i;
		j->start = b[i];
		j->end = b[i + 1];
		enqueue(f, j, now);
		f->summary_jobs++;
	}
	f->progress.slices += n;
	free(b);
	dlog("scan %s: %zu slices%s%s", "queued", n, s->filter ? ", filter " : "",
	     s->filter ? s->filter : "");
}

/* Forgets the ids asked for that the store no longer holds (--max-traces
 * evicted them), once they outnumber what it holds: in live mode the set
 * would otherwise grow with every trace. */
static void
forget_evicted(struct fetch *f)
{
	if (f->requested.n < 2 * store_count(f->store) + 64)
		return;
	struct idset kept = {0};
	for (size_t i = 0; i < f->requested.n; i++)
		if (store_find(f->store, f->requested.ids[i]))
			idset_add(&kept, f->requested.ids[i]);
	dlog("forgot %zu trace ids no longer held", f->requested.n - kept.n);
	idset_free(&f->requested);
	f->requested = kept;
}

/* Queues id (the queue takes it) for BatchGetTraces. */
static void
queue_trace(struct fetch *f, char *id)
{
	if (f->pending_head > 0 && f->pending_head == f->n_pending)
		f->pending_head = f->n_pending = 0;
	XGROW(f->pending, f->cap_pending, f->n_pending + 1);
	f->pending[f->n_pending++] = (struct pending_id){id, 0};
}

static void
want_trace(struct fetch *f, const char *id)
{
	forget_evicted(f);
	if (!idset_add(&f->requested, id))
		return;
	queue_trace(f, xstrdup(id));
	f->progress.to_fetch++;
}

void
fetch_traces(struct fetch *f, const char *const *ids, size_t n)
{
	for (size_t i = 0; i < n && !f->abort_reason; i++)
		want_trace(f, ids[i]);
}

size_t
fetch_retry_failed_traces(struct fetch *f)
{
	if (f->abort_reason)
		return 0;
	size_t asked = 0;
	for (size_t i = 0; i < f->n_failed_ids; i++) {
		if (store_find(f->store, f->failed_ids[i])) {
			queue_trace(f, f->failed_ids[i]);
			asked++;
		} else { /* evicted meanwhile: nobody asks for it any more */
			free(f->failed_ids[i]);
		}
	}
	f->n_failed_ids = 0;
	if (asked)
		dlog("asking again for %zu traces BatchGetTraces failed to fetch", asked);
	return asked;
}

void
fetch_get_groups(struct fetch *f)
{
	if (f->abort_reason)
		return;
	f->groups_done = false;
	enqueue(f, job_new(f, XRAY_GET_GROUPS), timefmt_monotonic());
}

void
fetch_get_service_graph(struct fetch *f, double start, double end, const char *group)
{
	if (f->abort_reason)
		return;
	struct job *j = job_new(f, XRAY_GET_SERVICE_GRAPH);
	j->graph = svcgraph_new();
	j->start = floor(start);
	j->end = ceil(end);
	j->group = group ? xstrdup(group) : NULL;
	enqueue(f, j, timefmt_monotonic());
}

/* ---- stopping everything ---- */

static size_t
count_unfinished(struct fetch *f, enum xray_op op, struct job *except)
{
	size_t n = 0;
	for (struct job *j = f->queue; j; j = j->next)
		if (j->op == op && j != except)
			n += op == XRAY_BATCH_GET_TRACES ? j->n_ids : 1;
	for (struct job *j = f->inflight; j; j = j->next)
		if (j->op == op && j != except)
			n += op == XRAY_BATCH_GET_TRACES ? j->n_ids : 1;
	if (op == XRAY_BATCH_GET_TRACES)
		n += f->n_pending - f->pending_head;
	return n;
}

static void
fetch_abort(struct fetch *f, struct job *cause, const char *why, enum http_failure failure)
{
	char what[400];
	job_what(cause, what, sizeof what);
	size_t slices = count_unfinished(f, XRAY_GET_TRACE_SUMMARIES, cause);
	size_t traces = count_unfinished(f, XRAY_BATCH_GET_TRACES, cause);
	f->abort_reason = xasprintf("%s: %s", what, why);
	f->abort_failure = failure;
	dlog("ABORT %s", f->abort_reason);
	if (slices + (cause->op == XRAY_GET_TRACE_SUMMARIES))
		add_failure(f, XRAY_GET_TRACE_SUMMARIES, "GetTraceSummaries",
		            _("not fetched (stopped)"),
		            slices + (cause->op == XRAY_GET_TRACE_SUMMARIES));
	if (traces + (cause->op == XRAY_BATCH_GET_TRACES ? cause->n_ids : 0))
		add_failure(f, XRAY_BATCH_GET_TRACES, "BatchGetTraces", _("not fetched (stopped)"),
		            traces + (cause->op == XRAY_BATCH_GET_TRACES ? cause->n_ids : 0));
	for (size_t i = 0; cause->op == XRAY_BATCH_GET_TRACES && i < cause->n_ids; i++)
		failed_id(f, cause->ids[i].id);
	job_done(f, cause);
	while (f->inflight) {
		struct job *j = f->inflight;
		f->inflight = j->next;
		http_cancel(f->o.http, j->http_id);
		f->progress.in_flight--;
		for (size_t i = 0; j->op == XRAY_BATCH_GET_TRACES && i < j->n_ids; i++)
			failed_id(f, j->ids[i].id);
		job_done(f, j);
	}
	while (f->queue) {
		struct job *j = f->queue;
		f->queue = j->next;
		for (size_t i = 0; j->op == XRAY_BATCH_GET_TRACES && i < j->n_ids; i++)
			failed_id(f, j->ids[i].id);
		job_done(f, j);
	}
	for (size_t i = f->pending_head; i < f->n_pending; i++) {
		failed_id(f, f->pending[i].id);
		free(f->pending[i].id);
	}
	f->pending_head = f->n_pending = 0;
	f->progress.retrying = 0;
	f->groups_done = true;
}

/* ---- sending ---- */

static void on_reply(void *ctx, struct http_response *r);

/* When a job's --retry-budget started: for one never sent, waiting for a
 * connection slot counts only since the service last answered (a long
 * queue behind good replies is no failure). */
static double
budget_start(const struct fetch *f, const struct job *j)
{
	if (isnan(j->first_sent) && f->last_ok > j->since)
		return f->last_ok;
	return j->since;
}

static void
send_job(struct fetch *f, struct job *j, double now)
{
	struct buf body = BUF_INIT;
	size_t max_body = SMALL_MAX_BODY;
	switch (j->op) {
	case XRAY_GET_TRACE_SUMMARIES:
		xray_body_trace_summaries(&body, j->start, j->end, j->scan->range_type,
		                          j->scan->filter, j->token);
		max_body = SUMMARY_MAX_BODY;
		break;
	case XRAY_BATCH_GET_TRACES: {
		char *ids[XRAY_BATCH_MAX];
		for (size_t i = 0; i < j->n_ids; i++)
			ids[i] = j->ids[i].id;
		xray_body_batch_get_traces(&body, ids, j->n_ids, j->token);
		max_body = TRACES_MAX_BODY;
		break;
	}
	case XRAY_GET_SERVICE_GRAPH:
		xray_body_service_graph(&body, j->start, j->end, j->group, j->token);
		break;
	case XRAY_GET_GROUPS: xray_body_groups(&body, j->token); break;
	}
	const struct aws_creds *c = creds_current(f->o.creds);
	struct http_sigv4 sig = {f->region, "xray", c->access_key_id, c->secret_access_key,
	                         c->session_token};
	char *url = xasprintf("%s%s", f->endpoint, xray_op_path(j->op));
	if (isnan(j->first_sent))
		j->since = budget_start(f, j);
	/* One attempt may use what is left of the budget, at least a second. */
	double timeout = f->o.request_timeout, left = f->o.retry_budget - (now - j->since);
	if (left < timeout)
		timeout = left > 1 ? left : 1;
	static const char *const headers[] = {"Content-Type: application/json"};
	struct http_request req = {
	    .method = "POST",
	    .url = url,
	    .body = body.data ? body.data : "{}",
	    .body_len = body.data ? body.len : 2,
	    .headers = headers,
	    .n_headers = 1,
	    .sigv4 = &sig,
	    .timeout = timeout,
	    .max_body = max_body,
	    .direct = f->o.direct,
	    .ca_file = f->o.ca_file,
	};
	j->wait_creds = 0;
	j->creds_gen = creds_generation(f->o.creds);
	if (isnan(j->first_sent))
		j->first_sent = now;
	if (j->retrying) {
		j->retrying = false;
		f->progress.retrying--;
	}
	j->attempts++;
	j->http_id = http_submit(f->o.http, &req, on_reply, j);
	j->next = f->inflight;
	f->inflight = j;
	f->progress.in_flight++;
	f->progress.requests++;
	if (dlog_enabled()) {
		char what[400];
		job_what(j, what, sizeof what);
		dlog("send #%llu %s attempt %d: POST %s %.*s%s", (unsigned long long)j->http_id,
		     what, j->attempts, url, (int)(body.len > 400 ? 400 : body.len),
		     body.data ? body.data : "", body.len > 400 ? "..." : "");
	}
	free(url);
	buf_free(&body);
}

/* A batch of pending ids, when it makes sense to send one: full, or the
 * last ids once no summary page can add more. */
static struct job *
form_batch(struct fetch *f)
{
	size_t avail = f->n_pending - f->pending_head;
	if (avail == 0 || (avail < XRAY_BATCH_MAX && f->summary_jobs > 0))
		return NULL;
	struct job *j = job_new(f, XRAY_BATCH_GET_TRACES);
	while (j->n_ids < XRAY_BATCH_MAX && f->pending_head < f->n_pending)
		j->ids[j->n_ids++] = f->pending[f->pending_head++];
	if (f->pending_head == f->n_pending)
		f->pending_head = f->n_pending = 0;
	return j;
}

static int
priority(enum xray_op op)
{
	switch (op) {
	case XRAY_GET_GROUPS: return 0;
	case XRAY_GET_TRACE_SUMMARIES: return 1;
	case XRAY_GET_SERVICE_GRAPH: return 2;
	case XRAY_BATCH_GET_TRACES: return 3;
	}
	return 4;
}

/* Drops summary pages of scans that reached --max-traces. */
static void
drop_stopped(struct fetch *f)
{
	for (struct job **p = &f->queue; *p;) {
		struct job *j = *p;
		if (j->op == XRAY_GET_TRACE_SUMMARIES && j->scan->stopped) {
			*p = j->next;
			f->progress.more_available = true;
			if (j->retrying)
				f->progress.retrying--;
			job_done(f, j);
		} else {
			p = &j->next;
		}
	}
}

/* The queued job to send next, or NULL; *wake is lowered to when a
 * waiting job becomes ready. */
static struct job *
pick(struct fetch *f, double now, double *wake)
{
	struct job *best = NULL;
	unsigned gen = creds_generation(f->o.creds);
	for (struct job *j = f->queue; j; j = j->next) {
		if (j->wait_creds) {
			if (gen == j->wait_creds && now - j->wait_creds_since < CREDS_WAIT) {
				if (*wake > 0.1)
					*wake = 0.1;
				continue;
			}
			if (gen == j->wait_creds) {
				/* never refreshed: report the original error */
				list_remove(&f->queue, j);
				char why[1400];
				const char *re = creds_refresh_error(f->o.creds);
				snprintf(why, sizeof why, "%s%s%s", j->wait_reason, re ? "; " : "",
				         re ? re : "");
				fetch_abort(f, j, why, HTTP_FAIL_NONE);
				return NULL;
			}
		}
		if (j->ready_at > now) {
			if (j->ready_at - now < *wake)
				*wake = j->ready_at - now;
			continue;
		}
		if (j->op == XRAY_GET_TRACE_SUMMARIES && j->scan->held &&
		    j->slice >= j->scan->next_commit + ORDERED_LOOKAHEAD)
			continue; /* sent once newer slices are in */
		if (!best || priority(j->op) < priority(best->op))
			best = j;
	}
	if (best && priority(best->op) < priority(XRAY_BATCH_GET_TRACES))
		return best;
	if (!best) {
		struct job *b = form_batch(f);
		if (b)
			enqueue(f, b, now);
		return b;
	}
	return best;
}

/* Fails the queued jobs whose --retry-budget is spent (waiting for a
 * connection slot or the send rate while the service does not answer);
 * returns wake lowered to the next such deadline. */
static double
expire_queued(struct fetch *f, double now, double wake)
{
	struct job *j = f->queue;
	while (j) {
		struct job *next = j->next;
		double left = budget_start(f, j) + f->o.retry_budget - now;
		if (!j->wait_creds && j->ready_at <= now && left <= 0) {
			char dur[32], msg[200];
			fetch_duration_text(now - budget_start(f, j), dur, sizeof dur);
			snprintf(msg, sizeof msg,
			         _("not sent: waited %s for a connection slot with no reply from "
			           "the service (--retry-budget spent)"),
			         dur);
			if (j->retrying) {
				j->retrying = false;
				f->progress.retrying--;
			}
			list_remove(&f->queue, j);
			job_fail(f, j, msg);
			if (f->abort_reason)
				return INFINITY;
		} else if (!j->wait_creds && left > 0 && left < wake) {
			wake = left;
		}
		j = next;
	}
	return wake;
}

double
fetch_tick(struct fetch *f)
{
	double wake = INFINITY;
	if (f->abort_reason)
		return wake;
	drop_stopped(f);
	if (creds_ready(f->o.creds))
		wake = expire_queued(f, timefmt_monotonic(), wake);
	for (;;) {
		double now = timefmt_monotonic();
		if (f->progress.in_flight >= (size_t)f->o.concurrency)
			break;
		/* Hold everything until there are credentials, and while expired
		 * ones are being replaced. */
		if (!creds_ready(f->o.creds))
			break;
		const struct aws_creds *c = creds_current(f->o.creds);
		if (!isnan(c->expiration) && c->expiration <= timefmt_now() + 5 &&
		    creds_refreshing(f->o.creds)) {
			wake = 0.1;
			break;
		}
		struct job *j = pick(f, now, &wake);
		if (f->abort_reason)
			return INFINITY;
		if (!j)
			break;
		double d = retry_ratelim_acquire(&f->rl, now);
		if (d > 0) {
			if (d < wake)
				wake = d;
			break;
		}
		list_remove(&f->queue, j);
		send_job(f, j, now);
	}
	f->progress.send_rate = retry_ratelim_rate(&f->rl);
	return wake;
}

bool
fetch_idle(const struct fetch *f)
{
	return !f->queue && !f->inflight && f->n_pending == f->pending_head;
}

/* ---- replies ---- */

static void
retry_later(struct fetch *f, struct job *j, double now, double delay)
{
	if (!j->retrying) {
		j->retrying = true;
		f->progress.retrying++;
	}
	enqueue(f, j, now + delay);
}

/* Moves the summaries of a page into the main store: counts the new ones,
 * stops at --max-traces, queues full traces. */
static void
take_summaries(struct fetch *f, struct scan *s, struct xr_store *page)
{
	for (size_t i = 0; i < store_count(page); i++) {
		struct xr_store_entry *pe = store_entry(page, i);
		if (!pe->api_summary)
			continue;
		bool known = store_find(f->store, pe->api_summary->id) != NULL;
		if (!known && s->stopped) {
			f->progress.more_available = true;
			continue;
		}
		struct xr_store_entry *e =
		    store_add_summary(f->store, pe->api_summary, pe->summary_arena);
		pe->api_summary = NULL;
		pe->summary_arena = NULL;
		if (known)
			continue;
		f->progress.matched++;
		s->matched++;
		if (s->fetch_traces && (!f->want || f->want(f->hook_ctx, e)))
			want_trace(f, e->api_summary->id);
		if (s->max_traces >= 0 && s->matched >= (size_t)s->max_traces)
			s->stopped = true;
	}
}

/* Takes the held slices that are complete and have no newer slice left. */
static void
commit_slices(struct fetch *f, struct scan *s)
{
	while (s->next_commit < s->n_slices && s->slice_done[s->next_commit]) {
		struct xr_store *held = s->held[s->next_commit];
		if (held) {
			take_summaries(f, s, held);
			store_free(held);
			s->held[s->next_commit] = NULL;
		}
		s->next_commit++;
	}
}

/* Remembers a NextToken; false when it came before in this chain. */
static bool
note_token(struct job *j, const char *token)
{
	for (size_t i = 0; i < j->n_tokens; i++)
		if (strcmp(j->tokens[i], token) == 0)
			return false;
	XGROW(j->tokens, j->cap_tokens, j->n_tokens + 1);
	j->tokens[j->n_tokens++] = xstrdup(token);
	return true;
}

/* Continues a chain with the next page, or finishes it.  Returns 1 when
 * the job was queued again, 0 when done, -1 when it failed. */
static int
next_page(struct fetch *f, struct job *j, char *token, double now)
{
	if (!token) {
		job_done(f, j);
		return 0;
	}
	if (!note_token(j, token) || j->page >= MAX_PAGES) {
		free(token);
		job_fail(f, j,
		         j->page >= MAX_PAGES ? _("more than 100000 pages: stopped paging")
		                              : _("the service sent the same NextToken again: "
		                                  "stopped paging this time slice (results may be "
		                                  "incomplete)"));
		return -1;
	}
	free(j->token);
	j->token = token;
	j->page++;
	j->attempts = 0;
	j->first_sent = NAN;
	j->since = NAN;
	j->creds_retry_used = false;
	enqueue(f, j, now);
	return 1;
}

static int
process_summaries(struct fetch *f, struct job *j, struct http_response *r, double now,
                  struct xr_err *err)
{
	struct scan *s = j->scan;
	struct xr_store *page = s->held && s->held[j->slice] ? s->held[j->slice] : store_new();
	struct decode_page dp;
	int rc = decode_trace_summaries_response(r->body.data ? r->body.data : "", r->body.len,
	                                         page, &dp, f->warnings, err);
	if (s->held) {
		s->held[j->slice] = page; /* taken when the newer slices are done */
	} else {
		if (rc == 0)
			take_summaries(f, s, page);
		store_free(page);
	}
	if (rc < 0)
		return -1;
	if (dp.processed > j->processed) {
		f->progress.scanned +=
		    (unsigned long long)(dp.processed - (j->processed < 0 ? 0 : j->processed));
		j->processed = dp.processed;
	}
	char *token = dp.next_token;
	dp.next_token = NULL;
	decode_page_free(&dp);
	if (token && j->scan->stopped) {
		f->progress.more_available = true;
		free(token);
		token = NULL;
	}
	next_page(f, j, token, now);
	return 0;
}

struct raw_ctx {
	struct fetch *f;
};

/* Finds the "Id" member, then stops the scan (by claiming the rest). */
static const char *
raw_id(void *ctx, const struct jsonscan_member *m, const char *end)
{
	const char **id = ctx;
	if (m->key_len == 2 && memcmp(m->key, "Id", 2) == 0 && *m->value == '"') {
		*id = m->value;
		return end;
	}
	return NULL;
}

/* One element of "Traces": its text goes to the on_trace hook. */
static const char *
raw_trace(void *ctx, const char *p, const char *end)
{
	struct fetch *f = ctx;
	const char *vend = jsonscan_value_end(p, end, 1000);
	if (!vend)
		return end;
	const char *idv = NULL, *bad;
	jsonscan_object(p, vend, raw_id, &idv, &bad);
	const char *close = idv ? memchr(idv + 1, '"', (size_t)(vend - idv - 1)) : NULL;
	if (!close || close - idv - 1 > XR_TRACE_ID_LEN)
		return vend;
	char id[XR_TRACE_ID_LEN + 1];
	memcpy(id, idv + 1, (size_t)(close - idv - 1));
	id[close - idv - 1] = '\0';
	const struct xr_store_entry *e = store_find(f->store, id);
	if (e)
		f->on_trace(f->hook_ctx, e, p, (size_t)(vend - p));
	return vend;
}

static const char *
raw_traces_member(void *ctx, const struct jsonscan_member *m, const char *end)
{
	if (m->key_len == 6 && memcmp(m->key, "Traces", 6) == 0 && *m->value == '[') {
		const char *bad;
		const char *after = jsonscan_array(m->value, end, raw_trace, ctx, &bad);
		return after ? after : end;
	}
	return NULL;
}

static int
process_traces(struct fetch *f, struct job *j, const char *body, size_t len, double now,
               struct xr_err *err)
{
	struct decode_page dp;
	if (decode_batch_get_traces_response(body, len, f->store, &dp, f->warnings, err) < 0)
		return -1;
	f->progress.fetched += dp.n_items;
	f->progress.limit_exceeded += dp.n_limit_exceeded;
	if (f->on_trace) {
		const char *bad;
		jsonscan_object(jsonscan_skip_ws(body, body + len), body + len, raw_traces_member,
		                f, &bad);
	}
	/* Ids asked for: received, unprocessed (ask again), or missing. */
	for (size_t i = 0; i < j->n_ids; i++) {
		const char *id = j->ids[i].id;
		bool unprocessed = false;
		for (size_t k = 0; k < dp.n_unprocessed; k++)
			unprocessed |= strcmp(dp.unprocessed[k], id) == 0;
		const struct xr_store_entry *e = store_find(f->store, id);
		if (unprocessed) {
			if (++j->ids[i].attempts >= f->o.max_attempts) {
				char why[200];
				snprintf(
				    why, sizeof why,
				    _("left in UnprocessedTraceIds by %d BatchGetTraces requests"),
				    j->ids[i].attempts);
				char what[100];
				snprintf(what, sizeof what, "BatchGetTraces %s", id);
				add_failure(f, XRAY_BATCH_GET_TRACES, what, why, 1);
				failed_id(f, id);
			} else {
				XGROW(f->pending, f->cap_pending, f->n_pending + 1);
				f->pending[f->n_pending++] = j->ids[i];
				j->ids[i].id = NULL;
			}
		} else if ((!e || !e->trace) && !dp.next_token) {
			char what[100];
			snprintf(what, sizeof what, "BatchGetTraces %s", id);
			add_failure(f, XRAY_BATCH_GET_TRACES, what,
			            _("not in the reply (expired or unknown trace id)"), 1);
			failed_id(f, id);
		}
	}
	if (dp.n_limit_exceeded)
		dlog("BatchGetTraces: %zu traces have LimitExceeded (segments missing)",
		     dp.n_limit_exceeded);
	char *token = dp.next_token;
	dp.next_token = NULL;
	decode_page_free(&dp);
	if (token) {
		/* More segments of the same ids: drop the ids already re-queued. */
		size_t k = 0;
		for (size_t i = 0; i < j->n_ids; i++)
			if (j->ids[i].id)
				j->ids[k++] = j->ids[i];
		j->n_ids = k;
		if (!k) {
			free(token);
			token = NULL;
		}
	}
	next_page(f, j, token, now);
	return 0;
}

static int
process_groups(struct fetch *f, struct job *j, struct http_response *r, double now,
               struct xr_err *err)
{
	char *token = NULL;
	if (decode_groups_response(r->body.data ? r->body.data : "", r->body.len, &j->groups,
	                           &j->n_groups, &token, err) < 0)
		return -1;
	next_page(f, j, token, now);
	return 0;
}

static int
process_graph(struct fetch *f, struct job *j, struct http_response *r, double now,
              struct xr_err *err)
{
	char *token = NULL;
	if (decode_service_graph_response(r->body.data ? r->body.data : "", r->body.len, j->graph,
	                                  &token, err) < 0)
		return -1;
	next_page(f, j, token, now);
	return 0;
}

/* What to do with a request that did not succeed: retry, fail it, or stop
 * everything. */
static void
handle_failure(struct fetch *f, struct job *j, const struct xray_reply *reply, double now)
{
	const struct xray_reply rep = *reply;
	char why[900];
	if (strcmp(rep.code, rep.message) == 0 || !rep.message[0])
		snprintf(why, sizeof why, "%s", rep.code[0] ? rep.code : rep.message);
	else if (rep.code[0])
		snprintf(why, sizeof why, "%s: %s", rep.code, rep.message);
	else
		snprintf(why, sizeof why, "%s", rep.message);
	switch (rep.verdict) {
	case XRAY_OK: break;
	case XRAY_THROTTLED: {
		f->progress.throttled++;
		double elapsed = now - j->since;
		double delay = retry_backoff(j->attempts, rand01(f));
		if (elapsed + delay > f->o.retry_budget) {
			char dur[32], msg[1000];
			fetch_duration_text(elapsed, dur, sizeof dur);
			snprintf(msg, sizeof msg, _("%s after %s of retries (%d attempts)"),
			         rep.code, dur, j->attempts);
			job_fail(f, j, msg);
		} else {
			dlog("  %s: retry in %.2fs (send rate %.1f/s)", rep.code, delay,
			     retry_ratelim_rate(&f->rl));
			retry_later(f, j, now, delay);
		}
		break;
	}
	case XRAY_TRANSIENT: {
		double elapsed = now - j->since;
		double delay = retry_backoff(j->attempts, rand01(f));
		if (j->attempts >= f->o.max_attempts) {
			char msg[1000];
			snprintf(msg, sizeof msg, _("%s (after %d attempts)"), why, j->attempts);
			job_fail(f, j, msg);
		} else if (elapsed + delay > f->o.retry_budget) {
			char dur[32], msg[1100];
			fetch_duration_text(elapsed, dur, sizeof dur);
			snprintf(msg, sizeof msg,
			         _("%s (after %d attempts in %s: --retry-budget spent)"), why,
			         j->attempts, dur);
			job_fail(f, j, msg);
		} else {
			dlog("  %s: retry in %.2fs", why, delay);
			retry_later(f, j, now, delay);
		}
		break;
	}
	case XRAY_EXPIRED:
		if (!j->creds_retry_used && creds_generation(f->o.creds) != j->creds_gen) {
			j->creds_retry_used = true; /* newer credentials arrived meanwhile */
			enqueue(f, j, now);
		} else if (!j->creds_retry_used && creds_refresh_now(f->o.creds, j->creds_gen)) {
			j->creds_retry_used = true;
			j->wait_creds = j->creds_gen;
			j->wait_creds_since = now;
			snprintf(j->wait_reason, sizeof j->wait_reason, "%s", why);
			dlog("  %s: waiting for refreshed credentials", rep.code);
			enqueue(f, j, now);
		} else {
			fetch_abort(f, j, why, rep.failure);
		}
		break;
	case XRAY_FATAL: fetch_abort(f, j, why, rep.failure); break;
	case XRAY_FAILED:
		if (j->op == XRAY_GET_TRACE_SUMMARIES &&
		    strcmp(rep.code, "InvalidRequestException") == 0) {
			/* Every slice sends the same parameters: stop them all. */
			char msg[1400];
			if (j->scan->filter)
				snprintf(msg, sizeof msg, "%s (FilterExpression: %s)", why,
				         j->scan->filter);
			else
				snprintf(msg, sizeof msg, "%s", why);
			fetch_abort(f, j, msg, rep.failure);
		} else {
			job_fail(f, j, why);
		}
		break;
	}
}

/* A 200 reply that is not what the API promises: retried like a 5xx. */
static void
invalid_reply(struct fetch *f, struct job *j, const struct xr_err *err, double now)
{
	struct xray_reply rep = {.verdict = XRAY_TRANSIENT};
	snprintf(rep.code, sizeof rep.code, "%s", _("invalid reply"));
	snprintf(rep.message, sizeof rep.message, "%.590s", err->msg);
	handle_failure(f, j, &rep, now);
}

static void
on_reply(void *ctx, struct http_response *r)
{
	struct job *j = ctx;
	struct fetch *f = j->f;
	double now = timefmt_monotonic();
	list_remove(&f->inflight, j);
	f->progress.in_flight--;
	struct xray_reply rep;
	xray_classify(r, &rep);
	if (dlog_enabled()) {
		char what[400];
		job_what(j, what, sizeof what);
		dlog("reply #%llu %s: %s%ld %s%s%s %zu bytes %.3fs request-id %s",
		     (unsigned long long)j->http_id, what, r->failure ? "" : "HTTP ",
		     r->failure ? 0L : r->status, r->failure ? http_failure_name(r->failure) : "",
		     rep.code[0] ? " " : "", rep.code, r->body.len, r->elapsed,
		     r->request_id[0] ? r->request_id : "-");
	}
	j->http_id = 0;
	if (r->failure == HTTP_FAIL_NONE)
		f->replies++;
	/* Every request goes to the same host: when it cannot be found or
	 * reached even after retries (or on the very first try, for a name
	 * that never resolved), nothing else will fare better. */
	bool unreachable = r->failure == HTTP_FAIL_RESOLVE || r->failure == HTTP_FAIL_CONNECT;
	if (unreachable &&
	    (j->attempts >= f->o.max_attempts ||
	     (r->failure == HTTP_FAIL_RESOLVE && f->replies == 0 && j->attempts >= 2)))
		rep.verdict = XRAY_FATAL;
	retry_ratelim_response(&f->rl, now, rep.verdict == XRAY_THROTTLED);
	if (rep.verdict == XRAY_OK)
		f->last_ok = now;
	if (rep.verdict != XRAY_OK) {
		handle_failure(f, j, &rep, now);
		return;
	}
	struct xr_err err = {0};
	int rc = -1;
	const char *body = r->body.data ? r->body.data : "";
	switch (j->op) {
	case XRAY_GET_TRACE_SUMMARIES: rc = process_summaries(f, j, r, now, &err); break;
	case XRAY_BATCH_GET_TRACES: rc = process_traces(f, j, body, r->body.len, now, &err); break;
	case XRAY_GET_GROUPS: rc = process_groups(f, j, r, now, &err); break;
	case XRAY_GET_SERVICE_GRAPH: rc = process_graph(f, j, r, now, &err); break;
	}
	if (rc < 0)
		invalid_reply(f, j, &err, now);
}

/* ---- results ---- */

const struct fetch_progress *
fetch_progress(const struct fetch *f)
{
	return &f->progress;
}

const char *
fetch_aborted(const struct fetch *f)
{
	return f->abort_reason;
}

enum http_failure
fetch_abort_failure(const struct fetch *f)
{
	return f->abort_reason ? f->abort_failure : HTTP_FAIL_NONE;
}

size_t
fetch_failure_count(const struct fetch *f)
{
	return f->n_failures;
}

const struct fetch_failure *
fetch_failure(const struct fetch *f, size_t i)
{
	return i < f->n_failures ? &f->failures[i] : NULL;
}

size_t
fetch_remembered(const struct fetch *f)
{
	return f->requested.n;
}

char *const *
fetch_failed_ids(const struct fetch *f, size_t *n)
{
	*n = f->n_failed_ids;
	return f->failed_ids;
}

bool
fetch_groups_done(const struct fetch *f)
{
	return f->groups_done;
}
