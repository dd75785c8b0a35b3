/* sso: the IAM Identity Center (SSO) credential provider, as the AWS CLI
 * v2 does it.  A profile with sso_account_id and sso_role_name names its
 * sign-in either through sso_session (a [sso-session NAME] section with
 * sso_start_url and sso_region) or, in the legacy form, with sso_start_url
 * and sso_region of its own.  The access token comes from the CLI's cache,
 * ~/.aws/sso/cache/SHA1.json, SHA1 being the hex SHA-1 (libcrypto's) of the session name
 * (or of the start URL in the legacy form), as botocore names it; in the
 * sso_session form a token within 15 minutes of expiry is renewed with
 * its refresh token (SSO OIDC CreateToken) and the cache file rewritten.
 * The portal's GetRoleCredentials then gives the role's credentials.
 * Without a valid token the message names the `aws sso login` command to
 * run.  Endpoints: https://oidc.REGION.amazonaws.com and
 * https://portal.sso.REGION.amazonaws.com of the sso_region, or those
 * configured for "sso_oidc" and "sso" (awsconfig_service_endpoint()). */
#ifndef XRTOP_AWS_SSO_H
#define XRTOP_AWS_SSO_H

#include "aws/awsconfig.h"
#include "aws/credsjob.h"
#include "util/err.h"

/* Renew a cached token this many seconds before it expires (botocore's). */
#define SSO_REFRESH_WINDOW 900.0
#define SSO_MAX_ATTEMPTS 3

/* The provider's step for job j (aws/credsjob.h); its OIDC and portal
 * calls go through the job's client and their retries wait on the job's
 * deadline, never holding the event loop. */
enum creds_status sso_step(struct creds_job *j);
/* The token cache file for a session name, or (session NULL) a legacy
 * start URL, under HOME.  Caller frees. */
char *sso_cache_path(const struct awsconfig *cfg, const char *session, const char *start_url);

#endif
