#include "config.h"

#include "session.h"

#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "model/svcmap.h"
#include "source/api.h"
#include "source/demo.h"
#include "source/fetch.h"
#include "source/file.h"
#include "source/otlp.h"
#include "source/udp.h"
#include "util/dlog.h"
#include "util/parallel.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

/* Seconds between SESSION_EVENT_PROGRESS events while busy. */
#define SESSION_PROGRESS_PERIOD 0.1

enum session_state {
	SESSION_NEW,
	SESSION_LOADING,  /* files load in the first turn */
	SESSION_GROUPS,   /* GetGroups for --group / group.name */
	SESSION_SCANNING, /* a scan of the window or a live scan */
	SESSION_WAITING,  /* live: until the next scan */
	SESSION_FINISHED,
};

struct session_listener {
	session_event_fn fn;
	void *ctx;
};

struct session {
	struct session_settings set; /* strings below are owned copies */
	char **loads;
	char *region, *profile, *endpoint_url, *group, *time_range_type, *user_filter;
	char *trace_id;
	char *listen, *forward, *listen_otlp;

	struct xr_store *store;
	struct api *api;   /* NULL without the API source */
	struct udp *udp;   /* --listen, or NULL */
	struct otlp *otlp; /* --listen-otlp, or NULL */
	uint64_t otlp_timer;
	struct xr_warnings warnings;
	struct loop *loop;
	struct session_listener *listeners;
	size_t n_listeners, cap_listeners;

	enum session_state state;
	struct xr_filter *filter; /* applied here, or NULL */
	char *send;               /* FilterExpression, or NULL */
	char *filter_text;        /* normalised user filter, "" when none */
	size_t api_from_seq;      /* entries from here on came after the files */

	struct session_window window;
	double window_start, window_end; /* the window asked for (NAN: relative) */
	bool window_changed;
	unsigned scan;         /* number of the running or last scan */
	size_t scan_from_seq;  /* store_next_seq() when the scan started */
	long refreshes_left;   /* -1: unlimited */
	size_t failures_asked; /* engine failures whose time slices were asked again */
	bool paused;
	uint64_t timer; /* the next live scan, or the first turn */
	double next_refresh;

	struct session_failure *failures; /* mirror of the engine's */
	size_t n_failures, cap_failures;
	bool abort_told;
	char *last_error;
	char *group_error; /* the whole message of an unknown --group */
	char *creds_error; /* no credentials were found */
	double progress_at, log_at;
	bool stopped;
};

static double session_tick(void *ctx);
static void otlp_watch(void *ctx, int fd, short events);

/* ---- events ---- */

static void
emit(struct session *s, struct session_event *ev)
{
	for (size_t i = 0; i < s->n_listeners; i++)
		s->listeners[i].fn(s->listeners[i].ctx, ev);
}

static void
emit_simple(struct session *s, enum session_event_kind kind, const char *source,
            const char *message)
{
	struct session_event ev = {.kind = kind, .source = source, .message = message};
	emit(s, &ev);
}

/* Warnings the sources left in s->warnings become events. */
static void
emit_warnings(struct session *s, const char *source, bool api)
{
	for (size_t i = 0; i < s->warnings.n; i++)
		emit_simple(s, SESSION_EVENT_WARNING, source, s->warnings.msgs[i]);
	if (s->warnings.dropped) {
		char *msg =
		    api ? xasprintf("... and %zu more problems in the replies", s->warnings.dropped)
		        : xasprintf("%s: ... and %zu more problems", source, s->warnings.dropped);
		emit_simple(s, SESSION_EVENT_WARNING, source, msg);
		free(msg);
	}
	warn_free(&s->warnings);
}

static void
set_last_error(struct session *s, const char *a, const char *b)
{
	free(s->last_error);
	s->last_error = b ? xasprintf("%s: %s", a, b) : xstrdup(a);
}

/* Failures, warnings and the abort of the API source not told yet. */
static void
emit_api_news(struct session *s)
{
	if (!s->api)
		return;
	struct fetch *f = s->api->fetch;
	size_t n = fetch_failure_count(f);
	for (size_t i = s->n_failures; i < n; i++) {
		const struct fetch_failure *fi = fetch_failure(f, i);
		XGROW(s->failures, s->cap_failures, s->n_failures + 1);
		struct session_failure *sf = &s->failures[s->n_failures++];
		*sf = (struct session_failure){(int)fi->op, fi->what, fi->why, fi->count};
		set_last_error(s, fi->what, fi->why);
		struct session_event ev = {
		    .kind = SESSION_EVENT_FAILURE, .source = "api", .failure = sf};
		emit(s, &ev);
	}
	const char *reason = fetch_aborted(f);
	if (reason && !s->abort_told) {
		s->abort_told = true;
		set_last_error(s, reason, NULL);
		struct buf hint = BUF_INIT;
		api_explain(s->api, reason, &hint);
		struct session_event ev = {.kind = SESSION_EVENT_ABORTED,
		                           .source = "api",
		                           .message = reason,
		                           .hint = hint.data ? hint.data : ""};
		emit(s, &ev);
		buf_free(&hint);
	}
	if (s->warnings.n || s->warnings.dropped)
		emit_warnings(s, "api", true);
}

