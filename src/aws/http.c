#include "config.h"

#include "aws/http.h"

#include <curl/curl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/dlog.h"
#include "util/secret.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

#define HTTP_MAX_POLLFDS 16

/* ---- libcurl's memory: every block is zeroed when freed, so the copies
 * curl keeps of the secret key (CURLOPT_USERPWD) do not linger ---- */

static void
zfree(void *p)
{
	if (p) {
		secret_wipe(p, malloc_usable_size(p));
		free(p);
	}
}

static void *
zmalloc(size_t n)
{
	return malloc(n);
}

static void *
zrealloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	size_t old = malloc_usable_size(p);
	void *q = malloc(n ? n : 1);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	zfree(p);
	return q;
}

static char *
zstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

static void *
zcalloc(size_t n, size_t size)
{
	return calloc(n, size);
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

/* libcurl out of memory: as fatal as xmalloc's. */
static _Noreturn void
die(const char *what)
{
	char msg[128];
	int n = snprintf(msg, sizeof msg, "xrtop: libcurl: %s failed\n", what);
	(void)!write(2, msg, n > 0 ? (size_t)n : 0);
	abort();
}

static void
global_init(void)
{
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, zmalloc, zfree, zrealloc, zstrdup, zcalloc) !=
	    CURLE_OK)
		die("curl_global_init");
}

/* ---- one transfer ---- */

struct xfer {
	struct http *h;
	uint64_t id;
	CURL *easy;
	http_done_fn done;
	void *ctx;
	char *body;
	struct curl_slist *headers; /* nodes and texts are ours: the token stays in secret memory */
	size_t n_headers;
	size_t max_body;
	bool too_large;
	char errbuf[CURL_ERROR_SIZE];
	struct http_response resp;
	struct xfer *prev, *next;
};

struct http {
	CURLM *multi;
	struct xfer *active;
	size_t n_active;
	uint64_t next_id;
	CURL **idle; /* easy handles kept for reuse */
	size_t n_idle, cap_idle;
	char user_agent[128];
};

const char *
http_failure_name(enum http_failure f)
{
	switch (f) {
	case HTTP_FAIL_NONE: return _("no failure");
	case HTTP_FAIL_RESOLVE: return _("host name not found");
	case HTTP_FAIL_CONNECT: return _("cannot connect");
	case HTTP_FAIL_TIMEOUT: return _("timed out");
	case HTTP_FAIL_TLS: return _("TLS failure");
	case HTTP_FAIL_TRUNCATED: return _("reply cut short");
	case HTTP_FAIL_RESET: return _("connection reset");
	case HTTP_FAIL_TOO_LARGE: return _("reply too large");
	case HTTP_FAIL_CANCELLED: return _("cancelled");
	case HTTP_FAIL_OTHER: break;
	}
	return _("transfer failed");
}

static size_t
on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	if (buf_append(&x->resp.body, p, size * n) < 0) {
		x->too_large = true;
		return 0;
	}
	return size * n;
}

/* Copies the value of header `name` from line p into out, up to the first
 * ':' when cut_colon (x-amzn-ErrorType carries a namespace after it). */
static bool
header_value(const char *p, size_t len, const char *name, char *out, size_t size, bool cut_colon)
{
	size_t nlen = strlen(name);
	if (len <= nlen || p[nlen] != ':' || strncasecmp(p, name, nlen) != 0)
		return false;
	const char *v = p + nlen + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (cut_colon) {
		const char *c = memchr(v, ':', (size_t)(end - v));
		if (c)
			end = c;
	}
	size_t n = (size_t)(end - v) < size - 1 ? (size_t)(end - v) : size - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

static size_t
on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue): forget the previous one */
		x->resp.error_type[0] = x->resp.request_id[0] = '\0';
	} else if (!header_value(p, len, "x-amzn-ErrorType", x->resp.error_type,
	                         sizeof x->resp.error_type, true)) {
		header_value(p, len, "x-amzn-RequestId", x->resp.request_id,
		             sizeof x->resp.request_id, false);
	}
	return len;
}

static int
on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *ud)
{
	/* Informational text only: header and data dumps could hold secrets. */
	if (type == CURLINFO_TEXT) {
		while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
			size--;
		dlog("curl: %.*s", (int)(size > 500 ? 500 : size), data);
	}
	return 0;
}

static void
free_headers(struct xfer *x)
{
	for (size_t i = 0; i < x->n_headers; i++) {
		char *d = x->headers[i].data;
		if (strncasecmp(d, "X-Amz-Security-Token:", 21) == 0) {
			secret_free(d);
		} else {
			secret_wipe_str(d); /* Authorization, x-amz-sso_bearer_token */
			free(d);
		}
	}
	free(x->headers);
	x->headers = NULL;
	x->n_headers = 0;
}

