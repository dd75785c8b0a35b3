#!/usr/bin/env python3
"""TAP test with real clients: the official X-Ray SDK for Node.js
(aws-xray-sdk-core) sends the QuickTable scenario to --listen, and the
OpenTelemetry Node SDK sends it to --listen-otlp with the OTLP/HTTP JSON
and protobuf exporters, uncompressed and with compression: 'gzip'.  The packages are installed from npm into the build
tree (tests/listen/node) on the first run; the traces from all three must
have the same shape (entry point, services, fault, annotation) and the
filters must select the same requests."""
import json
import re
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from listenlib import Xrtop, done, env, free_port, ok, run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = os.path.join(HERE, "clients")
NODE_DIR = os.path.join(os.getcwd(), "tests", "listen", "node")
PACKAGES = ["aws-xray-sdk-core@3", "@opentelemetry/api@1", "@opentelemetry/sdk-trace-node@2",
            "@opentelemetry/sdk-trace-base@2", "@opentelemetry/resources@2",
            "@opentelemetry/exporter-trace-otlp-http@0", "@opentelemetry/exporter-trace-otlp-proto@0"]
SCENARIO = ["강남 맛집", "부산 횟집", "강남 맛집", "제주 식당", "강남 맛집"]
FAULTS = [False, True, False, False, True]

ok(shutil.which("node") and shutil.which("npm"), "node and npm are installed")
modules = os.path.join(NODE_DIR, "node_modules")
if not os.path.isdir(os.path.join(modules, "@opentelemetry", "exporter-trace-otlp-proto")):
    os.makedirs(NODE_DIR, exist_ok=True)
    t0 = time.monotonic()
    r = subprocess.run(["npm", "install", "--prefix", NODE_DIR, "--no-audit", "--no-fund",
                        "--loglevel=error", *PACKAGES], capture_output=True, text=True,
                       timeout=600, check=False)
    ok(r.returncode == 0, "npm install of the clients into the build tree (%.1f s)"
       % (time.monotonic() - t0), r.stderr)
else:
    ok(True, "the clients are installed in the build tree already")


def node(script, *args, extra=None):
    e = env({"NODE_PATH": modules})
    e.update(extra or {})
    r = subprocess.run(["node", os.path.join(CLIENTS, script), *args], capture_output=True,
                       text=True, env=e, timeout=120, check=False)
    ids = {}
    for line in r.stdout.splitlines():
        d = json.loads(line)
        ids[d["id"]] = d["index"]
    return r.returncode, ids, r.stderr


def collect(kind, saved):
    """Runs xrtop receiving from one client until it is done, saving what came."""
    if kind == "xray":
        port = free_port()
        x = Xrtop("-b", "--listen", "127.0.0.1:%d" % port, "-o", "ndjson", "--save", saved,
                  port=port)
        rc, ids, err = node("xray_client.js",
                            extra={"AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:%d" % port})
    else:
        port = free_port(socket.SOCK_STREAM)
        x = Xrtop("-b", "--listen-otlp", "127.0.0.1:%d" % port, "-o", "ndjson", "--save", saved,
                  port=port, kind=socket.SOCK_STREAM)
        fmt, _, comp = kind.partition("-")
        rc, ids, err = node("otel_client.js", "http://127.0.0.1:%d/v1/traces" % port, fmt,
                            comp or "none")
    time.sleep(0.5)  # the last datagrams on their way
    xrc, out, xerr = x.interrupt()  # without -d: prints what arrived when interrupted
    return rc == 0 and xrc == 0, ids, out, err + xerr


def shape(row):
    return (row["EntryPoint"]["Name"],
            tuple(sorted((s["Name"], s.get("Type", "")) for s in row["ServiceIds"])),
            row["HasFault"],
            row["Annotations"]["restaurantName"][0]["AnnotationValue"]["StringValue"])


def selected(saved, ids, expr):
    rc, out, err = run("-b", "--load", saved, "-o", "ndjson", "--filter", expr)
    return sorted(ids.get(json.loads(l)["Id"], -1) for l in out.splitlines() if l.strip())


with tempfile.TemporaryDirectory() as tmp:
    shapes = {}
    for kind in ("xray", "json", "proto", "json-gzip", "proto-gzip"):
        saved = os.path.join(tmp, kind + ".json")
        good, ids, out, err = collect(kind, saved)
        rows = {json.loads(l)["Id"]: json.loads(l) for l in out.splitlines() if l.strip()}
        ok(good and len(ids) == 5 and set(rows) == set(ids),
           "%s: the five requests arrived as five traces" % kind, err + out)
        if kind != "xray":
            m = re.search(r"(\d+) requests \((\d+) compressed\)", err)
            want = "all" if kind.endswith("-gzip") else "none"
            ok(m and int(m.group(1)) > 0 and
               int(m.group(2)) == (int(m.group(1)) if want == "all" else 0),
               "%s: %s of the exporter's requests were gzip bodies inflated by xrtop"
               % (kind, want), err)
        by_index = {ids[i]: rows[i] for i in rows if i in ids}
        shapes[kind] = [shape(by_index[n]) if n in by_index else None for n in range(5)]
        expected = [("Reservations", (("Reservations", ""), ("restaurants", "AWS::DynamoDB::Table")),
                     FAULTS[n], SCENARIO[n]) for n in range(5)]
        ok(shapes[kind] == expected,
           "%s: entry point Reservations, the DynamoDB table, faults and restaurant names" % kind,
           shapes[kind])
        got = selected(saved, ids, 'annotation.restaurantName = "강남 맛집"')
        ok(got == [0, 2, 4], "%s: annotation.restaurantName = \"강남 맛집\" selects 0, 2, 4"
           % kind, got)
        got = selected(saved, ids, 'service("Reservations") { fault }')
        ok(got == [1, 4], "%s: service(\"Reservations\") { fault } selects 1, 4" % kind, got)
        got = selected(saved, ids, 'service("restaurants")')
        ok(got == [0, 1, 2, 3, 4], "%s: service(\"restaurants\") selects all five" % kind, got)
    ok(all(shapes[k] == shapes["xray"] for k in shapes),
       "the X-Ray SDK and both OTel exporters (plain and gzip) give traces of the same shape",
       shapes)

done()
