/* timelinescreen: the timeline of one trace (view/timeline.h) and the
 * details of one of its segments (view/details.h) as screens: opening a
 * trace (fetched from the API when only its summary is held), following
 * it when the store replaces or drops it, folding, the critical path, the
 * details' tabs. */
#ifndef XRTOP_TUI_TIMELINESCREEN_H
#define XRTOP_TUI_TIMELINESCREEN_H

#include "model/trace.h"
#include "tui/tuipriv.h"

/* Forgets the timeline and details shown. */
void timelinescreen_close(struct tui *t);
/* Shows the timeline of tr (the trace of t->trace_id). */
void timelinescreen_show(struct tui *t, const struct xr_trace *tr);
/* Enter: the selected trace's timeline, or on the timeline the selected
 * row's details. */
void timelinescreen_key_open(struct tui *t);
/* Space: folds or unfolds the selected row. */
void timelinescreen_key_collapse(struct tui *t);
/* - and +: one level more collapsed, or expanded. */
void timelinescreen_key_shallower(struct tui *t);
void timelinescreen_key_deeper(struct tui *t);
/* c: the next row on the critical path. */
void timelinescreen_key_critical(struct tui *t);
/* e: the next row with an error, fault or throttle. */
void timelinescreen_key_problem(struct tui *t);
/* ] and [: the next or previous details tab. */
void timelinescreen_key_tab_next(struct tui *t);
void timelinescreen_key_tab_prev(struct tui *t);
/* Draws the timeline screen, or the details screen, into t->canvas. */
void timelinescreen_draw(struct tui *t);
void timelinescreen_draw_details(struct tui *t);

#endif
