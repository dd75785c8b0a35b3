/* strict: reading the shapes of X-Ray API replies from a cJSON tree.  A
 * member may be absent or null; one of the wrong type fails the whole decode,
 * with the first problem named ("TraceSummaries[3].Http.HttpStatus: expected
 * a number").  Strings are copied into the reader's arena. */
#ifndef XRTOP_XRAY_STRICT_H
#define XRTOP_XRAY_STRICT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/err.h"

struct strict {
	struct arena *a;
	struct xr_err *err;
	bool failed;
	const char *where; /* e.g. "TraceSummaries[3]" */
	const char *sub;   /* member being read, e.g. "Http"; NULL at the top */
};

/* Records the first problem: field of the object being read, and what. */
void strict_fail(struct strict *s, const char *field, const char *what);
/* Member field of obj as a copied string, or NULL. */
const char *strict_str(struct strict *s, const cJSON *obj, const char *field);
/* Member field as a finite number, or NAN. */
double strict_num(struct strict *s, const cJSON *obj, const char *field);
bool strict_bool(struct strict *s, const cJSON *obj, const char *field);
/* Member field when is() accepts it (else `what` is the problem), or NULL. */
const cJSON *strict_kind(struct strict *s, const cJSON *obj, const char *field,
                         cJSON_bool (*is)(const cJSON *), const char *what);
const cJSON *strict_array(struct strict *s, const cJSON *obj, const char *field);
const cJSON *strict_object(struct strict *s, const cJSON *obj, const char *field);
/* A zeroed array of elem-sized items for the list, whose elements must
 * all be objects; *n is their count. */
void *strict_objects(struct strict *s, const cJSON *list, const char *field, size_t elem,
                     unsigned *n);
/* Member field as a list of copied strings. */
const char **strict_strings(struct strict *s, const cJSON *obj, const char *field, unsigned *n);

#endif
