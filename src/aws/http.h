/* http: the only module that uses libcurl.
 *
 * Requests run without blocking on one curl multi handle: connections are
 * kept alive and reused, HTTP/2 is negotiated over TLS when the server
 * offers it.  http_poll() waits on curl's sockets plus the caller's own
 * file descriptors (the terminal, a UDP socket) and a timeout, then calls
 * the completion callbacks.  Requests can be signed with SigV4 through
 * CURLOPT_AWS_SIGV4, avoiding libcurl 7.88's pitfalls (xray-reference.md
 * section 7): explicit region and service, the body given in memory,
 * Content-Type set by the caller, the session token header added by hand.
 * Every response body is capped.  The credential providers' requests go
 * through the same multi handle.  Headers are never logged. */
#ifndef XRTOP_AWS_HTTP_H
#define XRTOP_AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

#define HTTP_DEFAULT_MAX_BODY ((size_t)64 << 20)

struct http_sigv4 {
	const char *region;
	const char *service;
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL for long-term keys */
};

struct http_request {
	const char *method; /* GET, PUT or POST */
	const char *url;
	const char *body; /* copied; NULL for none */
	size_t body_len;
	const char *const *headers; /* "Name: value", copied */
	size_t n_headers;
	const struct http_sigv4 *sigv4; /* NULL: not signed */
	double timeout;                 /* whole exchange, seconds; 0 = 60 */
	double connect_timeout;         /* seconds; 0 = 10 */
	size_t max_body;                /* 0 = HTTP_DEFAULT_MAX_BODY */
	bool direct;                    /* bypass proxies (metadata endpoints) */
	const char *ca_file;            /* CA certificates to verify with; NULL: the system's */
};

enum http_failure {
	HTTP_FAIL_NONE,    /* a whole HTTP response arrived, whatever its status */
	HTTP_FAIL_RESOLVE, /* host name not found */
	HTTP_FAIL_CONNECT, /* could not connect */
	HTTP_FAIL_TIMEOUT,
	HTTP_FAIL_TLS,       /* handshake or certificate */
	HTTP_FAIL_TRUNCATED, /* the body ended early */
	HTTP_FAIL_RESET,     /* connection reset or closed without a reply */
	HTTP_FAIL_TOO_LARGE, /* body over max_body */
	HTTP_FAIL_CANCELLED,
	HTTP_FAIL_OTHER,
};

struct http_response {
	enum http_failure failure;
	long status;          /* HTTP status; 0 unless failure is HTTP_FAIL_NONE */
	char error[400];      /* what went wrong, when failure is set */
	char error_type[128]; /* x-amzn-ErrorType up to its ':' */
	char request_id[128]; /* x-amzn-RequestId */
	struct buf body;      /* the reply body; the callback may buf_steal() it */
	double elapsed;       /* seconds */
};

struct http;

typedef void (*http_done_fn)(void *ctx, struct http_response *r);

/* A descriptor to wait on besides curl's (events: POLLIN etc.). */
struct http_pollfd {
	int fd;
	short events;
	short revents;
};

/* At most max_connections per host (also the HTTP/2 stream bound). */
struct http *http_new(int max_connections);
/* Cancels whatever is in flight (no callbacks) and frees. */
void http_free(struct http *h);
#define HTTP_MAX_APP_ID 50
/* Appends "app/APP_ID" to the User-Agent (AWS_SDK_UA_APP_ID, as the AWS
 * SDKs do; NULL: none).  -1 when it is longer than HTTP_MAX_APP_ID or not
 * an HTTP token. */
int http_set_app_id(struct http *h, const char *app_id);
/* Starts a request; done is called from a later http_poll().  Returns an
 * id for http_cancel() (never 0). */
uint64_t http_submit(struct http *h, const struct http_request *req, http_done_fn done, void *ctx);
/* Stops a request; its callback is not called.  Unknown ids are ignored. */
void http_cancel(struct http *h, uint64_t id);
/* Requests submitted and not yet completed. */
size_t http_active(const struct http *h);
/* Waits up to timeout_ms for network activity, one of fds, or
 * http_wakeup(); runs the transfers and calls completion callbacks.
 * Returns -1 with err only when curl itself fails. */
int http_poll(struct http *h, struct http_pollfd *fds, unsigned n, int timeout_ms,
              struct xr_err *err);
/* Makes a waiting http_poll() return; safe from any thread. */
void http_wakeup(struct http *h);

/* Frees a response's body (after a callback kept the response). */ void
http_response_free(struct http_response *r);
/* One line naming the failure or status, e.g. "connection reset" or "HTTP 503". */
const char *http_failure_name(enum http_failure f);

#endif
