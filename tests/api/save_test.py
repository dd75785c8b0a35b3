#!/usr/bin/python3
"""TAP: --save never loses a good file and never writes where it should not.

Against the X-Ray emulator: a run whose every GetTraceSummaries request
fails (also with -d and SIGINT) or that finds nothing leaves an existing
FILE as it was and says so; the temporary file is made next to FILE with
mkstemp, keeps FILE's permissions, and a symbolic link planted at the old
FILE.tmp name is never followed; a symlinked FILE has its target replaced;
a FIFO and /dev/null are written in place; every message names FILE."""

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (XRTOP, Tap, Workdir, api_args, emulator, fixture_ids, key_env,  # noqa: E402
                     xrtop)

t = Tap()
work = Workdir()
emu = emulator()
env = key_env(work, AWS_MAX_ATTEMPTS="2")
ALL = fixture_ids()
FAIL_ALL = {"path": "/TraceSummaries", "kind": "http500", "count": -1}
EMPTY_WINDOW = ["--start", "2026-11-20T12:00:00Z", "--end", "2026-11-20T13:00:00Z"]


def run(*extra, faults=(), window=None):
    emu.reset(*faults)
    args = api_args(emu) if window is None else api_args(emu, window=window)
    return xrtop(args + ["-o", "ndjson"] + list(extra), env)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def strays(directory, keep):
    """Files in directory other than those in keep (temporary files left)."""
    return sorted(set(os.listdir(directory)) - set(keep))