static void
finish(struct session *s)
{
	if (s->state == SESSION_FINISHED)
		return;
	if (s->timer && s->loop)
		loop_cancel_timer(s->loop, s->timer);
	s->timer = 0;
	s->next_refresh = NAN;
	s->state = SESSION_FINISHED;
	emit_simple(s, SESSION_EVENT_FINISHED, NULL, NULL);
}

/* ---- construction ---- */

static char *
dup_or_null(const char *v)
{
	return v ? xstrdup(v) : NULL;
}

struct session *
session_new(const struct session_settings *set, struct xr_err *err)
{
	struct session *s = xcalloc(1, sizeof *s);
	s->set = *set;
	s->loads = xcalloc(set->n_loads + 1, sizeof *s->loads);
	for (size_t i = 0; i < set->n_loads; i++)
		s->loads[i] = xstrdup(set->loads[i]);
	s->set.region = s->region = dup_or_null(set->region);
	s->set.profile = s->profile = dup_or_null(set->profile);
	s->set.endpoint_url = s->endpoint_url = dup_or_null(set->endpoint_url);
	s->set.group = s->group = dup_or_null(set->group);
	s->set.time_range_type = s->time_range_type = dup_or_null(set->time_range_type);
	s->set.filter = s->user_filter = dup_or_null(set->filter);
	s->set.trace_id = s->trace_id = dup_or_null(set->trace_id);
	s->set.listen = s->listen = dup_or_null(set->listen);
	s->set.forward = s->forward = dup_or_null(set->forward);
	s->set.listen_otlp = s->listen_otlp = dup_or_null(set->listen_otlp);
	s->set.loads = (const char *const *)s->loads;
	s->store = store_new();
	s->filter_text = xstrdup("");
	s->next_refresh = NAN;
	s->window_start = set->start;
	s->window_end = set->end;
	s->window.since = set->since;
	s->window.relative = !isfinite(set->start) && !isfinite(set->end);
	s->window.start = s->window.end = NAN;
	s->refreshes_left = set->refresh > 0 ? set->refreshes : 0;
	if (set->api) {
		struct api_settings as = {
		    .region = set->region,
		    .profile = set->profile,
		    .endpoint_url = set->endpoint_url,
		    .retry_budget = set->retry_budget,
		};
		if (!(s->api = api_open(&as, s->store, &s->warnings, err))) {
			session_free(s);
			return NULL;
		}
	}
	if (set->listen &&
	    !(s->udp = udp_open(set->listen, set->forward, s->store, &s->warnings, err))) {
		session_free(s);
		return NULL;
	}
	struct otlp_io io = {otlp_watch, s};
	if (set->listen_otlp &&
	    !(s->otlp = otlp_open(set->listen_otlp, s->store, &s->warnings, &io, err))) {
		session_free(s);
		return NULL;
	}
	return s;
}

void
session_free(struct session *s)
{
	if (!s)
		return;
	if (s->loop) {
		if (s->timer)
			loop_cancel_timer(s->loop, s->timer);
		loop_remove_tick(s->loop, session_tick, s);
		if (s->udp)
			loop_remove_fd(s->loop, udp_fd(s->udp));
		if (s->otlp)
			loop_remove_fd(s->loop, otlp_fd(s->otlp));
		if (s->otlp_timer)
			loop_cancel_timer(s->loop, s->otlp_timer);
	}
	api_close(s->api);
	udp_free(s->udp);
	otlp_free(s->otlp); /* its connections leave the loop through otlp_watch() */
	store_free(s->store);
	warn_free(&s->warnings);
	filter_free(s->filter);
	free(s->send);
	free(s->filter_text);
	for (size_t i = 0; i < s->set.n_loads; i++)
		free(s->loads[i]);
	free(s->loads);
	free(s->region);
	free(s->profile);
	free(s->endpoint_url);
	free(s->group);
	free(s->time_range_type);
	free(s->user_filter);
	free(s->trace_id);
	free(s->listen);
	free(s->forward);
	free(s->listen_otlp);
	free(s->failures);
	free(s->listeners);
	free(s->last_error);
	free(s->group_error);
	free(s->creds_error);
	free(s);
}

void
session_on_event(struct session *s, session_event_fn fn, void *ctx)
{
	XGROW(s->listeners, s->cap_listeners, s->n_listeners + 1);
	s->listeners[s->n_listeners++] = (struct session_listener){fn, ctx};
}

struct http *
session_http(const struct session *s)
{
	return s->api ? s->api->http : NULL;
}

/* ---- the filter and groups ---- */

static const struct xr_group *
find_group(const struct session *s, const char *name_or_arn, bool arn_only, struct buf *names)
{
	size_t n = 0;
	const struct xr_group *groups = s->api ? store_groups(s->store, &n) : NULL;
	for (size_t i = 0; i < n; i++) {
		if ((!arn_only && strcmp(groups[i].name, name_or_arn) == 0) ||
		    (groups[i].arn && strcmp(groups[i].arn, name_or_arn) == 0))
			return &groups[i];
		if (names)
			buf_printf(names, "%s%s", i ? ", " : "", groups[i].name);
	}
	if (names && !n)
		buf_puts(names, "none");
	return NULL;
}

