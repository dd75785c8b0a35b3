/* xrtop: top for AWS X-Ray.  main() only sets up the locale, parses the
 * command line and hands over to app_run(). */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "frontend.h"
#include "options.h"
#include "util/i18n.h"
#include "util/utf8.h"

static bool
setup_locale(void)
{
	setlocale(LC_ALL, "");
	/* Numbers in JSON and tables always use '.', whatever the locale. */
	setlocale(LC_NUMERIC, "C");
	const char *codeset = nl_langinfo(CODESET);
	bool utf8 = codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
	utf8_set_locale_is_utf8(utf8);
	/* Widths of CJK text still need the UTF-8 tables; output stays ASCII. */
	if (!utf8)
		setlocale(LC_CTYPE, "C.UTF-8");
	return utf8;
}

int
main(int argc, char **argv)
{
	i18n_init(setup_locale());
	struct options o;
	struct xr_err err = {0};
	int parsed = options_parse(&o, argc, argv, &err);
	if (o.ascii)
		i18n_disable();
	if (parsed < 0) {
		frontend_report("%s", err.msg);
		fputs(_("Try 'xrtop --help' for more information.\n"), stderr);
		options_free(&o);
		return APP_EXIT_USAGE;
	}
	int status = APP_EXIT_OK;
	if (o.help) {
		struct buf b = BUF_INIT;
		options_usage(&b);
		fputs(b.data, stdout);
		buf_free(&b);
	} else if (o.version) {
		puts(PACKAGE_STRING);
	} else {
		status = app_run(&o);
	}
	if ((o.help || o.version) && (fflush(stdout) == EOF || ferror(stdout))) {
		frontend_report(o.help ? _("cannot write the help: %s")
		                       : _("cannot write the version: %s"),
		                strerror(errno));
		status = APP_EXIT_SOURCE;
	}
	options_free(&o);
	return status;
}
