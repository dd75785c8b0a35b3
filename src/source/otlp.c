#include "config.h"

#include "source/otlp.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "source/netaddr.h"
#include "util/hex.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "xray/decode.h"
#include "xray/otlp.h"
#include "util/i18n.h"

/* Bad requests described one by one; later ones are only counted. */
#define OTLP_MAX_MESSAGES 20
/* Bytes read per readiness callback and connection. */
#define OTLP_READ_CHUNK (256 << 10)

struct conn {
	int fd;
	struct buf in;
	struct buf out;
	size_t out_off;
	double started; /* first byte of the request being read, NAN when none */
	double active;
	bool close_after;
	bool continue_sent;
};

struct otlp {
	int fd;
	struct netaddr addr;
	struct xr_store *store;
	struct xr_warnings *warnings;
	struct otlp_io io;
	struct conn conns[OTLP_MAX_CONNECTIONS];
	size_t n_conns;
	struct otlp_stats stats;
	unsigned long long messages;
	size_t added; /* spans added during the current callback */
};

struct otlp *
otlp_open(const char *address, struct xr_store *store, struct xr_warnings *warnings,
          const struct otlp_io *io, struct xr_err *err)
{
	struct otlp *o = xcalloc(1, sizeof *o);
	o->fd = -1;
	o->store = store;
	o->warnings = warnings;
	o->io = *io;
	if (netaddr_parse("--listen-otlp", address, "tcp", "127.0.0.1", 4318, &o->addr, err) < 0)
		goto fail;
	o->fd = socket(o->addr.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (o->fd < 0) {
		xr_err_set(err, XR_EIO, _("--listen-otlp %s: socket: %s"), o->addr.text,
		           strerror(errno));
		goto fail;
	}
	int one = 1;
	setsockopt(o->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(o->fd, (struct sockaddr *)&o->addr.sa, o->addr.sa_len) < 0 ||
	    listen(o->fd, 64) < 0) {
		xr_err_set(err, XR_EIO, _("--listen-otlp %s: %s%s"), o->addr.text, strerror(errno),
		           errno == EADDRINUSE ? _(" (is an OpenTelemetry Collector running? "
		                                   "give xrtop another port)")
		                               : "");
		goto fail;
	}
	return o;
fail:
	otlp_free(o);
	return NULL;
}

static void
conn_close(struct otlp *o, struct conn *c)
{
	o->io.watch(o->io.ctx, c->fd, 0);
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	size_t i = (size_t)(c - o->conns);
	o->conns[i] = o->conns[--o->n_conns];
}

void
otlp_free(struct otlp *o)
{
	if (!o)
		return;
	while (o->n_conns)
		conn_close(o, &o->conns[o->n_conns - 1]);
	if (o->fd >= 0)
		close(o->fd);
	free(o);
}

int
otlp_fd(const struct otlp *o)
{
	return o->fd;
}

const struct otlp_stats *
otlp_stats(const struct otlp *o)
{
	return &o->stats;
}

const char *
otlp_address(const struct otlp *o)
{
	return o->addr.text;
}

/* ---- spans into the store ---- */

static bool
take_span(void *ctx, const struct otlp_span *sp, struct buf *why)
{
	struct otlp *o = ctx;
	struct buf json = BUF_INIT;
	if (otlp_segment(sp, &json, why) < 0) {
		buf_free(&json);
		return false;
	}
	struct xr_trace *t = trace_new_sized(NULL, json.len);
	struct xr_err err = {0};
	if (!decode_segment_document(json.data, json.len, t, &err) || !t->id[0]) {
		buf_puts(why, err.msg[0] ? err.msg : _("not a usable segment"));
		trace_free(t);
		buf_free(&json);
		return false;
	}
	buf_free(&json);
	trace_finish(t);
	store_add_trace(o->store, t);
	o->stats.spans++;
	o->added++;
	return true;
}

int
otlp_ingest(struct otlp *o, const char *body, size_t len, bool protobuf, struct buf *reply)
{
	struct arena *a = arena_new();
	struct otlp_result res;
	struct xr_err err = {0};
	int rc = protobuf
	             ? otlp_decode_protobuf((const uint8_t *)body, len, a, take_span, o, &res, &err)
	             : otlp_decode_json(body, len, a, take_span, o, &res, &err);
	arena_free(a);
	if (rc < 0) {
		if (protobuf)
			otlp_status_protobuf(3, err.msg, reply); /* INVALID_ARGUMENT */
		else
			otlp_status_json(3, err.msg, reply);
		if (o->messages++ < OTLP_MAX_MESSAGES)
			warn_add(o->warnings, _("--listen-otlp %s: request %llu: 400: %s"),
			         o->addr.text, o->stats.requests + 1, err.msg);
		return 400;
	}
	o->stats.rejected += res.rejected;
	if (res.rejected && o->messages++ < OTLP_MAX_MESSAGES)
		warn_add(o->warnings,
		         _("--listen-otlp %s: request %llu: %zu of %zu spans rejected: %s"),
		         o->addr.text, o->stats.requests + 1, res.rejected, res.spans, res.message);
	if (protobuf)
		otlp_response_protobuf(&res, reply);
	else
		otlp_response_json(&res, reply);
	return 200;
}

/* ---- HTTP ---- */

static const char *
reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

static void
conn_flush(struct otlp *o, struct conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			o->io.watch(o->io.ctx, c->fd, POLLOUT);
			return;
		}
		if (n <= 0) {
			conn_close(o, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	buf_reset(&c->out);
	c->out_off = 0;
	if (c->close_after) {
		shutdown(c->fd, SHUT_WR);
		conn_close(o, c);
		return;
	}
	o->io.watch(o->io.ctx, c->fd, POLLIN);
}

/* Why a request is refused: in English for the exporter (the reply's
 * google.rpc.Status), in the user's language for the log. */
struct why {
	char en[400];
	char local[400];
};

static void why_set(struct why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Formats an N_() message both ways. */
static void
why_set(struct why *w, const char *fmt, ...)
{
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	vsnprintf(w->en, sizeof w->en, fmt, ap);
	vsnprintf(w->local, sizeof w->local, _(fmt), again);
	va_end(again);
	va_end(ap);
}

/* An N_() message without arguments, both ways. */
static void
why_msg(struct why *w, const char *msgid)
{
	snprintf(w->en, sizeof w->en, "%s", msgid);
	snprintf(w->local, sizeof w->local, "%s", _(msgid));
}

/* Queues an error reply: a google.rpc.Status body saying why. */
static void
reply(struct otlp *o, struct conn *c, int status, bool protobuf, const struct why *why,
      bool close_after)
{
	const char *body = NULL;
	size_t len = 0;
	struct buf b = BUF_INIT;
	if (status >= 400) {
		o->stats.bad++;
		/* google.rpc.Code: INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE, UNIMPLEMENTED */
		int code = status == 400 ? 3 : status == 404 ? 5 : status == 503 ? 14 : 12;
		if (protobuf)
			otlp_status_protobuf(code, why->en, &b);
		else
			otlp_status_json(code, why->en, &b);
		body = b.data;
		len = b.len;
		if (o->messages++ < OTLP_MAX_MESSAGES)
			warn_add(o->warnings, _("--listen-otlp %s: request %llu: %d: %s"),
			         o->addr.text, o->stats.requests + 1, status, why->local);
	}
	o->stats.requests++;
	c->close_after |= close_after;
	buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
	           status, reason(status), protobuf ? "application/x-protobuf" : "application/json",
	           len, status == 405 ? "Allow: POST\r\n" : "",
	           c->close_after ? "Connection: close\r\n" : "");
	if (len)
		buf_append(&c->out, body, len);
	buf_free(&b);
}

struct request {
	char method[16];
	char target[256];
	bool http10;
	long long content_length; /* -1: none */
	bool chunked, bad_encoding;
	char content_type[64];
	char content_encoding[32];
	bool keep_alive, close, expect_continue;
	size_t header_len;
};

static void
trim(const char **p, const char **end)
{
	while (*p < *end && (**p == ' ' || **p == '\t'))
		(*p)++;
	while (*end > *p && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
		(*end)--;
}

static bool
header_is(const char *name, size_t n, const char *want)
{
	return n == strlen(want) && strncasecmp(name, want, n) == 0;
}

static void
copy_value(char *dst, size_t cap, const char *p, const char *end)
{
	size_t n = (size_t)(end - p) < cap - 1 ? (size_t)(end - p) : cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/* Parses the request line and headers; returns NULL or why it is bad (N_()). */
static const char *
parse_head(const char *data, size_t len, struct request *r)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	r->header_len = len;
	const char *end = data + len - 4; /* before the blank line */
	const char *eol = memchr(data, '\r', (size_t)(end - data));
	if (!eol)
		eol = end;
	const char *sp1 = memchr(data, ' ', (size_t)(eol - data));
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || (size_t)(sp1 - data) >= sizeof r->method ||
	    (size_t)(sp2 - sp1 - 1) >= sizeof r->target || sp2 == sp1 + 1)
		return N_("malformed request line");
	copy_value(r->method, sizeof r->method, data, sp1);
	copy_value(r->target, sizeof r->target, sp1 + 1, sp2);
	if ((size_t)(eol - sp2 - 1) == 8 && memcmp(sp2 + 1, "HTTP/1.1", 8) == 0)
		r->http10 = false;
	else if ((size_t)(eol - sp2 - 1) == 8 && memcmp(sp2 + 1, "HTTP/1.0", 8) == 0)
		r->http10 = true;
	else
		return N_("not HTTP/1.0 or HTTP/1.1");
	for (const char *p = eol + 2; p < end;) {
		const char *le = memchr(p, '\r', (size_t)(end - p));
		if (!le)
			le = end;
		const char *colon = memchr(p, ':', (size_t)(le - p));
		if (!colon || colon == p)
			return N_("malformed header line");
		const char *v = colon + 1, *ve = le;
		trim(&v, &ve);
		size_t n = (size_t)(colon - p);
		if (header_is(p, n, "Content-Length")) {
			long long cl = 0;
			if (v == ve)
				return N_("empty Content-Length");
			for (const char *q = v; q < ve; q++) {
				if (*q < '0' || *q > '9' || cl > (1LL << 40))
					return N_("Content-Length is not a number");
				cl = cl * 10 + (*q - '0');
			}
			if (r->content_length >= 0 && r->content_length != cl)
				return N_("two different Content-Length headers");
			r->content_length = cl;
		} else if (header_is(p, n, "Transfer-Encoding")) {
			if ((size_t)(ve - v) == 7 && strncasecmp(v, "chunked", 7) == 0)
				r->chunked = true;
			else
				r->bad_encoding = true;
		} else if (header_is(p, n, "Content-Type")) {
			copy_value(r->content_type, sizeof r->content_type, v, ve);
		} else if (header_is(p, n, "Content-Encoding")) {
			copy_value(r->content_encoding, sizeof r->content_encoding, v, ve);
		} else if (header_is(p, n, "Connection")) {
			if ((size_t)(ve - v) == 5 && strncasecmp(v, "close", 5) == 0)
				r->close = true;
			if ((size_t)(ve - v) == 10 && strncasecmp(v, "keep-alive", 10) == 0)
				r->keep_alive = true;
		} else if (header_is(p, n, "Expect")) {
			if ((size_t)(ve - v) == 12 && strncasecmp(v, "100-continue", 12) == 0)
				r->expect_continue = true;
		}
		p = le + 2;
	}
	if (r->chunked && r->content_length >= 0)
		return N_("both Content-Length and Transfer-Encoding");
	return NULL;
}

/* Decodes a chunked body from p; returns 1 with the body and the bytes
 * used, 0 when incomplete, -1 malformed, -2 over the cap. */
static int
dechunk(const char *p, size_t len, struct buf *body, size_t *used)
{
	size_t at = 0;
	buf_reset(body);
	for (;;) {
		const char *crlf = memmem(p + at, len - at, "\r\n", 2);
		if (!crlf)
			return len - at > 1024 ? -1 : 0;
		unsigned long long size = 0;
		const char *q = p + at;
		if (q == crlf)
			return -1;
		for (; q < crlf && *q != ';'; q++) {
			int d = hex_digit(*q);
			if (d < 0)
				return -1;
			size = size * 16 + (unsigned)d;
			if (size > OTLP_MAX_BODY)
				return -2;
		}
		at = (size_t)(crlf - p) + 2;
		if (size == 0) {
			/* trailers, then the blank line */
			for (;;) {
				const char *e = memmem(p + at, len - at, "\r\n", 2);
				if (!e)
					return 0;
				bool blank = e == p + at;
				at = (size_t)(e - p) + 2;
				if (blank) {
					*used = at;
					return 1;
				}
			}
		}
		if (body->len + size > OTLP_MAX_BODY)
			return -2;
		if (len - at < size + 2)
			return 0;
		if (memcmp(p + at + size, "\r\n", 2) != 0)
			return -1;
		buf_append(body, p + at, size);
		at += size + 2;
	}
}

static bool
encoding_identity(const char *e)
{
	return !e[0] || strcasecmp(e, "identity") == 0;
}

static bool
encoding_known(const char *e)
{
	return encoding_identity(e) || strcasecmp(e, "gzip") == 0 || strcasecmp(e, "x-gzip") == 0 ||
	       strcasecmp(e, "deflate") == 0;
}

/* Decodes a gzip (members one after another too) or deflate (zlib) body
 * into out, at most OTLP_MAX_BODY bytes.  Returns 200, or 400/413/503 and
 * sets why. */
static int
inflate_body(const char *in, size_t len, bool gzip, struct buf *out, struct why *why)
{
	const char *name = gzip ? "gzip" : "deflate";
	z_stream z = {0};
	if (inflateInit2(&z, gzip ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK) {
		why_set(why, N_("%s: out of memory to start the decompressor"), name);
		return 503;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	buf_reset(out);
	int status = 200, rc = Z_OK;
	while (rc != Z_STREAM_END) {
		if (out->len == OTLP_MAX_BODY) {
			why_set(why, N_("the %s body inflates to more than %d bytes"), name,
			        OTLP_MAX_BODY);
			status = 413;
			break;
		}
		size_t room =
		    OTLP_MAX_BODY - out->len < (64 << 10) ? OTLP_MAX_BODY - out->len : (64 << 10);
		buf_reserve(out, room);
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = (uInt)room;
		rc = inflate(&z, Z_NO_FLUSH);
		out->len += room - z.avail_out;
		out->data[out->len] = '\0';
		if (rc == Z_STREAM_END && gzip && z.avail_in) {
			rc = inflateReset(&z); /* the next gzip member */
			continue;
		}
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_MEM_ERROR) {
			why_set(why, N_("%s: out of memory while inflating"), name);
			status = 503;
			break;
		}
		if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR) {
			why_set(why, N_("the %s body is corrupt at compressed byte %lu: %s"), name,
			        z.total_in, z.msg ? z.msg : "bad data");
			status = 400;
			break;
		}
		if (rc == Z_BUF_ERROR || (z.avail_in == 0 && z.avail_out != 0)) {
			why_set(why,
			        N_("the %s body is truncated: it ends after %zu bytes before the "
			           "end of the compressed stream"),
			        name, len);
			status = 400;
			break;
		}
	}
	if (status == 200 && z.avail_in != 0) {
		why_set(why, N_("%zu bytes follow the end of the deflate stream"),
		        (size_t)z.avail_in);
		status = 400;
	}
	inflateEnd(&z);
	return status;
}

/* Answers the requests complete in c->in.  Returns false when c closed. */
static bool
serve(struct otlp *o, struct conn *c)
{
again:
	while (c->in.len && !c->out.len) {
		const char *blank = memmem(c->in.data, c->in.len, "\r\n\r\n", 4);
		if (!blank || (size_t)(blank - c->in.data) + 4 > OTLP_MAX_HEADER) {
			if (c->in.len > OTLP_MAX_HEADER ||
			    (blank && blank - c->in.data + 4 > OTLP_MAX_HEADER)) {
				struct why w;
				why_msg(&w, N_("the request line and headers are too long"));
				reply(o, c, 431, false, &w, true);
				break;
			}
			return true;
		}
		struct request r;
		struct why w;
		const char *bad = parse_head(c->in.data, (size_t)(blank - c->in.data) + 4, &r);
		if (bad) {
			why_msg(&w, bad);
			reply(o, c, 400, false, &w, true);
			break;
		}
		bool keep = r.http10 ? r.keep_alive : !r.close;
		const char *mt_end = strchr(r.content_type, ';');
		size_t mt_len = mt_end ? (size_t)(mt_end - r.content_type) : strlen(r.content_type);
		while (mt_len && r.content_type[mt_len - 1] == ' ')
			mt_len--;
		bool json =
		    mt_len == 16 && strncasecmp(r.content_type, "application/json", 16) == 0;
		bool protobuf =
		    mt_len == 22 && strncasecmp(r.content_type, "application/x-protobuf", 22) == 0;
		if (r.bad_encoding) {
			why_msg(&w, N_("only the chunked Transfer-Encoding is supported"));
			reply(o, c, 501, protobuf, &w, true);
			break;
		}
		bool is_post = strcmp(r.method, "POST") == 0;
		if (r.content_length < 0 && !r.chunked && is_post) {
			why_msg(&w, N_("Content-Length or chunked encoding required"));
			reply(o, c, 411, protobuf, &w, true);
			break;
		}
		if (r.content_length > OTLP_MAX_BODY) {
			why_set(&w, N_("the body (%lld bytes) is larger than %d bytes"),
			        r.content_length, OTLP_MAX_BODY);
			reply(o, c, 413, protobuf, &w, true);
			break;
		}
		/* the body */
		struct buf chunked = BUF_INIT;
		const char *body = c->in.data + r.header_len;
		size_t avail = c->in.len - r.header_len, body_len = 0, used = r.header_len;
		if (r.chunked) {
			size_t n = 0;
			int rc = dechunk(body, avail, &chunked, &n);
			if (rc == -2) {
				buf_free(&chunked);
				why_set(&w, N_("the body is larger than %d bytes"), OTLP_MAX_BODY);
				reply(o, c, 413, protobuf, &w, true);
				break;
			}
			if (rc == -1) {
				buf_free(&chunked);
				why_msg(&w, N_("malformed chunked body"));
				reply(o, c, 400, protobuf, &w, true);
				break;
			}
			if (rc == 0) {
				buf_free(&chunked);
				goto wait_body;
			}
			body = chunked.data ? chunked.data : "";
			body_len = chunked.len;
			used += n;
		} else if (r.content_length > 0) {
			if (avail < (size_t)r.content_length)
				goto wait_body;
			body_len = (size_t)r.content_length;
			used += body_len;
		}
		/* the answer */
		struct buf inflated = BUF_INIT;
		int zstatus = 200;
		char path[256];
		snprintf(path, sizeof path, "%.*s", (int)strcspn(r.target, "?"), r.target);
		if (strcmp(path, "/v1/traces") != 0) {
			why_set(&w, N_("%s: not found (OTLP traces go to POST /v1/traces)"), path);
			reply(o, c, 404, protobuf, &w, !keep);
		} else if (!is_post) {
			why_msg(&w, N_("use POST"));
			reply(o, c, 405, protobuf, &w, !keep);
		} else if (!encoding_known(r.content_encoding)) {
			why_set(
			    &w,
			    N_("Content-Encoding %s is not supported: use gzip, deflate or none "
			       "at all"),
			    r.content_encoding);
			reply(o, c, 415, protobuf, &w, !keep);
		} else if (!json && !protobuf) {
			why_set(&w,
			        N_("Content-Type '%s': use application/json or "
			           "application/x-protobuf"),
			        r.content_type);
			reply(o, c, 415, false, &w, !keep);
		} else if (!encoding_identity(r.content_encoding) &&
		           (zstatus = inflate_body(body, body_len,
		                                   strcasecmp(r.content_encoding, "deflate") != 0,
		                                   &inflated, &w)) != 200) {
			reply(o, c, zstatus, protobuf, &w, !keep);
		} else {
			if (!encoding_identity(r.content_encoding)) {
				body = inflated.data ? inflated.data : "";
				body_len = inflated.len;
				o->stats.compressed++;
			}
			struct buf answer = BUF_INIT;
			int status = otlp_ingest(o, body, body_len, protobuf, &answer);
			if (status == 400)
				o->stats.bad++;
			o->stats.requests++;
			c->close_after |= !keep;
			buf_printf(
			    &c->out,
			    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
			    status, reason(status),
			    protobuf ? "application/x-protobuf" : "application/json", answer.len,
			    c->close_after ? "Connection: close\r\n" : "");
			if (answer.len)
				buf_append(&c->out, answer.data, answer.len);
			buf_free(&answer);
		}
		buf_free(&chunked);
		buf_free(&inflated);
		memmove(c->in.data, c->in.data + used, c->in.len - used);
		c->in.len -= used;
		c->started = c->in.len ? timefmt_monotonic() : NAN;
		c->continue_sent = false;
		continue;
	wait_body:
		if (r.expect_continue && !c->continue_sent) {
			c->continue_sent = true;
			static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
			if (send(c->fd, cont, sizeof cont - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
			    errno != EAGAIN) {
				conn_close(o, c);
				return false;
			}
		}
		return true;
	}
	if (c->out.len) {
		size_t i = (size_t)(c - o->conns), n = o->n_conns;
		int fd = c->fd;
		conn_flush(o, c);
		if (o->n_conns != n || o->conns[i].fd != fd)
			return false;
		/* pipelined requests already read get no further readiness */
		if (!c->out.len && c->in.len)
			goto again;
	}
	return true;
}

static void
accept_all(struct otlp *o)
{
	for (;;) {
		int fd = accept4(o->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (o->n_conns == OTLP_MAX_CONNECTIONS) {
			close(fd); /* the exporter retries */
			continue;
		}
		o->stats.connections++;
		struct conn *c = &o->conns[o->n_conns++];
		*c = (struct conn){.fd = fd, .started = NAN, .active = timefmt_monotonic()};
		buf_init(&c->in, 0);
		buf_init(&c->out, 0);
		o->io.watch(o->io.ctx, fd, POLLIN);
	}
}

static void
conn_read(struct otlp *o, struct conn *c)
{
	size_t got = 0;
	size_t limit = OTLP_MAX_HEADER + OTLP_MAX_BODY + (OTLP_MAX_BODY >> 4);
	while (got < OTLP_READ_CHUNK) {
		char tmp[16384];
		ssize_t n = recv(c->fd, tmp, sizeof tmp, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == 0 && c->in.len && !c->out.len) {
			/* the client finished sending: answer what is complete */
			int fd = c->fd;
			c->close_after = true;
			serve(o, c);
			for (size_t i = 0; i < o->n_conns; i++)
				if (o->conns[i].fd == fd && !o->conns[i].out.len)
					conn_close(o, &o->conns[i]);
			return;
		}
		if (n <= 0) {
			conn_close(o, c);
			return;
		}
		if (c->in.len == 0)
			c->started = timefmt_monotonic();
		if (c->in.len + (size_t)n > limit) {
			struct why w;
			why_msg(&w, N_("the request is too large"));
			reply(o, c, 413, false, &w, true);
			buf_reset(&c->in);
			conn_flush(o, c);
			return;
		}
		buf_append(&c->in, tmp, (size_t)n);
		got += (size_t)n;
	}
	c->active = timefmt_monotonic();
	serve(o, c);
}

size_t
otlp_ready(struct otlp *o, int fd, short revents)
{
	o->added = 0;
	if (fd == o->fd) {
		accept_all(o);
		return 0;
	}
	for (size_t i = 0; i < o->n_conns; i++) {
		struct conn *c = &o->conns[i];
		if (c->fd != fd)
			continue;
		if (c->out.len && (revents & (POLLOUT | POLLERR | POLLHUP))) {
			size_t n = o->n_conns;
			conn_flush(o, c);
			if (o->n_conns == n && !c->out.len)
				serve(o, c); /* requests that came while answering */
		} else if (revents & (POLLIN | POLLERR | POLLHUP)) {
			conn_read(o, c);
		}
		break;
	}
	return o->added;
}

void
otlp_tick(struct otlp *o, double now)
{
	for (size_t i = o->n_conns; i-- > 0;) {
		struct conn *c = &o->conns[i];
		bool slow = isfinite(c->started) && now - c->started > OTLP_REQUEST_TIMEOUT;
		bool idle = !c->in.len && !c->out.len && now - c->active > OTLP_IDLE_TIMEOUT;
		if (slow && !c->out.len) {
			struct why w;
			why_msg(&w, N_("the request took too long"));
			reply(o, c, 408, false, &w, true);
			buf_reset(&c->in);
			conn_flush(o, c);
		} else if (idle || (slow && now - c->started > 2 * OTLP_REQUEST_TIMEOUT)) {
			conn_close(o, c);
		}
	}
}
