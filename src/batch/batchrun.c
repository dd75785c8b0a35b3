#include "config.h"

#include "batch/batchrun.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "batch/batch.h"
#include "batch/batch_analytics.h"
#include "batch/batch_map.h"
#include "batch/batch_trace.h"
#include "frontend.h"
#include "loop.h"
#include "session.h"
#include "save.h"
#include "util/dlog.h"
#include "util/timefmt.h"
#include "util/utf8.h"
#include "util/warn.h"
#include "util/xmalloc.h"
#include "xray/api.h"
#include "xray/encode.h"
#include "util/i18n.h"

/* Trace-data problems printed after loading; the rest are counted. */
#define MAX_PROBLEMS_SHOWN 20
/* Failures with the same error printed one by one before they are counted. */
#define SAME_ERROR_SHOWN 3
#define PROGRESS_PERIOD 0.2

struct batchrun {
	const struct options *o;
	struct session *s;
	struct loop *loop;
	struct save *save;
	unsigned flags; /* utf8 flags for text printed to the terminal */
	bool api;
	bool progress_tty;
	bool progress_drawn;
	double progress_at;
	struct xr_warnings api_warnings; /* printed when a scan ends */
	char *abort_hint;
	size_t failures_reported;
	bool ready;  /* the first SCAN_DONE was handled */
	bool failed; /* exit status 1 */
	int status;  /* an exit status other than failed */
	bool halted; /* output failed: stop */
};

/* frontend_report() for a message of several lines. */
static void
report_lines(const char *msg)
{
	for (const char *p = msg; *p;) {
		size_t n = strcspn(p, "\n");
		frontend_report("%.*s", (int)n, p);
		p += n;
		if (*p)
			p++;
	}
}

