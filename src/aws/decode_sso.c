#include "config.h"

#include "aws/decode_sso.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/secretjson.h"
#include "util/secret.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

#define FIELD(obj, name) cJSON_GetObjectItemCaseSensitive((obj), (name))

/* The CLI has written "...Z" and, in old versions, "...UTC". */
static int
parse_time(const char *s, double *out, struct xr_err *err)
{
	char t[64];
	snprintf(t, sizeof t, "%s", s);
	size_t n = strlen(t);
	if (n > 3 && strcmp(t + n - 3, "UTC") == 0)
		strcpy(t + n - 3, "Z");
	return timefmt_parse_time(t, out, err);
}

void
decode_sso_token_free(struct sso_token *t)
{
	secret_free(t->access_token);
	secret_free(t->refresh_token);
	free(t->client_id);
	secret_free(t->client_secret);
	free(t->registration_expires_at);
	free(t->region);
	free(t->start_url);
	memset(t, 0, sizeof *t);
}

int
decode_sso_token(const char *json, size_t len, struct sso_token *out, struct xr_err *err)
{
	memset(out, 0, sizeof *out);
	cJSON *root = secretjson_parse(json, len, err);
	if (!root)
		return -1;
	int rc = -1;
	const char *access, *expires, *refresh, *cid, *csecret, *reg, *region, *url;
	if (secretjson_string(root, "accessToken", &access, err) < 0 ||
	    secretjson_string(root, "expiresAt", &expires, err) < 0 ||
	    secretjson_string(root, "refreshToken", &refresh, err) < 0 ||
	    secretjson_string(root, "clientId", &cid, err) < 0 ||
	    secretjson_string(root, "clientSecret", &csecret, err) < 0 ||
	    secretjson_string(root, "registrationExpiresAt", &reg, err) < 0 ||
	    secretjson_string(root, "region", &region, err) < 0 ||
	    secretjson_string(root, "startUrl", &url, err) < 0)
		goto out;
	if (!access || !expires) {
		xr_err_set(err, XR_EINPUT, _("no %s in it"), access ? "expiresAt" : "accessToken");
		goto out;
	}
	if (parse_time(expires, &out->expires_at, err) < 0) {
		xr_err_prefix(err, "\"expiresAt\"");
		goto out;
	}
	out->access_token = secret_strdup(access);
	out->refresh_token = refresh ? secret_strdup(refresh) : NULL;
	out->client_id = cid ? xstrdup(cid) : NULL;
	out->client_secret = csecret ? secret_strdup(csecret) : NULL;
	out->registration_expires_at = reg ? xstrdup(reg) : NULL;
	out->region = region ? xstrdup(region) : NULL;
	out->start_url = url ? xstrdup(url) : NULL;
	rc = 0;
out:
	secretjson_free(root);
	if (rc < 0)
		decode_sso_token_free(out);
	return rc;
}

int
decode_sso_create_token(const char *json, size_t len, double now, struct sso_token *tok,
                        struct xr_err *err)
{
	cJSON *root = secretjson_parse(json, len, err);
	if (!root)
		return -1;
	int rc = -1;
	const char *access, *refresh;
	const cJSON *in = FIELD(root, "expiresIn");
	if (secretjson_string(root, "accessToken", &access, err) < 0 ||
	    secretjson_string(root, "refreshToken", &refresh, err) < 0)
		goto out;
	if (!access || !cJSON_IsNumber(in) || !(in->valuedouble > 0)) {
		xr_err_set(err, XR_EINPUT, _("no %s in the CreateToken reply"),
		           access ? _("positive expiresIn") : "accessToken");
		goto out;
	}
	secret_free(tok->access_token);
	tok->access_token = secret_strdup(access);
	tok->expires_at = now + in->valuedouble;
	if (refresh) {
		secret_free(tok->refresh_token);
		tok->refresh_token = secret_strdup(refresh);
	}
	rc = 0;
out:
	secretjson_free(root);
	return rc;
}

int
decode_sso_role_credentials(const char *json, size_t len, struct decoded_creds *out,
                            struct xr_err *err)
{
	memset(out, 0, sizeof *out);
	out->expiration = NAN;
	out->version = -1;
	cJSON *root = secretjson_parse(json, len, err);
	if (!root)
		return -1;
	int rc = -1;
	const cJSON *rcred = FIELD(root, "roleCredentials");
	const char *akid, *secret, *token;
	const cJSON *exp = rcred ? FIELD(rcred, "expiration") : NULL;
	if (!cJSON_IsObject(rcred)) {
		xr_err_set(err, XR_EINPUT, _("no \"roleCredentials\" object"));
		goto out;
	}
	if (secretjson_string(rcred, "accessKeyId", &akid, err) < 0 ||
	    secretjson_string(rcred, "secretAccessKey", &secret, err) < 0 ||
	    secretjson_string(rcred, "sessionToken", &token, err) < 0)
		goto out;
	if (!akid || !secret || !token || !cJSON_IsNumber(exp)) {
		xr_err_set(err, XR_EINPUT, _("no roleCredentials.%s"),
		           !akid     ? "accessKeyId"
		           : !secret ? "secretAccessKey"
		           : !token  ? "sessionToken"
		                     : "expiration (a number)");
		goto out;
	}
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = secret_strdup(secret);
	out->session_token = secret_strdup(token);
	out->expiration = exp->valuedouble / 1000.0;
	rc = 0;
out:
	secretjson_free(root);
	if (rc < 0)
		decode_creds_free(out);
	return rc;
}

static void
printable(char *out, size_t size, const char *s)
{
	size_t n = 0;
	for (; s && *s && n + 1 < size; s++)
		out[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	out[n] = '\0';
}

void
decode_sso_error(const char *json, size_t len, char *code, size_t code_size, char *msg,
                 size_t msg_size)
{
	code[0] = msg[0] = '\0';
	struct xr_err e = {0};
	cJSON *root = secretjson_parse(json, len, &e);
	if (!root)
		return;
	const char *c = NULL, *m = NULL;
	if (secretjson_string(root, "error", &c, &e) < 0 || !c)
		c = NULL;
	if (!c && (secretjson_string(root, "__type", &c, &e) < 0 || !c))
		c = NULL;
	if (secretjson_string(root, "message", &m, &e) < 0 || !m)
		if (secretjson_string(root, "Message", &m, &e) < 0 || !m)
			if (secretjson_string(root, "error_description", &m, &e) < 0)
				m = NULL;
	if (c) {
		const char *hash = strrchr(c, '#');
		printable(code, code_size, hash ? hash + 1 : c);
	}
	printable(msg, msg_size, m);
	secretjson_free(root);
}