/* Appends to the header list, built by hand in an array sized beforehand. */
static void
add_header(struct xfer *x, char *text)
{
	x->headers[x->n_headers].data = text;
	x->headers[x->n_headers].next = NULL;
	if (x->n_headers)
		x->headers[x->n_headers - 1].next = &x->headers[x->n_headers];
	x->n_headers++;
}

static void
xfer_setup(struct xfer *x, const struct http_request *r)
{
	CURL *c = x->easy;
	x->max_body = r->max_body ? r->max_body : HTTP_DEFAULT_MAX_BODY;
	buf_init(&x->resp.body, x->max_body);
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* Over TLS, ALPN soon tells whether HTTP/2 can carry every request on
	 * one connection: wait for it.  Cleartext HTTP/1.1 would wait for the
	 * first whole reply, so there every request gets its own connection. */
	if (strncasecmp(r->url, "https://", 8) == 0)
		curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, x->h->user_agent);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)((r->timeout > 0 ? r->timeout : 60) * 1000));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)((r->connect_timeout > 0 ? r->connect_timeout : 10) * 1000));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	if (r->direct)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (r->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, r->ca_file);
	if (dlog_enabled()) {
		curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}

	if (strcmp(r->method, "POST") == 0) {
		/* In-memory body through POSTFIELDS: the only way 7.88's SigV4
		 * hashes the payload (xray-reference.md section 7, pitfall 2). */
		x->body = xmalloc(r->body_len + 1);
		if (r->body_len)
			memcpy(x->body, r->body, r->body_len);
		x->body[r->body_len] = '\0';
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
	} else if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
		if (strcmp(r->method, "PUT") == 0) {
			x->body = xstrdup("");
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		}
	}

	size_t cap = r->n_headers + 1;
	x->headers = xcalloc(cap, sizeof *x->headers);
	for (size_t i = 0; i < r->n_headers; i++)
		add_header(x, xstrdup(r->headers[i]));
	if (r->sigv4) {
		const struct http_sigv4 *s = r->sigv4;
		char param[160];
		snprintf(param, sizeof param, "aws:amz:%s:%s", s->region, s->service);
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, param);
		size_t akid = strlen(s->access_key_id), sk = strlen(s->secret_access_key);
		char *userpwd = secret_alloc(akid + sk + 2);
		memcpy(userpwd, s->access_key_id, akid);
		userpwd[akid] = ':';
		memcpy(userpwd + akid + 1, s->secret_access_key, sk);
		curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
		secret_free(userpwd);
		if (s->session_token) {
			size_t tl = strlen(s->session_token);
			char *h = secret_alloc(tl + 24);
			memcpy(h, "X-Amz-Security-Token: ", 22);
			memcpy(h + 22, s->session_token, tl);
			add_header(x, h);
		}
	}
	if (x->n_headers)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->headers);
}

static void
xfer_finish(struct xfer *x, CURLcode rc)
{
	struct http_response *r = &x->resp;
	double total = 0;
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME, &total);
	r->elapsed = total;
	const char *msg = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_OK:
		r->failure = HTTP_FAIL_NONE;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->status);
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: r->failure = HTTP_FAIL_RESOLVE; break;
	case CURLE_COULDNT_CONNECT: r->failure = HTTP_FAIL_CONNECT; break;
	case CURLE_OPERATION_TIMEDOUT: r->failure = HTTP_FAIL_TIMEOUT; break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR: r->failure = HTTP_FAIL_TLS; break;
	case CURLE_PARTIAL_FILE: r->failure = HTTP_FAIL_TRUNCATED; break;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM: r->failure = HTTP_FAIL_RESET; break;
	case CURLE_ABORTED_BY_CALLBACK: r->failure = HTTP_FAIL_CANCELLED; break;
	case CURLE_WRITE_ERROR:
		r->failure = x->too_large ? HTTP_FAIL_TOO_LARGE : HTTP_FAIL_OTHER;
		if (x->too_large) {
			snprintf(r->error, sizeof r->error, _("reply larger than %zu MiB"),
			         x->max_body >> 20);
			return;
		}
		break;
	default: r->failure = HTTP_FAIL_OTHER; break;
	}
	char detail[CURL_ERROR_SIZE];
	snprintf(detail, sizeof detail, "%s", msg);
	size_t n = strlen(detail);
	while (n && (detail[n - 1] == '\n' || detail[n - 1] == '.'))
		detail[--n] = '\0';
	/* TRANSLATORS: what failed, then libcurl's own words (English) */
	snprintf(r->error, sizeof r->error, _("%s (%s)"), http_failure_name(r->failure), detail);
}

