#include "config.h"

#include "aws/sso.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/decode_sso.h"
#include "aws/http.h"
#include "aws/retry.h"
#include "aws/sts.h"
#include "util/buf.h"
#include "util/dlog.h"
#include "util/jsonw.h"
#include "util/secret.h"
#include "util/sha1.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

#define CACHE_MAX (256u << 10)
#define REPLY_MAX (256u << 10)

/* The profile's SSO settings, merged with its sso-session's. */
struct sso_conf {
	const char *profile;
	const char *session; /* NULL in the legacy form */
	const char *start_url;
	const char *region;
	const char *account_id;
	const char *role_name;
	char login[400]; /* the command that gets a token */
};

static enum creds_status
load_conf(const struct awsconfig *cfg, struct sso_conf *sc, struct xr_err *why)
{
	memset(sc, 0, sizeof *sc);
	sc->profile = cfg->profile;
	sc->account_id = awsconfig_get(cfg, "sso_account_id");
	sc->role_name = awsconfig_get(cfg, "sso_role_name");
	if (!sc->account_id && !sc->role_name)
		return creds_say(why, CREDS_ABSENT,
		                 _("profile '%s' has no sso_account_id or sso_role_name"),
		                 cfg->profile);
	sc->session = awsconfig_get(cfg, "sso_session");
	sc->start_url = awsconfig_get(cfg, "sso_start_url");
	sc->region = awsconfig_get(cfg, "sso_region");
	if (sc->session) {
		if (!awsconfig_has_section(cfg, "sso-session", sc->session))
			return creds_say(why, CREDS_FAILED,
			                 _("profile '%s' names sso_session '%s', but %s has no "
			                   "[sso-session %s] section"),
			                 cfg->profile, sc->session, cfg->config_path, sc->session);
		static const char *const keys[] = {"sso_start_url", "sso_region"};
		const char **dst[] = {&sc->start_url, &sc->region};
		for (int i = 0; i < 2; i++) {
			const char *sv =
			    awsconfig_section_get(cfg, "sso-session", sc->session, keys[i]);
			if (sv && *dst[i] && strcmp(sv, *dst[i]) != 0)
				return creds_say(
				    why, CREDS_FAILED,
				    _("%s differs between profile '%s' (%s) and sso-session '%s' "
				      "(%s)"),
				    keys[i], cfg->profile, *dst[i], sc->session, sv);
			if (sv)
				*dst[i] = sv;
		}
		snprintf(sc->login, sizeof sc->login,
		         _("'aws sso login --sso-session %s' (or 'aws sso login --profile %s')"),
		         sc->session, cfg->profile);
	} else {
		snprintf(sc->login, sizeof sc->login, "'aws sso login --profile %s'", cfg->profile);
	}
	struct buf missing = BUF_INIT;
	const char *names[] = {"sso_start_url", "sso_region", "sso_role_name", "sso_account_id"};
	const char *vals[] = {sc->start_url, sc->region, sc->role_name, sc->account_id};
	for (int i = 0; i < 4; i++)
		if (!vals[i])
			buf_printf(&missing, "%s%s", missing.len ? ", " : "", names[i]);
	if (missing.len) {
		creds_say(why, CREDS_FAILED,
		          _("profile '%s' is set up for IAM Identity Center (SSO) but has no %s"),
		          cfg->profile, missing.data);
		buf_free(&missing);
		return CREDS_FAILED;
	}
	return CREDS_FOUND; /* configured: go on */
}

char *
sso_cache_path(const struct awsconfig *cfg, const char *session, const char *start_url)
{
	const char *key = session ? session : start_url;
	char hex[41];
	sha1_hex(key, strlen(key), hex);
	const char *home = awsconfig_env(cfg, "HOME");
	return xasprintf("%s/.aws/sso/cache/%s.json", home ? home : "", hex);
}

/* Reads a whole small file into secret memory; NULL with errno. */
static char *
slurp(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *text = secret_alloc(max + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, text + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > max) {
			close(fd);
			secret_free(text);
			errno = EFBIG;
			return NULL;
		}
	}
	close(fd);
	text[n] = '\0';
	*len = n;
	return text;
}

