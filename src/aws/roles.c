#include "config.h"

#include "aws/roles.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "aws/credsjob.h"
#include "aws/sts.h"
#include "util/buf.h"
#include "util/dlog.h"
#include "util/secret.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

#define TOKEN_FILE_MAX (64u << 10)

/* The STS endpoint for cfg (its configured one, else the region's). */
static int
sts_endpoint(const struct awsconfig *cfg, struct aws_endpoint *ep, struct xr_err *err)
{
	char *url = NULL, where[700] = "";
	if (awsconfig_service_endpoint(cfg, "sts", &url, where, sizeof where, err) < 0)
		return -1;
	int rc = awsconfig_service_url("sts", cfg->region ? cfg->region : "us-east-1", url, where,
	                               false, ep, err);
	free(url);
	return rc;
}

/* One STS call of a job: what it sends, again on a retry. */
struct exchange {
	enum creds_provider p;
	const char *action;
	const char *params[12];
	size_t n_params;
	bool signed_call;
	struct http_sigv4 sig;
	struct aws_endpoint ep;
	bool ep_set;
	struct sts_call call;
	char who[600];
};

static void
exchange_clear(struct exchange *x)
{
	if (x->ep_set)
		awsconfig_endpoint_free(&x->ep);
	x->ep_set = false;
}

/* Sends x (signed with signer when not NULL) through j's client: another
 * attempt of the same call when j->attempt > 0. */
static enum creds_status
exchange_send(struct creds_job *j, struct exchange *x, const struct aws_creds *signer)
{
	const struct awsconfig *cfg = j->cfg;
	struct xr_err e = {0};
	if (!x->ep_set) {
		if (sts_endpoint(cfg, &x->ep, &e) < 0)
			return creds_say(&j->why, CREDS_FAILED, "%s", e.msg);
		x->ep_set = true;
		dlog("credentials: STS %s at %s for %s", x->action, x->ep.url, x->who);
	}
	const char *region = cfg->region ? cfg->region : "us-east-1";
	x->signed_call = signer != NULL;
	memset(&x->sig, 0, sizeof x->sig);
	if (signer) {
		x->sig.region = region;
		x->sig.service = "sts";
		x->sig.access_key_id = signer->access_key_id;
		x->sig.secret_access_key = signer->secret_access_key;
		x->sig.session_token = signer->session_token;
	}
	x->call = (struct sts_call){
	    .endpoint = x->ep.url,
	    .loopback = x->ep.loopback,
	    .action = x->action,
	    .params = x->params,
	    .n_params = x->n_params,
	    .sigv4 = signer ? &x->sig : NULL,
	    .ca_file = awsconfig_setting(cfg, "AWS_CA_BUNDLE", "ca_bundle"),
	};
	struct sts_request rq;
	sts_request_init(&rq, &x->call);
	j->attempt++;
	enum creds_status st = creds_job_submit(j, &rq.req);
	sts_request_free(&rq);
	return st;
}

/* Reads the reply of x: CREDS_FOUND with out, CREDS_FAILED with j->why,
 * or CREDS_PENDING while a retry waits (then send x again). */
static enum creds_status
exchange_reply(struct creds_job *j, struct exchange *x, struct aws_creds *out)
{
	const char *region = j->cfg->region ? j->cfg->region : "us-east-1";
	struct decoded_creds d;
	char code[128];
	bool retry = false;
	struct xr_err e = {0};
	int rc = sts_reply(&x->call, &j->resp, &d, code, sizeof code, &retry, &e);
	http_response_free(&j->resp);
	memset(&j->resp, 0, sizeof j->resp);
	if (rc < 0 && retry && j->attempt < STS_MAX_ATTEMPTS) {
		double delay = creds_job_backoff(j->attempt);
		dlog("STS %s: %s; retrying in %.1f s", x->action, e.msg, delay);
		return creds_job_sleep(j, delay);
	}
	if (rc < 0) {
		const char *hint = "";
		if (strcmp(code, "RegionDisabledException") == 0)
			hint =
			    _(" (activate STS for this region in the IAM console, or use another "
			      "region)");
		else if (strcmp(code, "ExpiredToken") == 0 ||
		         strcmp(code, "ExpiredTokenException") == 0)
			hint = x->signed_call ? _(" (the source credentials have expired)")
			                      : _(" (the web identity token has expired)");
		else if (strcmp(code, "AccessDenied") == 0)
			hint = x->signed_call
			           ? _(" (may the source identity assume this role? is the trust "
			               "policy right?)")
			           : "";
		return creds_say(&j->why, CREDS_FAILED, _("STS %s (region %s) for %s: %s%s"),
		                 x->action, region, x->who, e.msg, hint);
	}
	/* These may sign the next call of a chain before the job checks them. */
	if (creds_unprintable(d.access_key_id, false) >= 0 ||
	    creds_unprintable(d.secret_access_key, false) >= 0 ||
	    creds_unprintable(d.session_token, false) >= 0) {
		decode_creds_free(&d);
		return creds_say(
		    &j->why, CREDS_FAILED,
		    _("STS %s for %s: the credentials in the reply hold bytes that are not "
		      "printable ASCII: refused (they would corrupt the request's headers)"),
		    x->action, x->who);
	}
	creds_set(out, x->p, d.access_key_id, d.secret_access_key, d.session_token, d.expiration);
	decode_creds_free(&d);
	return CREDS_FOUND;
}

