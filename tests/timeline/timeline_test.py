#!/usr/bin/env python3
"""TAP test of `xrtop -b --trace ID` (the timeline) and `--view details`:
golden text at 80 and 120 columns, UTF-8 and --ascii, for the demo's
slowest trace and hand-made traces (critical path, cycle, missing parent,
Korean names, escape sequences, in-progress segments), plus what golden
text cannot say: nothing raw reaches the terminal, Korean rows align, the
JSON output reads back, 10,000 subsegments, and clear errors.

XRTOP_REGOLD=1 rewrites the golden files (then review them with git diff)."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unicodedata

TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
XRTOP = os.environ.get("XRTOP") or os.path.join(TOP, "_build", "src", "xrtop")
FIX = os.path.join(TOP, "tests", "data", "timeline-traces.ndjson")
GOLDEN = os.path.join(TOP, "tests", "timeline", "golden")
REGOLD = os.environ.get("XRTOP_REGOLD") == "1"
results = []

CP = "1-6b000000-00000000000000000000c001"
CYCLE = "1-6b000000-000000000000000000c1e000"
MISSING = "1-6b000000-0000000000000000000000a1"
KOREAN = "1-6b000000-0000000000000000000000b2"
ESCAPES = "1-6b000000-0000000000000000000000e5"
PROGRESS = "1-6b000000-0000000000000000000000f6"


def ok(cond, desc):
    results.append((bool(cond), desc))
    return bool(cond)


def run(*args, env=None):
    e = dict(os.environ, LC_ALL="C.UTF-8", TZ="UTC")
    e.update(env or {})
    return subprocess.run([XRTOP, *args], capture_output=True, env=e, check=False)


def width(text):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def golden(name, out):
    path = os.path.join(GOLDEN, name + ".txt")
    if REGOLD:
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "wb") as f:
            f.write(out)
    try:
        with open(path, "rb") as f:
            want = f.read()
    except OSError:
        return ok(False, "golden %s exists" % name)
    same = out == want
    if not same:
        sys.stdout.write("# %s differs; got:\n" % name)
        for line in out.decode("utf-8", "replace").splitlines():
            sys.stdout.write("#   |%s\n" % line)
    return ok(same, "golden %s" % name)


def clean(out, what):
    bad = [b for b in (b"\x1b", b"\x07", b"\r", "\u202e".encode(), "\u009b".encode())
           if b in out]
    ok(not bad, "%s: no raw control or bidi characters (%r)" % (what, bad))


# --- the demo's slowest trace, found as a new user would ---
r = run("-b", "--demo", "--sort", "responsetime", "--limit", "1")
lines = r.stdout.decode().splitlines()
ok(r.returncode == 0 and len(lines) == 2, "the slowest demo trace is listed")
slowest = lines[1].split()[2] if len(lines) == 2 else "?"
for w in (80, 120):
    for ascii_mode in (False, True):
        args = ["-b", "--demo", "--trace", slowest, "--width", str(w)] + (["--ascii"] if ascii_mode else [])
        r = run(*args)
        tag = "demo-slowest-%d%s" % (w, "-ascii" if ascii_mode else "")
        ok(r.returncode == 0, tag + ": exit 0")
        golden(tag, r.stdout)
        text = r.stdout.decode()
        ok(all(width(l) <= w for l in text.splitlines()), tag + ": no line wider than %d" % w)
        if not ascii_mode:
            ok(all(ord(c) < 0x80 for c in text) is False, tag + ": Unicode blocks drawn")
        else:
            ok(all(ord(c) < 0x80 for c in text), tag + ": ASCII only")
        summary = text.split("Where the time went:\n")[-1].splitlines()
        first = summary[0] if summary else ""
        ok("Reservations" in first and "DynamoDB::Table Query" in first and "4" in first,
           tag + ": the DynamoDB table is the first place the time went")
        pct = float(first.split("%")[0]) if "%" in first else 0
        ok(pct > 90, tag + ": and it took more than 90%% of the response (%.1f%%)" % pct)

# The slowest trace with a fault, found through --filter: throttled DynamoDB
# calls, the backoff between them, a cold start.
r = run("-b", "--demo", "--view", "timeline", "--filter", "fault", "--sort", "responsetime",
        "--width", "100")
ok(r.returncode == 0 and b"  fault  " in r.stdout.splitlines()[0],
   "--view timeline --filter fault shows a trace with a fault")
faulty = r.stdout.split()[0].decode() if r.stdout else "?"
for w in (80, 120):
    r = run("-b", "--demo", "--trace", faulty, "--width", str(w))
    golden("demo-fault-%d" % w, r.stdout)
    text = r.stdout.decode()
    ok("•T" in text and "Initialization" in text, "demo-fault-%d: throttled calls, a cold start" % w)

# --view timeline without --trace takes the first trace listed.
r = run("-b", "--demo", "--view", "timeline", "--sort", "responsetime", "--width", "80")
ok(r.returncode == 0 and r.stdout.startswith(slowest.encode()),
   "--view timeline --sort responsetime shows the slowest trace")
r = run("-b", "--demo", "--trace", slowest)
ok(r.returncode == 0 and all(width(l) <= 100 for l in r.stdout.decode().splitlines()) and
   any(width(l) > 90 for l in r.stdout.decode().splitlines()),
   "not a terminal and no --width: 100 columns")

# --- hand-made traces ---
CASES = [("critical", CP), ("cycle", CYCLE), ("missing-parent", MISSING), ("korean", KOREAN),
         ("escapes", ESCAPES), ("in-progress", PROGRESS)]
outputs = {}
for name, tid in CASES:
    for w in (80, 120):
        for ascii_mode in (False, True):
            tag = "%s-%d%s" % (name, w, "-ascii" if ascii_mode else "")
            r = run("-b", "--load", FIX, "--trace", tid, "--width", str(w),
                    *(["--ascii"] if ascii_mode else []))
            ok(r.returncode == 0, tag + ": exit 0")
            golden(tag, r.stdout)
            clean(r.stdout, tag)
            outputs[tag] = r.stdout.decode()
            ok(all(width(l) <= w for l in outputs[tag].splitlines()), tag + ": fits %d columns" % w)


def rows(text):
    """The chart rows: between the axis line and the blank line."""
    ls = text.splitlines()
    start = next(i for i, l in enumerate(ls) if l[:1] in ("─", "-") and ("┬" in l or "+" in l)) + 1
    end = ls.index("", start) if "" in ls[start:] else len(ls)
    return ls[start:end]


# The loader's messy fixture: invalid UTF-8, a start that is not a number,
# an end before the start, a duplicate id, an orphan.
MESSY = os.path.join(TOP, "tests", "data", "messy.ndjson")
for w in (80, 120):
    r = run("-b", "--load", MESSY, "--trace", "1-5f000000-0123456789abcdef01234567", "--width", str(w))
    ok(r.returncode == 1 and b"ends before it starts" in r.stderr,
       "messy-%d: drawn, its problems reported, exit 1 (pieces of the file were skipped)" % w)
    golden("messy-%d" % w, r.stdout)
    clean(r.stdout, "messy-%d" % w)
    ok(b"bad\\xFF\\xFEutf8" in r.stdout, "messy-%d: invalid UTF-8 shown as escapes" % w)

# The critical path: root, SNS (last to finish), load cart (ends before SNS
# starts) and its query; the throttled DynamoDB call overlaps SNS: not on it.
def row_name(line):
    words = [w for w in line[3:].split() if w not in ("▾", "▸")]
    return words[0] if words else ""


crit = {row_name(l): l.startswith("•") for l in rows(outputs["critical-120"])}
ok(crit.get("checkout") and crit.get("load") and crit.get("SELECT") and crit.get("SNS"),
   "critical path: checkout, load cart, its SQL query, SNS")
ok(crit.get("DynamoDB") is False and crit.get("Prices") is False,
   "critical path: the overlapping DynamoDB call and its table are not on it")
rws = rows(outputs["critical-80"])
ok(rws[0][1] == "F" and rws[3][1] == "T" and rws[5][1] == "E",
   "fault, throttle and error rows carry F, T, E")
ok(">" in outputs["in-progress-80"] and "░" in outputs["in-progress-80"] and "▶" in outputs["in-progress-80"],
   "in-progress segments are drawn open-ended")
ok(all(l[1] != "P" or ">" in l for l in rows(outputs["in-progress-80"])),
   "in-progress rows show their duration as a lower bound")
ok(" D " in outputs["missing-parent-80"] and "detached" in outputs["cycle-120"],
   "segments without their parent are marked detached")
for name in ("cycle", "missing-parent"):
    r = run("-b", "--load", FIX, "--trace", CYCLE if name == "cycle" else MISSING)
    ok(b"cycle in parent links" in r.stderr or b"not found" in r.stderr,
       "%s: the data problem is reported on stderr" % name)
    ok(b"1-6b000000-00000000000000000000c001" not in r.stderr,
       "%s: problems of other traces are not" % name)

# Korean names: the duration column ends at the same display column on every row.
kr = rows(outputs["korean-120"])
ends = set()
for l in kr:
    i = l.index("ms") + 2
    ends.add(width(l[:i]))
ok(len(ends) == 1, "Korean rows: durations align by display width (%s)" % sorted(ends))
ok("강남 맛집" in outputs["korean-80"].splitlines()[1], "a percent-encoded Korean URL is shown decoded")
ok("\\uAC15" in outputs["korean-80-ascii"], "--ascii escapes Korean text")
ok("^[[2J" in outputs["escapes-80"] and "^[[31m" in outputs["escapes-120"],
   "escape sequences in names appear escaped")

# --- details ---
for w in (80, 120):
    for ascii_mode in (False, True):
        tag = "details-load-cart-%d%s" % (w, "-ascii" if ascii_mode else "")
        r = run("-b", "--load", FIX, "--view", "details", "--segment", "c00000000000000a",
                "--width", str(w), *(["--ascii"] if ascii_mode else []))
        ok(r.returncode == 0, tag + ": exit 0")
        golden(tag, r.stdout)
        text = r.stdout.decode()
        ok(all(width(l) <= w for l in text.splitlines()), tag + ": long values wrap inside %d" % w)
        for section in ("Overview", "Resources", "Annotations", "Metadata", "Exceptions", "SQL",
                        "Raw JSON"):
            ok(("\n" + section + "\n") in text, "%s: section %s" % (tag, section))
r = run("-b", "--load", FIX, "--view", "details", "--segment", "c00000000000000a", "--width", "80")
text = r.stdout.decode()
ok("CartError: cart service answered 500" in text and "at load_cart (cart.py:42)" in text,
   "details: exception with its stack frames")
ok("Caused by" in text and "TimeoutError: read timed out" in text,
   "details: the exception's cause is looked up")
ok("3 frames truncated" in text, "details: truncated frames are counted")
ok("\nSQL\n  No SQL query in this segment.\n" in text, "details: the SQL of a child is not the segment's")
r = run("-b", "--load", FIX, "--view", "details", "--segment", "c0000000000000a1", "--width", "60")
text = r.stdout.decode()
ok("PostgreSQL" in text and "SELECT * FROM carts" in text, "details: SQL tab")
ok(all(width(l) <= 60 for l in text.splitlines()), "details: the query wraps at 60 columns")
for w in (80,):
    for ascii_mode in (False, True):
        tag = "details-escapes-%d%s" % (w, "-ascii" if ascii_mode else "")
        r = run("-b", "--load", FIX, "--trace", ESCAPES, "--view", "details", "--width", str(w),
                *(["--ascii"] if ascii_mode else []))
        ok(r.returncode == 0, tag + ": exit 0 (the root segment by default)")
        golden(tag, r.stdout)
        clean(r.stdout, tag)
        ok(b'"\\u001b]0;pwned\\u0007title"' in r.stdout,
           tag + ": escape sequence in an annotation shown escaped")
r = run("-b", "--load", FIX, "--view", "details", "--segment", "d00000000000000b", "--width", "50")
text = r.stdout.decode()
ok(all(width(l) <= 50 for l in text.splitlines()) and "아주 긴 설명" in text,
   "details: long Korean metadata wraps by display width")
r = run("-b", "--load", FIX, "--view", "details", "--segment", "c00000000000000a", "-o", "json")
seg = json.loads(r.stdout)
ok(r.returncode == 0 and seg["id"] == "c00000000000000a" and seg["fault"] is True and
   seg["cause"]["exceptions"][0]["stack"][0]["line"] == 42 and seg["subsegments"][0]["sql"],
   "details -o json: the segment document")

# --- -o json: the BatchGetTraces shape, and it reads back ---
r = run("-b", "--load", FIX, "--trace", CP, "-o", "json")
doc = json.loads(r.stdout)
ok(r.returncode == 0 and set(doc) == {"Traces", "UnprocessedTraceIds"} and doc["UnprocessedTraceIds"] == [],
   "-o json: {Traces, UnprocessedTraceIds}")
tr = doc["Traces"][0]
ok(set(tr) == {"Id", "Duration", "LimitExceeded", "Segments"} and tr["Id"] == CP and
   abs(tr["Duration"] - 1.0) < 1e-9 and tr["LimitExceeded"] is False, "-o json: Id, Duration, LimitExceeded")
ok(len(tr["Segments"]) == 2 and all(set(s) == {"Id", "Document"} for s in tr["Segments"]),
   "-o json: one Segment per document")
docs = [json.loads(s["Document"]) for s in tr["Segments"]]
ok(any(d.get("inferred") is True and d.get("parent_id") == "c00000000000000b" for d in docs),
   "-o json: the inferred segment keeps parent_id and inferred")
with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
    f.write(r.stdout)
    saved = f.name
for w in ("80", "120"):
    a = run("-b", "--load", FIX, "--trace", CP, "--width", w)
    b = run("-b", "--load", saved, "--trace", CP, "--width", w)
    ok(a.stdout == b.stdout and a.returncode == b.returncode == 0,
       "-o json reads back with --load to the same timeline (%s columns)" % w)
r1 = run("-b", "--load", saved, "--trace", CP, "-o", "json")
ok(r1.stdout == r.stdout, "-o json is stable through a load/save round trip")
os.unlink(saved)
r = run("-b", "--load", FIX, "--trace", CP, "-o", "ndjson")
ok(r.returncode == 0 and r.stdout.count(b"\n") == 1 and json.loads(r.stdout) == tr,
   "-o ndjson: the Trace object on one line")
r = run("-b", "--load", FIX, "--trace", ESCAPES, "-o", "json")
clean(r.stdout, "-o json of the escapes trace")
ok(json.loads(r.stdout)["Traces"][0]["Id"] == ESCAPES, "-o json of hostile data is valid JSON")

# --- errors ---
r = run("-b", "--demo", "--trace", "1-00000000-000000000000000000000000")
ok(r.returncode == 1 and b"--trace 1-00000000-000000000000000000000000: no such trace" in r.stderr,
   "a trace that is not loaded: named, exit 1")
ok(r.stdout == b"", "... and nothing on stdout")
r = run("-b", "--load", FIX, "--view", "details", "--segment", "0123456789abcdef")
ok(r.returncode == 1 and b"--segment 0123456789abcdef: no such segment" in r.stderr,
   "a segment that is not loaded: named, exit 1")
r = run("-b", "--load", FIX, "--trace", CP, "--view", "details", "--segment", "e500000000000001")
ok(r.returncode == 1 and b"no such segment in trace " + CP.encode() in r.stderr,
   "a segment of another trace: named, exit 1")
r = run("-b", "--demo", "--trace", "1-xyz")
ok(r.returncode == 2 and b"--trace: '1-xyz' is not a trace or segment id" in r.stderr,
   "a malformed trace id: usage error")
r = run("-b", "--demo", "--segment", "abc", "--view", "timeline")
ok(r.returncode == 2 and b"--segment goes with --view details" in r.stderr,
   "--segment with the timeline view: usage error")
r = run("-b", "--demo", "--trace", slowest, "--view", "traces")
ok(r.returncode == 2 and b"--trace goes with --view timeline or details" in r.stderr,
   "--trace with the trace list: usage error")
r = run("-b", "--trace", slowest, "--save", "x.json")
ok(r.returncode == 2 and b"--save goes with the trace list, not --view timeline" in r.stderr,
   "--save with --trace: usage error pointing at -o json")
r = run("-b", "--view", "details", "-d", "5s", "--demo")
ok(r.returncode == 2 and b"-d goes with the trace list, not --view details" in r.stderr,
   "-d with --view details: usage error")
r = run("--help")
ok(b"--trace ID" in r.stdout and b"--segment ID" in r.stdout and b"timeline" in r.stdout,
   "--help documents --trace, --segment and the views")

# --- 10,000 subsegments ---
N = 10000
T0 = 1795166000.0
big = "1-6b000000-0000000000000000000b1900"
subs = [{"id": "%016x" % (0x1000 + i), "name": "call-%05d" % i,
         "start_time": T0 + i * 0.001, "end_time": T0 + i * 0.001 + 0.0009} for i in range(N)]
root = {"trace_id": big, "id": "b1b1b1b1b1b1b1b1", "name": "big", "start_time": T0,
        "end_time": T0 + N * 0.001, "subsegments": subs}
with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as f:
    f.write(json.dumps(root) + "\n")
    bigpath = f.name
t = time.monotonic()
r = run("-b", "--load", bigpath, "--trace", big, "--width", "120")
elapsed = time.monotonic() - t
os.unlink(bigpath)
text = r.stdout.decode()
ok(r.returncode == 0 and text.count("call-") >= N, "10,000 subsegments: every row printed")
ok(elapsed < 10, "10,000 subsegments: printed in %.2fs" % elapsed)
ok("call-09999" in text and text.index("call-00000") < text.index("call-09999"),
   "10,000 subsegments: in order")

# --- a chain of 5,000 documents, each the parent of the next ---
deep = "1-6b000000-00000000000000000000dee9"
with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as f:
    for i in range(5000):
        d = {"trace_id": deep, "id": "%016x" % (0x10000 + i), "name": "hop-%d" % i,
             "start_time": T0 + i * 1e-4, "end_time": T0 + 1 - i * 1e-4}
        if i:
            d["parent_id"] = "%016x" % (0x10000 + i - 1)
        f.write(json.dumps(d) + "\n")
    deeppath = f.name
r = run("-b", "--load", deeppath, "--trace", deep, "--width", "100")
os.unlink(deeppath)
text = r.stdout.decode()
ok(r.returncode == 0 and "hop-4999" in text, "a 5,000-deep chain of parent links: no crash")
ok(all(l.startswith("•") for l in rows(text)), "... every hop on the critical path")
ok(all(width(l) <= 100 for l in text.splitlines()), "... indentation stays inside the name column")

for i, (passed, desc) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if passed else "not ok", i, desc))
print("1..%d" % len(results))
sys.exit(0 if all(p for p, _ in results) else 1)
