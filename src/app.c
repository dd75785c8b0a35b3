#include "config.h"

#include "app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "batch/batchrun.h"
#include "tui/tui.h"
#include "filter/filter.h"
#include "frontend.h"
#include "util/buf.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

/* utf8 flags for text printed to the terminal. */
static unsigned
app_text_flags(const struct options *o)
{
	return (o->ascii || !utf8_locale_is_utf8()) ? UTF8_ASCII : 0;
}

/* Compiles expr (group references through resolver, which may be NULL),
 * or prints the error report (column, caret, hint). */
static struct xr_filter *
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

/* --check-filter has no API to ask for a group's expression: any group
 * reference is accepted (and counted) so that the syntax can be checked. */
static int
check_filter_group(void *ctx, const char *name_or_arn, int is_arn, char **expr, struct xr_err *err)
{
	(void)name_or_arn, (void)is_arn, (void)err;
	++*(size_t *)ctx;
	*expr = xstrdup("ok OR NOT ok");
	return 0;
}

/* --check-filter: the normalised expression on stdout, or the error. */
static int
app_check_filter(const struct options *o)
{
	size_t groups = 0;
	struct xr_filter *f =
	    app_compile_filter(o, "--check-filter", o->check_filter, check_filter_group, &groups);
	if (!f)
		return APP_EXIT_USAGE;
	if (groups)
		frontend_report(
		    _("--check-filter: note: the syntax is valid; evaluating group.name or "
		      "group.arn needs the group's expression from the X-Ray API"));
	struct buf norm = BUF_INIT, shown = BUF_INIT;
	filter_normalize(f, &norm);
	utf8_sanitize(&shown, norm.data, norm.len, app_text_flags(o));
	buf_putc(&shown, '\n');
	int status = APP_EXIT_OK;
	if (fputs(shown.data, stdout) == EOF || fflush(stdout) == EOF) {
		frontend_report(_("cannot write the output: %s"), strerror(errno));
		status = APP_EXIT_SOURCE;
	}
	buf_free(&norm);
	buf_free(&shown);
	filter_free(f);
	return status;
}

/* The interactive screens open when the output is a terminal that can
 * show them and -b was not given (only the table output has screens, and
 * --width and --save ask for printed output). */
static bool
app_wants_tui(const struct options *o)
{
	const char *term = getenv("TERM");
	return !o->batch && o->output == OUTPUT_TABLE && o->width == 0 && !o->save &&
	       isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

int
app_run(const struct options *o)
{
	if (o->check_filter)
		return app_check_filter(o);
	if (app_wants_tui(o)) {
		struct xr_err err = {0};
		int status = tui_main(o, &err);
		if (status != TUI_FALLBACK)
			return status;
		if (err.msg[0])
			frontend_report("%s", err.msg);
	}
	return batchrun(o);
}
