#include "config.h"

#include "xray/json.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/jsonw.h"
#include "util/utf8.h"
#include "util/xmalloc.h"

/* cJSON allocates every node and string with malloc and frees each one
 * again; for the many small documents of a large file that is a third of
 * the work.  While a pool is active on a thread, cJSON's allocations come
 * from a per-thread block that is reset after each document. */
#define POOL_SIZE (256u << 10)

static _Thread_local struct {
	char *base;
	size_t used;
	bool active;
} pool;

static void *
pool_malloc(size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	if (pool.active && need <= POOL_SIZE - pool.used) {
		void *p = pool.base + pool.used;
		pool.used += need;
		return p;
	}
	return malloc(n);
}

static void
pool_free(void *p)
{
	if (pool.base && (char *)p >= pool.base && (char *)p < pool.base + POOL_SIZE)
		return; /* released all at once by json_pool_end() */
	free(p);
}

/* Installing the hooks is safe at any time: pool_free() hands anything not
 * from a pool to free(). */
static void
install_hooks(void)
{
	cJSON_Hooks hooks = {.malloc_fn = pool_malloc, .free_fn = pool_free};
	cJSON_InitHooks(&hooks);
}

void
json_pool_begin(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, install_hooks);
	if (!pool.base)
		pool.base = xmalloc(POOL_SIZE);
	pool.used = 0;
	pool.active = true;
}

void
json_pool_end(void)
{
	pool.active = false;
	pool.used = 0;
}

/* Per-thread text buffer, so writing a subtree does not allocate per call. */
static _Thread_local struct buf scratch;

void
json_thread_done(void)
{
	free(pool.base);
	pool.base = NULL;
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
	case cJSON_String:
		json_escape(out, item->valuestring, strlen(item->valuestring));
		break;
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
