#include "config.h"

#include "source/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "source/netaddr.h"
#include "util/jsonscan.h"
#include "util/xmalloc.h"
#include "xray/decode.h"
#include "util/i18n.h"

/* Datagrams read per readiness callback, so other sources get their turn. */
#define UDP_BATCH 1024
/* The receive buffer asked for; the kernel may grant less (rmem_max). */
#define UDP_RCVBUF (8 << 20)
/* Read buffer: one byte more than the largest UDP payload. */
#define UDP_READ_MAX 65536

struct udp {
	int fd, fwd;
	struct netaddr addr, fwd_addr;
	struct xr_store *store;
	struct xr_warnings *warnings;
	struct udp_stats stats;
	unsigned long long messages;
	char *buf;
};

static void
bad(struct udp *u, const char *why, const char *detail)
{
	u->stats.bad++;
	if (u->messages++ < UDP_MAX_MESSAGES) {
		warn_add(u->warnings, _("--listen %s: datagram %llu: %s%s"), u->addr.text,
		         u->stats.datagrams, why, detail ? detail : "");
		if (u->messages == UDP_MAX_MESSAGES)
			warn_add(u->warnings,
			         _("--listen %s: further bad datagrams are only counted"),
			         u->addr.text);
	}
}

static int
open_socket(const struct netaddr *a, struct xr_err *err)
{
	int fd = socket(a->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		xr_err_set(err, XR_EIO, _("%s: socket: %s"), a->text, strerror(errno));
	return fd;
}

struct udp *
udp_open(const char *listen, const char *forward, struct xr_store *store,
         struct xr_warnings *warnings, struct xr_err *err)
{
	struct udp *u = xcalloc(1, sizeof *u);
	u->fd = u->fwd = -1;
	u->store = store;
	u->warnings = warnings;
	const char *env = getenv("AWS_XRAY_DAEMON_ADDRESS");
	const char *spec = listen && *listen ? listen : env && *env ? env : NULL;
	const char *what = listen && *listen ? "--listen"
	                   : spec            ? "AWS_XRAY_DAEMON_ADDRESS"
	                                     : "--listen";
	if (netaddr_parse(what, spec, "udp", "127.0.0.1", 2000, &u->addr, err) < 0)
		goto fail;
	if ((u->fd = open_socket(&u->addr, err)) < 0)
		goto fail;
	int one = 1, size = UDP_RCVBUF;
	setsockopt(u->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* Past rmem_max when allowed (CAP_NET_ADMIN), else as far as it goes. */
	if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	socklen_t sl = sizeof u->stats.rcvbuf;
	getsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &u->stats.rcvbuf, &sl);
#ifdef SO_RXQ_OVFL
	setsockopt(u->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
#endif
	if (bind(u->fd, (struct sockaddr *)&u->addr.sa, u->addr.sa_len) < 0) {
		xr_err_set(err, XR_EIO, _("--listen %s: %s%s"), u->addr.text, strerror(errno),
		           errno == EADDRINUSE
		               ? _(" (is the X-Ray daemon running? give xrtop another "
		                   "port, or put it in front with --forward)")
		               : "");
		goto fail;
	}
	if (forward) {
		if (netaddr_parse("--forward", forward, "udp", "127.0.0.1", 2000, &u->fwd_addr,
		                  err) < 0 ||
		    (u->fwd = open_socket(&u->fwd_addr, err)) < 0)
			goto fail;
		if (connect(u->fwd, (struct sockaddr *)&u->fwd_addr.sa, u->fwd_addr.sa_len) < 0) {
			xr_err_set(err, XR_EIO, _("--forward %s: %s"), u->fwd_addr.text,
			           strerror(errno));
			goto fail;
		}
		if (u->fwd_addr.sa_len == u->addr.sa_len &&
		    memcmp(&u->fwd_addr.sa, &u->addr.sa, u->addr.sa_len) == 0) {
			xr_err_set(err, XR_EUSAGE,
			           _("--forward %s is the address xrtop listens on"),
			           u->fwd_addr.text);
			goto fail;
		}
	}
	u->buf = xmalloc(UDP_READ_MAX + 1);
	return u;
fail:
	udp_free(u);
	return NULL;
}

void
udp_free(struct udp *u)
{
	if (!u)
		return;
	if (u->fd >= 0)
		close(u->fd);
	if (u->fwd >= 0)
		close(u->fwd);
	free(u->buf);
	free(u);
}

int
udp_fd(const struct udp *u)
{
	return u->fd;
}

const struct udp_stats *
udp_stats(const struct udp *u)
{
	return &u->stats;
}

const char *
udp_address(const struct udp *u)
{
	return u->addr.text;
}

/* What the header line's members say. */
struct header_scan {
	bool format_json, version_1, other;
};

static const char *
header_member(void *ctx, const struct jsonscan_member *m, const char *end)
{
	struct header_scan *h = ctx;
	if (m->key_len == 6 && memcmp(m->key, "format", 6) == 0)
		h->format_json = end - m->value >= 6 && memcmp(m->value, "\"json\"", 6) == 0;
	else if (m->key_len == 7 && memcmp(m->key, "version", 7) == 0)
		h->version_1 = end - m->value >= 1 && m->value[0] == '1' &&
		               (end - m->value == 1 || !strchr("0123456789.eE", m->value[1]));
	else
		h->other = true;
	return NULL;
}

/* Checks the header line [p, end); NULL when good, else why not. */
static const char *
header_problem(const char *p, const char *end)
{
	p = jsonscan_skip_ws(p, end);
	if (p == end || *p != '{')
		return N_("no header line ({\"format\": \"json\", \"version\": 1} and a newline "
		          "must come first)");
	struct header_scan h = {0};
	const char *bad, *after = jsonscan_object(p, end, header_member, &h, &bad);
	if (!after || jsonscan_skip_ws(after, end) != end)
		return N_("the header line is not valid JSON");
	if (!h.format_json || !h.version_1)
		return N_("the header line is not {\"format\": \"json\", \"version\": 1}");
	return NULL;
}

void
udp_datagram(struct udp *u, const char *data, size_t len)
{
	u->stats.datagrams++;
	if (u->fwd >= 0) {
		if (send(u->fwd, data, len, MSG_DONTWAIT) == (ssize_t)len)
			u->stats.forwarded++;
		else
			u->stats.forward_failed++;
	}
	if (len > UDP_MAX_DOCUMENT) {
		char what[80];
		snprintf(what, sizeof what, _("%zu bytes"), len);
		bad(u, _("larger than the daemon's 64 kB limit: "), what);
		return;
	}
	const char *end = data + len, *nl = memchr(data, '\n', len);
	const char *why = nl ? header_problem(data, nl) : header_problem("", "");
	if (why) {
		bad(u, _(why), NULL);
		return;
	}
	if (!nl || jsonscan_skip_ws(nl + 1, end) == end) {
		bad(u, _("no segment document after the header line"), NULL);
		return;
	}
	const char *doc = nl + 1;
	size_t doc_len = (size_t)(end - doc);
	struct xr_trace *t = trace_new_sized(NULL, doc_len);
	struct xr_err err = {0};
	if (!decode_segment_document(doc, doc_len, t, &err)) {
		char detail[300];
		if (err.has_offset)
			snprintf(detail, sizeof detail,
			         _("invalid JSON at byte %zu of the document%s"), err.offset + 1,
			         err.offset >= doc_len ? _(" (truncated?)") : "");
		else
			detail[0] = '\0';
		bad(u, detail[0] ? detail : err.msg, NULL);
		trace_free(t);
		return;
	}
	if (!t->id[0]) {
		bad(u, _("the document has no trace_id: "), t->documents[0]->id);
		trace_free(t);
		return;
	}
	if (t->n_problems) { /* kept, like --load keeps it: the problem is reported */
		char detail[80];
		snprintf(detail, sizeof detail, _("trace %s: "), t->id);
		bad(u, detail, t->problems[0]);
	}
	trace_finish(t);
	store_add_trace(u->store, t);
	u->stats.documents++;
}

/* The kernel's count of datagrams dropped on this socket, from a message's
 * control data. */
static void
read_drops(struct udp *u, struct msghdr *mh)
{
#ifdef SO_RXQ_OVFL
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			uint32_t n;
			memcpy(&n, CMSG_DATA(c), sizeof n);
			u->stats.dropped = n;
		}
#else
	(void)u;
	(void)mh;
#endif
}

size_t
udp_readable(struct udp *u)
{
	unsigned long long before = u->stats.documents;
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} control;
	for (int i = 0; i < UDP_BATCH; i++) {
		struct iovec iov = {u->buf, UDP_READ_MAX};
		struct msghdr mh = {.msg_iov = &iov,
		                    .msg_iovlen = 1,
		                    .msg_control = control.buf,
		                    .msg_controllen = sizeof control.buf};
		ssize_t n = recvmsg(u->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break; /* EAGAIN, or an ICMP error left on the socket */
		}
		read_drops(u, &mh);
		if ((size_t)n > UDP_READ_MAX) { /* an IPv6 jumbogram: cut by the read */
			u->stats.datagrams++;
			u->stats.forward_failed += u->fwd >= 0;
			bad(u, _("larger than the daemon's 64 kB limit"), NULL);
			continue;
		}
		udp_datagram(u, u->buf, (size_t)n);
	}
	return (size_t)(u->stats.documents - before);
}
