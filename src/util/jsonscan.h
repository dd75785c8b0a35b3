/* jsonscan: finds the boundaries of JSON values without building them.
 * The file loader uses it to cut a large response into pieces that are
 * then decoded in parallel; it checks nesting, not full syntax.  Its string
 * and number readers are the ones every JSON reader of xrtop shares. */
#ifndef XRTOP_UTIL_JSONSCAN_H
#define XRTOP_UTIL_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Skips spaces, tabs, newlines and carriage returns. */
const char *jsonscan_skip_ws(const char *p, const char *end);
/* Returns one past the end of the value that starts at p, or NULL when it
 * is truncated or its brackets do not balance (depth above max_depth
 * counts as unbalanced). */
const char *jsonscan_value_end(const char *p, const char *end, int max_depth);

/* One member of an object, as spans into the text. */
struct jsonscan_member {
	const char *key; /* without quotes, escapes not decoded */
	size_t key_len;
	const char *value; /* first byte of the value */
};

/* Calls fn for each member of the object at p.  fn may consume the value
 * itself and return one past its end (or `end` when the value turned out
 * truncated); returning NULL lets the scanner skip the value.  Returns one
 * past the object, or NULL (with *bad set to where the problem is) when it
 * is malformed. */
const char *jsonscan_object(const char *p, const char *end,
                            const char *(*fn)(void *ctx, const struct jsonscan_member *m,
                                              const char *end),
                            void *ctx, const char **bad);
/* Calls fn for each element of the array at p, like jsonscan_object: fn
 * may consume the element and return one past it, or return NULL to let
 * the scanner skip it. */
const char *jsonscan_array(const char *p, const char *end,
                           const char *(*fn)(void *ctx, const char *value, const char *end),
                           void *ctx, const char **bad);

/* True when the JSON text at p nests more than max_depth levels before
 * end (strings are skipped; the text need not be valid). */
bool jsonscan_too_deep(const char *p, const char *end, int max_depth);

/* Decodes the JSON string whose opening quote is at p, appending it to out
 * (\u0000 as UTF8_NUL, a lone surrogate as U+FFFD).  Returns one past the
 * closing quote, or NULL when the string is truncated or invalid (a bad
 * escape, a raw control character), with *bad at the problem when bad is
 * not NULL. */
const char *jsonscan_string(const char *p, const char *end, struct buf *out, const char **bad);

/* Reads the JSON number at p (strict grammar; after a leading 0 the number
 * ends, so "01" reads as 0 and stops before the 1) into *value.  Returns one
 * past it, or NULL with *bad at the problem and *what saying what is wrong.
 * The one number reader of util/jsonpull and the filter's #[...] patterns. */
const char *jsonscan_number(const char *p, const char *end, double *value, const char **bad,
                            const char **what);

/* For cJSON, which cuts strings at NUL and refuses a whole document for one
 * lone surrogate: a copy of JSON text with each \u0000 escape written as
 * UTF8_NUL and each lone surrogate escape as \uFFFD, its length in
 * *out_len; NULL when the text has neither.  Caller frees. */
char *jsonscan_hold_nul(const char *text, size_t len, size_t *out_len);

#endif
