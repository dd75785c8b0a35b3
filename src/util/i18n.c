#include "util/i18n.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef ENABLE_NLS
/* True when /proc/self/exe is the build tree's src/xrtop. */
static bool
i18n_in_build_tree(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	char built[PATH_MAX];
	size_t len = strlen(XRTOP_BUILDDIR);
	if (len + sizeof "/src/xrtop" > sizeof built)
		return false;
	memcpy(built, XRTOP_BUILDDIR, len);
	memcpy(built + len, "/src/xrtop", sizeof "/src/xrtop");
	char real[PATH_MAX];
	if (!realpath(built, real))
		return false;
	return strcmp(real, exe) == 0;
}
#endif

static bool i18n_on;

void
i18n_init(bool utf8)
{
#ifdef ENABLE_NLS
	i18n_on = utf8;
	const char *dir = XRTOP_LOCALEDIR;
	struct stat st;
	if (i18n_in_build_tree() && stat(XRTOP_BUILDDIR "/locale", &st) == 0 && S_ISDIR(st.st_mode))
		dir = XRTOP_BUILDDIR "/locale";
	bindtextdomain(PACKAGE, dir);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
#endif
}

void
i18n_disable(void)
{
	i18n_on = false;
}

const char *
i18n_gettext(const char *msgid)
{
#ifdef ENABLE_NLS
	if (i18n_on)
		return dgettext(PACKAGE, msgid);
#endif
	return msgid;
}

const char *
i18n_ngettext(const char *msgid, const char *plural, unsigned long n)
{
#ifdef ENABLE_NLS
	if (i18n_on)
		return dngettext(PACKAGE, msgid, plural, n);
#endif
	return n == 1 ? msgid : plural;
}
