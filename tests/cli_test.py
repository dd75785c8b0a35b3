#!/usr/bin/env python3
"""TAP test of the command line as a user meets it: help, version, bad
options, bad files, the demo, sorting and limits, output formats, and
hostile trace data that must never reach the terminal raw."""
import json
import os
import subprocess
import sys
import tempfile
import unicodedata

TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XRTOP = os.environ.get("XRTOP") or os.path.join(TOP, "_build", "src", "xrtop")
DEMO = os.path.join(TOP, "data", "demo.json")
results = []


def ok(cond, desc):
    results.append((bool(cond), desc))


def run(*args, stdin=None, env=None):
    e = dict(os.environ, LC_ALL="C.UTF-8", TZ="UTC")
    e.update(env or {})
    return subprocess.run([XRTOP, *args], input=stdin, capture_output=True, env=e, check=False)


def width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# --- help, version, usage errors ---
r = run("--help")
ok(r.returncode == 0 and b"Usage: xrtop" in r.stdout, "--help prints usage, exit 0")
for opt in [b"--load", b"--demo", b"--filter", b"--check-filter", b"--sort", b"--limit",
            b"--output", b"--region", b"--since", b"--save"]:
    ok(opt in r.stdout, "--help documents %s" % opt.decode())
r = run("--version")
ok(r.returncode == 0 and r.stdout.startswith(b"xrtop "), "--version")
r = run("--frobnicate")
ok(r.returncode == 2 and b"unknown option '--frobnicate'" in r.stderr, "unknown option: exit 2, named")
r = run("--lod", DEMO)
ok(r.returncode == 2 and b"did you mean '--load'" in r.stderr, "misspelt option gets a suggestion")
r = run("--limit", "ten", "--demo")
ok(r.returncode == 2 and b"--limit: 'ten' is not a whole number" in r.stderr, "bad --limit value")
r = run("-o", "xml", "--demo")
ok(r.returncode == 2 and b"--output: 'xml' is not one of table, ndjson, json" in r.stderr,
   "bad --output value lists the choices")
r = run("--sort", "size", "--demo")
ok(r.returncode == 2 and b"--sort" in r.stderr, "bad --sort value")
r = run("--since", "yesterday", "--demo")
ok(r.returncode == 2 and b"--since" in r.stderr, "bad --since value")
r = run("--start", "2026-13-01", "--demo")
ok(r.returncode == 2 and b"--start" in r.stderr, "bad --start value")
r = run("traces.json")
ok(r.returncode == 2 and b"--load FILE" in r.stderr, "a bare file argument explains --load")
r = run("--load")
ok(r.returncode == 2 and b"needs a value" in r.stderr, "missing option value")

# --- bad files ---
r = run("--load", "/nonexistent/file.json")
ok(r.returncode == 1 and b"/nonexistent/file.json: No such file" in r.stderr, "missing file: exit 1, named")
r = run("--load", TOP)
ok(r.returncode == 1 and b"is a directory" in r.stderr, "a directory is refused")
with tempfile.NamedTemporaryFile(suffix=".json") as empty:
    r = run("--load", empty.name)
    ok(r.returncode == 1 and b"empty" in r.stderr, "empty file reported")
r = run("--load", os.path.join(TOP, "tests", "data", "messy.ndjson"))
ok(r.returncode == 1, "a file with skipped pieces exits 1")
ok(b"messy.ndjson:12:57: invalid JSON (truncated?)" in r.stderr, "... and names file:line:column")
ok(r.stdout.count(b"\n") == 3, "... and still lists the traces it could read")

# --- the demo ---
r = run("--demo")
lines = r.stdout.decode().splitlines()
ok(r.returncode == 0 and len(lines) == 301, "--demo lists 300 traces under a header")
ok(lines and "restaurantName" in lines[0] and "status" in lines[0],
   "annotation columns that tell traces apart: restaurantName, status")
ok(any("강남 맛집" in l for l in lines), "Korean restaurant names shown as they are")
# Columns line up in display columns (Hangul takes two): SERVICE starts
# after the URLs, and the "status" annotation after the Korean names, at
# the header's column on every row.
hdr = lines[0]
service_col, status_col = width(hdr[:hdr.index("SERVICE")]), width(hdr[:hdr.rindex("status")])
rows = lines[1:]
ok(all(width(l[:l.index("QuickTableXRayAPI/prod")]) == service_col for l in rows),
   "SERVICE column aligned on every row")
ann_status = [w for w in ("confirmed", "listed", "rejected", "failed")]
starts = [width(l[:l.rindex("  ") + 2]) for l in rows if l.split()[-1] in ann_status]
ok(len(starts) > 250 and set(starts) == {status_col}, "status column aligned after Korean names")

