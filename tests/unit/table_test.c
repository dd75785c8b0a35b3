/* view/table: columns aligned by display width (Hangul counts 2), cells
 * sanitised, max_width and shrinking to a line width, ASCII mode. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "tap.h"
#include "util/buf.h"
#include "view/table.h"

static const struct table_column cols[] = {
    {"NAME", UTF8_LEFT, 0, 1},
    {"COUNT", UTF8_RIGHT, 0, 0},
    {"NOTE", UTF8_LEFT, 12, 2},
};

static void
fill(struct table *t)
{
	table_add_row(t, (const char *const[]){"서비스-가", "7", "a note that is long"});
	table_add_row(t, (const char *const[]){"api\x1b[31mred", "12345", NULL});
	table_add_row(t, (const char *const[]){"very-long-service-name-here", "1", "x"});
}

static void
test_natural(void)
{
	struct table t;
	table_init(&t, cols, 3, 0);
	fill(&t);
	struct buf b = BUF_INIT;
	table_render(&t, 0, &b);
	is_str(b.data,
	       "NAME                         COUNT  NOTE\n"
	       "서비스-가                        7  a note that…\n"
	       "api^[[31mred                 12345  \n"
	       "very-long-service-name-here      1  x\n",
	       "natural widths: Hangul as 2 columns, numbers right-aligned, NOTE cut at "
	       "its max_width, no padding after the last column");
	ok(strchr(b.data, '\x1b') == NULL, "the escape character is shown, not sent");
	buf_free(&b);
	table_free(&t);
}

static void
test_shrink(void)
{
	struct table t;
	table_init(&t, cols, 3, 0);
	fill(&t);
	struct buf b = BUF_INIT;
	table_render(&t, 30, &b);
	is_str(b.data,
	       "NAME       COUNT  NOTE\n"
	       "서비스-가      7  a note that…\n"
	       "api^[[31…  12345  \n"
	       "very-lon…      1  x\n",
	       "30 columns: the shrinkable NAME gives way first, COUNT never");
	buf_reset(&b);
	table_render(&t, 10, &b);
	ok(strstr(b.data, "very-lo") != NULL && strstr(b.data, "12345") != NULL,
	   "too narrow for anything: columns stop shrinking at their minimum");
	buf_free(&b);
	table_free(&t);
	table_free(&t); /* twice is harmless */
}

static void
test_ascii(void)
{
	struct table t;
	table_init(&t, cols, 3, UTF8_ASCII);
	table_add_row(&t, (const char *const[]){"서비스", "1", "ü"});
	struct buf b = BUF_INIT;
	table_render(&t, 0, &b);
	is_str(b.data,
	       "NAME                COUNT  NOTE\n"
	       "\\uC11C\\uBE44\\uC2A4      1  \\u00FC\n",
	       "ASCII mode: non-ASCII text as \\u escapes, measured as written");
	buf_free(&b);
	table_free(&t);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_natural();
	test_shrink();
	test_ascii();
	return tap_done();
}
