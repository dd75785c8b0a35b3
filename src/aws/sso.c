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

#include <openssl/evp.h>

#include "aws/credsjob.h"
#include "aws/decode_sso.h"
#include "aws/http.h"
#include "aws/sts.h"
#include "util/buf.h"
#include "util/dlog.h"
#include "util/jsonw.h"
#include "util/secret.h"
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
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
	/* Only a file name, as botocore's sha1().hexdigest() gives it. */
	if (EVP_Digest(key, strlen(key), md, &n, EVP_sha1(), NULL) == 1)
		for (unsigned int i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
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

static void
query_encode(struct buf *b, const char *s)
{
	sts_form_encode(b, s);
}

/* An SSO job's progress: the settings, the cached token and the request
 * in flight (sent again on a retry). */
struct sso_state {
	struct sso_conf sc;
	char *path;
	struct sso_token tok;
	bool tok_set;
	struct aws_endpoint ep;
	bool ep_set;
	struct buf body; /* secret: the refresh token or nothing */
	char *url;
	char *auth; /* secret: the bearer token header */
	const char *headers[1];
	struct http_request req;
};

static void
sso_state_free(void *p)
{
	struct sso_state *s = p;
	if (s->tok_set)
		decode_sso_token_free(&s->tok);
	if (s->ep_set)
		awsconfig_endpoint_free(&s->ep);
	if (s->body.data)
		secret_wipe(s->body.data, s->body.cap);
	buf_free(&s->body);
	free(s->url);
	secret_free(s->auth);
	free(s->path);
	free(s);
}

/* Prepares the OIDC CreateToken that renews the access token with its
 * refresh token.  0, or -1 with err when it cannot be renewed. */
static int
refresh_prepare(const struct awsconfig *cfg, struct sso_state *s, struct xr_err *err)
{
	struct sso_token *t = &s->tok;
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
	if (service_base(cfg, "sso_oidc", "oidc", s->sc.region, &s->ep, err) < 0)
		return -1;
	s->ep_set = true;
	struct jsonw w;
	jsonw_init(&w, &s->body);
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
	s->url = xasprintf("%s/token", s->ep.url);
	static const char *const headers[] = {"Content-Type: application/json"};
	s->req = (struct http_request){
	    .method = "POST",
	    .url = s->url,
	    .body = s->body.data,
	    .body_len = s->body.len,
	    .headers = headers,
	    .n_headers = 1,
	    .timeout = 30,
	    .max_body = REPLY_MAX,
	    .direct = s->ep.loopback,
	    .ca_file = awsconfig_setting(cfg, "AWS_CA_BUNDLE", "ca_bundle"),
	};
	dlog("credentials: SSO OIDC CreateToken at %s for sso-session %s", s->ep.url,
	     s->sc.session);
	return 0;
}

/* Reads the CreateToken reply into the token.  0, or -1 with err. */
static int
refresh_finish(struct sso_state *s, struct http_response *r, struct xr_err *err)
{
	int rc = -1;
	if (r->failure == HTTP_FAIL_NONE && r->status == 200) {
		rc = decode_sso_create_token(r->body.data ? r->body.data : "", r->body.len,
		                             timefmt_now(), &s->tok, err);
		if (rc < 0)
			xr_err_prefix(err, _("SSO OIDC CreateToken at %s"), s->ep.url);
	} else {
		char why[600];
		reply_error(r, why, sizeof why);
		xr_err_set(err, XR_EAUTH, _("SSO OIDC CreateToken at %s: %s"), s->ep.url, why);
	}
	return rc;
}

/* Prepares GetRoleCredentials with the access token; CREDS_FAILED with why
 * when the token cannot be used. */
static enum creds_status
role_prepare(const struct awsconfig *cfg, struct sso_state *s, struct xr_err *why)
{
	struct sso_conf *sc = &s->sc;
	if (s->tok.expires_at <= timefmt_now()) {
		char when[40];
		timefmt_iso(s->tok.expires_at, when, sizeof when);
		return creds_say(
		    why, CREDS_FAILED,
		    _("the IAM Identity Center (SSO) sign-in for %s %s expired at %s: run %s"),
		    sc->session ? "sso-session" : "start URL",
		    sc->session ? sc->session : sc->start_url, when, sc->login);
	}
	long bad = creds_unprintable(s->tok.access_token, false);
	if (bad >= 0)
		return creds_say(
		    why, CREDS_FAILED,
		    _("the SSO access token in %s holds a byte that is not printable ASCII at "
		      "byte %ld: refused (it would corrupt the request's headers); run %s"),
		    s->path, bad + 1, sc->login);
	if (s->ep_set)
		awsconfig_endpoint_free(&s->ep);
	s->ep_set = false;
	struct xr_err e = {0};
	if (service_base(cfg, "sso", "portal.sso", sc->region, &s->ep, &e) < 0)
		return creds_say(why, CREDS_FAILED, "%s", e.msg);
	s->ep_set = true;
	struct buf url = BUF_INIT;
	buf_printf(&url, "%s/federation/credentials?account_id=", s->ep.url);
	query_encode(&url, sc->account_id);
	buf_puts(&url, "&role_name=");
	query_encode(&url, sc->role_name);
	free(s->url);
	s->url = buf_steal(&url);
	size_t tl = strlen(s->tok.access_token);
	s->auth = secret_alloc(tl + 40);
	snprintf(s->auth, tl + 40, "x-amz-sso_bearer_token: %s", s->tok.access_token);
	s->headers[0] = s->auth;
	s->req = (struct http_request){
	    .method = "GET",
	    .url = s->url,
	    .headers = s->headers,
	    .n_headers = 1,
	    .timeout = 30,
	    .max_body = REPLY_MAX,
	    .direct = s->ep.loopback,
	    .ca_file = awsconfig_setting(cfg, "AWS_CA_BUNDLE", "ca_bundle"),
	};
	dlog("credentials: SSO GetRoleCredentials at %s for account %s role %s", s->ep.url,
	     sc->account_id, sc->role_name);
	return CREDS_FOUND;
}

/* Reads the GetRoleCredentials reply into out. */
static enum creds_status
role_finish(struct sso_state *s, struct http_response *r, struct aws_creds *out, struct xr_err *why)
{
	struct sso_conf *sc = &s->sc;
	struct xr_err e = {0};
	if (r->failure == HTTP_FAIL_NONE && r->status == 200) {
		struct decoded_creds d;
		if (decode_sso_role_credentials(r->body.data ? r->body.data : "", r->body.len, &d,
		                                &e) < 0)
			return creds_say(why, CREDS_FAILED, _("SSO GetRoleCredentials at %s: %s"),
			                 s->ep.url, e.msg);
		creds_set(out, CREDS_SSO, d.access_key_id, d.secret_access_key, d.session_token,
		          d.expiration);
		decode_creds_free(&d);
		snprintf(out->source, sizeof out->source,
		         _("IAM Identity Center (SSO): role %s in account %s of profile '%s'"),
		         sc->role_name, sc->account_id, sc->profile);
		return CREDS_FOUND;
	}
	char text[600];
	reply_error(r, text, sizeof text);
	if (r->failure == HTTP_FAIL_NONE && r->status == 401)
		return creds_say(
		    why, CREDS_FAILED,
		    _("the IAM Identity Center (SSO) sign-in is no longer valid (%s): run %s"),
		    text, sc->login);
	return creds_say(why, CREDS_FAILED,
	                 _("SSO GetRoleCredentials at %s for role %s in account %s: %s"), s->ep.url,
	                 sc->role_name, sc->account_id, text);
}

static void
wipe_response(struct http_response *r)
{
	if (r->body.data)
		secret_wipe(r->body.data, r->body.cap);
	http_response_free(r);
}

/* The reply in j->resp, taken out of the job (its body wiped when freed);
 * true when it is worth another attempt: then r is wiped and the job waits
 * to go back to step again. */
static bool
retry_later(struct creds_job *j, struct http_response *r, int again)
{
	*r = j->resp;
	memset(&j->resp, 0, sizeof j->resp);
	if (j->attempt >= SSO_MAX_ATTEMPTS || !retryable(r))
		return false;
	double delay = creds_job_backoff(j->attempt);
	dlog("SSO: %s answered %s%ld; retrying in %.1f s", r->failure ? r->error : "",
	     r->failure ? "" : "HTTP ", r->failure ? 0L : r->status, delay);
	wipe_response(r);
	j->step = again;
	creds_job_sleep(j, delay);
	return true;
}

/* After a renewal (renew: why it failed, or NULL): on to GetRoleCredentials,
 * unless the token has expired. */
static enum creds_status
after_renewal(struct creds_job *j, struct sso_state *s, const struct xr_err *renew)
{
	if (renew) {
		dlog("SSO: token renewal failed: %s", renew->msg);
		if (s->tok.expires_at <= timefmt_now())
			return creds_say(&j->why, CREDS_FAILED,
			                 _("the IAM Identity Center (SSO) sign-in for sso-session "
			                   "%s has expired and could not be renewed (%s): run %s"),
			                 s->sc.session, renew->msg, s->sc.login);
	}
	j->attempt = 0;
	return role_prepare(j->cfg, s, &j->why);
}

enum { SSO_LOAD, SSO_REFRESH_SEND, SSO_REFRESH_REPLY, SSO_ROLE_SEND, SSO_ROLE_REPLY };

/* The cache, a renewal when the token is near its end (sso-session form),
 * then the role's credentials. */
enum creds_status
sso_step(struct creds_job *j)
{
	const struct awsconfig *cfg = j->cfg;
	struct sso_state *s = j->state;
	struct http_response r;
	struct xr_err e = {0};
	enum creds_status st;
	for (;;) {
		switch (j->step) {
		case SSO_LOAD: {
			struct sso_conf sc;
			st = load_conf(cfg, &sc, &j->why);
			if (st != CREDS_FOUND)
				return st;
			s = xcalloc(1, sizeof *s);
			j->state = s;
			j->state_free = sso_state_free;
			s->sc = sc;
			s->path = sso_cache_path(cfg, sc.session, sc.start_url);
			size_t len = 0;
			char *text = slurp(s->path, CACHE_MAX, &len);
			if (!text) {
				int en = errno;
				return creds_say(
				    &j->why, CREDS_FAILED,
				    en == ENOENT ? _("no IAM Identity Center (SSO) sign-in for %s "
				                     "%s (no %s): run %s")
				                 : _("cannot read the SSO token cache for %s %s "
				                     "(%s): run %s"),
				    sc.session ? "sso-session" : "start URL",
				    sc.session ? sc.session : sc.start_url,
				    en == ENOENT ? s->path : strerror(en), s->sc.login);
			}
			int rc = decode_sso_token(text, len, &s->tok, &e);
			secret_free(text);
			if (rc < 0)
				return creds_say(&j->why, CREDS_FAILED,
				                 _("the SSO token cache %s: %s: run %s"), s->path,
				                 e.msg, s->sc.login);
			s->tok_set = true;
			if (!sc.session ||
			    s->tok.expires_at - timefmt_now() >= SSO_REFRESH_WINDOW) {
				if (after_renewal(j, s, NULL) != CREDS_FOUND)
					return CREDS_FAILED;
				j->step = SSO_ROLE_SEND;
			} else if (refresh_prepare(cfg, s, &e) < 0) {
				if (after_renewal(j, s, &e) != CREDS_FOUND)
					return CREDS_FAILED;
				j->step = SSO_ROLE_SEND;
			} else {
				j->attempt = 0;
				j->step = SSO_REFRESH_SEND;
			}
			continue;
		}
		case SSO_REFRESH_SEND:
			j->step = SSO_REFRESH_REPLY;
			j->attempt++;
			return creds_job_submit(j, &s->req);
		case SSO_REFRESH_REPLY: {
			if (retry_later(j, &r, SSO_REFRESH_SEND))
				return CREDS_PENDING;
			int rc = refresh_finish(s, &r, &e);
			wipe_response(&r);
			if (rc == 0) {
				struct xr_err se = {0};
				if (save_token(s->path, &s->sc, &s->tok, &se) < 0)
					dlog("SSO: could not save the renewed token: %s", se.msg);
				else
					dlog("SSO: renewed the token of sso-session %s",
					     s->sc.session);
			}
			if (after_renewal(j, s, rc == 0 ? NULL : &e) != CREDS_FOUND)
				return CREDS_FAILED;
			j->step = SSO_ROLE_SEND;
			continue;
		}
		case SSO_ROLE_SEND:
			j->step = SSO_ROLE_REPLY;
			j->attempt++;
			return creds_job_submit(j, &s->req);
		case SSO_ROLE_REPLY:
			if (retry_later(j, &r, SSO_ROLE_SEND))
				return CREDS_PENDING;
			st = role_finish(s, &r, &j->out, &j->why);
			wipe_response(&r);
			return st;
		default:
			return creds_say(&j->why, CREDS_FAILED,
			                 _("SSO: lost track of the request"));
		}
	}
}
