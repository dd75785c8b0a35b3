/* roles: the credential providers that go through AWS STS (aws/sts.h).
 *
 * Assume role: a profile with role_arn (and no web_identity_token_file)
 * gets its source credentials from source_profile (whose own chain runs
 * as the CLI's does: another role, web identity, SSO, the files or
 * credential_process; chains of any length; a cycle is refused naming it)
 * or from credential_source (Environment, Ec2InstanceMetadata,
 * EcsContainer), then calls AssumeRole signed with them, with
 * role_session_name, external_id, duration_seconds and mfa_serial (the
 * code is asked for on /dev/tty; without a terminal that is refused).
 *
 * Web identity: AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN and
 * AWS_ROLE_SESSION_NAME (not with --profile), else the profile's
 * web_identity_token_file, role_arn and role_session_name; the token file
 * is read again at every refresh (EKS rotates it) and sent, unsigned, to
 * AssumeRoleWithWebIdentity.
 *
 * STS is called in the profile's region (cfg->region) at
 * https://sts.REGION.amazonaws.com unless an endpoint is configured for
 * "sts" (awsconfig_service_endpoint()). */
#ifndef XRTOP_AWS_ROLES_H
#define XRTOP_AWS_ROLES_H

#include <stdatomic.h>

#include "aws/awsconfig.h"
#include "aws/creds.h"
#include "util/err.h"

/* Longest chain of source profiles followed. */
#define ROLES_MAX_CHAIN 64

/* The assume-role provider for cfg's profile (creds_try() contract). */
enum creds_status roles_assume(const struct awsconfig *cfg, struct aws_creds *out,
                               const atomic_bool *cancel, struct xr_err *why);
/* The web-identity provider for cfg's profile (creds_try() contract). */
enum creds_status roles_web_identity(const struct awsconfig *cfg, struct aws_creds *out,
                                     const atomic_bool *cancel, struct xr_err *why);
/* Asks for the MFA code of serial on the terminal, echo off.  Returns 0
 * with the digits in code, or -1 with err (no terminal, not 6 digits). */
int roles_mfa_prompt(const char *serial, const char *profile, char *code, size_t size,
                     struct xr_err *err);

#endif