static void
iso_seconds(double t, char *out, size_t size)
{
	time_t tt = (time_t)floor(t);
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Rewrites the cache file as botocore does after a refresh (mode 0600,
 * through a temporary file and rename). */
static int
save_token(const char *path, const struct sso_conf *sc, const struct sso_token *t,
           struct xr_err *err)
{
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	char when[40];
	jsonw_object_begin(&w);
	jsonw_key(&w, "startUrl");
	jsonw_string(&w, sc->start_url);
	jsonw_key(&w, "region");
	jsonw_string(&w, sc->region);
	jsonw_key(&w, "accessToken");
	jsonw_string(&w, t->access_token);
	iso_seconds(t->expires_at, when, sizeof when);
	jsonw_key(&w, "expiresAt");
	jsonw_string(&w, when);
	jsonw_key(&w, "clientId");
	jsonw_string(&w, t->client_id);
	jsonw_key(&w, "clientSecret");
	jsonw_string(&w, t->client_secret);
	jsonw_key(&w, "registrationExpiresAt");
	jsonw_string(&w, t->registration_expires_at);
	if (t->refresh_token) {
		jsonw_key(&w, "refreshToken");
		jsonw_string(&w, t->refresh_token);
	}
	jsonw_object_end(&w);
	char *tmp = xasprintf("%s.xrtop-%ld", path, (long)getpid());
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		xr_err_set(err, XR_EIO, "%s: %s", tmp, strerror(errno));
	} else {
		ssize_t wr = write(fd, b.data, b.len);
		int e = errno;
		if (close(fd) < 0 || wr != (ssize_t)b.len)
			xr_err_set(err, XR_EIO, "%s: %s", tmp, strerror(wr < 0 ? e : EIO));
		else if (rename(tmp, path) < 0)
			xr_err_set(err, XR_EIO, "%s: %s", path, strerror(errno));
		else
			rc = 0;
		if (rc < 0)
			unlink(tmp);
	}
	free(tmp);
	secret_wipe(b.data, b.cap);
	buf_free(&b);
	return rc;
}

/* The URL of a service: the configured endpoint, else the default. */
static int
service_base(const struct awsconfig *cfg, const char *service, const char *host_prefix,
             const char *region, struct aws_endpoint *ep, struct xr_err *err)
{
	char *url = NULL, where[700] = "";
	if (awsconfig_service_endpoint(cfg, service, &url, where, sizeof where, err) < 0)
		return -1;
	int rc;
	if (url) {
		rc = awsconfig_service_url(service, region, url, where, false, ep, err);
	} else {
		memset(ep, 0, sizeof *ep);
		ep->host = xasprintf("%s.%s%s", host_prefix, region,
		                     strncmp(region, "cn-", 3) == 0 ? ".amazonaws.com.cn"
		                                                    : ".amazonaws.com");
		ep->url = xasprintf("https://%s", ep->host);
		ep->https = true;
		rc = 0;
	}
	free(url);
	return rc;
}

static bool
retryable(const struct http_response *r)
{
	if (r->failure == HTTP_FAIL_CONNECT || r->failure == HTTP_FAIL_TIMEOUT ||
	    r->failure == HTTP_FAIL_RESET || r->failure == HTTP_FAIL_TRUNCATED)
		return true;
	return r->failure == HTTP_FAIL_NONE && (r->status == 429 || r->status >= 500);
}

/* Runs req with the SDKs' standard retries; r is the last response. */
static void
fetch_retrying(const struct http_request *req, struct http_response *r, const atomic_bool *cancel)
{
	for (int attempt = 1;; attempt++) {
		sts_fetch(req, r, cancel);
		if (attempt >= SSO_MAX_ATTEMPTS || !retryable(r) || (cancel && atomic_load(cancel)))
			return;
		double delay = retry_backoff(attempt, (double)rand() / ((double)RAND_MAX + 1));
		dlog("SSO: %s answered %s%ld; retrying in %.1f s", req->url,
		     r->failure ? r->error : "HTTP ", r->failure ? 0L : r->status, delay);
		if (r->body.data)
			secret_wipe(r->body.data, r->body.cap);
		http_response_free(r);
		sts_nap(delay, cancel);
	}
}

/* What an error reply says: "Code: message" or "HTTP n". */
static void
reply_error(struct http_response *r, char *out, size_t size)
{
	if (r->failure != HTTP_FAIL_NONE) {
		snprintf(out, size, "%s", r->error);
		return;
	}
	char code[128], msg[400];
	decode_sso_error(r->body.data ? r->body.data : "", r->body.len, code, sizeof code, msg,
	                 sizeof msg);
	const char *c = r->error_type[0] ? r->error_type : code;
	snprintf(out, size, "HTTP %ld%s%s%s%s", r->status, c[0] ? " " : "", c, msg[0] ? ": " : "",
	         msg);
}

