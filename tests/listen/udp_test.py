#!/usr/bin/env python3
"""TAP test of --listen: hand-made daemon datagrams (good ones, pieces of
one trace sent separately, each kind of bad one) sent to xrtop over UDP on
127.0.0.1, and what batch mode prints, saves, evicts and forwards."""
import json
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from listenlib import HEADER, Xrtop, done, free_port, ok, run  # noqa: E402

NOW = time.time()


def tid(n):
    return "1-%08x-%024x" % (int(NOW), n)


def send(port, *datagrams):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for d in datagrams:
        s.sendto(d, ("127.0.0.1", port))
        time.sleep(0.002)
    s.close()


def doc(d):
    return HEADER + json.dumps(d, ensure_ascii=False).encode()


def request(n, name, fault=False, table=None, in_progress=False, start=None):
    """A QuickTable-like segment, its DynamoDB subsegment sent on its own."""
    t0 = (start or NOW) + n * 0.01
    seg = {"trace_id": tid(n), "id": "%016x" % (0x1000 + n), "name": "Reservations",
           "start_time": t0, "annotations": {"restaurantName": name},
           "http": {"request": {"method": "GET", "url": "http://localhost/reserve"},
                    "response": {"status": 500 if fault else 200}}}
    if in_progress:
        seg["in_progress"] = True
    else:
        seg["end_time"] = t0 + 0.05
    if fault:
        seg["fault"] = True
    out = [seg]
    if table:
        out.append({"trace_id": tid(n), "id": "%016x" % (0x2000 + n), "type": "subsegment",
                    "parent_id": seg["id"], "name": "DynamoDB", "namespace": "aws",
                    "start_time": t0 + 0.01, "end_time": t0 + 0.02,
                    "aws": {"operation": "GetItem", "table_name": table}})
    return out


def lines(out):
    return [json.loads(x) for x in out.splitlines() if x.strip()]


# --- good datagrams, merged pieces, in-progress then final ---------------------------------
port = free_port()
x = Xrtop("-b", "--listen", "127.0.0.1:%d" % port, "-d", "2", "-n", "1", "-o", "ndjson",
          port=port)
r1 = request(1, "강남 맛집", table="restaurants")
r2 = request(2, "부산 횟집", fault=True, table="restaurants")
open_seg = request(3, "강남 맛집", in_progress=True)[0]
# the subsegment first, then the in-progress segment, then its final document
send(port, doc(r1[1]), doc(dict(r1[0], in_progress=True, end_time=None)), doc(r1[0]))
send(port, doc(r2[0]), doc(r2[1]), doc(open_seg))
rc, out, err = x.wait()
rows = {r["Id"]: r for r in lines(out)}
ok(rc == 0, "three good traces: exit 0", err)
ok(set(rows) == {tid(1), tid(2), tid(3)}, "three traces listed", out)
ok(tid(1) in rows and rows[tid(1)]["Duration"] > 0.04 and not rows[tid(1)]["HasFault"],
   "the final document replaced the in-progress one", rows.get(tid(1)))
ok(tid(1) in rows and any(s["Name"] == "restaurants" for s in rows[tid(1)]["ServiceIds"]),
   "the subsegment sent before its parent joined it (DynamoDB table in the services)",
   rows.get(tid(1)))
ok("not found" not in err and "no root segment" not in err,
   "no stale 'parent not found' once the parent came", err)
ok(tid(2) in rows and rows[tid(2)]["HasFault"], "fault kept", rows.get(tid(2)))
ok(tid(3) in rows and rows[tid(3)].get("IsPartial") is not None, "in-progress trace listed",
   rows.get(tid(3)))
ok("6 datagrams, 6 documents, 0 bad, 0 dropped by the kernel" in err,
   "final report counts datagrams and documents", err)

# --- bad datagrams of each kind: counted, reported, never fatal ----------------------------
port = free_port()
x = Xrtop("-b", "--listen", "127.0.0.1:%d" % port, "-d", "2", "-n", "1", "-o", "ndjson",
          port=port)
