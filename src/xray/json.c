#include "config.h"

#include "xray/json.h"

#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xmalloc.h"

/* Per-thread print buffer, so printing does not allocate per call. */
static _Thread_local char *scratch;
static _Thread_local size_t scratch_size;

#define JSON_TEXT_MAX (64u << 20)

const char *
json_text(const cJSON *item, struct arena *a)
{
	if (!scratch_size) {
		scratch_size = 4096;
		scratch = xmalloc(scratch_size);
	}
	while (!cJSON_PrintPreallocated((cJSON *)item, scratch, (int)scratch_size, false)) {
		if (scratch_size >= JSON_TEXT_MAX)
			return arena_strdup(a, "null");
		scratch_size *= 2;
		scratch = xrealloc(scratch, scratch_size);
	}
	return arena_strdup(a, scratch);
}

const char *
json_text_filtered(const cJSON *object, bool (*skip)(const char *key), struct arena *a)
{
	cJSON *copy = cJSON_CreateObject();
	if (!copy)
		return NULL;
	const cJSON *item;
	cJSON_ArrayForEach(item, object)
	{
		if (!skip(item->string))
			cJSON_AddItemReferenceToObject(copy, item->string, (cJSON *)item);
	}
	const char *text = json_text(copy, a);
	cJSON_Delete(copy);
	return text;
}

void
json_position(const char *text, size_t len, size_t at, size_t *line, size_t *column)
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
json_parse_error(const char *json, size_t len, size_t at, struct xr_err *err)
{
	size_t line, column;
	json_position(json, len, at, &line, &column);
	const char *what = at >= len ? "invalid JSON (truncated?)" : "invalid JSON";
	if (line > 1)
		xr_err_set(err, XR_EINPUT, "line %zu, column %zu: %s", line, column, what);
	else
		xr_err_set(err, XR_EINPUT, "column %zu: %s", column, what);
	if (err) {
		err->has_offset = true;
		err->offset = at;
	}
	return -1;
}