try:
    d = os.path.join(work.path, "out")
    os.mkdir(d)
    good = os.path.join(d, "good.json")

    # -- a good file, 0600 --------------------------------------------------------------------
    r = run("--save", good)
    t.is_(r.rc, 0, "--save: exit 0")
    t.is_(sorted(x["Id"] for x in json.loads(read(good))["Traces"]), ALL,
          "--save: every trace of the window saved")
    os.chmod(good, 0o600)
    r = run("--save", good)
    t.is_(stat.S_IMODE(os.stat(good).st_mode), 0o600, "replacing a 0600 file keeps it 0600")
    t.is_(strays(d, ["good.json"]), [], "no temporary file left after a good run")
    before = read(good)

    # -- every GetTraceSummaries request fails ------------------------------------------------
    r = run("--save", good, faults=[FAIL_ALL])
    t.is_(r.rc, 1, "every summaries request failing: exit 1")
    t.ok(read(good) == before, "... the existing file is left untouched", r)
    t.ok(("--save %s:" % good) in r.err and "left as it was" in r.err,
         "... and xrtop says so, naming FILE", r)
    t.is_(strays(d, ["good.json"]), [], "... no temporary file left")

    # -- the same with -d, ended by SIGINT ----------------------------------------------------
    emu.reset(FAIL_ALL)
    p = subprocess.Popen([XRTOP] + api_args(emu) + ["-o", "ndjson", "-d", "1", "--save", good],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(3)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    err = err.decode("utf-8", "replace")
    t.ok(read(good) == before, "-d with every request failing, then SIGINT: the file is untouched",
         (p.returncode, err))
    t.ok(("--save %s:" % good) in err and "left as it was" in err, "... and xrtop says so", err)
    t.is_(strays(d, ["good.json"]), [], "... no temporary file left")

    # -- an empty window -------------------------------------------------------------------------
    r = run("--save", good, window=EMPTY_WINDOW)
    t.ok(read(good) == before and ("--save %s: no traces to save" % good) in r.err,
         "a window with no traces: the existing file is left untouched, and xrtop says so", r)
    new = os.path.join(d, "new.json")
    r = run("--save", new, window=EMPTY_WINDOW)
    t.ok(r.rc == 0 and json.loads(read(new)) == {"Traces": [], "UnprocessedTraceIds": []},
         "a window with no traces and no file yet: an empty document is written", r)
    os.unlink(new)
    r = run("--save", new, faults=[FAIL_ALL])
    t.ok(r.rc == 1 and not os.path.exists(new) and ("--save %s: nothing fetched" % new) in r.err,
         "a failed run and no file yet: nothing written, and xrtop says so", r)

    # -- a symbolic link planted at FILE.tmp ---------------------------------------------------
    victim = os.path.join(work.path, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    os.symlink(victim, good + ".tmp")
    r = run("--save", good)
    t.ok(r.rc == 0 and read(victim) == b"precious\n",
         "a symbolic link at FILE.tmp is not followed", r)
    t.ok(os.path.islink(good + ".tmp") and json.loads(read(good))["Traces"],
         "... it is left alone and FILE is written")
    os.unlink(good + ".tmp")

    # -- a symbolic link as FILE: its target is replaced, the link stays ------------------------
    real = os.path.join(work.path, "real.json")
    with open(real, "w") as f:
        f.write("old\n")
    os.chmod(real, 0o640)
    link = os.path.join(d, "link.json")
    os.symlink(real, link)
    r = run("--save", link)
    t.ok(r.rc == 0 and os.path.islink(link) and os.readlink(link) == real,
         "a symlinked FILE stays a link", r)
    t.ok(len(json.loads(read(real))["Traces"]) == len(ALL) and
         stat.S_IMODE(os.stat(real).st_mode) == 0o640,
         "... its target holds the saved traces, with its mode kept")
    t.is_(strays(work.path, ["config", "credentials", "out", "real.json", "victim"]), [],
          "... no temporary file left next to the target")
    dangling = os.path.join(d, "dangling.json")
    os.symlink(os.path.join(work.path, "nowhere.json"), dangling)
    r = run("--save", dangling)
    t.ok(r.rc == 1 and ("--save %s: a symbolic link to nothing" % dangling) in r.err and
         not os.path.exists(os.path.join(work.path, "nowhere.json")),
         "a dangling symbolic link as FILE: refused clearly", r)
    os.unlink(dangling)
    os.unlink(link)

    # -- errors name FILE -------------------------------------------------------------------
    ro = os.path.join(work.path, "ro")
    os.mkdir(ro)
    os.chmod(ro, 0o500)
    target = os.path.join(ro, "x.json")
    r = run("--save", target)
    if os.geteuid() == 0:
        # root writes anyway; an unwritable place for anyone is a missing directory
        os.chmod(ro, 0o700)
        target = os.path.join(work.path, "missing-dir", "x.json")
        r = run("--save", target)
    t.ok(r.rc == 1 and ("--save %s: " % target) in r.err and ".tmp" not in r.err and
         "XXXXXX" not in r.err,
         "a place that cannot be written: the error names FILE, not a temporary name", r)
    r = run("--save", d)
    t.ok(r.rc == 1 and ("--save %s: a directory" % d) in r.err, "a directory: refused", r)

    # -- files that are not regular are written in place ---------------------------------------
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    got = {}

    def reader():
        with open(fifo, "rb") as f:
            got["data"] = f.read()

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    r = run("--save", fifo)
    th.join(30)
    fifo_ok = stat.S_ISFIFO(os.lstat(fifo).st_mode) and r.rc == 0
    t.ok(fifo_ok, "a FIFO as FILE stays a FIFO", r)
    try:
        doc = json.loads(got.get("data", b""))
    except ValueError:
        doc = {}
    t.is_(sorted(x["Id"] for x in doc.get("Traces", [])), ALL,
          "... and its reader gets the whole document")
    t.is_(strays(d, ["good.json", "fifo"]), [], "... no temporary file left")
    if fifo_ok:  # never risk replacing /dev/null with an xrtop that replaces special files
        r = run("--save", "/dev/null")
        t.ok(r.rc == 0 and stat.S_ISCHR(os.lstat("/dev/null").st_mode) and
             not os.path.exists("/dev/null.tmp"), "/dev/null as FILE: written in place", r)
    else:
        t.ok(False, "/dev/null as FILE: not tried, the FIFO was replaced")
finally:
    emu.stop()
    work.cleanup()
t.done()
