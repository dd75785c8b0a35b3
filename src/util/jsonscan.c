#include "config.h"

#include "util/hex.h"
#include "util/jsonscan.h"

#include "util/i18n.h"

#include "util/utf8.h"
#include "util/xmalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SCAN_MAX_DEPTH 1000

const char *
jsonscan_skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static int
hex4(const char *p, const char *end, uint32_t *out)
{
	if (end - p < 4)
		return -1;
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(p[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* Decodes the escape whose backslash is at p into *o (at most 4 bytes,
 * never more than the escape's own length); returns the byte after it. */
static const char *
unescape_at(const char *p, const char *end, char **o)
{
	if (++p >= end)
		return NULL;
	char c = *p++;
	switch (c) {
	case '"':
	case '\\':
	case '/': *(*o)++ = c; return p;
	case 'b': *(*o)++ = '\b'; return p;
	case 'f': *(*o)++ = '\f'; return p;
	case 'n': *(*o)++ = '\n'; return p;
	case 'r': *(*o)++ = '\r'; return p;
	case 't': *(*o)++ = '\t'; return p;
	case 'u': break;
	default: return NULL;
	}
	uint32_t cp, low;
	if (hex4(p, end, &cp) < 0)
		return NULL;
	p += 4;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &low) < 0 ||
		    low < 0xDC00 || low > 0xDFFF) {
			cp = 0xFFFD; /* a lone surrogate: the rest of the string is kept */
		} else {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
			p += 6;
		}
	} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
		cp = 0xFFFD;
	} else if (cp == 0) {
		memcpy(*o, UTF8_NUL, 2);
		*o += 2;
		return p;
	}
	*o += utf8_encode(cp, *o);
	return p;
}

/* Strings in X-Ray responses are whole JSON documents full of escapes, so
 * finding where a string ends, and decoding it, are the hot paths of
 * loading a large file.  Both look at 64 bytes at a time: bit i of each
 * mask describes byte i of the block. */
struct block {
	uint64_t quote, backslash, control;
};

static inline void
block_load(const char *p, const char *end, struct block *b)
{
	char pad[64];
	if (end - p < 64) {
		/* Spaces are none of the bytes looked for. */
		memset(pad, ' ', sizeof pad);
		memcpy(pad, p, (size_t)(end - p));
		p = pad;
	}
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              ctl = _mm_set1_epi8(0x1f);
	b->quote = b->backslash = b->control = 0;
	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		unsigned shift = 16u * (unsigned)k;
		b->quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote))
		            << shift;
		b->backslash |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs))
		                << shift;
		/* max(v, 0x1f) == 0x1f exactly when v <= 0x1f (unsigned) */
		b->control |=
		    (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl))
		    << shift;
	}
#else
	b->quote = b->backslash = b->control = 0;
	for (int i = 0; i < 64; i++) {
		unsigned char c = (unsigned char)p[i];
		b->quote |= (uint64_t)(c == '"') << i;
		b->backslash |= (uint64_t)(c == '\\') << i;
		b->control |= (uint64_t)(c < 0x20) << i;
	}
#endif
}

/* The bytes escaped by a backslash (the byte after each odd run of
 * backslashes).  *carry says whether the block's first byte is escaped and
 * is updated for the next block.  (The branch-free method of simdjson.) */
static inline uint64_t
escaped_bytes(uint64_t backslash, uint64_t *carry)
{
	const uint64_t even = 0x5555555555555555ull;
	backslash &= ~*carry;
	uint64_t follows = (backslash << 1) | *carry;
	uint64_t odd_starts = backslash & ~even & ~follows;
	uint64_t even_sequences;
	*carry = __builtin_add_overflow(odd_starts, backslash, &even_sequences);
	uint64_t invert = even_sequences << 1;
	return (even ^ invert) & follows;
}

static inline int
lowest_bit(uint64_t v)
{
	return __builtin_ctzll(v);
}

/* Finds the end of the string whose first content byte is p: returns one
 * past its closing quote, or NULL when it is truncated or (with controls)
 * holds a raw control character, with *bad at the problem. */
