#include "config.h"

#include "aws/imds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/credsjob.h"
#include "aws/http.h"
#include "util/dlog.h"
#include "util/i18n.h"
#include "util/secret.h"
#include "util/xmalloc.h"

#define IMDS_MAX_BODY (64u << 10)

/* A positive number from setting env or key, else dflt. */
static double
seconds(const struct awsconfig *cfg, const char *env, const char *key, double dflt)
{
	const char *v = awsconfig_setting(cfg, env, key);
	char *end;
	double d = v ? strtod(v, &end) : dflt;
	return v && (end == v || *end || !(d > 0)) ? dflt : d;
}

int
imds_settings(const struct awsconfig *cfg, struct imds_settings *s, struct xr_err *err)
{
	memset(s, 0, sizeof *s);
	const char *disabled = awsconfig_env(cfg, "AWS_EC2_METADATA_DISABLED");
	s->disabled = disabled && strcasecmp(disabled, "true") == 0;
	const char *mode = awsconfig_setting(cfg, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
	                                     "ec2_metadata_service_endpoint_mode");
	if (mode && strcasecmp(mode, "IPv4") != 0 && strcasecmp(mode, "IPv6") != 0)
		return xr_err_set(err, XR_EUSAGE,
		                  _("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE or "
		                    "ec2_metadata_service_endpoint_mode '%.40s' is neither IPv4 "
		                    "nor IPv6"),
		                  mode);
	s->ep_from = awsconfig_env(cfg, "AWS_EC2_METADATA_SERVICE_ENDPOINT")
	                 ? "AWS_EC2_METADATA_SERVICE_ENDPOINT"
	                 : "ec2_metadata_service_endpoint";
	s->ep = awsconfig_setting(cfg, "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	                          "ec2_metadata_service_endpoint");
	if (s->ep) {
		bool https;
		char *host, *path;
		int port;
		struct xr_err e = {0};
		if (awsconfig_url_split(s->ep, &https, &host, &port, &path, &e) < 0)
			return xr_err_set(err, XR_EUSAGE, "%s: %s", s->ep_from, e.msg);
		free(host);
		free(path);
	} else {
		s->ep_from = NULL;
		s->ep = mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_IPV6_ENDPOINT
		                                              : IMDS_DEFAULT_ENDPOINT;
	}
	s->eplen = strlen(s->ep);
	while (s->eplen && s->ep[s->eplen - 1] == '/')
		s->eplen--;
	s->timeout = seconds(cfg, "AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout", 1);
	s->attempts = (int)seconds(cfg, "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
	                           "metadata_service_num_attempts", 1);
	if (s->attempts < 1)
		s->attempts = 1;
	s->v1_allowed = !awsconfig_true(
	    awsconfig_setting(cfg, "AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled"));
	return 0;
}

struct wait {
	bool done;
	struct http_response *out;
};

static void
on_done(void *ctx, struct http_response *r)
{
	struct wait *w = ctx;
	*w->out = *r;
	r->body = (struct buf)BUF_INIT;
	w->done = true;
}

/* One request on h to its end, with the settings' retries of a connection
 * that failed or timed out.  Free out with http_response_free(). */
static void
fetch(struct http *h, const struct imds_settings *s, const char *method, const char *path,
      const char *header, struct http_response *out)
{
	char *url = xasprintf("%.*s%s", (int)s->eplen, s->ep, path);
	const char *headers[1] = {header};
	struct http_request req = {
	    .method = method,
	    .url = url,
	    .headers = headers,
	    .n_headers = header ? 1 : 0,
	    .timeout = s->timeout,
	    .connect_timeout = s->timeout,
	    .max_body = IMDS_MAX_BODY,
	    .direct = true,
	};
	for (int attempt = 1;; attempt++) {
		memset(out, 0, sizeof *out);
		struct wait w = {false, out};
		uint64_t id = http_submit(h, &req, on_done, &w);
		while (!w.done) {
			struct xr_err err = {0};
			if (http_poll(h, NULL, 0, 100, &err) < 0) {
				http_cancel(h, id);
				memset(out, 0, sizeof *out);
				out->failure = HTTP_FAIL_OTHER;
				snprintf(out->error, sizeof out->error, "%.200s", err.msg);
				break;
			}
		}
		bool again =
		    (out->failure == HTTP_FAIL_TIMEOUT || out->failure == HTTP_FAIL_CONNECT) &&
		    attempt < s->attempts;
		if (!again)
			break;
		http_response_free(out);
	}
	free(url);
}

static char where_text[400];

char *
imds_region(const struct awsconfig *cfg, const char **where, struct xr_err *err)
{
	struct imds_settings s;
	*where = NULL;
	if (imds_settings(cfg, &s, err) < 0)
		return NULL;
	if (s.disabled) {
		xr_err_set(err, XR_EUSAGE,
		           _("the EC2 instance metadata service was not asked "
		             "(AWS_EC2_METADATA_DISABLED=true)"));
		return NULL;
	}
	snprintf(where_text, sizeof where_text, "%.*s", (int)s.eplen, s.ep);
	*where = where_text;
	dlog("region: asking the instance metadata service at %s", where_text);
	struct http *h = http_new(1);
	struct http_response r;
	char *header = NULL, *region = NULL;
	fetch(h, &s, "PUT", "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds: 21600", &r);
	if (r.failure != HTTP_FAIL_NONE) {
		xr_err_set(err, XR_EUSAGE, _("no EC2 instance metadata service at %s (%s)"),
		           where_text, r.error);
		goto out;
	}
	if (r.status == 200) {
		const char *tok = r.body.data ? r.body.data : "";
		if (!r.body.len || strlen(tok) != r.body.len ||
		    creds_unprintable(tok, false) >= 0) {
			xr_err_set(err, XR_EUSAGE,
			           _("the EC2 instance metadata service at %s gave a session token "
			             "that is not printable ASCII: refused"),
			           where_text);
			goto out;
		}
		size_t n = r.body.len + 40;
		header = secret_alloc(n);
		snprintf(header, n, "X-aws-ec2-metadata-token: %s", tok);
	} else if (!((r.status == 403 || r.status == 404 || r.status == 405) && s.v1_allowed)) {
		xr_err_set(err, XR_EUSAGE,
		           _("the EC2 instance metadata service at %s answered HTTP %ld to the "
		             "token request"),
		           where_text, r.status);
		goto out;
	}
	if (r.body.data)
		secret_wipe(r.body.data, r.body.cap);
	http_response_free(&r);
	fetch(h, &s, "GET", "/latest/meta-data/placement/region", header, &r);
	if (r.failure != HTTP_FAIL_NONE || r.status != 200) {
		if (r.failure != HTTP_FAIL_NONE)
			xr_err_set(err, XR_EUSAGE, _("the EC2 instance metadata service at %s: %s"),
			           where_text, r.error);
		else
			xr_err_set(err, XR_EUSAGE,
			           _("the EC2 instance metadata service at %s answered HTTP %ld "
			             "for the region"),
			           where_text, r.status);
		goto out;
	}
	char text[64];
	size_t len = r.body.len < sizeof text - 1 ? r.body.len : sizeof text - 1;
	memcpy(text, r.body.data ? r.body.data : "", len);
	text[len] = '\0';
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (r.body.len >= sizeof text || strlen(text) != len || !awsconfig_region_name_ok(text)) {
		xr_err_set(err, XR_EUSAGE,
		           _("the EC2 instance metadata service at %s answered something that "
		             "is not a region name"),
		           where_text);
		goto out;
	}
	region = xstrdup(text);
	dlog("region: %s from the instance metadata service", region);
out:
	if (r.body.data)
		secret_wipe(r.body.data, r.body.cap);
	http_response_free(&r);
	secret_free(header);
	http_free(h);
	return region;
}
