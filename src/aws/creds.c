#include "config.h"

#include "aws/creds.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/http.h"
#include "aws/roles.h"
#include "aws/sso.h"
#include "util/buf.h"
#include "util/dlog.h"
#include "util/secret.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "xray/decode_creds.h"

extern char **environ;

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_IPV6_ENDPOINT "http://[fd00:ec2::254]"
#define ECS_CONTAINER_HOST "http://169.254.170.2"
#define CONTAINER_TIMEOUT 2.0
#define CONTAINER_ATTEMPTS 2
#define METADATA_MAX_BODY (64u << 10)
#define REFRESH_RETRY 30.0
/* The characters of an IAM role name. */
#define ROLE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@_-"

const char *
creds_provider_name(enum creds_provider p)
{
	switch (p) {
	case CREDS_ENV: return "environment";
	case CREDS_ASSUME_ROLE: return "assume role";
	case CREDS_WEB_IDENTITY: return "web identity";
	case CREDS_SSO: return "IAM Identity Center (SSO)";
	case CREDS_SHARED_FILE: return "shared credentials file";
	case CREDS_PROCESS: return "credential_process";
	case CREDS_CONFIG_FILE: return "config file";
	case CREDS_CONTAINER: return "container endpoint";
	case CREDS_IMDS: return "EC2 instance metadata";
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

/* Fills why and returns st, for `return say(why, CREDS_ABSENT, ...)`. */
static enum creds_status say(struct xr_err *why, enum creds_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum creds_status
say(struct xr_err *why, enum creds_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	why->status = XR_EAUTH;
	vsnprintf(why->msg, sizeof why->msg, fmt, ap);
	va_end(ap);
	return st;
}

/* ---- environment and files ---- */

static enum creds_status
try_env(const struct awsconfig *cfg, struct aws_creds *out, struct xr_err *why)
{
	if (cfg->profile_explicit)
		return say(why, CREDS_ABSENT, "skipped because --profile was given");
	const char *akid = awsconfig_env(cfg, "AWS_ACCESS_KEY_ID");
	const char *secret = awsconfig_env(cfg, "AWS_SECRET_ACCESS_KEY");
	const char *token = awsconfig_env(cfg, "AWS_SESSION_TOKEN");
	if (!token)
		token = awsconfig_env(cfg, "AWS_SECURITY_TOKEN");
	if (!akid && !secret)
		return say(why, CREDS_ABSENT,
		           "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
	if (!akid || !secret)
		return say(why, CREDS_FAILED, "%s is set but %s is not",
		           akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		           akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	double expiration = NAN;
	const char *exp = awsconfig_env(cfg, "AWS_CREDENTIAL_EXPIRATION");
	struct xr_err e = {0};
	if (exp && timefmt_parse_time(exp, &expiration, &e) < 0)
		return say(why, CREDS_FAILED, "AWS_CREDENTIAL_EXPIRATION: %s", e.msg);
	creds_set(out, CREDS_ENV, akid, secret, token, expiration);
	snprintf(out->source, sizeof out->source, "environment variables (AWS_ACCESS_KEY_ID%s)",
	         token ? ", AWS_SESSION_TOKEN" : "");
	return CREDS_FOUND;
}

/* Static keys from one of the two files. */
static enum creds_status
try_keys(const struct awsconfig *cfg, enum creds_provider p, struct aws_creds *out,
         struct xr_err *why)
{
	bool config = p == CREDS_CONFIG_FILE;
	const char *path = config ? cfg->config_path : cfg->credentials_path;
	const struct ini *ini = config ? cfg->config : cfg->credentials;
	const char *(*get)(const struct awsconfig *, const char *) =
	    config ? awsconfig_config_get : awsconfig_credentials_get;
	if (!ini)
		return say(why, CREDS_ABSENT, "%s does not exist", path);
	const char *akid = get(cfg, "aws_access_key_id");
	const char *secret = get(cfg, "aws_secret_access_key");
	const char *token = get(cfg, "aws_session_token");
	if (!token)
		token = get(cfg, "aws_security_token");
	if (!akid && !secret)
		return say(why, CREDS_ABSENT, "profile '%s' has no aws_access_key_id in %s",
		           cfg->profile, path);
	if (!akid || !secret)
		return say(why, CREDS_FAILED, "profile '%s' in %s has %s but no %s", cfg->profile,
		           path, akid ? "aws_access_key_id" : "aws_secret_access_key",
		           akid ? "aws_secret_access_key" : "aws_access_key_id");
	creds_set(out, p, akid, secret, token, NAN);
	snprintf(out->source, sizeof out->source, "profile '%s' in %s", cfg->profile, path);
	return CREDS_FOUND;
}

/* ---- credential_process ---- */

char **
creds_split_command(const char *cmd, struct xr_err *err)
{
	size_t n = 0, cap = 8;
	char **argv = xcalloc(cap, sizeof *argv);
	struct buf word = BUF_INIT;
	bool in_word = false;
	const char *p = cmd;
	for (;;) {
		char c = *p;
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (in_word) {
				XGROW(argv, cap, n + 2);
				argv[n++] = buf_steal(&word);
				argv[n] = NULL;
				in_word = false;
			}
			if (c == '\0')
				break;
			p++;
			continue;
		}
		in_word = true;
		if (c == '\\') {
			if (!p[1]) {
				xr_err_set(err, XR_EUSAGE,
				           "no character after the final backslash");
				goto fail;
			}
			buf_putc(&word, p[1]);
			p += 2;
		} else if (c == '\'') {
			const char *close = strchr(p + 1, '\'');
			if (!close) {
				xr_err_set(err, XR_EUSAGE, "no closing quotation");
				goto fail;
			}
			buf_append(&word, p + 1, (size_t)(close - p - 1));
			buf_putc(&word, '\0');
			word.len--; /* an empty '' still makes a word */
			p = close + 1;
		} else if (c == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				buf_putc(&word, *p++);
			}
			if (!*p) {
				xr_err_set(err, XR_EUSAGE, "no closing quotation");
				goto fail;
			}
			buf_putc(&word, '\0');
			word.len--;
			p++;
		} else {
			buf_putc(&word, c);
			p++;
		}
	}
	buf_free(&word);
	if (n == 0) {
		xr_err_set(err, XR_EUSAGE, "empty command");
		free(argv);
		return NULL;
	}
	return argv;
fail:
	buf_free(&word);
	creds_argv_free(argv);
	return NULL;
}

void
creds_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* Reads what is available from fd into b (capped); false at end of file. */
static bool
drain(int fd, char *buf, size_t cap, size_t *len, bool *overflow)
{
	char scratch[4096];
	for (;;) {
		ssize_t r;
		if (*len < cap)
			r = read(fd, buf + *len, cap - *len);
		else
			r = read(fd, scratch, sizeof scratch);
		if (r > 0) {
			if (*len < cap)
				*len += (size_t)r;
			else
				*overflow = true;
			continue;
		}
		if (r == 0)
			return false;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK;
	}
}

/* Runs argv with stdin /dev/null, capturing stdout (into secret memory)
 * and the start of stderr.  Returns the exit status, or -1 with why. */
static int
run_process(char **argv, const atomic_bool *cancel, char **out, size_t *out_len, char *errtext,
            size_t errcap, struct xr_err *why)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		return xr_err_set(why, XR_EIO, "pipe: %s", strerror(errno));
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return xr_err_set(why, XR_EIO, "pipe: %s", strerror(errno));
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc != 0) {
		close(po[0]);
		close(pe[0]);
		return xr_err_set(why, XR_EIO, "cannot run '%s': %s", argv[0], strerror(rc));
	}
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	char *text = secret_alloc(CREDS_PROCESS_MAX_OUTPUT + 1);
	size_t len = 0, elen = 0;
	bool overflow = false, eoverflow = false, out_open = true, err_open = true;
	double deadline = timefmt_monotonic() + CREDS_PROCESS_TIMEOUT;
	int status = -1;
	bool timed_out = false, cancelled = false;
	for (;;) {
		struct pollfd pfd[2] = {{out_open ? po[0] : -1, POLLIN, 0},
		                        {err_open ? pe[0] : -1, POLLIN, 0}};
		if (out_open || err_open)
			poll(pfd, 2, 50);
		else
			usleep(10000);
		if (out_open)
			out_open = drain(po[0], text, CREDS_PROCESS_MAX_OUTPUT, &len, &overflow);
		if (err_open)
			err_open = drain(pe[0], errtext, errcap - 1, &elen, &eoverflow);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			/* What it wrote before exiting is in the pipes; a process it
			 * left behind may keep them open, so do not wait for EOF. */
			if (out_open)
				drain(po[0], text, CREDS_PROCESS_MAX_OUTPUT, &len, &overflow);
			if (err_open)
				drain(pe[0], errtext, errcap - 1, &elen, &eoverflow);
			break;
		}
		cancelled = cancel && atomic_load(cancel);
		timed_out = timefmt_monotonic() > deadline;
		if (cancelled || timed_out) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
	}
	close(po[0]);
	close(pe[0]);
	errtext[elen] = '\0';
	if (timed_out || cancelled || overflow) {
		secret_free(text);
		if (cancelled)
			return xr_err_set(why, XR_EIO, "cancelled");
		if (overflow)
			return xr_err_set(why, XR_ELIMIT, "its output is larger than %u KiB",
			                  CREDS_PROCESS_MAX_OUTPUT >> 10);
		return xr_err_set(why, XR_EIO, "it did not finish within %.0f s",
		                  CREDS_PROCESS_TIMEOUT);
	}
	*out = text;
	*out_len = len;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The first line of a process's stderr, for a message. */
static const char *
first_line(char *text)
{
	char *p = text;
	while (*p == '\n' || *p == '\r' || *p == ' ')
		p++;
	p[strcspn(p, "\r\n")] = '\0';
	if (strlen(p) > 300)
		strcpy(p + 297, "...");
	return p;
}

static enum creds_status
try_process(const struct awsconfig *cfg, struct aws_creds *out, const atomic_bool *cancel,
            struct xr_err *why)
{
	const char *cmd = awsconfig_get(cfg, "credential_process");
	if (!cmd)
		return say(why, CREDS_ABSENT, "profile '%s' has no credential_process",
		           cfg->profile);
	struct xr_err e = {0};
	char **argv = creds_split_command(cmd, &e);
	if (!argv)
		return say(why, CREDS_FAILED, "credential_process of profile '%s': %s",
		           cfg->profile, e.msg);
	char *text = NULL, errtext[1024];
	size_t len = 0;
	int status = run_process(argv, cancel, &text, &len, errtext, sizeof errtext, &e);
	enum creds_status rc = CREDS_FAILED;
	if (status < 0) {
		say(why, CREDS_FAILED, "credential_process '%s' of profile '%s': %s", argv[0],
		    cfg->profile, e.msg);
	} else if (status != 0) {
		const char *line = first_line(errtext);
		say(why, CREDS_FAILED,
		    "credential_process '%s' of profile '%s' exited with status %d%s%s", argv[0],
		    cfg->profile, status, *line ? ": " : "", line);
	} else {
		struct decoded_creds d;
		if (decode_creds(text, len, &d, &e) < 0) {
			say(why, CREDS_FAILED,
			    "credential_process '%s' of profile '%s': its output: %s", argv[0],
			    cfg->profile, e.msg);
		} else if (d.version != 1) {
			say(why, CREDS_FAILED,
			    "credential_process '%s' of profile '%s': its output has Version %d, "
			    "expected 1",
			    argv[0], cfg->profile, d.version);
			decode_creds_free(&d);
		} else {
			creds_set(out, CREDS_PROCESS, d.access_key_id, d.secret_access_key,
			          d.session_token, d.expiration);
			snprintf(out->source, sizeof out->source,
			         "credential_process '%s' of profile '%s'", argv[0], cfg->profile);
			decode_creds_free(&d);
			rc = CREDS_FOUND;
		}
	}
	if (text) {
		secret_free(text);
	}
	creds_argv_free(argv);
	return rc;
}

/* ---- metadata endpoints ---- */

static const struct http_request metadata_base = {
    .method = "GET",
    .max_body = METADATA_MAX_BODY,
    .direct = true,
};

/* Copies a metadata reply into secret memory, then clears it. */
static char *
take_body(struct http_response *r, size_t *len)
{
	*len = r->body.len;
	char *text = secret_strndup(r->body.data ? r->body.data : "", r->body.len);
	secret_wipe(r->body.data, r->body.cap);
	http_response_free(r);
	return text;
}

static enum creds_status
from_metadata_json(struct http_response *r, enum creds_provider p, const char *where,
                   struct aws_creds *out, struct xr_err *why)
{
	size_t len;
	char *text = take_body(r, &len);
	struct decoded_creds d;
	struct xr_err e = {0};
	int rc = decode_creds(text, len, &d, &e);
	secret_free(text);
	if (rc < 0)
		return say(why, CREDS_FAILED, "%s: %s", where, e.msg);
	creds_set(out, p, d.access_key_id, d.secret_access_key, d.session_token, d.expiration);
	decode_creds_free(&d);
	return CREDS_FOUND;
}

static bool
container_host_allowed(const char *host)
{
	return awsconfig_is_loopback(host) || strcmp(host, "169.254.170.2") == 0 ||
	       strcmp(host, "169.254.170.23") == 0 || strcasecmp(host, "fd00:ec2::23") == 0;
}

/* The authorization token: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (as
 * CloudShell and EKS give it) or AWS_CONTAINER_AUTHORIZATION_TOKEN. */
static int
container_token(const struct awsconfig *cfg, char **token, struct xr_err *why)
{
	*token = NULL;
	const char *file = awsconfig_env(cfg, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *env = awsconfig_env(cfg, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (file) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return xr_err_set(why, XR_EAUTH,
			                  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s", file,
			                  strerror(errno));
		char *text = secret_alloc(16385);
		ssize_t n = read(fd, text, 16384);
		int e = errno;
		close(fd);
		if (n < 0) {
			secret_free(text);
			return xr_err_set(why, XR_EAUTH,
			                  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s", file,
			                  strerror(e));
		}
		while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
			text[--n] = '\0';
		*token = text;
	} else if (env) {
		*token = secret_strdup(env);
	}
	long at = *token ? creds_unprintable(*token, true) : -1;
	if (at >= 0) {
		secret_free(*token);
		*token = NULL;
		return xr_err_set(
		    why, XR_EAUTH,
		    "the container authorization token (%s) holds a control character "
		    "or a byte that is not ASCII at byte %ld: refused",
		    file ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
		         : "AWS_CONTAINER_AUTHORIZATION_TOKEN",
		    at + 1);
	}
	return 0;
}

static enum creds_status
try_container(const struct awsconfig *cfg, struct aws_creds *out, const atomic_bool *cancel,
              struct xr_err *why)
{
	const char *rel = awsconfig_env(cfg, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = awsconfig_env(cfg, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	char *url;
	const char *var;
	if (rel) {
		url = xasprintf("%s%s%s", ECS_CONTAINER_HOST, rel[0] == '/' ? "" : "/", rel);
		var = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
	} else if (full) {
		bool https;
		char *host, *path;
		int port;
		struct xr_err e = {0};
		if (awsconfig_url_split(full, &https, &host, &port, &path, &e) < 0)
			return say(why, CREDS_FAILED, "AWS_CONTAINER_CREDENTIALS_FULL_URI: %s",
			           e.msg);
		bool allowed = https || container_host_allowed(host);
		free(host);
		free(path);
		if (!allowed)
			return say(
			    why, CREDS_FAILED,
			    "AWS_CONTAINER_CREDENTIALS_FULL_URI %s: plain http:// is only "
			    "allowed to loopback, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]",
			    full);
		url = xstrdup(full);
		var = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
	} else {
		return say(why, CREDS_ABSENT,
		           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set");
	}
	char *token;
	if (container_token(cfg, &token, why) < 0) {
		free(url);
		return CREDS_FAILED;
	}
	char *auth = token ? secret_alloc(strlen(token) + 32) : NULL;
	if (auth)
		snprintf(auth, strlen(token) + 32, "Authorization: %s", token);
	const char *headers[1] = {auth};
	struct http_request req = metadata_base;
	req.url = url;
	req.headers = headers;
	req.n_headers = auth ? 1 : 0;
	req.timeout = CONTAINER_TIMEOUT;
	req.connect_timeout = CONTAINER_TIMEOUT;
	struct http_response r;
	enum creds_status rc = CREDS_FAILED;
	for (int attempt = 1; attempt <= CONTAINER_ATTEMPTS; attempt++) {
		http_fetch(&req, &r, cancel);
		if (r.failure == HTTP_FAIL_NONE && r.status == 200) {
			char where[600];
			snprintf(where, sizeof where, "container credentials from %s", url);
			rc = from_metadata_json(&r, CREDS_CONTAINER, where, out, why);
			if (rc == CREDS_FOUND)
				snprintf(out->source, sizeof out->source,
				         "the container endpoint %s (%s)", url, var);
			break;
		}
		if (r.failure == HTTP_FAIL_NONE) {
			size_t len;
			char *text = take_body(&r, &len);
			char reply[200];
			snprintf(reply, sizeof reply, "%.*s", (int)(len < 150 ? len : 150), text);
			secret_free(text);
			reply[strcspn(reply, "\r\n")] = '\0';
			say(why, CREDS_FAILED,
			    "container credentials endpoint %s (%s) answered HTTP %ld%s%s", url,
			    var, r.status, *reply ? ": " : "", reply);
			if (r.status < 500)
				break;
		} else {
			say(why, CREDS_FAILED, "container credentials endpoint %s (%s): %s", url,
			    var, r.error);
			http_response_free(&r);
		}
	}
	secret_free(auth);
	secret_free(token);
	free(url);
	return rc;
}

static double
env_seconds(const struct awsconfig *cfg, const char *name, double dflt)
{
	const char *v = awsconfig_env(cfg, name);
	char *end;
	double d = v ? strtod(v, &end) : dflt;
	return v && (end == v || *end || !(d > 0)) ? dflt : d;
}

static enum creds_status
try_imds(const struct awsconfig *cfg, struct aws_creds *out, const atomic_bool *cancel,
         struct xr_err *why)
{
	const char *disabled = awsconfig_env(cfg, "AWS_EC2_METADATA_DISABLED");
	if (disabled && strcasecmp(disabled, "true") == 0)
		return say(why, CREDS_ABSENT, "disabled by AWS_EC2_METADATA_DISABLED=true");
	const char *ep = awsconfig_env(cfg, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = awsconfig_env(cfg, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	if (!ep)
		ep = mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_IPV6_ENDPOINT
		                                           : IMDS_DEFAULT_ENDPOINT;
	size_t eplen = strlen(ep);
	while (eplen && ep[eplen - 1] == '/')
		eplen--;
	double timeout = env_seconds(cfg, "AWS_METADATA_SERVICE_TIMEOUT", 1);
	int attempts = (int)env_seconds(cfg, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1);
	const char *v1_off = awsconfig_env(cfg, "AWS_EC2_METADATA_V1_DISABLED");
	bool v1_allowed = !(v1_off && strcasecmp(v1_off, "true") == 0);

	struct http_request req = metadata_base;
	req.timeout = req.connect_timeout = timeout;
	struct http_response r;
	char *url = xasprintf("%.*s/latest/api/token", (int)eplen, ep);
	const char *ttl_header[1] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600"};
	req.method = "PUT";
	req.url = url;
	req.headers = ttl_header;
	req.n_headers = 1;
	char *token_header = NULL;
	enum creds_status rc = CREDS_ABSENT;
	for (int a = 0; a < attempts; a++) {
		http_fetch(&req, &r, cancel);
		if (r.failure != HTTP_FAIL_TIMEOUT && r.failure != HTTP_FAIL_CONNECT)
			break;
		if (a + 1 < attempts)
			http_response_free(&r);
	}
	free(url);
	if (r.failure != HTTP_FAIL_NONE) {
		say(why, CREDS_ABSENT, "no instance metadata service at %.*s (%s)", (int)eplen, ep,
		    r.error);
		http_response_free(&r);
		return CREDS_ABSENT;
	}
	if (r.status == 200) {
		size_t len;
		char *token = take_body(&r, &len);
		if (!len || strlen(token) != len || creds_unprintable(token, false) >= 0) {
			secret_free(token);
			say(why, CREDS_FAILED,
			    "instance metadata at %.*s: its session token is %s: refused",
			    (int)eplen, ep, len ? "not printable ASCII" : "empty");
			return CREDS_FAILED;
		}
		token_header = secret_alloc(len + 40);
		snprintf(token_header, len + 40, "X-aws-ec2-metadata-token: %s", token);
		secret_free(token);
	} else if ((r.status == 403 || r.status == 404 || r.status == 405) && v1_allowed) {
		dlog("IMDS: token request answered HTTP %ld: continuing without a token (IMDSv1)",
		     r.status);
		http_response_free(&r);
	} else {
		say(why, CREDS_ABSENT, "instance metadata token request to %.*s answered HTTP %ld",
		    (int)eplen, ep, r.status);
		http_response_free(&r);
		return CREDS_ABSENT;
	}

	const char *headers[1] = {token_header};
	req.method = "GET";
	req.headers = headers;
	req.n_headers = token_header ? 1 : 0;
	url = xasprintf("%.*s/latest/meta-data/iam/security-credentials/", (int)eplen, ep);
	req.url = url;
	http_fetch(&req, &r, cancel);
	char role[256] = "";
	if (r.failure == HTTP_FAIL_NONE && r.status == 200) {
		snprintf(role, sizeof role, "%.*s", (int)(r.body.len < 255 ? r.body.len : 255),
		         r.body.data ? r.body.data : "");
		role[strcspn(role, "\r\n")] = '\0';
		size_t rl = strlen(role);
		if (strspn(role, ROLE_CHARS) != rl) {
			say(why, CREDS_FAILED,
			    "instance metadata at %.*s: the role name it gave is not an IAM role "
			    "name: refused",
			    (int)eplen, ep);
			rc = CREDS_FAILED;
			http_response_free(&r);
			goto out;
		}
	}
	if (!role[0]) {
		if (r.failure != HTTP_FAIL_NONE)
			say(why, CREDS_ABSENT, "instance metadata at %.*s: %s", (int)eplen, ep,
			    r.error);
		else if (r.status == 404 || r.status == 200)
			say(why, CREDS_ABSENT,
			    "the instance has no IAM role (instance metadata at %.*s)", (int)eplen,
			    ep);
		else
			say(why, CREDS_ABSENT,
			    "instance metadata at %.*s answered HTTP %ld for the role", (int)eplen,
			    ep, r.status);
		http_response_free(&r);
		goto out;
	}
	http_response_free(&r);
	free(url);
	url = xasprintf("%.*s/latest/meta-data/iam/security-credentials/%s", (int)eplen, ep, role);
	req.url = url;
	http_fetch(&req, &r, cancel);
	if (r.failure != HTTP_FAIL_NONE || r.status != 200) {
		rc = say(why, CREDS_FAILED,
		         "instance metadata at %.*s: credentials of role %s: %s%ld", (int)eplen, ep,
		         role, r.failure != HTTP_FAIL_NONE ? r.error : "HTTP ",
		         r.failure != HTTP_FAIL_NONE ? 0L : r.status);
		http_response_free(&r);
		goto out;
	}
	char where[400];
	snprintf(where, sizeof where, "instance metadata credentials of role %s", role);
	rc = from_metadata_json(&r, CREDS_IMDS, where, out, why);
	if (rc == CREDS_FOUND)
		snprintf(out->source, sizeof out->source,
		         "the EC2 instance metadata service at %.*s (role %s)", (int)eplen, ep,
		         role);
out:
	free(url);
	secret_free(token_header);
	return rc;
}

/* Refuses credentials that could change the request's headers or its
 * signature: a key or token byte outside printable ASCII (a control
 * character such as CR or LF, a space, a non-ASCII byte).  The message
 * gives its position, never the value. */
static enum creds_status
check_printable(struct aws_creds *c, struct xr_err *why)
{
	const struct {
		const char *name, *value;
	} parts[] = {
	    {"access key id", c->access_key_id},
	    {"secret access key", c->secret_access_key},
	    {"session token", c->session_token},
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		long at = creds_unprintable(parts[i].value, false);
		if (at < 0)
			continue;
		unsigned char b = (unsigned char)parts[i].value[at];
		say(why, CREDS_FAILED,
		    "the %s from %s holds %s at byte %ld of %zu: refused (it would corrupt the "
		    "request's headers)",
		    parts[i].name, c->source,
		    b < 0x20 || b == 0x7f ? "a control character"
		    : b == ' '            ? "a space"
		                          : "a byte that is not ASCII",
		    at + 1, strlen(parts[i].value));
		creds_clear(c);
		return CREDS_FAILED;
	}
	return CREDS_FOUND;
}

enum creds_status
creds_try(const struct awsconfig *cfg, enum creds_provider p, struct aws_creds *out,
          const atomic_bool *cancel, struct xr_err *why)
{
	enum creds_status st = CREDS_ABSENT;
	switch (p) {
	case CREDS_ENV: st = try_env(cfg, out, why); break;
	case CREDS_ASSUME_ROLE: st = roles_assume(cfg, out, cancel, why); break;
	case CREDS_WEB_IDENTITY: st = roles_web_identity(cfg, out, cancel, why); break;
	case CREDS_SSO: st = sso_try(cfg, out, cancel, why); break;
	case CREDS_SHARED_FILE: st = try_keys(cfg, p, out, why); break;
	case CREDS_PROCESS: st = try_process(cfg, out, cancel, why); break;
	case CREDS_CONFIG_FILE: st = try_keys(cfg, p, out, why); break;
	case CREDS_CONTAINER: st = try_container(cfg, out, cancel, why); break;
	case CREDS_IMDS: st = try_imds(cfg, out, cancel, why); break;
	case CREDS_PROVIDERS: return say(why, CREDS_ABSENT, "no such provider");
	}
	return st == CREDS_FOUND ? check_printable(out, why) : st;
}

static int
check_expiry(struct aws_creds *c, struct xr_err *err)
{
	if (!isnan(c->expiration) && c->expiration <= timefmt_now()) {
		char when[40];
		timefmt_iso(c->expiration, when, sizeof when);
		xr_err_set(err, XR_EAUTH, "the credentials from %s expired at %s", c->source, when);
		creds_clear(c);
		return -1;
	}
	return 0;
}

int
creds_resolve(const struct awsconfig *cfg, struct aws_creds *out, struct xr_err *err)
{
	memset(out, 0, sizeof *out);
	out->expiration = NAN;
	struct buf tried = BUF_INIT;
	for (int p = 0; p < CREDS_PROVIDERS; p++) {
		struct xr_err why = {0};
		enum creds_status st = creds_try(cfg, (enum creds_provider)p, out, NULL, &why);
		if (st == CREDS_FOUND) {
			buf_free(&tried);
			dlog("credentials: using %s (access key %.4s...)", out->source,
			     out->access_key_id);
			dlog_secret(out->secret_access_key);
			dlog_secret(out->session_token);
			return check_expiry(out, err);
		}
		if (st == CREDS_FAILED) {
			buf_free(&tried);
			return xr_err_set(err, XR_EAUTH, "AWS credentials: %s: %s",
			                  creds_provider_name((enum creds_provider)p), why.msg);
		}
		buf_printf(&tried, "\n  %s: %s", creds_provider_name((enum creds_provider)p),
		           why.msg);
	}
	xr_err_set(err, XR_EAUTH, "no AWS credentials found; tried, in order:%s", tried.data);
	buf_free(&tried);
	return -1;
}

/* ---- credentials in use, with background refresh ---- */

struct creds {
	const struct awsconfig *cfg;
	struct aws_creds cur;
	unsigned generation;
	double refresh_at; /* epoch seconds; INFINITY when static */
	pthread_t thread;
	bool thread_running;
	atomic_bool cancel;
	atomic_bool done;
	struct aws_creds fresh; /* written by the thread before `done` */
	struct xr_err fresh_err;
	bool fresh_ok;
	char last_error[1200];
};

static void
plan_refresh(struct creds *c, double now)
{
	if (isnan(c->cur.expiration) || c->cur.interactive || c->cur.provider == CREDS_ENV ||
	    c->cur.provider == CREDS_SHARED_FILE || c->cur.provider == CREDS_CONFIG_FILE) {
		c->refresh_at = INFINITY;
		return;
	}
	double life = c->cur.expiration - now;
	double ahead = life / 2 < CREDS_REFRESH_AHEAD ? life / 2 : CREDS_REFRESH_AHEAD;
	c->refresh_at = c->cur.expiration - ahead;
}

static struct creds *
creds_hold(const struct awsconfig *cfg, struct aws_creds *cur)
{
	struct creds *c = xcalloc(1, sizeof *c);
	c->cfg = cfg;
	c->cur = *cur;
	memset(cur, 0, sizeof *cur);
	c->generation = 1;
	atomic_init(&c->cancel, false);
	atomic_init(&c->done, false);
	plan_refresh(c, timefmt_now());
	return c;
}

struct creds *
creds_new(const struct awsconfig *cfg, struct xr_err *err)
{
	struct aws_creds cur;
	if (creds_resolve(cfg, &cur, err) < 0)
		return NULL;
	return creds_hold(cfg, &cur);
}

struct creds *
creds_new_static(const struct awsconfig *cfg, struct aws_creds *cur)
{
	return creds_hold(cfg, cur);
}

static void
join_refresh(struct creds *c)
{
	if (c->thread_running) {
		pthread_join(c->thread, NULL);
		c->thread_running = false;
	}
}

void
creds_free(struct creds *c)
{
	if (!c)
		return;
	atomic_store(&c->cancel, true);
	join_refresh(c);
	creds_clear(&c->fresh);
	creds_clear(&c->cur);
	free(c);
}

const struct aws_creds *
creds_current(const struct creds *c)
{
	return &c->cur;
}

unsigned
creds_generation(const struct creds *c)
{
	return c->generation;
}

static void *
refresh_main(void *arg)
{
	struct creds *c = arg;
	struct aws_creds fresh = {0};
	struct xr_err why = {0};
	enum creds_status st = creds_try(c->cfg, c->cur.provider, &fresh, &c->cancel, &why);
	c->fresh_ok = st == CREDS_FOUND;
	if (c->fresh_ok)
		c->fresh = fresh;
	else
		c->fresh_err = why;
	atomic_store(&c->done, true);
	return NULL;
}

static void
start_refresh(struct creds *c)
{
	atomic_store(&c->done, false);
	c->fresh_ok = false;
	if (pthread_create(&c->thread, NULL, refresh_main, c) == 0) {
		c->thread_running = true;
		dlog("credentials: refreshing from %s", c->cur.source);
	} else {
		c->refresh_at = timefmt_now() + REFRESH_RETRY;
	}
}

static void
finish_refresh(struct creds *c, double now)
{
	join_refresh(c);
	if (c->fresh_ok && c->fresh.expiration > now) {
		dlog_secret(c->fresh.secret_access_key);
		dlog_secret(c->fresh.session_token);
		char when[40];
		timefmt_iso(c->fresh.expiration, when, sizeof when);
		dlog("credentials: refreshed (access key %.4s..., expire %s)",
		     c->fresh.access_key_id, when);
		creds_clear(&c->cur);
		c->cur = c->fresh;
		memset(&c->fresh, 0, sizeof c->fresh);
		c->generation++;
		c->last_error[0] = '\0';
		plan_refresh(c, now);
		return;
	}
	if (c->fresh_ok)
		snprintf(c->last_error, sizeof c->last_error,
		         "credential refresh from %s returned credentials that already expired",
		         c->cur.source);
	else
		snprintf(c->last_error, sizeof c->last_error, "credential refresh failed: %s",
		         c->fresh_err.msg);
	creds_clear(&c->fresh);
	dlog("%s; retrying in %.0f s", c->last_error, REFRESH_RETRY);
	c->refresh_at = now + REFRESH_RETRY;
}

double
creds_tick(struct creds *c)
{
	double now = timefmt_now();
	if (c->thread_running) {
		if (!atomic_load(&c->done))
			return 0.1;
		finish_refresh(c, now);
	}
	if (now >= c->refresh_at) {
		start_refresh(c);
		return c->thread_running ? 0.1 : c->refresh_at - now;
	}
	return c->refresh_at - now;
}

bool
creds_refreshable(const struct creds *c)
{
	if (c->cur.interactive)
		return false;
	return c->cur.provider == CREDS_PROCESS || c->cur.provider == CREDS_CONTAINER ||
	       c->cur.provider == CREDS_IMDS || c->cur.provider == CREDS_ASSUME_ROLE ||
	       c->cur.provider == CREDS_WEB_IDENTITY || c->cur.provider == CREDS_SSO;
}

bool
creds_refresh_now(struct creds *c, unsigned generation)
{
	if (!creds_refreshable(c))
		return false;
	if (generation != c->generation || c->thread_running)
		return true;
	c->refresh_at = timefmt_now();
	return true;
}

bool
creds_refreshing(const struct creds *c)
{
	return c->thread_running;
}

const char *
creds_refresh_error(const struct creds *c)
{
	return c->last_error[0] ? c->last_error : NULL;
}
