#!/usr/bin/env python3
"""TAP test of xrtop in Korean (LANG=ko_KR.UTF-8, the build tree's
catalogue): the batch table header, --help, an error message and the
analytics table against goldens, and every column aligned by display width
(Hangul is 2 columns) at 80 and 120 columns.  LANGUAGE=en, LC_ALL=C and
--ascii keep English; numbers and times keep the formats scripts read.

XRTOP_REGOLD=1 rewrites the goldens (read them before committing)."""
import os
import re
import subprocess
import sys
import unicodedata

TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
XRTOP = os.environ.get("XRTOP") or os.path.join(TOP, "_build", "src", "xrtop")
GOLDEN = os.path.join(TOP, "tests", "i18n", "golden")
REGOLD = os.environ.get("XRTOP_REGOLD") == "1"
results = []


def ok(cond, desc):
    results.append((bool(cond), desc))


def run(*args, lang="ko_KR.UTF-8", extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG")}
    env.update(LANG=lang, TZ="UTC")
    env.update(extra or {})
    r = subprocess.run([XRTOP, *args], capture_output=True, env=env, check=False)
    return r.returncode, r.stdout.decode("utf-8"), r.stderr.decode("utf-8")


def width(text):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def golden(name, text, desc):
    path = os.path.join(GOLDEN, name)
    if REGOLD:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    try:
        with open(path, encoding="utf-8") as f:
            want = f.read()
    except OSError as e:
        ok(False, "%s (%s)" % (desc, e))
        return
    same = want == text
    if not same:
        for i, (a, b) in enumerate(zip(want.splitlines(), text.splitlines())):
            if a != b:
                print("# line %d differs:\n#  want %r\n#  got  %r" % (i + 1, a, b))
                break
    ok(same, desc)


def starts(line):
    """Display columns where each run of non-space text starts after two spaces."""
    cols, col, prev = [], 0, "  "
    for c in line:
        if c != " " and prev.endswith("  "):
            cols.append(col)
        prev = (prev + c)[-2:]
        col += width(c)
    return cols


locales = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
ok(any(l.lower().replace("-", "") in ("ko_kr.utf8",) for l in locales),
   "the ko_KR.UTF-8 locale is installed (tests/run-suite.sh generates it)")

# --- the batch table: Korean header, English data formats, aligned ---
for w in (80, 120):
    rc, out, err = run("--demo", "-b", "--width", str(w), "--limit", "12")
    lines = out.splitlines()
    ok(rc == 0 and lines and lines[0].startswith("시작 (UTC)"),
       "table at %d: the header is Korean" % w)
    golden("table-%d.txt" % w, out, "table at %d: golden" % w)
    head = starts(lines[0]) if lines else []
    # left-aligned columns start where their header starts; right-aligned
    # ones (status, seconds) end where their header ends
    ends = [0]
    hdr = lines[0] if lines else ""
    for m in re.finditer(r"\S+(?: \S+)*", hdr):
        ends.append(width(hdr[:m.end()]))
    rows_ok = True
    for row in lines[1:]:
        if not re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  1-[0-9a-f]{8}-", row):
            rows_ok = False
        # the trace id starts where 추적 ID starts
        if width(row[:row.index("  1-") + 2]) != width(hdr[:hdr.index("추적 ID")]):
            rows_ok = False
        # seconds end where 응답(초) and 소요(초) end
        for label in ("응답(초)", "소요(초)"):
            if label not in hdr:  # left out to fit the width
                continue
            end = width(hdr[:hdr.index(label) + len(label)])
            nums = [m for m in re.finditer(r"\d+\.\d{3}|(?<= )-(?= )", row)]
            if not any(width(row[:m.end()]) == end for m in nums):
                rows_ok = False
    ok(rows_ok and len(lines) == 13,
       "table at %d: dates and seconds as scripts read them, aligned under Korean headers" % w)
    left = ("시작 (UTC)", "추적 ID", "메서드", "URL", "플래그", "서비스")
    # a narrow table leaves columns out (never the trace id) to fit
    cols = [width(hdr[:hdr.index(h)]) for h in left if h in hdr]
    ok(len(cols) >= 3 and all(len(l) and width(l) <= w for l in lines) and all(set(cols) <= set([0] + starts(r)) for r in lines[1:]),
       "table at %d: every left-aligned cell starts under its Korean header" % w)

# --- --help: Korean, golden, within 80 columns, descriptions in one column ---
rc, out, err = run("--help")
ok(rc == 0 and out.startswith("사용법: xrtop [옵션]..."), "--help is Korean")
golden("help.txt", out, "--help: golden")
ok(all(width(l) <= 80 for l in out.splitlines()), "--help: every line within 80 columns")
desc_cols = set()
for l in out.splitlines():
    m = re.match(r"^(  -\S, |      )--\S+( \S+)? +", l)
    if m and "  " in l[6:]:
        desc_cols.add(width(l[:m.end()]))
    elif l.startswith("                           "):
        desc_cols.add(27)
ok(desc_cols == {27}, "--help: descriptions start at column 28 (got %s)" % sorted(desc_cols))
for opt in ("--load", "--demo", "--filter", "--view", "--group-by", "--width", "-o, --output"):
    ok(opt in out, "--help (Korean) keeps the option name %s" % opt)

# --- an error message ---
rc, out, err = run("--view", "nope")
golden("error-view.txt", err, "error message: golden")
ok(rc == 2 and "'nope'" in err and "traces, timeline, details, map, analytics" in err,
   "error message: exit 2, the value and the choices as typed")
rc, out, err = run("--demo", "-b", "-f", "http.status == 200")
ok(rc == 2 and "14열:" in err and "힌트:" in err and "http.status == 200" in err,
   "filter error: Korean column and hint, the expression as typed")

# --- analytics: Korean headers aligned with the numbers ---
for w in (80, 120):
    rc, out, err = run("--demo", "-b", "--group-by", "annotation.restaurantName",
                       "--width", str(w))
    golden("analytics-%d.txt" % w, out, "analytics at %d: golden" % w)
    lines = out.splitlines()
    hdr = next((l for l in lines if "오류%" in l), "")
    ok(hdr, "analytics at %d: Korean column headers" % w)
    aligned = bool(hdr)
    for label in ("오류%", "결함%", "제한%", "P99"):
        if label not in hdr:
            aligned = False
            continue
        end = width(hdr[:hdr.index(label) + len(label)])
        for row in lines[lines.index(hdr) + 1:]:
            if row.strip().startswith(("─", "-")) or not row.strip():
                continue
            cells = [m for m in re.finditer(r"\S+", row)]
            if not any(width(row[:m.end()]) == end for m in cells):
                aligned = False
    ok(aligned, "analytics at %d: each number ends under its Korean header" % w)
    ok(all(width(l) <= w for l in lines), "analytics at %d: within %d columns" % (w, w))

# --- the service map's header line and call table ---
rc, out, err = run("--demo", "-b", "--view", "map", "--width", "80")
ok(out.startswith("서비스 맵: 서비스 6개, 호출 7개 (추적 300개 기준)"), "map: Korean summary line")
golden("map-80.txt", out, "map at 80: golden (boxes sized for 요청/평균)")
ok(all(width(l) <= 80 for l in out.splitlines()), "map: within 80 columns")

# --- English where it must stay English ---
rc, out, err = run("--demo", "-b", "--limit", "1", extra={"LANGUAGE": "en"})
ok(out.startswith("START (UTC)"), "LANGUAGE=en: English")
rc, out, err = run("--demo", "-b", "--limit", "1", lang="C.UTF-8")
ok(out.startswith("START (UTC)"), "LANG=C.UTF-8: English")
rc, out, err = run("--demo", "-b", "--limit", "1", extra={"LC_ALL": "C"})
ok(out.startswith("START (UTC)"), "LC_ALL=C overrides LANG: English")
rc, out, err = run("--demo", "-b", "--limit", "1", "--ascii")
ok(out.startswith("START (UTC)"), "--ascii: English headers, not escapes")
rc, out, err = run("--demo", "-b", "--limit", "2", "-o", "ndjson")
ok(rc == 0 and out.startswith('{"Id":"1-') and "추적" not in out, "-o ndjson: keys stay as scripts read them")

# --- the interactive traces screen at 80x24, in tmux as tests/tui does ---
import shutil
import time
SOCK = "xrtop-i18n-%d" % os.getpid()


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCK, "-f", "/dev/null", *args],
                          capture_output=True, check=False)


