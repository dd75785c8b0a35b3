#!/usr/bin/env python3
"""The walk-through of "done means" (issue 10), as a new user would try it
in an 80x24 terminal, with only the keys the help and the footers show:
open `xrtop --demo`, find the slowest 강남 맛집 request (f to filter, after
the two mistakes a new user makes first, which the hints correct; the list
starts sorted by response time), open its timeline (Enter), see the
DynamoDB call that made it slow (the summary under the timeline, then c
along the critical path and Enter for the call's details), jump to the
map (2) and back (1), quit (Q).  Every step checks what the screen says,
and that nothing is cut off at 80 columns."""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuitest import XRTOP, Tap, Tmux, width  # noqa: E402

FILTER = 'annotation.restaurantName = "강남 맛집"'

t = Tap()
tm = Tmux(t, "walk")


def lines(s):
    return s.rstrip("\n").split("\n")


def footer(s):
    return lines(s)[-1]


def selected(name):
    """The text of the line in reverse video below the headers."""
    for i, line in enumerate(tm.capture(name, escapes=True).split("\n")):
        if i >= 3 and re.search(r"\x1b\[[0-9;]*7[;m]", line):
            return re.sub(r"\x1b\[[0-9;]*m", "", line).rstrip()
    return None


# What the slowest 강남 맛집 request is, from batch mode.
r = subprocess.run([XRTOP, "--demo", "-b", "-o", "ndjson", "--filter", FILTER],
                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
rows = [json.loads(line) for line in r.stdout.splitlines()]
slowest = max(rows, key=lambda s: s.get("ResponseTime", 0))
slow_id, slow_rt = slowest["Id"], "%.3f" % slowest["ResponseTime"]
t.ok(len(rows) == 74 and slow_rt == "3.676", "batch mode: 74 강남 맛집 requests, the slowest "
     "took %s s" % slow_rt)

try:
    tm.start("w", 80, 24, ["--demo"])
    s = tm.wait_text("w", "matched 300/300")
    s = tm.settle("w")
    t.ok(all(width(line) <= 80 for line in lines(s)), "the traces screen fits 80 columns")
    t.ok("f filter" in footer(s) and "Enter open" in footer(s) and "2 map" in footer(s) and
         "? help" in footer(s), "the footer shows f filter, Enter open, 2 map and ? help",
         footer(s))
    t.ok("RESP(s)▼" in lines(s)[2], "the list starts sorted by response time, slowest first")

    # the help says which keys do what
    tm.keys("w", "?")
    s = tm.wait_text("w", "generated from the key table")
    s = tm.settle("w")
    text = s
    for _ in range(6):
        tm.keys("w", "PgDn")
        text += tm.settle("w")
    for key, what in (("f", "edit the filter"), ("Enter", "timeline"), ("c", "critical path"),
                      ("2", "the service map"), ("1", "the traces screen"), ("Q", "quit")):
        t.ok(re.search(r"^  %s\b.*%s" % (re.escape(key), re.escape(what)), text, re.M),
             "the help lists %s: %s" % (key, what))
    tm.keys("w", "q")
    tm.wait_text("w", "matched 300/300")

    # f: the filter, checked as it is typed
    tm.keys("w", "f")
    s = tm.wait_text("w", "Enter apply")
    s = tm.settle("w")
    # what a new user types first: the name alone, then without quotes
    tm.literal("w", "restaurantName")
    s = tm.wait_text("w", "hint: an annotation is written annotation.restaurantName")
    s = tm.settle("w")
    t.ok(True, "a bare name: the hint says how an annotation is written")
    tm.keys("w", "C-u")
    tm.literal("w", "annotation.restaurantName = 강남 맛집")
    s = tm.wait_text("w", 'hint: text takes double quotes, after a keyword: annotation.KEY = "..."')
    s = tm.settle("w")
    rows = lines(s)
    caret = rows[-1]
    t.ok(width(caret[:caret.index("^")]) == width("Filter: annotation.restaurantName = "),
         "text without quotes: the caret is under it, the hint says to quote it", caret)
    tm.keys("w", "C-u")
    tm.literal("w", FILTER)
    s = tm.wait_for("w", lambda s: 'Filter: ' + FILTER in s and "Enter apply" in s,
                    "the filter typed, valid")
    s = tm.settle("w")
    tm.keys("w", "Enter")
    s = tm.wait_text("w", "matched 74/300")
    s = tm.settle("w")
    t.ok("74 of 300 traces match" in s, "Enter applies the filter: the status line says how "
         "many match", lines(s)[-2])
    title = lines(s)[0]
    t.ok(FILTER in title and title.rstrip().endswith("…") and width(title) <= 80,
         "the title shows the filter; what does not fit ends in an ellipsis", title)
    first = lines(s)[3]
    t.ok(slow_rt in first and "강남 맛집" in first, "the slowest 강남 맛집 request is on top",
         first)
    t.ok((selected("w") or "").startswith(first.rstrip()[:40]) and
         re.search(r" 1/74\s*$", s, re.M), "and it is selected (1/74)")

    # Enter: its timeline
    tm.keys("w", "Enter")
    s = tm.wait_text("w", "Where the time went")
    s = tm.settle("w")
    t.ok(slow_id in lines(s)[1], "Enter opens the timeline of that trace", lines(s)[1])
    t.ok(all(width(line) <= 80 for line in lines(s)), "the timeline fits 80 columns")
    where = lines(s)[lines(s).index([x for x in lines(s) if "Where the time went" in x][0]) + 1]
    t.ok(re.search(r"^\s+9\d\.\d%.*Reservations\s+DynamoDB::Table Query", where) is not None,
         "under the timeline: most of the time went to the DynamoDB query", where)
    t.ok("c critical" in footer(s) and "Enter open" in footer(s),
         "the timeline's footer shows c critical and Enter open", footer(s))

    # c along the critical path to the DynamoDB call, Enter for its details
    sel = ""
    for _ in range(12):
        tm.keys("w", "c")
        s = tm.wait_text("w", "on the critical path")
        s = tm.settle("w")
        sel = selected("w") or ""
        if "DynamoDB" in sel:
            break
    t.ok("DynamoDB" in sel, "c follows the critical path down to a DynamoDB call", sel)
    status = lines(s)[-2]
    t.ok("critical path" in status, "the status line says where c went", status)
    tm.keys("w", "Enter")
    s = tm.wait_for("w", lambda s: "[Overview]" in s and "Critical path" in s, "its details")
    s = tm.settle("w")
    t.ok("Reservations" in s and "DynamoDB" in s and re.search(r"Critical path\s+yes", s),
         "Enter shows the call's details: DynamoDB table Reservations, on the critical path", s)
    t.ok(all(width(line) <= 80 for line in lines(s)), "the details fit 80 columns")

    # 2: the map, and 1: back to the list, as it was
    tm.keys("w", "2")
    s = tm.wait_for("w", lambda s: "service map" in lines(s)[0] and "Reservations" in s,
                    "the service map")
    s = tm.settle("w")
    t.ok("74 traces" in lines(s)[0] and "DynamoDB" in s,
         "2 shows the map of the filtered traces, with the DynamoDB table", lines(s)[0])
    tm.keys("w", "1")
    s = tm.wait_text("w", "matched 74/300")
    s = tm.settle("w")
    sel = selected("w") or ""
    t.ok(re.search(r" 1/74\s*$", s, re.M) and slow_rt in sel,
         "1 goes back to the list: same filter, same selection", s + "selected: " + sel)
    tm.keys("w", "t")
    s = tm.wait_text("w", "t: only the X-Ray API source has a time window")
    s = tm.settle("w")
    t.ok(True, "t on demo data says that only the X-Ray API source has a time window")
    tm.keys("w", "Q")
    s = tm.wait_text("w", "EXITED 0")
    s = tm.settle("w")
    t.ok("EXITED 0" in s, "Q quits with status 0")
finally:
    tm.stop()
t.done()
