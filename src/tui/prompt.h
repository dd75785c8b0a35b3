/* prompt: a one-line editor for the filter, the search and the command
 * line.  Holds wide characters (so Backspace removes a whole Korean
 * syllable), a cursor, a history browsed with Up/Down, and draws itself
 * into a canvas, scrolled so the cursor stays visible. */
#ifndef XRTOP_TUI_PROMPT_H
#define XRTOP_TUI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "util/buf.h"
#include "view/canvas.h"

#define PROMPT_MAX 2048
#define PROMPT_HISTORY 50

struct prompt_history {
	char *items[PROMPT_HISTORY]; /* oldest first */
	size_t n;
};

enum prompt_result {
	PROMPT_EDITING, /* the text or cursor changed, or nothing happened */
	PROMPT_ACCEPT,  /* Enter */
	PROMPT_CANCEL,  /* Esc */
	PROMPT_COMPLETE /* Tab */
};

struct prompt {
	const char *label;
	wchar_t text[PROMPT_MAX];
	size_t len, cursor;
	struct prompt_history *history;
	size_t history_pos; /* == history->n: the line being typed */
	int scroll;         /* first column shown */
};

/* Starts editing initial (UTF-8) after label, with history (may be NULL). */
void prompt_start(struct prompt *p, const char *label, const char *initial,
                  struct prompt_history *history);
/* Handles one key (term.h codes). */
enum prompt_result prompt_key(struct prompt *p, int key);
/* Appends the text as UTF-8. */
void prompt_text(const struct prompt *p, struct buf *out);
/* Replaces the text (UTF-8), the cursor at its end. */
void prompt_set_text(struct prompt *p, const char *s);
/* Draws label and text at (0, y) across the canvas; returns the cursor's
 * column.  *text_x receives the column where text column 0 would be (it
 * may be left of the screen when scrolled). */
int prompt_draw(struct prompt *p, struct canvas *c, int y, int *text_x);
/* Display columns of the first n characters of the text. */
int prompt_columns(const struct prompt *p, size_t n);
/* Adds s to the history (not twice in a row). */
void prompt_history_add(struct prompt_history *h, const char *s);
void prompt_history_free(struct prompt_history *h);

#endif
