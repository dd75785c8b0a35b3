#include "config.h"

#include "util/dlog.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/secret.h"
#include "util/timefmt.h"
#include "util/utf8.h"
#include "util/i18n.h"

#define DLOG_MAX_SECRETS 32
#define DLOG_MIN_SECRET 4
#define DLOG_LINE_MAX 8192

static pthread_mutex_t dlog_lock = PTHREAD_MUTEX_INITIALIZER;
static int dlog_fd = -1;
static char *secrets[DLOG_MAX_SECRETS];
static size_t n_secrets;

int
dlog_open(const char *path, struct xr_err *err)
{
	/* O_NONBLOCK: a FIFO nobody reads is refused instead of waited for */
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0)
		return xr_err_set(err, XR_EIO, _("--debug-log %s: %s"), path,
		                  errno == ENXIO ? _("a FIFO that nothing reads")
		                                 : strerror(errno));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	pthread_mutex_lock(&dlog_lock);
	if (dlog_fd >= 0)
		close(dlog_fd);
	dlog_fd = fd;
	pthread_mutex_unlock(&dlog_lock);
	return 0;
}

void
dlog_close(void)
{
	pthread_mutex_lock(&dlog_lock);
	if (dlog_fd >= 0)
		close(dlog_fd);
	dlog_fd = -1;
	pthread_mutex_unlock(&dlog_lock);
	dlog_forget_secrets();
}

bool
dlog_enabled(void)
{
	return dlog_fd >= 0;
}

void
dlog_secret(const char *s)
{
	if (!s || strlen(s) < DLOG_MIN_SECRET)
		return;
	pthread_mutex_lock(&dlog_lock);
	for (size_t i = 0; i < n_secrets; i++) {
		if (strcmp(secrets[i], s) == 0) {
			pthread_mutex_unlock(&dlog_lock);
			return;
		}
	}
	if (n_secrets == DLOG_MAX_SECRETS) {
		secret_free(secrets[0]);
		memmove(secrets, secrets + 1, (DLOG_MAX_SECRETS - 1) * sizeof *secrets);
		n_secrets--;
	}
	secrets[n_secrets++] = secret_strdup(s);
	pthread_mutex_unlock(&dlog_lock);
}

void
dlog_forget_secrets(void)
{
	pthread_mutex_lock(&dlog_lock);
	for (size_t i = 0; i < n_secrets; i++)
		secret_free(secrets[i]);
	n_secrets = 0;
	pthread_mutex_unlock(&dlog_lock);
}

/* Names whose value is secret, in headers (Name: v), INI (name = v),
 * query-ish (Name=v) and JSON ("Name": "v") forms. */
static const char *const secret_names[] = {
    "Signature",
    "X-Amz-Security-Token",
    "SecretAccessKey",
    "SessionToken",
    "Token",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "Authorization",
    "X-aws-ec2-metadata-token",
    NULL,
};

static bool
is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* If a secret name starts at p (as a whole word), returns where its value
 * starts, after the separator and an optional opening quote. */
static const char *
secret_value_at(const char *p, const char *start, const char *end)
{
	if (p > start && is_name_char(p[-1]))
		return NULL;
	for (const char *const *n = secret_names; *n; n++) {
		size_t len = strlen(*n);
		if ((size_t)(end - p) <= len || strncasecmp(p, *n, len) != 0 ||
		    is_name_char(p[len]))
			continue;
		const char *q = p + len;
		if (q < end && *q == '"')
			q++;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= end || (*q != ':' && *q != '='))
			continue;
		q++;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q < end && *q == '"')
			q++;
		return q;
	}
	return NULL;
}

static const char *
value_end(const char *p, const char *end)
{
	while (p < end && *p != '"' && *p != ',' && *p != '\n' && *p != '\r' && *p != ' ' &&
	       *p != ';' && *p != '}')
		p++;
	return p;
}

void
dlog_redact(struct buf *out, const char *text, size_t n)
{
	struct buf tmp = BUF_INIT;
	const char *p = text, *end = text + n, *copied = text;
	pthread_mutex_lock(&dlog_lock);
	while (p < end) {
		const char *v = secret_value_at(p, text, end);
		if (v) {
			const char *ve = value_end(v, end);
			if (strncasecmp(p, "Authorization", 13) == 0) {
				/* SigV4: keep the readable part; "Signature=" catches the
				 * secret.  Any other scheme: the whole line goes. */
				if ((size_t)(end - v) >= 16 &&
				    strncmp(v, "AWS4-HMAC-SHA256", 16) == 0) {
					p = v + 16;
					continue;
				}
				ve = memchr(v, '\n', (size_t)(end - v));
				if (!ve)
					ve = end;
			}
			if (ve > v) {
				buf_append(&tmp, copied, (size_t)(v - copied));
				buf_puts(&tmp, "<redacted>");
				p = copied = ve;
				continue;
			}
		}
		bool hit = false;
		for (size_t i = 0; i < n_secrets; i++) {
			size_t len = strlen(secrets[i]);
			if ((size_t)(end - p) >= len && memcmp(p, secrets[i], len) == 0) {
				buf_append(&tmp, copied, (size_t)(p - copied));
				buf_puts(&tmp, "<redacted>");
				p = copied = p + len;
				hit = true;
				break;
			}
		}
		if (!hit)
			p++;
	}
	pthread_mutex_unlock(&dlog_lock);
	buf_append(&tmp, copied, (size_t)(end - copied));
	utf8_sanitize(out, tmp.data ? tmp.data : "", tmp.len, 0);
	secret_wipe(tmp.data, tmp.cap);
	buf_free(&tmp);
}

void
dlog(const char *fmt, ...)
{
	if (dlog_fd < 0)
		return;
	char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	int len = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (len > DLOG_LINE_MAX)
		len = DLOG_LINE_MAX;
	char stamp[40];
	timefmt_iso(timefmt_now(), stamp, sizeof stamp);
	struct buf b = BUF_INIT;
	buf_puts(&b, stamp);
	buf_putc(&b, ' ');
	dlog_redact(&b, line, (size_t)len);
	buf_putc(&b, '\n');
	secret_wipe(line, (size_t)len);
	free(line);
	pthread_mutex_lock(&dlog_lock);
	if (dlog_fd >= 0)
		(void)!write(dlog_fd, b.data, b.len);
	pthread_mutex_unlock(&dlog_lock);
	buf_free(&b);
}
