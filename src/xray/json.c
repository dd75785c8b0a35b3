#include "config.h"

#include "xray/json.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/jsonw.h"
#include "util/utf8.h"
#include "util/xmalloc.h"

/* Per-thread text buffer, so writing a subtree does not allocate per call. */
static _Thread_local struct buf scratch;

void
json_thread_done(void)
{
	buf_free(&scratch);
}

/* Writes item as compact JSON (our writer: escaped like all of xrtop's
 * output, and faster than cJSON's printer, which formats every number
 * twice).  Depth is bounded by cJSON's nesting limit. */
static void
write_item(struct buf *out, const cJSON *item, bool (*skip)(const char *key))
{
	const cJSON *child;
	bool first = true;
	switch (item->type & 0xff) {
	case cJSON_False: buf_puts(out, "false"); break;
	case cJSON_True: buf_puts(out, "true"); break;
	case cJSON_NULL: buf_puts(out, "null"); break;
	case cJSON_Number: json_number(out, item->valuedouble); break;
	case cJSON_String: json_escape(out, item->valuestring, strlen(item->valuestring)); break;
	case cJSON_Array:
		buf_putc(out, '[');
		cJSON_ArrayForEach(child, item)
		{
			if (!first)
				buf_putc(out, ',');
			first = false;
			write_item(out, child, NULL);
		}
		buf_putc(out, ']');
		break;
	case cJSON_Object:
		buf_putc(out, '{');
		cJSON_ArrayForEach(child, item)
		{
			if (skip && skip(child->string))
				continue;
			if (!first)
				buf_putc(out, ',');
			first = false;
			json_escape(out, child->string, strlen(child->string));
			buf_putc(out, ':');
			write_item(out, child, NULL);
		}
		buf_putc(out, '}');
		break;
	default: buf_puts(out, "null"); break;
	}
}

const char *
json_text(const cJSON *item, struct arena *a)
{
	buf_reset(&scratch);
	write_item(&scratch, item, NULL);
	return arena_strndup(a, scratch.data, scratch.len);
}

const char *
json_text_filtered(const cJSON *object, bool (*skip)(const char *key), struct arena *a)
{
	buf_reset(&scratch);
	write_item(&scratch, object, skip);
	return arena_strndup(a, scratch.data, scratch.len);
}
