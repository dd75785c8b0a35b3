/* analyticsscreen: the response-time histogram and group-by table
 * (view/analytics.h) of the traces the filter matches as a screen, with
 * a selected group that narrows the filter. */
#ifndef XRTOP_TUI_ANALYTICSSCREEN_H
#define XRTOP_TUI_ANALYTICSSCREEN_H

#include <stdbool.h>

#include "tui/tuipriv.h"

/* 3: shows the analytics. */
void analyticsscreen_key_show(struct tui *t);
/* Groups by key (checked first; the error on the status line); true when
 * it was valid. */
bool analyticsscreen_set_group_by(struct tui *t, const char *key);
/* Enter: the filter narrowed to the selected group. */
void analyticsscreen_key_open(struct tui *t);
/* Draws the analytics screen into t->canvas. */
void analyticsscreen_draw(struct tui *t);

#endif
