/* demo: finds the bundled QuickTable demo data: $XRTOP_DATADIR, then the
 * installed data directory, then the source tree (when run uninstalled). */
#ifndef XRTOP_SOURCE_DEMO_H
#define XRTOP_SOURCE_DEMO_H

#include <stddef.h>

#include "util/err.h"

/* Writes the path of demo.json into out.  Returns -1 with err naming every
 * place looked at when it is nowhere. */
int demo_path(char *out, size_t size, struct xr_err *err);

#endif