/* xr_group_resolver backed by GetGroups, for group.name / group.arn. */
static int
resolve_group(void *ctx, const char *name_or_arn, int is_arn, char **expr, struct xr_err *err)
{
	const struct session *s = ctx;
	struct buf names = BUF_INIT;
	const struct xr_group *g = find_group(s, name_or_arn, is_arn, &names);
	int rc = 0;
	if (!g)
		rc = xr_err_set(err, XR_EUSAGE, _("no such X-Ray group in %s (groups: %s)"),
		                s->api ? s->api->region : "the region", names.data);
	else if (!g->filter_expression || !*g->filter_expression)
		rc = xr_err_set(err, XR_EUSAGE, _("the group has no filter expression"));
	else
		*expr = xstrdup(g->filter_expression);
	buf_free(&names);
	return rc;
}

static bool
groups_needed(const struct session *s, const char *user)
{
	return s->api && (s->set.group || (user && strstr(user, "group.")));
}

/* Compiles user (NULL or "" = none) and combines it with the group's
 * expression as "(group) AND (filter)": that text, normalised, is sent as
 * FilterExpression and applied here.  Returns -1 with e filled when user
 * is not valid, -2 with the whole message in e (no column) when --group
 * names no group. */
static int
apply_filter(struct session *s, const char *user, struct xr_filter_error *e)
{
	if (user && !*user)
		user = NULL;
	struct xr_filter *mine = NULL;
	if (user && !(mine = filter_compile(user, s->api ? resolve_group : NULL, s, e)))
		return -1;
	struct buf text = BUF_INIT;
	if (mine)
		filter_normalize(mine, &text);
	const char *group_expr = NULL;
	if (s->set.group && s->api) {
		struct buf names = BUF_INIT;
		const struct xr_group *g = find_group(s, s->set.group, false, &names);
		if (!g) {
			memset(e, 0, sizeof *e);
			free(s->group_error);
			s->group_error =
			    xasprintf("--group %s: no such X-Ray group in %s (groups: %s)",
			              s->set.group, s->api->region, names.data);
			snprintf(e->message, sizeof e->message, "%s", s->group_error);
			buf_free(&names);
			buf_free(&text);
			filter_free(mine);
			return -2;
		}
		buf_free(&names);
		if (g->filter_expression && *g->filter_expression)
			group_expr = g->filter_expression;
		dlog("group %s: filter %s", g->name, group_expr ? group_expr : "(none)");
	}
	free(s->send);
	filter_free(s->filter);
	free(s->filter_text);
	s->filter_text = xstrdup(text.data ? text.data : "");
	if (group_expr) {
		char *both =
		    mine ? xasprintf("(%s) AND (%s)", group_expr, text.data) : xstrdup(group_expr);
		s->send = both;
		struct xr_filter_error ge;
		s->filter = filter_compile(both, resolve_group, s, &ge);
		if (!s->filter) {
			/* The service knows its own group expressions: send them, and
			 * apply what can be applied here. */
			dlog("group expression not applied locally: %s", ge.message);
			s->filter = mine;
			mine = NULL;
		}
		filter_free(mine);
	} else {
		s->send = mine ? xstrdup(text.data) : NULL;
		s->filter = mine;
	}
	buf_free(&text);
	return 0;
}

/* Compiles the initial filter; on failure tells the front end and ends. */
static int
start_filter(struct session *s)
{
	struct xr_filter_error e;
	int rc = apply_filter(s, s->set.filter, &e);
	if (rc == 0)
		return 0;
	struct session_event ev = {.kind = SESSION_EVENT_FILTER_ERROR,
	                           .source = s->api ? "api" : NULL,
	                           .message = rc == -1 ? s->set.filter : s->group_error,
	                           .filter_error = rc == -1 ? &e : NULL};
	emit(s, &ev);
	finish(s);
	return -1;
}

int
session_set_filter(struct session *s, const char *expr, struct xr_filter_error *e)
{
	int rc = apply_filter(s, expr, e) < 0 ? -1 : 0;
	if (rc == 0) {
		free(s->user_filter);
		s->set.filter = s->user_filter = dup_or_null(expr);
	}
	return rc;
}

const struct xr_filter *
session_filter(const struct session *s)
{
	return s->filter;
}

const char *
session_filter_text(const struct session *s)
{
	return s->filter_text;
}

void
session_set_sort(struct session *s, enum sort_key key)
{
	s->set.sort = key;
}

enum sort_key
session_sort(const struct session *s)
{
	return s->set.sort;
}

/* ---- the API source's hooks ---- */

/* Full traces are fetched for summaries the filter may match. */
static bool
want_trace(void *ctx, const struct xr_store_entry *e)
{
	const struct session *s = ctx;
	return !s->filter ||
	       filter_eval_summary(s->filter, store_entry_summary(e)) != FILTER_NO_MATCH;
}

