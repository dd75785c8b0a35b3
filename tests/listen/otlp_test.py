#!/usr/bin/env python3
"""TAP test of --listen-otlp: OTLP/HTTP requests sent to xrtop on 127.0.0.1
-- JSON and protobuf bodies (protobuf built by a tiny encoder below), the
same QuickTable scenario the --listen test sends as X-Ray documents -- and
every kind of bad request, answered as the OTLP/HTTP specification says."""
import json
import os
import socket
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from listenlib import Xrtop, done, free_port, ok  # noqa: E402

NOW = time.time()
NS = int(NOW * 1e9)


# --- a tiny protobuf encoder (wire format: varint, 64-bit, length-delimited) ---------------
def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, wire, payload):
    return varint(num << 3 | wire) + payload


def ld(num, data):
    if isinstance(data, str):
        data = data.encode()
    return field(num, 2, varint(len(data)) + data)


def vi(num, n):
    return field(num, 0, varint(n))


def f64(num, n):
    return field(num, 1, struct.pack("<Q", n))


def any_value(v):
    if isinstance(v, bool):
        return vi(2, int(v))
    if isinstance(v, int):
        return vi(3, v)
    if isinstance(v, float):
        return field(4, 1, struct.pack("<d", v))
    if isinstance(v, list):
        return ld(5, b"".join(ld(1, any_value(x)) for x in v))
    return ld(1, v)


def kv(key, v):
    return ld(1, key) + ld(2, any_value(v))


def pb_request(resource, spans):
    """ExportTraceServiceRequest{resource_spans{resource, scope_spans{scope, spans}}}."""
    res = b"".join(ld(1, kv(k, v)) for k, v in resource.items())
    body = b""
    for sp in spans:
        m = ld(1, bytes.fromhex(sp["traceId"])) + ld(2, bytes.fromhex(sp["spanId"]))
        if sp.get("parentSpanId"):
            m += ld(4, bytes.fromhex(sp["parentSpanId"]))
        m += ld(5, sp["name"]) + vi(6, sp["kind"])
        m += f64(7, int(sp["startTimeUnixNano"])) + f64(8, int(sp["endTimeUnixNano"]))
        for k, v in sp["attrs"].items():
            m += ld(9, kv(k, v))
        if sp.get("status"):
            m += ld(15, (ld(2, sp.get("message", "")) if sp.get("message") else b"") +
                    vi(3, sp["status"]))
        body += ld(2, m)
    scope = ld(1, ld(1, "xrtop-test")) + body
    return ld(1, ld(1, res) + ld(2, scope))


