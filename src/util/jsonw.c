#include "config.h"

#include "util/jsonw.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util/utf8.h"

void
jsonw_init(struct jsonw *w, struct buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
}

static void
jsonw_value_prefix(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->need_comma[w->depth])
		buf_putc(w->out, ',');
	w->need_comma[w->depth] = true;
}

static void
jsonw_open(struct jsonw *w, char c)
{
	jsonw_value_prefix(w);
	buf_putc(w->out, c);
	assert(w->depth + 1 < JSONW_MAX_DEPTH);
	w->depth++;
	w->need_comma[w->depth] = false;
}

static void
jsonw_close(struct jsonw *w, char c)
{
	assert(w->depth > 0);
	w->depth--;
	buf_putc(w->out, c);
}

void
jsonw_object_begin(struct jsonw *w)
{
	jsonw_open(w, '{');
}
void
jsonw_object_end(struct jsonw *w)
{
	jsonw_close(w, '}');
}
void
jsonw_array_begin(struct jsonw *w)
{
	jsonw_open(w, '[');
}
void
jsonw_array_end(struct jsonw *w)
{
	jsonw_close(w, ']');
}

void
jsonw_key(struct jsonw *w, const char *key)
{
	jsonw_value_prefix(w);
	json_escape(w->out, key, strlen(key));
	buf_putc(w->out, ':');
	w->after_key = true;
}

void
jsonw_key_plain(struct jsonw *w, const char *key, size_t n)
{
	jsonw_value_prefix(w);
	if (buf_reserve(w->out, n + 3) < 0)
		return;
	char *o = w->out->data + w->out->len;
	o[0] = '"';
	memcpy(o + 1, key, n);
	o[n + 1] = '"';
	o[n + 2] = ':';
	o[n + 3] = '\0';
	w->out->len += n + 3;
	w->after_key = true;
}

void
jsonw_string(struct jsonw *w, const char *s)
{
	if (!s) {
		jsonw_null(w);
		return;
	}
	jsonw_stringn(w, s, strlen(s));
}

void
jsonw_stringn(struct jsonw *w, const char *s, size_t n)
{
	jsonw_value_prefix(w);
	json_escape(w->out, s, n);
}

void
jsonw_number(struct jsonw *w, double v)
{
	jsonw_value_prefix(w);
	json_number(w->out, v);
}

void
jsonw_int(struct jsonw *w, long long v)
{
	jsonw_value_prefix(w);
	json_int(w->out, v);
}

void
jsonw_bool(struct jsonw *w, bool v)
{
	jsonw_value_prefix(w);
	buf_puts(w->out, v ? "true" : "false");
}

void
jsonw_null(struct jsonw *w)
{
	jsonw_value_prefix(w);
	buf_puts(w->out, "null");
}

void
jsonw_raw(struct jsonw *w, const char *json)
{
	jsonw_value_prefix(w);
	buf_puts(w->out, json);
}

static bool
json_must_escape_cp(uint32_t cp)
{
	return cp == 0 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C ||
	       cp == 0x2028 || cp == 0x2029;
}

void
json_escape(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	/* Worst case: every byte becomes \u00XX.  Writing straight into the
	 * buffer keeps this, the printer's inner loop, free of calls. */
	if (buf_reserve(out, n * 6 + 2) < 0)
		return;
	char *o = out->data + out->len;
	*o++ = '"';
	size_t i = 0;
	while (i < n) {
#ifdef __SSE2__
		/* Copy 16 plain ASCII bytes at a time. */
		while (n - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i special = _mm_or_si128(
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			                 _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
			    /* signed: 0x7F..0xFF and 0x00..0x1F are both outside 0x20..0x7E */
			    _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
			                 _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))));
			int mask = _mm_movemask_epi8(special);
			if (mask) {
				int k = __builtin_ctz((unsigned)mask);
				memcpy(o, s + i, (size_t)k);
				o += k;
				i += (size_t)k;
				break;
			}
			_mm_storeu_si128((__m128i *)(void *)o, v);
			o += 16;
			i += 16;
		}
		if (i >= n)
			break;
#endif
		while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F &&
		       s[i] != '"' && s[i] != '\\')
			*o++ = s[i++];
		if (i >= n)
			break;
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
			i++;
			continue;
		}
		if (c < 0x20) {
			*o++ = '\\';
			if (c == '\n' || c == '\t' || c == '\r') {
				*o++ = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			} else {
				memcpy(o, "u00", 3);
				o += 3;
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			}
			i++;
			continue;
		}
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);
		if (len < 0 || json_must_escape_cp(cp)) {
			/* invalid bytes become U+FFFD; DEL, C1 and bidi controls are escaped */
			uint32_t shown = len < 0 ? 0xFFFD : cp;
			memcpy(o, "\\u", 2);
			o += 2;
			for (int k = 12; k >= 0; k -= 4)
				*o++ = hex[(shown >> k) & 15];
			i += len < 0 ? 1 : (size_t)len;
		} else {
			memcpy(o, s + i, (size_t)len);
			o += len;
			i += (size_t)len;
		}
	}
	*o++ = '"';
	*o = '\0';
	out->len = (size_t)(o - out->data);
}

/* Appends the decimal digits of v; returns how many. */
static size_t
put_digits(char *o, unsigned long long v)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t k = 0; k < n; k++)
		o[k] = tmp[n - 1 - k];
	return n;
}

void
json_int(struct buf *out, long long v)
{
	char text[24];
	size_t n = 0;
	unsigned long long a = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	if (v < 0)
		text[n++] = '-';
	n += put_digits(text + n, a);
	buf_append(out, text, n);
}

void
json_number(struct buf *out, double v)
{
	if (!isfinite(v)) {
		buf_puts(out, "null");
		return;
	}
	if (fabs(v) < 1e15 && v == (double)(long long)v) {
		json_int(out, (long long)v);
		return;
	}
	/* Times and durations have at most microseconds: when v is exactly the
	 * double nearest some decimal with 6 places, print that decimal.  IEEE
	 * division rounds correctly, so m / 1e6 == v proves it reads back as v. */
	double scaled = v * 1e6;
	if (fabs(scaled) < 9e15) {
		long long m = llround(scaled);
		if ((double)m / 1e6 == v) {
			unsigned long long a = (unsigned long long)(m < 0 ? -m : m);
			char text[40];
			size_t n = 0;
			if (m < 0)
				text[n++] = '-';
			n += put_digits(text + n, a / 1000000);
			text[n++] = '.';
			unsigned long long f = a % 1000000;
			for (unsigned long long scale = 100000; f && scale; scale /= 10) {
				text[n++] = (char)('0' + f / scale);
				f %= scale;
			}
			buf_append(out, text, n);
			return;
		}
	}
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	buf_puts(out, tmp);
}
