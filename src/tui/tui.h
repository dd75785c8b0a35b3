/* tui: the interactive front end.  Owns the terminal while it runs, the
 * screens (traces, help and log here; timeline, map and analytics in
 * their own files, tuipriv.h), the key table they share, the filter
 * editor, the search and the command line; waits for keys in the event
 * loop, and drives the session (the sources, the store, the filter and the
 * sort) there.  Problems that sources report reach it as session events,
 * shown on the status line and on the log screen, never as raw stderr over
 * the screen. */
#ifndef XRTOP_TUI_TUI_H
#define XRTOP_TUI_TUI_H

#include "options.h"
#include "util/err.h"

enum tui_exit { TUI_FALLBACK = -1, TUI_EXIT_OK = 0, TUI_EXIT_SOURCE = 1, TUI_EXIT_USAGE = 2 };

/* Runs the screens over a session made from the options, in its event
 * loop, until the user quits or a signal stops the loop; returns the exit
 * status.  TUI_FALLBACK: the screens cannot work here (no terminal to read
 * keys from, no usable terminal type, options batch mode reports better);
 * err says why when the user should know, and the caller prints instead. */
int tui_main(const struct options *o, struct xr_err *err);

#endif