def pb_fields(data):
    """Decodes one message level: {field: [values]} (varints as ints, bytes as bytes)."""
    out, i = {}, 0
    while i < len(data):
        key, i = read_varint(data, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = read_varint(data, i)
        elif wire == 2:
            n, i = read_varint(data, i)
            v, i = data[i:i + n], i + n
        elif wire == 1:
            v, i = data[i:i + 8], i + 8
        else:
            raise ValueError("wire type %d" % wire)
        out.setdefault(num, []).append(v)
    return out


def read_varint(data, i):
    n = shift = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


# --- the scenario: QuickTable requests as OTel spans ----------------------------------------
def trace_hex(n):
    return "%08x%024x" % (int(NOW), n)


def xray_id(n):
    return "1-%08x-%024x" % (int(NOW), n)


def request_spans(n, name, fault=False):
    t0 = NS + n * 10_000_000
    tid = trace_hex(n)
    server = {"traceId": tid, "spanId": "%016x" % (0x1000 + n), "name": "GET /reserve",
              "kind": 2, "startTimeUnixNano": str(t0), "endTimeUnixNano": str(t0 + 50_000_000),
              "attrs": {"http.request.method": "GET", "url.full": "http://localhost/reserve",
                        "http.response.status_code": 500 if fault else 200,
                        "restaurantName": name}}
    if fault:
        server["status"] = 2
        server["message"] = "reservation failed"
    client = {"traceId": tid, "spanId": "%016x" % (0x2000 + n),
              "parentSpanId": server["spanId"], "name": "DynamoDB.GetItem", "kind": 3,
              "startTimeUnixNano": str(t0 + 10_000_000), "endTimeUnixNano": str(t0 + 20_000_000),
              "attrs": {"rpc.system": "aws-api", "rpc.service": "DynamoDB",
                        "rpc.method": "GetItem", "aws.dynamodb.table_names": ["restaurants"]}}
    return [server, client]


RESOURCE = {"service.name": "Reservations", "aws.xray.annotations": ["restaurantName"]}


def json_value(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, list):
        return {"arrayValue": {"values": [json_value(x) for x in v]}}
    return {"stringValue": v}


def json_request(resource, spans):
    out = []
    for sp in spans:
        j = {k: sp[k] for k in ("traceId", "spanId", "name", "kind", "startTimeUnixNano",
                                "endTimeUnixNano")}
        if sp.get("parentSpanId"):
            j["parentSpanId"] = sp["parentSpanId"]
        j["attributes"] = [{"key": k, "value": json_value(v)} for k, v in sp["attrs"].items()]
        if sp.get("status"):
            j["status"] = {"code": sp["status"], "message": sp.get("message", "")}
        out.append(j)
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": k, "value": json_value(v)}
                                    for k, v in resource.items()]},
        "scopeSpans": [{"scope": {"name": "xrtop-test"}, "spans": out}]}]},
        ensure_ascii=False).encode()