static void
xfer_release(struct xfer *x)
{
	secret_wipe_str(x->body); /* a web identity token, an OIDC client secret */
	free(x->body);
	free_headers(x);
	buf_free(&x->resp.body);
	free(x);
}

/* ---- the multi interface ---- */

struct http *
http_new(int max_connections)
{
	pthread_once(&global_once, global_init);
	struct http *h = xcalloc(1, sizeof *h);
	h->multi = curl_multi_init();
	if (!h->multi)
		die("curl_multi_init");
	long n = max_connections > 0 ? max_connections : 16;
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, n + 4);
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 100L);
	h->next_id = 1;
	http_set_app_id(h, NULL);
	return h;
}

int
http_set_app_id(struct http *h, const char *app_id)
{
	if (app_id && (strlen(app_id) > HTTP_MAX_APP_ID || !*app_id ||
	               strspn(app_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                              "0123456789!#$%&'*+-.^_`|~") != strlen(app_id)))
		return -1;
	snprintf(h->user_agent, sizeof h->user_agent, "%s/%s%s%s", PACKAGE_NAME, PACKAGE_VERSION,
	         app_id ? " app/" : "", app_id ? app_id : "");
	return 0;
}

static void
unlink_xfer(struct http *h, struct xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		h->active = x->next;
	if (x->next)
		x->next->prev = x->prev;
	h->n_active--;
	curl_multi_remove_handle(h->multi, x->easy);
	curl_easy_reset(x->easy);
	XGROW(h->idle, h->cap_idle, h->n_idle + 1);
	h->idle[h->n_idle++] = x->easy;
	x->easy = NULL;
}

void
http_free(struct http *h)
{
	if (!h)
		return;
	while (h->active) {
		struct xfer *x = h->active;
		unlink_xfer(h, x);
		xfer_release(x);
	}
	for (size_t i = 0; i < h->n_idle; i++)
		curl_easy_cleanup(h->idle[i]);
	free(h->idle);
	curl_multi_cleanup(h->multi);
	free(h);
}

uint64_t
http_submit(struct http *h, const struct http_request *req, http_done_fn done, void *ctx)
{
	struct xfer *x = xcalloc(1, sizeof *x);
	x->h = h;
	x->id = h->next_id++;
	x->done = done;
	x->ctx = ctx;
	x->easy = h->n_idle ? h->idle[--h->n_idle] : curl_easy_init();
	if (!x->easy)
		die("curl_easy_init");
	xfer_setup(x, req);
	x->next = h->active;
	if (h->active)
		h->active->prev = x;
	h->active = x;
	h->n_active++;
	curl_multi_add_handle(h->multi, x->easy);
	return x->id;
}

void
http_cancel(struct http *h, uint64_t id)
{
	for (struct xfer *x = h->active; x; x = x->next) {
		if (x->id == id) {
			unlink_xfer(h, x);
			xfer_release(x);
			return;
		}
	}
}

size_t
http_active(const struct http *h)
{
	return h->n_active;
}

/* Calls the callbacks of finished transfers; returns how many. */
static int
dispatch_done(struct http *h)
{
	int handled = 0, left;
	CURLMsg *m;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct xfer *x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		CURLcode rc = m->data.result;
		xfer_finish(x, rc);
		unlink_xfer(h, x);
		x->done(x->ctx, &x->resp);
		xfer_release(x);
		handled++;
	}
	return handled;
}

int
http_poll(struct http *h, struct http_pollfd *fds, unsigned n, int timeout_ms, struct xr_err *err)
{
	int running;
	CURLMcode mc = curl_multi_perform(h->multi, &running);
	if (mc == CURLM_OK && dispatch_done(h) > 0)
		timeout_ms = 0; /* let the caller react before waiting */
	struct curl_waitfd wfd[HTTP_MAX_POLLFDS];
	if (n > HTTP_MAX_POLLFDS)
		n = HTTP_MAX_POLLFDS;
	for (unsigned i = 0; i < n; i++)
		wfd[i] = (struct curl_waitfd){fds[i].fd, fds[i].events, 0};
	if (mc == CURLM_OK)
		mc = curl_multi_poll(h->multi, n ? wfd : NULL, n, timeout_ms < 0 ? 0 : timeout_ms,
		                     NULL);
	for (unsigned i = 0; i < n; i++)
		fds[i].revents = wfd[i].revents;
	if (mc == CURLM_OK)
		mc = curl_multi_perform(h->multi, &running);
	if (mc != CURLM_OK)
		return xr_err_set(err, XR_EIO, _("libcurl: %s"), curl_multi_strerror(mc));
	dispatch_done(h);
	return 0;
}

void
http_wakeup(struct http *h)
{
	curl_multi_wakeup(h->multi);
}

void
http_response_free(struct http_response *r)
{
	buf_free(&r->body);
}
