/* secretjson: the small JSON objects that carry secrets (credential
 * replies, the SSO token cache, the SSO services' replies), read with
 * cJSON.  A \u0000 escape is refused, since cJSON would cut the string
 * there and a key or token would silently lose its tail; every string is
 * wiped before the tree is freed. */
#ifndef XRTOP_AWS_SECRETJSON_H
#define XRTOP_AWS_SECRETJSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/err.h"

/* The JSON object in json, or NULL with err.  Caller frees with
 * secretjson_free(). */
cJSON *secretjson_parse(const char *json, size_t len, struct xr_err *err);
/* A string member: 0 with *out (NULL when absent, null or empty), -1 with
 * err when it is not a string. */
int secretjson_string(const cJSON *o, const char *name, const char **out, struct xr_err *err);
/* Wipes every string of root and frees it. */
void secretjson_free(cJSON *root);

#endif