good = request(7, "강남 맛집")[0]
send(port,
     json.dumps(good).encode(),                               # no header
     b'{"format": "json", "version": 2}\n' + json.dumps(good).encode(),  # wrong header
     HEADER + b'{"trace_id": "' + tid(8).encode() + b'", "id": ',         # bad JSON
     HEADER + b"{" + b" " * 65000 + b"}",                     # over 64 kB
     doc(dict(good, trace_id=12345)),                          # wrong type: trace_id
     doc(dict(good, trace_id=tid(9), start_time="yesterday")),  # wrong type, kept
     HEADER,                                                   # header only
     doc(good))
rc, out, err = x.wait()
rows = {r["Id"]: r for r in lines(out)}
ok(rc == 0, "bad datagrams are not fatal: exit 0", err)
ok(tid(7) in rows, "the good datagram after them was used", out)
ok("datagram 1: no header line" in err, "no header reported", err)
ok("datagram 2: the header line is not" in err, "wrong header reported", err)
ok("datagram 3: invalid JSON" in err, "bad JSON reported", err)
ok("datagram 4: larger than the daemon's 64 kB limit: 65035 bytes" in err,
   "over 64 kB reported with its size", err)
ok("datagram 5: " in err and "trace_id" in err.split("datagram 5: ")[1].splitlines()[0],
   "a trace_id of the wrong type reported", err)
ok("datagram 6: trace %s: " % tid(9) in err and "start_time" in err,
   "a start_time of the wrong type reported (the document kept)", err)
ok("datagram 7: no segment document after the header line" in err, "header only reported",
   err)
ok("8 datagrams, 2 documents, 7 bad" in err, "final report: 8 datagrams, 7 bad", err)

# --- the filter, --save, the Korean annotation ----------------------------------------------
port = free_port()
with tempfile.TemporaryDirectory() as tmp:
    saved = os.path.join(tmp, "received.json")
    x = Xrtop("-b", "--listen", str(port), "-d", "2", "-n", "1", "-o", "ndjson",
              "--filter", 'annotation.restaurantName = "강남 맛집"', "--save", saved, port=port)
    for n, name in enumerate(["강남 맛집", "부산 횟집", "강남 맛집", "제주 식당"], 20):
        send(port, *[doc(d) for d in request(n, name, table="restaurants")])
    rc, out, err = x.wait()
    got = sorted(r["Id"] for r in lines(out))
    ok(rc == 0 and got == [tid(20), tid(22)],
       "--filter annotation.restaurantName = \"강남 맛집\" selects the right two", out + err)
    ok(os.path.exists(saved), "--save wrote the file", err)
    if os.path.exists(saved):
        data = json.load(open(saved))
        ok(sorted(t["Id"] for t in data["Traces"]) == [tid(20), tid(22)],
           "--save holds the matching traces, BatchGetTraces-shaped", data)
        rc2, out2, err2 = run("-b", "--load", saved, "-o", "ndjson")
        ok(rc2 == 0 and sorted(r["Id"] for r in lines(out2)) == [tid(20), tid(22)],
           "the saved file loads back with --load", out2 + err2)
    else:
        ok(False, "--save holds the matching traces")
        ok(False, "the saved file loads back")

# --- --max-traces keeps the newest complete traces; an in-progress one stays ----------------
port = free_port()
x = Xrtop("-b", "--listen", "127.0.0.1:%d" % port, "-d", "2", "-n", "1", "-o", "ndjson",
          "--max-traces", "2", port=port)
send(port, doc(request(30, "a", in_progress=True, start=NOW - 100)[0]))
for n in range(31, 36):
    send(port, doc(request(n, "b")[0]))
rc, out, err = x.wait()
got = sorted(r["Id"] for r in lines(out))
ok(got == sorted([tid(30), tid(35)]),
   "--max-traces 2: the in-progress trace stays although oldest, the newest complete one "
   "fills the cap", out + err)

# --- -n 2: the second report prints only what is new ----------------------------------------
port = free_port()
x = Xrtop("-b", "--listen", "127.0.0.1:%d" % port, "-d", "2", "-n", "2", "-o", "ndjson",
          port=port)
