/* jsonpull: a validating pull parser for JSON text (not NUL-terminated).
 *
 * Each call of jsonpull_next() returns the next token; strings and keys arrive
 * decoded in jp->text, numbers in jp->number.  The grammar is checked as
 * strictly as cJSON does (commas, colons, escapes, numbers, nothing after
 * the value, nesting up to JSONPULL_MAX_DEPTH).  Segment documents are decoded
 * straight from these tokens into the trace model: no tree is built. */
#ifndef XRTOP_UTIL_JSONPULL_H
#define XRTOP_UTIL_JSONPULL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define JSONPULL_MAX_DEPTH 1000

enum jsonpull_token {
	JSONPULL_ERROR = -1,
	JSONPULL_EOF = 0,
	JSONPULL_BEGIN_OBJECT,
	JSONPULL_END_OBJECT,
	JSONPULL_BEGIN_ARRAY,
	JSONPULL_END_ARRAY,
	JSONPULL_KEY,
	JSONPULL_STRING,
	JSONPULL_NUMBER,
	JSONPULL_TRUE,
	JSONPULL_FALSE,
	JSONPULL_NULL,
};

struct jsonpull {
	const char *start, *p, *end;
	const char *token; /* where the last token began */
	struct buf text;   /* the last key or string, decoded */
	double number;     /* the last number */
	const char *error; /* what went wrong (English, N_(): show it with _()), or NULL */
	const char *error_at;
	unsigned depth;
	int state;
	char kind[JSONPULL_MAX_DEPTH]; /* 'o' or 'a' for each open container */
};

/* Starts parsing text[0, len).  jp->text keeps its buffer across inits. */
void jsonpull_init(struct jsonpull *jp, const char *text, size_t len);
void jsonpull_free(struct jsonpull *jp);
enum jsonpull_token jsonpull_next(struct jsonpull *jp);
/* After a token that begins a value, reads to the end of that value and
 * sets [*from, *to) to its raw text.  Returns -1 on a syntax error. */
int jsonpull_skip(struct jsonpull *jp, enum jsonpull_token first, const char **from,
                  const char **to);
/* Offset of the error in the text. */
size_t jsonpull_error_offset(const struct jsonpull *jp);

#endif
