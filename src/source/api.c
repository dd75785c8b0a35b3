#include "config.h"

#include "source/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/imds.h"
#include "aws/retry.h"
#include "util/dlog.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

/* AWS_MAX_ATTEMPTS, else the profile's max_attempts: 1 to 100, or -1 with err. */
static int
max_attempts(const struct awsconfig *cfg, struct xr_err *err)
{
	const char *v = awsconfig_env(cfg, "AWS_MAX_ATTEMPTS");
	bool env = v != NULL;
	if (!v)
		v = awsconfig_get(cfg, "max_attempts");
	if (!v)
		return RETRY_DEFAULT_MAX_ATTEMPTS;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end || errno || n < 1 || n > 100) {
		if (env)
			return xr_err_set(
			    err, XR_EUSAGE,
			    _("AWS_MAX_ATTEMPTS: '%.40s' is not a whole number from 1 to 100"), v);
		return xr_err_set(
		    err, XR_EUSAGE,
		    _("max_attempts of profile '%s' in %s: '%.40s' is not a whole number "
		      "from 1 to 100"),
		    cfg->profile, cfg->config_path, v);
	}
	return (int)n;
}

struct api *
api_open(const struct api_settings *s, struct xr_store *store, struct xr_warnings *warnings,
         struct xr_err *err)
{
	struct api *a = xcalloc(1, sizeof *a);
	if (awsconfig_load(&a->cfg, s->profile, s->getenv, err) < 0)
		goto fail;
	if (!(a->region = awsconfig_region(&a->cfg, s->region, &a->region_source, err))) {
		if (a->region_source)
			goto fail; /* named, but not a region */
		/* Nothing names one: the instance's, on EC2 (as the AWS CLI v2). */
		struct xr_err none = *err, ie = {0};
		const char *where;
		if (!(a->region = imds_region(&a->cfg, &where, &ie))) {
			xr_err_set(err, XR_EUSAGE, "%s; %s", none.msg, ie.msg);
			goto fail;
		}
		xr_err_clear(err);
		snprintf(a->region_where, sizeof a->region_where,
		         _("the EC2 instance metadata service at %s"), where);
		a->region_source = a->region_where;
	}
	a->cfg.region = a->region;
	const char *fips = awsconfig_setting(&a->cfg, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint");
	char *configured = NULL, where[700] = "--endpoint-url";
	if (!s->endpoint_url &&
	    awsconfig_service_endpoint(&a->cfg, "xray", &configured, where, sizeof where, err) < 0)
		goto fail;
	int rc =
	    awsconfig_service_url("xray", a->region, s->endpoint_url ? s->endpoint_url : configured,
	                          where, awsconfig_true(fips), &a->endpoint, err);
	free(configured);
	if (rc < 0)
		goto fail;
	dlog("region %s (from %s), endpoint %s, profile %s", a->region, a->region_source,
	     a->endpoint.url, a->cfg.profile);
	int attempts = max_attempts(&a->cfg, err);
	if (attempts < 0)
		goto fail;
	int concurrency = s->concurrency > 0 ? s->concurrency : FETCH_DEFAULT_CONCURRENCY;
	a->http = http_new(concurrency);
	const char *app_id = awsconfig_setting(&a->cfg, "AWS_SDK_UA_APP_ID", "sdk_ua_app_id");
	if (http_set_app_id(a->http, app_id) < 0) {
		xr_err_set(err, XR_EUSAGE,
		           _("AWS_SDK_UA_APP_ID / sdk_ua_app_id: at most %d letters, digits and "
		             "!#$%%&'*+-.^_`|~, no spaces"),
		           HTTP_MAX_APP_ID);
		goto fail;
	}
	/* Resolved in the loop; what needs no network is known at once. */
	a->creds = creds_start(&a->cfg, a->http);
	if (creds_failure(a->creds)) {
		*err = *creds_failure(a->creds);
		goto fail;
	}
	struct fetch_opts fo = {
	    .http = a->http,
	    .creds = a->creds,
	    .endpoint = a->endpoint.url,
	    .region = a->region,
	    .direct = a->endpoint.loopback,
	    .ca_file = awsconfig_setting(&a->cfg, "AWS_CA_BUNDLE", "ca_bundle"),
	    .concurrency = concurrency,
	    .retry_budget = s->retry_budget,
	    .max_attempts = attempts,
	};
	a->fetch = fetch_new(&fo, store, warnings);
	return a;
fail:
	api_close(a);
	return NULL;
}

void
api_close(struct api *a)
{
	if (!a)
		return;
	fetch_free(a->fetch);
	creds_free(a->creds);
	http_free(a->http);
	awsconfig_endpoint_free(&a->endpoint);
	free(a->region);
	awsconfig_free(&a->cfg);
	free(a);
}

double
api_tick(void *api)
{
	struct api *a = api;
	double c = creds_tick(a->creds);
	double f = fetch_tick(a->fetch);
	return c < f ? c : f;
}

const struct xr_err *
api_creds_failure(const struct api *a)
{
	return creds_failure(a->creds);
}

void
api_explain(const struct api *a, const char *reason, enum http_failure failure, struct buf *out)
{
	const struct aws_creds *c = creds_current(a->creds);
	/* The error codes and messages matched here are the service's (always
	 * English); transport failures come as a code, not as words. */
	if (strstr(reason, "ExpiredToken") && c->interactive)
		buf_printf(out,
		           _("the credentials from %s needed an MFA code and have expired: start "
		             "xrtop again to enter a new one"),
		           c->source);
	else if (strstr(reason, "ExpiredToken"))
		buf_printf(out,
		           _("the credentials from %s have expired: get new ones (for example "
		             "'aws sso login', or a new AWS_SESSION_TOKEN)"),
		           c->source);
	else if (strstr(reason, "scoped to a valid region") || strstr(reason, "scoped to correct"))
		buf_printf(out,
		           _("xrtop signed for region %s (from %s): is the endpoint in another "
		             "region?"),
		           a->region, a->region_source);
	else if (strstr(reason, "UnrecognizedClient") || strstr(reason, "InvalidClientTokenId"))
		buf_printf(out, _("AWS does not know the access key from %s"), c->source);
	else if (strstr(reason, "InvalidSignature") || strstr(reason, "SignatureDoesNotMatch"))
		buf_printf(out, _("check the secret access key from %s"), c->source);
	else if (strstr(reason, "AccessDenied"))
		buf_printf(out,
		           _("the credentials from %s lack X-Ray read permission "
		             "(e.g. the AWSXrayReadOnlyAccess policy)"),
		           c->source);
	else if (strstr(reason, "RequestExpired") || strstr(reason, "Signature expired"))
		buf_printf(out, _("this machine's clock is off by more than 5 minutes"));
	else if (failure == HTTP_FAIL_RESOLVE)
		buf_printf(out, _("is the %s right? (endpoint %s)"),
		           strstr(a->endpoint.url, ".amazonaws.com") ? _("region")
		                                                     : "--endpoint-url",
		           a->endpoint.url);
	else if (failure == HTTP_FAIL_CONNECT)
		buf_printf(out, _("nothing answers at %s"), a->endpoint.url);
}
