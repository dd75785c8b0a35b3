/* netaddr: the addresses --listen, --listen-otlp and --forward take.
 * [HOST:]PORT with HOST a name, an IPv4 address or a bracketed IPv6
 * address, and the X-Ray daemon's AWS_XRAY_DAEMON_ADDRESS form
 * "tcp:HOST:PORT udp:HOST:PORT" (either order), from which the part for
 * the wanted protocol is taken.  Resolution uses getaddrinfo(), so names
 * are looked up once, when a source opens. */
#ifndef XRTOP_SOURCE_NETADDR_H
#define XRTOP_SOURCE_NETADDR_H

#include <stdbool.h>
#include <sys/socket.h>

#include "util/err.h"

struct netaddr {
	char host[256]; /* without brackets */
	int port;
	struct sockaddr_storage sa;
	socklen_t sa_len;
	char text[300]; /* "HOST:PORT" or "[HOST]:PORT" for messages */
};

/* Parses and resolves spec (NULL or "": default_host:default_port) for
 * protocol "udp" or "tcp".  what names the option in messages. */
int netaddr_parse(const char *what, const char *spec, const char *proto, const char *default_host,
                  int default_port, struct netaddr *out, struct xr_err *err);
/* True when text looks like [HOST:]PORT or the daemon form, not a file or
 * option (for options that take an optional address). */
bool netaddr_plausible(const char *text);

#endif
