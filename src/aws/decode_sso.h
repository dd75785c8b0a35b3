/* decode_sso: the JSON of IAM Identity Center (SSO): the AWS CLI's token
 * cache file (~/.aws/sso/cache/HASH.json: accessToken, expiresAt,
 * refreshToken, clientId, clientSecret, registrationExpiresAt, region,
 * startUrl), the OIDC CreateToken reply (accessToken, expiresIn,
 * refreshToken), the portal's GetRoleCredentials reply (roleCredentials:
 * accessKeyId, secretAccessKey, sessionToken, expiration in milliseconds)
 * and the error bodies of both services: small documents, read with
 * cJSON.  Tokens and secrets go into secret memory and are wiped from
 * cJSON's copies; messages never quote them. */
#ifndef XRTOP_AWS_DECODE_SSO_H
#define XRTOP_AWS_DECODE_SSO_H

#include <stddef.h>

#include "util/err.h"
#include "aws/decode_creds.h"

struct sso_token {
	char *access_token;            /* secret memory */
	double expires_at;             /* epoch seconds */
	char *refresh_token;           /* secret memory; NULL when absent */
	char *client_id;               /* NULL when absent */
	char *client_secret;           /* secret memory; NULL when absent */
	char *registration_expires_at; /* as written; NULL when absent */
	char *region;                  /* NULL when absent */
	char *start_url;               /* NULL when absent */
};

/* Reads a token cache file.  accessToken and expiresAt are required. */
int decode_sso_token(const char *json, size_t len, struct sso_token *out, struct xr_err *err);
/* Reads a CreateToken reply into tok: a new access token, its expiry
 * (now + expiresIn) and, when given, a new refresh token. */
int decode_sso_create_token(const char *json, size_t len, double now, struct sso_token *tok,
                            struct xr_err *err);
/* Reads a GetRoleCredentials reply. */
int decode_sso_role_credentials(const char *json, size_t len, struct decoded_creds *out,
                                struct xr_err *err);
/* The message of an error body ({"message"}, {"error", "error_description"}),
 * control characters replaced; "" when none. */
void decode_sso_error(const char *json, size_t len, char *code, size_t code_size, char *msg,
                      size_t msg_size);
void decode_sso_token_free(struct sso_token *t);

#endif
