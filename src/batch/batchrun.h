/* batchrun: batch mode as a front end over the session.  Has the options made
 * into session settings (frontend_settings()), runs the loop until the
 * session is finished, and formats the session's events for a person reading
 * stdout and stderr: the progress line (a terminal only), warnings and
 * failures (a few per distinct error, then a count), the trace list in the
 * --output format once the window is in and what is new after each -d
 * refresh, --save, and the exit status. */
#ifndef XRTOP_BATCH_BATCHRUN_H
#define XRTOP_BATCH_BATCHRUN_H

#include "options.h"
#include "session.h"

/* Runs batch mode; returns the process exit status. */
int batchrun(const struct options *o);

#endif
