/* libFuzzer target for what the receivers take from the network: the first
 * byte chooses a daemon datagram (udp_datagram: header line, segment
 * decoder, merging into the store), an OTLP/JSON body or an OTLP protobuf
 * body (otlp_ingest: the decoders, the span translation, the segment
 * decoder, the reply).  Whatever the input, nothing may crash or leak, and
 * the reply to a JSON body is JSON without a raw control character. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model/store.h"
#include "source/otlp.h"
#include "source/udp.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
watch(void *ctx, int fd, short events)
{
	(void)ctx;
	(void)fd;
	(void)events;
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
	if (data[0] % 3 == 0) {
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
			bool protobuf = data[0] % 3 == 2;
			otlp_ingest(o, body, len, protobuf, &reply);
			for (size_t i = 0; !protobuf && i < reply.len; i++)
				if ((unsigned char)reply.data[i] < 0x20) {
					fprintf(stderr, "raw control byte in the reply\n");
					abort();
				}
			buf_free(&reply);
		}
		otlp_free(o);
	}
	warn_free(&warnings);
	store_free(store);
	return 0;
}