static void
on_trace(void *ctx, const struct xr_store_entry *e, const char *json, size_t len)
{
	struct session *s = ctx;
	struct session_event ev = {.kind = SESSION_EVENT_TRACE,
	                           .source = "api",
	                           .entry = e,
	                           .json = json,
	                           .json_len = len};
	emit(s, &ev);
}

/* ---- scanning ---- */

static void
start_scan(struct session *s, double start, double end)
{
	struct fetch_scan_opts so = {
	    .start = start,
	    .end = end,
	    .time_range_type = s->set.time_range_type,
	    .filter = s->send,
	    .max_traces = s->set.max_traces,
	    .fetch_traces = s->set.fetch_traces,
	};
	char win[80];
	fetch_window_text(start, end, win, sizeof win);
	dlog("window %s", win);
	s->window.start = start;
	s->window.end = end;
	s->scan_from_seq = store_next_seq(s->store);
	s->state = SESSION_SCANNING;
	if (s->set.service_graph) /* the service's own graph and statistics */
		fetch_get_service_graph(s->api->fetch, start, end, s->set.group);
	else
		fetch_scan(s->api->fetch, &so);
}

/* The whole window: whole seconds, as the AWS CLI sends them. */
static void
scan_window(struct session *s)
{
	double now = ceil(timefmt_now());
	double start =
	    floor(isfinite(s->window_start) && !s->window.relative ? s->window_start
	                                                           : now - s->window.since);
	double end = ceil(isfinite(s->window_end) && !s->window.relative ? s->window_end : now);
	s->window_changed = false;
	start_scan(s, start, end);
}

/* Live mode keeps at most --max-traces entries: the oldest go. */
static void
evict(struct session *s)
{
	if (s->set.refresh <= 0 || s->set.max_traces < 0 || s->state == SESSION_FINISHED)
		return;
	size_t n = store_evict(s->store, (size_t)s->set.max_traces, NULL, NULL);
	if (n) {
		dlog("evicted %zu traces (--max-traces %ld); %zu trace ids remembered", n,
		     s->set.max_traces, fetch_remembered(s->api->fetch));
		struct session_event ev = {
		    .kind = SESSION_EVENT_EVICTED, .source = "api", .count = n};
		emit(s, &ev);
	}
}

static void on_refresh_timer(void *ctx);

/* After a scan: the next live one, or the end. */
static void
schedule_next(struct session *s)
{
	if (s->state == SESSION_FINISHED)
		return;
	if (!s->api || fetch_aborted(s->api->fetch) || s->stopped || s->set.refresh <= 0 ||
	    s->refreshes_left == 0) {
		finish(s);
		return;
	}
	s->state = SESSION_WAITING;
	s->next_refresh = timefmt_monotonic() + s->set.refresh;
	if (!s->paused)
		s->timer = loop_add_timer(s->loop, s->next_refresh, 0, on_refresh_timer, s);
}

static void
emit_scan_done(struct session *s, bool interrupted)
{
	struct session_event ev = {.kind = SESSION_EVENT_SCAN_DONE,
	                           .source = s->api ? "api" : NULL,
	                           .scan = s->scan,
	                           .from_seq = s->scan == 0 ? 0 : s->scan_from_seq,
	                           .start = s->window.start,
	                           .end = s->window.end,
	                           .interrupted = interrupted};
	emit(s, &ev);
}

/* The start of the oldest time slice the engine failed to list since the
 * last call (INFINITY when none): a live scan asks for it again. */
static double
failed_since(struct session *s)
{
	double oldest = INFINITY;
	size_t n = fetch_failure_count(s->api->fetch);
	for (size_t i = s->failures_asked; i < n; i++) {
		const struct fetch_failure *fi = fetch_failure(s->api->fetch, i);
		if (fi->op == XRAY_GET_TRACE_SUMMARIES && fi->start < oldest)
			oldest = fi->start;
	}
	s->failures_asked = n;
	return oldest;
}

/* A live scan of [end of the last scan - overlap, now): X-Ray indexes a
 * trace some seconds after it ends, so the overlap finds the late ones (the
 * store merges by trace id; a changed summary renews its entry's seq).  It
 * starts earlier when a time slice of an earlier scan failed, and asks again
 * for the full traces BatchGetTraces failed to fetch. */
static void
live_scan(struct session *s)
{
	double now = ceil(timefmt_now());
	if (s->refreshes_left > 0)
		s->refreshes_left--;
	s->scan++;
	if (s->window_changed) {
		failed_since(s); /* a new window is scanned whole */
		scan_window(s);
		return;
	}
	if (now <= s->window.end) {
		schedule_next(s);
		return;
	}
	double start = s->window.end - (s->set.overlap > 0 ? floor(s->set.overlap) : 0);
	if (start < s->window.start)
		start = s->window.start;
	double failed = failed_since(s);
	if (failed < start)
		start = floor(failed);
	if (s->set.fetch_traces)
		fetch_retry_failed_traces(s->api->fetch);
	start_scan(s, start, now);
}

