/* term: the curses terminal.  Opens it (with fallbacks for an unknown
 * TERM), maps canvas roles to colour pairs and attributes, copies a canvas
 * to the screen so that only changed cells are sent, reads keys and the
 * mouse without blocking, takes a new size (after SIGWINCH, which the loop
 * catches), and always gives the terminal back as it found it: on exit, on
 * SIGINT/SIGTERM (through the loop), on a fatal signal, around Ctrl-Z.  Like every file that sees
 * curses, it is in src/tui/. */
#ifndef XRTOP_TUI_TERM_H
#define XRTOP_TUI_TERM_H

#include <stdbool.h>
#include <stdio.h>

#include "util/err.h"
#include "view/canvas.h"

/* Keys: characters are their code point; curses function keys are
 * TERM_FN(KEY_...). */
#define TERM_FN(k) (0x1000000 | (k))
#define TERM_CTRL(c) ((c)&0x1f)
#define TERM_ESC 27

struct term_mouse {
	int x, y;
	bool click, wheel_up, wheel_down;
};

struct term_config {
	bool color; /* false: attributes only */
	bool mouse;
};

struct term;

/* Opens the terminal on in/out.  Returns NULL and fills err when no
 * terminal type works.  Caller frees with term_close(). */
struct term *term_open(FILE *in, FILE *out, const struct term_config *cfg, struct xr_err *err);
/* Restores the terminal and frees t. */
void term_close(struct term *t);
/* The terminal type in use ("xterm-256color", or a fallback). */
const char *term_name(const struct term *t);
int term_rows(const struct term *t);
int term_cols(const struct term *t);
/* The descriptor to wait on for keys. */
int term_input_fd(const struct term *t);
/* Takes the terminal's new size (after SIGWINCH). */
void term_resized(struct term *t);
/* Copies c to the screen and sends what changed; the cursor is shown at
 * (cx, cy), or hidden when cx < 0. */
void term_draw(struct term *t, const struct canvas *c, int cx, int cy);
/* Sends everything again on the next draw (Ctrl-L). */
void term_redraw_all(struct term *t);
/* The next key, or -1 when none is waiting.  A mouse event gives
 * TERM_FN(KEY_MOUSE) and fills *m. */
int term_key(struct term *t, struct term_mouse *m);
/* Puts text on the terminal's clipboard with OSC 52. */
void term_clipboard(struct term *t, const char *text);
/* A name for key: "j", "Down", "PgDn", "^L", "Enter", "Space". */
const char *term_key_name(int key, char *buf, size_t size);

#endif
