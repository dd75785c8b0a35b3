/* lexer: splits a filter expression into tokens.  It owns the lexical rules
 * of filter-language.md §2 and §10: double-quoted strings with the escapes
 * \" and \\, numbers with optional sign, decimals and exponent, dotted
 * words (keywords and annotation.KEY), punctuation and comparison
 * operators.  Word operators (AND, CONTAINS, ...) are plain words here; the
 * parser gives them meaning.  The whole expression is checked for valid
 * UTF-8 first, so every byte offset maps to a character column. */
#ifndef XRTOP_FILTER_LEXER_H
#define XRTOP_FILTER_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "filter/filtertypes.h"
#include "util/buf.h"

enum tok_kind {
	TOK_EOF,
	TOK_ERROR, /* the lexer filled its error record */
	TOK_WORD,
	TOK_STRING,
	TOK_NUMBER,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_LBRACKET,
	TOK_RBRACKET,
	TOK_COMMA,
	TOK_COLON,
	TOK_BANG,
	TOK_HASH,
	TOK_EQ,
	TOK_NE,
	TOK_LT,
	TOK_LE,
	TOK_GT,
	TOK_GE,
};

struct token {
	enum tok_kind kind;
	size_t off; /* byte offset in the expression */
	size_t len; /* bytes, quotes included for strings */
	double num; /* TOK_NUMBER */
};

struct lexer {
	const char *src;
	size_t len;
	size_t pos; /* next byte to scan */
	struct xr_filter_error *err;
};

/* Starts lexing src; fails (filling err) on invalid UTF-8. */
int lexer_init(struct lexer *lx, const char *src, size_t len, struct xr_filter_error *err);
/* Scans the next token; TOK_ERROR means err was filled. */
void lexer_next(struct lexer *lx, struct token *t);
/* The 1-based character column of byte offset off. */
size_t lexer_column(const struct lexer *lx, size_t off);
/* Fills the error record for byte offset off (printf-style message). */
void lexer_error(const struct lexer *lx, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the hint of the error record (printf-style). */
void lexer_hint(const struct lexer *lx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes the unescaped value of a TOK_STRING into out (room for t->len
 * bytes); returns its length. */
size_t lexer_string_value(const struct lexer *lx, const struct token *t, char *out);
/* True if t is a word equal to w (lower case), ignoring ASCII case. */
bool lexer_word_is(const struct lexer *lx, const struct token *t, const char *w);
/* True if the n bytes at s equal w (lower case), ignoring ASCII case. */
bool lexer_ieq(const char *s, size_t n, const char *w);
/* True if the n bytes at s are a bare annotation key: letters, digits, '_'. */
bool lexer_is_key(const char *s, size_t n);
/* Parses a number in the C locale, whatever the process locale; false if
 * the text is not a finite number. */
bool lexer_parse_number(const char *s, size_t n, double *out);
/* Appends v in plain decimal notation (no exponent), the shortest text
 * that reads back as v. */
void lexer_format_number(double v, struct buf *out);
/* How many of the n bytes at s fit in max bytes without cutting a
 * character, for quoting user text in messages. */
int lexer_clip(const char *s, size_t n, size_t max);
/* Skips white space from lx->pos. */
void lexer_skip_space(struct lexer *lx);

#endif