static void
on_refresh_timer(void *ctx)
{
	struct session *s = ctx;
	s->timer = 0;
	if (s->state == SESSION_WAITING && !s->paused)
		live_scan(s);
}

/* ---- the local receivers (--listen, --listen-otlp) ---- */

static bool
listening(const struct session *s)
{
	return s->udp || s->otlp;
}

/* A trace still being received stays when --max-traces evicts. */
static bool
in_progress(void *ctx, const struct xr_store_entry *e)
{
	(void)ctx;
	for (unsigned i = 0; e->trace && i < e->trace->n_all; i++)
		if (e->trace->all[i]->flags & XR_SEG_IN_PROGRESS)
			return true;
	return false;
}

/* After data arrived: warnings, the cap, a progress event. */
static void
listen_news(struct session *s, const char *source)
{
	if (s->warnings.n || s->warnings.dropped)
		emit_warnings(s, source, false);
	if (s->set.max_traces >= 0 && store_count(s->store) > (size_t)s->set.max_traces) {
		size_t n = store_evict(s->store, (size_t)s->set.max_traces, in_progress, NULL);
		if (n) {
			struct session_event ev = {
			    .kind = SESSION_EVENT_EVICTED, .source = source, .count = n};
			emit(s, &ev);
		}
	}
	double now = timefmt_monotonic();
	if (now >= s->progress_at) {
		emit_simple(s, SESSION_EVENT_PROGRESS, source, NULL);
		s->progress_at = now + SESSION_PROGRESS_PERIOD;
	}
}

static void
on_udp(void *ctx, int fd, short revents)
{
	(void)fd;
	(void)revents;
	struct session *s = ctx;
	if (s->state == SESSION_FINISHED)
		return;
	udp_readable(s->udp);
	listen_news(s, "--listen");
}

static void
on_otlp_fd(void *ctx, int fd, short revents)
{
	struct session *s = ctx;
	if (s->state == SESSION_FINISHED)
		return;
	otlp_ready(s->otlp, fd, revents);
	listen_news(s, "--listen-otlp");
}

static void
on_otlp_timer(void *ctx)
{
	struct session *s = ctx;
	otlp_tick(s->otlp, timefmt_monotonic());
	listen_news(s, "--listen-otlp");
}

/* struct otlp_io: the OTLP source's connections go through the loop. */
static void
otlp_watch(void *ctx, int fd, short events)
{
	struct session *s = ctx;
	if (!s->loop)
		return;
	if (events)
		loop_add_fd(s->loop, fd, events, on_otlp_fd, s);
	else
		loop_remove_fd(s->loop, fd);
}

static void on_listen_timer(void *ctx);

static void
listen_schedule(struct session *s)
{
	s->state = SESSION_WAITING;
	s->scan_from_seq = store_next_seq(s->store);
	if (s->set.refresh <= 0)
		return; /* until session_stop() */
	s->next_refresh = timefmt_monotonic() + s->set.refresh;
	s->timer = loop_add_timer(s->loop, s->next_refresh, 0, on_listen_timer, s);
}

/* The files are in: receive, and report every refresh period. */
static void
listen_begin(struct session *s)
{
	listen_schedule(s);
}

/* A period ended: what arrived in it is news. */
static void
on_listen_timer(void *ctx)
{
	struct session *s = ctx;
	s->timer = 0;
	emit_scan_done(s, false);
	if (s->refreshes_left == 0) {
		finish(s);
		return;
	}
	if (s->refreshes_left > 0)
		s->refreshes_left--;
	s->scan++;
	listen_schedule(s);
}

void
session_listen_report(const struct session *s, struct buf *out)
{
	if (s->otlp) {
		const struct otlp_stats *st = otlp_stats(s->otlp);
		buf_printf(
		    out,
		    "--listen-otlp %s: %llu requests (%llu compressed), %llu spans, %llu spans "
		    "rejected, %llu bad requests\n",
		    otlp_address(s->otlp), st->requests, st->compressed, st->spans, st->rejected,
		    st->bad);
	}
	if (s->udp) {
		const struct udp_stats *st = udp_stats(s->udp);
		buf_printf(out,
		           "--listen %s: %llu datagrams, %llu documents, %llu bad, %llu dropped by "
		           "the kernel",
		           udp_address(s->udp), st->datagrams, st->documents, st->bad, st->dropped);
		if (s->forward)
			buf_printf(out, "; %llu forwarded, %llu could not be", st->forwarded,
			           st->forward_failed);
		buf_putc(out, '\n');
	}
}

