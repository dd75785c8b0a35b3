#include "config.h"

#include "tui/terminfo.h"

#include <curses.h>
#include <term.h>

bool
terminfo_known(const char *name, int fd)
{
	/* newterm() with an unknown type leaves its allocations behind, so a
	 * type is tried here first, and the probe freed */
	TERMINAL *saved = cur_term;
	int err = 0;
	if (setupterm(name, fd, &err) != OK)
		return false;
	TERMINAL *probe = cur_term;
	set_curterm(saved);
	del_curterm(probe);
	return true;
}
