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

/* Calls STS and fills out; st is CREDS_FOUND or CREDS_FAILED. */
static enum creds_status
call_sts(const struct awsconfig *cfg, enum creds_provider p, const char *action,
         const char *const *params, size_t n_params, const struct aws_creds *signer,
         const char *who, struct aws_creds *out, const atomic_bool *cancel, struct xr_err *why)
{
	struct aws_endpoint ep;
	struct xr_err e = {0};
	if (sts_endpoint(cfg, &ep, &e) < 0)
		return creds_say(why, CREDS_FAILED, "%s", e.msg);
	const char *region = cfg->region ? cfg->region : "us-east-1";
	struct http_sigv4 sig = {0};
	if (signer) {
		sig.region = region;
		sig.service = "sts";
		sig.access_key_id = signer->access_key_id;
		sig.secret_access_key = signer->secret_access_key;
		sig.session_token = signer->session_token;
	}
	struct sts_call call = {
	    .endpoint = ep.url,
	    .loopback = ep.loopback,
	    .action = action,
	    .params = params,
	    .n_params = n_params,
	    .sigv4 = signer ? &sig : NULL,
	    .ca_file = awsconfig_setting(cfg, "AWS_CA_BUNDLE", "ca_bundle"),
	};
	struct decoded_creds d;
	char code[128];
	dlog("credentials: STS %s at %s for %s", action, ep.url, who);
	if (sts_run(&call, &d, code, sizeof code, cancel, &e) < 0) {
		const char *hint = "";
		if (strcmp(code, "RegionDisabledException") == 0)
			hint =
			    _(" (activate STS for this region in the IAM console, or use another "
			      "region)");
		else if (strcmp(code, "ExpiredToken") == 0 ||
		         strcmp(code, "ExpiredTokenException") == 0)
			hint = signer ? _(" (the source credentials have expired)")
			              : _(" (the web identity token has expired)");
		else if (strcmp(code, "AccessDenied") == 0)
			hint = signer
			           ? _(" (may the source identity assume this role? is the trust "
			               "policy right?)")
			           : "";
		awsconfig_endpoint_free(&ep);
		return creds_say(why, CREDS_FAILED, _("STS %s (region %s) for %s: %s%s"), action,
		                 region, who, e.msg, hint);
	}
	awsconfig_endpoint_free(&ep);
	/* These may sign the next call of a chain before creds_try() sees them. */
	if (creds_unprintable(d.access_key_id, false) >= 0 ||
	    creds_unprintable(d.secret_access_key, false) >= 0 ||
	    creds_unprintable(d.session_token, false) >= 0) {
		decode_creds_free(&d);
		return creds_say(
		    why, CREDS_FAILED,
		    _("STS %s for %s: the credentials in the reply hold bytes that are not "
		      "printable ASCII: refused (they would corrupt the request's headers)"),
		    action, who);
	}
	creds_set(out, p, d.access_key_id, d.secret_access_key, d.session_token, d.expiration);
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

struct chain {
	const char *names[ROLES_MAX_CHAIN + 1];
	size_t n;
};

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

static void
chain_text(const struct chain *ch, const char *next, char *out, size_t size)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < ch->n; i++)
		buf_printf(&b, "%s'%s'", i ? " -> " : "", ch->names[i]);
	buf_printf(&b, " -> '%s'", next);
	snprintf(out, size, "%s", b.data);
	buf_free(&b);
}

static enum creds_status assume(const struct awsconfig *cfg, const struct awsconfig *v,
                                struct chain *ch, struct aws_creds *out, const atomic_bool *cancel,
                                struct xr_err *why);

/* The credentials of a source profile without a role of its own: its own
 * chain, environment keys skipped (as botocore's profile providers). */
static enum creds_status
profile_chain(const struct awsconfig *v, struct aws_creds *out, const atomic_bool *cancel,
              struct xr_err *why)
{
	static const enum creds_provider order[] = {
	    CREDS_WEB_IDENTITY, CREDS_SSO, CREDS_SHARED_FILE, CREDS_PROCESS, CREDS_CONFIG_FILE};
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		struct xr_err e = {0};
		enum creds_status st = creds_try(v, order[i], out, cancel, &e);
		if (st == CREDS_FOUND)
			return st;
		if (st == CREDS_FAILED)
			return creds_say(why, st, _("source profile '%s': %s: %s"), v->profile,
			                 creds_provider_name(order[i]), e.msg);
	}
	return creds_say(why, CREDS_FAILED,
	                 _("the source profile '%s' has no credentials (no keys in %s or %s, no "
	                   "credential_process, SSO or web identity)"),
	                 v->profile, v->credentials_path, v->config_path);
}