# --- raw HTTP/1.1 on one keep-alive connection -----------------------------------------------
class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def request(self, method, path, body=b"", headers=None, chunked=False):
        h = {"Host": "127.0.0.1"}
        h.update(headers or {})
        if chunked:
            h["Transfer-Encoding"] = "chunked"
            mid = len(body) // 2
            payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:mid], body[mid:]) if p)
            payload += b"0\r\n\r\n"
        else:
            if body is not None:
                h["Content-Length"] = str(len(body))
            payload = body or b""
        head = "%s %s HTTP/1.1\r\n" % (method, path) + "".join(
            "%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
        self.send(head.encode() + payload)
        return self.response()

    def response(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        n = int(headers.get("content-length", "0"))
        while len(rest) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                break
            rest += chunk
        self.buf = rest[n:]
        return status, headers, rest[:n]

    def closed(self):
        try:
            return self.s.recv(1) == b""
        except OSError:
            return True


def lines(out):
    return [json.loads(x) for x in out.splitlines() if x.strip()]


def gzip_bytes(data):
    z = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return z.compress(data) + z.flush()


# a gzip bomb: 17 MiB of zeros (over the 16 MiB body cap) in about 17 kB
BOMB = gzip_bytes(b"\0" * (17 << 20))

# --- good requests: JSON, protobuf, chunked, keep-alive --------------------------------------
port = free_port(socket.SOCK_STREAM)
x = Xrtop("-b", "--listen-otlp", "127.0.0.1:%d" % port, "-d", "2.5", "-n", "1", "-o", "ndjson",
          port=port, kind=socket.SOCK_STREAM)
c = Conn(port)
r = c.request("POST", "/v1/traces", json_request(RESOURCE, request_spans(1, "강남 맛집")),
              {"Content-Type": "application/json"})
ok(r and r[0] == 200 and r[1]["content-type"] == "application/json" and json.loads(r[2]) == {},
   "JSON request: 200 with an empty ExportTraceServiceResponse", r)
r = c.request("POST", "/v1/traces",
              pb_request(RESOURCE, request_spans(2, "부산 횟집", fault=True)),
              {"Content-Type": "application/x-protobuf"})
ok(r and r[0] == 200 and r[1]["content-type"] == "application/x-protobuf" and r[2] == b"",
   "protobuf request on the same connection (keep-alive): 200, empty response message", r)
r = c.request("POST", "/v1/traces", json_request(RESOURCE, request_spans(3, "강남 맛집")),
              {"Content-Type": "application/json; charset=utf-8"}, chunked=True)
ok(r and r[0] == 200, "chunked JSON request: 200", r)
r = c.request("POST", "/v1/traces", gzip_bytes(json_request(RESOURCE, request_spans(30, "강남 맛집"))),
              {"Content-Type": "application/json", "Content-Encoding": "gzip"})
ok(r and r[0] == 200 and json.loads(r[2]) == {}, "gzip JSON request: 200", r)
r = c.request("POST", "/v1/traces",
              gzip_bytes(pb_request(RESOURCE, request_spans(31, "부산 횟집", fault=True))),
              {"Content-Type": "application/x-protobuf", "Content-Encoding": "GZIP"})
ok(r and r[0] == 200 and r[2] == b"", "gzip protobuf request: 200", r)
half = json_request(RESOURCE, request_spans(35, "x"))
r = c.request("POST", "/v1/traces", gzip_bytes(half[:100]) + gzip_bytes(half[100:]),
              {"Content-Type": "application/json", "Content-Encoding": "x-gzip"})
ok(r and r[0] == 200, "gzip of two members one after the other (x-gzip): 200", r)
r = c.request("POST", "/v1/traces", zlib.compress(json_request(RESOURCE, request_spans(32, "x"))),
              {"Content-Type": "application/json", "Content-Encoding": "deflate"}, chunked=True)
ok(r and r[0] == 200, "deflate JSON request, chunked: 200", r)
bad_spans = request_spans(4, "제주 식당")
bad_spans.append(dict(bad_spans[1], spanId="00" * 8))
bad_spans[1]["traceId"] = "00" * 16
r = c.request("POST", "/v1/traces", pb_request(RESOURCE, bad_spans),
              {"Content-Type": "application/x-protobuf"})
fields = pb_fields(r[2]) if r and r[0] == 200 else {}
partial = pb_fields(fields[1][0]) if 1 in fields else {}
ok(r and r[0] == 200 and partial.get(1) == [2] and b"all-zero" in partial.get(2, [b""])[0],
   "protobuf partial success: rejected_spans 2 with an error_message", (r, partial))
r = c.request("POST", "/v1/traces",
              json_request(RESOURCE, [dict(request_spans(5, "x")[0], traceId="xyz")]),
              {"Content-Type": "application/json"})
ok(r and r[0] == 200 and json.loads(r[2])["partialSuccess"]["rejectedSpans"] == "1" and
   "traceId" in json.loads(r[2])["partialSuccess"]["errorMessage"],
   "JSON partial success: rejectedSpans \"1\" naming traceId", r)

# --- bad requests ------------------------------------------------------------------------------
r = c.request("POST", "/v1/traces", b'{"resourceSpans": [', {"Content-Type": "application/json"})
ok(r and r[0] == 400 and "invalid JSON" in json.loads(r[2])["message"],
   "truncated JSON: 400 with a google.rpc.Status saying why", r)
r = c.request("POST", "/v1/traces", b'{"resourceSpans": 5}', {"Content-Type": "application/json"})
ok(r and r[0] == 400 and "resourceSpans" in json.loads(r[2])["message"],
   "resourceSpans of the wrong type: 400 naming it", r)
r = c.request("POST", "/v1/traces", b"\x0a\xff\xff\xff\xff\x0f",
              {"Content-Type": "application/x-protobuf"})
st = pb_fields(r[2]) if r else {}
ok(r and r[0] == 400 and r[1]["content-type"] == "application/x-protobuf" and st.get(1) == [3],
   "protobuf that does not decode: 400 with a protobuf Status (code 3)", r)
r = c.request("POST", "/v1/metrics", b"{}", {"Content-Type": "application/json"})
ok(r and r[0] == 404, "another path: 404", r)
r = c.request("GET", "/v1/traces", None)
ok(r and r[0] == 405 and r[1].get("allow") == "POST", "GET: 405 with Allow: POST", r)
r = c.request("POST", "/v1/traces", b"{}", {"Content-Type": "text/plain"})
ok(r and r[0] == 415, "another content type: 415", r)
r = c.request("POST", "/v1/traces", b"{}",
              {"Content-Type": "application/json", "Content-Encoding": "br"})
ok(r and r[0] == 415 and "br" in json.loads(r[2])["message"] and
   "gzip" in json.loads(r[2])["message"],
   "Content-Encoding br: 415 naming it and the encodings accepted", r)
ok(len(BOMB) < 100_000, "the gzip bomb is small on the wire", len(BOMB))
r = c.request("POST", "/v1/traces", BOMB,
              {"Content-Type": "application/json", "Content-Encoding": "gzip"})
ok(r and r[0] == 413 and "inflates to more than" in json.loads(r[2])["message"],
   "a gzip bomb: 413 once the inflated body passes the cap", r)
r = c.request("POST", "/v1/traces", BOMB,
              {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"})
st = pb_fields(r[2]) if r else {}
ok(r and r[0] == 413 and b"inflates" in st.get(2, [b""])[0],
   "a gzip bomb with protobuf: 413 with a protobuf Status", (r, st))
gz = gzip_bytes(json_request(RESOURCE, request_spans(33, "x")))
r = c.request("POST", "/v1/traces", gz[:len(gz) // 2],
              {"Content-Type": "application/json", "Content-Encoding": "gzip"})
ok(r and r[0] == 400 and "truncated" in json.loads(r[2])["message"],
   "a truncated gzip body: 400 saying it is truncated", r)
corrupt = bytearray(gz)
corrupt[10] = 0x07  # the first deflate block: final, of the reserved type 3
r = c.request("POST", "/v1/traces", bytes(corrupt),
              {"Content-Type": "application/json", "Content-Encoding": "gzip"})
ok(r and r[0] == 400 and "corrupt" in json.loads(r[2])["message"],
   "a corrupt gzip body: 400 saying it is corrupt", r)
r = c.request("POST", "/v1/traces", json_request(RESOURCE, request_spans(34, "x")),
              {"Content-Type": "application/json", "Content-Encoding": "gzip"})
ok(r and r[0] == 400 and "gzip" in json.loads(r[2])["message"],
   "an uncompressed body labelled gzip: 400", r)
r = c.request("POST", "/v1/traces", zlib.compress(b"{}") + b"junk",
              {"Content-Type": "application/json", "Content-Encoding": "deflate"})
ok(r and r[0] == 400 and "4 bytes follow" in json.loads(r[2])["message"],
   "bytes after the end of a deflate stream: 400 counting them", r)
r = c.request("POST", "/v1/traces", json_request(RESOURCE, request_spans(6, "제주 식당")),
              {"Content-Type": "application/json"})
ok(r and r[0] == 200, "the connection still serves after the 4xx answers", r)

c2 = Conn(port)
c2.send(b"POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{}")
r = c2.response()
ok(r and r[0] == 411 and c2.closed(), "no Content-Length and not chunked: 411, closed", r)
c3 = Conn(port)
c3.send(b"POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 999999999\r\n\r\n")
r = c3.response()
ok(r and r[0] == 413 and c3.closed(), "a body over the cap: 413 before reading it, closed", r)
c4 = Conn(port)
c4.send(b"POST /v1/traces HTTP/1.1\r\n" + b"X-Padding: " + b"a" * 20000 + b"\r\n\r\n")
r = c4.response()
ok(r and r[0] == 431 and c4.closed(), "headers over 16 KiB: 431, closed", r)
c5 = Conn(port)
c5.send(b"garbage\r\n\r\n")
r = c5.response()
ok(r and r[0] == 400 and c5.closed(), "a malformed request line: 400, closed", r)
c6 = Conn(port)
c6.send(b"POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n")
r = c6.response()
ok(r and r[0] == 400 and c6.closed(), "a malformed chunk: 400, closed", r)

c7 = Conn(port)
body = json_request(RESOURCE, request_spans(7, "제주 식당"))
c7.send(b"POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % len(body) + body)
c7.s.shutdown(socket.SHUT_WR)
r = c7.response()
ok(r and r[0] == 200 and c7.closed(), "a request followed by the client's shutdown: answered, closed",
   r)

rc, out, err = x.wait()
rows = {row["Id"]: row for row in lines(out)}
ok(rc == 0, "bad requests are not fatal: exit 0", err)
ok(set(rows) == {xray_id(n) for n in (1, 2, 3, 4, 6, 7, 30, 31, 32, 35)},
   "every request's good spans became traces (1-<8 hex>-<24 hex> ids)", sorted(rows))
row = rows.get(xray_id(2), {})
ok(row.get("HasFault") and row.get("Http", {}).get("HttpStatus") == 500,
   "status ERROR and HTTP 500: fault", row)
ok(rows.get(xray_id(1), {}).get("EntryPoint", {}).get("Name") == "Reservations",
   "the server span is a segment named by service.name", rows.get(xray_id(1)))
ok(any(s["Name"] == "restaurants" and s.get("Type") == "AWS::DynamoDB::Table"
       for s in rows.get(xray_id(1), {}).get("ServiceIds", [])),
   "the AWS SDK client span is an aws subsegment with the DynamoDB table",
   rows.get(xray_id(1)))
ann = rows.get(xray_id(3), {}).get("Annotations", {}).get("restaurantName", [{}])
ok(ann and ann[0].get("AnnotationValue", {}).get("StringValue") == "강남 맛집",
   "aws.xray.annotations made restaurantName an annotation", rows.get(xray_id(3)))
ann = rows.get(xray_id(30), {}).get("Annotations", {}).get("restaurantName", [{}])
ok(ann and ann[0].get("AnnotationValue", {}).get("StringValue") == "강남 맛집",
   "the gzip JSON request's spans are decoded (annotation)", rows.get(xray_id(30)))
row = rows.get(xray_id(31), {})
ok(row.get("HasFault") and row.get("EntryPoint", {}).get("Name") == "Reservations",
   "the gzip protobuf request's spans are decoded (fault, service)", row)
ok("(4 compressed)" in err,
   "the final report counts the four compressed requests answered", err)
ok("requests" in err and "spans rejected" in err, "final report of the OTLP receiver", err)

# --- the filters work on OTel data; --save keeps it ----------------------------------------
port = free_port(socket.SOCK_STREAM)
x = Xrtop("-b", "--listen-otlp", str(port), "-d", "2", "-n", "1", "-o", "ndjson", "--filter",
          'annotation.restaurantName = "강남 맛집"', port=port, kind=socket.SOCK_STREAM)
c = Conn(port)
for n, name in enumerate(["강남 맛집", "부산 횟집", "강남 맛집"], 10):
    c.request("POST", "/v1/traces", pb_request(RESOURCE, request_spans(n, name)),
              {"Content-Type": "application/x-protobuf"})
rc, out, err = x.wait()
ok(sorted(r["Id"] for r in lines(out)) == [xray_id(10), xray_id(12)],
   "annotation.restaurantName = \"강남 맛집\" selects the right OTel requests", out + err)

port = free_port(socket.SOCK_STREAM)
x = Xrtop("-b", "--listen-otlp", str(port), "-d", "2", "-n", "1", "-o", "ndjson", "--filter",
          'service("Reservations") { fault }', port=port, kind=socket.SOCK_STREAM)
c = Conn(port)
for n in range(20, 24):
    c.request("POST", "/v1/traces", json_request(RESOURCE, request_spans(n, "a", fault=n % 2 == 1)),
              {"Content-Type": "application/json"})
rc, out, err = x.wait()
ok(sorted(r["Id"] for r in lines(out)) == [xray_id(21), xray_id(23)],
   "service(\"Reservations\") { fault } selects the failed OTel requests", out + err)

done()
