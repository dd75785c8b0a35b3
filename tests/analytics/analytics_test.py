#!/usr/bin/env python3
"""TAP test of `xrtop -b --view analytics`: golden pictures of the demo at 80
and 120 columns (Unicode and ASCII), Korean names aligned, counts and
nearest-rank percentiles recomputed here from the trace list
(`xrtop -b --demo -o json`) and compared with `--view analytics -o json`,
every group's filter expression run back through --filter, hostile
annotation values (escaped in the picture, exact in JSON), and the
command-line errors.

XRTOP_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing."""
import json
import math
import os
import subprocess
import sys
import tempfile
import unicodedata

TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
XRTOP = os.environ.get("XRTOP") or os.path.join(TOP, "_build", "src", "xrtop")
GOLDEN = os.path.join(TOP, "tests", "analytics", "golden")
UPDATE = os.environ.get("XRTOP_UPDATE_GOLDEN") == "1"
results = []


def ok(cond, desc, detail=None):
    results.append((bool(cond), desc, detail if not cond else None))
    return cond


def run(*args, stdin=None):
    env = dict(os.environ, LC_ALL="C.UTF-8", TZ="UTC")
    return subprocess.run([XRTOP, *args], input=stdin, capture_output=True, env=env, check=False)


def width(text):
    w = 0
    for c in text:
        if unicodedata.combining(c):
            continue
        w += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    return w


# --- golden pictures ---
pictures = [
    ("restaurant-80.txt", ["--group-by", "annotation.restaurantName", "--width", "80"]),
    ("restaurant-120.txt", ["--group-by", "annotation.restaurantName", "--width", "120"]),
    ("restaurant-80-ascii.txt", ["--group-by", "annotation.restaurantName", "--width", "80",
                                 "--ascii"]),
    ("status-80.txt", ["--view", "analytics", "--group-by", "http.status", "--width", "80"]),
    ("status-120.txt", ["--view", "analytics", "--width", "120"]),
    ("status-120-ascii.txt", ["--group-by", "http.status", "--width", "120", "-U"]),
]
for name, args in pictures:
    r = run("-b", "--demo", *args)
    path = os.path.join(GOLDEN, name)
    if UPDATE:
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "wb") as f:
            f.write(r.stdout)
    with open(path, "rb") as f:
        want = f.read()
    ok(r.returncode == 0 and r.stdout == want, "golden %s (%s)" % (name, " ".join(args)),
       r.stdout.decode(errors="replace"))
    text = r.stdout.decode()
    cols = max(width(line) for line in text.splitlines())
    ok(cols <= int(args[args.index("--width") + 1]), "%s fits its width (%d)" % (name, cols))
    if "ascii" in name:
        ok(all(b < 0x80 for b in r.stdout), "%s is ASCII only" % name)

# Korean names line up: every group row's TRACES figure ends in the same
# display column as the header's TRACES.
text = run("-b", "--demo", "--group-by", "annotation.restaurantName", "--width", "80").stdout.decode()
lines = text.splitlines()
head = next(i for i, l in enumerate(lines) if "TRACES" in l)
end = width(lines[head][:lines[head].index("TRACES") + len("TRACES")])
rows = lines[head + 1:]
rows = rows[:next(i for i, l in enumerate(rows) if "───" in l)]
ends = set()
for row in rows:
    # the figures after the name: the first run of digits after two spaces
    name_end = row.index("  ", 1)
    rest = row[name_end:]
    digits = rest.lstrip(" ")
    count = digits.split(" ")[0]
    ends.add(width(row[:name_end]) + (len(rest) - len(digits)) + len(count))
ok(len(rows) >= 10 and any(any(ord(c) > 0x3000 for c in r) for r in rows),
   "the demo's table has Korean names (%d rows)" % len(rows))
ok(ends == {end}, "TRACES figures end in the header's column %d in every row (%s)" % (end, ends))
ok("강남 맛집" in text, "Korean names shown as they are")

# --- JSON against an independent computation from the trace list ---
traces = json.loads(run("-b", "--demo", "-o", "json").stdout)["TraceSummaries"]
ok(len(traces) == 300, "the trace list of the demo has 300 traces")


