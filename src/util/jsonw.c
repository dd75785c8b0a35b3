#include "config.h"

#include "util/jsonw.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void jsonw_object_begin(struct jsonw *w) { jsonw_open(w, '{'); }
void jsonw_object_end(struct jsonw *w) { jsonw_close(w, '}'); }
void jsonw_array_begin(struct jsonw *w) { jsonw_open(w, '['); }
void jsonw_array_end(struct jsonw *w) { jsonw_close(w, ']'); }

void
jsonw_key(struct jsonw *w, const char *key)
{
	jsonw_value_prefix(w);
	json_escape(w->out, key, strlen(key));
	buf_putc(w->out, ':');
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
	buf_printf(w->out, "%lld", v);
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
	return (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C ||
	       cp == 0x2028 || cp == 0x2029;
}

void
json_escape(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_putc(out, '"');
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n) {
			unsigned char c = (unsigned char)s[run];
			if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7F)
				break;
			run++;
		}
		if (run > i) {
			buf_append(out, s + i, run - i);
			i = run;
			if (i >= n)
				break;
		}
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			buf_append(out, e, 2);
			i++;
			continue;
		}
		if (c < 0x20) {
			const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
			if (named) {
				buf_puts(out, named);
			} else {
				char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				buf_append(out, e, 6);
			}
			i++;
			continue;
		}
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);
		if (len < 0) {
			buf_puts(out, "\\ufffd");
			i++;
		} else if (json_must_escape_cp(cp)) {
			buf_printf(out, "\\u%04x", cp);
			i += (size_t)len;
		} else {
			buf_append(out, s + i, (size_t)len);
			i += (size_t)len;
		}
	}
	buf_putc(out, '"');
}

void
json_number(struct buf *out, double v)
{
	if (!isfinite(v)) {
		buf_puts(out, "null");
		return;
	}
	if (v == (double)(long long)v && fabs(v) < 1e15) {
		buf_printf(out, "%lld", (long long)v);
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
			char frac[7];
			unsigned long long f = a % 1000000;
			int digits = 6;
			while (digits > 0 && f % 10 == 0) {
				f /= 10;
				digits--;
			}
			snprintf(frac, sizeof frac, "%0*llu", digits, f);
			buf_printf(out, "%s%llu.%s", m < 0 ? "-" : "", a / 1000000, frac);
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
