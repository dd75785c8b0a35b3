#include "config.h"

#include "util/warn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/xmalloc.h"

void
warn_add(struct xr_warnings *w, const char *fmt, ...)
{
	if (!w)
		return;
	if (w->n >= WARN_MAX) {
		w->dropped++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		w->dropped++;
		return;
	}
	XGROW(w->msgs, w->cap, w->n + 1);
	w->msgs[w->n++] = msg;
}

size_t
warn_count(const struct xr_warnings *w)
{
	return w->n + w->dropped;
}

void
warn_move(struct xr_warnings *dst, struct xr_warnings *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (dst->n >= WARN_MAX) {
			free(src->msgs[i]);
			dst->dropped++;
			continue;
		}
		XGROW(dst->msgs, dst->cap, dst->n + 1);
		dst->msgs[dst->n++] = src->msgs[i];
	}
	dst->dropped += src->dropped;
	free(src->msgs);
	*src = (struct xr_warnings){0};
}

void
warn_free(struct xr_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->msgs[i]);
	free(w->msgs);
	*w = (struct xr_warnings){0};
}
