/* libFuzzer target for what the AWS side reads: the first byte picks the
 * parser (the config/credentials INI files, credential JSON as
 * credential_process, the container endpoint and IMDS give it, an IAM
 * Identity Center token cache, CreateToken and GetRoleCredentials replies
 * and error bodies, STS AssumeRole and AssumeRoleWithWebIdentity XML), the
 * rest is the input.  Nothing may crash, leak or overrun. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "aws/decode_creds.h"
#include "aws/decode_sso.h"
#include "aws/ini.h"
#include "aws/sts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	switch (data[0] % 7) {
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
	default:
		sts_parse("AssumeRoleWithWebIdentity", text, len, &creds, code, sizeof code, &err);
		decode_creds_free(&creds);
		break;
	}
	return 0;
}
