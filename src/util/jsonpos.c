#include "config.h"

#include "util/jsonpos.h"

#include "util/utf8.h"
#include "util/i18n.h"

void
jsonpos_position(const char *text, size_t len, size_t at, size_t *line, size_t *column)
{
	if (at > len)
		at = len;
	size_t l = 1, start = 0;
	for (size_t i = 0; i < at; i++) {
		if (text[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	*line = l;
	*column = utf8_chars(text + start, at - start) + 1;
}

int
jsonpos_error(const char *json, size_t len, size_t at, struct xr_err *err)
{
	size_t line, column;
	jsonpos_position(json, len, at, &line, &column);
	const char *what = at >= len ? _("invalid JSON (truncated?)") : _("invalid JSON");
	if (line > 1)
		xr_err_set(err, XR_EINPUT, _("line %zu, column %zu: %s"), line, column, what);
	else
		xr_err_set(err, XR_EINPUT, _("column %zu: %s"), column, what);
	if (err) {
		err->has_offset = true;
		err->offset = at;
	}
	return -1;
}
