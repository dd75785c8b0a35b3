/* The receivers' pure parts: addresses, daemon datagrams through
 * udp_datagram(), and spans translated to X-Ray segments by otlp_segment()
 * (the awsxrayexporter mapping) and read back by the segment decoder. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model/store.h"
#include "source/netaddr.h"
#include "source/otlp.h"
#include "source/udp.h"
#include "tap.h"
#include "util/timefmt.h"
#include "util/warn.h"
#include "xray/decode.h"
#include "xray/otlp.h"

static void
test_addresses(void)
{
	struct netaddr a;
	struct xr_err err = {0};
	is_int(netaddr_parse("--listen", NULL, "udp", "127.0.0.1", 2000, &a, &err), 0, "default");
	is_str(a.text, "127.0.0.1:2000", "default address");
	netaddr_parse("--listen", "2001", "udp", "127.0.0.1", 2000, &a, &err);
	is_str(a.text, "127.0.0.1:2001", "a port alone");
	netaddr_parse("--listen", "[::1]:2002", "udp", "127.0.0.1", 2000, &a, &err);
	is_str(a.text, "[::1]:2002", "IPv6 in brackets");
	netaddr_parse("--listen", "tcp:127.0.0.1:2000 udp:127.0.0.2:2003", "udp", "127.0.0.1", 2000,
	              &a, &err);
	is_str(a.text, "127.0.0.2:2003", "the udp part of the daemon form");
	netaddr_parse("--listen", "udp:127.0.0.2:2004 tcp:127.0.0.1:2000", "tcp", "127.0.0.1", 2000,
	              &a, &err);
	is_str(a.text, "127.0.0.1:2000", "the tcp part, either order");
	is_int(netaddr_parse("--listen", "127.0.0.1:0", "udp", "127.0.0.1", 2000, &a, &err), -1,
	       "port 0 refused");
	ok(strstr(err.msg, "--listen") && strstr(err.msg, "not a port"), "named: %s", err.msg);
	is_int(netaddr_parse("--listen", "udp:1.2.3.4:5 bogus", "udp", "127.0.0.1", 2000, &a, &err),
	       -1, "a bad daemon form refused");
	ok(netaddr_plausible("2000") && netaddr_plausible("localhost:2000") &&
	       netaddr_plausible("tcp:a:1 udp:b:2") && !netaddr_plausible("-d") &&
	       !netaddr_plausible("file.json"),
	   "what looks like an address");
}

static const char H[] = "{\"format\": \"json\", \"version\": 1}\n";

static void
send_doc(struct udp *u, const char *doc)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s%s", H, doc);
	udp_datagram(u, buf, strlen(buf));
}

static void
test_datagrams(void)
{
	struct xr_store *store = store_new();
	struct xr_warnings w = {0};
	struct xr_err err = {0};
	/* a free port: the kernel's choice for a socket closed again */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sin;
	bind(fd, (struct sockaddr *)&sin, sizeof sin);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	close(fd);
	char addr[32];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(sin.sin_port));
	struct udp *u = udp_open(addr, NULL, store, &w, &err);
	ok(u, "udp_open on a free port: %s", err.msg);
	if (!u)
		return;
	const char *tid = "1-5f000000-000000000000000000000001";
	char doc[1024];
	snprintf(doc, sizeof doc,
	         "{\"trace_id\":\"%s\",\"id\":\"b\",\"parent_id\":\"a\",\"type\":\"subsegment\","
	         "\"name\":\"DynamoDB\",\"namespace\":\"aws\",\"start_time\":1.1,\"end_time\":1.2}",
	         tid);
	send_doc(u, doc);
	snprintf(doc, sizeof doc,
	         "{\"trace_id\":\"%s\",\"id\":\"a\",\"name\":\"Reservations\",\"start_time\":1,"
	         "\"in_progress\":true}",
	         tid);
	send_doc(u, doc);
	const struct xr_store_entry *e = store_find(store, tid);
	ok(e && e->trace && e->trace->n_all == 2, "the subsegment and the open segment: one trace");
	ok(e && e->trace->root && (e->trace->root->flags & XR_SEG_IN_PROGRESS),
	   "the root is in progress");
	ok(e && e->trace->n_problems == 0, "no stale 'parent not found' (%s)",
	   e && e->trace->n_problems ? e->trace->problems[0] : "");
	snprintf(doc, sizeof doc,
	         "{\"trace_id\":\"%s\",\"id\":\"a\",\"name\":\"Reservations\",\"start_time\":1,"
	         "\"end_time\":1.5}",
	         tid);
	send_doc(u, doc);
	e = store_find(store, tid);
	ok(e && e->trace->root && !(e->trace->root->flags & XR_SEG_IN_PROGRESS) &&
	       e->trace->n_all == 2,
	   "the final document replaced the in-progress one");
	udp_datagram(u, "{\"format\":\"json\",\"version\":1}", 29);
	udp_datagram(u, "no header", 9);
	is_int(udp_stats(u)->datagrams, 5, "five datagrams");
	is_int(udp_stats(u)->documents, 3, "three documents");
	is_int(udp_stats(u)->bad, 2, "two bad");
	is_int(warn_count(&w), 2, "two warnings");
	udp_free(u);
	warn_free(&w);
	store_free(store);
}

