/* The front half of the X-Ray API source: runs the fetch engine through
 * the event loop for the window (and, with -d, each refresh), shows
 * progress, writes --save, reports what could not be fetched and prints
 * the trace list.  Part of the app module: it prints. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "loop.h"
#include "source/api.h"
#include "source/save.h"
#include "util/dlog.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

/* Failures with the same error printed one by one before they are counted. */
#define SAME_ERROR_SHOWN 3
#define PROGRESS_PERIOD 0.2

struct run {
	const struct options *o;
	struct xr_store *store;
	struct xr_warnings *warnings;
	struct xr_filter *filter; /* --filter (and --group) applied here, or NULL */
	char *send;               /* FilterExpression, or NULL */
	struct api *api;
	struct loop *loop;
	struct save *save;
	bool progress_tty;
	bool progress_drawn;
	double progress_at;
	double log_progress_at;
	size_t failures_reported;
	size_t new_from; /* store entries from this index on are new this iteration */
	double wake_at;  /* live mode: monotonic time of the next refresh */
};

/* app_report() for a message of several lines. */
static void
report_lines(const char *msg)
{
	for (const char *p = msg; *p;) {
		size_t n = strcspn(p, "\n");
		app_report("%.*s", (int)n, p);
		p += n;
		if (*p)
			p++;
	}
}

/* Prints and forgets the data problems the decoders reported. */
static void
report_warnings(struct xr_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		app_report("%s", w->msgs[i]);
	if (w->dropped)
		app_report("... and %zu more problems in the replies", w->dropped);
	warn_free(w);
}

/* ---- progress ---- */

static void
progress_text(const struct fetch_progress *p, struct buf *b)
{
	buf_printf(b, "scanned %llu  matched %zu", p->scanned, p->matched);
	if (p->to_fetch)
		buf_printf(b, "  fetched %zu/%zu", p->fetched, p->to_fetch);
	buf_printf(b, "  in flight %zu", p->in_flight);
	if (p->retrying)
		buf_printf(b, "  retrying %zu", p->retrying);
	if (p->throttled)
		buf_printf(b, "  throttled %zu", p->throttled);
	if (isfinite(p->send_rate))
		buf_printf(b, "  rate %.1f/s", p->send_rate);
	if (p->more_available)
		buf_puts(b, "  more available");
}

static void
progress_clear(struct run *r)
{
	if (r->progress_drawn) {
		fputs("\r\033[K", stderr);
		r->progress_drawn = false;
	}
}

static double
progress_tick(void *ctx)
{
	struct run *r = ctx;
	double now = timefmt_monotonic();
	const struct fetch_progress *p = fetch_progress(r->api->fetch);
	if (dlog_enabled() && now >= r->log_progress_at) {
		struct buf b = BUF_INIT;
		progress_text(p, &b);
		dlog("progress: %s", b.data);
		buf_free(&b);
		r->log_progress_at = now + 1;
	}
	if (r->progress_tty && now >= r->progress_at && !fetch_idle(r->api->fetch)) {
		struct buf b = BUF_INIT;
		buf_puts(&b, "\r\033[Kxrtop: ");
		progress_text(p, &b);
		fputs(b.data, stderr);
		fflush(stderr);
		buf_free(&b);
		r->progress_drawn = true;
		r->progress_at = now + PROGRESS_PERIOD;
	}
	if (!r->progress_tty && !dlog_enabled())
		return INFINITY;
	return PROGRESS_PERIOD;
}

/* ---- running the engine ---- */

static bool
fetch_finished(void *ctx)
{
	struct run *r = ctx;
	return fetch_idle(r->api->fetch) || fetch_aborted(r->api->fetch);
}

/* Runs the loop until the engine has nothing left; false when interrupted. */
static bool
run_engine(struct run *r)
{
	struct xr_err err = {0};
	if (loop_run(r->loop, fetch_finished, r, &err) < 0) {
		progress_clear(r);
		app_report("%s", err.msg);
		return false;
	}
	progress_clear(r);
	return !loop_interrupted(r->loop);
}

static const char *
unit_name(enum xray_op op, size_t n)
{
	switch (op) {
	case XRAY_GET_TRACE_SUMMARIES: return n == 1 ? "time slice" : "time slices";
	case XRAY_BATCH_GET_TRACES: return n == 1 ? "trace" : "traces";
	default: return n == 1 ? "request" : "requests";
	}
}

/* Prints the failures not reported yet: a few per distinct error, then a
 * count.  Returns true when there were any. */