/* Renews the access token with the OIDC refresh token.  0 on success. */
static int
refresh_token(const struct awsconfig *cfg, const struct sso_conf *sc, struct sso_token *t,
              const atomic_bool *cancel, struct xr_err *err)
{
	if (!t->refresh_token || !t->client_id || !t->client_secret || !t->registration_expires_at)
		return xr_err_set(err, XR_EAUTH, _("the cached token has no refresh token"));
	double reg;
	struct xr_err e = {0};
	char regs[64];
	snprintf(regs, sizeof regs, "%s", t->registration_expires_at);
	size_t n = strlen(regs);
	if (n > 3 && strcmp(regs + n - 3, "UTC") == 0)
		strcpy(regs + n - 3, "Z");
	if (timefmt_parse_time(regs, &reg, &e) < 0 || reg <= timefmt_now())
		return xr_err_set(err, XR_EAUTH,
		                  _("the client registration of the cached token has "
		                    "expired"));
	struct aws_endpoint ep;
	if (service_base(cfg, "sso_oidc", "oidc", sc->region, &ep, err) < 0)
		return -1;
	struct buf body = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &body);
	jsonw_object_begin(&w);
	jsonw_key(&w, "clientId");
	jsonw_string(&w, t->client_id);
	jsonw_key(&w, "clientSecret");
	jsonw_string(&w, t->client_secret);
	jsonw_key(&w, "grantType");
	jsonw_string(&w, "refresh_token");
	jsonw_key(&w, "refreshToken");
	jsonw_string(&w, t->refresh_token);
	jsonw_object_end(&w);
	char *url = xasprintf("%s/token", ep.url);
	static const char *const headers[] = {"Content-Type: application/json"};
	struct http_request req = {
	    .method = "POST",
	    .url = url,
	    .body = body.data,
	    .body_len = body.len,
	    .headers = headers,
	    .n_headers = 1,
	    .timeout = 30,
	    .max_body = REPLY_MAX,
	    .direct = ep.loopback,
	    .ca_file = awsconfig_setting(cfg, "AWS_CA_BUNDLE", "ca_bundle"),
	};
	struct http_response r;
	dlog("credentials: SSO OIDC CreateToken at %s for sso-session %s", ep.url, sc->session);
	fetch_retrying(&req, &r, cancel);
	int rc = -1;
	if (r.failure == HTTP_FAIL_NONE && r.status == 200) {
		rc = decode_sso_create_token(r.body.data ? r.body.data : "", r.body.len,
		                             timefmt_now(), t, err);
		if (rc < 0)
			xr_err_prefix(err, _("SSO OIDC CreateToken at %s"), ep.url);
	} else {
		char why[600];
		reply_error(&r, why, sizeof why);
		xr_err_set(err, XR_EAUTH, _("SSO OIDC CreateToken at %s: %s"), ep.url, why);
	}
	if (r.body.data)
		secret_wipe(r.body.data, r.body.cap);
	http_response_free(&r);
	secret_wipe(body.data, body.cap);
	buf_free(&body);
	free(url);
	awsconfig_endpoint_free(&ep);
	return rc;
}

static void
query_encode(struct buf *b, const char *s)
{
	sts_form_encode(b, s);
}

enum creds_status
sso_try(const struct awsconfig *cfg, struct aws_creds *out, const atomic_bool *cancel,
        struct xr_err *why)
{
	struct sso_conf sc;
	enum creds_status st = load_conf(cfg, &sc, why);
	if (st != CREDS_FOUND)
		return st;
	char *path = sso_cache_path(cfg, sc.session, sc.start_url);
	size_t len = 0;
	char *text = slurp(path, CACHE_MAX, &len);
	if (!text) {
		int e = errno;
		st = creds_say(
		    why, CREDS_FAILED,
		    e == ENOENT ? _("no IAM Identity Center (SSO) sign-in for %s %s (no %s): run "
		                    "%s")
		                : _("cannot read the SSO token cache for %s %s (%s): run %s"),
		    sc.session ? "sso-session" : "start URL",
		    sc.session ? sc.session : sc.start_url, e == ENOENT ? path : strerror(e),
		    sc.login);
		free(path);
		return st;
	}
	struct sso_token tok;
	struct xr_err e = {0};
	int rc = decode_sso_token(text, len, &tok, &e);
	secret_free(text);
	if (rc < 0) {
		st = creds_say(why, CREDS_FAILED, _("the SSO token cache %s: %s: run %s"), path,
		               e.msg, sc.login);
		free(path);
		return st;
	}
	double now = timefmt_now();
	if (sc.session && tok.expires_at - now < SSO_REFRESH_WINDOW) {
		struct xr_err re = {0};
		if (refresh_token(cfg, &sc, &tok, cancel, &re) == 0) {
			struct xr_err se = {0};
			if (save_token(path, &sc, &tok, &se) < 0)
				dlog("SSO: could not save the renewed token: %s", se.msg);
			else
				dlog("SSO: renewed the token of sso-session %s", sc.session);
		} else {
			dlog("SSO: token renewal failed: %s", re.msg);
			if (tok.expires_at <= now) {
				st = creds_say(
				    why, CREDS_FAILED,
				    _("the IAM Identity Center (SSO) sign-in for sso-session "
				      "%s has "
				      "expired and could not be renewed (%s): run %s"),
				    sc.session, re.msg, sc.login);
				goto out;
			}
		}
	}
	if (tok.expires_at <= timefmt_now()) {
		char when[40];
		timefmt_iso(tok.expires_at, when, sizeof when);
		st = creds_say(
		    why, CREDS_FAILED,
		    _("the IAM Identity Center (SSO) sign-in for %s %s expired at %s: run %s"),
		    sc.session ? "sso-session" : "start URL",
		    sc.session ? sc.session : sc.start_url, when, sc.login);
		goto out;
	}