static size_t
terminal_width(const struct options *o)
{
	if (o->width > 0)
		return (size_t)o->width;
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

/* ---- progress ---- */

static void
progress_clear(struct batchrun *b)
{
	if (b->progress_drawn) {
		fputs("\r\033[K", stderr);
		b->progress_drawn = false;
	}
}

static void
progress_draw(struct batchrun *b)
{
	double now = timefmt_monotonic();
	if (!b->progress_tty || now < b->progress_at)
		return;
	struct session_progress p = session_progress(b->s);
	if (!p.busy)
		return;
	struct buf t = BUF_INIT;
	buf_puts(&t, "\r\033[Kxrtop: ");
	session_progress_text(&p, &t);
	fputs(t.data, stderr);
	fflush(stderr);
	buf_free(&t);
	b->progress_drawn = true;
	b->progress_at = now + PROGRESS_PERIOD;
}

/* ---- what went wrong ---- */

static const char *
unit_name(int op, size_t n)
{
	switch (op) {
	case XRAY_GET_TRACE_SUMMARIES: return ngettext("time slice", "time slices", n);
	case XRAY_BATCH_GET_TRACES: return ngettext("trace", "traces", n);
	default: return ngettext("request", "requests", n);
	}
}

/* Prints the failures not reported yet: a few per distinct error, then a
 * count.  Returns true when there were any. */
static bool
report_failures(struct batchrun *b)
{
	size_t n = session_failure_count(b->s);
	const char *abort_reason = session_aborted(b->s);
	bool any = n > b->failures_reported;
	bool *done = xcalloc(n + 1, sizeof *done);
	if (abort_reason && b->failures_reported == 0) {
		report_lines(abort_reason);
		if (b->abort_hint && *b->abort_hint)
			frontend_report(_("hint: %s"), b->abort_hint);
	}
	for (size_t i = b->failures_reported; i < n; i++) {
		if (done[i])
			continue;
		const struct session_failure *fi = session_failure(b->s, i);
		size_t shown = 0, more = 0, more_units = 0;
		for (size_t k = i; k < n; k++) {
			const struct session_failure *fk = session_failure(b->s, k);
			if (done[k] || fk->op != fi->op || strcmp(fk->why, fi->why) != 0)
				continue;
			done[k] = true;
			if (shown++ < SAME_ERROR_SHOWN) {
				if (strchr(fk->what, ' ') || !abort_reason)
					frontend_report("%s: %s", fk->what, fk->why);
				else
					/* TRANSLATORS: "GetTraceSummaries: 15 time slices not
					 * fetched (stopped)" */
					frontend_report(_("%s: %zu %s %s"), fk->what, fk->count,
					                unit_name(fk->op, fk->count), fk->why);
			} else {
				more++;
				more_units += fk->count;
			}
		}
		if (more)
			frontend_report(_("... and %zu more %s failed the same way (%zu %s)"), more,
			                ngettext("request", "requests", more), more_units,
			                unit_name(fi->op, more_units));
	}
	free(done);
	b->failures_reported = n;
	return any || abort_reason;
}

/* Prints and forgets the data problems the API replies had. */
static void
report_api_warnings(struct batchrun *b)
{
	for (size_t i = 0; i < b->api_warnings.n; i++)
		frontend_report("%s", b->api_warnings.msgs[i]);
	warn_free(&b->api_warnings);
}

/* Prints the problems found in the traces' data. */
static void
report_problems(const struct xr_store *store)
{
	size_t shown = 0, total = 0;
	for (size_t i = 0; i < store_count(store); i++) {
		const struct xr_trace *t = store_entry(store, i)->trace;
		for (unsigned p = 0; t && p < t->n_problems; p++, total++)
			if (shown++ < MAX_PROBLEMS_SHOWN)
				frontend_report(_("trace %s: %s"), t->id, t->problems[p]);
	}
	if (total > MAX_PROBLEMS_SHOWN)
		frontend_report(_("... and %zu more problems in trace data"),
		                total - MAX_PROBLEMS_SHOWN);
}

/* ---- output ---- */

/* --view analytics: the histogram and group table of the listed traces. */
static int
print_analytics(struct batchrun *b, const struct tracelist *tl)
{
	const struct options *o = b->o;
	struct batch_analytics_request rq = {.key = o->group_by ? o->group_by : "http.status",
	                                     .filter = o->filter,
	                                     .limit = o->limit};
	struct batch_format fmt = {
	    .output = o->output, .width = terminal_width(o), .flags = b->flags};
	struct xr_err err = {0};
	int rc = batch_analytics(stdout, tl, &rq, &fmt, &err);
	if (rc == -1)
		frontend_report(_("--group-by: %s"), err.msg);
	else if (rc < 0)
		frontend_report(_("cannot write the output: %s"), strerror(errno));
	return rc == 0 ? FRONTEND_EXIT_OK : rc == -1 ? FRONTEND_EXIT_USAGE : FRONTEND_EXIT_SOURCE;
}

/* Prints, in the --output format, the listed entries from the from_seq-th
 * on (analytics: always all of them).  Returns an exit status. */
static int
print_list(struct batchrun *b, size_t from_seq)
{
	const struct options *o = b->o;
	struct tracelist tl;
	struct session_list_stats st;
	session_list(b->s, from_seq, &tl, &st);
	if (st.disagreed)
		frontend_report(
		    _("--filter: %zu traces the X-Ray service returned do not match the "
		      "filter as xrtop reads it: left out"),
		    st.disagreed);
	if (st.undecided)
		frontend_report(
		    _("--filter: %zu traces left out: the filter needs their full traces, and only "
		      "their summaries are loaded"),
		    st.undecided);
	if (o->view == VIEW_ANALYTICS) {
		int rc = print_analytics(b, &tl);
		tracelist_free(&tl);
		return rc;
	}
	/* Columns are chosen from every listed trace, not only the first N. */
	if (o->annotations)
		tracelist_set_annotations(&tl, o->annotations);
	else
		tracelist_choose_annotations(&tl, 2);
	tracelist_limit(&tl, o->limit);
	struct batch_format fmt = {
	    .output = o->output,
	    .width = terminal_width(o),
	    .flags = b->flags,
	};
	int rc = batch_print(stdout, &tl, &fmt);
	tracelist_free(&tl);
	if (rc < 0) {
		frontend_report(_("cannot write the output: %s"), strerror(errno));
		return FRONTEND_EXIT_SOURCE;
	}
	return FRONTEND_EXIT_OK;
}

/* --view map: the service's graph, or the map of the matching full traces. */
static int
print_map(struct batchrun *b)
{
	size_t summaries_only = 0, width = terminal_width(b->o);
	struct svcmap *m = session_service_map(b->s, &summaries_only);
	if (summaries_only)
		frontend_report(
		    _("--view map: %zu traces left out: only their summaries are loaded, "
		      "and the map is built from full traces (BatchGetTraces)"),
		    summaries_only);
	struct batch_map_format fmt = {b->o->output, width ? (int)width : 100,
	                               (b->flags & UTF8_ASCII) ? CANVAS_ASCII : 0};
	int rc = batch_map_print(stdout, m, &fmt);
	svcmap_free(m);
	if (rc < 0) {
		frontend_report(_("cannot write the output: %s"), strerror(errno));
		return FRONTEND_EXIT_SOURCE;
	}
	return FRONTEND_EXIT_OK;
}

static int
print_entries(struct batchrun *b, bool only_new, size_t from_seq)
{
	if (b->o->save && strcmp(b->o->save, "-") == 0)
		return FRONTEND_EXIT_OK; /* standard output holds the saved file */
	if (b->o->view == VIEW_MAP)
		return print_map(b);
	if (only_new && store_next_seq(session_store(b->s)) == from_seq &&
	    b->o->output != OUTPUT_JSON)
		return FRONTEND_EXIT_OK;
	/* analytics: every refresh groups every trace */
	return print_list(b, only_new && b->o->view != VIEW_ANALYTICS ? from_seq : 0);
}

static void
halt(struct batchrun *b, int status)
{
	b->status = status;
	b->halted = true;
	loop_stop(b->loop);
}

/* The window is in (or files are loaded): everything known is printed. */
static void
first_scan_done(struct batchrun *b, const struct session_event *ev)
{
	const struct options *o = b->o;
	bool aborted = b->api && session_aborted(b->s);
	if (b->api) {
		b->failed |= report_failures(b);
		report_api_warnings(b);
	}
	bool one_trace = o->view == VIEW_TIMELINE || o->view == VIEW_DETAILS;
	if (!one_trace) /* batch_trace_run() reports its trace's problems */
		report_problems(session_store(b->s));
	if (b->api) {
		if (session_progress(b->s).more_available)
			frontend_report(
			    _("stopped after --max-traces %ld summaries: the window has more"),
			    o->max_traces);
		if (ev->interrupted) {
			frontend_report(_("interrupted: the results are incomplete"));
			b->failed = true;
		}
		if (b->save && (ev->interrupted || aborted) && !o->delay) {
			save_abort(b->save);
			b->save = NULL;
			frontend_report(_("--save %s: not written"), o->save);
		}
	}
	if (one_trace) {
		const struct xr_store_entry *e =
		    o->trace_id ? session_find(b->s, o->trace_id) : NULL;
		if (aborted || (b->api && o->trace_id && !(e && e->trace) && b->failed)) {
			b->failed = true; /* the failures above said why */
			return;
		}
		int status = batch_trace_run(o, b->s, terminal_width(o), b->flags);
		if (status != FRONTEND_EXIT_OK)
			halt(b, status);
	} else if (!aborted) {
		int status = print_entries(b, false, 0);
		if (status != FRONTEND_EXIT_OK)
			halt(b, status);
	}
}

/* A -d refresh ended: what is new is printed. */
static void
live_scan_done(struct batchrun *b, const struct session_event *ev)
{
	b->failed |= report_failures(b);
	report_api_warnings(b);
	if (session_aborted(b->s))
		return;
	int status = print_entries(b, true, ev->from_seq);
	if (status != FRONTEND_EXIT_OK)
		halt(b, status);
}

static void
on_event(void *ctx, const struct session_event *ev)
{
	struct batchrun *b = ctx;
	if (b->halted)
		return;
	switch (ev->kind) {
	case SESSION_EVENT_LOADED:
		progress_clear(b);
		if (ev->message)
			frontend_report("%s", ev->message);
		else if (!ev->load->traces && !ev->load->summaries)
			frontend_report(_("%s: no traces"),
			                strcmp(ev->source, "-") == 0 ? _("(stdin)") : ev->source);
		if (ev->message || ev->load->skipped)
			b->failed = true;
		break;
	case SESSION_EVENT_WARNING:
		if (ev->source && strcmp(ev->source, "api") == 0) {
			warn_add(&b->api_warnings, "%s", ev->message);
		} else {
			progress_clear(b);
			frontend_report("%s", ev->message);
		}
		break;
	case SESSION_EVENT_FAILURE: break; /* printed when the scan ends */
	case SESSION_EVENT_ABORTED:
		free(b->abort_hint);
		b->abort_hint = xstrdup(ev->hint ? ev->hint : "");
		break;
	case SESSION_EVENT_FILTER_ERROR:
		progress_clear(b);
		if (ev->filter_error) {
			struct buf t = BUF_INIT;
			filter_error_format(ev->message, ev->filter_error, b->flags, &t);
			fprintf(stderr, "xrtop: --filter: %s", t.data);
			buf_free(&t);
		} else {
			frontend_report("%s", ev->message);
		}
		b->status = FRONTEND_EXIT_USAGE;
		break;
	case SESSION_EVENT_PROGRESS: progress_draw(b); break;
	case SESSION_EVENT_TRACE: {
		const struct xr_filter *f = session_filter(b->s);
		if (b->save && (!f || !ev->entry->trace || filter_eval_trace(f, ev->entry->trace)))
			save_trace(b->save, ev->json, ev->json_len);
		break;
	}
	case SESSION_EVENT_SCAN_DONE:
		progress_clear(b);
		if (ev->scan == 0) {
			b->ready = true;
			first_scan_done(b, ev);
		} else {
			live_scan_done(b, ev);
		}
		break;
	case SESSION_EVENT_EVICTED: break;
	case SESSION_EVENT_FINISHED:
		progress_clear(b);
		if (!b->ready && b->status == FRONTEND_EXIT_OK) {
			/* stopped before the window was scanned (GetGroups failed) */
			report_failures(b);
			b->failed = true;
		}
		break;
	}
}

/* True when a GetTraceSummaries request failed: the window is not listed whole. */
static bool
summaries_failed(const struct batchrun *b)
{
	for (size_t i = 0; i < session_failure_count(b->s); i++)
		if (session_failure(b->s, i)->op == XRAY_GET_TRACE_SUMMARIES)
			return true;
	return session_aborted(b->s) != NULL;
}

/* Writes --save's list of traces that could not be fetched and closes it. */
static void
finish_save(struct batchrun *b)
{
	if (!b->save)
		return;
	if (!b->ready) {
		/* stopped before the window was read (no credentials, GetGroups) */
		save_abort(b->save);
		b->save = NULL;
		return;
	}
	struct xr_err err = {0};
	size_t n_ids;
	char *const *ids = session_failed_ids(b->s, &n_ids);
	size_t saved = save_count(b->save);
	/* A window must have been listed whole; with -d the traces
	 * collected are saved even when a refresh failed. */
	bool incomplete = summaries_failed(b) && (!b->o->delay || !saved);
	int saved_how = save_finish(b->save, ids, n_ids, incomplete, &err);
	if (saved_how != SAVE_WRITTEN) {
		frontend_report("%s", err.msg);
		b->failed |= saved_how < 0;
	} else if (n_ids) {
		frontend_report(_("--save %s: %zu traces written; %zu could not be fetched "
		                  "(listed in its UnprocessedTraceIds)"),
		                b->o->save, saved, n_ids);
	}
	b->save = NULL;
}

/* The local receivers' totals, and their traces for --save. */
static void
listen_finish(struct batchrun *b)
{
	struct buf r = BUF_INIT;
	session_listen_report(b->s, &r);
	if (r.data)
		report_lines(r.data);
	buf_free(&r);
	if (!b->save)
		return;
	const struct xr_store *store = session_store(b->s);
	const struct xr_filter *f = session_filter(b->s);
	struct buf json = BUF_INIT;
	for (size_t i = 0; i < store_count(store); i++) {
		const struct xr_trace *t = store_entry(store, i)->trace;
		if (!t || (f && !filter_eval_trace(f, t)))
			continue;
		struct jsonw w;
		buf_reset(&json);
		jsonw_init(&w, &json);
		encode_trace(&w, t);
		save_trace(b->save, json.data, json.len);
	}
	buf_free(&json);
}

int
batchrun(const struct options *o)
{
	struct batchrun b = {.o = o, .status = FRONTEND_EXIT_OK};
	b.flags = (o->ascii || !utf8_locale_is_utf8()) ? UTF8_ASCII : 0;
	b.api = options_has_api_source(o);
	struct xr_err err = {0};
	if (o->view == VIEW_MAP && o->delay > 0) {
		frontend_report(
		    _("--view map: -d is not supported (the map is printed once per run)"));
		return FRONTEND_EXIT_USAGE;
	}
	if (b.api && o->debug_log && dlog_open(o->debug_log, &err) < 0) {
		frontend_report("%s", err.msg);
		return FRONTEND_EXIT_USAGE;
	}
	if (b.api && !options_has_file_source(o) && !o->trace_id &&
	    (o->view == VIEW_TIMELINE || o->view == VIEW_DETAILS)) {
		frontend_report(_("--view %s: with the X-Ray API, name the trace with --trace ID"),
		                o->view == VIEW_DETAILS ? "details" : "timeline");
		dlog_close();
		return FRONTEND_EXIT_USAGE;
	}
	struct session_settings set;
	frontend_settings(o, b.api, &set);
	b.s = session_new(&set, &err);
	if (!b.s) {
		report_lines(err.msg);
		dlog_close();
		return err.status == XR_EUSAGE ? FRONTEND_EXIT_USAGE : FRONTEND_EXIT_SOURCE;
	}
	session_on_event(b.s, on_event, &b);
	b.loop = loop_new(session_http(b.s));
	/* Without the API a load is one turn: ^C ends the process as always. */
	bool listening = o->listen || o->listen_otlp;
	if ((b.api || listening) && loop_catch_signals(b.loop, &err) < 0)
		frontend_report("%s", err.msg);
	b.progress_tty = b.api && isatty(STDERR_FILENO);
	if (session_start(b.s, b.loop) < 0)
		goto out;
	if (o->save && !(b.save = save_open(o->save, &err))) {
		frontend_report("%s", err.msg);
		b.status = FRONTEND_EXIT_SOURCE;
		goto out;
	}
	if (loop_run(b.loop, session_finished_fn, b.s, &err) < 0) {
		progress_clear(&b);
		frontend_report("%s", err.msg);
		b.failed = true;
	}
	if (loop_interrupted(b.loop) || !session_finished(b.s))
		session_stop(b.s);
	progress_clear(&b);
	if (listening)
		listen_finish(&b);
	finish_save(&b);
out:
	if (b.save)
		save_abort(b.save);
	int status = b.status;
	if (status == FRONTEND_EXIT_OK && b.failed)
		status = FRONTEND_EXIT_SOURCE;
	session_free(b.s);
	loop_free(b.loop);
	warn_free(&b.api_warnings);
	free(b.abort_hint);
	dlog_close();
	return status;
}
