/* terminfo: asks the terminfo database about a terminal type before
 * curses opens it (a separate file: <term.h> names its own struct term). */
#ifndef XRTOP_TUI_TERMINFO_H
#define XRTOP_TUI_TERMINFO_H

#include <stdbool.h>

/* True when the database knows the terminal type name (fd: the terminal). */
bool terminfo_known(const char *name, int fd);

#endif