static const char *
find_string_end(const char *p, const char *end, bool controls, const char **bad)
{
	*bad = end;
	/* Most strings (keys, ids, names) are short and plain: one look at 16
	 * bytes finds their end before a block is loaded. */
#ifdef __SSE2__
	if (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		const __m128i ctl = _mm_set1_epi8(0x1f);
		unsigned quote = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
		unsigned other = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
		                 _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl)));
		if (quote && (!other || __builtin_ctz(quote) < __builtin_ctz(other)))
			return p + __builtin_ctz(quote) + 1;
	}
#else
	for (const char *q = p; q < end && q - p < 16; q++) {
		if (*q == '"')
			return q + 1;
		if (*q == '\\' || (unsigned char)*q < 0x20)
			break;
	}
#endif
	uint64_t carry = 0;
	for (const char *base = p; base < end; base += 64) {
		struct block b;
		block_load(base, end, &b);
		uint64_t quotes = b.quote & ~escaped_bytes(b.backslash, &carry);
		uint64_t inside = quotes ? (quotes & -quotes) - 1 : ~0ull;
		if (controls && (b.control & inside)) {
			*bad = base + lowest_bit(b.control & inside);
			return NULL;
		}
		if (quotes)
			return base + lowest_bit(quotes) + 1;
	}
	return NULL;
}

/* Decodes string content [p, q) (no quotes, no raw controls) into o.
 * Returns one past the last byte written, or NULL with *bad at a bad
 * escape.  Decoding never writes more than q - p bytes. */
static char *
unescape(const char *p, const char *q, char *o, const char **bad)
{
	while (p < q) {
#ifdef __SSE2__
		while (q - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))))
				break;
			_mm_storeu_si128((__m128i *)(void *)o, v);
			p += 16;
			o += 16;
		}
#endif
		while (p < q && *p != '\\')
			*o++ = *p++;
		if (p >= q)
			break;
		if (p + 1 < q && p[1] == '"') { /* by far the most common escape */
			*o++ = '"';
			p += 2;
			continue;
		}
		const char *after = unescape_at(p, q, &o);
		if (!after) {
			*bad = p;
			return NULL;
		}
		p = after;
	}
	return o;
}

/* p points at the opening quote; returns one past the closing quote. */
static const char *
string_end(const char *p, const char *end)
{
	const char *bad;
	return find_string_end(p + 1, end, false, &bad);
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
		while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
		       *p != '\r' && *p != '\n')
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

/* After a member or element ending at p: returns the start of the next
 * one (after ','), one past the closing bracket, or NULL (with *bad). */
static const char *
after_value(const char *p, const char *end, char close, const char **bad)
{
	p = jsonscan_skip_ws(p, end);
	*bad = p;
	if (p < end && *p == ',')
		return jsonscan_skip_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	return NULL;
}

const char *
jsonscan_object(const char *p, const char *end,
                const char *(*fn)(void *ctx, const struct jsonscan_member *m, const char *end),
                void *ctx, const char **bad)
{
	*bad = p;
	if (p >= end || *p != '{')
		return NULL;
	p = jsonscan_skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return p + 1;
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
		const char *vend = fn(ctx, &m, end);
		if (!vend)
			vend = jsonscan_value_end(p, end, SCAN_MAX_DEPTH);
		if (!vend || vend == p)
			return NULL;
		if (!(p = after_value(vend, end, '}', bad)) || p[-1] == '}')
			return p;
	}
	return NULL;
}

const char *
jsonscan_array(const char *p, const char *end,
               const char *(*fn)(void *ctx, const char *value, const char *end), void *ctx,
               const char **bad)
{
	*bad = p;
	if (p >= end || *p != '[')
		return NULL;
	p = jsonscan_skip_ws(p + 1, end);
	if (p < end && *p == ']')
		return p + 1;
	while (p < end) {
		*bad = p;
		const char *vend = fn(ctx, p, end);
		if (!vend)
			vend = jsonscan_value_end(p, end, SCAN_MAX_DEPTH);
		if (!vend || vend == p)
			return NULL;
		if (!(p = after_value(vend, end, ']', bad)) || p[-1] == ']')
			return p;
	}
	return NULL;
}

