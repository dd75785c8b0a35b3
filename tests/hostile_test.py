#!/usr/bin/env python3
"""TAP test: the hostile-string corpus (tests/gen_hostile.py) through every
batch output -- the trace list as table, NDJSON and JSON, the service map
(text and JSON), the timeline (text and JSON), the details of each segment,
analytics grouped by several keys (text, JSON, NDJSON), --check-filter and
--filter with hostile text, and error messages.  Nothing may reach stdout or
stderr raw: no ESC, no C1 control, no bidi override or isolate, no C0 but
newline; output is UTF-8; JSON outputs parse; nothing hangs; a 1 MB string
stays a few lines long on the terminal."""
import json
import os
import re
import subprocess
import sys
import tempfile

TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XRTOP = os.environ.get("XRTOP") or os.path.join(TOP, "_build", "src", "xrtop")
GEN = os.path.join(TOP, "tests", "gen_hostile.py")
FIXTURE = os.path.join(TOP, "tests", "data", "hostile.ndjson")
TRACE = "1-5f000000-0123456789abcdef01234567"
LONG_TRACE = "1-5f000000-89abcdef0123456789abcdef"
results = []

# UTF-8 of what must never be printed: C1 (U+0080-U+009F), bidi overrides
# (U+202A-U+202E) and isolates (U+2066-U+2069).
FORBIDDEN = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def ok(cond, desc):
    results.append((bool(cond), desc))


def run(*args, timeout=60):
    e = dict(os.environ, LC_ALL="C.UTF-8", TZ="UTC")
    try:
        return subprocess.run([XRTOP, *args], capture_output=True, env=e, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None


def clean(data):
    m = FORBIDDEN.search(data)
    if m:
        return "byte %r at %d: %r" % (m.group(), m.start(), data[max(0, m.start() - 40):m.start() + 10])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "invalid UTF-8: %s" % exc
    return None


def check(desc, args, fmt=None, rc=(0,), max_line=None):
    r = run(*args)
    if r is None:
        ok(False, "%s: finished in time" % desc)
        return None
    ok(r.returncode in rc, "%s: exit %d (want %s)%s" % (desc, r.returncode, rc,
                                                        "" if r.returncode in rc else r.stderr[-300:]))
    bad = clean(r.stdout)
    ok(bad is None, "%s: stdout clean%s" % (desc, "" if bad is None else " -- " + bad))
    bad = clean(r.stderr)
    ok(bad is None, "%s: stderr clean%s" % (desc, "" if bad is None else " -- " + bad))
    if fmt == "json":
        try:
            json.loads(r.stdout)
            ok(True, "%s: valid JSON" % desc)
        except ValueError as exc:
            ok(False, "%s: valid JSON (%s)" % (desc, exc))
    elif fmt == "ndjson":
        try:
            rows = [json.loads(l) for l in r.stdout.splitlines()]
            ok(rows, "%s: valid NDJSON" % desc)
        except ValueError as exc:
            ok(False, "%s: valid NDJSON (%s)" % (desc, exc))
    if max_line is not None:
        lines = r.stdout.splitlines()
        longest = max((len(l.decode("utf-8", "replace")) for l in lines), default=0)
        size = len(r.stdout) + len(r.stderr)
        rows = len(lines) + len(r.stderr.splitlines())
        ok(size < 1000000 and rows < 5000 and longest <= max_line,
           "%s: bounded on the terminal (%d bytes, %d lines, longest %d)" % (desc, size, rows, longest))
    return r


def segments(path):
    ids = []
    with open(path, "rb") as f:
        for line in f:
            d = json.loads(line.decode("utf-8", "replace"))
            ids.append(d["id"])
            ids.extend(s["id"] for s in d.get("subsegments", []))
    return ids


def all_outputs(src, trace, label, width=None):
    w = ["--width", str(width)] if width else []
    bound = width if width else None
    load = ["-b", "--load", src] + w
    for fmt in ("table", "ndjson", "json"):
        check("%s -o %s" % (label, fmt), load + ["-o", fmt], fmt, max_line=bound if fmt == "table" else None)
    check("%s --annotations" % label, load + ["--annotations", "plain"], max_line=bound)
    check("%s --view map" % label, load + ["--view", "map"], max_line=bound)
    check("%s --view map -o json" % label, load + ["--view", "map", "-o", "json"], "json")
    check("%s --trace" % label, load + ["--trace", trace], max_line=bound)
    check("%s --trace -o json" % label, load + ["--trace", trace, "-o", "json"], "json")
    for seg in segments(src):
        check("%s --view details --segment %s" % (label, seg),
              load + ["--view", "details", "--trace", trace, "--segment", seg], max_line=bound)
    for key in ("service", "user", "http.url", "http.method", "http.status", "annotation.plain",
                "rootcause.fault", "rootcause.error", "rootcause.responsetime"):
        check("%s --group-by %s" % (label, key), load + ["--group-by", key], max_line=bound)
        check("%s --group-by %s -o json" % (label, key), load + ["--group-by", key, "-o", "json"], "json")
        check("%s --group-by %s -o ndjson" % (label, key), load + ["--group-by", key, "-o", "ndjson"], "ndjson")


sys.path.insert(0, os.path.join(TOP, "tests"))
import gen_hostile  # noqa: E402

all_outputs(FIXTURE, TRACE, "hostile")
r = run("-b", "--load", FIXTURE, "--view", "details", "--trace", TRACE)
ok(r and b"^[]52;c;" in r.stdout and b"\\u202E" in r.stdout and b"\\u009B2J" in r.stdout,
   "the attacks are shown escaped (caret notation, \\u), not dropped")
with tempfile.TemporaryDirectory() as tmp:
    long_path = os.path.join(tmp, "long.ndjson")
    subprocess.run([sys.executable, GEN, long_path, str(1 << 20)], check=True)
    all_outputs(long_path, LONG_TRACE, "1 MB", width=100)

    # Hostile text in the filter, options and file names: the error
    # messages show it escaped.
    attack = gen_hostile.ATTACKS.replace(gen_hostile.BAD_UTF8, "").replace("\x00", "").replace("\ud800", "")
    literal = attack.replace("\\", "\\\\").replace('"', '\\"')
    check("--check-filter hostile string literal", ["--check-filter", 'user = "%s"' % literal])
    check("--check-filter hostile syntax", ["--check-filter", attack], rc=(2,))
    check("--filter hostile text", ["-b", "--load", FIXTURE, "--filter", "service(\"%s\")" % literal])
    check("--filter hostile syntax", ["-b", "--load", FIXTURE, "--filter", attack], rc=(2,))
    check("--sort hostile", ["-b", "--load", FIXTURE, "--sort", attack], rc=(2,))
    check("hostile option name", ["--" + attack], rc=(2,))
    check("--trace hostile id", ["-b", "--load", FIXTURE, "--trace", attack], rc=(1, 2))
    check("--segment hostile id", ["-b", "--load", FIXTURE, "--view", "details", "--trace", TRACE,
                                   "--segment", attack], rc=(1, 2))
    check("--load hostile missing file name", ["-b", "--load", os.path.join(tmp, attack.replace("/", ""))],
          rc=(1,))
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "wb") as f:
        f.write(b'{"id":"1","name":"' + attack.encode("utf-8", "surrogatepass") + b'"}\n')
    check("--load invalid JSON with raw attacks", ["-b", "--load", bad], rc=(1,))
    check("--width hostile", ["-b", "--demo", "--width", attack], rc=(2,))