ok(shutil.which("tmux"), "tmux is installed (tests/run-suite.sh installs it)")
screen = ""
try:
    cmd = "env -u LC_ALL -u LANGUAGE LANG=ko_KR.UTF-8 TZ=UTC TERM=tmux-256color %s --demo" % XRTOP
    tmux("new-session", "-d", "-s", "ko", "-x", "80", "-y", "24", cmd)
    tmux("set-option", "-t", "ko", "status", "off")
    for _ in range(50):
        time.sleep(0.2)
        screen = tmux("capture-pane", "-p", "-t", "ko").stdout.decode("utf-8")
        if "응답(초)" in screen and "종료" in screen:
            break
finally:
    tmux("kill-server")
lines = screen.splitlines()
ok(lines and "데모 데이터" in lines[0] and "QuickTableXRayAPI/prod" in lines[0],
   "TUI: the title names the Korean demo source")
ok(len(lines) > 2 and lines[1].startswith("일치 300/300") and "오류/결함/제한" in lines[1],
   "TUI: the header line is Korean")
hdr = next((l for l in lines if l.startswith("시작")), "")
ok(hdr and all(h in hdr for h in ("메서드", "URL", "상태", "응답(초)", "플래그")),
   "TUI: Korean column headers")
rows = [l for l in lines if re.match(r"\d\d:\d\d:\d\d  (GET|POST) ", l)]
aligned = bool(hdr) and len(rows) >= 10
for label in ("상태", "응답(초)"):
    if label not in hdr:
        aligned = False
        continue
    end = width(hdr[:hdr.index(label) + len(label)])  # the sort marker may follow
    for row in rows:
        if not any(width(row[:m.end()]) in (end, end + 1) for m in re.finditer(r"\d+(\.\d+)?", row)):
            aligned = False
for label in ("메서드", "플래그"):
    col = width(hdr[:hdr.index(label)]) if label in hdr else -1
    for row in rows:
        if col not in starts(row):
            aligned = False
ok(aligned, "TUI: status and seconds end under their Korean headers, methods and flags start under theirs")
ok(lines and all(width(l) <= 80 for l in lines), "TUI: every line within 80 columns")
ok(any(l.startswith("Enter 열기") and "q 종료" in l for l in lines), "TUI: Korean key labels in the footer")

for i, (good, desc) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if good else "not ok", i, desc))
print("1..%d" % len(results))
sys.exit(0 if all(g for g, _ in results) else 1)