def nearest_rank(values, p):
    if not values:
        return None
    values = sorted(values)
    rank = max(1, -(-p * len(values) // 100))
    return values[rank - 1]


def values_of(t, key):
    """The set of values of key in trace summary t, as (type, value)."""
    out = []
    if key.startswith("annotation."):
        for v in t.get("Annotations", {}).get(key[len("annotation."):], []):
            av = v["AnnotationValue"]
            for typ in ("StringValue", "NumberValue", "BooleanValue"):
                if typ in av:
                    out.append(av[typ])
    elif key == "http.status":
        s = t.get("Http", {}).get("HttpStatus")
        if s:
            out.append(s)
    elif key == "http.method":
        m = t.get("Http", {}).get("HttpMethod")
        if m is not None:
            out.append(m)
    elif key == "user":
        out += [u["UserName"] for u in t.get("Users", []) if "UserName" in u]
    elif key == "service":
        out += [s["Name"] for s in t.get("ServiceIds", []) if "Name" in s]
    elif key.startswith("rootcause."):
        field = {"fault": "FaultRootCauses", "error": "ErrorRootCauses",
                 "responsetime": "ResponseTimeRootCauses"}[key.split(".")[1]]
        for rc in t.get(field, []):
            out += [s["Name"] for s in rc.get("Services", []) if "Name" in s]
    # a value counts once per trace; True and 1 must stay apart
    seen, uniq = set(), []
    for v in out:
        k = (type(v).__name__, v)
        if k not in seen:
            seen.add(k)
            uniq.append(v)
    return uniq


def expected_groups(key):
    groups = {}
    for t in traces:
        vals = values_of(t, key) or [None]
        for v in vals:
            k = (type(v).__name__, v)
            g = groups.setdefault(k, {"Value": v, "Count": 0, "ErrorCount": 0, "FaultCount": 0,
                                      "ThrottleCount": 0, "times": []})
            g["Count"] += 1
            g["ErrorCount"] += t.get("HasError", False)
            g["FaultCount"] += t.get("HasFault", False)
            g["ThrottleCount"] += t.get("HasThrottle", False)
            if "ResponseTime" in t:
                g["times"].append(t["ResponseTime"])
    return groups


def close(a, b):
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


keys = ["annotation.restaurantName", "annotation.partySize", "annotation.coldStart",
        "http.status", "http.method", "user", "service", "rootcause.fault",
        "rootcause.responsetime"]
for key in keys:
    r = run("-b", "--demo", "--group-by", key, "-o", "json")
    got = json.loads(r.stdout)
    exp = expected_groups(key)
    ok(got["GroupBy"] == key and got["TraceCount"] == 300 and got["GroupCount"] == len(exp),
       "%s: %d groups over 300 traces" % (key, len(exp)), (got["GroupCount"], len(exp)))
    bad = []
    for g in got["Groups"]:
        e = exp.get((type(g["Value"]).__name__, g["Value"]))
        if e is None:
            bad.append(("unexpected group", g["Value"]))
            continue
        for f in ("Count", "ErrorCount", "FaultCount", "ThrottleCount"):
            if g[f] != e[f]:
                bad.append((g["Value"], f, g[f], e[f]))
        if g["ResponseTimeCount"] != len(e["times"]):
            bad.append((g["Value"], "ResponseTimeCount"))
        for p in (50, 90, 99):
            if not close(g["P%d" % p], nearest_rank(e["times"], p)):
                bad.append((g["Value"], "P%d" % p, g["P%d" % p], nearest_rank(e["times"], p)))
        if not close(g["Percent"], 100.0 * e["Count"] / 300):
            bad.append((g["Value"], "Percent"))
    ok(not bad, "%s: counts, error/fault/throttle and p50/p90/p99 of every group agree" % key,
       bad[:5])
    counts = [g["Count"] for g in got["Groups"]]
    real = [c for g, c in zip(got["Groups"], counts) if g["Value"] is not None]
    ok(real == sorted(real, reverse=True) and (got["Groups"][-1]["Value"] is None or
                                               all(g["Value"] is not None for g in got["Groups"])),
       "%s: groups by traces, most first, (none) last" % key)

# The distribution of all traces.
got = json.loads(run("-b", "--demo", "--group-by", "http.method", "-o", "json").stdout)
times = [t["ResponseTime"] for t in traces if "ResponseTime" in t]
rt = got["ResponseTime"]
ok(rt["Count"] == len(times) and close(rt["Min"], min(times)) and close(rt["Max"], max(times)),
   "overall: count, min and max of the response times")
ok(all(close(rt["P%d" % p], nearest_rank(times, p)) for p in (50, 90, 99)),
   "overall: nearest-rank p50/p90/p99")
hist = rt["Histogram"]
ok(1 <= len(hist) <= 12 and sum(b["Count"] for b in hist) == len(times),
   "histogram: at most 12 buckets holding every response time")
ok(all(hist[i]["To"] == hist[i + 1]["From"] for i in range(len(hist) - 1)),
   "histogram: buckets are contiguous")
recount = [sum(1 for x in times if b["From"] <= x < b["To"] or (i == len(hist) - 1 and x == b["To"]))
           for i, b in enumerate(hist)]
ok(recount == [b["Count"] for b in hist], "histogram: counts agree with the buckets' edges",
   (recount, [b["Count"] for b in hist]))

# NDJSON: one line per group, the same objects plus GroupBy.
r = run("-b", "--demo", "--group-by", "annotation.restaurantName", "-o", "ndjson")
nd = [json.loads(l) for l in r.stdout.decode().splitlines()]
js = json.loads(run("-b", "--demo", "--group-by", "annotation.restaurantName", "-o", "json").stdout)
ok(len(nd) == len(js["Groups"]) and
   all(dict(g, GroupBy="annotation.restaurantName") == n for g, n in zip(js["Groups"], nd)),
   "ndjson: one line per group, as in -o json")

# --- every group's filter selects exactly its traces (through --filter) ---
for key in ["annotation.restaurantName", "http.status", "user", "rootcause.fault",
            "annotation.coldStart"]:
    got = json.loads(run("-b", "--demo", "--group-by", key, "-o", "json").stdout)
    bad = []
    for g in got["Groups"]:
        r = run("-b", "--demo", "--filter", g["FilterExpression"], "-o", "json")
        n = len(json.loads(r.stdout)["TraceSummaries"]) if r.returncode == 0 else -1
        if n != g["Count"]:
            bad.append((g["FilterExpression"], n, g["Count"], r.stderr[:200]))
    ok(not bad, "%s: --filter with each group's FilterExpression lists its %d groups' traces"
       % (key, len(got["Groups"])), bad[:3])
got = json.loads(run("-b", "--demo", "--group-by", "annotation.restaurantName", "-o", "json").stdout)
fx = {g["Value"]: g["FilterExpression"] for g in got["Groups"]}
ok(fx.get("강남 맛집") == 'annotation.restaurantName = "강남 맛집"',
   "the filter of 강남 맛집 is ready for the filter bar", fx.get("강남 맛집"))
ok(fx.get(None) == "!annotation.restaurantName", "the (none) group's filter")

# --- with --filter, --limit and the default width ---
r = run("-b", "--demo", "--filter", "http.status = 502", "--group-by", "annotation.restaurantName",
        "-o", "json")
got = json.loads(r.stdout)
ok(got["TraceCount"] == 19 and sum(g["Count"] for g in got["Groups"]) == 19,
   "--filter: only the 19 faults are grouped")
r = run("-b", "--demo", "--filter", "http.status = 502", "--group-by", "annotation.restaurantName")
ok(r.stdout.decode().startswith('filter: http.status = 502\n'), "the picture names the filter")
r = run("-b", "--demo", "--group-by", "annotation.restaurantName", "--limit", "3")
text = r.stdout.decode()
ok("(11 more groups: --limit 3 shows 3 of 14)" in text, "--limit N shows N groups and says so")
ok(len(json.loads(run("-b", "--demo", "--group-by", "user", "--limit", "2", "-o", "json")
                  .stdout)["Groups"]) == 2, "--limit applies to -o json groups")
r = run("-b", "--demo", "--group-by", "http.status")
ok(max(width(l) for l in r.stdout.decode().splitlines()) == 100,
   "not a terminal, no --width: 100 columns")

# --- hostile annotation values ---
hostile_values = [
    "esc \x1b[31mred\x1b[0m \x1b]0;title\x07",
    'quote " and backslash \\ end',
    "newline\nand tab\there",
    "bidi \u202eevil\u202c c1 \u009b",
    "강남 \x1b[2J 맛집",
]
docs = []
for i, v in enumerate(hostile_values):
    tid = "1-5f000000-%024x" % (i + 1)
    docs.append({"id": "%016x" % (i + 1), "name": "svc \x1b[1m%d" % i, "trace_id": tid,
                 "start_time": 1593835520.0 + i, "end_time": 1593835520.0 + i + 0.5 + i * 0.25,
                 "http": {"request": {"method": "GET", "url": "https://x/"},
                          "response": {"status": 200 + i}},
                 "annotations": {"restaurantName": v}})
with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as f:
    for d in docs:
        f.write(json.dumps(d) + "\n")
    hostile_path = f.name
try:
    r = run("-b", "--load", hostile_path, "--group-by", "annotation.restaurantName", "--width",
            "80")
    path = os.path.join(GOLDEN, "hostile-80.txt")
    if UPDATE:
        with open(path, "wb") as f:
            f.write(r.stdout)
    with open(path, "rb") as f:
        ok(r.stdout == f.read(), "golden hostile-80.txt (escape sequences in values)",
           r.stdout.decode(errors="replace"))
    for w in ("80", "120"):
        r = run("-b", "--load", hostile_path, "--group-by", "annotation.restaurantName",
                "--width", w)
        raw = r.stdout
        ok(r.returncode == 0 and not any(c in raw for c in (b"\x1b", b"\x07", b"\xc2\x9b",
                                                           "\u202e".encode(), b"\t")),
           "width %s: no escape, bell, C1, bidi override or tab reaches the picture" % w)
        lines = raw.decode().splitlines()
        ok("^[[31mred" in raw.decode(), "width %s: the escape sequence is shown escaped" % w)
        ok(max(width(l) for l in lines) <= int(w), "width %s: every line fits" % w)
        ok(sum(1 for l in lines if "\\n" in l or "newline" in l) >= 1 and
           not any(l.startswith("and tab") for l in lines),
           "width %s: a newline in a value does not break the row" % w)
    r = run("-b", "--load", hostile_path, "--group-by", "annotation.restaurantName", "-o", "json")
    got = json.loads(r.stdout)
    ok(sorted(g["Value"] for g in got["Groups"]) == sorted(hostile_values),
       "-o json: valid JSON with every value exactly as recorded")
    ok(b"\x1b" not in r.stdout and b"\x07" not in r.stdout, "-o json escapes control characters")
    bad = []
    for g in got["Groups"]:
        r2 = run("-b", "--load", hostile_path, "--filter", g["FilterExpression"], "-o", "json")
        sel = json.loads(r2.stdout)["TraceSummaries"] if r2.returncode == 0 else []
        vals = [t["Annotations"]["restaurantName"][0]["AnnotationValue"]["StringValue"] for t in sel]
        if vals != [g["Value"]]:
            bad.append((g["FilterExpression"], vals, r2.stderr[:200]))
    ok(not bad, "each hostile value's filter expression selects exactly its trace", bad[:2])
    r = run("-b", "--load", hostile_path, "--group-by", "service", "-o", "ndjson")
    ok(r.returncode == 0 and len(r.stdout.decode().splitlines()) == 5 and b"\x1b" not in r.stdout,
       "-o ndjson: one escaped line per service")
finally:
    os.unlink(hostile_path)

# --- usage ---
r = run("-b", "--demo", "--group-by", "restaurant")
ok(r.returncode == 2 and b"'restaurant' is not a group key" in r.stderr and
   b"annotation.KEY" in r.stderr and b"rootcause.fault" in r.stderr,
   "a bad key: exit 2, and the valid forms listed", r.stderr)
r = run("-b", "--demo", "--group-by", "http.stauts")
ok(r.returncode == 2 and b"did you mean 'http.status'" in r.stderr, "a misspelt key: a suggestion")
r = run("-b", "--demo", "--view", "traces", "--group-by", "user")
ok(r.returncode == 2 and b"--view analytics" in r.stderr, "--group-by with another view")
r = run("-b", "--demo", "--group-by", "user", "--sort", "duration")
ok(r.returncode == 2 and b"--sort goes with the trace list" in r.stderr,
   "--sort means nothing to analytics: refused", r.stderr)
r = run("-b", "--demo", "--view", "analytics", "--annotations", "status")
ok(r.returncode == 2 and b"--annotations goes with the trace list" in r.stderr,
   "--annotations means nothing to analytics: refused", r.stderr)
r = run("-b", "--demo", "--view", "analytic")
ok(r.returncode == 2 and b"analytics" in r.stderr, "a misspelt view lists analytics")
r = run("--help")
ok(b"--group-by KEY" in r.stdout and b"analytics" in r.stdout, "--help documents --group-by")
r = run("-b", "--load", "/dev/null", "--group-by", "user")
ok(r.returncode != 0, "an empty file still fails as a source")
with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
    f.write('{"TraceSummaries": []}')
    f.flush()
    # (a file without traces is a failed source: exit 1, but the view still prints)
    r = run("-b", "--load", f.name, "--group-by", "user")
    ok(r.stdout == b"No traces to analyse.\n", "no traces: a sentence, not an empty table",
       r.stdout + r.stderr)
    r = run("-b", "--load", f.name, "--group-by", "user", "-o", "json")
    got = json.loads(r.stdout)
    ok(got.get("TraceCount") == 0 and got.get("Groups") == [] and
       got["ResponseTime"]["P50"] is None, "no traces: -o json with nulls")

for i, (good, desc, detail) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if good else "not ok", i, desc))
    if not good and detail is not None:
        for line in str(detail).splitlines()[:40]:
            print("#   " + line)
print("1..%d" % len(results))
sys.exit(0 if all(r[0] for r in results) else 1)
