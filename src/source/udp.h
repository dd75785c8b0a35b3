/* udp: the --listen source, a stand-in for the X-Ray daemon.  It owns a
 * non-blocking UDP socket (and, with --forward, a second one connected to
 * the real daemon) and turns each datagram -- the daemon header line
 * {"format": "json", "version": 1}, a newline, one segment or subsegment
 * document -- into a trace merged into the store: pieces of a trace are
 * merged as they arrive, subsegments sent on their own join their parents,
 * and an in-progress segment is replaced by its final document.  Bad
 * datagrams (no header, bad JSON, over UDP_MAX_DOCUMENT bytes, fields of
 * the wrong type, no trace id) are counted and described in warnings, never
 * fatal.  The receive buffer is raised and the kernel's drop counter
 * (SO_RXQ_OVFL) is read with every datagram.  The owner registers
 * udp_fd() with its event loop and calls udp_readable() when it is ready;
 * the source itself never blocks and never prints. */
#ifndef XRTOP_SOURCE_UDP_H
#define XRTOP_SOURCE_UDP_H

#include <stddef.h>

#include "model/store.h"
#include "util/err.h"
#include "util/warn.h"

/* The X-Ray daemon's limit on a segment document (64 kB). */
#define UDP_MAX_DOCUMENT 64000
/* Bad datagrams described one by one; later ones are only counted. */
#define UDP_MAX_MESSAGES 20

struct udp_stats {
	unsigned long long datagrams; /* received */
	unsigned long long documents; /* added to the store */
	unsigned long long bad;       /* refused, or kept with problems */
	unsigned long long dropped;   /* dropped by the kernel (receive buffer full) */
	unsigned long long forwarded, forward_failed;
	int rcvbuf; /* the receive buffer the kernel granted, bytes */
};

struct udp;

/* Binds listen ([HOST:]PORT or the AWS_XRAY_DAEMON_ADDRESS form; NULL:
 * AWS_XRAY_DAEMON_ADDRESS when set, else 127.0.0.1:2000) and connects to
 * forward (NULL: none).  Caller frees. */
struct udp *udp_open(const char *listen, const char *forward, struct xr_store *store,
                     struct xr_warnings *warnings, struct xr_err *err);
void udp_free(struct udp *u);
/* The socket to wait on (POLLIN). */
int udp_fd(const struct udp *u);
/* Reads the datagrams that are ready (at most a bounded batch); returns
 * how many documents went into the store. */
size_t udp_readable(struct udp *u);
/* Handles one datagram as if received (tests, benchmarks). */
void udp_datagram(struct udp *u, const char *data, size_t len);
const struct udp_stats *udp_stats(const struct udp *u);
/* "127.0.0.1:2000" */
const char *udp_address(const struct udp *u);

#endif