static enum creds_status
source_creds(const struct awsconfig *cfg, const struct awsconfig *v, struct chain *ch,
             struct aws_creds *src, const atomic_bool *cancel, struct xr_err *why)
{
	const char *sp = awsconfig_get(v, "source_profile");
	const char *cs = awsconfig_get(v, "credential_source");
	if (sp && cs)
		return creds_say(
		    why, CREDS_FAILED,
		    _("profile '%s' has both source_profile and credential_source: keep one"),
		    v->profile);
	if (!sp && !cs)
		return creds_say(why, CREDS_FAILED,
		                 _("profile '%s' has role_arn but neither source_profile nor "
		                   "credential_source"),
		                 v->profile);
	if (cs) {
		enum creds_provider p;
		if (strcmp(cs, "Environment") == 0)
			p = CREDS_ENV;
		else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
			p = CREDS_IMDS;
		else if (strcmp(cs, "EcsContainer") == 0)
			p = CREDS_CONTAINER;
		else
			return creds_say(
			    why, CREDS_FAILED,
			    _("credential_source '%s' of profile '%s' is not valid: use "
			      "Environment, Ec2InstanceMetadata or EcsContainer"),
			    cs, v->profile);
		struct awsconfig top = *cfg;
		top.profile_explicit = false; /* the sourcer's providers ignore --profile */
		struct xr_err e = {0};
		enum creds_status st = creds_try(&top, p, src, cancel, &e);
		if (st == CREDS_FOUND)
			return st;
		return creds_say(why, CREDS_FAILED,
		                 _("no credentials from credential_source %s of profile '%s': %s"),
		                 cs, v->profile, e.msg);
	}
	if (!awsconfig_has_profile(cfg, sp))
		return creds_say(
		    why, CREDS_FAILED,
		    _("the source_profile '%s' of profile '%s' is in neither %s nor %s"), sp,
		    v->profile, cfg->config_path, cfg->credentials_path);
	struct awsconfig sv;
	awsconfig_with_profile(cfg, sp, &sv);
	for (size_t i = 0; i < ch->n; i++) {
		if (strcmp(ch->names[i], sp) != 0)
			continue;
		/* A profile may name itself to take its own keys; anything else
		 * that comes back is a cycle. */
		if (strcmp(sp, v->profile) == 0 && has_static_keys(&sv))
			break;
		char text[700];
		chain_text(ch, sp, text, sizeof text);
		return creds_say(
		    why, CREDS_FAILED,
		    _("the source_profile chain %s is a cycle: profile '%s' comes back"), text, sp);
	}
	if (ch->n >= ROLES_MAX_CHAIN)
		return creds_say(why, CREDS_FAILED,
		                 _("the source_profile chain from profile '%s' is longer "
		                   "than %d profiles"),
		                 ch->names[0], ROLES_MAX_CHAIN);
	ch->names[ch->n++] = sp;
	if (has_static_keys(&sv) || !has_role(&sv))
		return profile_chain(&sv, src, cancel, why);
	return assume(cfg, &sv, ch, src, cancel, why);
}

