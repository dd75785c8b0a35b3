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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuitest import XRTOP, Tap, Tmux, normal, quote  # noqa: E402
from tuitest import golden as check_golden  # noqa: E402

t = Tap()
ok = t.ok
tm = None


def golden(screen, file, what):
    return check_golden(t, normal(screen), file, what)


def width(s):
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def selected_line(name):
    """The text of the screen line drawn in reverse video below the header."""
    for i, line in enumerate(tm.capture(name, escapes=True).split("\n")):
        if i >= 3 and "\x1b[7m" in line:
            return re.sub(r"\x1b\[[0-9;]*m", "", line)
    return None


try:
    if not shutil.which("tmux"):
        ok(False, "tmux is installed")
        raise SystemExit

    # with a session that lives throughout, so the server never stops between tests
    tm = Tmux(t, "screen")

    # --- the traces screen at 80x24 and 120x40 ---
    tm.start("a", 80, 24, ["--demo"])
    s = tm.wait_text("a", "matched 300/300")
    s = tm.settle("a")
    golden(s, "traces-80x24.txt", "demo traces screen at 80x24")
    lines = s.split("\n")
    ok("RESP(s)" in lines[2] and "restaurantName" in lines[2],
       "80x24: response time and restaurantName columns")
    ok("3.676" in lines[3] and "강남 맛집" in lines[3],
       "the slowest request (강남 맛집, 3.676 s) is on top")
    ok(all(width(l) <= 80 for l in lines), "no line wider than 80 columns")

    tm.start("b", 120, 40, ["--demo"])
    tm.wait_text("b", "matched 300/300")
    golden(tm.settle("b"), "traces-120x40.txt", "demo traces screen at 120x40")
    tm.kill("b")

    # --- moving and sorting ---
    tm.keys("a", "j", "j")
    sel = None
    for _ in range(100):
        sel = selected_line("a")
        if sel and sel.startswith("09:36:50"):
            break
        time.sleep(0.05)
    ok(sel and sel.startswith("09:36:50"), "j j selects the third row", sel)
    tm.keys("a", "<")
    s = tm.wait_for("a", lambda s: "STATUS▼" in s and "sorted by status" in s, "sorted by status")
    ok("STATUS▼" in s and "sorted by status" in s,
       "< sorts by the previous column (status), marked in the header")
    golden(tm.settle("a"), "sort-status-80x24.txt", "sorted by status")
    tm.keys("a", "I")
    s = tm.wait_for("a", lambda s: "STATUS▲" in s and "(inverted)" in s, "the order inverted")
    ok("STATUS▲" in s and "(inverted)" in s, "I inverts the order")
    tm.keys("a", ">", "g")
    tm.wait_text("a", "RESP(s)▼")

    # --- the filter editor: a syntax error is marked at its column ---
    tm.keys("a", "f")
    tm.wait_text("a", "Filter:")
    tm.literal("a", 'responsetime > 1 and annotation.restaurantName = 강남')
    s = tm.wait_text("a", "column 50")
    rows = s.rstrip("\n").split("\n")
    prompt = [l for l in rows if l.startswith("Filter: ")][0]
    caret = rows[rows.index(prompt) + 1]
    want = width("Filter: " + 'responsetime > 1 and annotation.restaurantName = ')
    ok(width(caret[:caret.index("^")]) == want,
       "the caret is under the bad token (column %d)" % want, caret)
    golden(tm.settle("a"), "filter-error-80x24.txt", "filter with a syntax error")
    tm.keys("a", "BSpace", "BSpace")
    tm.literal("a", '"강남 맛집"')
    s = tm.wait_text("a", "Enter apply")
    ok("column" not in s.split("\n")[-2], "a valid filter clears the error")
    tm.keys("a", "Enter")
    s = tm.wait_text("a", "matched 9/300")
    ok('filter: responsetime > 1 and annotation.restaurantName = "강남 맛집"' in s,
       "Enter applies the filter (9 of 300), shown in the title")
    # history: Up brings the last filter back
    tm.keys("a", "f", "C-u")
    tm.wait_for("a", lambda s: re.search(r"^Filter: *$", s, re.M), "an empty filter editor")
    tm.keys("a", "Up")
    tm.wait_text("a", 'Filter: responsetime > 1 and annotation.restaurantName = "강남 맛집"')
    tm.keys("a", "C-u", "Enter")
    tm.wait_text("a", "matched 300/300")
    ok(True, "Up recalls the filter history; an empty filter shows every trace")

    # --- search ---
    tm.keys("a", "/")
    tm.wait_text("a", "Enter search")
    tm.literal("a", "명동")
    tm.keys("a", "Enter")
    tm.wait_text("a", "/명동  (n next")
    sel = selected_line("a")
    ok(sel and "명동" in sel, "/ selects the next row matching (Korean)", sel)
    first = sel
    tm.keys("a", "n")
    for _ in range(200):
        sel = selected_line("a")
        if sel and "명동" in sel and sel != first:
            break
        time.sleep(0.05)
    ok(sel and "명동" in sel and sel != first, "n moves to the next match", sel)
    tm.keys("a", "/")
    tm.wait_text("a", "Enter search")
    tm.literal("a", "LE PETIT")
    tm.keys("a", "Enter")
    tm.wait_text("a", "/LE PETIT: no match")
    ok(True, "an upper-case pattern is case-sensitive (smart case)")
    tm.keys("a", "/")
    tm.wait_text("a", "Enter search")
    tm.literal("a", "le petit")
    tm.keys("a", "Enter")
    tm.wait_text("a", "/le petit  (n next")
    ok("Le Petit" in (selected_line("a") or ""), "a lower-case pattern ignores case")

    # --- command line with completion ---
    tm.keys("a", ":")
    tm.wait_text("a", "Tab completes")
    tm.literal("a", "so")
    tm.keys("a", "Tab")
    tm.wait_for("a", lambda s: re.search(r"^:sort$", s, re.M), "Tab completes 'sort'")
    tm.literal("a", "st")
    tm.keys("a", "Tab")
    tm.wait_text("a", "start  status")
    tm.literal("a", "tu")
    tm.keys("a", "Tab", "Enter")
    tm.wait_text("a", "STATUS▼")
    ok(True, ":sort with Tab completion sorts by status")

    # --- :save writes the listed summaries, which --load reads back ---
    saved = os.path.join(tempfile.mkdtemp(), "saved.json")
    tm.keys("a", ":")
    tm.wait_text("a", "Tab completes")
    tm.literal("a", "save " + saved)
    tm.keys("a", "Enter")
    tm.wait_text("a", "saved 300 trace summaries")
    r = subprocess.run([XRTOP, "-b", "-o", "ndjson", "--load", saved], stdout=subprocess.PIPE)
    ok(r.returncode == 0 and len(r.stdout.splitlines()) == 300, ":save FILE writes what --load reads")
    shutil.rmtree(os.path.dirname(saved))

    # --- help, generated from the key table ---
    tm.keys("a", "?")
    s = tm.wait_text("a", "generated from the key table")
    golden(tm.settle("a"), "help-80x24.txt", "help screen")
    tm.keys("a", "G")
    s = tm.wait_text("a", "quit from any screen")
    ok("Q " in s, "G scrolls the help to its last key")
    tm.keys("a", "q")
    tm.wait_text("a", "matched 300/300")

    # --- the log screen ---
    tm.keys("a", "L")
    s = tm.wait_for("a", lambda s: "log: 1 message" in s and "segments are missing" in s,
                 "the log screen")
    ok("trace exceeded the X-Ray trace size limit" in re.sub(r"\s+", " ", s),
       "L shows the sources' problems (not raw stderr)")
    tm.keys("a", "Escape")
    tm.wait_text("a", "matched 300/300")

    # --- resize ---
    tm.run("resize-window", "-t", "a", "-x", "100", "-y", "30")
    tm.wait_for("a", lambda s: len(s.rstrip("\n").split("\n")) == 30 and "2026-11-20 09:00:04" in s,
             "the screen redrawn at 100x30")
    golden(tm.settle("a"), "resized-100x30.txt", "after a resize to 100x30")
    tm.run("resize-window", "-t", "a", "-x", "30", "-y", "8")
    tm.wait_text("a", "terminal too small")
    ok(True, "below 40x10: 'terminal too small'")
    tm.run("resize-window", "-t", "a", "-x", "80", "-y", "24")
    tm.wait_text("a", "L log")

    # --- --trace on a terminal opens that trace's timeline ---
    tm.start("v", 80, 24, ["--demo", "--trace", "1-6b0011f8-b2b40eb6263ee52e4a8558db"])
    s = tm.wait_text("v", "Where the time went")
    ok("1-6b0011f8-b2b40eb6263ee52e4a8558db" in s and s.startswith(" xrtop timeline"),
       "--trace opens the timeline of that trace")
    tm.keys("v", "q")
    tm.wait_text("v", "matched 300/300")
    tm.keys("v", "Q")
    tm.wait_text("v", "EXITED 0")
    tm.kill("v")

    # --- the mouse: a click selects (X10 report: button, column, line + 32) ---
    tm.keys("a", "g")
    tm.wait_for("a", lambda s: re.search(r" 1/300\s*$", s, re.M), "the first row")
    tm.literal("a", "\x1b[M %'")  # button 1 at column 5, line 7 (6 from 0): the fourth row
    tm.wait_for("a", lambda s: re.search(r" 4/300\s*$", s, re.M), "a click on the fourth row")
    ok(True, "a click selects the row under it")
    tm.literal("a", "\x1b[Ma%'")  # wheel down
    tm.wait_for("a", lambda s: re.search(r" 7/300\s*$", s, re.M), "the wheel to scroll")
    ok(True, "the wheel moves by three rows")

    # --- Q restores the terminal ---
    tm.keys("a", "Q")
    s = tm.wait_text("a", "EXITED 0")
    modes = tm.run("display-message", "-p", "-t", "a",
                 "#{alternate_on} #{cursor_flag} #{keypad_flag} #{keypad_cursor_flag} "
                 "#{mouse_any_flag} #{mouse_standard_flag} #{insert_flag}").split()
    ok(modes == ["0", "1", "0", "0", "0", "0", "0"],
       "Q exits 0 and leaves no mode behind (alternate screen, cursor, keypad, mouse)",
       " ".join(modes))
    tm.kill("a")

    # --- the timeline and details of the slowest request ---
    tm.start("d", 80, 24, ["--demo"])
    tm.wait_text("d", "matched 300/300")
    tm.keys("d", "Enter")
    s = tm.wait_for("d", lambda s: "Where the time went" in s and "DynamoDB::Table Query" in s,
                 "the timeline and where the time went")
    ok("Reservations" in s and "DynamoDB::Table Query" in s,
       "Enter opens the timeline: the DynamoDB queries took the time")
    golden(tm.settle("d"), "timeline-80x24.txt", "timeline of the slowest 강남 맛집 request")
    for _ in range(8):
        tm.keys("d", "c")
    tm.wait_text("d", "on the critical path")
    tm.keys("d", "Enter")
    s = tm.wait_for("d", lambda s: "[Overview]" in s and "Critical path" in s, "the Overview tab")
    ok("Reservations" in s and "Critical path      yes" in s,
       "Enter on a row opens its details (a DynamoDB call on the critical path)", s)
    golden(tm.settle("d"), "details-80x24.txt", "details: Overview tab")
    tm.keys("d", "]")
    s = tm.wait_for("d", lambda s: "[Resources]" in s and "Table " in s, "the Resources tab")
    ok("Table            Reservations" in s, "] shows the next tab (Resources)", s)
    tm.keys("d", "Escape")
    tm.wait_text("d", "Where the time went")
    tm.keys("d", "g", "-", "-")
    s = tm.wait_text("d", "collapsed below depth")
    ok("▸" in s, "- collapses a level")
    tm.keys("d", "q")
    s = tm.wait_text("d", "matched 300/300")
    ok(True, "q goes back to the traces screen")
    tm.keys("d", "Q")
    tm.wait_text("d", "EXITED 0")
    tm.kill("d")

    # --- Ctrl-Z gives the terminal back; fg brings the screen back ---
    tm.run("new-session", "-d", "-s", "z", "-x", "80", "-y", "24", "env", "TZ=UTC",
         "LC_ALL=C.UTF-8", "TERM=tmux-256color", "PS1=PROMPT$ ", "bash", "--norc", "-i")
    tm.wait_text("z", "PROMPT$")
    tm.literal("z", "%s --demo" % quote(os.path.abspath(XRTOP)))
    tm.keys("z", "Enter")
    tm.wait_text("z", "matched 300/300")
    tm.keys("z", "C-z")
    s = tm.wait_text("z", "Stopped")
    modes = tm.run("display-message", "-p", "-t", "z", "#{alternate_on} #{cursor_flag}").split()
    ok(modes == ["0", "1"], "Ctrl-Z restores the terminal for the shell", " ".join(modes))
    tm.literal("z", "fg")
    tm.keys("z", "Enter")
    tm.wait_text("z", "matched 300/300")
    tm.keys("z", "j")
    tm.wait_for("z", lambda s: re.search(r" 2/300\s*$", s, re.M), "keys after fg")
    ok(True, "fg brings the screen back, keys work")
    tm.keys("z", "Q")
    tm.wait_text("z", "PROMPT$")
    tm.kill("z")

    # --- the service map ---
    tm.start("m", 80, 24, ["--demo"])
    tm.wait_text("m", "matched 300/300")
    tm.keys("m", "2")
    s = tm.wait_for("m", lambda s: "service map  7 services, 300 traces" in s and
                 "Reservations" in s and "Client" in s, "the map")
    ok("Reservations" in s and "Client" in s, "2 shows the service map")
    golden(tm.settle("m"), "map-80x24.txt", "service map of the demo")
    tm.keys("m", "l", "l")
    s = tm.wait_text("m", "GetReservations: Enter shows its traces")
    ok(True, "l moves to the service on the right")
    tm.keys("m", "h", "h")
    s = tm.wait_text("m", "QuickTableXRayAPI/prod: Enter shows its traces")
    tm.literal("m", "\x1b[M D.")  # a click on column 36, line 14 (35 and 13 from 0)
    s = tm.wait_text("m", "GetReservations: Enter shows its traces")
    ok(True, "a click selects the service under it")
    tm.keys("m", "Enter")
    s = tm.wait_text("m", "matched 170/300")
    ok('filter: service("GetReservations")' in s,
       "Enter on a service shows its traces (service(...) as the filter)")
    tm.keys("m", "2", "Escape")
    tm.wait_text("m", "matched 170/300")
    ok(True, "Esc goes back from the map")
    tm.keys("m", "Q")
    tm.wait_text("m", "EXITED 0")
    tm.kill("m")

    # --- analytics grouped by restaurantName ---
    tm.start("n", 80, 24, ["--demo"])
    tm.wait_text("n", "matched 300/300")
    tm.keys("n", "3")
    tm.wait_text("n", "grouped by http.status")
    tm.keys("n", ":")
    tm.wait_text("n", "Tab completes")
    tm.literal("n", "group-by annotation.restaurantName")
    tm.keys("n", "Enter")
    s = tm.wait_for("n", lambda s: "grouped by annotation.restaurantName" in s and
                 " 강남 맛집" in s and "all traces" in s, "the groups by restaurantName")
    rows = s.split("\n")
    hdr = [l for l in rows if l.startswith(" restaurantName")][0]
    col = width(hdr[:hdr.index("TRACES") + 6])
    kor = [l for l in rows if l.startswith(" 강남 맛집")][0]
    ok(width(kor[:kor.index(" 74 ") + 3]) == col, "Korean group names aligned with the header")
    golden(tm.settle("n"), "analytics-80x24.txt", "analytics grouped by restaurantName")
    tm.keys("n", "j", "Enter")
    s = tm.wait_text("n", "matched 24/300")
    ok('filter: annotation.restaurantName = "Seoul Kitchen"' in s,
       "Enter on a group narrows the filter to it", s)
    tm.keys("n", "Q")
    tm.wait_text("n", "EXITED 0")
    tm.kill("n")
    tm.start("g", 80, 24, ["--demo", "--group-by", "http.status"])
    s = tm.wait_for("g", lambda s: "grouped by http.status" in s and " 502 " in s,
                 "analytics by status")
    ok("grouped by http.status" in s and " 502 " in s,
       "--group-by on a terminal opens analytics grouped by that key")
    tm.keys("g", "Q")
    tm.wait_text("g", "EXITED 0")
    tm.kill("g")

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
    tm.start("h", 100, 24, ["--load", "hostile.ndjson", "--annotations", "k,restaurantName"],
          cwd=tmpdir)
    s = tm.wait_for("h", lambda s: "matched 1/1" in s and "강남^[[31m" in s, "the hostile trace")
    ok("^[]0;owned^G^[[2J" in s and "강남^[[31m" in s,
       "an annotation's escape sequences appear in caret notation")
    title = tm.run("display-message", "-p", "-t", "h", "#{pane_title}")
    ok("owned" not in title, "the pane title is untouched", title)
    golden(tm.settle("h"), "hostile-100x24.txt", "hostile annotations")
    tm.keys("h", "q")
    tm.wait_text("h", "EXITED 0")
    tm.kill("h")
    shutil.rmtree(tmpdir)

    # --- an unknown TERM falls back; stdin not a terminal does not hang ---
    tm.start("t", 80, 24, ["--demo"], env="TERM=no-such-terminal-xyz")
    tm.wait_text("t", "matched 300/300")
    tm.keys("t", "j")
    tm.wait_text("t", " 2/300")
    ok(True, "an unknown TERM falls back to a known type")
    tm.keys("t", "q")
    tm.wait_text("t", "EXITED 0")
    tm.kill("t")
    cmd = "env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color %s --demo --limit 2 </dev/null; " \
          "echo EXITED $?; sleep 60" % quote(XRTOP)
    tm.run("new-session", "-d", "-s", "i", "-x", "200", "-y", "24", "sh", "-c", cmd)
    s = tm.wait_text("i", "EXITED")
    ok("standard input is not a terminal" in s and "EXITED 0" in s and "START (UTC)" in s,
       "stdin not a terminal: a clear message and the table, no hang", s)
    tm.kill("i")

    # --- NO_COLOR and --ascii ---
    tm.start("c", 80, 24, ["--demo", "--ascii"], env="NO_COLOR=1")
    tm.wait_text("c", "matched 300/300")
    s = tm.capture("c", escapes=True)
    ok(not re.search(r"\x1b\[(3[0-7]|38;)", s), "NO_COLOR: no colour sequences", repr(s[:200]))
    s = tm.capture("c")
    ok("\\uAC15\\uB0A8" in s and "RESP(s)v" in s, "--ascii: escaped Korean, ASCII sort marker", s)
    tm.keys("c", "q")
    tm.kill("c")
finally:
    if tm:
        tm.stop()
t.done()
