#include "config.h"

#include "tui/term.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "tui/terminfo.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

struct term {
	SCREEN *screen;
	FILE *in, *out;
	char name[64];
	bool color, mouse;
	attr_t role_attr[CANVAS_ROLES];
	short role_pair[CANVAS_ROLES];
};

/* The open terminal, for the exit and fatal-signal handlers. */
static struct term *active;

static void
restore(void)
{
	if (active && !isendwin())
		endwin();
}

static void
on_fatal(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static SCREEN *
open_screen(struct term *t)
{
	static const char *const fallbacks[] = {"xterm-256color", "xterm", "vt100"};
	const char *env = getenv("TERM");
	if (env && *env && terminfo_known(env, fileno(t->out))) {
		SCREEN *s = newterm(env, t->out, t->in);
		if (s) {
			snprintf(t->name, sizeof t->name, "%s", env);
			return s;
		}
	}
	for (size_t i = 0; i < sizeof fallbacks / sizeof *fallbacks; i++) {
		if (!terminfo_known(fallbacks[i], fileno(t->out)))
			continue;
		SCREEN *s = newterm(fallbacks[i], t->out, t->in);
		if (s) {
			snprintf(t->name, sizeof t->name, "%s", fallbacks[i]);
			return s;
		}
	}
	return NULL;
}

static void
setup_roles(struct term *t)
{
	static const short fg[CANVAS_ROLES] = {
	    [CANVAS_OK] = COLOR_GREEN,    [CANVAS_ERROR] = COLOR_YELLOW,
	    [CANVAS_FAULT] = COLOR_RED,   [CANVAS_THROTTLE] = COLOR_MAGENTA,
	    [CANVAS_ACCENT] = COLOR_CYAN, [CANVAS_HEADER] = -1,
	    [CANVAS_NORMAL] = -1,         [CANVAS_DIM] = -1,
	};
	t->role_attr[CANVAS_HEADER] = A_BOLD;
	t->role_attr[CANVAS_DIM] = A_DIM;
	t->role_attr[CANVAS_FAULT] = A_BOLD;
	t->role_attr[CANVAS_ACCENT] = A_BOLD;
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	for (int r = 0; r < CANVAS_ROLES; r++) {
		if (fg[r] < 0 || r >= COLOR_PAIRS)
			continue;
		init_pair((short)r, fg[r], -1);
		t->role_pair[r] = (short)r;
	}
}

struct term *
term_open(FILE *in, FILE *out, const struct term_config *cfg, struct xr_err *err)
{
	struct term *t = xcalloc(1, sizeof *t);
	t->in = in;
	t->out = out;
	t->screen = open_screen(t);
	if (!t->screen) {
		xr_err_set(err, XR_EIO,
		           _("cannot open the terminal (TERM=%s, and no fallback works)"),
		           getenv("TERM") ? getenv("TERM") : "");
		free(t);
		return NULL;
	}
	active = t;
	atexit(restore);
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGFPE, on_fatal);
	signal(SIGABRT, on_fatal);
	/* Esc alone must feel immediate; sequences still arrive whole. */
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	t->color = cfg->color && has_colors();
	setup_roles(t);
	if (cfg->mouse) {
		t->mouse =
		    mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL) != 0;
		mouseinterval(0);
	}
	return t;
}

void
term_close(struct term *t)
{
	if (!t)
		return;
	if (t->mouse)
		mousemask(0, NULL);
	curs_set(1);
	endwin();
	delscreen(t->screen);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	active = NULL;
	fflush(t->out);
	free(t);
}

const char *
term_name(const struct term *t)
{
	return t->name;
}

int
term_rows(const struct term *t)
{
	(void)t;
	return LINES;
}

int
term_cols(const struct term *t)
{
	(void)t;
	return COLS;
}

int
term_input_fd(const struct term *t)
{
	return fileno(t->in);
}

