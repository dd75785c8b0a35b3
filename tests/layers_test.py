#!/usr/bin/env python3
"""TAP test: the include graph of src/ follows the layers HACKING draws.

Reads every #include of every .c and .h under src/ and checks:
  - no include reaches a higher layer:
        util <- model, aws <- xray, filter, view <- source
             <- loop, session <- front ends (batch/, tui/, app, main,
                frontend, options, save)
  - the front ends (batch/, tui/) reach the sources only through the
    session: they include nothing from source/ (so a new front end can be
    written against session.h, loop.h and the views);
  - each outside library is included only where HACKING says: curses in
    src/tui/, curl in aws/http.c, cJSON in xray/ and aws/decode_creds.c,
    aws/decode_sso.c, aws/secretjson.{c,h}; PCRE2 in util/regex.c; expat
    in aws/sts.c; protobuf-c in xray/otlp_pb.c; zlib in source/otlp.c;
    libcrypto in aws/sso.c;
    threads are started (pthread_create) only in util/parallel.c;
  - the graph of modules (x.c and x.h are one module) has no cycle, nor
    has the graph of folders.
Every violation is named with its file and line.  Run from the source tree
(or with top_srcdir set to it, as make check does).  Writes nothing.
"""
import os
import re
import sys

TOP = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(__file__), "..")
SRC = os.path.join(TOP, "src")

# Layer of each folder / top-level file of src/ (higher may include lower).
LAYERS = {
    "util": 0,
    "model": 1, "aws": 1,
    "xray": 2, "filter": 2, "view": 2,
    "source": 3,
    "loop": 4, "session": 4,
    "batch": 5, "tui": 5, "app": 5, "main": 5, "frontend": 5, "options": 5,
    "save": 5,
}
LAYER_NAMES = ["util", "model/aws", "xray/filter/view", "source", "loop/session",
               "front ends"]

# Outside headers: a pattern on the <...> name, and where it may appear.
LIBRARIES = [
    ("curses", re.compile(r"^(n?curses(w)?|term)\.h$|^ncursesw/"),
     lambda p: p.startswith("tui/")),
    ("curl", re.compile(r"^curl/"), lambda p: p == "aws/http.c"),
    ("cJSON", re.compile(r"^cjson/|^cJSON\.h$"),
     lambda p: p.startswith("xray/") or p in (
         "aws/decode_creds.c", "aws/decode_sso.c", "aws/secretjson.c",
         "aws/secretjson.h")),
    ("PCRE2", re.compile(r"^pcre2"), lambda p: p == "util/regex.c"),
    ("expat", re.compile(r"^expat"), lambda p: p == "aws/sts.c"),
    ("protobuf-c", re.compile(r"^protobuf-c/|\.pb-c\.h$"),
     lambda p: p == "xray/otlp_pb.c"),
    ("zlib", re.compile(r"^zlib\.h$"), lambda p: p == "source/otlp.c"),
    ("libcrypto", re.compile(r"^openssl/"), lambda p: p == "aws/sso.c"),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')

n = 0
failures = 0


def check(cond, desc, details=()):
    global n, failures
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, desc))
    if not cond:
        failures += 1
        for d in details:
            print("#   " + d)


def layer_key(rel):
    """The LAYERS key of a path relative to src/ ("model/store.h" -> model)."""
    head = rel.split("/", 1)[0]
    if "/" not in rel:
        head = os.path.splitext(rel)[0]
    return head


def module(rel):
    return os.path.splitext(rel)[0]


files = []
for root, _, names in os.walk(SRC):
    for name in names:
        if name.endswith((".c", ".h")):
            files.append(os.path.relpath(os.path.join(root, name), SRC).replace(os.sep, "/"))
files.sort()
check(len(files) > 50, "src/ has its sources (%d .c and .h files)" % len(files))

unknown = [f for f in files if layer_key(f) not in LAYERS]
check(not unknown, "every file of src/ has a layer in this test (and in HACKING)", unknown)

