/* i18n: messages in the user's language through libc's gettext.  _() marks
 * and translates a message, N_() only marks one that is translated where it
 * is used, ngettext() picks the plural form.  What scripts read (JSON keys,
 * filter keywords, option names) never goes through these. */
#ifndef XRTOP_UTIL_I18N_H
#define XRTOP_UTIL_I18N_H

#include "config.h"

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) ((const char *)(s))
#define ngettext(s, p, n) ((n) == 1 ? (const char *)(s) : (const char *)(p))
#endif
#define N_(s) s

/* Binds xrtop's message catalogue: the build tree's locale/ when the running
 * program is the build tree's src/xrtop, else the installed locale directory. */
void i18n_init(void);

#endif
