#!/usr/bin/python3
"""TAP: xrtop against the X-Ray emulator's injected faults.

Every fault kind of the emulator: what xrtop retries and how often, what it
reports (by time slice or trace id) and its exit status, checked against the
emulator's request log (bodies, paging, 5-id batches, signatures)."""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (WINDOW, Tap, Workdir, api_args, emulator, fixture_ids, gen_demo,  # noqa: E402
                     key_env, leaked, ndjson_ids, xrtop, SECRET)

t = Tap()
work = Workdir()
emu = emulator()
env = key_env(work)
ALL = fixture_ids()


def run(*extra, faults=(), env=env, args=None):
    emu.reset(*faults)
    return xrtop((args or api_args(emu)) + ["-o", "ndjson"] + list(extra), env)


def signatures_valid():
    log = emu.requests()
    bad = [e for e in log if e["signature"]["result"] != "valid"]
    return not bad and len(log) > 0


def attempts_of(path, body_has):
    return [e for e in emu.requests(path) if body_has in e["body"]]


try:
    # -- the baseline -----------------------------------------------------------
    r = run()
    t.is_(r.rc, 0, "no fault: exit 0")
    t.is_(sorted(ndjson_ids(r.out)), ALL, "no fault: every summary of the window listed")
    t.ok(signatures_valid(), "no fault: every request signature verified by botocore")
    bodies = [json.loads(e["body"]) for e in emu.requests("/TraceSummaries")]
    t.ok(all(set(b) <= {"StartTime", "EndTime"} and b["EndTime"] > b["StartTime"]
             for b in bodies), "GetTraceSummaries bodies hold StartTime < EndTime only")
    covered = sorted((b["StartTime"], b["EndTime"]) for b in bodies)
    t.ok(covered[0][0] == 1795168800 and covered[-1][1] == 1795172400 and
         all(a[1] == b[0] for a, b in zip(covered, covered[1:])),
         "the slices cover the window exactly, without gaps or overlaps",
         covered)
    t.ok(len(bodies) > 1, "the hour is fetched as several slices (%d)" % len(bodies))

    # -- throttling ----------------------------------------------------------------
    for kind in ("throttle429", "throttle400"):
        r = run(faults=[{"path": "/TraceSummaries", "kind": kind, "count": 3}])
        t.is_(r.rc, 0, "%s x3: retried to success" % kind)
        t.is_(sorted(ndjson_ids(r.out)), ALL, "%s x3: nothing lost" % kind)
        st = emu.stats()
        t.is_(st["faults_injected"].get(kind), 3, "%s x3: the emulator throttled 3 times" % kind)
        t.ok(st["requests_by_path"]["/TraceSummaries"] >= len(bodies) + 3,
             "%s x3: the throttled requests were sent again" % kind)

    r = run("--retry-budget", "2s",
            faults=[{"path": "/TraceSummaries", "kind": "throttle429", "count": -1, "after": 52}])
    t.is_(r.rc, 1, "endless throttling: exit 1")
    t.ok(("ThrottledException after" in r.err and "of retries" in r.err) or
         "(--retry-budget spent)" in r.err,
         "endless throttling: 'ThrottledException after ... of retries' (or, for a slice "
         "queued behind the throttled ones, '--retry-budget spent')", r)
    t.ok("GetTraceSummaries 2026-11-20T" in r.err, "the failed time slices are named", r)
    t.ok(r.elapsed < 30, "the retry budget bounds the time (%.1fs)" % r.elapsed)
    got = ndjson_ids(r.out)
    t.ok(0 < len(got) < len(ALL), "endless throttling: the slices that worked are still listed")

    # --retry-budget bounds a request's whole time: throttling from the first
    # request, so the slices queued behind a connection slot wait in vain too
    r = run("--retry-budget", "3s", "--max-traces", "100000",
            faults=[{"path": "*", "kind": "throttle429", "count": -1}])
    t.is_(r.rc, 1, "throttled from the start: exit 1")
    t.ok(r.elapsed < 9, "throttled from the start: stopped within the 3 s budget (%.1fs)" % r.elapsed, r)
    t.ok("--retry-budget spent" in r.err or "of retries" in r.err,
         "throttled from the start: the budget is named", r)
    # a server that accepts and never answers: one attempt may not outlive the budget
    r = run("--retry-budget", "3s",
            faults=[{"path": "*", "kind": "slow", "delay": 40, "count": -1}])
    t.is_(r.rc, 1, "a server that never answers: exit 1")
    t.ok(r.elapsed < 9, "a server that never answers: stopped within the 3 s budget (%.1fs)" % r.elapsed, r)
    t.ok("timed out" in r.err or "--retry-budget spent" in r.err,
         "a server that never answers: the time-out is reported", r)

    # -- server errors ------------------------------------------------------------
    for kind in ("http500", "http503"):
        r = run(faults=[{"path": "/TraceSummaries", "kind": kind, "count": 2}])
        t.is_(r.rc, 0, "%s x2: retried to success" % kind)
        t.is_(sorted(ndjson_ids(r.out)), ALL, "%s x2: nothing lost" % kind)

    e3 = key_env(work, AWS_MAX_ATTEMPTS="3")
    r = run(env=e3, faults=[{"path": "/TraceSummaries", "kind": "http500", "count": -1,
                             "after": 10}])
    t.is_(r.rc, 1, "endless 500: exit 1")
    t.ok("InternalFailure" in r.err and "(after 3 attempts)" in r.err,
         "endless 500: stops after AWS_MAX_ATTEMPTS=3 attempts", r)
    failed = [e for e in emu.requests("/TraceSummaries") if e["status"] == 500]
    per_body = {}
    for e in failed:
        per_body[e["body"]] = per_body.get(e["body"], 0) + 1
    t.ok(per_body and max(per_body.values()) == 3, "each failing slice was sent 3 times",
         per_body)

    # -- slow replies do not hold up the rest ---------------------------------------
    r = run(faults=[{"path": "/TraceSummaries", "kind": "slow", "delay": 2, "count": 4}])
    t.is_(r.rc, 0, "slow x4: success")
    t.is_(sorted(ndjson_ids(r.out)), ALL, "slow x4: nothing lost")
    elapsed = [r.elapsed]
    if r.elapsed >= 4:
        # Seen once in a CI-like run under ASan (12.3 s, not reproduced in the
        # next runs): measure again, so one stall of the machine does not
        # fail it while requests sent one after another (8 s) still would.
        r = run(faults=[{"path": "/TraceSummaries", "kind": "slow", "delay": 2, "count": 4}])
        elapsed.append(r.elapsed)
    t.ok(min(elapsed) < 4, "slow x4 (2 s each) run in parallel: %s s" %
         ", ".join("%.1f" % e for e in elapsed), r)

    # -- broken replies -------------------------------------------------------------
    for kind in ("truncate", "malformed", "wrong_type", "empty", "reset"):
        r = run(faults=[{"path": "/TraceSummaries", "kind": kind, "count": 2}])
        t.is_(r.rc, 0, "%s x2: retried to success" % kind)
        t.is_(sorted(ndjson_ids(r.out)), ALL, "%s x2: nothing lost" % kind)
    for kind, text in (("malformed", "invalid JSON"), ("wrong_type", "expected a list"),
                       ("empty", "invalid JSON"),
                       ("truncate", "bytes remaining to read")):
        r = run(faults=[{"path": "/TraceSummaries", "kind": kind, "count": -1, "after": 20}])
        t.is_(r.rc, 1, "endless %s: exit 1" % kind)
        t.ok("(after 5 attempts)" in r.err and text in r.err,
             "endless %s: reported as an error ('%s'), never silently empty" % (kind, text), r)

    # -- invalid requests are not retried ----------------------------------------------
    r = run("--filter", 'service("x")', faults=[
        {"path": "/TraceSummaries", "kind": "invalid_request", "count": 1,
         "message": "Invalid filter expression: Unknown function sevice"}])
    t.is_(r.rc, 1, "InvalidRequestException: exit 1")
    t.ok("InvalidRequestException: Invalid filter expression: Unknown function sevice" in r.err,
         "InvalidRequestException: the service's message verbatim", r)
    t.ok("FilterExpression: service(\"x\")" in r.err, "... with the filter that caused it", r)
    bodies = [e["body"] for e in emu.requests("/TraceSummaries")]
    t.ok(len(bodies) == len(set(bodies)), "InvalidRequestException: not retried")

    # -- BatchGetTraces: 5 ids a request, unprocessed ids asked again ----------------------
    save = os.path.join(work.path, "saved.json")
    r = run("--save", save)
    t.is_(r.rc, 0, "--save: exit 0")
    batches = [json.loads(e["body"])["TraceIds"] for e in emu.requests("/Traces")]
    t.ok(batches and all(1 <= len(b) <= 5 for b in batches), "BatchGetTraces: 1 to 5 ids each",
         batches)
    t.is_(sorted(i for b in batches for i in b), ALL, "BatchGetTraces: every id exactly once")
    t.is_(len(batches), (len(ALL) + 4) // 5, "BatchGetTraces: full batches of 5")

    r = run("--save", save, faults=[{"path": "/Traces", "kind": "unprocessed", "count": 2}])
    t.is_(r.rc, 0, "unprocessed x2: the ids were asked again")
    with open(save) as f:
        doc = json.load(f)
    t.is_(sorted(x["Id"] for x in doc["Traces"]), ALL, "unprocessed x2: every trace saved")

    r = run("--save", save, faults=[{"path": "/Traces", "kind": "unprocessed", "count": -1,
                                     "after": 3}])
    t.is_(r.rc, 1, "endless unprocessed: exit 1")
    with open(save) as f:
        doc = json.load(f)
    missing = doc["UnprocessedTraceIds"]
    t.ok(missing and sorted(missing + [x["Id"] for x in doc["Traces"]]) == ALL,
         "endless unprocessed: the saved file lists the ids it lacks")
    t.ok(all(i in r.err for i in missing[:3]) and "UnprocessedTraceIds" in r.err,
         "endless unprocessed: the trace ids are reported", r)

    for kind in ("throttle429", "http503", "truncate", "reset", "malformed"):
        r = run("--save", save, faults=[{"path": "/Traces", "kind": kind, "count": 2}])
        with open(save) as f:
            doc = json.load(f)
        t.ok(r.rc == 0 and sorted(x["Id"] for x in doc["Traces"]) == ALL,
             "BatchGetTraces %s x2: every trace saved" % kind, r)

    # -- paging, and a service that repeats its NextToken --------------------------------
    dense_emu = emulator("--page-size", "7", data=gen_demo(work, 300, "2026-11-20T10:00:00Z",
                                                           300))
    dense_args = ["-b", "--endpoint-url", dense_emu.base, "--region", "us-east-1",
                  "--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T10:05:00Z",
                  "-o", "ndjson"]
    dense_emu.reset()
    r = xrtop(dense_args, env)
    t.is_(r.rc, 0, "paging: exit 0")
    t.is_(len(set(ndjson_ids(r.out))), 300, "paging: all 300 summaries, each once")
    tokens = [json.loads(e["body"]).get("NextToken") for e in dense_emu.requests()]
    t.ok(sum(1 for x in tokens if x) >= 300 // 7 - 5,
         "paging: NextToken sent back (%d pages with a token)" % sum(1 for x in tokens if x))
    dense_emu.reset({"path": "/TraceSummaries", "kind": "repeat_token", "count": 1})
    r = xrtop(dense_args, env)
    t.is_(r.rc, 1, "repeated NextToken: exit 1")
    t.ok("same NextToken again" in r.err and "stopped paging" in r.err,
         "repeated NextToken: that slice stops with a message", r)
    t.ok(len(ndjson_ids(r.out)) >= 250, "repeated NextToken: the rest is listed")
    dense_emu.stop()

    # -- live mode: a time slice that failed is asked for again --------------------------
    # 60 traces in the last 5 minutes; every slice of the first scan (6 of a 6-minute
    # window) fails at its only attempt.  The refreshes must ask again for the
    # failed slices, not only for the last --overlap: no trace may be lost.
    now = int(time.time())
    live_data = gen_demo(work, 60, now - 300, 240, name="live.json")
    live_emu = emulator(data=live_data)
    live_emu.reset({"path": "/TraceSummaries", "kind": "http500", "count": 6})
    want = sorted(t_["Id"] for t_ in live_emu.control("GET", "/__emulator/traces"))
    r = xrtop(api_args(live_emu, window=["--since", "6m"]) +
              ["-o", "ndjson", "-d", "1", "-n", "3"], key_env(work, AWS_MAX_ATTEMPTS="1"))
    st = live_emu.stats()
    live_emu.stop()
    t.is_(st["faults_injected"].get("http500"), 6, "live, first scan: its 6 slices failed")
    t.ok(r.rc == 1 and "InternalFailure" in r.err, "live, failed slices: reported, exit 1", r)
    t.is_(sorted(set(ndjson_ids(r.out))), want,
          "live, failed slices: asked for again by the next refresh, no trace lost")
    # ... and full traces that BatchGetTraces failed to fetch, for --save
    live_emu = emulator(data=live_data)
    live_emu.reset({"path": "/Traces", "kind": "http503", "count": 2})
    saved = os.path.join(work.path, "live-save.json")
    r = xrtop(api_args(live_emu, window=["--since", "6m"]) +
              ["-o", "ndjson", "-d", "1", "-n", "3", "--save", saved],
              key_env(work, AWS_MAX_ATTEMPTS="1"))
    st = live_emu.stats()
    live_emu.stop()
    t.is_(st["faults_injected"].get("http503"), 2, "live --save: 2 BatchGetTraces failed")
    with open(saved) as f:
        doc = json.load(f)
    t.ok(r.rc == 1 and "ServiceUnavailable" in r.err, "live --save: reported, exit 1", r)
    t.is_((sorted(x["Id"] for x in doc["Traces"]), doc.get("UnprocessedTraceIds")),
          (want, []), "live --save: the next refresh fetched them again, every trace saved")

    # -- live mode keeps memory bounded by --max-traces ---------------------------------
    # 40 new traces a second, --max-traces 20 (each refresh lists the newest 20 of its
    # window): the ids the engine remembers having fetched must stay about twice what
    # the store holds, not grow by one with every trace for ever (they did)
    busy = emulator("--shift-to-now", "--arrival-rate", "40")
    log = os.path.join(work.path, "evict.log")
    r = xrtop(api_args(busy, window=["--since", "1m"]) +
              ["-o", "ndjson", "-d", "1", "-n", "16", "--max-traces", "20",
               "--save", os.devnull, "--debug-log", log], env)
    busy.stop()
    with open(log) as f:
        remembered = [int(n) for n in re.findall(r"; (\d+) trace ids remembered", f.read())]
    listed = len(set(ndjson_ids(r.out)))
    t.ok(r.rc == 0 and listed >= 250, "live, 40 traces/s, --max-traces 20: %d listed" % listed,
         r)
    t.ok(remembered and max(remembered) <= 2 * (20 + 20) + 64 + 20,
         "live --max-traces 20: the trace ids remembered stay bounded (%s)" % remembered)

    # -- no secret anywhere ------------------------------------------------------------
    log = os.path.join(work.path, "debug.log")
    r = run("--debug-log", log, faults=[{"path": "/TraceSummaries", "kind": "throttle429",
                                          "count": 2}])
    with open(log) as f:
        text = f.read()
    t.ok("GetTraceSummaries" in text and "ThrottledException" in text,
         "--debug-log records requests and retries")
    t.is_(leaked([r.out, r.err, text], [SECRET]), [], "no secret in stdout, stderr or the log")
finally:
    emu.stop()
    work.cleanup()
t.done()
