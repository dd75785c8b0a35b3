#!/usr/bin/env python3
"""Benchmark of the local receivers on loopback.

--listen: traces of three documents each (a segment and two subsegments
sent on their own, so every trace is assembled from pieces) are sent at a
fixed rate for a few seconds; xrtop's final report says how many datagrams
it received and how many the kernel dropped.  Prints, per rate, the loss
and xrtop's CPU time per 10,000 datagrams (user + system, from wait4).

--listen-otlp: protobuf and JSON ExportTraceServiceRequests of 100 spans
each on one keep-alive connection, as fast as xrtop answers; prints spans
per second and CPU per 10,000 spans.

Usage: bench/listen-bench.py [XRTOP]   (default _build/src/xrtop)"""
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "listen"))
from listenlib import HEADER, bound, env, free_port  # noqa: E402

XRTOP = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "_build", "src", "xrtop")


def start(args, port, kind):
    p = subprocess.Popen([XRTOP, "-b", "-o", "ndjson", "--limit", "1", *args],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env())
    while not bound(port, kind):
        time.sleep(0.01)
    return p


def finish(p):
    p.send_signal(2)
    _, status, ru = os.wait4(p.pid, 0)
    err = p.stderr.read().decode()
    p.returncode = status
    return ru.ru_utime + ru.ru_stime, err


def datagrams(n_traces, t0):
    out = []
    for i in range(n_traces):
        tid = "1-%08x-%024x" % (int(t0), i)
        sid = "%016x" % (i * 4 + 1)
        start = t0 + i * 1e-4
        out.append(HEADER + json.dumps({
            "trace_id": tid, "id": sid, "name": "Reservations", "start_time": start,
            "end_time": start + 0.05, "annotations": {"restaurantName": "맛집 %d" % (i % 50)},
            "http": {"request": {"method": "GET", "url": "http://localhost/reserve"},
                     "response": {"status": 200}}}).encode())
        for k in (2, 3):
            out.append(HEADER + json.dumps({
                "trace_id": tid, "id": "%016x" % (i * 4 + k), "parent_id": sid,
                "type": "subsegment", "name": "DynamoDB", "namespace": "aws",
                "start_time": start + 0.01 * k, "end_time": start + 0.01 * k + 0.005,
                "aws": {"operation": "GetItem", "table_name": "restaurants"}}).encode())
    return out


def udp_run(rate, seconds=3.0):
    port = free_port()
    p = start(["--listen", "127.0.0.1:%d" % port], port, socket.SOCK_DGRAM)
    n = int(rate * seconds) // 3 * 3 if rate else 300000
    grams = datagrams(n // 3, time.time())
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    t0 = time.monotonic()
    for i, g in enumerate(grams):
        if rate and i % 100 == 0:
            ahead = t0 + i / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        s.send(g)
    sent_in = time.monotonic() - t0
    time.sleep(0.5)
    cpu, err = finish(p)
    m = re.search(r"(\d+) datagrams, (\d+) documents, (\d+) bad, (\d+) dropped", err)
    got, docs, bad, dropped = (int(x) for x in m.groups()) if m else (0, 0, 0, -1)
    return len(grams), len(grams) / sent_in, got, docs, dropped, cpu


# --- OTLP ---------------------------------------------------------------------------------
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def ld(num, data):
    data = data.encode() if isinstance(data, str) else data
    return varint(num << 3 | 2) + varint(len(data)) + data


def kv(key, s):
    return ld(1, key) + ld(2, ld(1, s))


def bodies(n_requests, per, protobuf):
    out, t0 = [], int(time.time() * 1e9)
    for r in range(n_requests):
        spans_pb, spans_js = b"", []
        for k in range(per):
            tid = "%032x" % (r * per + k // 2 + 1)
            sid = "%016x" % (r * per + k + 1)
            parent = "%016x" % (r * per + k) if k % 2 else ""
            start = t0 + (r * per + k) * 1000
            if protobuf:
                m = ld(1, bytes.fromhex(tid)) + ld(2, bytes.fromhex(sid))
                if parent:
                    m += ld(4, bytes.fromhex(parent))
                m += ld(5, "GET /reserve") + varint(6 << 3) + varint(3 if parent else 2)
                m += varint(7 << 3 | 1) + struct.pack("<Q", start)
                m += varint(8 << 3 | 1) + struct.pack("<Q", start + 5_000_000)
                m += ld(9, kv("http.request.method", "GET")) + ld(9, kv("url.full", "http://x/r"))
                spans_pb += ld(2, m)
            else:
                j = {"traceId": tid, "spanId": sid, "name": "GET /reserve",
                     "kind": 3 if parent else 2, "startTimeUnixNano": str(start),
                     "endTimeUnixNano": str(start + 5_000_000),
                     "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}},
                                    {"key": "url.full", "value": {"stringValue": "http://x/r"}}]}
                if parent:
                    j["parentSpanId"] = parent
                spans_js.append(j)
        if protobuf:
            out.append(ld(1, ld(1, ld(1, kv("service.name", "Reservations"))) + ld(2, spans_pb)))
        else:
            out.append(json.dumps({"resourceSpans": [{"resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": "Reservations"}}]},
                "scopeSpans": [{"spans": spans_js}]}]}).encode())
    return out


def otlp_run(protobuf, n_requests=300, per=100):
    port = free_port(socket.SOCK_STREAM)
    p = start(["--listen-otlp", "127.0.0.1:%d" % port], port, socket.SOCK_STREAM)
    ctype = "application/x-protobuf" if protobuf else "application/json"
    reqs = [("POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d"
             "\r\n\r\n" % (ctype, len(b))).encode() + b for b in bodies(n_requests, per, protobuf)]
    c = socket.create_connection(("127.0.0.1", port))
    t0 = time.monotonic()
    buf = b""
    for r in reqs:
        c.sendall(r)
        while b"\r\n\r\n" not in buf:
            buf += c.recv(65536)
        head, buf = buf.split(b"\r\n\r\n", 1)
        n = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        while len(buf) < n:
            buf += c.recv(65536)
        buf = buf[n:]
        assert head.startswith(b"HTTP/1.1 200"), head
    took = time.monotonic() - t0
    c.close()
    cpu, err = finish(p)
    return n_requests * per, took, cpu, err


print("--listen (3 datagrams per trace, assembled), %s" % time.strftime("%Y-%m-%d"))
print("%10s %10s %10s %10s %10s %14s" % ("asked/s", "sent/s", "sent", "received", "dropped",
                                          "CPU/10k dgrams"))
for rate in (10000, 30000, 60000, 100000, 0):
    sent, sent_rate, got, docs, dropped, cpu = udp_run(rate)
    print("%10s %10.0f %10d %10d %10d %12.3f s" % (rate or "max", sent_rate, sent, got, dropped,
                                                   cpu / max(got, 1) * 10000))
print()
print("--listen-otlp (requests of 100 spans, one keep-alive connection)")
print("%10s %10s %10s %12s %14s" % ("body", "spans", "seconds", "spans/s", "CPU/10k spans"))
for protobuf in (True, False):
    spans, took, cpu, err = otlp_run(protobuf)
    print("%10s %10d %10.2f %12.0f %12.3f s" % ("protobuf" if protobuf else "json", spans, took,
                                                 spans / took, cpu / spans * 10000))