static char *
default_session_name(void)
{
	return xasprintf("xrtop-session-%ld", (long)timefmt_now());
}

/* ---- MFA ---- */

/* The terminal's settings while echo is off, for a signal to put back. */
static int prompt_fd = -1;
static struct termios prompt_saved;
static struct sigaction prompt_old[3];
static const int prompt_signals[3] = {SIGINT, SIGTERM, SIGHUP};
static volatile sig_atomic_t prompt_interrupted;

static void
prompt_signal(int sig)
{
	prompt_interrupted = 1;
	if (prompt_fd >= 0)
		tcsetattr(prompt_fd, TCSANOW, &prompt_saved);
	for (int i = 0; i < 3; i++)
		if (prompt_signals[i] == sig)
			sigaction(sig, &prompt_old[i], NULL);
	raise(sig);
}

int
roles_mfa_prompt(const char *serial, const char *profile, char *code, size_t size,
                 struct xr_err *err)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return xr_err_set(
		    err, XR_EAUTH,
		    _("profile '%s' has mfa_serial %s, so AssumeRole needs an MFA code, "
		      "and there is no terminal to ask for it on (/dev/tty: %s); run "
		      "xrtop from a terminal, or use a profile without mfa_serial"),
		    profile, serial, strerror(errno));
	struct termios old, quiet;
	bool restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		prompt_saved = old;
		prompt_fd = fd;
		prompt_interrupted = 0;
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = prompt_signal;
		sigemptyset(&sa.sa_mask);
		for (int i = 0; i < 3; i++)
			sigaction(prompt_signals[i], &sa, &prompt_old[i]);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	char prompt[600];
	int n = snprintf(prompt, sizeof prompt, _("Enter MFA code for %s: "), serial);
	if (write(fd, prompt, (size_t)n) < 0)
		dlog("MFA prompt: %s", strerror(errno));
	char line[64];
	size_t len = 0;
	bool eof = false;
	while (len + 1 < sizeof line) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR && !prompt_interrupted)
			continue;
		if (r <= 0) {
			eof = true;
			break;
		}
		if (c == '\n' || c == '\r')
			break;
		line[len++] = c;
	}
	line[len] = '\0';
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
		for (int i = 0; i < 3; i++)
			sigaction(prompt_signals[i], &prompt_old[i], NULL);
		prompt_fd = -1;
	}
	if (write(fd, "\n", 1) < 0)
		dlog("MFA prompt: %s", strerror(errno));
	close(fd);
	char *s = line, *e = line + len;
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	bool digits = e - s == 6;
	for (const char *p = s; p < e; p++)
		digits &= isdigit((unsigned char)*p) != 0;
	int rc = 0;
	if (!digits)
		rc = xr_err_set(err, XR_EAUTH, _("%s for mfa_serial %s of profile '%s'"),
		                prompt_interrupted ? _("interrupted while asking for the MFA code")
		                : eof && !len      ? _("no MFA code was entered")
		                                   : _("an MFA code is 6 digits"),
		                serial, profile);
	else
		snprintf(code, size, "%s", s);
	secret_wipe(line, sizeof line);
	return rc;
}

