/* i18n: messages in the user's language through libc's gettext.  _() marks
 * and translates a message, N_() only marks one that is translated where it
 * is used, ngettext() picks the plural form.  What scripts read (JSON keys,
 * filter keywords, option names) never goes through these. */
#ifndef XRTOP_UTIL_I18N_H
#define XRTOP_UTIL_I18N_H

#include "config.h"

#include <stdbool.h>

#ifdef ENABLE_NLS
#include <libintl.h>
#endif
#define _(s) i18n_gettext(s)
#undef ngettext
#define ngettext(s, p, n) i18n_ngettext(s, p, n)
#define N_(s) s

/* Binds xrtop's message catalogue: the build tree's locale/ when the running
 * program is the build tree's src/xrtop, else the installed locale directory.
 * Translations are off when the terminal is not UTF-8 (utf8 false). */
void i18n_init(bool utf8);
/* Turns translations off (--ascii: messages stay English, not escapes). */
void i18n_disable(void);
/* The translation of msgid, or msgid itself when translations are off. */
const char *i18n_gettext(const char *msgid) __attribute__((format_arg(1)));
/* The plural form of the translation for n. */
const char *i18n_ngettext(const char *msgid, const char *plural, unsigned long n)
    __attribute__((format_arg(1), format_arg(2)));

#endif
