/* filtertypes: what the filter's public header (filter/filter.h) and its
 * parts (lexer, parser, eval) share: the limits on an expression, the
 * error with its column, the group resolver and the verdict.  Types only,
 * so the parts need not include the header of the module that uses them. */
#ifndef XRTOP_FILTER_FILTERTYPES_H
#define XRTOP_FILTER_FILTERTYPES_H

#include <stddef.h>

#include "util/err.h"

/* Longest expression filter_compile() accepts, in bytes. */
#define FILTER_MAX_LEN 65536
/* Deepest nesting of parentheses, blocks, negations and groups. */
#define FILTER_MAX_DEPTH 256

struct xr_filter_error {
	size_t column; /* 1-based, in characters; 0 when no position applies */
	char message[256];
	char hint[256]; /* "" when there is none */
};

/* Looks up the stored filter expression of a group by name or ARN (is_arn).
 * On success sets *expr to a string the caller frees and returns 0; on
 * failure fills err and returns -1. */
typedef int (*xr_group_resolver)(void *ctx, const char *name_or_arn, int is_arn, char **expr,
                                 struct xr_err *err);

enum filter_verdict { FILTER_NO_MATCH, FILTER_MATCH, FILTER_NEED_TRACE };

#endif
