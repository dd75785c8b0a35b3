/* creds: AWS credentials, found the way the AWS CLI finds them.
 *
 * The providers, in the CLI's (botocore's) order: environment variables;
 * assume role (role_arn with source_profile or credential_source, in
 * aws/roles.c); web identity (aws/roles.c); IAM Identity Center (aws/sso.c);
 * the shared credentials file; the profile's credential_process (run
 * without a shell); the config file's keys; the container endpoint (ECS,
 * EKS, CloudShell); the EC2 instance metadata service (IMDSv2).  A provider
 * that is not configured is skipped and says why; one that is configured
 * but fails stops the search (as in the CLI).  When nothing yields
 * credentials the error lists every provider and why it had none.
 *
 * The chain is walked by a job (aws/credsjob.h) whose requests (the
 * metadata endpoints, STS, the SSO portal and OIDC) go through the loop's
 * HTTP client, whose retries wait on deadlines creds_tick() reports and
 * whose credential_process is watched from creds_tick(), so nothing blocks
 * the event loop; only an MFA code is asked for on the terminal, before
 * any call (at start, before the screens).  struct creds holds the
 * credentials in use and refreshes temporary ones before they expire the
 * same way, so fetching never stops.  creds_try() and creds_resolve() run
 * the same jobs to their end on a private client, for tests and tools.
 * Secrets live in secret memory and never appear in a message. */
#ifndef XRTOP_AWS_CREDS_H
#define XRTOP_AWS_CREDS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "aws/awsconfig.h"
#include "aws/credsjob.h"
#include "aws/http.h"
#include "util/err.h"

/* Seconds before expiry at which credentials that needed an MFA code stop
 * being used (a request signed later could reach AWS after they expired). */
#define CREDS_INTERACTIVE_MARGIN 5.0
/* Seconds before expiry at which temporary credentials are refreshed. */
#define CREDS_REFRESH_AHEAD 300.0
/* Longest a credential_process may run, and its output cap. */
#define CREDS_PROCESS_TIMEOUT 30.0
#define CREDS_PROCESS_MAX_OUTPUT (64u << 10)

/* Tries one provider: CREDS_FOUND fills out; otherwise why says why not
 * (ABSENT: not configured; FAILED: configured but did not work). */
enum creds_status creds_try(const struct awsconfig *cfg, enum creds_provider p,
                            struct aws_creds *out, const atomic_bool *cancel, struct xr_err *why);
/* Walks the chain.  On failure err names the provider that failed, or
 * lists every provider tried and why it had nothing. */
int creds_resolve(const struct awsconfig *cfg, struct aws_creds *out, struct xr_err *err);
/* Splits a command line like Python's shlex.split() (POSIX rules, no
 * shell).  Returns a NULL-terminated vector, or NULL with err.  Caller
 * frees with creds_argv_free(). */
char **creds_split_command(const char *cmd, struct xr_err *err);
void creds_argv_free(char **argv);

/* The credentials in use, refreshed in the background. */
struct creds;

/* Resolves the chain (blocking: metadata calls have ~1 s timeouts), for
 * tests and tools.  cfg must outlive the result.  Caller frees. */
struct creds *creds_new(const struct awsconfig *cfg, struct xr_err *err);
/* Starts resolving the chain without blocking: the metadata endpoints'
 * requests go through h (the client the event loop polls), a
 * credential_process is watched by creds_tick(); refreshes use h too.
 * See creds_ready() and creds_failure().  Caller frees. */
struct creds *creds_start(const struct awsconfig *cfg, struct http *h);
/* True once there are credentials to sign with. */
bool creds_ready(const struct creds *c);
/* Why creds_start() found no credentials (XR_EAUTH; the message may span
 * several lines), or why the credentials in use can no longer be used
 * (they needed an MFA code and expire within CREDS_INTERACTIVE_MARGIN
 * seconds: the message says to start xrtop again), or NULL. */
const struct xr_err *creds_failure(const struct creds *c);
/* For tests: holds c as given (takes ownership of its strings). */
struct creds *creds_new_static(const struct awsconfig *cfg, struct aws_creds *c);
void creds_free(struct creds *c);
/* The credentials to sign with now; valid until the next creds_tick(). */
const struct aws_creds *creds_current(const struct creds *c);
/* Grows each time the credentials change. */
unsigned creds_generation(const struct creds *c);
/* Advances the resolution, starts a refresh when expiry is near and
 * installs a finished one.  Returns the seconds until it wants to be
 * called again (INFINITY: only after a reply or never). */
double creds_tick(struct creds *c);
/* Asks for a refresh now (after ExpiredTokenException) if the credentials
 * of `generation` are still current and can be refreshed.  True when new
 * credentials are on their way. */
bool creds_refresh_now(struct creds *c, unsigned generation);
/* True while a refresh (or the first resolution) runs. */
bool creds_refreshing(const struct creds *c);
/* The last refresh failure, or NULL. */
const char *creds_refresh_error(const struct creds *c);
/* True when the credentials come from a provider that can renew them. */
bool creds_refreshable(const struct creds *c);

#endif
