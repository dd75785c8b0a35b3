#!/usr/bin/python3
"""TAP: xrtop's X-Ray API source as a user runs it, against the emulator.

Listing a window (table, ndjson, json), --save then --load, --filter sent
as FilterExpression, --group, --time-range-type, --max-traces, live mode
(-d/-n), endpoint rules (http only to loopback, IPv6, typos, closed ports)
and the exit statuses."""

import calendar
import json
import os
import pty
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (FIXTURE, WINDOW, Tap, Workdir, api_args, emulator, fixture_ids,  # noqa: E402
                     free_port, key_env, ndjson_ids, xrtop, Server, EMULATOR, AKID, SECRET, XRTOP)

t = Tap()
work = Workdir()
ALL = fixture_ids()
groups = work.file("groups.json", json.dumps([
    {"GroupName": "faults", "FilterExpression": "fault"},
    {"GroupName": "plain"}]))
emu = emulator("--groups", groups)
env = key_env(work)


def run(*extra, env=env, server=None):
    server = server or emu
    server.reset()
    return xrtop(api_args(server) + list(extra), env)


def summaries_bodies(server=None):
    return [json.loads(e["body"]) for e in (server or emu).requests("/TraceSummaries")]


def scan_window(m):
    """(start, end) epoch seconds of a debug log's "window A..B" (B may omit the date)."""
    def epoch(text):
        text = text.rstrip("Z")
        fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in text else \
            "%Y-%m-%dT%H:%M:%S" if text.count(":") == 2 else "%Y-%m-%dT%H:%M"
        return calendar.timegm(time.strptime(text.split(".")[0] if "." in text else text,
                                             fmt.replace(".%f", "")))
    start, end = m
    if "T" not in end:
        end = start[:11] + end
    return epoch(start), epoch(end)