/* ---- assume role ---- */

static bool
has_static_keys(const struct awsconfig *v)
{
	return awsconfig_get(v, "aws_access_key_id") || awsconfig_get(v, "aws_secret_access_key");
}

static bool
has_role(const struct awsconfig *v)
{
	return awsconfig_get(v, "role_arn") && !awsconfig_get(v, "web_identity_token_file");
}

/* The providers of a source profile without a role of its own: its own
 * chain, environment keys skipped (as botocore's profile providers). */
static const enum creds_provider profile_order[] = {
    CREDS_WEB_IDENTITY, CREDS_SSO, CREDS_SHARED_FILE, CREDS_PROCESS, CREDS_CONFIG_FILE};

/* An assume-role job's plan and progress: the role profiles from the one
 * in use down its source_profile chain, the view whose providers give the
 * first source credentials, then one AssumeRole per role profile, the
 * innermost first, each signed with the credentials of the one before. */
struct assume_state {
	struct awsconfig roles[ROLES_MAX_CHAIN + 1]; /* roles[0]: the profile in use */
	size_t n;
	const char *names[ROLES_MAX_CHAIN + 2]; /* the chain walked, for cycles */
	size_t n_names;
	struct awsconfig source; /* whose providers give the first credentials */
	const enum creds_provider *order;
	size_t n_order;
	enum creds_provider cs_provider;
	const char *cs;                   /* credential_source, or NULL */
	char *codes[ROLES_MAX_CHAIN + 1]; /* MFA codes, secret memory */
	struct aws_creds src;             /* signs the next AssumeRole */
	size_t level;                     /* roles[level - 1] is assumed next */
	bool interactive;
	char *session;
	struct exchange x;
};

static void
assume_state_free(void *p)
{
	struct assume_state *a = p;
	for (size_t i = 0; i < ROLES_MAX_CHAIN + 1; i++)
		secret_free(a->codes[i]);
	creds_clear(&a->src);
	free(a->session);
	exchange_clear(&a->x);
	free(a);
}

static void
chain_text(const struct assume_state *a, const char *next, char *out, size_t size)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < a->n_names; i++)
		buf_printf(&b, "%s'%s'", i ? " -> " : "", a->names[i]);
	buf_printf(&b, " -> '%s'", next);
	snprintf(out, size, "%s", b.data);
	buf_free(&b);
}

/* Walks the source_profile chain without a call: CREDS_FOUND when a is
 * planned, else CREDS_FAILED with why. */
static enum creds_status
assume_plan(const struct awsconfig *cfg, struct assume_state *a, struct xr_err *why)
{
	a->roles[0] = *cfg;
	a->n = 1;
	a->names[0] = cfg->profile;
	a->n_names = 1;
	for (;;) {
		const struct awsconfig *v = &a->roles[a->n - 1];
		const char *dur = awsconfig_get(v, "duration_seconds");
		if (dur) {
			char *end;
			long d = strtol(dur, &end, 10);
			if (end == dur || *end || d < 900 || d > 43200)
				return creds_say(why, CREDS_FAILED,
				                 _("duration_seconds '%s' of profile '%s' is not a "
				                   "number of seconds from 900 to 43200"),
				                 dur, v->profile);
		}
		const char *sp = awsconfig_get(v, "source_profile");
		const char *cs = awsconfig_get(v, "credential_source");
		if (sp && cs)
			return creds_say(why, CREDS_FAILED,
			                 _("profile '%s' has both source_profile and "
			                   "credential_source: keep one"),
			                 v->profile);
		if (!sp && !cs)
			return creds_say(why, CREDS_FAILED,
			                 _("profile '%s' has role_arn but neither source_profile "
			                   "nor credential_source"),
			                 v->profile);
		if (cs) {
			if (strcmp(cs, "Environment") == 0)
				a->cs_provider = CREDS_ENV;
			else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
				a->cs_provider = CREDS_IMDS;
			else if (strcmp(cs, "EcsContainer") == 0)
				a->cs_provider = CREDS_CONTAINER;
			else
				return creds_say(
				    why, CREDS_FAILED,
				    _("credential_source '%s' of profile '%s' is not valid: use "
				      "Environment, Ec2InstanceMetadata or EcsContainer"),
				    cs, v->profile);
			a->cs = cs;
			a->source = *cfg;
			a->source.profile_explicit = false; /* the sourcer ignores --profile */
			a->order = &a->cs_provider;
			a->n_order = 1;
			return CREDS_FOUND;
		}
		if (!awsconfig_has_profile(cfg, sp))
			return creds_say(
			    why, CREDS_FAILED,
			    _("the source_profile '%s' of profile '%s' is in neither %s nor %s"),
			    sp, v->profile, cfg->config_path, cfg->credentials_path);
		struct awsconfig sv;
		awsconfig_with_profile(cfg, sp, &sv);
		for (size_t i = 0; i < a->n_names; i++) {
			if (strcmp(a->names[i], sp) != 0)
				continue;
			/* A profile may name itself to take its own keys; anything
			 * else that comes back is a cycle. */
			if (strcmp(sp, v->profile) == 0 && has_static_keys(&sv))
				break;
			char text[700];
			chain_text(a, sp, text, sizeof text);
			return creds_say(
			    why, CREDS_FAILED,
			    _("the source_profile chain %s is a cycle: profile '%s' comes back"),
			    text, sp);
		}
		if (a->n_names >= ROLES_MAX_CHAIN)
			return creds_say(why, CREDS_FAILED,
			                 _("the source_profile chain from profile '%s' is longer "
			                   "than %d profiles"),
			                 a->names[0], ROLES_MAX_CHAIN);
		a->names[a->n_names++] = sp;
		if (has_static_keys(&sv) || !has_role(&sv)) {
			a->source = sv;
			a->order = profile_order;
			a->n_order = sizeof profile_order / sizeof *profile_order;
			return CREDS_FOUND;
		}
		a->roles[a->n++] = sv;
	}
}