upward, unresolved, frontend_source, libs, threads = [], [], [], [], []
edges = {}  # module -> {module: "file:line"}
for f in files:
    me = LAYERS.get(layer_key(f))
    with open(os.path.join(SRC, f), encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    for lineno, line in enumerate(text.split("\n"), 1):
        if re.search(r"\bpthread_create\s*\(", line) and f != "util/parallel.c":
            threads.append("%s:%d: %s" % (f, lineno, line.strip()))
        m = INCLUDE.match(line)
        if not m:
            continue
        kind, name = m.groups()
        where = "%s:%d" % (f, lineno)
        if kind == "<":
            for lib, pat, allowed in LIBRARIES:
                if pat.search(name) and not allowed(f):
                    libs.append("%s: <%s> (%s is not for this file)" % (where, name, lib))
            continue
        if name == "config.h":
            continue
        # "dir/x.h" from src/, or "x.h" next to the including file
        cands = [name, os.path.normpath(os.path.join(os.path.dirname(f), name))]
        target = next((c.replace(os.sep, "/") for c in cands
                       if os.path.isfile(os.path.join(SRC, c))), None)
        if target is None:
            if not name.startswith("gen/") and not name.endswith(".pb-c.h"):
                unresolved.append('%s: "%s"' % (where, name))
            elif f != "xray/otlp_pb.c":
                libs.append('%s: "%s" (the generated protobuf-c code is for '
                            'xray/otlp_pb.c)' % (where, name))
            continue
        them = LAYERS.get(layer_key(target))
        if me is not None and them is not None and them > me:
            upward.append('%s: "%s" (%s includes %s)' % (
                where, name, LAYER_NAMES[me], LAYER_NAMES[them]))
        if f.split("/")[0] in ("batch", "tui") and target.startswith("source/"):
            frontend_source.append('%s: "%s"' % (where, name))
        a, b = module(f), module(target)
        if a != b:
            edges.setdefault(a, {}).setdefault(b, where)

check(not unresolved, 'every #include "..." names a file of src/', unresolved)
check(not upward, "no include reaches a higher layer", upward)
check(not frontend_source,
      "batch/ and tui/ include nothing from source/ (the session is their way in)",
      frontend_source)
check(not libs, "each outside library is included only where HACKING says", libs)
check(not threads, "threads are started only in util/parallel.c", threads)


def cycles(graph):
    """The strongly connected components of graph (node -> iterable) that
    hold a cycle, each as a sorted list (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    nodes = sorted(set(graph) | {b for t in graph.values() for b in t})
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.append(x)
                    if x == node:
                        break
                if len(comp) > 1 or node in graph.get(node, ()):
                    out.append(sorted(comp))
    return out


def describe(graph, comps):
    lines = []
    for comp in comps:
        lines.append("cycle among: " + ", ".join(comp))
        for a in comp:
            for b, where in sorted(graph.get(a, {}).items()):
                if b in comp:
                    lines.append("  %s -> %s at %s" % (a, b, where))
    return lines


comps = cycles(edges)
check(not comps, "the modules' include graph has no cycle",
      describe(edges, comps))

folders = {}
for a, targets in edges.items():
    for b, where in targets.items():
        fa, fb = layer_key(a + ".c"), layer_key(b + ".c")
        if fa != fb:
            folders.setdefault(fa, {}).setdefault(fb, where)
comps = cycles(folders)
check(not comps, "the folders' include graph has no cycle", describe(folders, comps))

# The test must be able to fail: a made-up upward include is seen.
fake = {"model/x": {"session": "model/x.c:1"}, "session": {"model/x": "session.c:1"}}
check(cycles(fake) == [["model/x", "session"]] and LAYERS["session"] > LAYERS["model"],
      "self-check: a cycle and an upward include are recognised")

print("1..%d" % n)
sys.exit(1 if failures else 0)
