#!/usr/bin/python3
"""gen_demo_test.py - TAP test of data/gen-demo.py and the demo data set.

Regenerates data/demo.json, tests/data/demo-summaries.json and
tests/data/demo-small.ndjson and requires them to be byte-identical to the
committed files, then checks the data itself: documents parse, ids and
parent links resolve, children lie within their parents' time, the scenario
mix is there, and the summaries agree with a summary computed here, from
the batch output, independently of the generator's code.

Run from the source root: /usr/bin/python3 tests/gen_demo_test.py
(or with top_srcdir set to it, as `make check` does).  Writes nothing.
"""

import collections
import ipaddress
import json
import math
import os
import re
import subprocess
import sys

TOP = os.environ.get("top_srcdir") or "."
GEN = os.path.join(TOP, "data", "gen-demo.py")
DEMO = os.path.join(TOP, "data", "demo.json")
SUMMARIES = os.path.join(TOP, "tests", "data", "demo-summaries.json")
SMALL = os.path.join(TOP, "tests", "data", "demo-small.ndjson")
SMALL_ARGS = ["--traces", "20", "--format", "ndjson", "--daemon-header"]
MAX_SIZE = 1536 * 1024
HEX16 = re.compile(r"^[0-9a-f]{16}$")
TRACE_ID = re.compile(r"^1-([0-9a-f]{8})-[0-9a-f]{24}$")
HANGUL = re.compile("[\uac00-\ud7a3]")
EPS = 2e-6  # seconds; times are microseconds