/* The first turn: the files, then the API source. */
static void
load_files(struct session *s)
{
	if (s->set.demo) {
		char path[4096];
		struct xr_err err = {0};
		struct session_load load = {0};
		if (demo_path(path, sizeof path, &err) < 0) {
			char *msg = xasprintf("--demo: %s", err.msg);
			struct session_event ev = {.kind = SESSION_EVENT_LOADED,
			                           .source = "--demo",
			                           .message = msg,
			                           .load = &load};
			emit(s, &ev);
			free(msg);
		} else {
			char *p = xstrdup(path);
			struct load_stats stats = {0};
			int rc = file_load(p, s->store, &s->warnings, &stats, &err);
			emit_warnings(s, p, false);
			load = (struct session_load){stats.traces, stats.summaries, stats.documents,
			                             stats.skipped};
			struct session_event ev = {.kind = SESSION_EVENT_LOADED,
			                           .source = p,
			                           .message = rc < 0 ? err.msg : NULL,
			                           .load = &load};
			emit(s, &ev);
			free(p);
		}
	}
	for (size_t i = 0; i < s->set.n_loads && !s->stopped; i++) {
		const char *path = s->loads[i];
		struct xr_err err = {0};
		struct load_stats stats = {0};
		int rc = file_load(path, s->store, &s->warnings, &stats, &err);
		emit_warnings(s, path, false);
		struct session_load load = {stats.traces, stats.summaries, stats.documents,
		                            stats.skipped};
		struct session_event ev = {.kind = SESSION_EVENT_LOADED,
		                           .source = path,
		                           .message = rc < 0 ? err.msg : NULL,
		                           .load = &load};
		emit(s, &ev);
	}
}

static void
begin_api(struct session *s)
{
	if (s->set.trace_id) { /* one trace: the "scan" is its BatchGetTraces */
		s->api_from_seq = s->scan_from_seq = store_next_seq(s->store);
		s->state = SESSION_SCANNING;
		const struct xr_store_entry *e = store_find(s->store, s->set.trace_id);
		if (!e || !e->trace) /* not in the files already */
			fetch_traces(s->api->fetch, (const char *const *)&s->set.trace_id, 1);
		return;
	}
	if (!s->filter && !s->send && groups_needed(s, s->set.filter)) {
		s->state = SESSION_GROUPS;
		fetch_get_groups(s->api->fetch);
		return;
	}
	s->api_from_seq = store_next_seq(s->store);
	scan_window(s);
}

static void
on_first_turn(void *ctx)
{
	struct session *s = ctx;
	s->timer = 0;
	s->state = SESSION_LOADING;
	load_files(s);
	if (s->stopped)
		return;
	if (!s->api && listening(s)) {
		s->api_from_seq = store_next_seq(s->store);
		listen_begin(s);
		return;
	}
	if (!s->api) {
		s->api_from_seq = store_next_seq(s->store);
		emit_scan_done(s, false);
		finish(s);
		return;
	}
	begin_api(s);
}

/* The loop tick: the API source's work, then what changed. */
static double
session_tick(void *ctx)
{
	struct session *s = ctx;
	/* The engine keeps running after the last scan: a front end may still
	 * ask for traces (session_fetch_trace()) or a refresh. */
	if (!s->api || s->creds_error)
		return INFINITY;
	double wait = api_tick(s->api);
	struct fetch *f = s->api->fetch;
	const struct xr_err *cf = api_creds_failure(s->api);
	if (cf && !s->creds_error) {
		s->creds_error = xstrdup(cf->msg);
		set_last_error(s, cf->msg, NULL);
		struct session_event ev = {.kind = SESSION_EVENT_ABORTED,
		                           .source = "api",
		                           .message = s->creds_error,
		                           .hint = ""};
		emit(s, &ev);
		finish(s);
		return INFINITY;
	}
	bool idle = fetch_idle(f) || fetch_aborted(f);
	double now = timefmt_monotonic();
	if (dlog_enabled() && now >= s->log_at && (s->state == SESSION_SCANNING || !idle)) {
		struct session_progress p = session_progress(s);
		struct buf b = BUF_INIT;
		session_progress_text(&p, &b);
		dlog("progress: %s", b.data);
		buf_free(&b);
		s->log_at = now + 1;
	}
	if (!idle && now >= s->progress_at) {
		emit_simple(s, SESSION_EVENT_PROGRESS, "api", NULL);
		s->progress_at = now + SESSION_PROGRESS_PERIOD;
	}
	if (s->state == SESSION_GROUPS && idle) {
		emit_api_news(s);
		if (fetch_aborted(f) || !fetch_groups_done(f) || fetch_failure_count(f)) {
			finish(s);
			return INFINITY;
		}
		if (start_filter(s) < 0)
			return INFINITY;
		s->api_from_seq = store_next_seq(s->store);
		scan_window(s);
		wait = api_tick(s->api);
	} else if (s->state == SESSION_SCANNING && idle) {
		emit_api_news(s);
		emit_scan_done(s, false);
		evict(s);
		schedule_next(s);
		return INFINITY;
	}
	emit_api_news(s);
	if (!idle && SESSION_PROGRESS_PERIOD < wait)
		wait = SESSION_PROGRESS_PERIOD;
	return wait;
}