/* Translates sp and decodes the document into a trace. */
static struct xr_trace *
translate(const struct otlp_span *sp, struct buf *json)
{
	struct buf why = BUF_INIT;
	buf_reset(json);
	if (otlp_segment(sp, json, &why) < 0) {
		buf_free(&why);
		return NULL;
	}
	buf_free(&why);
	struct xr_trace *t = trace_new(NULL);
	struct xr_err err = {0};
	if (!decode_segment_document(json->data, json->len, t, &err)) {
		trace_free(t);
		return NULL;
	}
	trace_finish(t);
	return t;
}

#define STR(k, v)                                                                                  \
	{                                                                                          \
		k,                                                                                 \
		{                                                                                  \
			.type = OTLP_STRING, .s = v                                                \
		}                                                                                  \
	}
#define INT(k, v)                                                                                  \
	{                                                                                          \
		k,                                                                                 \
		{                                                                                  \
			.type = OTLP_INT, .i = v                                                   \
		}                                                                                  \
	}

static void
test_translation(void)
{
	struct buf json = BUF_INIT;
	struct otlp_attr resource[] = {
	    STR("service.name", "Reservations"),
	    STR("service.version", "1.2"),
	    STR("cloud.platform", "aws_lambda"),
	    {"aws.xray.annotations", {.type = OTLP_JSON, .s = "[\"restaurant.name\",\"tier\"]"}},
	    INT("tier", 3)};
	struct otlp_attr server_attrs[] = {
	    STR("http.method", "POST"),   STR("http.url", "http://localhost/reserve"),
	    INT("http.status_code", 429), STR("restaurant.name", "강남 맛집"),
	    STR("enduser.id", "kim"),     INT("retries", 2)};
	struct otlp_span sp = {.trace_id = {0x5f, 0, 0, 1, 0xab, 0xcd},
	                       .span_id = {1, 2, 3, 4, 5, 6, 7, 8},
	                       .name = "POST /reserve",
	                       .kind = OTLP_KIND_SERVER,
	                       .start_ns = 1600000000000000000ULL,
	                       .end_ns = 1600000000250000000ULL,
	                       .attrs = server_attrs,
	                       .n_attrs = 6,
	                       .resource = resource,
	                       .n_resource = 5};
	struct xr_trace *t = translate(&sp, &json);
	ok(t, "a server span translates: %s", json.data);
	if (t) {
		struct xr_segment *s = t->documents[0];
		is_str(t->id, "1-5f000001-abcd00000000000000000000", "trace id 1-<8>-<24>");
		is_str(s->id, "0102030405060708", "segment id = span id");
		is_str(s->name, "Reservations", "named by service.name");
		ok(!(s->flags & XR_SEG_SUBSEGMENT), "a segment");
		is_str(s->origin, "AWS::Lambda::Function", "origin from cloud.platform");
		is_int(s->http.status, 429, "http status from http.status_code");
		ok(strstr(json.data, "\"throttle\":true") && strstr(json.data, "\"error\":true") &&
		       !strstr(json.data, "\"fault\""),
		   "429: error and throttle, no fault");
		is_str(s->user, "kim", "enduser.id is the user");
		is_str(s->service_version, "1.2", "service.version");
		ok(strstr(json.data,
		          "\"annotations\":{\"restaurant_name\":\"강남 맛집\",\"tier\":3}"),
		   "annotations from aws.xray.annotations (span and resource), keys sanitized");
		ok(strstr(json.data, "\"metadata\":{\"default\":{\"retries\":2}}"),
		   "the other span attributes are metadata, default namespace");
		trace_free(t);
	}

	struct otlp_attr db_attrs[] = {STR("db.system", "postgresql"), STR("db.name", "tables"),
	                               STR("db.statement", "SELECT * FROM t WHERE id = ?"),
	                               STR("db.user", "app")};
	struct otlp_span db = sp;
	db.kind = OTLP_KIND_CLIENT;
	db.has_parent = true;
	memcpy(db.parent_id, sp.span_id, 8);
	db.span_id[7] = 9;
	db.attrs = db_attrs;
	db.n_attrs = 4;
	db.status = OTLP_STATUS_ERROR;
	db.status_message = "connection reset";
	t = translate(&db, &json);
	ok(t, "a database client span translates: %s", json.data);
	if (t) {
		struct xr_segment *s = t->documents[0];
		ok(s->flags & XR_SEG_SUBSEGMENT, "a subsegment");
		is_str(s->parent_id, "0102030405060708", "of its parent span");
		is_str(s->namespace, "remote", "remote namespace");
		is_str(s->name, "tables", "named by db.name");
		ok(s->sql && s->sql->sanitized_query &&
		       strcmp(s->sql->sanitized_query, "SELECT * FROM t WHERE id = ?") == 0,
		   "db.statement is the sanitized query");
		ok(strstr(json.data, "\"database_type\":\"postgresql\""), "db.system is the type");
		ok(strstr(json.data, "\"fault\":true"), "status ERROR without HTTP: fault");
		ok(s->cause && strstr(json.data, "connection reset"),
		   "the status message is the cause");
		trace_free(t);
	}

	struct otlp_attr sdk_attrs[] = {STR("rpc.system", "aws-api"), STR("rpc.service", "SQS"),
	                                STR("rpc.method", "SendMessage"),
	                                STR("aws.queue_url", "https://sqs/q"),
	                                INT("http.response.status_code", 503)};
	struct otlp_span sdk = db;
	sdk.attrs = sdk_attrs;
	sdk.n_attrs = 5;
	sdk.status = OTLP_STATUS_UNSET;
	sdk.end_ns = 0;
	t = translate(&sdk, &json);
	ok(t, "an AWS SDK span translates: %s", json.data);
	if (t) {
		struct xr_segment *s = t->documents[0];
		is_str(s->namespace, "aws", "aws namespace");
		is_str(s->name, "SQS", "named by the AWS service");
		ok(strstr(json.data, "\"operation\":\"SendMessage\"") &&
		       strstr(json.data, "\"queue_url\":\"https://sqs/q\""),
		   "operation and queue url");
		ok(strstr(json.data, "\"fault\":true"), "HTTP 503: fault");
		ok(s->flags & XR_SEG_IN_PROGRESS, "no end time: in progress");
		trace_free(t);
	}

	struct otlp_span zero = sp;
	memset(zero.trace_id, 0, sizeof zero.trace_id);
	struct buf why = BUF_INIT;
	buf_reset(&json);
	is_int(otlp_segment(&zero, &json, &why), -1, "an all-zero trace id is refused");
	ok(why.data && strstr(why.data, "all-zero"), "saying why");
	buf_free(&why);
	buf_free(&json);
}

