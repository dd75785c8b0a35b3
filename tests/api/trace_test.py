#!/usr/bin/python3
"""TAP: --trace ID against the X-Ray API (the emulator): one BatchGetTraces
request for that id (no scan of a window), the same timeline and details
as from the file the emulator serves, clear errors for unknown ids."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import FIXTURE, Tap, Workdir, emulator, fixture_ids, key_env, xrtop  # noqa: E402

t = Tap()
work = Workdir()
emu = emulator()
env = key_env(work)
ID = fixture_ids()[0]


def api(*extra):
    emu.reset()
    return xrtop(["-b", "--endpoint-url", emu.base, "--region", "us-east-1"] + list(extra), env)


try:
    r = api("--trace", ID, "--width", "100")
    f = xrtop(["-b", "--load", FIXTURE, "--trace", ID, "--width", "100"], env)
    t.ok(r.rc == 0 and r.out.startswith(ID), "--trace ID fetches and prints the timeline", r)
    t.is_(r.out, f.out, "the same timeline as from the file the emulator serves")
    reqs = emu.requests("/Traces")
    t.is_([json.loads(e["body"]) for e in reqs], [{"TraceIds": [ID]}],
          "one BatchGetTraces request with that id")
    t.is_(emu.requests("/TraceSummaries"), [], "no GetTraceSummaries scan")

    r = api("--trace", ID, "-o", "json")
    f = xrtop(["-b", "--load", FIXTURE, "--trace", ID, "-o", "json"], env)
    t.ok(r.rc == 0 and json.loads(r.out)["Traces"][0]["Id"] == ID, "-o json", r)
    t.is_(r.out, f.out, "-o json: the same as from the file")

    r = api("--trace", ID, "--view", "details", "--width", "80")
    t.ok(r.rc == 0 and "\nOverview\n" in r.out and "\nRaw JSON\n" in r.out,
         "--view details of the root segment", r)

    missing = "1-00000000-000000000000000000000000"
    r = api("--trace", missing)
    t.ok(r.rc == 1 and "BatchGetTraces " + missing in r.err and r.out == "",
         "an unknown trace id: named, exit 1, nothing on stdout", r)

    r = api("--view", "timeline")
    t.ok(r.rc == 2 and "name the trace with --trace ID" in r.err,
         "--view timeline without --trace: usage error", r)
finally:
    emu.stop()
    work.cleanup()
t.done()
