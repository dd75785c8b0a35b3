/* jsonpos: where in a JSON text a parse stopped, for messages: the line and
 * column (in characters) of a byte offset, and the "line L, column C:
 * invalid JSON" error every JSON reader reports. */
#ifndef XRTOP_UTIL_JSONPOS_H
#define XRTOP_UTIL_JSONPOS_H

#include <stddef.h>

#include "util/err.h"

/* Line (1-based) and column (1-based, in characters) of byte offset at. */
void jsonpos_position(const char *text, size_t len, size_t at, size_t *line, size_t *column);
/* Fills err with "line L, column C: invalid JSON" for a parse that stopped
 * at byte offset `at`, and records the offset in err.  Returns -1. */
int jsonpos_error(const char *json, size_t len, size_t at, struct xr_err *err);

#endif
