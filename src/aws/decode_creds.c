#include "config.h"

#include "aws/decode_creds.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws/secretjson.h"
#include "util/secret.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

#define FIELD(obj, name) cJSON_GetObjectItemCaseSensitive((obj), (name))

int
decode_creds(const char *json, size_t len, struct decoded_creds *out, struct xr_err *err)
{
	memset(out, 0, sizeof *out);
	out->expiration = NAN;
	out->version = -1;
	cJSON *root = secretjson_parse(json, len, err);
	if (!root)
		return -1;
	int rc = -1;
	const char *akid, *secret, *token, *token2, *expiration, *code, *msg, *msg2;
	const cJSON *version = FIELD(root, "Version");
	if (version && !cJSON_IsNumber(version)) {
		xr_err_set(err, XR_EINPUT, _("\"Version\" is not a number"));
		goto out;
	}
	if (secretjson_string(root, "AccessKeyId", &akid, err) < 0 ||
	    secretjson_string(root, "SecretAccessKey", &secret, err) < 0 ||
	    secretjson_string(root, "SessionToken", &token, err) < 0 ||
	    secretjson_string(root, "Token", &token2, err) < 0 ||
	    secretjson_string(root, "Expiration", &expiration, err) < 0 ||
	    secretjson_string(root, "Code", &code, err) < 0 ||
	    secretjson_string(root, "Message", &msg, err) < 0 ||
	    secretjson_string(root, "message", &msg2, err) < 0)
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
	secretjson_free(root);
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
