#!/usr/bin/env python3
"""Bytes a full-screen program writes to its terminal for one key press,
measured through a pseudo-terminal of 100x30 (TERM=xterm-256color).

    python3 bench/tui-bytes.py [XRTOP]

Runs `xrtop --demo`, `htop -d 100` and `tig` (in this repository) when they
are installed, lets each draw its first screen, then sends one-row moves
(Down, Up, Down, ...) and page moves (PgDn, PgUp, ...), REPEAT of each,
waiting for the output to go quiet after each key, and prints the mean
bytes per key.  Results go to BENCHMARKS.md."""

import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import sys
import termios
import time

COLS, ROWS = 100, 30
REPEAT = 10
QUIET = 0.3  # seconds without output that end one key's answer

DOWN = b"\x1b[B"
UP = b"\x1b[A"
PGDN = b"\x1b[6~"
PGUP = b"\x1b[5~"


def drain(fd, quiet=QUIET, limit=5.0):
    """Reads until quiet seconds pass without output; returns the bytes."""
    out = b""
    end = time.time() + limit
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], quiet)
        if not r:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def measure(argv, cwd=None, env_extra=None):
    pid, fd = pty.fork()
    if pid == 0:
        if cwd:
            os.chdir(cwd)
        env = dict(os.environ, TERM="xterm-256color", LC_ALL="C.UTF-8", TZ="UTC")
        env.update(env_extra or {})
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    first = drain(fd, quiet=1.0)
    results = {"first screen": len(first)}
    # in application cursor-key mode (smkx) Down is ESC O B
    app = b"\x1b[?1h" in first
    down, up = (b"\x1bOB", b"\x1bOA") if app else (DOWN, UP)
    # Moves alternate down and up, so that a short list (htop's processes
    # in a container) never runs into its end.
    for name, keys in (("Down", (down, up)), ("PgDn", (PGDN, PGUP))):
        total = 0
        for i in range(REPEAT):
            os.write(fd, keys[i % 2])
            total += len(drain(fd))
        results[name] = total / REPEAT
    os.kill(pid, signal.SIGTERM)
    drain(fd, quiet=0.2, limit=1.0)
    os.waitpid(pid, 0)
    os.close(fd)
    return results


def main():
    xrtop = sys.argv[1] if len(sys.argv) > 1 else "src/xrtop"
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    runs = [("xrtop --demo", [os.path.abspath(xrtop), "--demo"], None)]
    if shutil.which("htop"):
        runs.append(("htop -d 100", ["htop", "-d", "100"], None))
    if shutil.which("tig"):
        runs.append(("tig", ["tig"], top))
    print("%-14s %12s %10s %10s" % ("program", "first screen", "row move", "page move"))
    for name, argv, cwd in runs:
        r = measure(argv, cwd)
        print("%-14s %12d %10.0f %10.0f" % (name, r["first screen"], r["Down"], r["PgDn"]))


if __name__ == "__main__":
    main()
