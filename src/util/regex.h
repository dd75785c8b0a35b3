/* regex: the one PCRE2 helper.  A compiled pattern (UTF-8, Unicode
 * properties, JIT when available, smart case) and its match data, made
 * once and used for many subjects. */
#ifndef XRTOP_UTIL_REGEX_H
#define XRTOP_UTIL_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct regex;

/* Compiles pattern; with smart_case it ignores case unless the pattern
 * holds an upper-case letter.  Returns NULL and fills err ("column N:
 * message") on a bad pattern.  Caller frees. */
struct regex *regex_new(const char *pattern, bool smart_case, struct xr_err *err);
void regex_free(struct regex *re);
/* True if re matches somewhere in the n bytes of s. */
bool regex_match(struct regex *re, const char *s, size_t n);

#endif