send(port, doc(request(40, "a")[0]))
time.sleep(3)
send(port, doc(request(41, "b")[0]))
rc, out, err = x.wait()
ok([r["Id"] for r in lines(out)] == [tid(40), tid(41)],
   "-d 2 -n 2: each report prints what arrived since the last", out + err)

# --- --forward passes datagrams on unchanged ------------------------------------------------
port = free_port()
daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
daemon.bind(("127.0.0.1", 0))
daemon.settimeout(5)
x = Xrtop("-b", "--listen", "127.0.0.1:%d" % port, "--forward",
          "127.0.0.1:%d" % daemon.getsockname()[1], "-d", "1.5", "-n", "1", "-o", "ndjson",
          port=port)
sent = [doc(request(50, "강남 맛집")[0]), b"not a datagram the daemon would take"]
send(port, *sent)
got = []
try:
    for _ in sent:
        got.append(daemon.recv(70000))
except socket.timeout:
    pass
rc, out, err = x.wait()
ok(got == sent, "--forward: every datagram reaches the daemon byte for byte, bad ones too",
   got)
ok("2 forwarded, 0 could not be" in err, "--forward counted in the final report", err)

# --- addresses -------------------------------------------------------------------------------
port = free_port()
x = Xrtop("-b", "--listen", "-d", "1.5", "-n", "1", "-o", "ndjson", port=port,
          extra_env={"AWS_XRAY_DAEMON_ADDRESS": "tcp:127.0.0.1:1 udp:127.0.0.1:%d" % port})
send(port, doc(request(60, "a")[0]))
rc, out, err = x.wait()
ok(rc == 0 and [r["Id"] for r in lines(out)] == [tid(60)],
   "--listen without an address takes AWS_XRAY_DAEMON_ADDRESS (tcp:... udp:... form)",
   out + err)
ok("--listen 127.0.0.1:%d:" % port in err, "and names the address in its report", err)

blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
blocker.bind(("127.0.0.1", 0))
rc, out, err = run("-b", "--listen", "127.0.0.1:%d" % blocker.getsockname()[1], "-d", "1")
ok(rc == 1 and "Address already in use" in err and "--forward" in err,
   "a port in use: exit 1, says so and suggests --forward", err)
blocker.close()
for bad, why in (("127.0.0.1:99999", "is not a port"), ("tcp:127.0.0.1:2000", "no udp:"),
                 ("::1:2000", "brackets")):
    rc, out, err = run("-b", "--listen", bad, "-d", "1")
    ok(rc == 2 and why in err, "--listen %s refused: %s" % (bad, why), err)
rc, out, err = run("-b", "--listen", "--region", "us-east-1")
ok(rc == 2 and "do not apply" in err, "--listen with X-Ray API options refused", err)
rc, out, err = run("-b", "--forward", "127.0.0.1:2000")
ok(rc == 2 and "--forward goes with --listen" in err, "--forward alone refused", err)

# --- sources combine: a file and what arrives ------------------------------------------------
port = free_port()
demo = os.path.join(os.environ.get("top_srcdir") or os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."), "tests", "data", "demo-small.ndjson")
x = Xrtop("-b", "--load", demo, "--listen", "127.0.0.1:%d" % port, "-o", "ndjson", port=port)
send(port, doc(request(80, "a")[0]))
time.sleep(0.3)
rc, out, err = x.interrupt()
ids = [r["Id"] for r in lines(out)]
ok(len(ids) == 21 and tid(80) in ids, "--load with --listen: the file's 20 traces and the new one",
   out + err)

rc, out, err = run("--help")
ok(rc == 0 and all(o in out for o in ("--listen [ADDR]", "--forward ADDR", "--listen-otlp")),
   "--help documents --listen, --forward and --listen-otlp", out)

# --- an interrupt prints what arrived ---------------------------------------------------------
port = free_port()
x = Xrtop("-b", "--listen", "127.0.0.1:%d" % port, "-o", "ndjson", port=port)
send(port, doc(request(70, "a")[0]))
time.sleep(0.3)
rc, out, err = x.interrupt()
ok([r["Id"] for r in lines(out)] == [tid(70)], "without -d: SIGINT prints what arrived",
   out + err)

done()