/* Asks for the MFA codes the chain needs, innermost first, before any
 * call (so before any screen starts).  A refresh cannot ask. */
static enum creds_status
assume_codes(struct creds_job *j, struct assume_state *a)
{
	for (size_t i = a->n; i-- > 0;) {
		const struct awsconfig *v = &a->roles[i];
		const char *mfa = awsconfig_get(v, "mfa_serial");
		if (!mfa)
			continue;
		a->interactive = true;
		if (j->unattended)
			return creds_say(
			    &j->why, CREDS_FAILED,
			    _("the role of profile '%s' needs a new MFA code (mfa_serial): restart "
			      "xrtop to enter one"),
			    v->profile);
		char code[16];
		struct xr_err e = {0};
		if (roles_mfa_prompt(mfa, v->profile, code, sizeof code, &e) < 0)
			return creds_say(&j->why, CREDS_FAILED, "%s", e.msg);
		a->codes[i] = secret_strdup(code);
		secret_wipe(code, sizeof code);
	}
	return CREDS_FOUND;
}

/* What the source credentials' job said, as the assume-role provider says it. */
static enum creds_status
assume_source_done(struct creds_job *j, struct assume_state *a)
{
	struct creds_job *c = j->child;
	enum creds_status st = creds_job_status(c);
	if (st == CREDS_FOUND) {
		a->src = c->out;
		memset(&c->out, 0, sizeof c->out);
		c->out.expiration = NAN;
	} else if (a->cs) {
		creds_say(&j->why, CREDS_FAILED,
		          _("no credentials from credential_source %s of profile '%s': %s"), a->cs,
		          a->roles[a->n - 1].profile, c->why.msg);
	} else if (st == CREDS_FAILED) {
		creds_say(&j->why, CREDS_FAILED, _("source profile '%s': %s: %s"),
		          a->source.profile, creds_provider_name(c->last), c->why.msg);
	} else {
		const struct awsconfig *v = &a->source;
		creds_say(&j->why, CREDS_FAILED,
		          _("the source profile '%s' has no credentials (no keys in %s or %s, no "
		            "credential_process, SSO or web identity)"),
		          v->profile, v->credentials_path, v->config_path);
	}
	creds_job_end_child(j);
	return st == CREDS_FOUND ? CREDS_FOUND : CREDS_FAILED;
}