int
session_start(struct session *s, struct loop *l)
{
	s->loop = l;
	if (s->api) {
		fetch_set_hooks(s->api->fetch, want_trace, on_trace, s);
		loop_add_tick(l, session_tick, s);
	}
	if (s->udp)
		loop_add_fd(l, udp_fd(s->udp), POLLIN, on_udp, s);
	if (s->otlp) {
		loop_add_fd(l, otlp_fd(s->otlp), POLLIN, on_otlp_fd, s);
		s->otlp_timer = loop_add_timer(l, timefmt_monotonic() + 1, 1, on_otlp_timer, s);
	}
	if (!groups_needed(s, s->set.filter) && start_filter(s) < 0)
		return -1;
	s->state = SESSION_LOADING;
	s->timer = loop_add_timer(l, timefmt_monotonic(), 0, on_first_turn, s);
	return 0;
}

bool
session_finished(const struct session *s)
{
	return s->state == SESSION_FINISHED;
}

bool
session_finished_fn(void *s)
{
	return session_finished(s);
}

void
session_stop(struct session *s)
{
	if (s->state == SESSION_FINISHED || s->stopped)
		return;
	s->stopped = true;
	emit_api_news(s);
	if (s->state == SESSION_SCANNING)
		emit_scan_done(s, true);
	else if (listening(s) && s->state == SESSION_WAITING)
		emit_scan_done(s, false); /* what arrived since the last report */
	finish(s);
}

/* ---- reading ---- */

const struct xr_service_graph *
session_service_graph(const struct session *s)
{
	return s->set.service_graph ? store_service_graph(s->store) : NULL;
}

const struct xr_store *
session_store(const struct session *s)
{
	return s->store;
}

const struct xr_store_entry *
session_find(const struct session *s, const char *id)
{
	return store_find(s->store, id);
}

struct list_ctx {
	const struct session *s;
	size_t from;
	const enum filter_verdict *verdicts; /* of every entry, or NULL: one at a time */
	struct session_list_stats st;
};

/* Summaries answer what they can, loaded full traces the rest; what
 * neither can decide is kept when the API sent it (the service applied
 * the filter), else left out and counted. */
static bool
list_keep(void *ctx, size_t i, const struct xr_store_entry *e)
{
	struct list_ctx *k = ctx;
	if (k->from && e->seq < k->from)
		return false;
	if (!k->s->filter)
		return true;
	bool from_api = k->s->api && e->seq >= k->s->api_from_seq;
	enum filter_verdict v = k->verdicts
	                            ? k->verdicts[i]
	                            : filter_eval(k->s->filter, store_entry_summary(e), e->trace);
	if (v == FILTER_NEED_TRACE && !from_api)
		k->st.undecided++;
	if (v == FILTER_NO_MATCH && from_api)
		k->st.disagreed++;
	return v == FILTER_MATCH || (v == FILTER_NEED_TRACE && from_api);
}

/* The filter's verdict on every entry, a share on each worker. */
struct verdict_pass {
	const struct session *s;
	const struct tracelist_row *rows;     /* by entry, from the index */
	const struct xr_trace *const *traces; /* likewise */
	const struct xr_summary *summaries;   /* likewise: copies side by side */
	enum filter_verdict *verdicts;
	unsigned workers;
};

static void
verdict_share(void *ctx, unsigned w)
{
	struct verdict_pass *vp = ctx;
	size_t n = store_count(vp->s->store);
	size_t lo = n * w / vp->workers, hi = n * (w + 1) / vp->workers;
	for (size_t i = lo; i < hi; i++)
		vp->verdicts[i] = vp->rows[i].summary
		                      ? filter_eval(vp->s->filter, &vp->summaries[i], vp->traces[i])
		                      : FILTER_NO_MATCH;
}

static void
list(const struct session *s, struct tracelist_index *x, size_t from_seq, struct tracelist *tl,
     struct session_list_stats *stats)
{
	struct list_ctx k = {s, from_seq, NULL, {0, 0}};
	enum filter_verdict *verdicts = NULL;
	if (s->filter && x) {
		/* in store order, which is the order in memory (the index lists
		 * the entries in its own), a share of the store on each processor */
		tracelist_index_update(x, s->store);
		struct verdict_pass vp = {s,
		                          tracelist_index_rows(x),
		                          tracelist_index_traces(x),
		                          tracelist_index_summaries(x),
		                          xmalloc((store_count(s->store) + 1) * sizeof *verdicts),
		                          parallel_workers()};
		if (store_count(s->store) < 20000)
			vp.workers = 1;
		parallel_run(vp.workers, verdict_share, &vp);
		k.verdicts = verdicts = vp.verdicts;
	}
	tracelist_keep_fn keep = s->filter || from_seq ? list_keep : NULL;
	if (x)
		tracelist_build_indexed(tl, x, s->store, keep, &k, s->set.sort);
	else
		tracelist_build(tl, s->store, keep, &k, s->set.sort);
	free(verdicts);
	if (stats)
		*stats = k.st;
}

void
session_list(const struct session *s, size_t from_seq, struct tracelist *tl,
             struct session_list_stats *stats)
{
	list(s, NULL, from_seq, tl, stats);
}

void
session_list_indexed(const struct session *s, struct tracelist_index *x, struct tracelist *tl,
                     struct session_list_stats *stats)
{
	list(s, x, 0, tl, stats);
}

/* ---- control ---- */

