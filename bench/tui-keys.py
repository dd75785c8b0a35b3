#!/usr/bin/env python3
"""Key press to finished screen on the traces screen, in-process and
through the pseudo-terminal, from one run; and the memory the screens hold
against batch mode's.

    python3 bench/tui-keys.py [--repeat N] [--cols C --rows R] XRTOP FILE

Runs `XRTOP --load FILE` in a pseudo-terminal (TERM=xterm-256color,
100x30 unless told) with XRTOP_KEY_TIMES set, so that xrtop writes one line
per batch of keys it handles: the milliseconds from taking the first key to
the end of the key handler, to the end of the frame (canvas drawn, copied
to curses, doupdate written into the terminal), the processor time spent
meanwhile, the rows listed and the keys.  Once the list is complete the script reads VmRSS/VmHWM from /proc,
then sends each key REPEAT times, each alone, waiting for its frame:

    j      one-row move             PgDn   page move
    >  <   sort by the next / previous column (cycling through all eight)
    I      invert the order
    f ... Enter  re-filter to `responsetime > 2`, then back to no filter
    / ... Enter  search the list (first match)

and prints min/median/p90/max of the in-process time (key to frame out),
of the time through the pty (the key written to the master until the
frame's last byte is read from it) and of the processor time xrtop spent
on the key (all threads; on a busy machine the wall times include waiting
for a processor).  Before the screens, `XRTOP -b --load
FILE >/dev/null` gives batch mode's maximum RSS (wait4's ru_maxrss).
Results go to BENCHMARKS.md."""

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

PGDN = b"\x1b[6~"
# the sort columns in xrtop's order (src/tui/tui.c "sortable"); the screens
# open sorted by responsetime
SORT_COLS = ["start", "id", "method", "url", "status", "responsetime", "duration", "service"]
FILTER = "responsetime > 2"
SEARCH = "POST"


class Xrtop:
    def __init__(self, argv, cols, rows, log):
        self.log = log
        open(log, "w").close()
        self.logpos = 0
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            env = dict(os.environ, TERM="xterm-256color", LC_ALL="C.UTF-8", TZ="UTC",
                       XRTOP_KEY_TIMES=log)
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.kill(self.pid, signal.SIGWINCH)
        self.out = 0

    def read_some(self, timeout):
        """Reads what the terminal has within timeout; the time of the last
        chunk, or None."""
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return None
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            return None
        self.out += len(chunk)
        return time.perf_counter() if chunk else None

    def lines(self):
        """New complete lines of the key log."""
        with open(self.log) as f:
            f.seek(self.logpos)
            data = f.read()
        end = data.rfind("\n") + 1
        self.logpos += len(data[:end].encode())
        out = []
        for ln in data[:end].splitlines():
            handle, frame, cpu, rows, keys = ln.split(" ", 4)
            out.append((float(handle), float(frame), int(rows), keys.split(" "), float(cpu)))
        return out

    def send(self, data, n_keys, limit=60.0):
        """Writes data (n_keys keys) and waits until xrtop logged frames for
        all of them; returns (last log line, ms until the last byte read)."""
        t0 = time.perf_counter()
        os.write(self.fd, data)
        seen, last, end = 0, None, t0
        deadline = t0 + limit
        while seen < n_keys:
            if time.perf_counter() > deadline:
                raise SystemExit("xrtop did not answer %r" % data)
            t = self.read_some(0.001)
            if t:
                end = t
            for ln in self.lines():
                seen += len(ln[3])
                last = ln
        # the frame is written before its log line: take what is left
        while True:
            t = self.read_some(0.005)
            if not t:
                break
            end = t
        return last, (end - t0) * 1e3

    def status(self):
        st = {}
        with open("/proc/%d/status" % self.pid) as f:
            for ln in f:
                k, v = ln.split(":", 1)
                st[k] = v.strip()
        return st

    def close(self):
        os.kill(self.pid, signal.SIGTERM)
        while self.read_some(0.2):
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def kib(v):
    return int(v.split()[0])


def batch_rss(xrtop, path):
    t0 = time.perf_counter()
    with open(os.devnull, "w") as null:
        p = subprocess.Popen([xrtop, "-b", "--load", path], stdout=null, stderr=null,
                             env=dict(os.environ, LC_ALL="C.UTF-8", TZ="UTC"))
        _, status, ru = os.wait4(p.pid, 0)
    if status:
        raise SystemExit("batch mode failed: status %d" % status)
    return ru.ru_maxrss, time.perf_counter() - t0


