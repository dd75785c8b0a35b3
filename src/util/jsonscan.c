#include "config.h"

#include "util/jsonscan.h"

#include "util/utf8.h"

#include <stdbool.h>
#include <stdint.h>
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
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Decodes the escape whose backslash is at p; returns the byte after it. */
static const char *
jsonscan_unescape_at(const char *p, const char *end, struct buf *out)
{
	if (++p >= end)
		return NULL;
	static const char names[] = "\"\\/bfnrt", values[] = "\"\\/\b\f\n\r\t";
	char c = *p++;
	const char *simple = c ? strchr(names, c) : NULL;
	if (simple) {
		buf_putc(out, values[simple - names]);
		return p;
	}
	if (c != 'u')
		return NULL;
	uint32_t cp, low;
	if (hex4(p, end, &cp) < 0)
		return NULL;
	p += 4;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &low) < 0 ||
		    low < 0xDC00 || low > 0xDFFF)
			return NULL;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
		p += 6;
	} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
		return NULL;
	}
	char utf8[4];
	buf_append(out, utf8, (size_t)utf8_encode(cp, utf8));
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
		b->quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << shift;
		b->backslash |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs)) << shift;
		/* max(v, 0x1f) == 0x1f exactly when v <= 0x1f (unsigned) */
		b->control |= (uint64_t)(uint16_t)_mm_movemask_epi8(
		                  _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl))
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

/* Appends n bytes to out (the fast path of buf_append, inlined). */
static inline void
emit(struct buf *out, const char *src, size_t n)
{
	if (out->cap - out->len <= n && buf_reserve(out, n) < 0)
		return;
	memcpy(out->data + out->len, src, n);
	out->len += n;
	out->data[out->len] = '\0';
}

/* Scans the string whose first content byte is p: returns one past its
 * closing quote, or NULL when it is truncated or (with out) invalid.  With
 * out, the decoded string is appended to it. */
static const char *
scan_string(const char *p, const char *end, struct buf *out)
{
	uint64_t carry = 0;
	const char *copied = p;
	for (const char *base = p; base < end; base += 64) {
		struct block b;
		block_load(base, end, &b);
		uint64_t escaped = escaped_bytes(b.backslash, &carry);
		uint64_t quotes = b.quote & ~escaped;
		uint64_t inside = quotes ? (quotes & -quotes) - 1 : ~0ull;
		if (out) {
			if (b.control & inside)
				return NULL;
			/* Escapes start at backslashes that are not escaped themselves. */
			uint64_t starts = b.backslash & ~escaped & inside;
			while (starts) {
				const char *at = base + lowest_bit(starts);
				starts &= starts - 1;
				if (at < copied)
					continue; /* inside the previous escape (\uXXXX\uXXXX) */
				emit(out, copied, (size_t)(at - copied));
				char c = at + 1 < end ? at[1] : '\0';
				if (c == '"' || c == '\\' || c == '/') {
					emit(out, &c, 1);
					copied = at + 2;
				} else if (!(copied = jsonscan_unescape_at(at, end, out))) {
					return NULL;
				}
			}
		}
		if (quotes) {
			const char *q = base + lowest_bit(quotes);
			if (out && q > copied)
				emit(out, copied, (size_t)(q - copied));
			return q + 1;
		}
	}
	return NULL;
}

/* p points at the opening quote; returns one past the closing quote. */
static const char *
string_end(const char *p, const char *end)
{
	return scan_string(p + 1, end, NULL);
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
		p = jsonscan_skip_ws(vend, end);
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

const char *
jsonscan_string(const char *p, const char *end, struct buf *out)
{
	if (p >= end || *p != '"')
		return NULL;
	return scan_string(p + 1, end, out);
}
