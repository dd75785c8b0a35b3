/* batchrun: batch mode as a front end over the session.  Turns options
 * into session settings, runs the loop until the session is finished, and
 * formats the session's events for a person reading stdout and stderr:
 * the progress line (a terminal only), warnings and failures (a few per
 * distinct error, then a count), the trace list in the --output format
 * once the window is in and what is new after each -d refresh, --save,
 * and the exit status. */
#ifndef XRTOP_BATCH_BATCHRUN_H
#define XRTOP_BATCH_BATCHRUN_H

#include "options.h"
#include "session.h"

enum batchrun_exit { BATCHRUN_EXIT_OK = 0, BATCHRUN_EXIT_SOURCE = 1, BATCHRUN_EXIT_USAGE = 2 };

/* Runs batch mode; returns the process exit status. */
int batchrun(const struct options *o);
/* The session settings the options ask for (api: with the X-Ray API
 * source); the interactive front end starts its session the same way. */
void batchrun_settings(const struct options *o, bool api, struct session_settings *set);
/* Prints "xrtop: MESSAGE" on stderr with every unsafe character escaped. */
void batchrun_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
