#include "config.h"

#include "util/jsonpull.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
jp_init(struct jsonpull *jp, const char *text, size_t len)
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
jp_free(struct jsonpull *jp)
{
	buf_free(&jp->text);
}

size_t
jp_error_offset(const struct jsonpull *jp)
{
	return jp->error_at ? (size_t)(jp->error_at - jp->start) : 0;
}

static enum jp_token
fail(struct jsonpull *jp, const char *at, const char *what)
{
	jp->error = what;
	jp->error_at = at;
	jp->state = S_FAILED;
	return JP_ERROR;
}

static void
skip_ws(struct jsonpull *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\r' || *jp->p == '\t'))
		jp->p++;
}

static bool
digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* Exact powers of ten: a mantissa below 2^53 times or over one of these is
 * correctly rounded (the classic fast path); anything else goes to strtod. */
static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static enum jp_token
read_number(struct jsonpull *jp)
{
	const char *p = jp->p, *end = jp->end, *start = p;
	bool negative = p < end && *p == '-';
	if (negative)
		p++;
	if (!digit(p, end))
		return fail(jp, p, "expected a digit");
	uint64_t mantissa = 0;
	int digits = 0, scale = 0;
	bool exact = true;
	if (*p == '0') {
		p++;
	} else {
		for (; digit(p, end); p++, digits++)
			if (digits < 19)
				mantissa = mantissa * 10 + (uint64_t)(*p - '0');
			else
				exact = false;
	}
	if (p < end && *p == '.') {
		p++;
		if (!digit(p, end))
			return fail(jp, p, "expected a digit after '.'");
		for (; digit(p, end); p++, digits++, scale--)
			if (digits < 19)
				mantissa = mantissa * 10 + (uint64_t)(*p - '0');
			else
				exact = false;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		int sign = 1, e = 0;
		if (p < end && (*p == '+' || *p == '-'))
			sign = *p++ == '-' ? -1 : 1;
		if (!digit(p, end))
			return fail(jp, p, "expected a digit in the exponent");
		for (; digit(p, end); p++)
			if (e < 10000)
				e = e * 10 + (*p - '0');
		scale += sign * e;
	}
	jp->p = p;
	if (exact && mantissa < (1ull << 53) && scale >= -22 && scale <= 22) {
		double v = (double)mantissa;
		v = scale < 0 ? v / exact_pow10[-scale] : v * exact_pow10[scale];
		jp->number = negative ? -v : v;
	} else {
		char tmp[128];
		size_t n = (size_t)(p - start);
		if (n >= sizeof tmp)
			n = sizeof tmp - 1; /* only absurd inputs; the value is still huge or tiny */
		memcpy(tmp, start, n);
		tmp[n] = '\0';
		jp->number = strtod(tmp, NULL);
	}
	jp->state = S_AFTER_VALUE;
	return JP_NUMBER;
}

static enum jp_token
read_literal(struct jsonpull *jp, const char *word, enum jp_token token)
{
	size_t n = strlen(word);
	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
		return fail(jp, jp->p, "invalid literal");
	jp->p += n;
	jp->state = S_AFTER_VALUE;
	return token;
}

static enum jp_token
read_string(struct jsonpull *jp, enum jp_token token)
{
	buf_reset(&jp->text);
	const char *bad;
	const char *after = jsonscan_string(jp->p, jp->end, &jp->text, &bad);
	if (!after)
		return fail(jp, bad, "invalid string");
	if (!jp->text.data)
		buf_puts(&jp->text, ""); /* an empty string still has a buffer */
	jp->p = after;
	return token;
}

static enum jp_token
open_container(struct jsonpull *jp, char kind)
{
	if (jp->depth >= JP_MAX_DEPTH)
		return fail(jp, jp->p, "nested too deeply");
	jp->kind[jp->depth++] = kind;
	jp->p++;
	jp->state = kind == 'o' ? S_OBJECT_FIRST : S_ARRAY_FIRST;
	return kind == 'o' ? JP_BEGIN_OBJECT : JP_BEGIN_ARRAY;
}

static enum jp_token
close_container(struct jsonpull *jp)
{
	char kind = jp->kind[--jp->depth];
	jp->p++;
	jp->state = S_AFTER_VALUE;
	return kind == 'o' ? JP_END_OBJECT : JP_END_ARRAY;
}

static enum jp_token
read_value(struct jsonpull *jp)
{
	if (jp->p >= jp->end)
		return fail(jp, jp->p, "truncated");
	switch (*jp->p) {
	case '{': return open_container(jp, 'o');
	case '[': return open_container(jp, 'a');
	case '"': {
		enum jp_token t = read_string(jp, JP_STRING);
		if (t != JP_ERROR)
			jp->state = S_AFTER_VALUE;
		return t;
	}
	case 't': return read_literal(jp, "true", JP_TRUE);
	case 'f': return read_literal(jp, "false", JP_FALSE);
	case 'n': return read_literal(jp, "null", JP_NULL);
	default: return read_number(jp);
	}
}

static enum jp_token
read_key(struct jsonpull *jp)
{
	if (jp->p >= jp->end || *jp->p != '"')
		return fail(jp, jp->p, "expected a key");
	if (read_string(jp, JP_KEY) == JP_ERROR)
		return JP_ERROR;
	skip_ws(jp);
	if (jp->p >= jp->end || *jp->p != ':')
		return fail(jp, jp->p, "expected ':'");
	jp->p++;
	jp->state = S_VALUE;
	return JP_KEY;
}

enum jp_token
jp_next(struct jsonpull *jp)
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
				return fail(jp, jp->p, "unexpected data after the value");
			jp->state = S_DONE;
			return JP_EOF;
		}
		if (jp->p >= jp->end)
			return fail(jp, jp->p, "truncated");
		if (*jp->p == (jp->kind[jp->depth - 1] == 'o' ? '}' : ']'))
			return close_container(jp);
		if (*jp->p != ',')
			return fail(jp, jp->p, jp->kind[jp->depth - 1] == 'o' ? "expected ',' or '}'"
			                                                         : "expected ',' or ']'");
		jp->p++;
		skip_ws(jp);
		jp->token = jp->p;
		return jp->kind[jp->depth - 1] == 'o' ? read_key(jp) : read_value(jp);
	case S_DONE: return JP_EOF;
	default: return JP_ERROR;
	}
}

int
jp_skip(struct jsonpull *jp, enum jp_token first, const char **from, const char **to)
{
	*from = jp->token;
	if (first == JP_BEGIN_OBJECT || first == JP_BEGIN_ARRAY) {
		unsigned depth = jp->depth - 1;
		while (jp->depth > depth) {
			if (jp_next(jp) == JP_ERROR)
				return -1;
		}
	} else if (first == JP_ERROR || first == JP_EOF || first == JP_KEY ||
	           first == JP_END_OBJECT || first == JP_END_ARRAY) {
		return -1;
	}
	*to = jp->p;
	return 0;
}
