#include "config.h"

#include "aws/creds.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/credsjob.h"
#include "aws/decode_creds.h"
#include "aws/http.h"
#include "aws/imds.h"
#include "aws/roles.h"
#include "aws/sso.h"
#include "util/buf.h"
#include "util/dlog.h"
#include "util/secret.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

extern char **environ;

#define ECS_CONTAINER_HOST "http://169.254.170.2"
#define CONTAINER_TIMEOUT 2.0
#define CONTAINER_ATTEMPTS 2
#define METADATA_MAX_BODY (64u << 10)
#define REFRESH_RETRY 30.0
/* The characters of an IAM role name. */
#define ROLE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@_-"

/* ---- environment and files ---- */

static enum creds_status
try_env(const struct awsconfig *cfg, struct aws_creds *out, struct xr_err *why)
{
	if (cfg->profile_explicit)
		return creds_say(why, CREDS_ABSENT, _("skipped because --profile was given"));
	const char *akid = awsconfig_env(cfg, "AWS_ACCESS_KEY_ID");
	const char *secret = awsconfig_env(cfg, "AWS_SECRET_ACCESS_KEY");
	const char *token = awsconfig_env(cfg, "AWS_SESSION_TOKEN");
	if (!token)
		token = awsconfig_env(cfg, "AWS_SECURITY_TOKEN");
	if (!akid && !secret)
		return creds_say(why, CREDS_ABSENT,
		                 _("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"));
	if (!akid || !secret)
		return creds_say(why, CREDS_FAILED, _("%s is set but %s is not"),
		                 akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		                 akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	double expiration = NAN;
	const char *exp = awsconfig_env(cfg, "AWS_CREDENTIAL_EXPIRATION");
	struct xr_err e = {0};
	if (exp && timefmt_parse_time(exp, &expiration, &e) < 0)
		return creds_say(why, CREDS_FAILED, _("AWS_CREDENTIAL_EXPIRATION: %s"), e.msg);
	creds_set(out, CREDS_ENV, akid, secret, token, expiration);
	snprintf(out->source, sizeof out->source,
	         token ? _("environment variables (AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN)")
	               : _("environment variables (AWS_ACCESS_KEY_ID)"));
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
		return creds_say(why, CREDS_ABSENT, _("%s does not exist"), path);
	const char *akid = get(cfg, "aws_access_key_id");
	const char *secret = get(cfg, "aws_secret_access_key");
	const char *token = get(cfg, "aws_session_token");
	if (!token)
		token = get(cfg, "aws_security_token");
	if (!akid && !secret)
		return creds_say(why, CREDS_ABSENT,
		                 _("profile '%s' has no aws_access_key_id in %s"), cfg->profile,
		                 path);
	if (!akid || !secret)
		return creds_say(why, CREDS_FAILED, _("profile '%s' in %s has %s but no %s"),
		                 cfg->profile, path,
		                 akid ? "aws_access_key_id" : "aws_secret_access_key",
		                 akid ? "aws_secret_access_key" : "aws_access_key_id");
	creds_set(out, p, akid, secret, token, NAN);
	snprintf(out->source, sizeof out->source, _("profile '%s' in %s"), cfg->profile, path);
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
				           _("no character after the final backslash"));
				goto fail;
			}
			buf_putc(&word, p[1]);
			p += 2;
		} else if (c == '\'') {
			const char *close = strchr(p + 1, '\'');
			if (!close) {
				xr_err_set(err, XR_EUSAGE, _("no closing quotation"));
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
				xr_err_set(err, XR_EUSAGE, _("no closing quotation"));
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
		xr_err_set(err, XR_EUSAGE, _("empty command"));
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

/* ---- resolution jobs (aws/credsjob.h) ---- */

static void job_advance(struct creds_job *j);
static void creds_job_free(struct creds_job *j);

/* Makes j and its parents runnable and advances the job at the top: a
 * child's progress reaches its parent's step that way. */
static void
job_wake(struct creds_job *j)
{
	struct creds_job *top = j;
	for (struct creds_job *x = j; x; x = x->parent) {
		x->wait = CREDS_JOB_RUN;
		top = x;
	}
	job_advance(top);
}

static void
on_job_reply(void *ctx, struct http_response *r)
{
	struct creds_job *j = ctx;
	j->http_id = 0;
	j->resp = *r;
	r->body = (struct buf)BUF_INIT;
	job_wake(j); /* may free j's parents' children, j among them: last */
}

static enum creds_status
job_submit(struct creds_job *j, const struct http_request *req)
{
	http_response_free(&j->resp);
	memset(&j->resp, 0, sizeof j->resp);
	j->wait = CREDS_JOB_HTTP;
	j->http_id = http_submit(j->http, req, on_job_reply, j);
	return CREDS_PENDING;
}

static void
job_end_child(struct creds_job *j)
{
	creds_job_free(j->child);
	j->child = NULL;
}

static struct creds_job *job_new(const struct awsconfig *cfg, struct http *h,
                                 enum creds_job_mode mode, const enum creds_provider *order,
                                 size_t n);

static enum creds_status
job_child(struct creds_job *j, const struct awsconfig *cfg, const enum creds_provider *order,
          size_t n)
{
	job_end_child(j);
	struct creds_job *c = job_new(cfg, j->http, CREDS_JOB_LIST, order, n);
	c->unattended = j->unattended;
	c->parent = j;
	j->child = c;
	job_advance(c);
	if (c->wait == CREDS_JOB_DONE)
		return c->st;
	j->wait = CREDS_JOB_CHILD;
	return CREDS_PENDING;
}

static const struct creds_job_ops job_ops = {job_submit, job_child, job_end_child};

/* Forgets the current provider's state (what is in flight is stopped). */
static void
job_reset_provider(struct creds_job *j)
{
	job_end_child(j);
	if (j->state_free)
		j->state_free(j->state);
	j->state = NULL;
	j->state_free = NULL;
	if (j->http_id)
		http_cancel(j->http, j->http_id);
	j->http_id = 0;
	if (j->pid > 0) {
		kill(j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
	}
	j->pid = 0;
	if (j->po >= 0)
		close(j->po);
	if (j->pe >= 0)
		close(j->pe);
	j->po = j->pe = -1;
	http_response_free(&j->resp);
	memset(&j->resp, 0, sizeof j->resp);
	free(j->url);
	secret_free(j->auth);
	secret_free(j->token_header);
	secret_free(j->text);
	creds_argv_free(j->argv);
	j->url = j->auth = j->token_header = j->text = NULL;
	j->argv = NULL;
	j->step = j->attempt = 0;
	j->len = j->elen = 0;
	j->overflow = j->eoverflow = false;
	j->role[0] = '\0';
	j->wait = CREDS_JOB_RUN;
}

/* ---- credential_process, watched from creds_job_tick() ---- */

/* Starts argv with stdin /dev/null, stdout and stderr into pipes. */
static int
process_spawn(struct creds_job *j, struct xr_err *why)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		return xr_err_set(why, XR_EIO, _("pipe: %s"), strerror(errno));
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return xr_err_set(why, XR_EIO, _("pipe: %s"), strerror(errno));
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, j->argv[0], &fa, NULL, j->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc != 0) {
		close(po[0]);
		close(pe[0]);
		return xr_err_set(why, XR_EIO, _("cannot run '%s': %s"), j->argv[0], strerror(rc));
	}
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	j->pid = pid;
	j->po = po[0];
	j->pe = pe[0];
	j->text = secret_alloc(CREDS_PROCESS_MAX_OUTPUT + 1);
	j->out_open = j->err_open = true;
	j->deadline = timefmt_monotonic() + CREDS_PROCESS_TIMEOUT;
	return 0;
}

/* Reads what the process wrote; returns its exit status once it ended
 * (-1 with why when it could not be used), or -2 while it runs. */
static int
process_poll(struct creds_job *j, struct xr_err *why)
{
	size_t ecap = sizeof j->errtext - 1;
	if (j->out_open)
		j->out_open =
		    drain(j->po, j->text, CREDS_PROCESS_MAX_OUTPUT, &j->len, &j->overflow);
	if (j->err_open)
		j->err_open = drain(j->pe, j->errtext, ecap, &j->elen, &j->eoverflow);
	int status = -1;
	bool ended = waitpid(j->pid, &status, WNOHANG) == j->pid;
	if (ended) {
		/* What it wrote before exiting is in the pipes; a process it
		 * left behind may keep them open, so do not wait for EOF. */
		if (j->out_open)
			drain(j->po, j->text, CREDS_PROCESS_MAX_OUTPUT, &j->len, &j->overflow);
		if (j->err_open)
			drain(j->pe, j->errtext, ecap, &j->elen, &j->eoverflow);
	} else if (timefmt_monotonic() > j->deadline) {
		kill(j->pid, SIGKILL);
		waitpid(j->pid, &status, 0);
	} else {
		return -2;
	}
	j->pid = 0;
	close(j->po);
	close(j->pe);
	j->po = j->pe = -1;
	j->errtext[j->elen] = '\0';
	if (!ended || j->overflow) {
		if (j->overflow)
			return xr_err_set(why, XR_ELIMIT, _("its output is larger than %u KiB"),
			                  CREDS_PROCESS_MAX_OUTPUT >> 10);
		return xr_err_set(why, XR_EIO, _("it did not finish within %.0f s"),
		                  CREDS_PROCESS_TIMEOUT);
	}
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
step_process(struct creds_job *j, struct aws_creds *out, struct xr_err *why)
{
	const struct awsconfig *cfg = j->cfg;
	struct xr_err e = {0};
	if (j->step == 0) {
		const char *cmd = awsconfig_get(cfg, "credential_process");
		if (!cmd)
			return creds_say(why, CREDS_ABSENT,
			                 _("profile '%s' has no credential_process"), cfg->profile);
		if (!(j->argv = creds_split_command(cmd, &e)))
			return creds_say(why, CREDS_FAILED,
			                 _("credential_process of profile '%s': %s"), cfg->profile,
			                 e.msg);
		if (process_spawn(j, &e) < 0)
			return creds_say(why, CREDS_FAILED,
			                 _("credential_process '%s' of profile '%s': %s"),
			                 j->argv[0], cfg->profile, e.msg);
		j->step = 1;
	}
	int status = process_poll(j, &e);
	if (status == -2) {
		j->wait = CREDS_JOB_PROCESS;
		return CREDS_PENDING;
	}
	const char *argv0 = j->argv[0];
	if (status < 0)
		return creds_say(why, CREDS_FAILED,
		                 _("credential_process '%s' of profile '%s': %s"), argv0,
		                 cfg->profile, e.msg);
	if (status != 0) {
		const char *line = first_line(j->errtext);
		return creds_say(
		    why, CREDS_FAILED,
		    _("credential_process '%s' of profile '%s' exited with status %d%s%s"), argv0,
		    cfg->profile, status, *line ? ": " : "", line);
	}
	struct decoded_creds d;
	if (decode_creds(j->text, j->len, &d, &e) < 0)
		return creds_say(why, CREDS_FAILED,
		                 _("credential_process '%s' of profile '%s': its output: %s"),
		                 argv0, cfg->profile, e.msg);
	if (d.version != 1) {
		creds_say(why, CREDS_FAILED,
		          _("credential_process '%s' of profile '%s': its output has Version %d, "
		            "expected 1"),
		          argv0, cfg->profile, d.version);
		decode_creds_free(&d);
		return CREDS_FAILED;
	}
	creds_set(out, CREDS_PROCESS, d.access_key_id, d.secret_access_key, d.session_token,
	          d.expiration);
	snprintf(out->source, sizeof out->source, _("credential_process '%s' of profile '%s'"),
	         argv0, cfg->profile);
	decode_creds_free(&d);
	return CREDS_FOUND;
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
		return creds_say(why, CREDS_FAILED, "%s: %s", where, e.msg);
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
			                  _("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s"), file,
			                  strerror(errno));
		char *text = secret_alloc(16385);
		ssize_t n = read(fd, text, 16384);
		int e = errno;
		close(fd);
		if (n < 0) {
			secret_free(text);
			return xr_err_set(why, XR_EAUTH,
			                  _("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s"), file,
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
		    _("the container authorization token (%s) holds a control character "
		      "or a byte that is not ASCII at byte %ld: refused"),
		    file ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
		         : "AWS_CONTAINER_AUTHORIZATION_TOKEN",
		    at + 1);
	}
	return 0;
}

static enum creds_status
step_container(struct creds_job *j, struct aws_creds *out, struct xr_err *why)
{
	const struct awsconfig *cfg = j->cfg;
	if (j->step == 0) {
		const char *rel = awsconfig_env(cfg, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
		const char *full = awsconfig_env(cfg, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
		if (rel) {
			j->url =
			    xasprintf("%s%s%s", ECS_CONTAINER_HOST, rel[0] == '/' ? "" : "/", rel);
			j->var = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
		} else if (full) {
			bool https;
			char *host, *path;
			int port;
			struct xr_err e = {0};
			if (awsconfig_url_split(full, &https, &host, &port, &path, &e) < 0)
				return creds_say(why, CREDS_FAILED,
				                 _("AWS_CONTAINER_CREDENTIALS_FULL_URI: %s"),
				                 e.msg);
			bool allowed = https || container_host_allowed(host);
			free(host);
			free(path);
			if (!allowed)
				return creds_say(
				    why, CREDS_FAILED,
				    _("AWS_CONTAINER_CREDENTIALS_FULL_URI %s: plain http:// is "
				      "only "
				      "allowed to loopback, 169.254.170.2, 169.254.170.23 or "
				      "[fd00:ec2::23]"),
				    full);
			j->url = xstrdup(full);
			j->var = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
		} else {
			return creds_say(
			    why, CREDS_ABSENT,
			    _("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set"));
		}
		char *token;
		if (container_token(cfg, &token, why) < 0)
			return CREDS_FAILED;
		if (token) {
			j->auth = secret_alloc(strlen(token) + 32);
			snprintf(j->auth, strlen(token) + 32, "Authorization: %s", token);
			secret_free(token);
		}
		j->step = 1;
	}
	if (j->step == 2) {
		struct http_response *r = &j->resp;
		if (r->failure == HTTP_FAIL_NONE && r->status == 200) {
			char where[600];
			snprintf(where, sizeof where, _("container credentials from %s"), j->url);
			enum creds_status rc =
			    from_metadata_json(r, CREDS_CONTAINER, where, out, why);
			if (rc == CREDS_FOUND)
				snprintf(out->source, sizeof out->source,
				         _("the container endpoint %s (%s)"), j->url, j->var);
			return rc;
		}
		if (r->failure == HTTP_FAIL_NONE) {
			size_t len;
			char *text = take_body(r, &len);
			char reply[200];
			snprintf(reply, sizeof reply, "%.*s", (int)(len < 150 ? len : 150), text);
			secret_free(text);
			reply[strcspn(reply, "\r\n")] = '\0';
			creds_say(why, CREDS_FAILED,
			          _("container credentials endpoint %s (%s) answered HTTP %ld%s%s"),
			          j->url, j->var, r->status, *reply ? ": " : "", reply);
			if (r->status < 500)
				return CREDS_FAILED;
		} else {
			creds_say(why, CREDS_FAILED,
			          _("container credentials endpoint %s (%s): %s"), j->url, j->var,
			          r->error);
		}
		if (j->attempt >= CONTAINER_ATTEMPTS)
			return CREDS_FAILED;
	}
	/* step 1: (another) attempt */
	const char *headers[1] = {j->auth};
	struct http_request req = metadata_base;
	req.url = j->url;
	req.headers = headers;
	req.n_headers = j->auth ? 1 : 0;
	req.timeout = CONTAINER_TIMEOUT;
	req.connect_timeout = CONTAINER_TIMEOUT;
	j->attempt++;
	j->step = 2;
	return job_submit(j, &req);
}

enum { IMDS_PREPARE, IMDS_TOKEN, IMDS_ROLE, IMDS_CREDS };

/* The request of an IMDS step (the token header once there is one). */
static enum creds_status
imds_send(struct creds_job *j, const char *method, const char *path)
{
	const char *ttl_header[1] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600"};
	const char *token_header[1] = {j->token_header};
	struct http_request req = metadata_base;
	req.timeout = req.connect_timeout = j->timeout;
	free(j->url);
	j->url = xasprintf("%.*s%s%s", (int)j->eplen, j->ep, path, j->role);
	req.method = method;
	req.url = j->url;
	if (strcmp(method, "PUT") == 0) {
		req.headers = ttl_header;
		req.n_headers = 1;
	} else {
		req.headers = token_header;
		req.n_headers = j->token_header ? 1 : 0;
	}
	return job_submit(j, &req);
}

static enum creds_status
step_imds(struct creds_job *j, struct aws_creds *out, struct xr_err *why)
{
	const struct awsconfig *cfg = j->cfg;
	struct http_response *r = &j->resp;
	size_t eplen = j->eplen;
	const char *ep = j->ep;
	switch (j->step) {
	case IMDS_PREPARE: {
		struct imds_settings set;
		struct xr_err e = {0};
		int rc = imds_settings(cfg, &set, &e);
		if (set.disabled)
			return creds_say(why, CREDS_ABSENT,
			                 _("disabled by AWS_EC2_METADATA_DISABLED=true"));
		if (rc < 0)
			return creds_say(why, CREDS_FAILED, "%s", e.msg);
		j->ep = set.ep;
		j->eplen = set.eplen;
		j->timeout = set.timeout;
		j->attempts = set.attempts;
		j->v1_allowed = set.v1_allowed;
		j->step = IMDS_TOKEN;
		j->attempt = 1;
		return imds_send(j, "PUT", "/latest/api/token");
	}
	case IMDS_TOKEN:
		if ((r->failure == HTTP_FAIL_TIMEOUT || r->failure == HTTP_FAIL_CONNECT) &&
		    j->attempt < j->attempts) {
			j->attempt++;
			return imds_send(j, "PUT", "/latest/api/token");
		}
		if (r->failure != HTTP_FAIL_NONE)
			return creds_say(why, CREDS_ABSENT,
			                 _("no instance metadata service at %.*s (%s)"), (int)eplen,
			                 ep, r->error);
		if (r->status == 200) {
			size_t len;
			char *token = take_body(r, &len);
			if (!len || strlen(token) != len || creds_unprintable(token, false) >= 0) {
				secret_free(token);
				return creds_say(
				    why, CREDS_FAILED,
				    _("instance metadata at %.*s: its session token is %s: "
				      "refused"),
				    (int)eplen, ep, len ? _("not printable ASCII") : _("empty"));
			}
			j->token_header = secret_alloc(len + 40);
			snprintf(j->token_header, len + 40, "X-aws-ec2-metadata-token: %s", token);
			secret_free(token);
		} else if ((r->status == 403 || r->status == 404 || r->status == 405) &&
		           j->v1_allowed) {
			dlog("IMDS: token request answered HTTP %ld: continuing without a token "
			     "(IMDSv1)",
			     r->status);
		} else {
			return creds_say(
			    why, CREDS_ABSENT,
			    _("instance metadata token request to %.*s answered HTTP %ld"),
			    (int)eplen, ep, r->status);
		}
		j->step = IMDS_ROLE;
		return imds_send(j, "GET", "/latest/meta-data/iam/security-credentials/");
	case IMDS_ROLE:
		if (r->failure == HTTP_FAIL_NONE && r->status == 200) {
			snprintf(j->role, sizeof j->role, "%.*s",
			         (int)(r->body.len < 255 ? r->body.len : 255),
			         r->body.data ? r->body.data : "");
			j->role[strcspn(j->role, "\r\n")] = '\0';
			if (strspn(j->role, ROLE_CHARS) != strlen(j->role))
				return creds_say(
				    why, CREDS_FAILED,
				    _("instance metadata at %.*s: the role name it gave is not an "
				      "IAM role name: refused"),
				    (int)eplen, ep);
		}
		if (!j->role[0]) {
			if (r->failure != HTTP_FAIL_NONE)
				return creds_say(why, CREDS_ABSENT,
				                 _("instance metadata at %.*s: %s"), (int)eplen, ep,
				                 r->error);
			if (r->status == 404 || r->status == 200)
				return creds_say(
				    why, CREDS_ABSENT,
				    _("the instance has no IAM role (instance metadata at %.*s)"),
				    (int)eplen, ep);
			return creds_say(
			    why, CREDS_ABSENT,
			    _("instance metadata at %.*s answered HTTP %ld for the role"),
			    (int)eplen, ep, r->status);
		}
		j->step = IMDS_CREDS;
		return imds_send(j, "GET", "/latest/meta-data/iam/security-credentials/");
	case IMDS_CREDS: {
		if (r->failure != HTTP_FAIL_NONE)
			return creds_say(why, CREDS_FAILED,
			                 _("instance metadata at %.*s: credentials of role %s: %s"),
			                 (int)eplen, ep, j->role, r->error);
		if (r->status != 200)
			return creds_say(
			    why, CREDS_FAILED,
			    _("instance metadata at %.*s: credentials of role %s: HTTP %ld"),
			    (int)eplen, ep, j->role, r->status);
		char where[400];
		snprintf(where, sizeof where, _("instance metadata credentials of role %s"),
		         j->role);
		enum creds_status rc = from_metadata_json(r, CREDS_IMDS, where, out, why);
		if (rc == CREDS_FOUND)
			snprintf(out->source, sizeof out->source,
			         _("the EC2 instance metadata service at %.*s (role %s)"),
			         (int)eplen, ep, j->role);
		return rc;
	}
	}
	return creds_say(why, CREDS_FAILED, _("instance metadata: lost track of the request"));
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
	    {N_("access key id"), c->access_key_id},
	    {N_("secret access key"), c->secret_access_key},
	    {N_("session token"), c->session_token},
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		long at = creds_unprintable(parts[i].value, false);
		if (at < 0)
			continue;
		unsigned char b = (unsigned char)parts[i].value[at];
		creds_say(
		    why, CREDS_FAILED,
		    _("the %s from %s holds %s at byte %ld of %zu: refused (it would corrupt the "
		      "request's headers)"),
		    _(parts[i].name), c->source,
		    b < 0x20 || b == 0x7f ? _("a control character")
		    : b == ' '            ? _("a space")
		                          : _("a byte that is not ASCII"),
		    at + 1, strlen(parts[i].value));
		creds_clear(c);
		return CREDS_FAILED;
	}
	return CREDS_FOUND;
}

/* Runs (or continues) provider p's step. */
static enum creds_status
job_step(struct creds_job *j, enum creds_provider p)
{
	switch (p) {
	case CREDS_ENV: return try_env(j->cfg, &j->out, &j->why);
	case CREDS_ASSUME_ROLE: return roles_step_assume(j);
	case CREDS_WEB_IDENTITY: return roles_step_web_identity(j);
	case CREDS_SSO: return sso_step(j);
	case CREDS_SHARED_FILE: return try_keys(j->cfg, p, &j->out, &j->why);
	case CREDS_PROCESS: return step_process(j, &j->out, &j->why);
	case CREDS_CONFIG_FILE: return try_keys(j->cfg, p, &j->out, &j->why);
	case CREDS_CONTAINER: return step_container(j, &j->out, &j->why);
	case CREDS_IMDS: return step_imds(j, &j->out, &j->why);
	case CREDS_PROVIDERS: break;
	}
	return creds_say(&j->why, CREDS_ABSENT, _("no such provider"));
}

static int
check_expiry(struct aws_creds *c, struct xr_err *err)
{
	if (!isnan(c->expiration) && c->expiration <= timefmt_now()) {
		char when[40];
		timefmt_iso(c->expiration, when, sizeof when);
		xr_err_set(err, XR_EAUTH, _("the credentials from %s expired at %s"), c->source,
		           when);
		creds_clear(c);
		return -1;
	}
	return 0;
}

/* The current provider answered st: the job ends or goes on with the next. */
static bool
job_provider_done(struct creds_job *j, enum creds_status st)
{
	enum creds_provider p = j->order[j->at];
	job_reset_provider(j);
	if (st == CREDS_FOUND)
		st = check_printable(&j->out, &j->why);
	if (j->mode == CREDS_JOB_LIST) {
		j->st = st;
		j->last = p;
		if (st != CREDS_ABSENT || j->at + 1 >= j->n_order)
			return true;
		memset(&j->why, 0, sizeof j->why);
		j->at++;
		return false;
	}
	if (st == CREDS_FOUND) {
		dlog("credentials: using %s (access key %.4s...)", j->out.source,
		     j->out.access_key_id);
		dlog_secret(j->out.secret_access_key);
		dlog_secret(j->out.session_token);
		j->rc = check_expiry(&j->out, &j->err);
		return true;
	}
	if (st == CREDS_FAILED) {
		j->rc = xr_err_set(&j->err, XR_EAUTH, _("AWS credentials: %s: %s"),
		                   creds_provider_name(p), j->why.msg);
		return true;
	}
	buf_printf(&j->tried, "\n  %s: %s", creds_provider_name(p), j->why.msg);
	memset(&j->why, 0, sizeof j->why);
	if (++j->at < j->n_order)
		return false;
	j->rc = xr_err_set(&j->err, XR_EAUTH, _("no AWS credentials found; tried, in order:%s"),
	                   j->tried.data);
	return true;
}

/* Runs steps until the job waits or ends.  A step that waits for a child
 * runs again only once the child ended. */
static void
job_advance(struct creds_job *j)
{
	while (j->wait == CREDS_JOB_RUN) {
		if (j->child && j->child->wait != CREDS_JOB_DONE) {
			job_advance(j->child);
			if (j->child->wait != CREDS_JOB_DONE) {
				j->wait = CREDS_JOB_CHILD;
				return;
			}
		}
		enum creds_status st = job_step(j, j->order[j->at]);
		if (st == CREDS_PENDING)
			return;
		if (job_provider_done(j, st))
			j->wait = CREDS_JOB_DONE;
	}
}

static struct creds_job *
job_new(const struct awsconfig *cfg, struct http *h, enum creds_job_mode mode,
        const enum creds_provider *order, size_t n)
{
	struct creds_job *j = xcalloc(1, sizeof *j);
	j->ops = &job_ops;
	j->cfg = cfg;
	j->http = h;
	j->mode = mode;
	if (n > CREDS_PROVIDERS)
		n = CREDS_PROVIDERS;
	memcpy(j->order, order, n * sizeof *order);
	j->n_order = n;
	j->po = j->pe = -1;
	j->out.expiration = NAN;
	j->rc = -1;
	j->st = CREDS_ABSENT;
	j->wait = CREDS_JOB_RUN;
	return j;
}

/* Starts resolving: the chain (only < 0) or provider only alone, with h
 * for every request.  cfg must outlive the job. */
static struct creds_job *
creds_job_start(const struct awsconfig *cfg, struct http *h, int only, bool unattended)
{
	enum creds_provider all[CREDS_PROVIDERS];
	for (int i = 0; i < CREDS_PROVIDERS; i++)
		all[i] = (enum creds_provider)i;
	struct creds_job *j;
	if (only >= 0) {
		enum creds_provider p = (enum creds_provider)only;
		j = job_new(cfg, h, CREDS_JOB_LIST, &p, 1);
	} else {
		j = job_new(cfg, h, CREDS_JOB_CHAIN, all, CREDS_PROVIDERS);
	}
	j->unattended = unattended;
	job_advance(j);
	return j;
}

/* The job that waits, at the bottom of j's children. */
static struct creds_job *
job_leaf(struct creds_job *j)
{
	while (j->wait == CREDS_JOB_CHILD && j->child)
		j = j->child;
	return j;
}

/* Watches a credential_process and wakes a pause that is over; returns
 * the seconds until it wants to run again (INFINITY while it waits for a
 * reply or is done). */
static double
creds_job_tick(struct creds_job *j)
{
	struct creds_job *leaf = job_leaf(j);
	if (leaf->wait == CREDS_JOB_PROCESS ||
	    (leaf->wait == CREDS_JOB_SLEEP && timefmt_monotonic() >= leaf->wake_at))
		job_wake(leaf);
	leaf = job_leaf(j);
	if (leaf->wait == CREDS_JOB_PROCESS)
		return 0.02;
	if (leaf->wait == CREDS_JOB_SLEEP) {
		double left = leaf->wake_at - timefmt_monotonic();
		return left > 0 ? left : 0;
	}
	return INFINITY;
}

static bool
creds_job_done(const struct creds_job *j)
{
	return j->wait == CREDS_JOB_DONE;
}

static void
creds_job_free(struct creds_job *j)
{
	if (!j)
		return;
	job_reset_provider(j);
	creds_clear(&j->out);
	buf_free(&j->tried);
	free(j);
}

/* Runs a job to its end on a private HTTP client (blocking). */
static void
job_run_here(struct creds_job *j, const atomic_bool *cancel)
{
	while (!creds_job_done(j)) {
		if (cancel && atomic_load(cancel)) {
			job_reset_provider(j);
			creds_say(&j->why, CREDS_FAILED, _("cancelled"));
			j->st = CREDS_FAILED;
			xr_err_set(&j->err, XR_EAUTH, _("cancelled"));
			j->wait = CREDS_JOB_DONE;
			break;
		}
		double wait = creds_job_tick(j);
		if (creds_job_done(j))
			break;
		struct xr_err err = {0};
		int ms = isinf(wait) || wait > 0.05 ? 50 : (int)(wait * 1000) + 1;
		if (http_poll(j->http, NULL, 0, ms, &err) < 0) {
			job_reset_provider(j);
			j->st = creds_say(&j->why, CREDS_FAILED, "%s", err.msg);
			xr_err_set(&j->err, XR_EAUTH, "%s", err.msg);
			j->wait = CREDS_JOB_DONE;
		}
	}
}

enum creds_status
creds_try(const struct awsconfig *cfg, enum creds_provider p, struct aws_creds *out,
          const atomic_bool *cancel, struct xr_err *why)
{
	if (p >= CREDS_PROVIDERS)
		return creds_say(why, CREDS_ABSENT, _("no such provider"));
	struct http *h = http_new(2);
	struct creds_job *j = creds_job_start(cfg, h, (int)p, false);
	job_run_here(j, cancel);
	enum creds_status st = j->st;
	if (st == CREDS_FOUND) {
		*out = j->out;
		memset(&j->out, 0, sizeof j->out);
	} else {
		*why = j->why;
	}
	creds_job_free(j);
	http_free(h);
	return st;
}

int
creds_resolve(const struct awsconfig *cfg, struct aws_creds *out, struct xr_err *err)
{
	memset(out, 0, sizeof *out);
	out->expiration = NAN;
	struct http *h = http_new(2);
	struct creds_job *j = creds_job_start(cfg, h, -1, false);
	job_run_here(j, NULL);
	int rc = j->rc;
	if (rc == 0) {
		*out = j->out;
		memset(&j->out, 0, sizeof j->out);
	} else {
		*err = j->err;
	}
	creds_job_free(j);
	http_free(h);
	return rc;
}

/* ---- credentials in use, refreshed inside the loop ---- */

struct creds {
	const struct awsconfig *cfg;
	struct http *http; /* the loop's client, or NULL: refresh blocks */
	struct aws_creds cur;
	unsigned generation;
	double refresh_at;       /* epoch seconds; INFINITY when static */
	struct creds_job *first; /* resolving the chain, until the first credentials */
	struct xr_err first_err; /* why the chain gave nothing */
	bool failed;
	struct creds_job *refresh; /* a refresh in progress */
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
creds_start(const struct awsconfig *cfg, struct http *h)
{
	struct creds *c = xcalloc(1, sizeof *c);
	c->cfg = cfg;
	c->http = h;
	c->cur.expiration = NAN;
	c->refresh_at = INFINITY;
	c->first = creds_job_start(cfg, h, -1, false);
	creds_tick(c);
	return c;
}

struct creds *
creds_new_static(const struct awsconfig *cfg, struct aws_creds *cur)
{
	return creds_hold(cfg, cur);
}

void
creds_free(struct creds *c)
{
	if (!c)
		return;
	creds_job_free(c->first);
	creds_job_free(c->refresh);
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

bool
creds_ready(const struct creds *c)
{
	return c->generation > 0;
}

const struct xr_err *
creds_failure(const struct creds *c)
{
	return c->failed ? &c->first_err : NULL;
}

static void
start_refresh(struct creds *c)
{
	dlog("credentials: refreshing from %s", c->cur.source);
	if (c->http) {
		c->refresh = creds_job_start(c->cfg, c->http, (int)c->cur.provider, true);
		return;
	}
	struct http *h = http_new(2);
	c->refresh = creds_job_start(c->cfg, h, (int)c->cur.provider, true);
	job_run_here(c->refresh, NULL);
	c->refresh->http = NULL;
	http_free(h);
}

static void
finish_refresh(struct creds *c, double now)
{
	struct creds_job *j = c->refresh;
	c->refresh = NULL;
	bool ok = j->st == CREDS_FOUND;
	if (ok && j->out.expiration > now) {
		dlog_secret(j->out.secret_access_key);
		dlog_secret(j->out.session_token);
		char when[40];
		timefmt_iso(j->out.expiration, when, sizeof when);
		dlog("credentials: refreshed (access key %.4s..., expire %s)", j->out.access_key_id,
		     when);
		creds_clear(&c->cur);
		c->cur = j->out;
		memset(&j->out, 0, sizeof j->out);
		c->generation++;
		c->last_error[0] = '\0';
		plan_refresh(c, now);
		creds_job_free(j);
		return;
	}
	if (ok)
		snprintf(c->last_error, sizeof c->last_error,
		         _("credential refresh from %s returned credentials that already expired"),
		         c->cur.source);
	else
		snprintf(c->last_error, sizeof c->last_error, _("credential refresh failed: %s"),
		         j->why.msg);
	creds_job_free(j);
	dlog("%s; retrying in %.0f s", c->last_error, REFRESH_RETRY);
	c->refresh_at = now + REFRESH_RETRY;
}

double
creds_tick(struct creds *c)
{
	double now = timefmt_now();
	if (c->first) {
		double wait = creds_job_tick(c->first);
		if (!creds_job_done(c->first))
			return wait;
		struct creds_job *j = c->first;
		c->first = NULL;
		if (j->rc == 0) {
			c->cur = j->out;
			memset(&j->out, 0, sizeof j->out);
			c->generation = 1;
			plan_refresh(c, now);
		} else {
			c->first_err = j->err;
			c->failed = true;
		}
		creds_job_free(j);
	}
	if (c->failed)
		return INFINITY;
	/* Credentials that needed an MFA code are not renewed unattended:
	 * say so before they run out, with what to do. */
	double end = INFINITY;
	if (c->cur.interactive && !isnan(c->cur.expiration)) {
		end = c->cur.expiration - CREDS_INTERACTIVE_MARGIN;
		if (now >= end) {
			char when[40];
			timefmt_iso(c->cur.expiration, when, sizeof when);
			xr_err_set(
			    &c->first_err, XR_EAUTH,
			    _("the MFA credentials of profile '%s' expire at %s: start xrtop "
			      "again to enter a new MFA code (they cannot be renewed "
			      "unattended)"),
			    c->cfg->profile, when);
			dlog("credentials: %s", c->first_err.msg);
			c->failed = true;
			return INFINITY;
		}
	}
	if (c->refresh) {
		double wait = creds_job_tick(c->refresh);
		if (!creds_job_done(c->refresh))
			return wait;
		finish_refresh(c, now);
	}
	if (now >= c->refresh_at) {
		start_refresh(c);
		if (c->refresh && creds_job_done(c->refresh))
			finish_refresh(c, now);
		else if (c->refresh)
			return creds_job_tick(c->refresh);
	}
	return (c->refresh_at < end ? c->refresh_at : end) - now;
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
	if (generation != c->generation || c->refresh)
		return true;
	c->refresh_at = timefmt_now();
	return true;
}

bool
creds_refreshing(const struct creds *c)
{
	return c->refresh != NULL || c->first != NULL;
}

const char *
creds_refresh_error(const struct creds *c)
{
	return c->last_error[0] ? c->last_error : NULL;
}
