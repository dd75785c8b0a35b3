/* tuipriv: what the files of the interactive front end share (not for
 * use outside src/tui/): the state of the screens (struct tui), which
 * screen is up, and the helpers every screen uses (the status line, the
 * title bar, the trace list, the filter).  tui.c owns the traces, help and
 * log screens, the key table and the loop; timelinescreen.c, mapscreen.c
 * and analyticsscreen.c one screen each. */
#ifndef XRTOP_TUI_TUIPRIV_H
#define XRTOP_TUI_TUIPRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "filter/filter.h"
#include "options.h"
#include "tui/prompt.h"
#include "util/warn.h"
#include "view/canvas.h"
#include "view/details.h"
#include "view/mapview.h"
#include "view/tracelist.h"
#include "view/tracetable.h"

struct session;
struct term;
struct loop;
struct regex;
struct timeline;
struct analytics;
struct svcmap;

enum tui_screen {
	SCREEN_TRACES = 1,
	SCREEN_HELP = 2,
	SCREEN_LOG = 4,
	SCREEN_TIMELINE = 8,
	SCREEN_DETAILS = 16,
	SCREEN_MAP = 32,
	SCREEN_ANALYTICS = 64,
};
#define SCREEN_ALL                                                                                 \
	(SCREEN_TRACES | SCREEN_HELP | SCREEN_LOG | SCREEN_TIMELINE | SCREEN_DETAILS |             \
	 SCREEN_MAP | SCREEN_ANALYTICS)
#define SCREEN_TRACE (SCREEN_TIMELINE | SCREEN_DETAILS)

enum tui_mode { MODE_NONE, MODE_FILTER, MODE_SEARCH, MODE_COMMAND };

struct tui_stats {
	double first, last; /* start times of the matched traces */
	double per_minute;
	double error_pct, fault_pct, throttle_pct;
	double p50, p90, p99; /* response time, NAN without any */
};

struct tui {
	const struct options *o;
	struct session *s;
	struct term *term;
	struct loop *loop;
	struct xr_warnings log; /* what the sources reported, for the log screen */
	char source[512];       /* the header's name of the sources */
	bool api;
	bool failed;             /* a source failed: exit status 1 */
	bool ready;              /* the first data is in */
	unsigned long built_gen; /* store generation the list was built from */
	bool stale;              /* rebuild before the next use */
	struct canvas *canvas;
	unsigned canvas_flags;
	enum tui_screen screen;
	enum tui_screen back; /* where help and the log go back to */
	bool quit;
	FILE *key_times; /* $XRTOP_KEY_TIMES: one line per key handled, or NULL */

	/* the traces screen */
	struct tracelist tl;
	struct tracelist_index *index; /* the store's orders, for tl */
	uint64_t prepare_timer;        /* computes more orders when idle, or 0 */
	/* cell widths by store entry and column (UINT16_MAX: not measured),
	 * for the store generation, start column form, canvas flags and
	 * annotation keys they were measured with */
	uint16_t *widths;
	unsigned long widths_gen;
	bool widths_time_only;
	unsigned widths_flags;
	char *widths_keys;
	struct tracetable tt;
	bool tt_wide; /* tt measured with full dates */
	char *annotation_keys;
	size_t sel, top;
	int page;   /* list rows on screen */
	int list_y; /* screen line of the first list row */
	size_t sort_col;
	bool sort_reverse;
	char *filter_text; /* as typed, for the editor; NULL: none */
	size_t undecided, disagreed;
	struct tui_stats stats;
	double drawn_at;         /* monotonic time of the last frame */
	uint64_t draw_timer;     /* a frame is due (loop timer id), or 0 */
	const char *one_service; /* the service of every listed trace, or NULL */

	/* the line editor */
	enum tui_mode mode;
	struct prompt prompt;
	struct prompt_history history[4];
	struct xr_filter_error ferr;
	bool ferr_set;
	char completions[256];

	/* search */
	struct regex *re;
	char *search_text;

	/* the status line */
	char status[512];
	unsigned status_style;

	/* the timeline and details of one trace */
	struct timeline *tline;
	char *trace_id;     /* the trace shown, or being fetched */
	bool trace_waiting; /* its full trace was asked for */
	size_t tl_sel, tl_top;
	int tl_page;
	int tl_y;     /* screen line of the first timeline row */
	int tl_depth; /* collapsed below this depth; -1: all expanded */
	enum details_tab tab;
	struct details *det;
	const struct xr_segment *det_seg;
	enum details_tab det_tab;
	int det_width;
	size_t det_scroll;

	/* the service map */
	struct svcmap *map;
	struct mapview *mapview;
	struct canvas *page_canvas;
	unsigned long map_gen; /* store generation the map was built from */
	int map_width;
	size_t map_summaries_only;
	struct mapview_viewport vp;

	/* analytics */
	struct analytics *an;
	char *group_by;
	unsigned long an_gen; /* store generation it was built from */
	size_t an_sel, an_top;
	int an_rows; /* group rows that fit */

	/* help and log */
	size_t help_top, log_top;
	size_t help_lines; /* lines of the help as last drawn */
	size_t log_seen;
};

/* Sets the status line (printf-style) in a colour role. */
void tui_set_status(struct tui *t, unsigned style, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Draws the title bar with what follows "xrtop". */
void tui_draw_title(struct tui *t, const char *what);
/* Makes the trace list match the store (rebuilt when the store changed). */
void tui_ensure_list(struct tui *t);
/* The trace id of the selected row, or NULL. */
const char *tui_selected_id(const struct tui *t);
/* Replaces the filter ("" for none); false, with the error on the status
 * line, when text is not a valid filter. */
bool tui_apply_filter(struct tui *t, const char *text);

#endif
