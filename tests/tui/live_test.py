#!/usr/bin/env python3
"""Screen test of the X-Ray API source: xrtop in a detached tmux against
the emulator (-d 1), while the emulator throttles.  The screen lists the
traces, says that it is being throttled, keeps answering keys, and stays
without duplicates."""

import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from harness import WINDOW, Tap, Workdir, emulator, key_env, XRTOP  # noqa: E402
sys.path.insert(0, HERE)
from tuitest import Tmux, quote  # noqa: E402

t = Tap()


def wait_for(pred, what, timeout=20):
    return tm.wait_for("live", pred, what, timeout)


work = Workdir()
emu = emulator()
tm = None
try:
    # the first three GetTraceSummaries calls are throttled, and slow enough to see
    emu.reset({"path": "/TraceSummaries", "kind": "throttle429", "count": 3, "delay": 0.3})
    env = key_env(work, TERM="tmux-256color")
    cmd = "env -i %s %s --endpoint-url %s --region us-east-1 %s -d 1; echo EXITED $?; sleep 60" % (
        " ".join("%s=%s" % (k, quote(v)) for k, v in env.items()), quote(XRTOP), emu.base,
        " ".join(WINDOW))
    tm = Tmux(t, "live")
    tm.session("live", 100, 30, cmd)

    s = wait_for(lambda s: "throttled" in s or "retrying" in s, "the screen to say it is throttled")
    t.ok("throttled" in s or "retrying" in s, "while the service throttles, the status line says so")
    s = wait_for(lambda s: "matched 30/30" in s, "the 30 traces of the window")
    t.ok("X-Ray us-east-1" in s, "the header names the source and region", s)
    t.ok(re.search(r"scanned 30\b", s) is not None,
         "the status line shows the source's state (scanned 30)", s)
    s = wait_for(lambda s: "live: every 1s" in s, "the first scan to end, live refresh next")
    pos = int(re.search(r" (\d+)/30\s*$", s, re.M).group(1))
    tm.keys("live", "j", "j")
    want = " %d/30" % (pos + 2)
    wait_for(lambda s: re.search(want + r"\s*$", s, re.M), "the selection to move while live")
    t.ok(True, "keys work while the source refreshes")
    time.sleep(2.5)  # two refreshes
    s = wait_for(lambda s: "matched 30/30" in s, "still 30 traces after live refreshes")
    t.ok("matched 30/30" in s, "live refreshes add no duplicates")
    st = emu.stats()
    t.ok(st["faults_injected"].get("throttle429") == 3, "the emulator throttled 3 times",
         st["faults_injected"])
    tm.keys("live", "Enter")
    s = wait_for(lambda s: "Where the time went" in s, "Enter to fetch the full trace and open it")
    t.ok(s.startswith(" xrtop timeline"), "Enter fetches the full trace and shows its timeline", s)
    tm.keys("live", "q")
    wait_for(lambda s: "matched 30/30" in s, "q back to the list")
    tm.keys("live", "p")
    s = wait_for(lambda s: "paused" in s, "p to pause the live refresh")
    t.ok(True, "p pauses the live refresh")
    tm.keys("live", "t")
    s = wait_for(lambda s: re.search(r"^:window\s*$", s, re.M), "t to open ':window '")
    tm.literal("live", "2h")
    tm.keys("live", "Enter")
    s = wait_for(lambda s: "window: the last 2h, fetching" in s, "the new window fetched")
    t.ok(True, "t opens the command line with 'window ' typed; 2h Enter fetches the last 2h")
    tm.keys("live", "Q")
    s = wait_for(lambda s: "EXITED" in s, "xrtop to exit")
    t.ok("EXITED 0" in s, "Q quits with status 0", s)
finally:
    if tm:
        tm.stop()
    emu.stop()
    work.cleanup()
t.done()