void
term_resized(struct term *t)
{
	struct winsize ws;
	if (ioctl(fileno(t->out), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	/* What the terminal kept of the old screen is its own choice (tmux
	 * moves the lines up when it loses some): send everything again. */
	clearok(curscr, TRUE);
}

static attr_t
style_attr(const struct term *t, unsigned style, short *pair)
{
	unsigned role = style & CANVAS_ROLE_MASK;
	if (role >= CANVAS_ROLES)
		role = CANVAS_NORMAL;
	attr_t a = t->role_attr[role];
	*pair = t->role_pair[role];
	if (style & CANVAS_BOLD)
		a |= A_BOLD;
	if (style & CANVAS_UNDERLINE)
		a |= A_UNDERLINE;
	if (style & CANVAS_SELECTED)
		a = (a & ~A_DIM) | A_REVERSE;
	return a;
}

/* One cell as curses takes it. */
struct cellout {
	wchar_t wc[CCHARW_MAX + 1];
	attr_t attr;
	short pair;
	bool blank, skip;
};

static void
prepare_cell(const struct term *t, const struct canvas_cell *cell, struct cellout *o)
{
	size_t n = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	const char *s = cell->text;
	size_t len = strlen(s);
	while (len && n < CCHARW_MAX) {
		size_t k = mbrtowc(&o->wc[n], s, len, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
			break;
		n++;
		s += k;
		len -= k;
	}
	if (n == 0)
		o->wc[n++] = L' ';
	o->wc[n] = L'\0';
	o->attr = style_attr(t, cell->style, &o->pair);
	o->blank = n == 1 && o->wc[0] == L' ';
}

/* Attributes that show on a blank cell too. */
#define VISIBLE_ON_BLANK (A_REVERSE | A_UNDERLINE | A_STANDOUT)

/* A run of blanks between two cells of the same attributes takes them
 * when they look the same on a blank (bold, dim, a foreground colour):
 * the gaps between bold column headers, say.  ncurses then sends no
 * change of attributes and back for the gap (about 16 bytes each).
 * Blanks at the end of a line stay as they are, for EL. */
static void
join_runs(struct cellout *row, int n)
{
	int x = 0;
	while (x < n) {
		if (row[x].skip || !row[x].blank || (row[x].attr & VISIBLE_ON_BLANK)) {
			x++;
			continue;
		}
		int end = x;
		while (end < n && !row[end].skip && row[end].blank &&
		       !(row[end].attr & VISIBLE_ON_BLANK))
			end++;
		if (x > 0 && end < n && !row[x - 1].skip && !row[end].skip &&
		    row[x - 1].attr == row[end].attr && row[x - 1].pair == row[end].pair &&
		    !(row[end].attr & VISIBLE_ON_BLANK)) {
			for (int k = x; k < end; k++) {
				row[k].attr = row[end].attr;
				row[k].pair = row[end].pair;
			}
		}
		x = end;
	}
}

void
term_draw(struct term *t, const struct canvas *c, int cx, int cy)
{
	erase();
	int w = c->width < COLS ? c->width : COLS;
	struct cellout *row = xcalloc(w > 0 ? (size_t)w : 1, sizeof *row);
	for (int y = 0; y < c->height && y < LINES; y++) {
		for (int x = 0; x < w; x++) {
			const struct canvas_cell *cell = canvas_cell(c, x, y);
			row[x].skip = cell->width == 0 || (cell->width == 2 && x + 1 >= COLS);
			if (!row[x].skip)
				prepare_cell(t, cell, &row[x]);
		}
		join_runs(row, w);
		for (int x = 0; x < w; x++) {
			if (row[x].skip)
				continue;
			cchar_t cc;
			setcchar(&cc, row[x].wc, row[x].attr, row[x].pair, NULL);
			mvadd_wch(y, x, &cc);
		}
	}
	free(row);
	if (cx >= 0 && cy >= 0) {
		leaveok(stdscr, FALSE);
		move(cy, cx);
		curs_set(1);
	} else {
		leaveok(stdscr, TRUE);
		curs_set(0);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

void
term_redraw_all(struct term *t)
{
	(void)t;
	clearok(curscr, TRUE);
}

int
term_key(struct term *t, struct term_mouse *m)
{
	wint_t ch;
	int rc = get_wch(&ch);
	if (rc == ERR)
		return -1;
	if (rc == KEY_CODE_YES) {
		if (ch == KEY_MOUSE && m) {
			MEVENT ev;
			memset(m, 0, sizeof *m);
			if (getmouse(&ev) != OK)
				return term_key(t, m);
			m->x = ev.x;
			m->y = ev.y;
			m->click = (ev.bstate & BUTTON1_PRESSED) != 0;
			m->wheel_up = (ev.bstate & BUTTON4_PRESSED) != 0;
#ifdef BUTTON5_PRESSED
			m->wheel_down = (ev.bstate & BUTTON5_PRESSED) != 0;
#endif
		}
		return TERM_FN((int)ch);
	}
	return (int)ch;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
term_clipboard(struct term *t, const char *text)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "\033]52;c;");
	size_t n = strlen(text);
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
		             (i + 2 < n ? s[i + 2] : 0);
		char out[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63],
		               i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '='};
		buf_append(&b, out, 4);
	}
	buf_puts(&b, "\a");
	fflush(t->out);
	fwrite(b.data, 1, b.len, t->out);
	fflush(t->out);
	buf_free(&b);
}

const char *
term_key_name(int key, char *buf, size_t size)
{
	static const struct {
		int key;
		const char *name;
	} names[] = {
	    {TERM_FN(KEY_UP), "Up"},
	    {TERM_FN(KEY_DOWN), "Down"},
	    {TERM_FN(KEY_LEFT), "Left"},
	    {TERM_FN(KEY_RIGHT), "Right"},
	    {TERM_FN(KEY_NPAGE), "PgDn"},
	    {TERM_FN(KEY_PPAGE), "PgUp"},
	    {TERM_FN(KEY_HOME), "Home"},
	    {TERM_FN(KEY_END), "End"},
	    {TERM_FN(KEY_ENTER), "Enter"},
	    {'\r', "Enter"},
	    {'\n', "Enter"},
	    {TERM_ESC, "Esc"},
	    {' ', "Space"},
	    {'\t', "Tab"},
	    {TERM_FN(KEY_F(1)), "F1"},
	    {TERM_FN(KEY_F(10)), "F10"},
	    {TERM_FN(KEY_MOUSE), "mouse"},
	    {TERM_FN(KEY_BACKSPACE), "Backspace"},
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (names[i].key == key)
			return names[i].name;
	if (key >= TERM_FN(KEY_F(1)) && key <= TERM_FN(KEY_F(12)))
		snprintf(buf, size, "F%d", key - TERM_FN(KEY_F(0)));
	else if (key > 0 && key < 32)
		snprintf(buf, size, "^%c", key + 64);
	else if (key > 32 && key < 127)
		snprintf(buf, size, "%c", key);
	else
		snprintf(buf, size, "#%d", key);
	return buf;
}