bool
session_refresh(struct session *s)
{
	if (!s->api || (s->state != SESSION_WAITING && s->state != SESSION_FINISHED) ||
	    fetch_aborted(s->api->fetch) || s->creds_error || s->stopped)
		return false;
	if (s->timer)
		loop_cancel_timer(s->loop, s->timer);
	s->timer = 0;
	live_scan(s);
	return true;
}

void
session_pause(struct session *s, bool paused)
{
	if (s->paused == paused)
		return;
	s->paused = paused;
	if (s->state != SESSION_WAITING)
		return;
	if (paused && s->timer) {
		loop_cancel_timer(s->loop, s->timer);
		s->timer = 0;
	} else if (!paused && !s->timer) {
		s->timer = loop_add_timer(s->loop, s->next_refresh, 0, on_refresh_timer, s);
	}
}

void
session_set_window(struct session *s, double since, double start, double end)
{
	s->window.relative = since > 0;
	if (since > 0)
		s->window.since = since;
	s->window_start = start;
	s->window_end = end;
	s->window_changed = true;
}

struct session_window
session_window(const struct session *s)
{
	return s->window;
}

void
session_fetch_trace(struct session *s, const char *id)
{
	const struct xr_store_entry *e = store_find(s->store, id);
	if (!s->api || (e && e->trace))
		return;
	fetch_traces(s->api->fetch, &id, 1);
}

struct session_progress
session_progress(const struct session *s)
{
	struct session_progress p = {.send_rate = INFINITY, .next_refresh = NAN};
	if (s->api) {
		const struct fetch_progress *fp = fetch_progress(s->api->fetch);
		p.scanned = fp->scanned;
		p.matched = fp->matched;
		p.fetched = fp->fetched;
		p.to_fetch = fp->to_fetch;
		p.in_flight = fp->in_flight;
		p.retrying = fp->retrying;
		p.throttled = fp->throttled;
		p.send_rate = fp->send_rate;
		p.more_available = fp->more_available;
		p.busy = !fetch_idle(s->api->fetch) && !fetch_aborted(s->api->fetch);
	}
	p.busy |= s->state == SESSION_LOADING || s->state == SESSION_NEW;
	p.live = s->state == SESSION_WAITING || (s->state == SESSION_SCANNING && s->scan > 0);
	p.paused = s->paused;
	p.next_refresh = s->state == SESSION_WAITING ? s->next_refresh : NAN;
	p.last_error = s->last_error;
	if (s->otlp) {
		const struct otlp_stats *st = otlp_stats(s->otlp);
		p.listening = true;
		p.received += st->spans;
		p.bad += st->bad + st->rejected;
	}
	if (s->udp) {
		const struct udp_stats *st = udp_stats(s->udp);
		p.listening = true;
		p.received += st->documents;
		p.bad += st->bad;
		p.dropped += st->dropped;
	}
	return p;
}

void
session_progress_text(const struct session_progress *p, struct buf *b)
{
	if (p->listening && !p->scanned && !p->matched && !p->in_flight) {
		buf_printf(b, _("received %llu  bad %llu  dropped %llu"), p->received, p->bad,
		           p->dropped);
		return;
	}
	buf_printf(b, _("scanned %llu  matched %zu"), p->scanned, p->matched);
	if (p->to_fetch)
		buf_printf(b, _("  fetched %zu/%zu"), p->fetched, p->to_fetch);
	buf_printf(b, _("  in flight %zu"), p->in_flight);
	if (p->retrying)
		buf_printf(b, _("  retrying %zu"), p->retrying);
	if (p->throttled)
		buf_printf(b, _("  throttled %zu"), p->throttled);
	if (isfinite(p->send_rate))
		buf_printf(b, _("  rate %.1f/s"), p->send_rate);
	if (p->more_available)
		buf_puts(b, _("  more available"));
	if (p->listening)
		buf_printf(b, _("  received %llu  bad %llu  dropped %llu"), p->received, p->bad,
		           p->dropped);
}

size_t
session_failure_count(const struct session *s)
{
	return s->n_failures;
}

const struct session_failure *
session_failure(const struct session *s, size_t i)
{
	return i < s->n_failures ? &s->failures[i] : NULL;
}

char *const *
session_failed_ids(const struct session *s, size_t *n)
{
	if (!s->api) {
		*n = 0;
		return NULL;
	}
	return fetch_failed_ids(s->api->fetch, n);
}

const char *
session_aborted(const struct session *s)
{
	if (s->creds_error)
		return s->creds_error;
	return s->api ? fetch_aborted(s->api->fetch) : NULL;
}

static bool
map_keep(void *ctx, const struct xr_store_entry *e)
{
	return filter_eval(ctx, store_entry_summary(e), e->trace) == FILTER_MATCH;
}

struct svcmap *
session_service_map(const struct session *s, size_t *summaries_only)
{
	const struct xr_service_graph *g = session_service_graph(s);
	if (g)
		return svcmap_from_graph(g);
	const struct xr_filter *f = session_filter(s);
	return svcmap_build(session_store(s), f ? map_keep : NULL, (void *)f, summaries_only);
}