# Narrow terminals: the table shrinks to --width, leaving columns out
# (annotations, then DUR, METHOD, FLAGS, SERVICE, STATUS, START, RESP, URL)
# rather than overflowing; the trace id always stays.
for w in (120, 80, 60, 40, 20):
    r = run("-b", "--demo", "--width", str(w))
    lines = r.stdout.decode().splitlines()
    ok(r.returncode == 0 and len(lines) == 301 and max(width(l) for l in lines) <= w,
       "--width %d: every line of the trace table fits" % w)
    ok(all("1-6b0" in l for l in lines[1:]), "--width %d: every row keeps its trace id" % w)
    if w == 80:
        ok(lines[0].split() == ["START", "(UTC)", "TRACE", "ID", "URL", "RESP(s)"],
           "--width 80: start, id, URL, response time")
    if w == 60:
        ok(lines[0].split() == ["TRACE", "ID", "URL", "RESP(s)"], "--width 60: id, URL, response time")

r = run("-b", "--demo", "--sort", "responsetime", "--limit", "3", "-o", "ndjson")
rows = [json.loads(l) for l in r.stdout.splitlines()]
ok(r.returncode == 0 and len(rows) == 3, "--limit 3")
all_rt = sorted((json.loads(l)["ResponseTime"] for l in run("-b", "--demo", "-o", "ndjson").stdout.splitlines()
                 if "ResponseTime" in json.loads(l)), reverse=True)
ok([x["ResponseTime"] for x in rows] == all_rt[:3], "--sort responsetime puts the slowest first")
r = run("-b", "--demo", "--sort", "status", "--limit", "1", "-o", "ndjson")
ok(json.loads(r.stdout)["Http"]["HttpStatus"] == 502, "--sort status puts 5xx first")
r = run("-b", "--demo", "-o", "json")
doc = json.loads(r.stdout)
ok(len(doc["TraceSummaries"]) == 300 and doc["TracesProcessedCount"] == 300,
   "-o json is one GetTraceSummaries-shaped object")
r = run("-b", "--demo", "--annotations", "date,partySize", "--limit", "2")
ok(b"date" in r.stdout.splitlines()[0] and b"partySize" in r.stdout.splitlines()[0],
   "--annotations chooses the columns")
with open(DEMO, "rb") as f:
    r = run("--load", "-", stdin=f.read())
ok(r.returncode == 0 and len(r.stdout.splitlines()) == 301, "--load - reads standard input")
r = run("--demo", "--load", os.path.join(TOP, "tests", "data", "devguide-batch.json"))
ok(len(r.stdout.splitlines()) == 302, "several sources are combined")

# --- hostile data never reaches the terminal raw ---
hostile = {
    "id": "a1b2c3d4e5f60718", "name": "evil\x1b]0;owned\x07\x1b[2J", "trace_id": "1-5f000000-00000000000000000000abcd",
    "start_time": 1593835520, "end_time": 1593835521,
    "http": {"request": {"method": "GET\r\x1b[1A", "url": "https://x/\u009b31m\u202eabc"},
             "response": {"status": 200}},
    "annotations": {"k": "v\x1b[5m\x00", "restaurantName": "\u202e강남\x08"},
    "user": "mallory\x1b[0m",
}
data = json.dumps(hostile).encode() + b"\n"
for fmt in ["table", "ndjson", "json"]:
    r = run("-b", "--load", "-", "-o", fmt, "--annotations", "k,restaurantName", stdin=data)
    out = r.stdout
    raw = [b for b in (b"\x1b", b"\x07", b"\x08", b"\x00", b"\r", b"\xc2\x9b", b"\xe2\x80\xae") if b in out]
    ok(r.returncode == 0 and not raw, "-o %s: no control character or bidi override raw (%s)" % (fmt, raw))
    if fmt != "table":
        ok(json.loads(out.splitlines()[0]) is not None, "-o %s: still valid JSON" % fmt)
r = run("-b", "--load", "-", "--annotations", "k", stdin=data)
ok(b"^[]0;owned^G^[[2J" in r.stdout, "escape sequences are shown in caret notation")
bad = b'{"id":"1","name":"x\\u001b[31m","trace_id":"1-5f000000-0000000000000000000000ff","start_time":1,"parent_id":"nope","end_time":2}\n'
r = run("--load", "-", stdin=bad)
ok(b"\x1b" not in r.stderr and b"^[" in r.stderr, "warnings on stderr are sanitised too")
raw = b'{"id":"1","name":"x\x1b[31m","trace_id":"1-5f000000-0000000000000000000000ff","start_time":1,"end_time":2}\n'
r = run("--load", "-", stdin=raw)
ok(r.returncode == 1 and b"(stdin):1:20: invalid JSON" in r.stderr and b"\x1b" not in r.stderr,
   "a raw control character inside a JSON string is invalid JSON, reported by column")

# --- non-UTF-8 locale ---
r = run("-b", "--demo", "--limit", "300", env={"LC_ALL": "C"})
ok(all(b < 0x80 for b in r.stdout) and b"\\uAC15" in r.stdout, "LC_ALL=C: ASCII output, \\u escapes")

for n, (passed, desc) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if passed else "not ok", n, desc))
print("1..%d" % len(results))
sys.exit(0 if all(p for p, _ in results) else 1)
