/* json: small cJSON helpers shared by the decoders: compact text of a
 * subtree, and parse errors with line and column. */
#ifndef XRTOP_XRAY_JSON_H
#define XRTOP_XRAY_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/err.h"

/* Compact JSON text of item, copied into a. */
const char *json_text(const cJSON *item, struct arena *a);
/* Frees this thread's print buffer; call before a decoding thread ends. */
void json_thread_done(void);
/* Compact text of object without the members for which skip(key) is true. */
const char *json_text_filtered(const cJSON *object, bool (*skip)(const char *key), struct arena *a);
/* Fills err with "line L, column C: invalid JSON" for a parse that stopped
 * at byte offset `at`, and records the offset in err.  Returns -1. */
int json_parse_error(const char *json, size_t len, size_t at, struct xr_err *err);
/* Line (1-based) and column (1-based, in characters) of byte offset at. */
void json_position(const char *text, size_t len, size_t at, size_t *line, size_t *column);

#endif
