#!/usr/bin/python3
"""Measure how many requests per second the X-Ray emulator serves.

    /usr/bin/python3 tests/emulator/bench_emulator.py [--concurrency 32]
        [--duration 5] [--latency 0.05] [--path /TraceSummaries] [--port N]

Without --port it starts its own emulator on the test fixture.  Each of the
C client threads keeps one keep-alive connection and sends the same signed
request over and over (signed once per thread with botocore; the emulator
still verifies every request), so the client stays cheap.  Prints one JSON
line: requests/s, latency percentiles, errors and the emulator's stats.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(HERE))
AKID, SECRET = "AKIDBENCH", "bench-secret"
BODIES = {
    "/TraceSummaries": {"StartTime": 1795168800, "EndTime": 1795172400},
    "/Traces": None,  # filled with 5 ids from the first summaries page
    "/ServiceGraph": {"StartTime": 1795168800, "EndTime": 1795172400},
    "/Groups": {},
}


def sign(port, path, body):
    req = AWSRequest(method="POST", url="http://127.0.0.1:%d%s" % (port, path), data=body,
                     headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(AKID, SECRET), "xray", "us-east-1").add_auth(req)
    return dict(req.headers.items())


def post(conn, path, body, headers):
    conn.request("POST", path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, data


def worker(port, path, body, stop_at, results):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = sign(port, path, body)
    lat, errors = [], 0
    while time.time() < stop_at:
        t0 = time.perf_counter()
        try:
            status, _ = post(conn, path, body, headers)
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        lat.append(time.perf_counter() - t0)
        if status != 200:
            errors += 1
    conn.close()
    results.append((lat, errors))


def start_emulator(latency):
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "xray_emulator.py"), "--data",
         os.path.join(TOP, "tests", "data", "emulator-traces.json"),
         "--credentials", "%s:%s" % (AKID, SECRET), "--latency", str(latency),
         "--max-lifetime", "600"], stdout=subprocess.PIPE)
    line = proc.stdout.readline().decode()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit("emulator did not start")
    return proc, int(line.split()[1])


def control(port, method, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path)
    data = json.loads(conn.getresponse().read())
    conn.close()
    return data


def run(port, path, concurrency, duration):
    body = BODIES[path]
    if body is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        raw = json.dumps(BODIES["/TraceSummaries"]).encode()
        _, data = post(conn, "/TraceSummaries", raw, sign(port, "/TraceSummaries", raw))
        conn.close()
        body = {"TraceIds": [s["Id"] for s in json.loads(data)["TraceSummaries"][:5]]}
    raw = json.dumps(body).encode()
    control(port, "DELETE", "/__emulator/stats")
    results = []
    stop_at = time.time() + duration
    threads = [threading.Thread(target=worker, args=(port, path, raw, stop_at, results))
               for _ in range(concurrency)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    lat = sorted(x for r in results for x in r[0])
    stats = control(port, "GET", "/__emulator/stats")

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None

    return {"path": path, "concurrency": concurrency, "seconds": round(elapsed, 2),
            "requests": len(lat), "errors": sum(r[1] for r in results),
            "requests_per_second": round(len(lat) / elapsed, 1),
            "latency_ms": {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99)},
            "server_connections": stats["connections_total"],
            "server_max_in_flight": stats["max_in_flight"],
            "server_signatures": stats["signatures"]}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, help="an emulator already running (key %s)" % AKID)
    p.add_argument("--latency", type=float, default=0.0)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--path", default="/TraceSummaries", choices=sorted(BODIES))
    args = p.parse_args()
    proc = None
    port = args.port
    if port is None:
        proc, port = start_emulator(args.latency)
    try:
        result = run(port, args.path, args.concurrency, args.duration)
        result["emulator_latency"] = args.latency
        print(json.dumps(result))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
