/* libFuzzer target for what the AWS side reads: the first byte picks the
 * parser (the config/credentials INI files, credential JSON as
 * credential_process, the container endpoint and IMDS give it, an IAM
 * Identity Center token cache, CreateToken and GetRoleCredentials replies
 * and error bodies, STS AssumeRole and AssumeRoleWithWebIdentity XML, the
 * shared configuration as awsconfig reads it: "CONFIG\0CREDENTIALS\0PROFILE"
 * written to two files, then the profile, region, endpoints, IMDS
 * settings, source profile and sso-session looked up; the endpoint
 * checks: "REGION\0URL"), the rest is the input.  Nothing may crash, leak
 * or overrun. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/awsconfig.h"
#include "aws/decode_creds.h"
#include "aws/decode_sso.h"
#include "aws/imds.h"
#include "aws/ini.h"
#include "aws/sts.h"
#include "util/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], config_path[96], credentials_path[96];
static const char *profile_env;

static void
remove_files(void)
{
	unlink(config_path);
	unlink(credentials_path);
	rmdir(dir);
}

static const char *
fake_getenv(const char *name)
{
	if (strcmp(name, "AWS_CONFIG_FILE") == 0)
		return config_path;
	if (strcmp(name, "AWS_SHARED_CREDENTIALS_FILE") == 0)
		return credentials_path;
	if (strcmp(name, "AWS_PROFILE") == 0)
		return profile_env;
	return NULL;
}

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(text, 1, len, f);
	fclose(f);
}

/* The next NUL-terminated part of text (the rest when there is no NUL). */
static char *
next_part(const char **text, size_t *len)
{
	const char *nul = memchr(*text, 0, *len);
	size_t n = nul ? (size_t)(nul - *text) : *len;
	char *part = xstrndup(*text, n);
	*text += nul ? n + 1 : n;
	*len -= nul ? n + 1 : n;
	return part;
}

static void
endpoint(const struct awsconfig *c, const char *service, const char *prefix, const char *region)
{
	char *url = NULL, source[128];
	struct xr_err err = {0};
	if (awsconfig_service_endpoint(c, service, &url, source, sizeof source, &err) == 0 && url) {
		struct aws_endpoint e = {0};
		awsconfig_service_url(prefix, region, url, service, false, &e, &err);
		awsconfig_endpoint_free(&e);
	}
	free(url);
}

static void
config(const char *text, size_t len)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/fuzz_aws-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(config_path, sizeof config_path, "%s/config", dir);
		snprintf(credentials_path, sizeof credentials_path, "%s/credentials", dir);
		atexit(remove_files);
	}
	char *cfg = next_part(&text, &len), *cred = next_part(&text, &len);
	char *profile = next_part(&text, &len);
	write_file(config_path, cfg, strlen(cfg));
	write_file(credentials_path, cred, strlen(cred));
	profile_env = *profile ? profile : NULL;
	struct awsconfig c;
	struct xr_err err = {0};
	if (awsconfig_load(&c, NULL, fake_getenv, &err) == 0) {
		const char *src;
		char *region = awsconfig_region(&c, NULL, &src, &err);
		c.region = region;
		endpoint(&c, "xray", "xray", region ? region : "us-east-1");
		endpoint(&c, "sts", "sts", region ? region : "us-east-1");
		awsconfig_true(awsconfig_get(&c, "use_fips_endpoint"));
		struct imds_settings imds;
		if (imds_settings(&c, &imds, &err) == 0 && imds.eplen > strlen(imds.ep))
			abort(); /* the endpoint's length past its end */
		const char *session = awsconfig_config_get(&c, "sso_session");
		if (session && awsconfig_has_section(&c, "sso-session", session))
			awsconfig_section_get(&c, "sso-session", session, "sso_region");
		const char *source = awsconfig_get(&c, "source_profile");
		if (source && awsconfig_has_profile(&c, source)) {
			struct awsconfig view;
			awsconfig_with_profile(&c, source, &view);
			awsconfig_get(&view, "aws_access_key_id");
			endpoint(&view, "sts", "sts", region ? region : "us-east-1");
		}
		free(region);
	}
	awsconfig_free(&c);
	profile_env = NULL;
	free(cfg);
	free(cred);
	free(profile);
}

static void
urls(const char *text, size_t len)
{
	char *region = next_part(&text, &len), *url = next_part(&text, &len);
	struct aws_endpoint e = {0};
	struct xr_err err = {0};
	/* callers always have a region (awsconfig_region() or a default) */
	awsconfig_endpoint(region, *url ? url : NULL, len & 1, &e, &err);
	awsconfig_endpoint_free(&e);
	bool https;
	char *host = NULL, *path = NULL;
	int port;
	if (awsconfig_url_split(url, &https, &host, &port, &path, &err) == 0)
		awsconfig_is_loopback(host);
	free(host);
	free(path);
	free(region);
	free(url);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	struct xr_err err;
	struct decoded_creds creds = {0};
	struct sso_token tok = {0};
	char code[128], msg[512];
	switch (data[0] % 9) {
	case 0: {
		struct ini *ini = ini_parse("fuzz", text, len, &err);
		for (size_t i = 0; ini && i < ini_section_count(ini); i++) {
			const char *name = ini_section_name(ini, i);
			ini_get(ini, name, "region");
			ini_has_section(ini, name);
		}
		ini_free(ini);
		break;
	}
	case 1:
		decode_creds(text, len, &creds, &err);
		decode_creds_free(&creds);
		break;
	case 2:
		decode_sso_token(text, len, &tok, &err);
		decode_sso_token_free(&tok);
		break;
	case 3:
		decode_sso_create_token(text, len, 1.8e9, &tok, &err);
		decode_sso_token_free(&tok);
		break;
	case 4:
		decode_sso_role_credentials(text, len, &creds, &err);
		decode_creds_free(&creds);
		decode_sso_error(text, len, code, sizeof code, msg, sizeof msg);
		break;
	case 5:
		sts_parse("AssumeRole", text, len, &creds, code, sizeof code, &err);
		decode_creds_free(&creds);
		break;
	case 6:
		sts_parse("AssumeRoleWithWebIdentity", text, len, &creds, code, sizeof code, &err);
		decode_creds_free(&creds);
		break;
	case 7: config(text, len); break;
	default: urls(text, len); break;
	}
	return 0;
}