/* Fills a->x for the AssumeRole of roles[a->level - 1]. */
static void
assume_call(struct assume_state *a)
{
	const struct awsconfig *v = &a->roles[a->level - 1];
	const char *role = awsconfig_get(v, "role_arn");
	const char *mfa = awsconfig_get(v, "mfa_serial");
	free(a->session);
	a->session = awsconfig_get(v, "role_session_name")
	                 ? xstrdup(awsconfig_get(v, "role_session_name"))
	                 : default_session_name();
	exchange_clear(&a->x);
	memset(&a->x, 0, sizeof a->x);
	a->x.p = CREDS_ASSUME_ROLE;
	a->x.action = "AssumeRole";
	const char *params[] = {"RoleArn",         role,
	                        "RoleSessionName", a->session,
	                        "ExternalId",      awsconfig_get(v, "external_id"),
	                        "DurationSeconds", awsconfig_get(v, "duration_seconds"),
	                        "SerialNumber",    mfa,
	                        "TokenCode",       mfa ? a->codes[a->level - 1] : NULL};
	memcpy(a->x.params, params, sizeof params);
	a->x.n_params = sizeof params / sizeof *params;
	snprintf(a->x.who, sizeof a->x.who, _("role %s of profile '%s'"), role, v->profile);
}

enum { ASSUME_PLAN, ASSUME_SOURCE, ASSUME_SEND, ASSUME_REPLY };

enum creds_status
roles_step_assume(struct creds_job *j)
{
	const struct awsconfig *cfg = j->cfg;
	struct assume_state *a = j->state;
	enum creds_status st;
	switch (j->step) {
	case ASSUME_PLAN:
		if (!awsconfig_get(cfg, "role_arn"))
			return creds_say(&j->why, CREDS_ABSENT, _("profile '%s' has no role_arn"),
			                 cfg->profile);
		if (awsconfig_get(cfg, "web_identity_token_file"))
			return creds_say(&j->why, CREDS_ABSENT,
			                 _("profile '%s' has web_identity_token_file (its role_arn "
			                   "is for that)"),
			                 cfg->profile);
		a = xcalloc(1, sizeof *a);
		a->src.expiration = NAN;
		j->state = a;
		j->state_free = assume_state_free;
		if (assume_plan(cfg, a, &j->why) != CREDS_FOUND ||
		    assume_codes(j, a) != CREDS_FOUND)
			return CREDS_FAILED;
		j->step = ASSUME_SOURCE;
		if (creds_job_child(j, &a->source, a->order, a->n_order) == CREDS_PENDING)
			return CREDS_PENDING;
		/* fall through */
	case ASSUME_SOURCE:
		if (assume_source_done(j, a) != CREDS_FOUND)
			return CREDS_FAILED;
		a->level = a->n;
		assume_call(a);
		j->attempt = 0;
		/* fall through */
	case ASSUME_SEND: j->step = ASSUME_REPLY; return exchange_send(j, &a->x, &a->src);
	case ASSUME_REPLY: {
		struct aws_creds got = {0};
		got.expiration = NAN;
		st = exchange_reply(j, &a->x, &got);
		if (st == CREDS_PENDING) {
			j->step = ASSUME_SEND;
			return st;
		}
		if (st != CREDS_FOUND)
			return st;
		const struct awsconfig *v = &a->roles[a->level - 1];
		snprintf(got.source, sizeof got.source,
		         _("role %.150s of profile '%.60s' (from %.150s)"),
		         awsconfig_get(v, "role_arn"), v->profile, a->src.source);
		got.interactive = a->interactive;
		creds_clear(&a->src);
		a->src = got;
		if (--a->level == 0) {
			j->out = a->src;
			memset(&a->src, 0, sizeof a->src);
			return CREDS_FOUND;
		}
		assume_call(a);
		j->attempt = 0;
		j->step = ASSUME_REPLY;
		return exchange_send(j, &a->x, &a->src);
	}
	}
	return creds_say(&j->why, CREDS_FAILED, _("assume role: lost track of the request"));
}

/* ---- web identity ---- */

/* The environment variable (unless --profile or a source profile), else
 * the profile's key; *from says which. */
static const char *
wi_setting(const struct awsconfig *cfg, const char *env, const char *key, const char **from)
{
	const char *v = cfg->profile_explicit ? NULL : awsconfig_env(cfg, env);
	*from = env;
	if (!v) {
		v = awsconfig_get(cfg, key);
		*from = key;
	}
	return v;
}

