#!/usr/bin/env python3
"""Screen test of assumed roles in the interactive screens: xrtop in a
detached tmux against the X-Ray emulator and the STS stub (all on
127.0.0.1), live (-d 1).

- A role with mfa_serial: the MFA code is asked for on the terminal before
  the screens start; once typed, the screens open with the traces; when
  those credentials are about to expire (they are not renewed unattended)
  the status line says so and what to do.
- A role renewed while the screens run, the renewal answered 3 s late:
  keys keep moving the selection while AssumeRole waits.
- A role STS refuses at start: the screens close and the whole message is
  printed, as in batch mode."""

import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from harness import (AKID, SECRET, TOP, WINDOW, XRTOP, Tap, Workdir, clean_env,  # noqa: E402
                     emulator)
sys.path.insert(0, os.path.join(TOP, "tests", "emulator"))
from childserver import Server  # noqa: E402
sys.path.insert(0, HERE)
from tuitest import Tmux, quote  # noqa: E402

STUB = os.path.join(TOP, "tests", "emulator", "stub_aws.py")
ARN = "arn:aws:iam::123456789012:role/"
MFA = "arn:aws:iam::123456789012:mfa/alice"
CODE = "493027"
t = Tap()


def wait_for(name, pred, what, timeout=20):
    return tm.wait_for(name, pred, what, timeout)


def start(name, env, *args):
    cmd = "env -i %s %s --endpoint-url %s --region us-east-1 %s %s; echo EXITED $?; sleep 60" % (
        " ".join("%s=%s" % (k, quote(v)) for k, v in env.items()), quote(XRTOP), emu.base,
        " ".join(WINDOW), " ".join(quote(a) for a in args))
    tm.session(name, 110, 30, cmd)


def position(screen):
    m = re.search(r" (\d+)/30\s*$", screen, re.M)
    return int(m.group(1)) if m else None


def sts_calls(s):
    return [e for e in s.control("GET", "/__stub/requests") if e.get("action") == "AssumeRole"]


work = Workdir()
emu = emulator("--derived-keys")
stubs = []
tm = None
try:
    tm = Tmux(t, "mfa")
    work.file("config", "[profile base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
              "[profile mfa]\nrole_arn = %smfa\nsource_profile = base\nmfa_serial = %s\n"
              "[profile ops]\nrole_arn = %sops\nsource_profile = base\n"
              "[profile no]\nrole_arn = %sdenied\nsource_profile = base\n"
              % (AKID, SECRET, ARN, MFA, ARN, ARN))

    # -- MFA: the code before the screens; expiry said on the status line --------------------
    stub = Server(STUB, "--credentials", "%s:%s" % (AKID, SECRET), "--mfa-code", CODE,
                  "--expires-in", "14")
    stubs.append(stub)
    env = clean_env(work, TERM="tmux-256color", AWS_ENDPOINT_URL_STS=stub.base)
    start("mfa", env, "--profile", "mfa", "-d", "1")
    s = wait_for("mfa", lambda s: "Enter MFA code for " + MFA in s, "the MFA prompt")
    t.ok("X-Ray" not in s and "matched" not in s,
         "the MFA code is asked for on the terminal before the screens start", s)
    t.is_(sts_calls(stub), [], "... and before any call to STS")
    tm.literal("mfa", CODE)
    tm.keys("mfa", "Enter")
    s = wait_for("mfa", lambda s: "matched 30/30" in s, "the screens with the 30 traces")
    t.ok("X-Ray us-east-1" in s and CODE not in s,
         "then the screens open with the role's traces, the code not shown", s)
    calls = sts_calls(stub)
    t.ok(len(calls) == 1 and calls[0]["params"].get("SerialNumber") == MFA,
         "one AssumeRole with the MFA device", calls)
    s = wait_for("mfa", lambda s: "MFA credentials of profile 'mfa' expire" in s,
                 "the status line to say the MFA credentials expire", timeout=30)
    t.ok("start xrtop again" in s,
         "before the MFA credentials expire the status line says so and what to do", s)
    t.is_(len(sts_calls(stub)), 1, "... and they were not renewed unattended")
    pos = position(s) or 1
    tm.keys("mfa", "j")
    s = wait_for("mfa", lambda s: position(s) == pos + 1, "the traces to stay browsable")
    t.ok(position(s) == pos + 1, "the traces fetched stay on the screen and keys work")
    tm.keys("mfa", "Q")
    s = wait_for("mfa", lambda s: "EXITED" in s, "xrtop to exit")
    t.ok(re.search(r"EXITED [1-9]", s) is not None,
         "Q quits, with a status that says the API source stopped", s)

    # -- a slow renewal: keys keep working while AssumeRole waits ------------------------------
    slow = Server(STUB, "--credentials", "%s:%s" % (AKID, SECRET), "--expires-in", "20",
                  "--slow-after", "1", "--slow", "3")
    stubs.append(slow)
    env = clean_env(work, TERM="tmux-256color", AWS_ENDPOINT_URL_STS=slow.base)
    start("ops", env, "--profile", "ops", "-d", "1")
    s = wait_for("ops", lambda s: "matched 30/30" in s, "the role's 30 traces")
    first = sts_calls(slow)
    t.is_(len(first), 1, "one AssumeRole at start")
    issued = first[0]["time"] if first else time.time()
    # renewal starts 10 s before expiry: 10 s after issue, then waits 3 s for its answer
    time.sleep(max(0, issued + 10.8 - time.time()))
    pos = position(tm.capture("ops")) or 1
    sent = time.time()
    tm.keys("ops", "j", "j")
    s = wait_for("ops", lambda s: position(s) == pos + 2, "the selection to move", timeout=5)
    moved = time.time()
    wait_for("ops", lambda s: len(sts_calls(slow)) >= 2, "the renewal's answer", timeout=15)
    calls = sts_calls(slow)
    renewal = calls[1]["time"] if len(calls) >= 2 else 0
    t.ok(position(s) == pos + 2 and renewal < sent and moved < renewal + 3,
         "keys moved the selection while the renewal waited for STS (sent %.1f s after it, "
         "moved %.1f s before its answer)" % (sent - renewal, renewal + 3 - moved), s)
    tm.keys("ops", "Q")
    s = wait_for("ops", lambda s: "EXITED" in s, "xrtop to exit")
    t.ok("EXITED 0" in s, "Q quits with status 0", s)

    # -- refused at start: the screens close, the message is printed whole ---------------------
    start("no", env, "--profile", "no")
    s = wait_for("no", lambda s: "EXITED" in s, "xrtop to exit")
    flat = s.replace("\n", "")
    t.ok("EXITED 1" in s and "AccessDenied" in flat and "trust policy" in flat,
         "a role refused at start: the screens close and the whole message is printed", s)
finally:
    if tm:
        tm.stop()
    for s in stubs:
        s.stop()
    emu.stop()
    work.cleanup()
t.done()
