#include "config.h"

#include "aws/credsjob.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/retry.h"
#include "util/i18n.h"
#include "util/secret.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

const char *
creds_provider_name(enum creds_provider p)
{
	switch (p) {
	case CREDS_ENV: return _("environment");
	case CREDS_ASSUME_ROLE: return _("assume role");
	case CREDS_WEB_IDENTITY: return _("web identity");
	case CREDS_SSO: return "IAM Identity Center (SSO)";
	case CREDS_SHARED_FILE: return _("shared credentials file");
	case CREDS_PROCESS: return "credential_process";
	case CREDS_CONFIG_FILE: return _("config file");
	case CREDS_CONTAINER: return _("container endpoint");
	case CREDS_IMDS: return _("EC2 instance metadata");
	case CREDS_PROVIDERS: break;
	}
	return "?";
}

void
creds_clear(struct aws_creds *c)
{
	free(c->access_key_id);
	secret_free(c->secret_access_key);
	secret_free(c->session_token);
	memset(c, 0, sizeof *c);
	c->expiration = NAN;
}

long
creds_unprintable(const char *s, bool space_ok)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		if (*p > 0x7e || *p < (space_ok ? 0x20 : 0x21))
			return (long)(p - (const unsigned char *)s);
	return -1;
}

void
creds_set(struct aws_creds *out, enum creds_provider p, const char *akid, const char *secret,
          const char *token, double expiration)
{
	creds_clear(out);
	out->provider = p;
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = secret_strdup(secret);
	out->session_token = token && *token ? secret_strdup(token) : NULL;
	out->expiration = expiration;
}

enum creds_status
creds_say(struct xr_err *why, enum creds_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	why->status = XR_EAUTH;
	vsnprintf(why->msg, sizeof why->msg, fmt, ap);
	va_end(ap);
	return st;
}

/* ---- what a provider's step asks of its job ---- */

enum creds_status
creds_job_submit(struct creds_job *j, const struct http_request *req)
{
	return j->ops->submit(j, req);
}

enum creds_status
creds_job_sleep(struct creds_job *j, double seconds)
{
	j->wait = CREDS_JOB_SLEEP;
	j->wake_at = timefmt_monotonic() + seconds;
	return CREDS_PENDING;
}

double
creds_job_backoff(int attempt)
{
	return retry_backoff(attempt, (double)rand() / ((double)RAND_MAX + 1));
}

enum creds_status
creds_job_child(struct creds_job *j, const struct awsconfig *cfg, const enum creds_provider *order,
                size_t n)
{
	return j->ops->child(j, cfg, order, n);
}

void
creds_job_end_child(struct creds_job *j)
{
	j->ops->end_child(j);
}

enum creds_status
creds_job_status(const struct creds_job *j)
{
	return j->st;
}
