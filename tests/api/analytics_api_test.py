#!/usr/bin/python3
"""TAP: --view analytics with the X-Ray API source, against the emulator:
the groups are those of the traces the API listed (counts recomputed from
`-o json`), --filter is applied, and each group's filter expression, sent
back as --filter, lists that group's traces."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Tap, Workdir, api_args, emulator, key_env, xrtop  # noqa: E402

t = Tap()
work = Workdir()
emu = emulator()
env = key_env(work)


def run(*extra):
    emu.reset()
    return xrtop(api_args(emu) + list(extra), env)


def values(summary, key):
    if key == "http.status":
        s = summary.get("Http", {}).get("HttpStatus")
        return [s] if s else []
    if key == "user":
        return sorted({u["UserName"] for u in summary.get("Users", [])})
    name = key[len("annotation."):]
    vals = []
    for v in summary.get("Annotations", {}).get(name, []):
        av = v["AnnotationValue"]
        for k in ("StringValue", "NumberValue", "BooleanValue"):
            if k in av and av[k] not in vals:
                vals.append(av[k])
    return vals


try:
    listed = json.loads(run("-o", "json").out)["TraceSummaries"]
    t.ok(len(listed) > 10, "the emulator lists %d traces" % len(listed))
    keys = ["http.status", "user"]
    ann = sorted({k for s in listed for k in s.get("Annotations", {})})
    if ann:
        keys.append("annotation." + ann[0])
    for key in keys:
        r = run("--group-by", key, "-o", "json")
        t.is_(r.rc, 0, "%s: exit 0" % key)
        got = json.loads(r.out)
        want = {}
        for s in listed:
            for v in values(s, key) or [None]:
                want[json.dumps(v)] = want.get(json.dumps(v), 0) + 1
        t.ok(got["TraceCount"] == len(listed) and
             {json.dumps(g["Value"]): g["Count"] for g in got["Groups"]} == want,
             "%s: the groups of the listed traces (%d)" % (key, len(want)),
             (got["Groups"], want))
        bad = []
        for g in got["Groups"][:6]:
            r2 = run("--filter", g["FilterExpression"], "-o", "json")
            n = len(json.loads(r2.out)["TraceSummaries"]) if r2.rc == 0 else -1
            if n != g["Count"]:
                bad.append((g["FilterExpression"], n, g["Count"], r2.err[:300]))
        t.ok(not bad, "%s: each group's filter, sent to the API, lists its traces" % key, bad)
    r = run("--group-by", "http.status", "--filter", "fault", "-o", "json")
    got = json.loads(r.out)
    faults = sum(1 for s in listed if s.get("HasFault"))
    t.ok(r.rc == 0 and got["TraceCount"] == faults, "--filter fault: only the %d faults" % faults,
         r)
    r = run("--group-by", "http.status", "--width", "80")
    lines = r.out.splitlines()
    t.ok(r.rc == 0 and lines[1].startswith("RESPONSE TIME") and
         any(l.startswith(" HTTP STATUS") for l in lines), "the picture, as with files", r)
finally:
    emu.stop()
    work.cleanup()
t.done()
