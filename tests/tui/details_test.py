#!/usr/bin/env python3
"""The details screen's tabs at 80x24, each compared with a golden
screen: the faulty dynamodb_query subsegment of a 502 demo trace, whose
exception and throttled DynamoDB calls fill Overview, Resources,
Annotations, Metadata, Exceptions, SQL and Raw JSON; ] and [ (and Right
and Left) go from tab to tab and wrap around, Esc goes back to the
timeline with the same row selected."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuitest import Tap, Tmux, golden, normal, width  # noqa: E402

FAULTY = "1-6b000e94-3620542818746fde9a8b6671"
TABS = ["Overview", "Resources", "Annotations", "Metadata", "Exceptions", "SQL", "Raw JSON"]

t = Tap()
tm = Tmux(t, "details")
try:
    tm.start("d", 80, 24, ["--demo", "--trace", FAULTY])
    tm.wait_text("d", "Where the time went")
    tm.keys("d", "j", "j", "j", "j", "j", "j")
    tm.wait_for("d", lambda s: "dynamodb_query" in s, "the timeline")
    tm.keys("d", "Enter")
    for i, tab in enumerate(TABS):
        s = tm.wait_for("d", lambda s: "[%s]" % tab in s, "the %s tab" % tab)
        s = tm.settle("d")
        t.ok(s.startswith(" xrtop details: dynamodb_query"), "%s: the title names the segment"
             % tab, s.split("\n")[0])
        t.ok(all(width(line) <= 80 for line in s.split("\n")), "%s: fits 80 columns" % tab)
        golden(t, normal(s), "details-%s-80x24.txt" % tab.lower().replace(" ", "-"),
               "details, %s tab" % tab)
        tm.keys("d", "]" if i % 2 == 0 else "Right")
    s = tm.wait_text("d", "[Overview]")
    t.ok(True, "] after the last tab comes back to Overview")
    tm.keys("d", "[")
    tm.wait_text("d", "[Raw JSON]")
    tm.keys("d", "Left")
    tm.wait_text("d", "[SQL]")
    t.ok(True, "[ and Left go back a tab, from the first to the last")
    tm.keys("d", "Escape")
    s = tm.wait_text("d", "Where the time went")
    t.ok(re.search(r"dynamodb_query", tm.capture("d")) is not None,
         "Esc goes back to the timeline")
    tm.keys("d", "Q")
    tm.wait_text("d", "EXITED 0")
finally:
    tm.stop()
t.done()