static bool
report_failures(struct run *r)
{
	struct fetch *f = r->api->fetch;
	size_t n = fetch_failure_count(f);
	const char *abort_reason = fetch_aborted(f);
	bool any = n > r->failures_reported;
	bool *done = xcalloc(n + 1, sizeof *done);
	if (abort_reason && r->failures_reported == 0) {
		struct buf hint = BUF_INIT;
		api_explain(r->api, abort_reason, &hint);
		app_report("%s", abort_reason);
		if (hint.len)
			app_report("hint: %s", hint.data);
		buf_free(&hint);
	}
	for (size_t i = r->failures_reported; i < n; i++) {
		if (done[i])
			continue;
		const struct fetch_failure *fi = fetch_failure(f, i);
		size_t shown = 0, more = 0, more_units = 0;
		for (size_t k = i; k < n; k++) {
			const struct fetch_failure *fk = fetch_failure(f, k);
			if (done[k] || fk->op != fi->op || strcmp(fk->why, fi->why) != 0)
				continue;
			done[k] = true;
			if (shown++ < SAME_ERROR_SHOWN) {
				if (strchr(fk->what, ' ') || !abort_reason)
					app_report("%s: %s", fk->what, fk->why);
				else
					app_report("%s: %zu %s %s", fk->what, fk->count,
					           unit_name(fk->op, fk->count), fk->why);
			} else {
				more++;
				more_units += fk->count;
			}
		}
		if (more)
			app_report("... and %zu more %s failed the same way (%zu %s)", more,
			           more == 1 ? "request" : "requests", more_units,
			           unit_name(fi->op, more_units));
	}
	free(done);
	r->failures_reported = n;
	return any || abort_reason;
}

/* True when a GetTraceSummaries request failed: the window is not listed whole. */
static bool
summaries_failed(const struct run *r)
{
	for (size_t i = 0; i < fetch_failure_count(r->api->fetch); i++)
		if (fetch_failure(r->api->fetch, i)->op == XRAY_GET_TRACE_SUMMARIES)
			return true;
	return fetch_aborted(r->api->fetch) != NULL;
}

static void
on_trace(void *ctx, const struct xr_store_entry *e, const char *json, size_t len)
{
	struct run *r = ctx;
	if (r->save && (!r->filter || !e->trace || filter_eval_trace(r->filter, e->trace)))
		save_trace(r->save, json, len);
}

/* Scans [start, end) and waits for it.  Returns false when interrupted. */
static bool
scan_window(struct run *r, double start, double end)
{
	struct fetch_scan_opts so = {
	    .start = start,
	    .end = end,
	    .time_range_type = r->o->time_range_type,
	    .filter = r->send,
	    .max_traces = r->o->max_traces,
	    .fetch_traces = r->save != NULL || (r->o->view == VIEW_MAP && r->filter),
	};
	char win[80];
	fetch_window_text(start, end, win, sizeof win);
	dlog("window %s", win);
	fetch_scan(r->api->fetch, &so);
	return run_engine(r);
}

/* ---- --filter and --group ---- */

static const struct xr_group *
find_group(const struct run *r, const char *name_or_arn, bool arn_only, struct buf *names)
{
	size_t n;
	const struct xr_group *groups = fetch_groups(r->api->fetch, &n);
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
	const struct run *r = ctx;
	struct buf names = BUF_INIT;
	const struct xr_group *g = find_group(r, name_or_arn, is_arn, &names);
	int rc = 0;
	if (!g)
		rc = xr_err_set(err, XR_EUSAGE, "no such X-Ray group in %s (groups: %s)",
		                r->api->region, names.data);
	else if (!g->filter_expression || !*g->filter_expression)
		rc = xr_err_set(err, XR_EUSAGE, "the group has no filter expression");
	else
		*expr = xstrdup(g->filter_expression);
	buf_free(&names);
	return rc;
}

/* Compiles --filter (group references resolved through GetGroups) and
 * combines it with --group's expression as "(group) AND (filter)": that
 * text, normalised, is sent as FilterExpression; the same filter is applied
 * locally.  Returns an exit status. */
