#include "config.h"

#include "util/utf8.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

static bool locale_utf8 = true;

void
utf8_set_locale_is_utf8(bool yes)
{
	locale_utf8 = yes;
}

bool
utf8_locale_is_utf8(void)
{
	return locale_utf8;
}

int
utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	if (n == 0)
		return -1;
	unsigned c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	int len;
	uint32_t v, min;
	if (c == 0xC0 && n >= 2 && s[1] == 0x80) { /* UTF8_NUL */
		*cp = 0;
		return 2;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if ((size_t)len > n)
		return -1;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return -1;
	*cp = v;
	return len;
}

int
utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

bool
utf8_valid(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);
		if (len < 0)
			return false;
		i += (size_t)len;
	}
	return true;
}

size_t
utf8_chars(const char *s, size_t n)
{
	size_t count = 0, i = 0;
	while (i < n) {
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);
		i += len > 0 ? (size_t)len : 1;
		count++;
	}
	return count;
}

/* Characters that reorder or hide text: bidi embeddings, overrides,
 * isolates and marks, plus the zero-width characters used to disguise. */
static bool
is_invisible_control(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
	       cp == 0x200F || cp == 0x061C || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
	       (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060;
}

/* How one character is shown: either as itself, or as an escape text. */
struct shown {
	const char *text; /* escape text, or NULL to copy the character */
	size_t len;
	int width;
	char tmp[16];
};

static void
show_char(uint32_t cp, int bytelen, unsigned flags, struct shown *sh)
{
	sh->text = NULL;
	if (bytelen < 0) { /* invalid byte: cp holds the byte value */
		sh->len = (size_t)snprintf(sh->tmp, sizeof sh->tmp, "\\x%02X", cp);
		sh->text = sh->tmp;
		sh->width = (int)sh->len;
		return;
	}
	if (cp == '\t' || (cp == '\n' && !(flags & UTF8_MULTILINE)) || cp == '\r') {
		sh->tmp[0] = ' ';
		sh->len = 1, sh->text = sh->tmp, sh->width = 1;
		return;
	}
	if (cp == '\n') {
		sh->width = 0;
		sh->len = 1;
		return;
	}
	if (cp < 0x20 || cp == 0x7F) {
		sh->tmp[0] = '^';
		sh->tmp[1] = cp == 0x7F ? '?' : (char)(cp + 0x40);
		sh->len = 2, sh->text = sh->tmp, sh->width = 2;
		return;
	}
	if (cp < 0x80) {
		sh->len = 1, sh->width = 1;
		return;
	}
	int w = utf8_cp_width(cp);
	if ((cp >= 0x80 && cp <= 0x9F) || is_invisible_control(cp) || (flags & UTF8_ASCII) ||
	    w < 0) {
		sh->len = (size_t)snprintf(sh->tmp, sizeof sh->tmp,
		                           cp > 0xFFFF ? "\\U%08X" : "\\u%04X", cp);
		sh->text = sh->tmp;
		sh->width = (int)sh->len;
		return;
	}
	sh->len = (size_t)bytelen;
	sh->width = w;
}

int
utf8_cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
		return -1;
	int w = wcwidth((wchar_t)cp);
	if (w >= 0)
		return w;
	/* The C library has no table (non-UTF-8 locale) or does not know the
	 * character: use the common wide ranges, else one column. */
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
	    (cp >= 0x20000 && cp <= 0x3FFFD))
		return 2;
	if (is_invisible_control(cp) || (cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000)
		return -1;
	return 1;
}

/* Steps through s; fills sh for the character at *i and advances *i. */
static void
next_shown(const char *s, size_t n, size_t *i, unsigned flags, struct shown *sh, const char **src)
{
	uint32_t cp;
	int len = utf8_decode(s + *i, n - *i, &cp);
	if (len < 0)
		cp = (unsigned char)s[*i];
	show_char(cp, len, flags, sh);
	*src = s + *i;
	*i += len > 0 ? (size_t)len : 1;
}

size_t
utf8_width(const char *s, size_t n, unsigned flags)
{
	size_t w = 0, i = 0;
	while (i < n) {
		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F) {
			w++, i++;
			continue;
		}
		struct shown sh;
		const char *src;
		next_shown(s, n, &i, flags, &sh, &src);
		w += (size_t)sh.width;
	}
	return w;
}

void
utf8_sanitize(struct buf *out, const char *s, size_t n, unsigned flags)
{
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x7F)
			run++;
		if (run > i) {
			buf_append(out, s + i, run - i);
			i = run;
			continue;
		}
		struct shown sh;
		const char *src;
		next_shown(s, n, &i, flags, &sh, &src);
		buf_append(out, sh.text ? sh.text : src, sh.len);
	}
}

size_t
utf8_fit(struct buf *out, const char *s, size_t n, size_t cols, enum utf8_align align,
         unsigned flags)
{
	const bool ascii = (flags & UTF8_ASCII) || !locale_utf8;
	size_t total = utf8_width(s, n, flags & ~(unsigned)UTF8_MULTILINE);
	if (total <= cols) {
		if (align == UTF8_RIGHT)
			for (size_t k = total; k < cols; k++)
				buf_putc(out, ' ');
		utf8_sanitize(out, s, n, flags & ~(unsigned)UTF8_MULTILINE);
		if (align == UTF8_LEFT)
			for (size_t k = total; k < cols; k++)
				buf_putc(out, ' ');
		return cols;
	}
	if (cols == 0)
		return 0;
	size_t room = cols - 1, used = 0, i = 0;
	while (i < n) {
		size_t before = i;
		struct shown sh;
		const char *src;
		next_shown(s, n, &i, flags & ~(unsigned)UTF8_MULTILINE, &sh, &src);
		if (used + (size_t)sh.width > room) {
			i = before;
			break;
		}
		buf_append(out, sh.text ? sh.text : src, sh.len);
		used += (size_t)sh.width;
	}
	for (; used < room; used++)
		buf_putc(out, ' ');
	buf_puts(out, ascii ? "~" : "\xE2\x80\xA6");
	return cols;
}
