/* jsonpull: a validating pull parser for JSON text (not NUL-terminated).
 *
 * Each call of jp_next() returns the next token; strings and keys arrive
 * decoded in jp->text, numbers in jp->number.  The grammar is checked as
 * strictly as cJSON does (commas, colons, escapes, numbers, nothing after
 * the value, nesting up to JP_MAX_DEPTH).  Segment documents are decoded
 * straight from these tokens into the trace model: no tree is built. */
#ifndef XRTOP_UTIL_JSONPULL_H
#define XRTOP_UTIL_JSONPULL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define JP_MAX_DEPTH 1000

enum jp_token {
	JP_ERROR = -1,
	JP_EOF = 0,
	JP_BEGIN_OBJECT,
	JP_END_OBJECT,
	JP_BEGIN_ARRAY,
	JP_END_ARRAY,
	JP_KEY,
	JP_STRING,
	JP_NUMBER,
	JP_TRUE,
	JP_FALSE,
	JP_NULL,
};

struct jsonpull {
	const char *start, *p, *end;
	const char *token; /* where the last token began */
	struct buf text;   /* the last key or string, decoded */
	double number;     /* the last number */
	const char *error; /* what went wrong, or NULL */
	const char *error_at;
	unsigned depth;
	int state;
	char kind[JP_MAX_DEPTH]; /* 'o' or 'a' for each open container */
};

/* Starts parsing text[0, len).  jp->text keeps its buffer across inits. */
void jp_init(struct jsonpull *jp, const char *text, size_t len);
void jp_free(struct jsonpull *jp);
enum jp_token jp_next(struct jsonpull *jp);
/* After a token that begins a value, reads to the end of that value and
 * sets [*from, *to) to its raw text.  Returns -1 on a syntax error. */
int jp_skip(struct jsonpull *jp, enum jp_token first, const char **from, const char **to);
/* Offset of the error in the text. */
size_t jp_error_offset(const struct jsonpull *jp);

#endif
