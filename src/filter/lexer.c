#include "config.h"

#include "filter/lexer.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

static void verror(struct xr_filter_error *err, size_t column, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void
verror(struct xr_filter_error *err, size_t column, const char *fmt, va_list ap)
{
	err->column = column;
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	err->hint[0] = '\0';
}

size_t
lexer_column(const struct lexer *lx, size_t off)
{
	return utf8_chars(lx->src, off < lx->len ? off : lx->len) + 1;
}

void
lexer_error(const struct lexer *lx, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(lx->err, lexer_column(lx, off), fmt, ap);
	va_end(ap);
}

void
lexer_hint(const struct lexer *lx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lx->err->hint, sizeof lx->err->hint, fmt, ap);
	va_end(ap);
}

int
lexer_init(struct lexer *lx, const char *src, size_t len, struct xr_filter_error *err)
{
	lx->src = src;
	lx->len = len;
	lx->pos = 0;
	lx->err = err;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		if ((unsigned char)src[i] < 0x80) {
			i++;
			continue;
		}
		int n = utf8_decode(src + i, len - i, &cp);
		if (n < 0) {
			lexer_error(lx, i, _("invalid UTF-8 (byte 0x%02X)"), (unsigned char)src[i]);
			return -1;
		}
		i += (size_t)n;
	}
	return 0;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

int
lexer_clip(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return (int)max;
}

void
lexer_skip_space(struct lexer *lx)
{
	while (lx->pos < lx->len && is_space(lx->src[lx->pos]))
		lx->pos++;
}

bool
lexer_parse_number(const char *s, size_t n, double *out)
{
	char small[128];
	if (n == 0)
		return false;
	/* Plain-decimal text of an extreme double runs to 330 characters. */
	char *tmp = n < sizeof small ? small : xmalloc(n + 1);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	/* strtod follows LC_NUMERIC; the expression always uses '.'. */
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (c == (locale_t)0) {
		if (tmp != small)
			free(tmp);
		return false;
	}
	locale_t old = uselocale(c);
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	bool underflow = errno == ERANGE && v == 0;
	bool rest = *end != '\0';
	uselocale(old);
	freelocale(c);
	if (tmp != small)
		free(tmp);
	if (rest || !isfinite(v) || underflow)
		return false;
	*out = v;
	return true;
}

/* The character at off, quoted for a message ("'x'" or "end of input"). */
static const char *
describe_char(const struct lexer *lx, size_t off, char *tmp, size_t size)
{
	uint32_t cp;
	int n = utf8_decode(lx->src + off, lx->len - off, &cp);
	if (n < 0)
		n = 1;
	if (cp < 0x20 || cp == 0x7F)
		snprintf(tmp, size, _("control character U+%04X"), (unsigned)cp);
	else
		snprintf(tmp, size, "'%.*s'", n, lx->src + off);
	return tmp;
}

static void
lex_string(struct lexer *lx, struct token *t)
{
	size_t i = lx->pos + 1;
	while (i < lx->len && lx->src[i] != '"') {
		if (lx->src[i] == '\\') {
			char e = i + 1 < lx->len ? lx->src[i + 1] : '\0';
			if (e != '"' && e != '\\') {
				char tmp[64];
				if (i + 1 >= lx->len)
					lexer_error(
					    lx, i,
					    _("unterminated escape at the end of the string"));
				else
					lexer_error(
					    lx, i,
					    _("unknown escape '\\' followed by %s in a string"),
					    describe_char(lx, i + 1, tmp, sizeof tmp));
				lexer_hint(lx, _("only \\\" and \\\\ are escapes; write \\\\ for a "
				                 "backslash"));
				t->kind = TOK_ERROR;
				return;
			}
			i += 2;
			continue;
		}
		i++;
	}
	if (i >= lx->len) {
		lexer_error(lx, lx->pos, _("unterminated string"));
		lexer_hint(lx, _("add a closing '\"'"));
		t->kind = TOK_ERROR;
		return;
	}
	t->kind = TOK_STRING;
	t->len = i + 1 - lx->pos;
	lx->pos = i + 1;
}

size_t
lexer_string_value(const struct lexer *lx, const struct token *t, char *out)
{
	size_t n = 0;
	for (size_t i = t->off + 1; i < t->off + t->len - 1; i++) {
		if (lx->src[i] == '\\')
			i++;
		out[n++] = lx->src[i];
	}
	out[n] = '\0';
	return n;
}

static void
lex_number(struct lexer *lx, struct token *t)
{
	const char *s = lx->src;
	size_t i = lx->pos, digits = 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	while (i < lx->len && is_digit(s[i]))
		i++, digits++;
	if (i < lx->len && s[i] == '.') {
		i++;
		while (i < lx->len && is_digit(s[i]))
			i++, digits++;
	}
	if (digits > 0 && i < lx->len && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		if (j < lx->len && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < lx->len && is_digit(s[j])) {
			while (j < lx->len && is_digit(s[j]))
				j++;
			i = j;
		}
	}
	if (digits == 0) {
		char tmp[64];
		lexer_error(lx, lx->pos, _("unexpected %s"),
		            describe_char(lx, lx->pos, tmp, sizeof tmp));
		t->kind = TOK_ERROR;
		return;
	}
	if (i < lx->len && (is_key_char(s[i]) || s[i] == '.')) {
		char tmp[64];
		lexer_error(lx, i, _("unexpected %s after the number %.*s"),
		            describe_char(lx, i, tmp, sizeof tmp), (int)(i - lx->pos), s + lx->pos);
		if (s[i] == 's' || s[i] == 'm')
			lexer_hint(lx, _("times are in seconds, without a unit: write %.*s"),
			           (int)(i - lx->pos), s + lx->pos);
		t->kind = TOK_ERROR;
		return;
	}
	if (!lexer_parse_number(s + lx->pos, i - lx->pos, &t->num)) {
		lexer_error(lx, lx->pos, _("number %.*s is out of range"), (int)(i - lx->pos),
		            s + lx->pos);
		t->kind = TOK_ERROR;
		return;
	}
	t->kind = TOK_NUMBER;
	t->len = i - lx->pos;
	lx->pos = i;
}

