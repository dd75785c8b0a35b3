/* mapscreen: the service map (view/mapview.h) of the traces the filter
 * matches as a screen: built again when the store changes, a selected
 * service that the view follows, and its traces a key away. */
#ifndef XRTOP_TUI_MAPSCREEN_H
#define XRTOP_TUI_MAPSCREEN_H

#include "tui/tuipriv.h"

/* Forgets the map. */
void mapscreen_close(struct tui *t);
/* 2: shows the map. */
void mapscreen_key_show(struct tui *t);
/* Selects the neighbouring service in direction dir. */
void mapscreen_move(struct tui *t, enum mapview_dir dir);
void mapscreen_key_left(struct tui *t);
void mapscreen_key_right(struct tui *t);
/* Enter: the selected service's traces (service("NAME") as the filter). */
void mapscreen_key_open(struct tui *t);
/* Draws the map screen into t->canvas. */
void mapscreen_draw(struct tui *t);

#endif
