#include "config.h"

#include "aws/secretjson.h"

#include <string.h>

#include "util/i18n.h"
#include "util/jsonpos.h"
#include "util/secret.h"

static void
wipe_tree(cJSON *item)
{
	for (; item; item = item->next) {
		secret_wipe_str(item->valuestring);
		wipe_tree(item->child);
	}
}

void
secretjson_free(cJSON *root)
{
	wipe_tree(root);
	cJSON_Delete(root);
}

/* The offset of the first \u0000 escape in JSON text, or -1. */
static long
escaped_nul(const char *json, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (json[i] != '\\')
			continue;
		if (json[i + 1] == 'u' && i + 6 <= len && memcmp(json + i + 2, "0000", 4) == 0)
			return (long)i;
		i++;
	}
	return -1;
}

cJSON *
secretjson_parse(const char *json, size_t len, struct xr_err *err)
{
	long nul = escaped_nul(json, len);
	if (nul >= 0) {
		xr_err_set(err, XR_EINPUT, _("a string holds \\u0000 (NUL) at byte %ld: refused"),
		           nul + 1);
		return NULL;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!root) {
		jsonpos_error(json, len, end && end >= json ? (size_t)(end - json) : len, err);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		xr_err_set(err, XR_EINPUT, _("expected a JSON object"));
		secretjson_free(root);
		return NULL;
	}
	return root;
}

int
secretjson_string(const cJSON *o, const char *name, const char **out, struct xr_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return xr_err_set(err, XR_EINPUT, _("\"%s\" is not a string"), name);
	*out = v->valuestring[0] ? v->valuestring : NULL;
	return 0;
}