const char *
jsonscan_string(const char *p, const char *end, struct buf *out, const char **bad)
{
	const char *ignored;
	if (!bad)
		bad = &ignored;
	if (p >= end || *p != '"') {
		*bad = p;
		return NULL;
	}
	const char *q = find_string_end(p + 1, end, true, bad);
	if (!q)
		return NULL;
	size_t n = (size_t)(q - 1 - (p + 1));
	/* Room for the raw content, plus 16 for the last SSE2 store. */
	if (buf_reserve(out, n + 16) < 0) {
		*bad = p;
		return NULL;
	}
	char *o = unescape(p + 1, q - 1, out->data + out->len, bad);
	if (!o)
		return NULL;
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return q;
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

static const char *
number_fail(const char *at, const char **bad, const char **what, const char *msg)
{
	*bad = at;
	*what = msg;
	return NULL;
}

const char *
jsonscan_number(const char *p, const char *end, double *value, const char **bad, const char **what)
{
	const char *start = p;
	bool negative = p < end && *p == '-';
	if (negative)
		p++;
	if (!digit(p, end))
		return number_fail(p, bad, what, N_("expected a digit"));
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
			return number_fail(p, bad, what, N_("expected a digit after '.'"));
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
			return number_fail(p, bad, what, N_("expected a digit in the exponent"));
		for (; digit(p, end); p++)
			if (e < 10000)
				e = e * 10 + (*p - '0');
		scale += sign * e;
	}
	if (exact && mantissa < (1ull << 53) && scale >= -22 && scale <= 22) {
		double v = (double)mantissa;
		v = scale < 0 ? v / exact_pow10[-scale] : v * exact_pow10[scale];
		*value = negative ? -v : v;
	} else {
		char tmp[128];
		size_t n = (size_t)(p - start);
		/* Only absurd inputs are longer; their value is still huge or tiny. */
		if (n >= sizeof tmp)
			n = sizeof tmp - 1;
		memcpy(tmp, start, n);
		tmp[n] = '\0';
		*value = strtod(tmp, NULL);
	}
	return p;
}

/* The code unit of the \uXXXX escape at p (6 bytes available), or -1. */
static long
escape_unit(const char *p, const char *end)
{
	uint32_t v;
	if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &v) < 0)
		return -1;
	return (long)v;
}

char *
jsonscan_hold_nul(const char *text, size_t len, size_t *out_len)
{
	const char *end = text + len;
	char *copy = NULL, *o = NULL;
	size_t from = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (text[i] != '\\')
			continue;
		long unit = escape_unit(text + i, end);
		bool lone = false;
		if (unit >= 0xD800 && unit <= 0xDBFF) {
			long low = escape_unit(text + i + 6, end);
			if (low >= 0xDC00 && low <= 0xDFFF) {
				i += 11; /* a valid pair */
				continue;
			}
			lone = true;
		} else if (unit >= 0xDC00 && unit <= 0xDFFF) {
			lone = true;
		}
		if (unit != 0 && !lone) {
			i++; /* the escaped byte */
			continue;
		}
		if (!copy)
			o = copy = xmalloc(len + 1);
		memcpy(o, text + from, i - from);
		o += i - from;
		if (lone) {
			memcpy(o, "\\uFFFD", 6);
			o += 6;
		} else {
			memcpy(o, UTF8_NUL, 2);
			o += 2;
		}
		from = i + 6;
		i += 5;
	}
	if (!copy)
		return NULL;
	memcpy(o, text + from, len - from);
	o += len - from;
	*o = '\0';
	*out_len = (size_t)(o - copy);
	return copy;
}

bool
jsonscan_too_deep(const char *p, const char *end, int max_depth)
{
	int depth = 0;
	bool in_string = false;
	for (; p < end; p++) {
		if (in_string) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '{' || *p == '[') {
			if (++depth > max_depth)
				return true;
		} else if ((*p == '}' || *p == ']') && depth > 0) {
			depth--;
		}
	}
	return false;
}
