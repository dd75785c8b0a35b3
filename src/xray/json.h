/* json: small cJSON helpers shared by the decoders: compact text of a
 * subtree (parse errors with line and column are util/jsonpos.h). */
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

#endif
