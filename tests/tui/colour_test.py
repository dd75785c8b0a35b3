#!/usr/bin/env python3
"""Colour golden screens: where colour carries meaning, the attributes of
every cell (capture-pane -e, reduced to a style map, see tuitest.py) are
compared with golden files, besides checks that name what each colour
means: the flags of a trace with an error, fault or throttle, the selected
row, the timeline's fault, throttle and critical-path bars, the service
map's node health; and the same screens without colour (NO_COLOR), where
the selection is reverse video and the flags stay as letters."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuitest import Tap, Tmux, cells, golden, style_map  # noqa: E402

FILTER = 'annotation.restaurantName = "강남 맛집" and (error or fault or throttle)'
FAULTY = "1-6b000e94-3620542818746fde9a8b6671"  # 502, with throttled DynamoDB calls

t = Tap()
tm = Tmux(t, "colour")


def row_of(grid, text):
    """The line whose text contains text, or -1."""
    for y, row in enumerate(grid):
        if text in "".join(c[0] for c in row):
            return y
    return -1


def styles_of(grid, y, text):
    """The styles of the cells of the first occurrence of text on line y."""
    line = "".join(c[0] or "\0" for c in grid[y])
    x = line.find(text)
    return [c[1] for c in grid[y][x:x + len(text)]] if x >= 0 else []


try:
    # --- the traces screen: flags and the selection bar ---
    tm.start("a", 100, 16, ["--demo", "--filter", FILTER])
    tm.wait_text("a", "matched 22/300")
    tm.keys("a", "j")
    tm.wait_text("a", " 2/22")
    esc = tm.settle("a", escapes=True)
    golden(t, style_map(esc), "colour-traces-100x16.txt",
           "traces screen colours (flags, selection, header rates)")
    grid = cells(esc)
    y = row_of(grid, "1.889  .FT.")
    ok_flags = y >= 0 and all("fg=red" in s and "bold" in s for s in styles_of(grid, y, ".FT."))
    t.ok(ok_flags, "a fault's flags are bold red", grid[y] if y >= 0 else "no such row")
    y = row_of(grid, "E...")
    t.ok(y >= 0 and all("fg=yellow" in s for s in styles_of(grid, y, "E...")),
         "an error's flags are yellow")
    y = row_of(grid, "..T.")
    t.ok(y >= 0 and all("fg=magenta" in s for s in styles_of(grid, y, "..T.")),
         "a throttle's flags are magenta")
    sel = [y for y in range(3, len(grid) - 2) if grid[y] and all("reverse" in c[1]
                                                                  for c in grid[y])]
    t.ok(len(sel) == 1 and sel[0] == 4, "one row, the second, carries the selection bar "
         "across the whole width", sel)
    t.ok(sel and "2.079" in "".join(c[0] for c in grid[sel[0]]),
         "the bar is on the selected trace (the second slowest)")
    t.ok("fg=red" in styles_of(grid, 1, "/40.9/")[1], "the header's fault rate is red")
    tm.keys("a", "Q")
    tm.wait_text("a", "EXITED 0")
    tm.kill("a")

    # --- the same without colour: reverse video and letters ---
    tm.start("m", 100, 16, ["--demo", "--filter", FILTER], env="NO_COLOR=1")
    tm.wait_text("m", "matched 22/300")
    tm.keys("m", "j")
    tm.wait_text("m", " 2/22")
    esc = tm.settle("m", escapes=True)
    golden(t, style_map(esc), "colour-traces-nocolor-100x16.txt",
           "traces screen without colour (NO_COLOR)")
    grid = cells(esc)
    t.ok(not any("fg=" in c[1] or "bg=" in c[1] for row in grid for c in row),
         "NO_COLOR: no cell has a colour")
    sel = [y for y in range(3, len(grid) - 2) if grid[y] and all("reverse" in c[1]
                                                                  for c in grid[y])]
    t.ok(sel == [4], "NO_COLOR: the selection is a reverse-video bar", sel)
    y = row_of(grid, "1.889  .FT.")
    t.ok(y >= 0 and all("bold" in s for s in styles_of(grid, y, ".FT.")),
         "NO_COLOR: a problem's flags are bold letters")
    tm.keys("m", "Q")
    tm.wait_text("m", "EXITED 0")
    tm.kill("m")

    tm.start("n", 100, 16, ["--demo", "--no-color", "--filter", FILTER])
    tm.wait_text("n", "matched 22/300")
    tm.keys("n", "j")
    tm.wait_text("n", " 2/22")
    nc = tm.settle("n", escapes=True)
    t.ok(style_map(nc) == style_map(esc), "--no-color draws what NO_COLOR draws")
    tm.keys("n", "Q")
    tm.wait_text("n", "EXITED 0")
    tm.kill("n")

    # --- the timeline: fault and throttle rows, the critical path ---
    tm.start("t", 100, 24, ["--demo", "--trace", FAULTY])
    tm.wait_text("t", "Where the time went")
    tm.keys("t", "j", "j", "j", "j", "j", "j", "j")
    tm.wait_selected("t", "DynamoDB Query Reservati")
    esc = tm.settle("t", escapes=True)
    golden(t, style_map(esc), "colour-timeline-100x24.txt",
           "timeline colours (fault, throttle, critical path, selection)")
    grid = cells(esc)
    y = row_of(grid, "QuickTableXRayAPI/prod ApiGateway")
    t.ok(y >= 0 and "fg=red" in grid[y][1][1] and grid[y][1][0] == "F",
         "the faulty segment's flag F is red")
    t.ok(y >= 0 and "fg=red" in styles_of(grid, y, " 502")[-1], "its status 502 is red")
    t.ok(y >= 0 and "fg=cyan" in grid[y][0][1] and grid[y][0][0] == "•",
         "a segment on the critical path is marked with a cyan bullet")
    ys = [y for y in range(len(grid)) if "Reservations DynamoDB::T" in
          "".join(c[0] for c in grid[y])]
    t.ok(len(ys) == 2 and all("fg=magenta" in grid[y][1][1] and grid[y][1][0] == "T"
                              for y in ys), "the throttled DynamoDB calls' flag T is magenta")
    bars = [c[1] for c in grid[ys[0]] if c[0] in "█▉▊▋▌▍▎▏"] if ys else []
    t.ok(bars and all("fg=magenta" in s for s in bars), "a throttled call's bar is magenta",
         bars[:3])
    sel = [y for y in range(5, len(grid)) if grid[y] and
           sum("reverse" in c[1] for c in grid[y]) > len(grid[y]) // 2]
    t.ok(len(sel) == 1 and "DynamoDB Query" in "".join(c[0] for c in grid[sel[0]]),
         "the selected row (j moved to the first DynamoDB call) is in reverse video", sel)
    tm.keys("t", "Q")
    tm.wait_text("t", "EXITED 0")
    tm.kill("t")

    # --- the service map: node health ---
    tm.start("p", 100, 24, ["--demo"])
    tm.wait_text("p", "matched 300/300")
    tm.keys("p", "2")
    tm.wait_text("p", "Enter shows its traces")
    esc = tm.settle("p", escapes=True)
    golden(t, style_map(esc), "colour-map-100x24.txt", "service map colours (node health)")
    grid = cells(esc)
    y = row_of(grid, "│ Client │")
    t.ok(y >= 0 and "fg=" not in styles_of(grid, y, "│")[0],
         "the client node (no health of its own) is not coloured")
    y = row_of(grid, "E 11% F 6%")
    st = styles_of(grid, y, "E 11% F 6%") if y >= 0 else []
    t.ok(st and "fg=yellow" in st[0] and "fg=red" in st[6],
         "a node's error rate is yellow, its fault rate red")
    y = row_of(grid, "T 7% F 2%")
    st = styles_of(grid, y, "T 7% F 2%") if y >= 0 else []
    t.ok(st and "fg=magenta" in st[0] and "fg=red" in st[5],
         "the DynamoDB table's throttle rate is magenta")
    y = row_of(grid, "┌───────────── F ─┐")
    border = [c for c in grid[y] if c[0] not in ("", " ")] if y >= 0 else []
    t.ok(border and all("fg=red" in c[1] for c in border), "a node with faults has a red border",
         border)
    tm.keys("p", "Q")
    tm.wait_text("p", "EXITED 0")
    tm.kill("p")
finally:
    tm.stop()
t.done()
