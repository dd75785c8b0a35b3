#include "config.h"

#include "util/jsonscan.h"

#include <stdbool.h>
#include <string.h>

#define SCAN_MAX_DEPTH 1000

const char *
jsonscan_skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* p points at the opening quote; returns one past the closing quote. */
static const char *
string_end(const char *p, const char *end)
{
	p++;
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return NULL;
		/* The quote is escaped when an odd number of backslashes precede it. */
		size_t bs = 0;
		while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			return q + 1;
		p = q + 1;
	}
}

const char *
jsonscan_value_end(const char *p, const char *end, int max_depth)
{
	if (p >= end)
		return NULL;
	if (*p == '"')
		return string_end(p, end);
	if (*p != '{' && *p != '[') {
		/* number, true, false, null */
		while (p < end && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	int depth = 0;
	while (p < end) {
		char c = *p;
		if (c == '"') {
			p = string_end(p, end);
			if (!p)
				return NULL;
			continue;
		}
		if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return NULL;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return p + 1;
		}
		p++;
	}
	return NULL;
}

const char *
jsonscan_object(const char *p, const char *end,
                int (*fn)(void *ctx, const struct jsonscan_member *m), void *ctx,
                const char **bad)
{
	*bad = p;
	if (p >= end || *p != '{')
		return NULL;
	p = jsonscan_skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return p + 1;
	bool stop = false;
	while (p < end) {
		*bad = p;
		if (*p != '"')
			return NULL;
		const char *kend = string_end(p, end);
		if (!kend)
			return NULL;
		struct jsonscan_member m = {.key = p + 1, .key_len = (size_t)(kend - p - 2)};
		p = jsonscan_skip_ws(kend, end);
		*bad = p;
		if (p >= end || *p != ':')
			return NULL;
		p = jsonscan_skip_ws(p + 1, end);
		*bad = p;
		m.value = p;
		m.value_end = jsonscan_value_end(p, end, SCAN_MAX_DEPTH);
		/* A truncated last value is still shown, so a caller can keep
		 * the complete elements at its start. */
		bool truncated = !m.value_end;
		if (truncated)
			m.value_end = end;
		if (m.value_end == p)
			return NULL;
		if (!stop && fn(ctx, &m))
			stop = true;
		if (truncated)
			return NULL;
		p = jsonscan_skip_ws(m.value_end, end);
		*bad = p;
		if (p < end && *p == ',') {
			p = jsonscan_skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			return p + 1;
		return NULL;
	}
	return NULL;
}

const char *
jsonscan_array(const char *p, const char *end,
               int (*fn)(void *ctx, const char *value, const char *value_end), void *ctx,
               const char **bad)
{
	*bad = p;
	if (p >= end || *p != '[')
		return NULL;
	p = jsonscan_skip_ws(p + 1, end);
	if (p < end && *p == ']')
		return p + 1;
	bool stop = false;
	while (p < end) {
		*bad = p;
		const char *vend = jsonscan_value_end(p, end, SCAN_MAX_DEPTH);
		if (!vend || vend == p)
			return NULL;
		if (!stop && fn(ctx, p, vend))
			stop = true;
		p = jsonscan_skip_ws(vend, end);
		*bad = p;
		if (p < end && *p == ',') {
			p = jsonscan_skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == ']')
			return p + 1;
		return NULL;
	}
	return NULL;
}
