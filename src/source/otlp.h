/* otlp: the --listen-otlp source, a small OTLP/HTTP receiver.  It owns a
 * non-blocking listening TCP socket and its connections: HTTP/1.1 with
 * keep-alive, bounded (OTLP_MAX_HEADER bytes of request line and headers,
 * OTLP_MAX_BODY bytes of body, OTLP_MAX_CONNECTIONS connections), a body
 * given by Content-Length or chunked (else 411), idle and slow requests
 * closed after timeouts.  POST /v1/traces with application/json or
 * application/x-protobuf bodies is decoded (xray/otlp.h), each span turned
 * into an X-Ray segment document and merged into the store like a --listen
 * datagram, and answered as the OTLP/HTTP specification says: 200 with an
 * ExportTraceServiceResponse (partial_success when spans were rejected) in
 * the request's content type; 400 for a body that does not decode, 404
 * for another path, 405 for another method, 411, 413 for a body over the
 * cap, 415 for another content type or a Content-Encoding other than gzip
 * or deflate (inflated with zlib, and capped at OTLP_MAX_BODY again), with
 * a google.rpc.Status body.  The
 * owner watches the descriptors the source asks for (struct otlp_io) and
 * calls otlp_ready() and, about every second, otlp_tick(). */
#ifndef XRTOP_SOURCE_OTLP_H
#define XRTOP_SOURCE_OTLP_H

#include <stdbool.h>
#include <stddef.h>

#include "model/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/warn.h"

#define OTLP_MAX_HEADER (16 << 10)
#define OTLP_MAX_BODY (16 << 20)
#define OTLP_MAX_CONNECTIONS 64
/* Seconds a keep-alive connection may sit idle, and a request may take. */
#define OTLP_IDLE_TIMEOUT 60.0
#define OTLP_REQUEST_TIMEOUT 30.0

/* How the source asks its owner to watch descriptors (events: POLLIN,
 * POLLOUT; 0 stops watching). */
struct otlp_io {
	void (*watch)(void *ctx, int fd, short events);
	void *ctx;
};

struct otlp_stats {
	unsigned long long requests;   /* answered */
	unsigned long long compressed; /* gzip or deflate bodies inflated */
	unsigned long long spans;      /* added to the store */
	unsigned long long rejected;   /* spans refused */
	unsigned long long bad;        /* requests answered 4xx */
	unsigned long long connections;
};

struct otlp;

/* Binds address ([HOST:]PORT; NULL or "": 127.0.0.1:4318).  Caller frees. */
struct otlp *otlp_open(const char *address, struct xr_store *store, struct xr_warnings *warnings,
                       const struct otlp_io *io, struct xr_err *err);
void otlp_free(struct otlp *o);
/* The listening socket (watch it for POLLIN). */
int otlp_fd(const struct otlp *o);
/* Handles readiness of fd (the listening socket or a connection); returns
 * how many spans went into the store. */
size_t otlp_ready(struct otlp *o, int fd, short revents);
/* Closes connections that timed out (now: monotonic seconds). */
void otlp_tick(struct otlp *o, double now);
const struct otlp_stats *otlp_stats(const struct otlp *o);
/* "127.0.0.1:4318" */
const char *otlp_address(const struct otlp *o);
/* Decodes one request body as if received (tests, benchmarks): content
 * type "json" or "protobuf"; returns the HTTP status it would answer. */
int otlp_ingest(struct otlp *o, const char *body, size_t len, bool protobuf, struct buf *reply);

#endif
