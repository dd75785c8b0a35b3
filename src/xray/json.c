#include "config.h"

#include "xray/json.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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

/* Per-thread print buffer, so printing does not allocate per call. */
static _Thread_local char *scratch;
static _Thread_local size_t scratch_size;

#define JSON_TEXT_MAX (64u << 20)

void
json_thread_done(void)
{
	free(pool.base);
	pool.base = NULL;
	free(scratch);
	scratch = NULL;
	scratch_size = 0;
}

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