struct watched {
	int fd;
	short events;
	int calls;
};

static void
watch(void *ctx, int fd, short events)
{
	struct watched *w = ctx;
	w->fd = fd;
	w->events = events;
	w->calls++;
}

/* An OTLP listener on a free port of 127.0.0.1, its address in *sin; NULL
 * (a failed test) when it does not open. */
static struct otlp *
open_free_port(struct sockaddr_in *sin, struct xr_store *store, struct xr_warnings *w,
               struct otlp_io *io)
{
	struct xr_err err = {0};
	int probe = socket(AF_INET, SOCK_STREAM, 0);
	*sin =
	    (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof *sin;
	bind(probe, (struct sockaddr *)sin, sizeof *sin);
	getsockname(probe, (struct sockaddr *)sin, &sl);
	close(probe);
	char addr[32];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(sin->sin_port));
	struct otlp *o = otlp_open(addr, store, w, io, &err);
	ok(o, "otlp_open on a free port: %s", err.msg);
	return o;
}

/* Connections: an idle one is closed after OTLP_IDLE_TIMEOUT, a request
 * that never completes is answered 408 after OTLP_REQUEST_TIMEOUT. */
static void
test_otlp_timeouts(void)
{
	struct xr_store *store = store_new();
	struct xr_warnings w = {0};
	struct watched seen = {-1, 0, 0};
	struct otlp_io io = {watch, &seen};
	struct sockaddr_in sin;
	struct otlp *o = open_free_port(&sin, store, &w, &io);
	if (!o)
		return;
	int idle = socket(AF_INET, SOCK_STREAM, 0), slow = socket(AF_INET, SOCK_STREAM, 0);
	ok(connect(idle, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	       connect(slow, (struct sockaddr *)&sin, sizeof sin) == 0,
	   "two clients connect");
	usleep(50000);
	otlp_ready(o, otlp_fd(o), POLLIN);
	is_int(seen.calls, 2, "both connections are watched");
	is_int(seen.events, POLLIN, "for input");
	int slow_fd = seen.fd;
	const char part[] = "POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\n";
	ok(write(slow, part, sizeof part - 1) == (ssize_t)(sizeof part - 1), "half a request");
	usleep(50000);
	otlp_ready(o, slow_fd, POLLIN);
	double now = timefmt_monotonic();
	otlp_tick(o, now + 1);
	is_int(otlp_stats(o)->requests, 0, "nothing closed after a second");
	otlp_tick(o, now + OTLP_REQUEST_TIMEOUT + 1);
	char reply[512] = "";
	ssize_t n = read(slow, reply, sizeof reply - 1);
	reply[n > 0 ? n : 0] = '\0';
	ok(strncmp(reply, "HTTP/1.1 408 ", 13) == 0, "the slow request is answered 408: %.20s",
	   reply);
	otlp_tick(o, now + OTLP_IDLE_TIMEOUT + 1);
	char c;
	ok(read(idle, &c, 1) == 0, "the idle connection is closed");
	is_int(seen.events, 0, "and no longer watched");
	close(idle);
	close(slow);
	otlp_free(o);
	warn_free(&w);
	store_free(store);
}

/* Two requests sent in one write (pipelined) are both answered after one
 * readiness callback: the second does not wait for more input. */
static void
test_otlp_pipelined(void)
{
	struct xr_store *store = store_new();
	struct xr_warnings w = {0};
	struct watched seen = {-1, 0, 0};
	struct otlp_io io = {watch, &seen};
	struct sockaddr_in sin;
	struct otlp *o = open_free_port(&sin, store, &w, &io);
	if (!o)
		return;
	int client = socket(AF_INET, SOCK_STREAM, 0);
	ok(connect(client, (struct sockaddr *)&sin, sizeof sin) == 0, "a client connects");
	usleep(50000);
	otlp_ready(o, otlp_fd(o), POLLIN);
	int fd = seen.fd;
	const char two[] = "POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\n"
	                   "Content-Length: 2\r\n\r\n{}"
	                   "POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\n"
	                   "Content-Length: 2\r\n\r\n{}";
	ok(write(client, two, sizeof two - 1) == (ssize_t)(sizeof two - 1), "two requests at once");
	usleep(50000);
	otlp_ready(o, fd, POLLIN);
	char reply[1024] = "";
	usleep(50000);
	ssize_t n = recv(client, reply, sizeof reply - 1, MSG_DONTWAIT);
	reply[n > 0 ? n : 0] = '\0';
	const char *second = strstr(reply + 1, "HTTP/1.1 200 ");
	ok(strncmp(reply, "HTTP/1.1 200 ", 13) == 0 && second,
	   "both are answered after one callback: %zd bytes", n);
	is_int(otlp_stats(o)->requests, 2, "two requests counted");
	close(client);
	otlp_free(o);
	warn_free(&w);
	store_free(store);
}

int
main(void)
{
	test_addresses();
	test_datagrams();
	test_translation();
	test_otlp_timeouts();
	test_otlp_pipelined();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