# Many distinct users, annotation keys and values, resources in one trace
# (and annotation keys across traces): the summary and the list's
# annotation columns stay linear.  Quadratic sets took 163 s for 60,000
# segments; 40,000 must take well under 30 s even on a busy machine.
with tempfile.TemporaryDirectory() as tmp:
    many = os.path.join(tmp, "many.ndjson")
    tid = "1-5f000000-00000000000000000000abcd"
    n_many = 40000
    with open(many, "w") as f:
        f.write(json.dumps({"id": "a000000000000000", "name": "root", "trace_id": tid,
                            "start_time": 1, "end_time": 2}) + "\n")
        for i in range(n_many):
            f.write(json.dumps({"id": "%016x" % (i + 1), "name": "s", "trace_id": tid,
                                "parent_id": "a000000000000000", "start_time": 1, "end_time": 2,
                                "user": "u%d" % i, "resource_arn": "arn:aws:x:%d" % i,
                                "annotations": {"k%d" % (i % 20000): "v%d" % i}}) + "\n")
    r = run("-b", "-o", "json", "--load", many, timeout=30)
    ok(r is not None and r.returncode == 0,
       "%d distinct users, resources, annotation keys and values: summarised in under 30 s"
       % n_many)
    if r is not None and r.returncode == 0:
        summary = json.loads(r.stdout)["TraceSummaries"][0]
        ok(len(summary.get("Users", [])) == n_many and
           len(summary.get("ResourceARNs", [])) == n_many and
           len(summary.get("Annotations", {})) == 20000 and
           all(len(v) == 2 for v in summary["Annotations"].values()),
           "... every user, resource, key and value counted once (first seen first: %s)"
           % (summary.get("Users", [{}])[0].get("UserName"),))

for n, (passed, desc) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if passed else "not ok", n, desc))
print("1..%d" % len(results))
sys.exit(0 if all(p for p, _ in results) else 1)
