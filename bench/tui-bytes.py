#!/usr/bin/env python3
"""Bytes a full-screen program writes to its terminal for one key press,
measured through a pseudo-terminal of 100x30 (TERM=xterm-256color).

    python3 bench/tui-bytes.py [XRTOP]

Runs `xrtop --demo --listen`, `htop -d 100` and `tig` (in this repository),
lets each draw its first screen, then sends one-row moves (Down, Up, Down,
...) and page moves (PgDn, PgUp, ...), REPEAT of each, waiting for the
output to go quiet after each key, and prints the mean bytes per key.

For xrtop also a row move at the bottom edge of the page, which scrolls
the list by one row (htop's list in a container is too short to scroll).

Then a live refresh: xrtop receives one new trace as an X-Ray daemon
datagram (the list is sorted by response time, so a slow trace lands on
the first row and pushes the others down, a fast one lands below the
page and changes only the header); htop, run again with `-d 10`, is
measured over its own refreshes (one a second).  tig has no live refresh.
A missing htop or tig is an error.  Results go to BENCHMARKS.md."""

import fcntl
import os
import pty
import select
import shutil
import json
import signal
import socket
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


def spawn(argv, cwd=None, env_extra=None):
    pid, fd = pty.fork()
    if pid == 0:
        if cwd:
            os.chdir(cwd)
        env = dict(os.environ, TERM="xterm-256color", LC_ALL="C.UTF-8", TZ="UTC")
        env.update(env_extra or {})
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    return pid, fd


def stop(pid, fd):
    os.kill(pid, signal.SIGTERM)
    drain(fd, quiet=0.2, limit=1.0)
    os.waitpid(pid, 0)
    os.close(fd)


HEADER = b'{"format": "json", "version": 1}\n'


def datagram(i, response_time):
    """A one-segment trace of the demo's API, new each time."""
    t0 = 1795683600.0 + i
    return HEADER + json.dumps({
        "trace_id": "1-%08x-%024x" % (int(t0), i + 1), "id": "%016x" % (i + 1),
        "name": "QuickTableXRayAPI/prod", "start_time": t0, "end_time": t0 + response_time,
        "annotations": {"restaurantName": "강남 맛집"},
        "http": {"request": {"method": "GET", "url": "https://api.example.com/prod/menus"},
                 "response": {"status": 200}}}).encode()


def measure(argv, cwd=None, env_extra=None, port=None):
    pid, fd = spawn(argv, cwd, env_extra)
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
    if port:
        # a row move at the bottom edge of the page scrolls the list by one
        for _ in range(ROWS):
            os.write(fd, down)
            drain(fd, quiet=0.1)
        total = 0
        for _ in range(REPEAT):
            os.write(fd, down)
            total += len(drain(fd))
        results["Down scrolling"] = total / REPEAT
        os.write(fd, b"g")  # back to the first row, where new slow traces land
        drain(fd)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for name, rt, base in (("live top", 30.0, 0), ("live below", 0.001, 100)):
            total = 0
            for i in range(REPEAT):
                u.sendto(datagram(base + i, rt + i * 0.01), ("127.0.0.1", port))
                total += len(drain(fd))
            results[name] = total / REPEAT
        u.close()
    stop(pid, fd)
    return results


def htop_refresh():
    """htop's bytes per refresh at one a second, over REPEAT seconds."""
    pid, fd = spawn(["htop", "-d", "10"])
    drain(fd, quiet=1.0)
    drain(fd, quiet=2.0, limit=2.0)
    out = drain(fd, quiet=REPEAT + 1, limit=REPEAT)
    stop(pid, fd)
    return len(out) / REPEAT


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    xrtop = sys.argv[1] if len(sys.argv) > 1 else "src/xrtop"
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for tool in ("htop", "tig"):
        if not shutil.which(tool):
            sys.exit("tui-bytes: %s is not installed (apt-get install %s)" % (tool, tool))
    port = free_udp_port()
    xr = measure([os.path.abspath(xrtop), "--demo", "--listen", "127.0.0.1:%d" % port],
                 port=port)
    ht = measure(["htop", "-d", "100"])
    ht["live top"] = ht["live below"] = htop_refresh()
    tg = measure(["tig"], cwd=top)
    print("%-14s %12s %9s %10s %12s %12s" % ("program", "first screen", "row move",
                                            "page move", "live: on top", "live: below"))
    for name, r in (("xrtop --demo", xr), ("htop -d 100", ht), ("tig", tg)):
        live = ["%12.0f" % r[k] if k in r else "%12s" % "-" for k in ("live top", "live below")]
        print("%-14s %12d %9.0f %10.0f %s %s" % (name, r["first screen"], r["Down"], r["PgDn"],
                                                *live))
    print("xrtop: a row move that scrolls the list by one row: %.0f" % xr["Down scrolling"])


if __name__ == "__main__":
    main()