def generate(*args):
    """Run the generator; return (stdout bytes, stderr bytes, status)."""
    p = subprocess.run([sys.executable, GEN] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.stdout, p.stderr, p.returncode


def read(path):
    with open(path, "rb") as f:
        return f.read()


# --------------------------------------------------------------------------
# Trace model used by the checks

class Node:
    """A segment or subsegment with links to its container."""

    def __init__(self, doc, container, top):
        self.doc = doc
        self.container = container  # enclosing node in the same document
        self.top = top  # the segment document this node is part of
        self.id = doc.get("id")
        self.start = doc.get("start_time")
        self.end = doc.get("end_time")
        self.depth = 0 if container is None else container.depth + 1
        self.children = [Node(s, self, top or self) for s in doc.get("subsegments", ())]

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def load_trace(trace):
    """Parse a Trace of a BatchGetTraces response into top-level Nodes."""
    tops = []
    for seg in trace["Segments"]:
        doc = json.loads(seg["Document"])
        tops.append(Node(doc, None, None))
    for t in tops:
        for n in t.walk():
            if n.top is None:
                n.top = t
    return tops


def index_nodes(tops):
    ids = {}
    for t in tops:
        for n in t.walk():
            ids.setdefault(n.id, []).append(n)
    return ids


def all_nodes(tops):
    for t in tops:
        yield from t.walk()


def root_of(tops):
    roots = [t for t in tops if "parent_id" not in t.doc]
    return roots[0] if len(roots) == 1 else None


# --------------------------------------------------------------------------
# A summary computed from the parsed documents (the test's own reading of
# the TraceSummary rules, written without looking at the generator)

def service_id(doc):
    return {"Name": doc["name"], "Names": [doc["name"]],
            "AccountId": "123456789012", "Type": doc["origin"]}


def canon(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def annotation_value(v):
    if isinstance(v, bool):
        return {"BooleanValue": v}
    if isinstance(v, (int, float)):
        return {"NumberValue": v}
    return {"StringValue": v}


def expected_root_cause(tops, flag):
    """The deepest node carrying `flag` and a cause object with exceptions."""
    best = None
    for t in tops:
        for n in t.walk():
            cause = n.doc.get("cause")
            if n.doc.get(flag) and isinstance(cause, dict) and cause.get("exceptions"):
                if best is None or n.depth > best.depth:
                    best = n
    if best is None:
        return []
    path, n = [], best
    while n is not None:
        path.insert(0, {"Name": n.doc["name"]})
        n = n.container
    excs = best.doc["cause"]["exceptions"]
    path[-1]["Exceptions"] = [{"Name": e["type"], "Message": e["message"]} for e in excs]
    if any(e.get("remote") for e in excs):
        path[-1]["Remote"] = True
    svc = dict(service_id(best.top.doc), EntityPath=path,
               Inferred=bool(best.top.doc.get("inferred")))
    return [{"Services": [svc], "ClientImpacting": True}]


def expected_summary(trace):
    tops = load_trace(trace)
    root = root_of(tops)
    nodes = list(all_nodes(tops))
    first = min(n.start for n in nodes)
    ends = [n.end for n in nodes if n.end is not None]
    http = root.doc.get("http", {})
    req, resp = http.get("request", {}), http.get("response", {})
    s = {"Id": trace["Id"], "StartTime": root.start,
         "Duration": (max(ends) if ends else first) - first}
    if root.end is not None:
        s["ResponseTime"] = root.end - root.start
    s["HasFault"] = bool(root.doc.get("fault"))
    s["HasError"] = bool(root.doc.get("error"))
    s["HasThrottle"] = any(n.doc.get("throttle") for n in nodes)
    s["IsPartial"] = any(n.doc.get("in_progress") for n in nodes)
    s["Http"] = {"HttpURL": req.get("url"), "HttpMethod": req.get("method"),
                 "UserAgent": req.get("user_agent"), "ClientIp": req.get("client_ip")}
    if "status" in resp:
        s["Http"]["HttpStatus"] = resp["status"]
    ann = collections.defaultdict(dict)
    for n in nodes:
        for k, v in n.doc.get("annotations", {}).items():
            entry = ann[k].setdefault(canon(annotation_value(v)), set())
            entry.add(canon(service_id(n.top.doc)))
    s["Annotations"] = {k: {v: sorted(ids) for v, ids in vals.items()} for k, vals in ann.items()}
    s["Users"] = sorted({canon({"UserName": t.doc["user"], "ServiceIds": [service_id(t.doc)]})
                         for t in tops if "user" in t.doc})
    s["ServiceIds"] = sorted({canon(service_id(t.doc)) for t in tops})
    s["ResourceARNs"] = sorted({t.doc["resource_arn"] for t in tops if "resource_arn" in t.doc})
    s["EntryPoint"] = service_id(root.doc)
    s["FaultRootCauses"] = expected_root_cause(tops, "fault") if s["HasFault"] else []
    s["ErrorRootCauses"] = expected_root_cause(tops, "error") if s["HasError"] else []
    s["Revision"] = 1
    return s


def normalise_summary(s):
    """The generator's summary in the comparable form of expected_summary."""
    n = dict(s)
    n["Annotations"] = {
        k: {canon(e["AnnotationValue"]): sorted(canon(i) for i in e["ServiceIds"]) for e in vals}
        for k, vals in s.get("Annotations", {}).items()}
    n["Users"] = sorted(canon(u) for u in s.get("Users", []))
    n["ServiceIds"] = sorted(canon(i) for i in s.get("ServiceIds", []))
    n["ResourceARNs"] = sorted(a["ARN"] for a in s.get("ResourceARNs", []))
    for k in ("InstanceIds", "AvailabilityZones"):
        n.pop(k, None)
    return n


def summary_diff(got, want):
    """Names of the fields that disagree."""
    bad = []
    for key in sorted(set(got) | set(want)):
        a, b = got.get(key), want.get(key)
        if isinstance(a, float) or isinstance(b, float):
            if a is None or b is None or abs(a - b) > EPS:
                bad.append(key)
        elif a != b:
            bad.append(key)
    return bad


# --------------------------------------------------------------------------
# Checks; each returns (passed, diagnostic)

class Data:
    """Outputs shared by the checks, made once."""
    demo_bytes = None
    demo = None
    traces = None  # list of (trace, tops)


def load_demo():
    Data.demo_bytes = read(DEMO)
    Data.demo = json.loads(Data.demo_bytes)
    Data.traces = [(t, load_trace(t)) for t in Data.demo["Traces"]]


def check_help():
    out, err, rc = generate("--help")
    text = out.decode()
    missing = [o for o in ("--traces", "--seed", "--start", "--span", "--out",
                           "--format", "--daemon-header") if o not in text]
    return rc == 0 and not missing, "rc=%d missing=%s" % (rc, missing)


def check_regenerate_batch():
    out, err, rc = generate()
    return (rc == 0 and out == Data.demo_bytes and err == b"",
            "rc=%d stderr=%r same=%s" % (rc, err[:200], out == Data.demo_bytes))


def check_awscli_format():
    want = (json.dumps(Data.demo, indent=4, ensure_ascii=False) + "\n").encode()
    keys = set(Data.demo) == {"Traces", "UnprocessedTraceIds"}
    tkeys = all(list(t) == ["Id", "Duration", "LimitExceeded", "Segments"]
                for t, _ in Data.traces)
    return want == Data.demo_bytes and keys and tkeys, "layout differs from awscli's"


def check_size():
    n = len(Data.traces)
    size = len(Data.demo_bytes)
    return size <= MAX_SIZE and 250 <= n <= 350, "size=%d traces=%d" % (size, n)


def check_documents():
    bad = []
    for t, tops in Data.traces:
        for seg, top in zip(t["Segments"], tops):
            doc = top.doc
            if seg["Id"] != doc.get("id") or doc.get("trace_id") != t["Id"]:
                bad.append((t["Id"], seg["Id"], "id/trace_id"))
            if len(seg["Document"].encode()) > 64 * 1024:
                bad.append((t["Id"], seg["Id"], "over 64 kB"))
    return not bad, "bad=%s" % bad[:3]


def check_ids():
    bad = []
    for t, tops in Data.traces:
        m = TRACE_ID.match(t["Id"])
        root = root_of(tops)
        if not m or root is None or int(m.group(1), 16) != int(root.start):
            bad.append((t["Id"], "trace id"))
        counts = collections.Counter(n.id for n in all_nodes(tops))
        for i, c in counts.items():
            if not HEX16.match(i or "") or c != 1:
                bad.append((t["Id"], i))
    return not bad, "bad=%s" % bad[:3]


def check_parents():
    bad = []
    for t, tops in Data.traces:
        ids = index_nodes(tops)
        root = root_of(tops)
        if root is None or root.doc.get("origin") != "AWS::ApiGateway::Stage":
            bad.append((t["Id"], "root"))
        for top in tops:
            pid = top.doc.get("parent_id")
            if pid is not None and pid not in ids:
                bad.append((t["Id"], top.id, pid))
    return not bad, "unresolved=%s" % bad[:3]


def within(child, parent):
    """child's time lies within parent's; open nodes end at +inf."""
    c_end = math.inf if child.end is None else child.end
    p_end = math.inf if parent.end is None else parent.end
    return parent.start - EPS <= child.start and c_end <= p_end + EPS


def check_times():
    bad = []
    for t, tops in Data.traces:
        ids = index_nodes(tops)
        for n in all_nodes(tops):
            has_end = n.end is not None
            if n.start is None or has_end == bool(n.doc.get("in_progress")):
                bad.append((t["Id"], n.id, "start/end/in_progress"))
            elif has_end and n.end < n.start:
                bad.append((t["Id"], n.id, "end<start"))
            parent = n.container
            if parent is None and "parent_id" in n.doc and n.doc["parent_id"] in ids:
                parent = ids[n.doc["parent_id"]][0]
            if parent is not None and not within(n, parent):
                bad.append((t["Id"], n.id, "outside parent"))
    return not bad, "bad=%s" % bad[:3]


def check_number_forms():
    texts = [s["Document"] for t, _ in Data.traces for s in t["Segments"]]
    exp = sum(1 for d in texts if re.search(r'"start_time":\d\.\d+E9', d))
    dec = sum(1 for d in texts if re.search(r'"start_time":\d{10}\.\d+[,}]', d))
    return exp > 0 and dec > 0, "exponent=%d decimal=%d" % (exp, dec)


def check_trace_duration():
    bad = []
    for t, tops in Data.traces:
        nodes = list(all_nodes(tops))
        ends = [n.end for n in nodes if n.end is not None]
        want = max(ends) - min(n.start for n in nodes)
        if abs(t["Duration"] - want) > EPS:
            bad.append((t["Id"], t["Duration"], want))
    return not bad, "bad=%s" % bad[:3]


def check_client_ips():
    bad = []
    for t, tops in Data.traces:
        for n in all_nodes(tops):
            ip = (n.doc.get("http") or {}).get("request", {}).get("client_ip")
            if ip is not None:
                try:
                    ipaddress.IPv4Address(ip)
                except ValueError:
                    bad.append(ip)
    return not bad, "bad=%s" % bad[:3]


def check_inferred():
    bad, count = [], 0
    for t, tops in Data.traces:
        ids = index_nodes(tops)
        for top in tops:
            if not top.doc.get("inferred"):
                continue
            count += 1
            parent = ids[top.doc["parent_id"]][0]
            same = all(top.doc.get(k) == parent.doc.get(k) for k in
                       ("start_time", "end_time", "http", "aws", "error", "throttle", "fault"))
            if (parent.doc["name"] != "DynamoDB" or top.doc["name"] != "Reservations"
                    or top.doc["origin"] != "AWS::DynamoDB::Table" or not same):
                bad.append((t["Id"], top.id))
    return count > 0 and not bad, "inferred=%d bad=%s" % (count, bad[:3])


def scenario_stats():
    st = collections.Counter()
    names = collections.Counter()
    for t, tops in Data.traces:
        root = root_of(tops)
        nodes = list(all_nodes(tops))
        status = root.doc.get("http", {}).get("response", {}).get("status")
        st["status %s" % status] += 1
        st["fault"] += bool(root.doc.get("fault")) and status == 502
        st["error"] += bool(root.doc.get("error")) and status == 400
        st["validation"] += any(n.doc["name"] == "validate_input" and n.doc.get("error")
                                and n.doc["cause"]["exceptions"][0]["type"] == "ValidationError"
                                for n in nodes)
        throttled = [n for n in nodes if n.doc.get("throttle")]
        if any(n.doc["name"] == "DynamoDB" and n.doc.get("error")
               and n.doc["http"]["response"]["status"] == 400 and n.doc["aws"]["retries"] > 0
               for n in throttled):
            st["throttle"] += 1
            st["throttle+ok" if status in (200, 201) else "throttle+fault"] += 1
        st["throttled inferred"] += any(t.doc.get("inferred") for t in throttled)
        st["cold"] += any(n.doc["name"] == "Initialization" for n in nodes)
        st["partial"] += any(n.doc.get("in_progress") for n in nodes)
        st["limit"] += t["LimitExceeded"]
        st["slow"] += root.end is not None and 1.0 <= root.end - root.start <= 4.5
        st["user"] += any("user" in n.doc for n in tops)
        st["stack"] += any(isinstance(n.doc.get("cause"), dict)
                           and n.doc["cause"].get("paths")
                           and n.doc["cause"]["exceptions"][0].get("stack")
                           for n in nodes)
        st["cause by id"] += any(isinstance(n.doc.get("cause"), str) for n in nodes)
        for n in nodes:
            ann = n.doc.get("annotations", {})
            if "restaurantName" in ann:
                names[ann["restaurantName"]] += 1
            st["partySize number"] += type(ann.get("partySize")) is int
            st["coldStart bool"] += type(ann.get("coldStart")) is bool
            for ns in n.doc.get("metadata", {}):
                st["metadata " + ns] += 1
        st[root.doc["http"]["request"]["method"]] += 1
    return st, names


def check_mix():
    st, names = scenario_stats()
    n = len(Data.traces)
    need = ["fault", "error", "validation", "throttle", "throttle+ok", "throttle+fault",
            "throttled inferred", "cold", "partial", "slow", "user", "stack",
            "cause by id", "partySize number", "coldStart bool", "metadata quicktable",
            "metadata default", "GET", "POST", "status 200", "status 201"]
    missing = [k for k in need if not st[k]]
    ratios = (0.55 <= st["status 200"] / n + st["status 201"] / n <= 0.9
              and 0.05 <= st["error"] / n <= 0.2 and 0.02 <= st["fault"] / n <= 0.15
              and 0.02 <= st["throttle"] / n <= 0.12 and 0.03 <= st["cold"] / n <= 0.15)
    return (not missing and st["limit"] == 1 and ratios,
            "missing=%s limit=%d stats=%s" % (missing, st["limit"], dict(st)))


def check_names():
    st, names = scenario_stats()
    korean = [k for k in names if HANGUL.search(k)]
    latin = [k for k in names if not HANGUL.search(k)]
    top = names.most_common(1)[0][0] if names else None
    return (len(korean) >= 3 and len(latin) >= 3 and top == "강남 맛집",
            "names=%s" % dict(names))


def check_regenerate_summaries():
    out, err, rc = generate("--format", "summaries")
    return rc == 0 and out == read(SUMMARIES), "rc=%d stderr=%r" % (rc, err[:200])


def check_summaries_shape():
    s = json.loads(read(SUMMARIES))
    ids = [x["Id"] for x in s["TraceSummaries"]]
    starts = [x["StartTime"] for x in s["TraceSummaries"]]
    want = list(reversed([t["Id"] for t, _ in Data.traces]))
    return (ids == want and starts == sorted(starts, reverse=True)
            and s["TracesProcessedCount"] == len(ids)
            and isinstance(s["ApproximateTime"], float)
            and s["ApproximateTime"] >= starts[0]), "order or counts differ"


def check_summaries_agree():
    s = json.loads(read(SUMMARIES))
    by_id = {x["Id"]: x for x in s["TraceSummaries"]}
    bad = []
    for t, _ in Data.traces:
        got = normalise_summary(by_id[t["Id"]])
        diff = summary_diff(got, expected_summary(t))
        if diff:
            bad.append((t["Id"], diff))
    return not bad, "disagree=%s" % bad[:3]


def check_summaries_flags():
    s = json.loads(read(SUMMARIES))["TraceSummaries"]
    c = collections.Counter()
    for x in s:
        for k in ("HasFault", "HasError", "HasThrottle", "IsPartial"):
            c[k] += x[k]
        c["FaultRootCauses"] += bool(x["FaultRootCauses"])
        c["ErrorRootCauses"] += bool(x["ErrorRootCauses"])
        c["no ResponseTime"] += "ResponseTime" not in x
    ok = all(c[k] for k in ("HasFault", "HasError", "HasThrottle", "IsPartial",
                            "FaultRootCauses", "ErrorRootCauses"))
    return ok and c["no ResponseTime"] == c["IsPartial"], "counts=%s" % dict(c)


def ndjson_checks(lines):
    """Problems of an ndjson output: header, raw documents, streaming."""
    bad = []
    if lines[0] != '{"format":"json","version":1}':
        bad.append("header")
    docs = [json.loads(l) for l in lines[1:]]
    by_trace = collections.defaultdict(list)
    for d in docs:
        by_trace[d.get("trace_id")].append(d)
        if d.get("inferred"):
            bad.append("inferred " + d["id"])
    alone = [d for d in docs if d.get("type") == "subsegment"]
    if not alone:
        bad.append("no standalone subsegment")
    for tid, ds in by_trace.items():
        if not TRACE_ID.match(tid or ""):
            bad.append("trace id %r" % tid)
        tops = [Node(d, None, None) for d in ds]
        ids = index_nodes(tops)
        origins = sorted(d.get("origin", "") for d in ds if d.get("type") != "subsegment")
        if origins != ["AWS::ApiGateway::Stage", "AWS::Lambda", "AWS::Lambda::Function"]:
            bad.append("segments of %s: %s" % (tid, origins))
        for d in ds:
            if "parent_id" in d and d["parent_id"] not in ids:
                bad.append("parent of %s" % d["id"])
            if d.get("type") == "subsegment" and "parent_id" not in d:
                bad.append("standalone without parent " + d["id"])
        if any(c != 1 for c in collections.Counter(n.id for n in all_nodes(tops)).values()):
            bad.append("duplicate ids in " + tid)
    return bad, len(by_trace), len(alone)


def check_ndjson_fixture():
    out, err, rc = generate(*SMALL_ARGS)
    return rc == 0 and out == read(SMALL), "rc=%d stderr=%r" % (rc, err[:200])


def check_ndjson():
    lines = read(SMALL).decode().splitlines()
    bad, traces, alone = ndjson_checks(lines)
    return not bad and traces == 20, "traces=%d standalone=%d bad=%s" % (traces, alone, bad[:5])


def check_ndjson_same_traces():
    """The ndjson documents are the batch documents minus inferred ones,
    with the streamed subsegments put back."""
    out, _, _ = generate("--traces", "20")
    batch = json.loads(out)
    lines = read(SMALL).decode().splitlines()[1:]
    want = set()
    for t in batch["Traces"]:
        for n in all_nodes(load_trace(t)):
            if not n.top.doc.get("inferred"):
                want.add(n.id)
    got = set()
    for l in lines:
        for n in Node(json.loads(l), None, None).walk():
            got.add(n.id)
    return got == want, "only ndjson=%d only batch=%d" % (len(got - want), len(want - got))


def check_determinism():
    a = generate("--traces", "40", "--seed", "7", "--start", "1800000000")[0]
    b = generate("--traces", "40", "--seed", "7",
                 "--start", "2027-01-15T08:00:00Z", "--format", "batch")[0]
    c = generate("--traces", "40", "--seed", "8", "--start", "1800000000")[0]
    return a == b and a != c and json.loads(a)["Traces"], "seed/start handling"


def check_span():
    out = json.loads(generate("--traces", "50", "--span", "60", "--format", "summaries")[0])
    starts = [x["StartTime"] for x in out["TraceSummaries"]]
    t0 = 1795165200.0  # 2026-11-20T09:00:00Z
    return min(starts) >= t0 and max(starts) < t0 + 60, "starts %s..%s" % (min(starts), max(starts))


def check_edges():
    ok, info = True, []
    for n in ("0", "1", "2"):
        for fmt in ("batch", "summaries", "ndjson"):
            out, err, rc = generate("--traces", n, "--format", fmt)
            if rc != 0 or err:
                ok = False
                info.append((n, fmt, rc))
            elif fmt != "ndjson":
                obj = json.loads(out)
                if json.dumps(obj, indent=4, ensure_ascii=False).encode() + b"\n" != out:
                    ok = False
                    info.append((n, fmt, "layout"))
    _, _, rc = generate("--traces", "-1")
    return ok and rc != 0, "problems=%s" % info


def check_out_option():
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.json")
        out, err, rc = generate("--traces", "5", "--out", path)
        same = read(path) == generate("--traces", "5")[0]
    return rc == 0 and out == b"" and same, "rc=%d stdout=%d bytes" % (rc, len(out))


CHECKS = [
    ("--help lists every option", check_help),
    ("default options regenerate data/demo.json byte for byte", check_regenerate_batch),
    ("demo.json is laid out as awscli prints it", check_awscli_format),
    ("demo.json has ~300 traces and is at most 1.5 MB", check_size),
    ("every Document parses, matches its Segment Id and trace, fits 64 kB", check_documents),
    ("ids are 16 hex digits, unique; trace ids encode the start", check_ids),
    ("one API Gateway root per trace, every parent_id resolves", check_parents),
    ("times are consistent; children lie within their parents", check_times),
    ("times come in exponent and decimal forms", check_number_forms),
    ("Trace Duration is first start to last end", check_trace_duration),
    ("client addresses are IPv4 addresses", check_client_ips),
    ("inferred DynamoDB segments mirror their SDK subsegment", check_inferred),
    ("scenario mix: faults, errors, throttles, cold starts, partial, limit", check_mix),
    ("restaurant names mix Korean and Latin, Gangnam (U+AC15...) most common", check_names),
    ("--format summaries regenerates tests/data/demo-summaries.json", check_regenerate_summaries),
    ("summaries are newest first, one per trace", check_summaries_shape),
    ("summaries agree with the batch documents", check_summaries_agree),
    ("summaries have faults, errors, throttles, partials, root causes", check_summaries_flags),
    ("ndjson options regenerate tests/data/demo-small.ndjson", check_ndjson_fixture),
    ("ndjson: header, raw documents, standalone subsegments resolve", check_ndjson),
    ("ndjson carries the same segments as batch", check_ndjson_same_traces),
    ("--seed and --start (epoch or ISO 8601) determine the output", check_determinism),
    ("--span bounds the start times", check_span),
    ("0, 1 and 2 traces in every format; negative count refused", check_edges),
    ("--out writes the file and nothing to stdout", check_out_option),
]


def main():
    sys.stdout.reconfigure(errors="backslashreplace")  # diagnostics under any locale
    print("1..%d" % len(CHECKS))
    try:
        load_demo()
    except Exception as e:  # every check fails, with the reason
        print("# cannot load %s: %s" % (DEMO, e))
    failed = 0
    for n, (name, check) in enumerate(CHECKS, 1):
        try:
            passed, diag = check()
        except Exception as e:
            passed, diag = False, "%s: %s" % (type(e).__name__, e)
        print("%s %d - %s" % ("ok" if passed else "not ok", n, name))
        if not passed:
            failed += 1
            print("# " + str(diag).replace("\n", "\n# "))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
