/* tui: the interactive front end.  Owns the terminal while it runs, the
 * screens (traces, help, log), the key table they share, the filter
 * editor, the search and the command line; waits for keys in the event
 * loop.  Reads the store, never the sources: problems that sources report
 * reach it as messages in a log, shown on the status line and on the log
 * screen, never as raw stderr over the screen. */
#ifndef XRTOP_TUI_TUI_H
#define XRTOP_TUI_TUI_H

#include <stdio.h>

#include "loop.h"
#include "model/store.h"
#include "options.h"
#include "util/err.h"
#include "util/warn.h"

struct tui_config {
	const struct options *opts;
	const char *source;      /* "demo", "file traces.json", ... for the header */
	struct xr_warnings *log; /* messages for the log screen; grows while the TUI runs */
	FILE *in, *out;          /* the terminal */
};

/* Runs the screens over store in loop until the user quits or a signal
 * stops the loop.  Returns 0, or -1 with err when the terminal cannot be
 * opened. */
int tui_run(const struct tui_config *cfg, struct xr_store *store, struct loop *loop,
            struct xr_err *err);

#endif
