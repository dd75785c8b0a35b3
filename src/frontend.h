/* frontend: what the two front ends (batch/ and tui/) share above the
 * session: the session settings the command line asks for, how a message
 * reaches standard error (sanitised, "xrtop: " first) and the exit
 * statuses.  Below it a front end needs session.h, loop.h and the views
 * (view/), and save.h when it writes --save. */
#ifndef XRTOP_FRONTEND_H
#define XRTOP_FRONTEND_H

#include <stdbool.h>

#include "options.h"
#include "session.h"

/* The exit status of a run. */
enum frontend_exit { FRONTEND_EXIT_OK = 0, FRONTEND_EXIT_SOURCE = 1, FRONTEND_EXIT_USAGE = 2 };

/* The session settings the options ask for (api: with the X-Ray API source). */
void frontend_settings(const struct options *o, bool api, struct session_settings *set);
/* Prints "xrtop: MESSAGE" on stderr with every unsafe character escaped. */
void frontend_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
