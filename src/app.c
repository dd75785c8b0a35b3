#include "config.h"

#include "app.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "batch/batch.h"
#include "batch/batch_analytics.h"
#include "filter/filter.h"
#include "model/store.h"
#include "source/demo.h"
#include "source/file.h"
#include "util/utf8.h"
#include "util/warn.h"
#include "view/tracelist.h"

/* Trace-data problems printed after loading; the rest are counted. */
#define MAX_PROBLEMS_SHOWN 20

struct app {
	const struct options *opts;
	struct xr_store *store;
	bool source_failed;
	struct xr_filter *filter; /* --filter, or NULL */
};

void
app_report(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct buf b = BUF_INIT;
	buf_puts(&b, "xrtop: ");
	utf8_sanitize(&b, msg, strlen(msg), utf8_locale_is_utf8() ? 0 : UTF8_ASCII);
	buf_putc(&b, '\n');
	fputs(b.data, stderr);
	buf_free(&b);
}

static void
app_load(struct app *a, const char *path)
{
	struct load_stats stats = {0};
	struct xr_err err = {0};
	struct xr_warnings warnings = {0};
	int rc = file_load(path, a->store, &warnings, &stats, &err);
	for (size_t i = 0; i < warnings.n; i++)
		app_report("%s", warnings.msgs[i]);
	if (warnings.dropped)
		app_report("%s: ... and %zu more problems", path, warnings.dropped);
	warn_free(&warnings);
	if (rc < 0)
		app_report("%s", err.msg);
	if (rc < 0 || stats.skipped)
		a->source_failed = true;
}

static void
app_load_files(struct app *a)
{
	if (a->opts->demo) {
		char path[4096];
		struct xr_err err = {0};
		if (demo_path(path, sizeof path, &err) < 0) {
			app_report("--demo: %s", err.msg);
			a->source_failed = true;
		} else {
			app_load(a, path);
		}
	}
	for (size_t i = 0; i < a->opts->n_loads; i++)
		app_load(a, a->opts->loads[i]);
}

void
app_report_problems(const struct xr_store *store)
{
	size_t shown = 0, total = 0;
	for (size_t i = 0; i < store_count(store); i++) {
		const struct xr_trace *t = store_entry(store, i)->trace;
		for (unsigned p = 0; t && p < t->n_problems; p++, total++)
			if (shown++ < MAX_PROBLEMS_SHOWN)
				app_report("trace %s: %s", t->id, t->problems[p]);
	}
	if (total > MAX_PROBLEMS_SHOWN)
		app_report("... and %zu more problems in trace data", total - MAX_PROBLEMS_SHOWN);
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

/* utf8 flags for text printed to the terminal. */
static unsigned
app_text_flags(const struct options *o)
{
	return (o->ascii || !utf8_locale_is_utf8()) ? UTF8_ASCII : 0;
}

struct xr_filter *
app_compile_filter(const struct options *o, const char *name, const char *expr,
                   xr_group_resolver resolver, void *ctx)
{
	struct xr_filter_error e;
	struct xr_filter *f = filter_compile(expr, resolver, ctx, &e);
	if (!f) {
		struct buf b = BUF_INIT;
		filter_error_format(expr, &e, app_text_flags(o), &b);
		fprintf(stderr, "xrtop: %s: %s", name, b.data);
		buf_free(&b);
	}
	return f;
}

/* --check-filter: the normalised expression on stdout, or the error. */
static int
app_check_filter(const struct options *o)
{
	struct xr_filter *f = app_compile_filter(o, "--check-filter", o->check_filter, NULL, NULL);
	if (!f)
		return APP_EXIT_USAGE;
	struct buf norm = BUF_INIT, shown = BUF_INIT;
	filter_normalize(f, &norm);
	utf8_sanitize(&shown, norm.data, norm.len, app_text_flags(o));
	buf_putc(&shown, '\n');
	int status = APP_EXIT_OK;
	if (fputs(shown.data, stdout) == EOF || fflush(stdout) == EOF) {
		app_report("cannot write the output: %s", strerror(errno));
		status = APP_EXIT_SOURCE;
	}
	buf_free(&norm);
	buf_free(&shown);
	filter_free(f);
	return status;
}

struct keep {
	const struct xr_filter *filter; /* or NULL */
	size_t from;                    /* entries before this one are left out */
	bool keep_undecided;
	size_t undecided;
};

/* tracelist_keep_fn for --filter: summaries answer what they can, loaded
 * full traces the rest; what neither can decide is counted, and left out
 * unless keep_undecided. */
static bool
app_keep(void *ctx, const struct xr_store_entry *e)
{
	struct keep *k = ctx;
	if (e->seq < k->from)
		return false;
	if (!k->filter)
		return true;
	enum filter_verdict v = filter_eval(k->filter, store_entry_summary(e), e->trace);
	if (v == FILTER_NEED_TRACE)
		k->undecided++;
	return v == FILTER_MATCH || (v == FILTER_NEED_TRACE && k->keep_undecided);
}

/* --view analytics: the histogram and group table of the listed traces. */
static int
app_print_analytics(const struct options *o, const struct tracelist *tl)
{
	struct batch_analytics_request rq = {.key = o->group_by ? o->group_by : "http.status",
	                                     .filter = o->filter,
	                                     .limit = o->limit};
	struct batch_format fmt = {
	    .output = o->output, .width = terminal_width(o), .flags = app_text_flags(o)};
	struct xr_err err = {0};
	int rc = batch_analytics(stdout, tl, &rq, &fmt, &err);
	if (rc == -1)
		app_report("--group-by: %s", err.msg);
	else if (rc < 0)
		app_report("cannot write the output: %s", strerror(errno));
	return rc == 0 ? APP_EXIT_OK : rc == -1 ? APP_EXIT_USAGE : APP_EXIT_SOURCE;
}

int
app_print_list(const struct options *o, const struct xr_store *store,
               const struct xr_filter *filter, size_t from, bool keep_undecided)
{
	struct keep k = {filter, from, keep_undecided, 0};
	struct tracelist tl;
	tracelist_build(&tl, store, filter || from ? app_keep : NULL, &k, o->sort);
	if (k.undecided && !keep_undecided)
		app_report(
		    "--filter: %zu traces left out: the filter needs their full traces, and only "
		    "their summaries are loaded",
		    k.undecided);
	if (o->view == VIEW_ANALYTICS) {
		int rc = app_print_analytics(o, &tl);
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
		.flags = app_text_flags(o),
	};
	int rc = batch_print(stdout, &tl, &fmt);
	tracelist_free(&tl);
	if (rc < 0) {
		app_report("cannot write the output: %s", strerror(errno));
		return APP_EXIT_SOURCE;
	}
	return APP_EXIT_OK;
}

int
app_run(const struct options *o)
{
	if (o->check_filter)
		return app_check_filter(o);
	struct app a = {.opts = o, .store = store_new()};
	int status = APP_EXIT_OK;
	if (!options_has_file_source(o)) {
		status = app_api_run(o, a.store);
		goto out;
	}
	if (o->filter && !(a.filter = app_compile_filter(o, "--filter", o->filter, NULL, NULL))) {
		status = APP_EXIT_USAGE;
		goto out;
	}
	app_load_files(&a);
	app_report_problems(a.store);
	status = app_print_list(o, a.store, a.filter, 0, false);
	if (status == APP_EXIT_OK && a.source_failed)
		status = APP_EXIT_SOURCE;
out:
	filter_free(a.filter);
	store_free(a.store);
	return status;
}
