/* libFuzzer target for what the receivers take from the network: the first
 * byte chooses a daemon datagram (udp_datagram: header line, segment
 * decoder, merging into the store), an OTLP/JSON body or an OTLP protobuf
 * body (otlp_ingest: the decoders, the span translation, the segment
 * decoder, the reply), a whole HTTP exchange with the OTLP receiver over a
 * loopback connection (request line, headers, Content-Length or chunked
 * body, gzip/deflate inflation, pipelining, the reply), or an OTLP body
 * that this target compresses (gzip, deflate, two gzip members) and posts,
 * chunked or not, so that the inflated path sees real spans.  Whatever the
 * input, nothing may crash or leak, every reply is HTTP, and the reply to
 * a JSON body is JSON without a raw control character. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "model/store.h"
#include "source/otlp.h"
#include "source/udp.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The connection the receiver watches (-1 when closed). */
static void
watch(void *ctx, int fd, short events)
{
	int *conn = ctx;
	if (ctx && events)
		*conn = fd;
	else if (ctx && fd == *conn)
		*conn = -1;
}

static void
check_json_reply(const char *reply, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)reply[i] < 0x20) {
			fprintf(stderr, "raw control byte in the reply\n");
			abort();
		}
}

/* A loopback address with a port free now. */
static void
free_address(int type, char *out, size_t cap)
{
	int fd = socket(AF_INET, type, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sin;
	bind(fd, (struct sockaddr *)&sin, sizeof sin);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	close(fd);
	snprintf(out, cap, "127.0.0.1:%d", ntohs(sin.sin_port));
}

/* Sends request to a fresh receiver over loopback, closes the sending
 * side and lets the receiver answer; every reply must be HTTP. */
static void
exchange(const char *request, size_t len, struct xr_store *store, struct xr_warnings *warnings)
{
	char addr[32];
	free_address(SOCK_STREAM, addr, sizeof addr);
	int conn = -1;
	struct otlp_io io = {watch, &conn};
	struct xr_err err = {0};
	struct otlp *o = otlp_open(addr, store, warnings, &io, &err);
	if (!o)
		return;
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	getsockname(otlp_fd(o), (struct sockaddr *)&sin, &sl);
	int client = socket(AF_INET, SOCK_STREAM, 0);
	if (client < 0 || connect(client, (struct sockaddr *)&sin, sl) < 0) {
		if (client >= 0)
			close(client);
		otlp_free(o);
		return;
	}
	otlp_ready(o, otlp_fd(o), POLLIN);
	for (size_t off = 0; off < len;) {
		ssize_t n = send(client, request + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(client, SHUT_WR);
	for (int i = 0; i < 16 && conn >= 0; i++)
		otlp_ready(o, conn, POLLIN | POLLOUT);
	char reply[8192];
	size_t got = 0;
	for (ssize_t n; got < sizeof reply &&
	                (n = recv(client, reply + got, sizeof reply - got, MSG_DONTWAIT)) > 0;)
		got += (size_t)n;
	if (got && (got < 9 || memcmp(reply, "HTTP/1.1 ", 9) != 0)) {
		fprintf(stderr, "the reply is not HTTP/1.1\n");
		abort();
	}
	/* the first reply's body, when JSON */
	const char *blank = memmem(reply, got, "\r\n\r\n", 4);
	const char *cl = memmem(reply, got, "Content-Length: ", 16);
	if (blank && cl && cl < blank &&
	    memmem(reply, (size_t)(blank - reply), "application/json", 16)) {
		size_t n = strtoul(cl + 16, NULL, 10), at = (size_t)(blank + 4 - reply);
		check_json_reply(blank + 4, n < got - at ? n : got - at);
	}
	close(client);
	otlp_free(o);
}

/* Compresses in with zlib: gzip or deflate (zlib) format. */
static void
compress_into(struct buf *out, const char *in, size_t len, bool gzip)
{
	z_stream z = {0};
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip ? 16 + MAX_WBITS : MAX_WBITS,
	                 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	uLong cap = deflateBound(&z, (uLong)len);
	unsigned char *tmp = malloc(cap ? cap : 1);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = tmp;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	buf_append(out, (const char *)tmp, cap - z.avail_out);
	deflateEnd(&z);
	free(tmp);
}

/* flags: 1 protobuf, 2 deflate (else gzip), 4 chunked, 8 two gzip members. */
static void
post_compressed(unsigned flags, const char *body, size_t len, struct xr_store *store,
                struct xr_warnings *warnings)
{
	bool protobuf = flags & 1, deflate = flags & 2, chunked = flags & 4;
	struct buf z = BUF_INIT, req = BUF_INIT;
	buf_puts(&z, "");
	if (!deflate && (flags & 8)) {
		compress_into(&z, body, len / 2, true);
		compress_into(&z, body + len / 2, len - len / 2, true);
	} else {
		compress_into(&z, body, len, !deflate);
	}
	buf_printf(&req,
	           "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
	           "Content-Encoding: %s\r\n",
	           protobuf ? "application/x-protobuf" : "application/json",
	           deflate ? "deflate" : "gzip");
	if (chunked) {
		buf_puts(&req, "Transfer-Encoding: chunked\r\n\r\n");
		for (size_t off = 0; off < z.len; off += 61) {
			size_t n = z.len - off < 61 ? z.len - off : 61;
			buf_printf(&req, "%zx\r\n", n);
			buf_append(&req, z.data + off, n);
			buf_puts(&req, "\r\n");
		}
		buf_puts(&req, "0\r\n\r\n");
	} else {
		buf_printf(&req, "Content-Length: %zu\r\n\r\n", z.len);
		buf_append(&req, z.data, z.len);
	}
	exchange(req.data, req.len, store, warnings);
	buf_free(&z);
	buf_free(&req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct xr_store *store = store_new();
	struct xr_warnings warnings = {0};
	struct xr_err err = {0};
	char addr[32];
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	unsigned mode = data[0] % 6;
	if (mode == 4) {
		exchange(body, len, store, &warnings);
	} else if (mode == 5) {
		if (len)
			post_compressed((unsigned char)body[0], body + 1, len - 1, store,
			                &warnings);
	} else if (mode == 0 || mode == 3) {
		free_address(SOCK_DGRAM, addr, sizeof addr);
		struct udp *u = udp_open(addr, NULL, store, &warnings, &err);
		if (u) {
			/* the same bytes as a whole datagram and cut at each newline */
			udp_datagram(u, body, len);
			for (const char *p = body; (p = memchr(p, '\n', len - (size_t)(p - body)));)
				udp_datagram(u, body, (size_t)(++p - body));
		}
		udp_free(u);
	} else {
		free_address(SOCK_STREAM, addr, sizeof addr);
		struct otlp_io io = {watch, NULL};
		struct otlp *o = otlp_open(addr, store, &warnings, &io, &err);
		if (o) {
			struct buf reply = BUF_INIT;
			bool protobuf = mode == 2;
			otlp_ingest(o, body, len, protobuf, &reply);
			if (!protobuf)
				check_json_reply(reply.data, reply.len);
			buf_free(&reply);
		}
		otlp_free(o);
	}
	warn_free(&warnings);
	store_free(store);
	return 0;
}