def stats(v):
    v = sorted(v)
    p90 = v[min(len(v) - 1, int(0.9 * len(v) + 0.5) - 1)]
    return "%7.1f %7.1f %7.1f %7.1f" % (v[0], statistics.median(v), p90, v[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--rows", type=int, default=30)
    ap.add_argument("--no-batch", action="store_true", help="skip the batch mode RSS")
    ap.add_argument("xrtop")
    ap.add_argument("file")
    a = ap.parse_args()
    xrtop = os.path.abspath(a.xrtop)

    if not a.no_batch:
        rss, secs = batch_rss(xrtop, a.file)
        print("batch mode: max RSS %d MiB (%.1f s)" % (rss // 1024, secs))

    log = tempfile.NamedTemporaryFile(prefix="xrtop-keys", delete=False).name
    x = Xrtop([xrtop, "--load", a.file], a.cols, a.rows, log)
    try:
        # the list is complete when a key's frame shows the same number of
        # rows twice, a second apart, after the output went quiet
        t0 = time.perf_counter()
        rows = -1
        while True:
            while x.read_some(0.5):
                pass
            ln, _ = x.send(b"g", 1, limit=600)
            if ln[2] == rows and ln[2] > 0:
                break
            rows = ln[2]
            time.sleep(1.0)
        st = x.status()
        print("screens: %d traces listed after %.1f s; VmRSS %d MiB, VmHWM %d MiB"
              % (rows, time.perf_counter() - t0, kib(st["VmRSS"]) // 1024,
                 kib(st["VmHWM"]) // 1024))

        results = {}  # name -> ([in-process ms], [pty ms], [cpu ms])

        def press(name, data, n_keys=1):
            ln, ms = x.send(data, n_keys)
            r = results.setdefault(name, ([], [], []))
            r[0].append(ln[1])
            r[1].append(ms)
            r[2].append(ln[4])
            return ln

        for i in range(a.repeat):
            press("j (one-row move)", b"j")
        for i in range(a.repeat):
            press("PgDn (page move)", PGDN)
        x.send(b"g", 1)
        col = SORT_COLS.index("responsetime")
        for key, step in ((b">", 1), (b"<", -1)):
            for i in range(a.repeat):
                col = (col + step) % len(SORT_COLS)
                press("%s (re-sort)" % key.decode(), key)
                # the same press again under the column's name
                r = results["%s (re-sort)" % key.decode()]
                c = results.setdefault("  by " + SORT_COLS[col], ([], [], []))
                for k in range(3):
                    c[k].append(r[k][-1])
        for i in range(a.repeat):
            press("I (invert)", b"I")
        # f, clear the line, type the filter (not timed), then Enter
        for i in range(a.repeat):
            for t, name in ((FILTER, "f %s Enter" % FILTER), ("", "f (empty) Enter")):
                x.send(b"f", 1)
                x.send(b"\x15" + t.encode(), 1 + len(t))
                ln = press(name, b"\r")
                if t:
                    filtered = ln[2]
        for i in range(a.repeat):
            x.send(b"/", 1)
            x.send(SEARCH.encode(), len(SEARCH))
            press("/%s Enter (search)" % SEARCH, b"\r")
        st = x.status()
        print("after the keys: VmRSS %d MiB, VmHWM %d MiB"
              % (kib(st["VmRSS"]) // 1024, kib(st["VmHWM"]) // 1024))
    finally:
        x.close()
        os.unlink(log)

    print("%d presses of each key, %dx%d; milliseconds min / median / p90 / max"
          % (a.repeat, a.cols, a.rows))
    print("%-26s %-31s %-31s %s" % ("key", "in-process (key to frame out)", "through the pty",
                                    "processor time in-process"))
    for name, (ip, th, cpu) in results.items():
        print("%-26s %s   %s   %s" % (name, stats(ip), stats(th), stats(cpu)))
    print("(the filter lists %d traces; load average %s)"
          % (filtered, " ".join(open("/proc/loadavg").read().split()[:3])))


if __name__ == "__main__":
    main()
