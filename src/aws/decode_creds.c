#include "config.h"

#include "aws/decode_creds.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonpos.h"
#include "util/secret.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

#define FIELD(obj, name) cJSON_GetObjectItemCaseSensitive((obj), (name))

/* Zeroes every string cJSON holds before it frees them. */
static void
wipe_tree(cJSON *item)
{
	for (; item; item = item->next) {
		secret_wipe_str(item->valuestring);
		wipe_tree(item->child);
	}
}

static int
get_string(const cJSON *root, const char *name, const char **out, struct xr_err *err)
{
	const cJSON *v = FIELD(root, name);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return xr_err_set(err, XR_EINPUT, _("\"%s\" is not a string"), name);
	*out = v->valuestring[0] ? v->valuestring : NULL;
	return 0;
}

/* The offset of the first \u0000 escape in JSON text, or -1: cJSON would
 * cut the string there, so a key or token would silently lose its tail. */
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

int
decode_creds(const char *json, size_t len, struct decoded_creds *out, struct xr_err *err)
{
	memset(out, 0, sizeof *out);
	out->expiration = NAN;
	out->version = -1;
	long nul = escaped_nul(json, len);
	if (nul >= 0) {
		return xr_err_set(err, XR_EINPUT,
		                  _("a string holds \\u0000 (NUL) at byte %ld: refused"), nul + 1);
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!root)
		return jsonpos_error(json, len, end && end >= json ? (size_t)(end - json) : len,
		                     err);
	int rc = -1;
	const char *akid, *secret, *token, *token2, *expiration, *code, *msg, *msg2;
	if (!cJSON_IsObject(root)) {
		xr_err_set(err, XR_EINPUT, _("expected a JSON object"));
		goto out;
	}
	const cJSON *version = FIELD(root, "Version");
	if (version && !cJSON_IsNumber(version)) {
		xr_err_set(err, XR_EINPUT, _("\"Version\" is not a number"));
		goto out;
	}
	if (get_string(root, "AccessKeyId", &akid, err) < 0 ||
	    get_string(root, "SecretAccessKey", &secret, err) < 0 ||
	    get_string(root, "SessionToken", &token, err) < 0 ||
	    get_string(root, "Token", &token2, err) < 0 ||
	    get_string(root, "Expiration", &expiration, err) < 0 ||
	    get_string(root, "Code", &code, err) < 0 ||
	    get_string(root, "Message", &msg, err) < 0 ||
	    get_string(root, "message", &msg2, err) < 0)
		goto out;
	out->version = version ? (int)version->valuedouble : -1;
	out->code = code ? xstrdup(code) : NULL;
	out->message = msg ? xstrdup(msg) : msg2 ? xstrdup(msg2) : NULL;
	if (!akid || !secret) {
		if (code && strcmp(code, "Success") != 0)
			xr_err_set(err, XR_EAUTH, _("the reply says %s%s%s"), code,
			           out->message ? ": " : "", out->message ? out->message : "");
		else
			xr_err_set(err, XR_EINPUT, _("no %s in the reply"),
			           akid ? "SecretAccessKey" : "AccessKeyId");
		goto out;
	}
	if (expiration && timefmt_parse_time(expiration, &out->expiration, err) < 0) {
		xr_err_prefix(err, "\"Expiration\"");
		goto out;
	}
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = secret_strdup(secret);
	out->session_token = secret_strdup(token ? token : token2);
	rc = 0;
out:
	wipe_tree(root);
	cJSON_Delete(root);
	if (rc < 0)
		decode_creds_free(out);
	return rc;
}

void
decode_creds_free(struct decoded_creds *c)
{
	free(c->access_key_id);
	secret_free(c->secret_access_key);
	secret_free(c->session_token);
	free(c->code);
	free(c->message);
	memset(c, 0, sizeof *c);
	c->expiration = NAN;
	c->version = -1;
}
