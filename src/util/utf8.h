/* utf8: decoding, display width and sanitising of untrusted text.
 *
 * Everything that came from a trace passes through utf8_sanitize() (or
 * utf8_fit(), which sanitises too) before it reaches a terminal or stdout:
 * control characters, C1 controls, bidi overrides and invalid bytes are made
 * visible, never passed raw.  Widths are terminal columns (CJK = 2).
 *
 * NUL is data: a string decoded from JSON holds U+0000 as the two bytes
 * C0 80 (as Modified UTF-8 does), so C strings keep their whole value and
 * compare whole.  utf8_decode() reads C0 80 as U+0000, utf8_sanitize()
 * shows it as ^@, and the JSON writer writes it back as \u0000. */
#ifndef XRTOP_UTIL_UTF8_H
#define XRTOP_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* How a string holds NUL (U+0000). */
#define UTF8_NUL "\xC0\x80"

enum utf8_flags {
	UTF8_ASCII = 1,     /* escape every non-ASCII character as \uXXXX */
	UTF8_MULTILINE = 2, /* keep '\n' (tabs still become spaces) */
};

enum utf8_align { UTF8_LEFT, UTF8_RIGHT };

/* Decodes one character from s (n bytes available) into *cp; returns its byte
 * length, or -1 for an invalid or truncated sequence (overlongs and
 * surrogates are invalid, except UTF8_NUL). */
int utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encodes cp into out (4 bytes room); returns the length. */
int utf8_encode(uint32_t cp, char *out);
bool utf8_valid(const char *s, size_t n);
/* Number of characters (code points; an invalid byte counts as one). */
size_t utf8_chars(const char *s, size_t n);
/* Columns a code point occupies once sanitised (0 for combining marks). */
int utf8_cp_width(uint32_t cp);
/* Columns s takes after sanitising with flags. */
size_t utf8_width(const char *s, size_t n, unsigned flags);
/* Appends s to out with every unsafe character made visible. */
void utf8_sanitize(struct buf *out, const char *s, size_t n, unsigned flags);
/* Appends s sanitised and cut or padded to exactly cols columns.  A cut
 * string ends in '~' (ASCII) or U+2026; a wide character never straddles
 * the edge.  Returns the columns written (always cols). */
size_t utf8_fit(struct buf *out, const char *s, size_t n, size_t cols, enum utf8_align align,
                unsigned flags);
/* Chooses glyph sets: true when the terminal's codeset is UTF-8. */
void utf8_set_locale_is_utf8(bool yes);
bool utf8_locale_is_utf8(void);

#endif
