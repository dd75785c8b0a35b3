#!/usr/bin/env python3
"""What the screens do with a source's problems: a file that cannot be
read is named on the status line and in the log screen (L), nothing
reaches standard error while the screens are up (it would corrupt them),
and once they close the problems are printed there and the exit status
is 1.  Without TERM at all the screens fall back to a known type.  After
the terminal shrinks or grows, each screen is what a fresh start at the
new size shows (tmux moves the lines up when it loses some, so the
screens must send everything again)."""

import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuitest import XRTOP, Tap, Tmux, quote  # noqa: E402

t = Tap()
tm = Tmux(t, "terminal")
tmp = tempfile.mkdtemp()
err = os.path.join(tmp, "stderr.txt")
missing = os.path.join(tmp, "missing.json")
try:
    # xrtop's standard error goes to a file, to see what it writes there
    cmd = "cd %s && env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color %s --demo --load %s 2>%s; " \
          "echo EXITED $?; sleep 60" % (quote(tmp), quote(XRTOP), quote(missing), quote(err))
    tm.run("new-session", "-d", "-s", "e", "-x", "80", "-y", "24", "sh", "-c", cmd)
    tm.run("set-option", "-t", "e", "status", "off")
    s = tm.wait_text("e", "matched 300/300")
    s = tm.wait_text("e", "missing.json: No such file or directory (L for more)")
    t.ok(True, "the status line names the file and the problem")
    with open(err) as f:
        t.ok(f.read() == "", "nothing on standard error while the screens are up")
    tm.keys("e", "j")
    s = tm.wait_for("e", lambda s: re.search(r"2 messages from the sources: L shows them", s),
                    "the status line to point at the log after a key")
    tm.keys("e", "L")
    tm.wait_text("e", "log: 2 messages")
    s = tm.settle("e")
    t.ok("missing.json: No such file or directory" in s, "L shows the problem in the log", s)
    tm.keys("e", "Q")
    s = tm.wait_text("e", "EXITED")
    t.ok("EXITED 1" in s, "a source that failed: exit status 1", s)
    with open(err) as f:
        text = f.read()
    t.ok("missing.json: No such file or directory" in text,
         "after the screens close, the problem is on standard error", text)

    # no TERM at all
    cmd = "cd %s && env -u TERM TZ=UTC LC_ALL=C.UTF-8 %s --demo; echo EXITED $?; sleep 60" % (
        quote(tmp), quote(XRTOP))
    tm.run("new-session", "-d", "-s", "u", "-x", "80", "-y", "24", "sh", "-c", cmd)
    tm.run("set-option", "-t", "u", "status", "off")
    s = tm.wait_text("u", "matched 300/300")
    tm.keys("u", "j")
    tm.wait_for("u", lambda s: re.search(r" 2/300\s*$", s, re.M), "a key to work")
    t.ok(True, "without TERM the screens open (a fallback type) and keys work")
    tm.keys("u", "Q")
    s = tm.wait_text("u", "EXITED 0")
    t.ok("EXITED 0" in s, "and Q quits with status 0")

    # resizes: every screen as a fresh start at the new size draws it
    for keys, what in (([], "traces"), (["?"], "help"), (["Enter"], "timeline"),
                       (["2"], "map"), (["3"], "analytics")):
        for (w0, h0), (w1, h1) in (((80, 24), (60, 16)), ((60, 16), (100, 30))):
            tm.start("r", w0, h0, ["--demo"], cwd=tmp)
            tm.start("f", w1, h1, ["--demo"], cwd=tmp)
            for name in ("r", "f"):
                tm.wait_text(name, "matched 300/300")
                if keys:
                    tm.keys(name, *keys)
            tm.settle("r")
            tm.run("resize-window", "-t", "r", "-x", str(w1), "-y", str(h1))
            got = tm.wait_for("r", lambda s: len(s.rstrip("\n").split("\n")) <= h1 and
                              s.startswith(" xrtop"), "the resized screen")
            got, want = tm.settle("r"), tm.settle("f")
            t.ok(got == want, "%s: %dx%d resized to %dx%d is what a start at %dx%d shows"
                 % (what, w0, h0, w1, h1, w1, h1), "got:\n%swant:\n%s" % (got, want))
            tm.kill("r")
            tm.kill("f")
finally:
    tm.stop()
    shutil.rmtree(tmp)
t.done()
