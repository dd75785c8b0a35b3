/* canvas_test: the text canvas (view/canvas.h). */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "view/canvas.h"

static char *
text_of(const struct canvas *c)
{
	struct buf b = BUF_INIT;
	canvas_to_text(c, &b);
	return buf_steal(&b);
}

static void
check(const struct canvas *c, const char *want, const char *what)
{
	char *got = text_of(c);
	is_str(got, want, "%s", what);
	free(got);
}

static void
test_text_and_clipping(void)
{
	struct canvas *c = canvas_new(10, 2, 0);
	is_int(canvas_puts(c, 0, 0, -1, "hello", CANVAS_NORMAL), 5, "ascii text columns");
	is_int(canvas_puts(c, 7, 1, -1, "world", CANVAS_NORMAL), 3, "clipped at the right edge");
	check(c, "hello\n       wor\n", "text and clipping");
	canvas_clear(c);
	is_int(canvas_puts(c, 0, 0, 4, "강남 맛집", CANVAS_NORMAL), 4, "Korean: two columns each");
	is_int(canvas_puts(c, 0, 1, 3, "강남", CANVAS_NORMAL), 3,
	       "a wide character never straddles");
	check(c, "강남\n강\n", "Korean clipped by columns");
	const struct canvas_cell *cell = canvas_cell(c, 1, 0);
	is_int(cell->width, 0, "right half of a wide character is a continuation");
	canvas_free(c);
}

static void
test_sanitising(void)
{
	struct canvas *c = canvas_new(30, 1, 0);
	canvas_puts(c, 0, 0, -1,
	            "a\x1b[2Jb\x07\xc2\x9b"
	            "c",
	            CANVAS_NORMAL);
	char *got = text_of(c);
	ok(!strchr(got, '\x1b') && !strchr(got, '\x07') && !strstr(got, "\xc2\x9b"),
	   "escape, bell and C1 never reach the canvas raw");
	is_str(got, "a^[[2Jb^G\\u009Bc\n", "controls are shown visibly");
	free(got);
	canvas_free(c);
	c = canvas_new(8, 1, CANVAS_ASCII);
	canvas_puts(c, 0, 0, -1, "é", CANVAS_NORMAL);
	check(c, "\\u00E9\n", "ASCII canvas escapes non-ASCII text");
	canvas_free(c);
}

static void
test_fit(void)
{
	struct canvas *c = canvas_new(12, 3, 0);
	canvas_fit(c, 0, 0, 5, "ab", 2, UTF8_RIGHT, CANVAS_NORMAL);
	canvas_fit(c, 0, 1, 5, "abcdefgh", 8, UTF8_LEFT, CANVAS_NORMAL);
	canvas_fit(c, 0, 2, 4, "강남맛집", strlen("강남맛집"), UTF8_LEFT, CANVAS_NORMAL);
	check(c, "   ab\nabcd…\n강 …\n", "fit pads, cuts with an ellipsis, never halves");
	canvas_free(c);
	c = canvas_new(6, 1, CANVAS_ASCII);
	canvas_fit(c, 0, 0, 4, "abcdef", 6, UTF8_LEFT, CANVAS_NORMAL);
	check(c, "abc~\n", "ASCII ellipsis");
	canvas_free(c);
}

static void
test_overwrite_wide(void)
{
	struct canvas *c = canvas_new(6, 1, 0);
	canvas_puts(c, 0, 0, -1, "강남", CANVAS_NORMAL);
	canvas_puts(c, 1, 0, -1, "x", CANVAS_NORMAL);
	check(c, " x남\n", "overwriting half a wide character blanks the other half");
	canvas_free(c);
}

static void
test_styles_and_lines(void)
{
	struct canvas *c = canvas_new(5, 3, 0);
	canvas_box(c, 0, 0, 5, 3, CANVAS_DIM);
	check(c, "┌───┐\n│   │\n└───┘\n", "box");
	canvas_puts(c, 1, 1, 3, "F", CANVAS_FAULT | CANVAS_BOLD);
	canvas_add_attr(c, 1, 1, 3, CANVAS_SELECTED);
	const struct canvas_cell *cell = canvas_cell(c, 1, 1);
	is_int(cell->style & CANVAS_ROLE_MASK, CANVAS_FAULT, "role kept");
	is_int(cell->style & CANVAS_ATTR_MASK, CANVAS_BOLD | CANVAS_SELECTED, "attributes added");
	ok(canvas_cell(c, 5, 0) == NULL && canvas_cell(c, -1, 0) == NULL, "outside is NULL");
	canvas_free(c);
	c = canvas_new(5, 3, CANVAS_ASCII);
	canvas_box(c, 0, 0, 5, 3, CANVAS_DIM);
	check(c, "+---+\n|   |\n+---+\n", "ASCII box");
	canvas_free(c);
}

static void
test_blit(void)
{
	struct canvas *src = canvas_new(6, 2, 0);
	canvas_puts(src, 0, 0, -1, "강남맛", CANVAS_NORMAL);
	canvas_puts(src, 0, 1, -1, "abcdef", CANVAS_NORMAL);
	struct canvas *dst = canvas_new(3, 2, 0);
	canvas_blit(dst, 0, 0, src, 1, 0, 3, 2);
	check(dst, " 남\nbcd\n", "blit cuts a wide character at its edges into blanks");
	canvas_free(src);
	canvas_free(dst);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_text_and_clipping();
	test_sanitising();
	test_fit();
	test_overwrite_wide();
	test_styles_and_lines();
	test_blit();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