	long bad = creds_unprintable(tok.access_token, false);
	if (bad >= 0) {
		st = creds_say(
		    why, CREDS_FAILED,
		    _("the SSO access token in %s holds a byte that is not printable ASCII at "
		      "byte %ld: refused (it would corrupt the request's headers); run %s"),
		    path, bad + 1, sc.login);
		goto out;
	}
	struct aws_endpoint ep;
	if (service_base(cfg, "sso", "portal.sso", sc.region, &ep, &e) < 0) {
		st = creds_say(why, CREDS_FAILED, "%s", e.msg);
		goto out;
	}
	struct buf url = BUF_INIT;
	buf_printf(&url, "%s/federation/credentials?account_id=", ep.url);
	query_encode(&url, sc.account_id);
	buf_puts(&url, "&role_name=");
	query_encode(&url, sc.role_name);
	size_t tl = strlen(tok.access_token);
	char *auth = secret_alloc(tl + 40);
	snprintf(auth, tl + 40, "x-amz-sso_bearer_token: %s", tok.access_token);
	const char *headers[] = {auth};
	struct http_request req = {
	    .method = "GET",
	    .url = url.data,
	    .headers = headers,
	    .n_headers = 1,
	    .timeout = 30,
	    .max_body = REPLY_MAX,
	    .direct = ep.loopback,
	    .ca_file = awsconfig_setting(cfg, "AWS_CA_BUNDLE", "ca_bundle"),
	};
	struct http_response r;
	dlog("credentials: SSO GetRoleCredentials at %s for account %s role %s", ep.url,
	     sc.account_id, sc.role_name);
	fetch_retrying(&req, &r, cancel);
	secret_free(auth);
	if (r.failure == HTTP_FAIL_NONE && r.status == 200) {
		struct decoded_creds d;
		if (decode_sso_role_credentials(r.body.data ? r.body.data : "", r.body.len, &d,
		                                &e) < 0) {
			st = creds_say(why, CREDS_FAILED, _("SSO GetRoleCredentials at %s: %s"),
			               ep.url, e.msg);
		} else {
			creds_set(out, CREDS_SSO, d.access_key_id, d.secret_access_key,
			          d.session_token, d.expiration);
			decode_creds_free(&d);
			snprintf(
			    out->source, sizeof out->source,
			    _("IAM Identity Center (SSO): role %s in account %s of profile '%s'"),
			    sc.role_name, sc.account_id, sc.profile);
			st = CREDS_FOUND;
		}
	} else {
		char text2[600];
		reply_error(&r, text2, sizeof text2);
		if (r.failure == HTTP_FAIL_NONE && r.status == 401)
			st = creds_say(
			    why, CREDS_FAILED,
			    _("the IAM Identity Center (SSO) sign-in is no longer valid (%s): run "
			      "%s"),
			    text2, sc.login);
		else
			st = creds_say(
			    why, CREDS_FAILED,
			    _("SSO GetRoleCredentials at %s for role %s in account %s: %s"), ep.url,
			    sc.role_name, sc.account_id, text2);
	}
	if (r.body.data)
		secret_wipe(r.body.data, r.body.cap);
	http_response_free(&r);
	buf_free(&url);
	awsconfig_endpoint_free(&ep);
out:
	decode_sso_token_free(&tok);
	free(path);
	return st;
}