static int
prepare_filter(struct run *r)
{
	const struct options *o = r->o;
	const char *user = o->filter && *o->filter ? o->filter : NULL;
	bool groups_needed = o->group || (user && strstr(user, "group."));
	struct fetch *f = r->api->fetch;
	if (groups_needed) {
		fetch_get_groups(f);
		if (!run_engine(r) || fetch_aborted(f) || !fetch_groups_done(f) ||
		    fetch_failure_count(f)) {
			report_failures(r);
			return APP_EXIT_SOURCE;
		}
	}
	struct xr_filter *mine = NULL;
	if (user && !(mine = app_compile_filter(o, "--filter", user, resolve_group, r)))
		return APP_EXIT_USAGE;
	struct buf text = BUF_INIT;
	if (mine)
		filter_normalize(mine, &text);
	const char *group_expr = NULL;
	if (o->group) {
		struct buf names = BUF_INIT;
		const struct xr_group *g = find_group(r, o->group, false, &names);
		if (!g) {
			app_report("--group %s: no such X-Ray group in %s (groups: %s)", o->group,
			           r->api->region, names.data);
			buf_free(&names);
			buf_free(&text);
			filter_free(mine);
			return APP_EXIT_USAGE;
		}
		buf_free(&names);
		if (g->filter_expression && *g->filter_expression)
			group_expr = g->filter_expression;
		dlog("group %s: filter %s", g->name, group_expr ? group_expr : "(none)");
	}
	if (group_expr) {
		char *both = mine ? xasprintf("(%s) AND (%s)", group_expr, text.data)
		                  : xstrdup(group_expr);
		r->send = both;
		struct xr_filter_error e;
		r->filter = filter_compile(both, resolve_group, r, &e);
		if (!r->filter) {
			/* The service knows its own group expressions: send them, and
			 * apply what can be applied here. */
			dlog("group expression not applied locally: %s", e.message);
			r->filter = mine;
			mine = NULL;
		}
		filter_free(mine);
	} else {
		r->send = mine ? buf_steal(&text) : NULL;
		r->filter = mine;
	}
	buf_free(&text);
	return APP_EXIT_OK;
}

/* Full traces are fetched for summaries the filter may match. */
static bool
want_trace(void *ctx, const struct xr_store_entry *e)
{
	const struct run *r = ctx;
	return !r->filter || filter_eval_summary(r->filter, store_entry_summary(e)) != FILTER_NO_MATCH;
}

/* Summaries from `from` on that the service matched and the filter, applied
 * here, does not: told once, since the two should agree. */
static void
report_disagreement(struct run *r, size_t from)
{
	if (!r->filter)
		return;
	size_t n = 0;
	for (size_t i = from; i < store_count(r->store); i++) {
		const struct xr_store_entry *e = store_entry(r->store, i);
		n += filter_eval(r->filter, store_entry_summary(e), e->trace) == FILTER_NO_MATCH;
	}
	if (n)
		app_report("--filter: %zu traces the X-Ray service returned do not match the filter as "
		           "xrtop reads it: left out",
		           n);
}

/* ---- output ---- */

static int
print_entries(struct run *r, bool only_new)
{
	if (r->o->save && strcmp(r->o->save, "-") == 0)
		return APP_EXIT_OK; /* standard output holds the saved file */
	if (r->o->view == VIEW_MAP) /* the graph, or the map of the matching traces */
		return app_print_map(r->o, r->store, r->filter,
		                     r->filter ? NULL : fetch_service_graph(r->api->fetch));
	size_t from = only_new ? r->new_from : 0;
	if (only_new && store_count(r->store) == from && r->o->output != OUTPUT_JSON)
		return APP_EXIT_OK;
	report_disagreement(r, from);
	return app_print_list(r->o, r->store, r->filter, from, true);
}

static bool
until_refresh(void *ctx)
{
	struct run *r = ctx;
	return timefmt_monotonic() >= r->wake_at;
}

static double
refresh_tick(void *ctx)
{
	struct run *r = ctx;
	double left = r->wake_at - timefmt_monotonic();
	return left > 0 ? left : 0;
}

/* -d: fetches [last end, now) every delay seconds and prints what is new. */
static int
live(struct run *r, double last_end, bool *failed)
{
	const struct options *o = r->o;
	loop_add_tick(r->loop, refresh_tick, r);
	int status = APP_EXIT_OK;
	for (long iteration = 2; o->iterations < 0 || iteration <= o->iterations; iteration++) {
		r->wake_at = timefmt_monotonic() + o->delay;
		struct xr_err err = {0};
		if (loop_run(r->loop, until_refresh, r, &err) < 0) {
			app_report("%s", err.msg);
			status = APP_EXIT_SOURCE;
			break;
		}
		if (loop_interrupted(r->loop))
			break;
		double now = ceil(timefmt_now());
		if (now <= last_end)
			continue;
		r->new_from = store_count(r->store);
		bool done = scan_window(r, last_end, now);
		*failed |= report_failures(r);
		report_warnings(r->warnings);
		if (fetch_aborted(r->api->fetch))
			break;
		last_end = now;
		if ((status = print_entries(r, true)) != APP_EXIT_OK || !done)
			break;
	}
	loop_remove_tick(r->loop, refresh_tick, r);
	return status;
}