static char *
read_token_file(const char *path, struct xr_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		xr_err_set(err, XR_EAUTH, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *text = secret_alloc(TOKEN_FILE_MAX + 1);
	size_t len = 0;
	for (;;) {
		ssize_t r = read(fd, text + len, TOKEN_FILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			xr_err_set(err, XR_EAUTH, "%s: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > TOKEN_FILE_MAX) {
			xr_err_set(err, XR_EAUTH, _("%s: larger than %u KiB"), path,
			           TOKEN_FILE_MAX >> 10);
			break;
		}
	}
	close(fd);
	if (err->msg[0]) {
		secret_free(text);
		return NULL;
	}
	text[len] = '\0';
	if (len == 0 || strlen(text) != len) {
		xr_err_set(err, XR_EAUTH, "%s: %s", path,
		           len ? _("it holds a NUL byte") : _("the file is empty"));
		secret_free(text);
		return NULL;
	}
	return text;
}

/* A web-identity job's call and the token it sends (secret memory). */
struct wi_state {
	char *token, *path, *session;
	const char *role;
	struct exchange x;
};

static void
wi_state_free(void *p)
{
	struct wi_state *w = p;
	secret_free(w->token);
	free(w->path);
	free(w->session);
	exchange_clear(&w->x);
	free(w);
}

enum { WI_PREPARE, WI_SEND, WI_REPLY };

enum creds_status
roles_step_web_identity(struct creds_job *j)
{
	const struct awsconfig *cfg = j->cfg;
	struct wi_state *w = j->state;
	switch (j->step) {
	case WI_PREPARE: {
		const char *file_from, *role_from, *name_from;
		const char *file = wi_setting(cfg, "AWS_WEB_IDENTITY_TOKEN_FILE",
		                              "web_identity_token_file", &file_from);
		if (!file)
			return creds_say(
			    &j->why, CREDS_ABSENT,
			    _("AWS_WEB_IDENTITY_TOKEN_FILE is not set and profile '%s' "
			      "has no web_identity_token_file"),
			    cfg->profile);
		const char *role = wi_setting(cfg, "AWS_ROLE_ARN", "role_arn", &role_from);
		if (!role)
			return creds_say(
			    &j->why, CREDS_FAILED,
			    _("%s is set but there is no role ARN to assume: set AWS_ROLE_ARN or "
			      "role_arn in profile '%s'"),
			    file_from, cfg->profile);
		const char *name =
		    wi_setting(cfg, "AWS_ROLE_SESSION_NAME", "role_session_name", &name_from);
		w = xcalloc(1, sizeof *w);
		j->state = w;
		j->state_free = wi_state_free;
		w->role = role;
		w->path = file[0] == '~' && awsconfig_env(cfg, "HOME")
		              ? xasprintf("%s%s", awsconfig_env(cfg, "HOME"), file + 1)
		              : xstrdup(file);
		struct xr_err e = {0};
		/* Read again at each refresh: EKS rotates it. */
		if (!(w->token = read_token_file(w->path, &e)))
			return creds_say(&j->why, CREDS_FAILED,
			                 _("the web identity token file (%s): %s"), file_from,
			                 e.msg);
		w->session = name ? xstrdup(name) : default_session_name();
		w->x.p = CREDS_WEB_IDENTITY;
		w->x.action = "AssumeRoleWithWebIdentity";
		const char *params[] = {"RoleArn",          role,    "RoleSessionName", w->session,
		                        "WebIdentityToken", w->token};
		memcpy(w->x.params, params, sizeof params);
		w->x.n_params = sizeof params / sizeof *params;
		snprintf(w->x.who, sizeof w->x.who, _("role %s (%s)"), role, role_from);
		j->attempt = 0;
	}
		/* fall through */
	case WI_SEND: j->step = WI_REPLY; return exchange_send(j, &w->x, NULL);
	case WI_REPLY: {
		enum creds_status st = exchange_reply(j, &w->x, &j->out);
		if (st == CREDS_PENDING)
			j->step = WI_SEND;
		else if (st == CREDS_FOUND)
			snprintf(j->out.source, sizeof j->out.source,
			         _("web identity: role %s with the token in %s"), w->role, w->path);
		return st;
	}
	}
	return creds_say(&j->why, CREDS_FAILED, _("web identity: lost track of the request"));
}