/* A word: letters, digits and '_', in parts joined by single dots. */
static void
lex_word(struct lexer *lx, struct token *t)
{
	size_t i = lx->pos;
	for (;;) {
		while (i < lx->len && is_key_char(lx->src[i]))
			i++;
		if (i + 1 < lx->len && lx->src[i] == '.' && is_key_char(lx->src[i + 1])) {
			i++;
			continue;
		}
		break;
	}
	t->kind = TOK_WORD;
	t->len = i - lx->pos;
	lx->pos = i;
}

void
lexer_next(struct lexer *lx, struct token *t)
{
	lexer_skip_space(lx);
	t->off = lx->pos;
	t->len = 1;
	t->num = 0;
	if (lx->pos >= lx->len) {
		t->kind = TOK_EOF;
		t->len = 0;
		return;
	}
	const char *s = lx->src + lx->pos;
	char next = lx->pos + 1 < lx->len ? s[1] : '\0';
	switch (s[0]) {
	case '"': lex_string(lx, t); return;
	case '(': t->kind = TOK_LPAREN; break;
	case ')': t->kind = TOK_RPAREN; break;
	case '{': t->kind = TOK_LBRACE; break;
	case '}': t->kind = TOK_RBRACE; break;
	case '[': t->kind = TOK_LBRACKET; break;
	case ']': t->kind = TOK_RBRACKET; break;
	case ',': t->kind = TOK_COMMA; break;
	case ':': t->kind = TOK_COLON; break;
	case '#': t->kind = TOK_HASH; break;
	case '=': t->kind = TOK_EQ; break;
	case '!':
		t->kind = next == '=' ? TOK_NE : TOK_BANG;
		t->len = next == '=' ? 2 : 1;
		break;
	case '<':
		t->kind = next == '=' ? TOK_LE : TOK_LT;
		t->len = next == '=' ? 2 : 1;
		break;
	case '>':
		t->kind = next == '=' ? TOK_GE : TOK_GT;
		t->len = next == '=' ? 2 : 1;
		break;
	case '+':
	case '-':
	case '.': lex_number(lx, t); return;
	default:
		if (is_digit(s[0])) {
			lex_number(lx, t);
			return;
		}
		if (is_key_char(s[0])) {
			lex_word(lx, t);
			return;
		}
		char tmp[64];
		lexer_error(lx, lx->pos, _("unexpected %s"),
		            describe_char(lx, lx->pos, tmp, sizeof tmp));
		if (s[0] == '&')
			lexer_hint(lx, _("write AND"));
		else if (s[0] == '|')
			lexer_hint(lx, _("write OR"));
		else if (s[0] == '\'')
			lexer_hint(lx, _("strings take double quotes: \"...\""));
		else if ((unsigned char)s[0] >= 0x80)
			lexer_hint(lx,
			           _("text takes double quotes, after a keyword: annotation.KEY = "
			             "\"...\""));
		t->kind = TOK_ERROR;
		return;
	}
	lx->pos += t->len;
}

bool
lexer_ieq(const char *s, size_t n, const char *w)
{
	if (strlen(w) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			return false;
	}
	return true;
}

bool
lexer_word_is(const struct lexer *lx, const struct token *t, const char *w)
{
	return t->kind == TOK_WORD && lexer_ieq(lx->src + t->off, t->len, w);
}

bool
lexer_is_key(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_key_char(s[i]))
			return false;
	return n > 0;
}

void
lexer_format_number(double v, struct buf *out)
{
	if (v == 0 || !isfinite(v)) { /* -0 prints as 0; non-finite never gets here */
		buf_putc(out, '0');
		return;
	}
	char digits[24], c[40];
	size_t k = 0;
	int e = 0;
	for (int prec = 1; prec <= 17; prec++) {
		char tmp[64];
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, fabs(v));
		/* Rebuild as C-locale text: the decimal point may be a comma. */
		k = 0;
		const char *p = tmp;
		for (; *p && *p != 'e'; p++)
			if (is_digit(*p) && k < sizeof digits - 1)
				digits[k++] = *p;
		digits[k] = '\0';
		e = *p == 'e' ? atoi(p + 1) : 0;
		snprintf(c, sizeof c, "%c.%se%d", digits[0], digits + 1, e);
		double back;
		if (lexer_parse_number(c, strlen(c), &back) && back == fabs(v))
			break;
	}
	while (k > 1 && digits[k - 1] == '0')
		digits[--k] = '\0';
	if (v < 0)
		buf_putc(out, '-');
	if (e >= (int)k - 1) {
		buf_append(out, digits, k);
		for (int i = 0; i < e - ((int)k - 1); i++)
			buf_putc(out, '0');
	} else if (e >= 0) {
		buf_append(out, digits, (size_t)e + 1);
		buf_putc(out, '.');
		buf_puts(out, digits + e + 1);
	} else {
		buf_puts(out, "0.");
		for (int i = 0; i < -e - 1; i++)
			buf_putc(out, '0');
		buf_puts(out, digits);
	}
}