int
app_api_run(const struct options *o, struct xr_store *store)
{
	struct xr_err err = {0};
	struct xr_warnings warnings_list = {0}, *warnings = &warnings_list;
	if (o->view == VIEW_MAP && o->delay > 0) {
		app_report("--view map: -d is not supported (the map is printed once per run)");
		return APP_EXIT_USAGE;
	}
	if (o->debug_log && dlog_open(o->debug_log, &err) < 0) {
		app_report("%s", err.msg);
		return APP_EXIT_USAGE;
	}
	struct api_settings settings = {
	    .region = o->region,
	    .profile = o->profile,
	    .endpoint_url = o->endpoint_url,
	    .retry_budget = o->retry_budget,
	};
	struct run r = {.o = o, .store = store, .warnings = warnings};
	r.api = api_open(&settings, store, warnings, &err);
	if (!r.api) {
		report_lines(err.msg);
		dlog_close();
		warn_free(warnings);
		return err.status == XR_EUSAGE ? APP_EXIT_USAGE : APP_EXIT_SOURCE;
	}
	r.progress_tty = isatty(STDERR_FILENO);
	r.loop = loop_new(r.api->http);
	loop_catch_signals(r.loop);
	loop_add_tick(r.loop, api_tick, r.api);
	loop_add_tick(r.loop, progress_tick, &r);

	int status = prepare_filter(&r);
	bool failed = false, interrupted = false;
	if (status != APP_EXIT_OK)
		goto out;
	if (o->save && !(r.save = save_open(o->save, &err))) {
		app_report("%s", err.msg);
		status = APP_EXIT_SOURCE;
		goto out;
	}
	fetch_set_hooks(r.api->fetch, want_trace, on_trace, &r);

	/* Whole seconds, as the AWS CLI sends them; refreshes start at `end`. */
	double now = ceil(timefmt_now());
	double start = floor(isfinite(o->start_time) ? o->start_time : now - o->since);
	double end = ceil(isfinite(o->end_time) ? o->end_time : now);
	if (o->view == VIEW_MAP && !r.filter) { /* the service's own graph and statistics */
		fetch_get_service_graph(r.api->fetch, start, end, o->group);
		interrupted = !run_engine(&r);
	} else {
		interrupted = !scan_window(&r, start, end);
	}
	failed = report_failures(&r);
	report_warnings(warnings);
	app_report_problems(store);
	const struct fetch_progress *p = fetch_progress(r.api->fetch);
	if (p->more_available)
		app_report("stopped after --max-traces %ld summaries: the window has more",
		           o->max_traces);
	if (interrupted) {
		app_report("interrupted: the results are incomplete");
		failed = true;
	}
	if (r.save && (interrupted || fetch_aborted(r.api->fetch)) && !o->delay) {
		save_abort(r.save);
		r.save = NULL;
		app_report("--save %s: not written", o->save);
	}
	if (!fetch_aborted(r.api->fetch))
		status = print_entries(&r, false);
	if (status == APP_EXIT_OK && o->delay > 0 && !interrupted && !fetch_aborted(r.api->fetch))
		status = live(&r, end, &failed);
	if (r.save) {
		size_t n_ids;
		char *const *ids = fetch_failed_ids(r.api->fetch, &n_ids);
		size_t saved = save_count(r.save);
		/* A window must have been listed whole; with -d the traces
		 * collected are saved even when a refresh failed. */
		bool incomplete = summaries_failed(&r) && (!o->delay || !saved);
		int saved_how = save_finish(r.save, ids, n_ids, incomplete, &err);
		if (saved_how != SAVE_WRITTEN) {
			app_report("%s", err.msg);
			failed |= saved_how < 0;
		} else if (n_ids) {
			app_report("--save %s: %zu traces written; %zu could not be fetched "
			           "(listed in its "
			           "UnprocessedTraceIds)",
			           o->save, saved, n_ids);
		}
		r.save = NULL;
	}
	if (status == APP_EXIT_OK && failed)
		status = APP_EXIT_SOURCE;
out:
	if (r.save)
		save_abort(r.save);
	free(r.send);
	filter_free(r.filter);
	loop_free(r.loop);
	api_close(r.api);
	dlog_close();
	warn_free(warnings);
	return status;
}
