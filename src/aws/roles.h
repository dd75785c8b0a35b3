/* roles: the credential providers that go through AWS STS (aws/sts.h).
 *
 * Assume role: a profile with role_arn (and no web_identity_token_file)
 * gets its source credentials from source_profile (whose own chain runs
 * as the CLI's does: another role, web identity, SSO, the files or
 * credential_process; chains of any length; a cycle is refused naming it)
 * or from credential_source (Environment, Ec2InstanceMetadata,
 * EcsContainer), then calls AssumeRole signed with them, with
 * role_session_name, external_id, duration_seconds and mfa_serial (the
 * code is asked for on /dev/tty before any call, so before the screens
 * start; without a terminal that is refused; a refresh cannot ask, so
 * such credentials are not refreshed).
 *
 * Web identity: AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN and
 * AWS_ROLE_SESSION_NAME (not with --profile), else the profile's
 * web_identity_token_file, role_arn and role_session_name; the token file
 * is read again at every refresh (EKS rotates it) and sent, unsigned, to
 * AssumeRoleWithWebIdentity.
 *
 * STS is called in the profile's region (cfg->region) at
 * https://sts.REGION.amazonaws.com unless an endpoint is configured for
 * "sts" (awsconfig_service_endpoint()).  Every call goes through the
 * job's HTTP client and its retries wait on the job's deadline, so a
 * renewal never holds the event loop. */
#ifndef XRTOP_AWS_ROLES_H
#define XRTOP_AWS_ROLES_H

#include <stddef.h>

#include "aws/credsjob.h"
#include "util/err.h"

/* Longest chain of source profiles followed. */
#define ROLES_MAX_CHAIN 64

/* The assume-role provider's step for job j (aws/credsjob.h): the plan
 * and the MFA codes first, without a call, then the source credentials
 * (a child job), then AssumeRole down the chain. */
enum creds_status roles_step_assume(struct creds_job *j);
/* The web-identity provider's step for job j. */
enum creds_status roles_step_web_identity(struct creds_job *j);
/* Asks for the MFA code of serial on the terminal, echo off.  Returns 0
 * with the digits in code, or -1 with err (no terminal, not 6 digits). */
int roles_mfa_prompt(const char *serial, const char *profile, char *code, size_t size,
                     struct xr_err *err);

#endif
