#include "config.h"

#include "tui/prompt.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tui/term.h"
#include "util/utf8.h"
#include "util/xmalloc.h"

static void
set_from_utf8(struct prompt *p, const char *s)
{
	p->len = 0;
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n && p->len < PROMPT_MAX - 1;) {
		uint32_t cp;
		int k = utf8_decode(s + i, n - i, &cp);
		if (k < 0)
			k = 1, cp = 0xFFFD;
		p->text[p->len++] = (wchar_t)cp;
		i += (size_t)k;
	}
	p->text[p->len] = L'\0';
	p->cursor = p->len;
}

void
prompt_start(struct prompt *p, const char *label, const char *initial,
             struct prompt_history *history)
{
	memset(p, 0, sizeof *p);
	p->label = label;
	p->history = history;
	p->history_pos = history ? history->n : 0;
	set_from_utf8(p, initial);
}

void
prompt_set_text(struct prompt *p, const char *s)
{
	set_from_utf8(p, s);
}

static size_t
encode(uint32_t cp, char u[4])
{
	if (cp < 0x80) {
		u[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	u[0] = (char)(0xF0 | cp >> 18);
	u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	u[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

void
prompt_text(const struct prompt *p, struct buf *out)
{
	for (size_t i = 0; i < p->len; i++) {
		char u[4];
		buf_append(out, u, encode((uint32_t)p->text[i], u));
	}
	if (!out->data)
		buf_puts(out, "");
}

static void
delete_range(struct prompt *p, size_t from, size_t to)
{
	if (from >= to)
		return;
	memmove(&p->text[from], &p->text[to], (p->len - to + 1) * sizeof *p->text);
	p->len -= to - from;
	p->cursor = from;
}

static void
history_step(struct prompt *p, int dir)
{
	struct prompt_history *h = p->history;
	if (!h || h->n == 0)
		return;
	if (dir < 0 && p->history_pos > 0)
		p->history_pos--;
	else if (dir > 0 && p->history_pos < h->n)
		p->history_pos++;
	else
		return;
	set_from_utf8(p, p->history_pos < h->n ? h->items[p->history_pos] : "");
}

enum prompt_result
prompt_key(struct prompt *p, int key)
{
	switch (key) {
	case '\r':
	case '\n':
	case TERM_FN(KEY_ENTER): return PROMPT_ACCEPT;
	case TERM_ESC: return PROMPT_CANCEL;
	case '\t': return PROMPT_COMPLETE;
	case 127:
	case 8:
	case TERM_FN(KEY_BACKSPACE):
		if (p->cursor > 0)
			delete_range(p, p->cursor - 1, p->cursor);
		break;
	case TERM_FN(KEY_DC):
	case TERM_CTRL('d'):
		if (p->cursor < p->len)
			delete_range(p, p->cursor, p->cursor + 1);
		break;
	case TERM_FN(KEY_LEFT):
	case TERM_CTRL('b'):
		if (p->cursor > 0)
			p->cursor--;
		break;
	case TERM_FN(KEY_RIGHT):
	case TERM_CTRL('f'):
		if (p->cursor < p->len)
			p->cursor++;
		break;
	case TERM_FN(KEY_HOME):
	case TERM_CTRL('a'): p->cursor = 0; break;
	case TERM_FN(KEY_END):
	case TERM_CTRL('e'): p->cursor = p->len; break;
	case TERM_CTRL('u'): delete_range(p, 0, p->cursor); break;
	case TERM_CTRL('k'): delete_range(p, p->cursor, p->len); break;
	case TERM_CTRL('w'): {
		size_t from = p->cursor;
		while (from > 0 && p->text[from - 1] == L' ')
			from--;
		while (from > 0 && p->text[from - 1] != L' ')
			from--;
		delete_range(p, from, p->cursor);
		break;
	}
	case TERM_FN(KEY_UP): history_step(p, -1); break;
	case TERM_FN(KEY_DOWN): history_step(p, 1); break;
	default:
		if (key >= 32 && key != 127 && key < 0x110000 && !(key >= 0x80 && key < 0xA0) &&
		    p->len < PROMPT_MAX - 1) {
			memmove(&p->text[p->cursor + 1], &p->text[p->cursor],
			        (p->len - p->cursor + 1) * sizeof *p->text);
			p->text[p->cursor++] = (wchar_t)key;
			p->len++;
		}
		break;
	}
	return PROMPT_EDITING;
}

static int
char_width(wchar_t wc)
{
	int w = utf8_cp_width((uint32_t)wc);
	return w < 0 ? 1 : w;
}

int
prompt_columns(const struct prompt *p, size_t n)
{
	int cols = 0;
	for (size_t i = 0; i < n && i < p->len; i++)
		cols += char_width(p->text[i]);
	return cols;
}

int
prompt_draw(struct prompt *p, struct canvas *c, int y, int *text_x)
{
	canvas_fill(c, 0, y, c->width, 1, " ", CANVAS_NORMAL);
	int x0 = canvas_puts(c, 0, y, -1, p->label, CANVAS_ACCENT | CANVAS_BOLD);
	int field = c->width - x0 - 1;
	if (field < 1)
		field = 1;
	int cur = prompt_columns(p, p->cursor);
	if (cur < p->scroll)
		p->scroll = cur;
	if (cur - p->scroll >= field)
		p->scroll = cur - field + 1;
	int col = 0;
	for (size_t i = 0; i < p->len; i++) {
		int w = char_width(p->text[i]);
		if (col >= p->scroll && col + w - p->scroll <= field) {
			char u[4];
			canvas_text(c, x0 + col - p->scroll, y, w, u,
			            encode((uint32_t)p->text[i], u), CANVAS_NORMAL);
		}
		col += w;
	}
	if (text_x)
		*text_x = x0 - p->scroll;
	return x0 + cur - p->scroll;
}

void
prompt_history_add(struct prompt_history *h, const char *s)
{
	if (!*s || (h->n && strcmp(h->items[h->n - 1], s) == 0))
		return;
	if (h->n == PROMPT_HISTORY) {
		free(h->items[0]);
		memmove(&h->items[0], &h->items[1], (PROMPT_HISTORY - 1) * sizeof *h->items);
		h->n--;
	}
	h->items[h->n++] = xstrdup(s);
}

void
prompt_history_free(struct prompt_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->items[i]);
	h->n = 0;
}
