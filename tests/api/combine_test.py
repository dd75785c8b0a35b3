#!/usr/bin/python3
"""TAP: file and API sources combined in one session (--load with API
options), against the emulator: one list holding both, the filter applied
to both, --load alone never touching the network, and a failing API source
reported with the files' data left unprinted as in API-only mode."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TOP, Tap, Workdir, api_args, emulator, fixture_ids, key_env,  # noqa: E402
                     ndjson_ids, xrtop)

t = Tap()
work = Workdir()
ALL = fixture_ids()
DEVGUIDE = os.path.join(TOP, "tests", "data", "devguide-batch.json")
DEVGUIDE_IDS = fixture_ids(DEVGUIDE)
emu = emulator()
env = key_env(work)

try:
    t.ok(not set(DEVGUIDE_IDS) & set(ALL), "the file's traces are not in the emulator's data")

    emu.reset()
    r = xrtop(["-b", "-o", "ndjson", "--load", DEVGUIDE], env)
    t.is_(sorted(ndjson_ids(r.out)), DEVGUIDE_IDS, "--load alone lists the file")
    t.is_(len(emu.requests("/TraceSummaries")), 0, "--load alone sends no request")

    emu.reset()
    r = xrtop(api_args(emu) + ["-o", "ndjson", "--load", DEVGUIDE], env)
    t.is_(r.rc, 0, "--load with API options: exit 0")
    t.is_(sorted(ndjson_ids(r.out)), sorted(ALL + DEVGUIDE_IDS),
          "one list holds the file's traces and the window's")
    t.ok(len(emu.requests("/TraceSummaries")) > 0, "the window was scanned")
    t.is_(r.err, "", "nothing on stderr")

    r = xrtop(api_args(emu) + ["-o", "ndjson", "--load", DEVGUIDE, "--sort", "duration"], env)
    durs = [json.loads(x)["Duration"] for x in r.out.splitlines()]
    t.ok(len(durs) == len(ALL) + len(DEVGUIDE_IDS) and durs == sorted(durs, reverse=True),
         "--sort orders both sources together")

    emu.reset()
    r = xrtop(api_args(emu) + ["-o", "ndjson", "--load", DEVGUIDE, "--filter", "duration > 1"],
              env)
    got = [json.loads(x) for x in r.out.splitlines()]
    t.ok(got and all(s["Duration"] > 1 for s in got), "--filter applies to both sources", r)
    bodies = [json.loads(e["body"]) for e in emu.requests("/TraceSummaries")]
    t.ok(bodies and all(b.get("FilterExpression") == "duration > 1" for b in bodies),
         "and is sent to the service")

    # a closed port: the API source fails as on its own
    r = xrtop(["-b", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1",
               "--since", "5m", "--load", DEVGUIDE], env)
    t.is_(r.rc, 1, "API unreachable with --load: exit 1")
    t.ok("nothing answers at http://127.0.0.1:9" in r.err, "with the API source's hint", r)
finally:
    emu.stop()
    work.cleanup()

t.done()
