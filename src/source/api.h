/* api: the X-Ray API source, from settings to a running fetch engine:
 * the profile and its files, the region, the endpoint (with its security
 * rules), the credentials (resolved and refreshed inside the loop,
 * aws/creds.h), the HTTP client and the engine (source/fetch.h).  It also
 * explains fatal errors in terms of where the region and credentials came
 * from.  Never prints. */
#ifndef XRTOP_SOURCE_API_H
#define XRTOP_SOURCE_API_H

#include "aws/awsconfig.h"
#include "aws/creds.h"
#include "aws/http.h"
#include "model/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/warn.h"
#include "source/fetch.h"

struct api_settings {
	const char *region;         /* --region, or NULL */
	const char *profile;        /* --profile, or NULL */
	const char *endpoint_url;   /* --endpoint-url, or NULL */
	double retry_budget;        /* seconds; 0 = default */
	int concurrency;            /* 0 = default */
	awsconfig_getenv_fn getenv; /* NULL: the process environment */
};

struct api {
	struct awsconfig cfg;
	char *region;
	const char *region_source;
	char region_where[450]; /* region_source when the region came from IMDS */
	struct aws_endpoint endpoint;
	struct creds *creds;
	struct http *http;
	struct fetch *fetch;
};

/* Sets everything up.  Usage problems (profile, region, endpoint) fail
 * with XR_EUSAGE, credential problems found without the network with
 * XR_EAUTH; the others come later (api_creds_failure()).  Caller closes. */
struct api *api_open(const struct api_settings *s, struct xr_store *store,
                     struct xr_warnings *warnings, struct xr_err *err);
void api_close(struct api *a);
/* The loop tick: credential resolution and refresh, and the engine. */
double api_tick(void *api);
/* Why no credentials could be found (after api_open()), or NULL. */
const struct xr_err *api_creds_failure(const struct api *a);
/* Appends a hint for a fatal error (expired credentials, wrong region,
 * unknown host, ...), or nothing: reason is fetch_aborted()'s text (the
 * service's error code and message), failure fetch_abort_failure()'s. */
void api_explain(const struct api *a, const char *reason, enum http_failure failure,
                 struct buf *out);

#endif