static enum creds_status
assume(const struct awsconfig *cfg, const struct awsconfig *v, struct chain *ch,
       struct aws_creds *out, const atomic_bool *cancel, struct xr_err *why)
{
	const char *role = awsconfig_get(v, "role_arn");
	const char *dur = awsconfig_get(v, "duration_seconds");
	const char *mfa = awsconfig_get(v, "mfa_serial");
	if (dur) {
		char *end;
		long d = strtol(dur, &end, 10);
		if (end == dur || *end || d < 900 || d > 43200)
			return creds_say(
			    why, CREDS_FAILED,
			    _("duration_seconds '%s' of profile '%s' is not a number of seconds "
			      "from 900 to 43200"),
			    dur, v->profile);
	}
	struct aws_creds src = {0};
	src.expiration = NAN;
	enum creds_status st = source_creds(cfg, v, ch, &src, cancel, why);
	if (st != CREDS_FOUND) {
		creds_clear(&src);
		return st;
	}
	char code[16] = "";
	if (mfa) {
		if (cancel) {
			creds_clear(&src);
			return creds_say(
			    why, CREDS_FAILED,
			    _("the role of profile '%s' needs a new MFA code (mfa_serial): restart "
			      "xrtop to enter one"),
			    v->profile);
		}
		struct xr_err e = {0};
		if (roles_mfa_prompt(mfa, v->profile, code, sizeof code, &e) < 0) {
			creds_clear(&src);
			return creds_say(why, CREDS_FAILED, "%s", e.msg);
		}
	}
	char *session = awsconfig_get(v, "role_session_name")
	                    ? xstrdup(awsconfig_get(v, "role_session_name"))
	                    : default_session_name();
	const char *params[] = {"RoleArn",         role,
	                        "RoleSessionName", session,
	                        "ExternalId",      awsconfig_get(v, "external_id"),
	                        "DurationSeconds", dur,
	                        "SerialNumber",    mfa,
	                        "TokenCode",       mfa ? code : NULL};
	char who[600];
	snprintf(who, sizeof who, _("role %s of profile '%s'"), role, v->profile);
	st = call_sts(cfg, CREDS_ASSUME_ROLE, "AssumeRole", params, sizeof params / sizeof *params,
	              &src, who, out, cancel, why);
	secret_wipe(code, sizeof code);
	if (st == CREDS_FOUND) {
		out->interactive = src.interactive || mfa != NULL;
		snprintf(out->source, sizeof out->source,
		         _("role %.150s of profile '%.60s' (from %.150s)"), role, v->profile,
		         src.source);
	}
	creds_clear(&src);
	free(session);
	return st;
}

enum creds_status
roles_assume(const struct awsconfig *cfg, struct aws_creds *out, const atomic_bool *cancel,
             struct xr_err *why)
{
	if (!awsconfig_get(cfg, "role_arn"))
		return creds_say(why, CREDS_ABSENT, _("profile '%s' has no role_arn"),
		                 cfg->profile);
	if (awsconfig_get(cfg, "web_identity_token_file"))
		return creds_say(
		    why, CREDS_ABSENT,
		    _("profile '%s' has web_identity_token_file (its role_arn is for that)"),
		    cfg->profile);
	struct chain ch = {.names = {cfg->profile}, .n = 1};
	return assume(cfg, cfg, &ch, out, cancel, why);
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

enum creds_status
roles_web_identity(const struct awsconfig *cfg, struct aws_creds *out, const atomic_bool *cancel,
                   struct xr_err *why)
{
	const char *file_from, *role_from, *name_from;
	const char *file =
	    wi_setting(cfg, "AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file", &file_from);
	if (!file)
		return creds_say(why, CREDS_ABSENT,
		                 _("AWS_WEB_IDENTITY_TOKEN_FILE is not set and profile '%s' has no "
		                   "web_identity_token_file"),
		                 cfg->profile);
	const char *role = wi_setting(cfg, "AWS_ROLE_ARN", "role_arn", &role_from);
	if (!role)
		return creds_say(
		    why, CREDS_FAILED,
		    _("%s is set but there is no role ARN to assume: set AWS_ROLE_ARN or "
		      "role_arn in profile '%s'"),
		    file_from, cfg->profile);
	const char *name =
	    wi_setting(cfg, "AWS_ROLE_SESSION_NAME", "role_session_name", &name_from);
	struct xr_err e = {0};
	char *path = file[0] == '~' && awsconfig_env(cfg, "HOME")
	                 ? xasprintf("%s%s", awsconfig_env(cfg, "HOME"), file + 1)
	                 : xstrdup(file);
	char *token = read_token_file(path, &e);
	if (!token) {
		free(path);
		return creds_say(why, CREDS_FAILED, _("the web identity token file (%s): %s"),
		                 file_from, e.msg);
	}
	char *session = name ? xstrdup(name) : default_session_name();
	const char *params[] = {"RoleArn",          role, "RoleSessionName", session,
	                        "WebIdentityToken", token};
	char who[600];
	snprintf(who, sizeof who, _("role %s (%s)"), role, role_from);
	enum creds_status st =
	    call_sts(cfg, CREDS_WEB_IDENTITY, "AssumeRoleWithWebIdentity", params,
	             sizeof params / sizeof *params, NULL, who, out, cancel, why);
	if (st == CREDS_FOUND)
		snprintf(out->source, sizeof out->source,
		         _("web identity: role %s with the token in %s"), role, path);
	secret_free(token);
	free(session);
	free(path);
	return st;
}