try:
    loaded = xrtop(["-b", "-o", "ndjson", "--load", FIXTURE], env)
    fixture_summaries = [json.loads(x) for x in loaded.out.splitlines()]

    # -- listing ---------------------------------------------------------------------------
    r = run()
    t.is_(r.rc, 0, "table: exit 0")
    lines = r.out.splitlines()
    t.ok(lines[0].startswith("START (UTC)") and len(lines) == 1 + len(ALL),
         "table: a header and one row per trace", r)
    t.is_(r.err, "", "nothing on stderr (not a terminal, no problems)")
    r = run("-o", "json")
    doc = json.loads(r.out)
    t.is_(sorted(s["Id"] for s in doc["TraceSummaries"]), ALL, "-o json: every summary")
    r = run("-o", "ndjson", "--sort", "duration", "--limit", "3")
    durs = [json.loads(x)["Duration"] for x in r.out.splitlines()]
    t.ok(len(durs) == 3 and durs == sorted(durs, reverse=True), "--sort and --limit apply")

    # -- --save, then --load -------------------------------------------------------------------
    save = os.path.join(work.path, "window.json")
    r = run("-o", "ndjson", "--save", save)
    t.is_(r.rc, 0, "--save: exit 0")
    t.ok(os.path.exists(save) and not [n for n in os.listdir(work.path) if ".window.json." in n],
         "--save: the file is in place, no temporary file left")
    with open(save) as f:
        saved = json.load(f)
    with open(FIXTURE) as f:
        want = {x["Id"]: x for x in json.load(f)["Traces"]}
    t.ok(saved["UnprocessedTraceIds"] == [] and
         sorted(saved["Traces"], key=lambda x: x["Id"]) ==
         sorted(want.values(), key=lambda x: x["Id"]),
         "--save: every trace exactly as the service returned it")
    back = xrtop(["-b", "-o", "ndjson", "--load", save], env)
    t.ok(back.rc in (0, 1) and back.out == loaded.out,
         "--load of the saved file prints what --load of the source data prints", back)
    r = run("-o", "ndjson", "--save", "-")
    t.ok(r.rc == 0 and len(json.loads(r.out)["Traces"]) == len(ALL),
         "--save -: the file on standard output, instead of the list")

    # -- filter and group ----------------------------------------------------------------------
    r = run("-o", "ndjson", "--filter", "fault")
    bodies = summaries_bodies()
    t.ok(bodies and all(b.get("FilterExpression") == "fault" for b in bodies),
         "--filter is sent as FilterExpression")
    faults = sorted(s["Id"] for s in fixture_summaries if s.get("HasFault"))
    t.ok(r.rc == 0 and sorted(ndjson_ids(r.out)) == faults and faults,
         "--filter fault: exactly the traces with faults (%d)" % len(faults), r)
    r = run("-o", "ndjson", "--group", "faults", "--filter", 'http.method = "POST"')
    bodies = summaries_bodies()
    t.ok(bodies and all(b.get("FilterExpression") == '(fault) AND (http.method = "POST")'
                        for b in bodies), "--group: (group filter) AND (--filter)", bodies[:1])
    t.ok(len(emu.requests("/Groups")) == 1, "--group: GetGroups asked once")
    posts = sorted(s["Id"] for s in fixture_summaries
                   if s.get("HasFault") and s.get("Http", {}).get("HttpMethod") == "POST")
    t.is_(sorted(ndjson_ids(r.out)), posts, "--group faults with a filter: the intersection")
    r = run("--group", "plain", "-o", "ndjson")
    t.ok(r.rc == 0 and all("FilterExpression" not in b for b in summaries_bodies()),
         "--group without a filter expression: no FilterExpression")
    r = run("--group", "nosuch")
    t.ok(r.rc == 2 and "--group nosuch: no such X-Ray group" in r.err and "faults" in r.err,
         "--group unknown: usage error listing the groups", r)

    r = run("-o", "ndjson", "--filter", "responsetime >")
    t.ok(r.rc == 2 and "--filter" in r.err and "column" in r.err and not emu.requests(),
         "--filter with a syntax error: usage error with its column, nothing sent", r)
    r = run("-o", "ndjson", "--filter", 'group.name = "faults"')
    bodies = summaries_bodies()
    t.ok(r.rc == 0 and bodies and all(b.get("FilterExpression") == 'group.name = "faults"'
                                      for b in bodies), "--filter group.name: sent as written", r)
    t.is_(sorted(ndjson_ids(r.out)), faults, "--filter group.name: resolved through GetGroups")
    r = run("--filter", 'group.name = "nosuch"')
    t.ok(r.rc == 2 and "no such X-Ray group" in r.err and "faults" in r.err,
         "--filter with an unknown group: usage error listing the groups", r)
    r = run("-o", "ndjson", "--filter", '  fault   AND http.method="POST" ')
    t.ok(all(b.get("FilterExpression") == 'fault AND http.method = "POST"'
             for b in summaries_bodies()), "--filter is sent normalised", summaries_bodies()[:1])
    save_f = os.path.join(work.path, "filtered.json")
    r = run("-o", "ndjson", "--save", save_f, "--filter", 'service("Reservations") { throttle }')
    with open(save_f) as f:
        got = sorted(x["Id"] for x in json.load(f)["Traces"])
    local = xrtop(["-b", "-o", "ndjson", "--load", FIXTURE, "--filter",
                   'service("Reservations") { throttle }'], env)
    t.ok(r.rc == 0 and len(got) == 3 and got == sorted(ndjson_ids(r.out)) ==
         sorted(ndjson_ids(local.out)) and "do not match" not in r.err,
         "--save with a filter that needs full traces: the service's matches, checked here too",
         r)

    # -- time range type and --max-traces -----------------------------------------------------------
    run("--time-range-type", "Event", "-o", "ndjson")
    t.ok(all(b.get("TimeRangeType") == "Event" for b in summaries_bodies()),
         "--time-range-type Event is sent")
    r = run("--max-traces", "5", "-o", "ndjson")
    t.ok(r.rc == 0 and len(ndjson_ids(r.out)) == 5, "--max-traces 5: five summaries", r)
    t.ok("--max-traces 5" in r.err and "more" in r.err, "--max-traces: says more are available")
    t.ok(len(summaries_bodies()) < 60, "--max-traces: stops scanning early (%d requests)"
         % len(summaries_bodies()))
    t.is_(sorted(ndjson_ids(r.out)), sorted(ALL)[-5:], "--max-traces 5: the five newest")

    # -- live mode ----------------------------------------------------------------------------------
    live = emulator("--shift-to-now")
    live.reset()
    r = xrtop(["-b", "--endpoint-url", live.base, "--region", "us-east-1", "--since", "2h",
               "-d", "1", "-n", "3", "--overlap", "0", "-o", "ndjson"], env)
    ids = ndjson_ids(r.out)
    t.ok(r.rc == 0 and len(ids) == len(ALL) == len(set(ids)), "-d 1 -n 3: every trace printed once",
         r)
    b = sorted(summaries_bodies(live), key=lambda x: x["StartTime"])
    t.ok(all(x["EndTime"] == y["StartTime"] for x, y in zip(b, b[1:])),
         "-d --overlap 0: each refresh asks only for [last end, now)")
    t.ok(b[-1]["EndTime"] - b[0]["StartTime"] <= 7200 + 4, "-d: three iterations, then exit")
    t.ok(2 <= r.elapsed < 15, "-d 1 -n 3 took %.1fs" % r.elapsed)
    live.stop()

    # X-Ray finds a trace only some seconds after it ends: the newest one of the
    # shifted fixture (ending 0.6 s before the emulator starts) shows after 4 s.
    def late_run(*extra):
        late = emulator("--shift-to-now", "--index-delay", "4")
        late.reset()
        log = os.path.join(work.path, "late%d.log" % len(extra))
        r = xrtop(["-b", "--endpoint-url", late.base, "--region", "us-east-1", "--since", "2h",
                   "-d", "1", "-n", "7", "-o", "ndjson", "--debug-log", log] + list(extra), env)
        late.stop()
        with open(log, encoding="utf-8") as f:
            return r, ndjson_ids(r.out), [scan_window(m) for m in
                                          re.findall(r"window (\S+Z)\.\.(\S+Z)", f.read())]
    r, ids, w = late_run("--overlap", "0")
    t.ok(r.rc == 0 and len(ids) == len(ALL) - 1,
         "--index-delay 4, --overlap 0: the late trace is missed (%d of %d)" % (len(ids), len(ALL)),
         r)
    r, ids, w = late_run()
    t.ok(r.rc == 0 and len(ids) == len(ALL) == len(set(ids)),
         "--index-delay 4, default --overlap: the late trace is found, each printed once "
         "(%d printed, %d distinct)" % (len(ids), len(set(ids))), r)
    t.ok(len(w) >= 4 and all(y[0] == x[1] - 60 and y[1] > x[1] for x, y in zip(w, w[1:])),
         "-d: each refresh asks again for the last 60 s (--overlap default)", w)
    r = xrtop(["-b", "--overlap", "soon", "--demo"], env)
    t.ok(r.rc == 2 and "--overlap" in r.err, "--overlap soon: refused, naming the option", r)

    # -- progress on a terminal; interrupting -----------------------------------------------
    emu.reset({"path": "/TraceSummaries", "kind": "slow", "delay": 0.7, "count": 1})
    master, slave = pty.openpty()
    p = subprocess.Popen([XRTOP] + api_args(emu) + ["-o", "ndjson"], env=env,
                         stdout=subprocess.PIPE, stderr=slave)
    out, _ = p.communicate(timeout=60)
    os.close(slave)
    tty = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        tty += chunk
    os.close(master)
    text = tty.decode("utf-8", "replace")
    t.ok(p.returncode == 0 and "scanned" in text and "matched" in text and "in flight" in text,
         "stderr on a terminal: a progress line", text)
    t.ok(text.endswith("\r\x1b[K"), "... cleared at the end", repr(text[-40:]))
    t.ok(len(ndjson_ids(out.decode())) == len(ALL), "... and stdout unaffected")

    emu.reset()
    save2 = os.path.join(work.path, "live.json")
    p = subprocess.Popen([XRTOP] + api_args(emu) + ["-o", "ndjson", "-d", "1", "--save", save2],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    t.ok(p.returncode == 0 and len(ndjson_ids(out.decode())) == len(ALL),
         "live mode ends cleanly on SIGINT", (p.returncode, err))
    with open(save2) as f:
        t.is_(len(json.load(f)["Traces"]), len(ALL), "... and writes its --save file")
    emu.reset({"path": "/Traces", "kind": "slow", "delay": 5, "count": -1})
    save3 = os.path.join(work.path, "cut.json")
    p = subprocess.Popen([XRTOP] + api_args(emu) + ["--save", save3], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    t.ok(p.returncode == 1 and "interrupted" in err.decode() and not os.path.exists(save3)
         and not [n for n in os.listdir(work.path) if ".cut.json." in n],
         "SIGINT during --save: exit 1, no file and no temporary file left", (p.returncode, err))

    # -- endpoints -------------------------------------------------------------------------------
    r = xrtop(["-b", "--endpoint-url", "http://198.51.100.7:8080", "--region", "us-east-1"], env)
    t.ok(r.rc == 2 and "only allowed to this machine" in r.err,
         "http:// to another host: usage error", r)
    for url in ("ftp://127.0.0.1/", "http://user:pw@127.0.0.1/", "http://127.0.0.1/?a=b"):
        r = xrtop(["-b", "--endpoint-url", url, "--region", "us-east-1"], env)
        t.ok(r.rc == 2 and r.out == "", "--endpoint-url %s: usage error" % url, r)
    r = xrtop(["-b", "--region", "us east 1"], env)
    t.ok(r.rc == 2 and "not a region name" in r.err, "a malformed region: usage error", r)
    r = xrtop(["-b", "--since", "5m"], key_env(work, AWS_REGION=None))
    t.ok(r.rc == 2 and "no AWS region" in r.err and "--region" in r.err,
         "no region anywhere: usage error saying how to set one", r)
    port = free_port()
    r = xrtop(["-b", "--endpoint-url", "http://127.0.0.1:%d" % port, "--region", "us-east-1",
               "--since", "5m"], env)
    t.ok(r.rc == 1 and "nothing answers" in r.err and r.elapsed < 20,
         "a closed port: exit 1 quickly (%.1fs), saying nothing answers" % r.elapsed, r)
    t.ok(len(r.err.splitlines()) <= 4, "... in a few lines")
    r = xrtop(["-b", "--endpoint-url", "https://127.0.0.1:%d" % emu.port, "--region", "us-east-1",
               "--since", "5m"], env)
    t.ok(r.rc == 1 and ("SSL" in r.err or "TLS" in r.err), "https to a plain HTTP server: "
         "a TLS error, not retried for minutes (%.1fs)" % r.elapsed, r)
    v6 = Server(EMULATOR, "--data", FIXTURE, "--host", "::1", "--credentials",
                "%s:%s" % (AKID, SECRET))
    r = xrtop(["-b", "--endpoint-url", "http://[::1]:%d" % v6.port, "--region", "us-east-1",
               "-o", "ndjson"] + WINDOW, env)
    t.ok(r.rc == 0 and sorted(ndjson_ids(r.out)) == ALL, "http://[::1]:PORT works", r)
    v6.stop()
    r = xrtop(["-b", "--endpoint-url", "http://localhost:%d/" % emu.port, "--region",
               "us-east-1", "-o", "ndjson"] + WINDOW, env)
    t.ok(r.rc == 0 and sorted(ndjson_ids(r.out)) == ALL, "http://localhost:PORT/ works", r)
finally:
    emu.stop()
    work.cleanup()
t.done()
