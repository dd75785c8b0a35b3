/* strdist: "did you mean" — the nearest word by edit distance, for
 * misspelt options and filter keywords. */
#ifndef XRTOP_UTIL_STRDIST_H
#define XRTOP_UTIL_STRDIST_H

#include <stddef.h>

/* Optimal-string-alignment distance between a (n bytes) and b, ignoring
 * ASCII case; (size_t)-1 for words longer than 40 bytes. */
size_t strdist(const char *a, size_t n, const char *b);
/* The candidate (NULL-terminated list) nearest to w (n bytes) when it is
 * close enough to be a typo (1 edit for short words, up to 3 for long
 * ones), or NULL. */
const char *strdist_nearest(const char *w, size_t n, const char *const *candidates);

#endif
