/* warn: a capped list of warnings about the input ("file:line: what").
 * Loaders and decoders report bad data here and go on with the rest; the
 * front end prints the list.  After WARN_MAX messages only a count is kept. */
#ifndef XRTOP_UTIL_WARN_H
#define XRTOP_UTIL_WARN_H

#include <stddef.h>

#define WARN_MAX 200

struct xr_warnings {
	char **msgs;
	size_t n;
	size_t cap;
	size_t dropped; /* warnings beyond WARN_MAX, counted only */
};

void warn_add(struct xr_warnings *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Total warnings seen, kept or not. */
size_t warn_count(const struct xr_warnings *w);
/* Moves every message of src to the end of dst. */
void warn_move(struct xr_warnings *dst, struct xr_warnings *src);
void warn_free(struct xr_warnings *w);

#endif
