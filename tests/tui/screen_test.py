#!/usr/bin/env python3
"""Screen tests: xrtop in a detached tmux of fixed size (TZ=UTC, C.UTF-8),
driven with send-keys; capture-pane is polled until the expected text
appears and compared with golden screens in tests/tui/golden/.

UPDATE_GOLDEN=1 rewrites the golden files from what the screens show."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

XRTOP = os.environ.get("XRTOP", "src/xrtop")
TOP = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(TOP, "tests", "tui", "golden")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
SOCKET = "xrtop-screen-%d" % os.getpid()
TIMEOUT = 10.0

n = 0
failed = 0


def ok(cond, name, detail=None):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    if not cond:
        failed += 1
        if detail:
            for line in str(detail).splitlines():
                print("#   " + line)
    sys.stdout.flush()
    return cond


def tmux(*args, check=True):
    r = subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        raise RuntimeError("tmux %s: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout.decode()


def quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def start(name, cols, rows, args, env="", after="echo EXITED $?; sleep 60", cwd="."):
    """Runs xrtop ARGS in a new session; its exit status is printed after."""
    cmd = "cd %s && env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color %s %s %s; %s" % (
        quote(cwd), env, quote(os.path.abspath(XRTOP)), " ".join(quote(a) for a in args), after)
    tmux("new-session", "-d", "-s", name, "-x", str(cols), "-y", str(rows), "sh", "-c", cmd)
    tmux("set-option", "-t", name, "status", "off")
    tmux("resize-window", "-t", name, "-x", str(cols), "-y", str(rows))


def capture(name, escapes=False):
    args = ["capture-pane", "-p", "-t", name]
    if escapes:
        args.insert(1, "-e")
    return tmux(*args)


def wait_for(name, pred, what, timeout=TIMEOUT):
    """Polls the screen until pred(text) holds; returns the screen."""
    end = time.time() + timeout
    screen = ""
    while time.time() < end:
        screen = capture(name)
        if pred(screen):
            return screen
        time.sleep(0.05)
    ok(False, "waiting for %s" % what, screen)
    return screen


def wait_text(name, text, timeout=TIMEOUT):
    return wait_for(name, lambda s: text in s, repr(text), timeout)


def settle(name):
    """Waits until two captures 100 ms apart agree."""
    last = capture(name)
    for _ in range(100):
        time.sleep(0.1)
        now = capture(name)
        if now == last:
            return now
        last = now
    return last


def keys(name, *k):
    tmux("send-keys", "-t", name, *k)


def literal(name, text):
    tmux("send-keys", "-t", name, "-l", text)


def normal(screen):
    return "\n".join(line.rstrip() for line in screen.rstrip("\n").split("\n")) + "\n"


def golden(screen, file, what):
    path = os.path.join(GOLDEN, file)
    got = normal(screen)
    if UPDATE:
        with open(path, "w", encoding="utf-8") as f:
            f.write(got)
    try:
        with open(path, encoding="utf-8") as f:
            want = f.read()
    except OSError as e:
        return ok(False, what + " (golden %s)" % file, e)
    if got != want:
        import difflib
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            "golden/" + file, "screen"))
        return ok(False, what + " matches golden/" + file, diff)
    return ok(True, what + " matches golden/" + file)


def kill(name):
    tmux("kill-session", "-t", name, check=False)


def width(s):
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def selected_line(name):
    """The text of the screen line drawn in reverse video below the header."""
    for i, line in enumerate(capture(name, escapes=True).split("\n")):
        if i >= 3 and "\x1b[7m" in line:
            return re.sub(r"\x1b\[[0-9;]*m", "", line)
    return None


try:
    if not shutil.which("tmux"):
        ok(False, "tmux is installed")
        raise SystemExit

    # a session that lives throughout, so the server never stops between tests
    tmux("new-session", "-d", "-s", "keep", "sleep", "600")

    # --- the traces screen at 80x24 and 120x40 ---
    start("a", 80, 24, ["--demo"])
    s = wait_text("a", "matched 300/300")
    s = settle("a")
    golden(s, "traces-80x24.txt", "demo traces screen at 80x24")
    lines = s.split("\n")
    ok("RESP(s)" in lines[2] and "restaurantName" in lines[2],
       "80x24: response time and restaurantName columns")
    ok("3.676" in lines[3] and "강남 맛집" in lines[3],
       "the slowest request (강남 맛집, 3.676 s) is on top")
    ok(all(width(l) <= 80 for l in lines), "no line wider than 80 columns")

    start("b", 120, 40, ["--demo"])
    wait_text("b", "matched 300/300")
    golden(settle("b"), "traces-120x40.txt", "demo traces screen at 120x40")
    kill("b")

    # --- moving and sorting ---
    keys("a", "j", "j")
    sel = None
    for _ in range(100):
        sel = selected_line("a")
        if sel and sel.startswith("09:36:50"):
            break
        time.sleep(0.05)
    ok(sel and sel.startswith("09:36:50"), "j j selects the third row", sel)
    keys("a", "<")
    s = wait_for("a", lambda s: "STATUS▼" in s and "sorted by status" in s, "sorted by status")
    ok("STATUS▼" in s and "sorted by status" in s,
       "< sorts by the previous column (status), marked in the header")
    golden(settle("a"), "sort-status-80x24.txt", "sorted by status")
    keys("a", "I")
    s = wait_for("a", lambda s: "STATUS▲" in s and "(inverted)" in s, "the order inverted")
    ok("STATUS▲" in s and "(inverted)" in s, "I inverts the order")
    keys("a", ">", "g")
    wait_text("a", "RESP(s)▼")

    # --- the filter editor: a syntax error is marked at its column ---
    keys("a", "f")
    wait_text("a", "Filter:")
    literal("a", 'responsetime > 1 and annotation.restaurantName = 강남')
    s = wait_text("a", "column 50")
    rows = s.rstrip("\n").split("\n")
    prompt = [l for l in rows if l.startswith("Filter: ")][0]
    caret = rows[rows.index(prompt) + 1]
    want = width("Filter: " + 'responsetime > 1 and annotation.restaurantName = ')
    ok(width(caret[:caret.index("^")]) == want,
       "the caret is under the bad token (column %d)" % want, caret)
    golden(settle("a"), "filter-error-80x24.txt", "filter with a syntax error")
    keys("a", "BSpace", "BSpace")
    literal("a", '"강남 맛집"')
    s = wait_text("a", "Enter apply")
    ok("column" not in s.split("\n")[-2], "a valid filter clears the error")
    keys("a", "Enter")
    s = wait_text("a", "matched 9/300")
    ok('filter: responsetime > 1 and annotation.restaurantName = "강남 맛집"' in s,
       "Enter applies the filter (9 of 300), shown in the title")
    # history: Up brings the last filter back
    keys("a", "f", "C-u")
    wait_for("a", lambda s: re.search(r"^Filter: *$", s, re.M), "an empty filter editor")
    keys("a", "Up")
    wait_text("a", 'Filter: responsetime > 1 and annotation.restaurantName = "강남 맛집"')
    keys("a", "C-u", "Enter")
    wait_text("a", "matched 300/300")
    ok(True, "Up recalls the filter history; an empty filter shows every trace")

    # --- search ---
    keys("a", "/")
    wait_text("a", "Enter search")
    literal("a", "명동")
    keys("a", "Enter")
    wait_text("a", "/명동  (n next")
    sel = selected_line("a")
    ok(sel and "명동" in sel, "/ selects the next row matching (Korean)", sel)
    first = sel
    keys("a", "n")
    for _ in range(200):
        sel = selected_line("a")
        if sel and "명동" in sel and sel != first:
            break
        time.sleep(0.05)
    ok(sel and "명동" in sel and sel != first, "n moves to the next match", sel)
    keys("a", "/")
    wait_text("a", "Enter search")
    literal("a", "LE PETIT")
    keys("a", "Enter")
    wait_text("a", "/LE PETIT: no match")
    ok(True, "an upper-case pattern is case-sensitive (smart case)")
    keys("a", "/")
    wait_text("a", "Enter search")
    literal("a", "le petit")
    keys("a", "Enter")
    wait_text("a", "/le petit  (n next")
    ok("Le Petit" in (selected_line("a") or ""), "a lower-case pattern ignores case")

    # --- command line with completion ---
    keys("a", ":")
    wait_text("a", "Tab completes")
    literal("a", "so")
    keys("a", "Tab")
    wait_for("a", lambda s: re.search(r"^:sort$", s, re.M), "Tab completes 'sort'")
    literal("a", "st")
    keys("a", "Tab")
    wait_text("a", "start  status")
    literal("a", "tu")
    keys("a", "Tab", "Enter")
    wait_text("a", "STATUS▼")
    ok(True, ":sort with Tab completion sorts by status")

    # --- :save writes the listed summaries, which --load reads back ---
    saved = os.path.join(tempfile.mkdtemp(), "saved.json")
    keys("a", ":")
    wait_text("a", "Tab completes")
    literal("a", "save " + saved)
    keys("a", "Enter")
    wait_text("a", "saved 300 trace summaries")
    r = subprocess.run([XRTOP, "-b", "-o", "ndjson", "--load", saved], stdout=subprocess.PIPE)
    ok(r.returncode == 0 and len(r.stdout.splitlines()) == 300, ":save FILE writes what --load reads")
    shutil.rmtree(os.path.dirname(saved))

    # --- help, generated from the key table ---
    keys("a", "?")
    s = wait_text("a", "generated from the key table")
    golden(settle("a"), "help-80x24.txt", "help screen")
    keys("a", "G")
    s = wait_text("a", "quit from any screen")
    ok("Q " in s, "G scrolls the help to its last key")
    keys("a", "q")
    wait_text("a", "matched 300/300")

    # --- the log screen ---
    keys("a", "L")
    s = wait_for("a", lambda s: "log: 1 message" in s and "segments are missing" in s,
                 "the log screen")
    ok("trace exceeded the X-Ray trace size limit" in re.sub(r"\s+", " ", s),
       "L shows the sources' problems (not raw stderr)")
    keys("a", "Escape")
    wait_text("a", "matched 300/300")

    # --- resize ---
    tmux("resize-window", "-t", "a", "-x", "100", "-y", "30")
    wait_for("a", lambda s: len(s.rstrip("\n").split("\n")) == 30 and "2026-11-20 09:00:04" in s,
             "the screen redrawn at 100x30")
    golden(settle("a"), "resized-100x30.txt", "after a resize to 100x30")
    tmux("resize-window", "-t", "a", "-x", "30", "-y", "8")
    wait_text("a", "terminal too small")
    ok(True, "below 40x10: 'terminal too small'")
    tmux("resize-window", "-t", "a", "-x", "80", "-y", "24")
    wait_text("a", "L log")

    # --- --trace on a terminal opens that trace's timeline ---
    start("v", 80, 24, ["--demo", "--trace", "1-6b0011f8-b2b40eb6263ee52e4a8558db"])
    s = wait_text("v", "Where the time went")
    ok("1-6b0011f8-b2b40eb6263ee52e4a8558db" in s and s.startswith(" xrtop timeline"),
       "--trace opens the timeline of that trace")
    keys("v", "q")
    wait_text("v", "matched 300/300")
    keys("v", "Q")
    wait_text("v", "EXITED 0")
    kill("v")

    # --- the mouse: a click selects (X10 report: button, column, line + 32) ---
    keys("a", "g")
    wait_for("a", lambda s: re.search(r" 1/300\s*$", s, re.M), "the first row")
    literal("a", "\x1b[M %'")  # button 1 at column 5, line 7 (6 from 0): the fourth row
    wait_for("a", lambda s: re.search(r" 4/300\s*$", s, re.M), "a click on the fourth row")
    ok(True, "a click selects the row under it")
    literal("a", "\x1b[Ma%'")  # wheel down
    wait_for("a", lambda s: re.search(r" 7/300\s*$", s, re.M), "the wheel to scroll")
    ok(True, "the wheel moves by three rows")

    # --- Q restores the terminal ---
    keys("a", "Q")
    s = wait_text("a", "EXITED 0")
    modes = tmux("display-message", "-p", "-t", "a",
                 "#{alternate_on} #{cursor_flag} #{keypad_flag} #{keypad_cursor_flag} "
                 "#{mouse_any_flag} #{mouse_standard_flag} #{insert_flag}").split()
    ok(modes == ["0", "1", "0", "0", "0", "0", "0"],
       "Q exits 0 and leaves no mode behind (alternate screen, cursor, keypad, mouse)",
       " ".join(modes))
    kill("a")

    # --- the timeline and details of the slowest request ---
    start("d", 80, 24, ["--demo"])
    wait_text("d", "matched 300/300")
    keys("d", "Enter")
    s = wait_for("d", lambda s: "Where the time went" in s and "DynamoDB::Table Query" in s,
                 "the timeline and where the time went")
    ok("Reservations" in s and "DynamoDB::Table Query" in s,
       "Enter opens the timeline: the DynamoDB queries took the time")
    golden(settle("d"), "timeline-80x24.txt", "timeline of the slowest 강남 맛집 request")
    for _ in range(8):
        keys("d", "c")
    wait_text("d", "on the critical path")
    keys("d", "Enter")
    s = wait_for("d", lambda s: "[Overview]" in s and "Critical path" in s, "the Overview tab")
    ok("Reservations" in s and "Critical path      yes" in s,
       "Enter on a row opens its details (a DynamoDB call on the critical path)", s)
    golden(settle("d"), "details-80x24.txt", "details: Overview tab")
    keys("d", "]")
    s = wait_for("d", lambda s: "[Resources]" in s and "Table " in s, "the Resources tab")
    ok("Table            Reservations" in s, "] shows the next tab (Resources)", s)
    keys("d", "Escape")
    wait_text("d", "Where the time went")
    keys("d", "g", "-", "-")
    s = wait_text("d", "collapsed below depth")
    ok("▸" in s, "- collapses a level")
    keys("d", "q")
    s = wait_text("d", "matched 300/300")
    ok(True, "q goes back to the traces screen")
    keys("d", "Q")
    wait_text("d", "EXITED 0")
    kill("d")

    # --- Ctrl-Z gives the terminal back; fg brings the screen back ---
    tmux("new-session", "-d", "-s", "z", "-x", "80", "-y", "24", "env", "TZ=UTC",
         "LC_ALL=C.UTF-8", "TERM=tmux-256color", "PS1=PROMPT$ ", "bash", "--norc", "-i")
    wait_text("z", "PROMPT$")
    literal("z", "%s --demo" % quote(os.path.abspath(XRTOP)))
    keys("z", "Enter")
    wait_text("z", "matched 300/300")
    keys("z", "C-z")
    s = wait_text("z", "Stopped")
    modes = tmux("display-message", "-p", "-t", "z", "#{alternate_on} #{cursor_flag}").split()
    ok(modes == ["0", "1"], "Ctrl-Z restores the terminal for the shell", " ".join(modes))
    literal("z", "fg")
    keys("z", "Enter")
    wait_text("z", "matched 300/300")
    keys("z", "j")
    wait_for("z", lambda s: re.search(r" 2/300\s*$", s, re.M), "keys after fg")
    ok(True, "fg brings the screen back, keys work")
    keys("z", "Q")
    wait_text("z", "PROMPT$")
    kill("z")

    # --- the service map ---
    start("m", 80, 24, ["--demo"])
    wait_text("m", "matched 300/300")
    keys("m", "2")
    s = wait_for("m", lambda s: "service map  7 services, 300 traces" in s and
                 "Reservations" in s and "Client" in s, "the map")
    ok("Reservations" in s and "Client" in s, "2 shows the service map")
    golden(settle("m"), "map-80x24.txt", "service map of the demo")
    keys("m", "l", "l")
    s = wait_text("m", "GetReservations: Enter shows its traces")
    ok(True, "l moves to the service on the right")
    keys("m", "h", "h")
    s = wait_text("m", "QuickTableXRayAPI/prod: Enter shows its traces")
    literal("m", "\x1b[M D.")  # a click on column 36, line 14 (35 and 13 from 0)
    s = wait_text("m", "GetReservations: Enter shows its traces")
    ok(True, "a click selects the service under it")
    keys("m", "Enter")
    s = wait_text("m", "matched 170/300")
    ok('filter: service("GetReservations")' in s,
       "Enter on a service shows its traces (service(...) as the filter)")
    keys("m", "2", "Escape")
    wait_text("m", "matched 170/300")
    ok(True, "Esc goes back from the map")
    keys("m", "Q")
    wait_text("m", "EXITED 0")
    kill("m")

    # --- analytics grouped by restaurantName ---
    start("n", 80, 24, ["--demo"])
    wait_text("n", "matched 300/300")
    keys("n", "3")
    wait_text("n", "grouped by http.status")
    keys("n", ":")
    wait_text("n", "Tab completes")
    literal("n", "group-by annotation.restaurantName")
    keys("n", "Enter")
    s = wait_for("n", lambda s: "grouped by annotation.restaurantName" in s and
                 " 강남 맛집" in s and "all traces" in s, "the groups by restaurantName")
    rows = s.split("\n")
    hdr = [l for l in rows if l.startswith(" restaurantName")][0]
    col = width(hdr[:hdr.index("TRACES") + 6])
    kor = [l for l in rows if l.startswith(" 강남 맛집")][0]
    ok(width(kor[:kor.index(" 74 ") + 3]) == col, "Korean group names aligned with the header")
    golden(settle("n"), "analytics-80x24.txt", "analytics grouped by restaurantName")
    keys("n", "j", "Enter")
    s = wait_text("n", "matched 24/300")
    ok('filter: annotation.restaurantName = "Seoul Kitchen"' in s,
       "Enter on a group narrows the filter to it", s)
    keys("n", "Q")
    wait_text("n", "EXITED 0")
    kill("n")
    start("g", 80, 24, ["--demo", "--group-by", "http.status"])
    s = wait_for("g", lambda s: "grouped by http.status" in s and " 502 " in s,
                 "analytics by status")
    ok("grouped by http.status" in s and " 502 " in s,
       "--group-by on a terminal opens analytics grouped by that key")
    keys("g", "Q")
    wait_text("g", "EXITED 0")
    kill("g")

    # --- hostile data: escape sequences shown escaped ---
    hostile = {
        "id": "a1b2c3d4e5f60718", "name": "evil", "trace_id": "1-5f000000-00000000000000000000abcd",
        "start_time": 1593835520, "end_time": 1593835521,
        "http": {"request": {"method": "GET", "url": "https://x/a"}, "response": {"status": 200}},
        "annotations": {"k": "v\x1b]0;owned\x07\x1b[2J", "restaurantName": "강남\x1b[31m"},
    }
    tmpdir = tempfile.mkdtemp()
    with open(os.path.join(tmpdir, "hostile.ndjson"), "w") as f:
        f.write(json.dumps(hostile) + "\n")
    start("h", 100, 24, ["--load", "hostile.ndjson", "--annotations", "k,restaurantName"],
          cwd=tmpdir)
    s = wait_for("h", lambda s: "matched 1/1" in s and "강남^[[31m" in s, "the hostile trace")
    ok("^[]0;owned^G^[[2J" in s and "강남^[[31m" in s,
       "an annotation's escape sequences appear in caret notation")
    title = tmux("display-message", "-p", "-t", "h", "#{pane_title}")
    ok("owned" not in title, "the pane title is untouched", title)
    golden(settle("h"), "hostile-100x24.txt", "hostile annotations")
    keys("h", "q")
    wait_text("h", "EXITED 0")
    kill("h")
    shutil.rmtree(tmpdir)

    # --- an unknown TERM falls back; stdin not a terminal does not hang ---
    start("t", 80, 24, ["--demo"], env="TERM=no-such-terminal-xyz")
    wait_text("t", "matched 300/300")
    keys("t", "j")
    wait_text("t", " 2/300")
    ok(True, "an unknown TERM falls back to a known type")
    keys("t", "q")
    wait_text("t", "EXITED 0")
    kill("t")
    cmd = "env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color %s --demo --limit 2 </dev/null; " \
          "echo EXITED $?; sleep 60" % quote(XRTOP)
    tmux("new-session", "-d", "-s", "i", "-x", "200", "-y", "24", "sh", "-c", cmd)
    s = wait_text("i", "EXITED")
    ok("standard input is not a terminal" in s and "EXITED 0" in s and "START (UTC)" in s,
       "stdin not a terminal: a clear message and the table, no hang", s)
    kill("i")

    # --- NO_COLOR and --ascii ---
    start("c", 80, 24, ["--demo", "--ascii"], env="NO_COLOR=1")
    wait_text("c", "matched 300/300")
    s = capture("c", escapes=True)
    ok(not re.search(r"\x1b\[(3[0-7]|38;)", s), "NO_COLOR: no colour sequences", repr(s[:200]))
    s = capture("c")
    ok("\\uAC15\\uB0A8" in s and "RESP(s)v" in s, "--ascii: escaped Korean, ASCII sort marker", s)
    keys("c", "q")
    kill("c")
finally:
    tmux("kill-server", check=False)

print("1..%d" % n)
sys.exit(1 if failed else 0)
