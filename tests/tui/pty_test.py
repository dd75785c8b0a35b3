#!/usr/bin/env python3
"""xrtop in a pseudo-terminal (100x30, TERM=xterm-256color), reading every
byte it writes: however the screens end (Q, q, Q from the timeline,
Ctrl-C, SIGTERM), the terminal is left with no mode on: the alternate
screen left, the mouse off, the cursor visible, application cursor keys
and the keypad off.  y sends the selected trace id as OSC 52.  And the
bytes per key stay small: a one-row move below htop's 338 bytes
(BENCHMARKS.md), a page move below 3000."""

import base64
import os
import pty
import re
import select
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuitest import XRTOP, Tap  # noqa: E402

import fcntl  # noqa: E402
import termios  # noqa: E402

t = Tap()
DOWN, UP, PGDN, PGUP = b"\x1bOB", b"\x1bOA", b"\x1b[6~", b"\x1b[5~"


def drain(fd, quiet=0.3, limit=10.0, until=None):
    """Reads until quiet seconds without output (or until the bytes
    until appear, or EOF); returns the bytes."""
    out = b""
    end = time.time() + limit
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], quiet)
        if not r:
            if until is None or until in out:
                break
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def spawn(args):
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, TERM="xterm-256color", LC_ALL="C.UTF-8", TZ="UTC")
        env.pop("NO_COLOR", None)
        os.execve(XRTOP, [XRTOP] + args, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    return pid, fd


def finish(pid, fd):
    """All the output until the end, and the exit status."""
    out = drain(fd, quiet=5.0, limit=10.0)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return out, status


MOUSE = (9, 1000, 1001, 1002, 1003, 1005, 1006, 1015)


def modes(out):
    """The terminal's state after out: private modes set or reset last,
    and the keypad (DECKPAM ESC = / DECKPNM ESC >)."""
    state = {}
    for m in re.finditer(rb"\x1b\[\?([0-9;]+)([hl])|\x1b([=>])", out):
        if m.group(3):
            state["keypad"] = m.group(3) == b"="
            continue
        for n in m.group(1).split(b";"):
            if n:
                state[int(n)] = m.group(2) == b"h"
    return state


def restored(out):
    """What is wrong with the state out leaves the terminal in ("" when
    nothing is)."""
    st = modes(out)
    wrong = []
    if not any(st.get(n) is False for n in (1049, 1047, 47)):
        wrong.append("the alternate screen was not left")
    if any(st.get(n) for n in (1049, 1047, 47)):
        wrong.append("the alternate screen is still on")
    if any(st.get(n) for n in MOUSE):
        wrong.append("mouse reporting is still on: %s" % [n for n in MOUSE if st.get(n)])
    if st.get(25) is not True:
        wrong.append("the cursor is not made visible")
    if st.get(1):
        wrong.append("application cursor keys are still on")
    if st.get("keypad"):
        wrong.append("the keypad is still in application mode")
    return "; ".join(wrong)


def run(name, args, before, end):
    """Starts xrtop, waits for its list, sends the keys before, ends it
    with end (keys, or a signal number), and checks the terminal."""
    pid, fd = spawn(args)
    first = drain(fd, quiet=0.5, until=b"3.676")
    t.ok(b"3.676" in first, name + ": the traces screen is drawn (the slowest trace on top)")
    st = modes(first)
    t.ok(st.get(1049) and any(st.get(n) for n in MOUSE) and restored(first),
         name + ": while the screens are up, the alternate screen and the mouse are on")
    for k in before:
        os.write(fd, k)
        drain(fd)
    if isinstance(end, int):
        os.kill(pid, end)
    else:
        os.write(fd, end)
    out, status = finish(pid, fd)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
    why = restored(first + out)
    t.ok(not why, name + ": the terminal is restored", why or None)
    return code, out


code, _ = run("Q", ["--demo"], [], b"Q")
t.ok(code == 0, "Q exits 0", code)
code, _ = run("q", ["--demo"], [DOWN, DOWN], b"q")
t.ok(code == 0, "q on the traces screen exits 0", code)
code, _ = run("Q from the timeline", ["--demo"], [b"\r"], b"Q")
t.ok(code == 0, "Q on the timeline exits 0", code)
code, _ = run("Ctrl-C", ["--demo"], [PGDN], b"\x03")
t.ok(code in (0, 130, -signal.SIGINT), "Ctrl-C ends xrtop", code)
code, _ = run("SIGTERM", ["--demo"], [], signal.SIGTERM)
t.ok(code in (0, 143, -signal.SIGTERM), "SIGTERM ends xrtop", code)

# --- y: the selected trace id to the clipboard with OSC 52 ---
pid, fd = spawn(["--demo"])
drain(fd, quiet=0.5, until=b"3.676")
os.write(fd, b"y")
out = drain(fd, until=b"\x07")
os.write(fd, b"Q")
finish(pid, fd)
want = b"\x1b]52;c;" + base64.b64encode(b"1-6b000f56-4a8243db70feca56faaee8c1") + b"\x07"
t.ok(want in out, "y sends the selected trace id as OSC 52 (base64)", repr(out[:200]))
t.ok(b"copied 1-6b000f56-4a8243db70feca56faaee8c1" in out, "and shows it on the status line")

# --- the bytes a key costs ---
pid, fd = spawn(["--demo"])
drain(fd, quiet=0.5, until=b"3.676")
sizes = {}
for name, keys in (("row", (DOWN, UP)), ("page", (PGDN, PGUP))):
    total = 0
    for i in range(6):
        os.write(fd, keys[i % 2])
        total += len(drain(fd))
    sizes[name] = total / 6
os.write(fd, b"Q")
finish(pid, fd)
t.ok(0 < sizes["row"] < 338, "a one-row move sends fewer bytes than htop (%.0f < 338)"
     % sizes["row"])
t.ok(0 < sizes["page"] < 3000, "a page move sends fewer than 3000 bytes (%.0f)" % sizes["page"])
t.done()
