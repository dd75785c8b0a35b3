#include "config.h"

#include "util/jsonpull.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/jsonscan.h"

enum {
	S_VALUE,        /* a value comes next */
	S_OBJECT_FIRST, /* after '{': a key or '}' */
	S_ARRAY_FIRST,  /* after '[': a value or ']' */
	S_AFTER_VALUE,  /* ',' or the end of the container (or of the text) */
	S_DONE,
	S_FAILED,
};

void
jsonpull_init(struct jsonpull *jp, const char *text, size_t len)
{
	jp->start = jp->p = jp->token = text;
	jp->end = text + len;
	jp->error = NULL;
	jp->error_at = NULL;
	jp->depth = 0;
	jp->state = S_VALUE;
	jp->number = 0;
	buf_reset(&jp->text);
}

void
jsonpull_free(struct jsonpull *jp)
{
	buf_free(&jp->text);
}

size_t
jsonpull_error_offset(const struct jsonpull *jp)
{
	return jp->error_at ? (size_t)(jp->error_at - jp->start) : 0;
}

static enum jsonpull_token
fail(struct jsonpull *jp, const char *at, const char *what)
{
	jp->error = what;
	jp->error_at = at;
	jp->state = S_FAILED;
	return JSONPULL_ERROR;
}

static void
skip_ws(struct jsonpull *jp)
{
	while (jp->p < jp->end &&
	       (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\r' || *jp->p == '\t'))
		jp->p++;
}

static enum jsonpull_token
read_number(struct jsonpull *jp)
{
	const char *bad, *what;
	const char *after = jsonscan_number(jp->p, jp->end, &jp->number, &bad, &what);
	if (!after)
		return fail(jp, bad, what);
	jp->p = after;
	jp->state = S_AFTER_VALUE;
	return JSONPULL_NUMBER;
}

static enum jsonpull_token
read_literal(struct jsonpull *jp, const char *word, enum jsonpull_token token)
{
	size_t n = strlen(word);
	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
		return fail(jp, jp->p, N_("invalid literal"));
	jp->p += n;
	jp->state = S_AFTER_VALUE;
	return token;
}

static enum jsonpull_token
read_string(struct jsonpull *jp, enum jsonpull_token token)
{
	buf_reset(&jp->text);
	const char *bad;
	const char *after = jsonscan_string(jp->p, jp->end, &jp->text, &bad);
	if (!after)
		return fail(jp, bad, N_("invalid string"));
	if (!jp->text.data)
		buf_puts(&jp->text, ""); /* an empty string still has a buffer */
	jp->p = after;
	return token;
}

static enum jsonpull_token
open_container(struct jsonpull *jp, char kind)
{
	if (jp->depth >= JSONPULL_MAX_DEPTH)
		return fail(jp, jp->p, N_("nested too deeply"));
	jp->kind[jp->depth++] = kind;
	jp->p++;
	jp->state = kind == 'o' ? S_OBJECT_FIRST : S_ARRAY_FIRST;
	return kind == 'o' ? JSONPULL_BEGIN_OBJECT : JSONPULL_BEGIN_ARRAY;
}

static enum jsonpull_token
close_container(struct jsonpull *jp)
{
	char kind = jp->kind[--jp->depth];
	jp->p++;
	jp->state = S_AFTER_VALUE;
	return kind == 'o' ? JSONPULL_END_OBJECT : JSONPULL_END_ARRAY;
}

static enum jsonpull_token
read_value(struct jsonpull *jp)
{
	if (jp->p >= jp->end)
		return fail(jp, jp->p, N_("truncated"));
	switch (*jp->p) {
	case '{': return open_container(jp, 'o');
	case '[': return open_container(jp, 'a');
	case '"': {
		enum jsonpull_token t = read_string(jp, JSONPULL_STRING);
		if (t != JSONPULL_ERROR)
			jp->state = S_AFTER_VALUE;
		return t;
	}
	case 't': return read_literal(jp, "true", JSONPULL_TRUE);
	case 'f': return read_literal(jp, "false", JSONPULL_FALSE);
	case 'n': return read_literal(jp, "null", JSONPULL_NULL);
	default: return read_number(jp);
	}
}

static enum jsonpull_token
read_key(struct jsonpull *jp)
{
	if (jp->p >= jp->end || *jp->p != '"')
		return fail(jp, jp->p, N_("expected a key"));
	if (read_string(jp, JSONPULL_KEY) == JSONPULL_ERROR)
		return JSONPULL_ERROR;
	skip_ws(jp);
	if (jp->p >= jp->end || *jp->p != ':')
		return fail(jp, jp->p, N_("expected ':'"));
	jp->p++;
	jp->state = S_VALUE;
	return JSONPULL_KEY;
}

enum jsonpull_token
jsonpull_next(struct jsonpull *jp)
{
	skip_ws(jp);
	jp->token = jp->p;
	switch (jp->state) {
	case S_VALUE: return read_value(jp);
	case S_OBJECT_FIRST:
		if (jp->p < jp->end && *jp->p == '}')
			return close_container(jp);
		return read_key(jp);
	case S_ARRAY_FIRST:
		if (jp->p < jp->end && *jp->p == ']')
			return close_container(jp);
		return read_value(jp);
	case S_AFTER_VALUE:
		if (jp->depth == 0) {
			if (jp->p < jp->end)
				return fail(jp, jp->p, N_("unexpected data after the value"));
			jp->state = S_DONE;
			return JSONPULL_EOF;
		}
		if (jp->p >= jp->end)
			return fail(jp, jp->p, N_("truncated"));
		if (*jp->p == (jp->kind[jp->depth - 1] == 'o' ? '}' : ']'))
			return close_container(jp);
		if (*jp->p != ',')
			return fail(jp, jp->p,
			            jp->kind[jp->depth - 1] == 'o' ? N_("expected ',' or '}'")
			                                           : N_("expected ',' or ']'"));
		jp->p++;
		skip_ws(jp);
		jp->token = jp->p;
		return jp->kind[jp->depth - 1] == 'o' ? read_key(jp) : read_value(jp);
	case S_DONE: return JSONPULL_EOF;
	default: return JSONPULL_ERROR;
	}
}

int
jsonpull_skip(struct jsonpull *jp, enum jsonpull_token first, const char **from, const char **to)
{
	*from = jp->token;
	if (first == JSONPULL_BEGIN_OBJECT || first == JSONPULL_BEGIN_ARRAY) {
		unsigned depth = jp->depth - 1;
		while (jp->depth > depth) {
			if (jsonpull_next(jp) == JSONPULL_ERROR)
				return -1;
		}
	} else if (first == JSONPULL_ERROR || first == JSONPULL_EOF || first == JSONPULL_KEY ||
	           first == JSONPULL_END_OBJECT || first == JSONPULL_END_ARRAY) {
		return -1;
	}
	*to = jp->p;
	return 0;
}
