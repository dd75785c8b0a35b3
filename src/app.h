/* app: the program as a whole.  Picks the front end for the options (the
 * interactive screens on a terminal, batch mode otherwise; --check-filter
 * on its own) and returns the exit status.  Front ends and app are the
 * only modules that print. */
#ifndef XRTOP_APP_H
#define XRTOP_APP_H

#include "options.h"

enum app_exit { APP_EXIT_OK = 0, APP_EXIT_SOURCE = 1, APP_EXIT_USAGE = 2 };

/* Runs xrtop with parsed options; returns the process exit status. */
int app_run(const struct options *o);

#endif
