#!/usr/bin/env python3
"""TAP test: the service map of the demo data, computed here independently
from data/demo.json the way X-Ray builds its service graph, against
`xrtop -b --demo --view map -o json`: node set, edge set, and the counts
(total, OK, 4xx, 429, 5xx) and summed response time of every edge and node.
Also: --filter narrows the map to the matching traces, and the JSON is
GetServiceGraph-shaped."""
import json
import os
import subprocess
from collections import defaultdict
from urllib.parse import urlsplit

TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
XRTOP = os.environ.get("XRTOP") or os.path.join(TOP, "_build", "src", "xrtop")
results = []


def ok(cond, desc):
    results.append((bool(cond), desc))


def walk(seg, doc, index):
    index[seg["id"]] = (seg, doc)
    for sub in seg.get("subsegments", []):
        walk(sub, doc, index)


def outcome(seg):
    if seg.get("fault"):
        return "fault"
    if seg.get("throttle"):
        return "throttle"
    if seg.get("error"):
        return "error"
    return "ok"


def inferred(sub):
    """(name, type) of the service an aws/remote subsegment calls, or None."""
    ns = sub.get("namespace")
    aws = sub.get("aws") or {}
    if ns == "aws":
        name = aws.get("table_name") or sub["name"]
        if sub["name"] == "DynamoDB" and aws.get("table_name"):
            return name, "AWS::DynamoDB::Table"
        return name, "AWS::" + sub["name"]
    if ns == "remote":
        url = ((sub.get("http") or {}).get("request") or {}).get("url")
        return (urlsplit(url).hostname if url else sub["name"]), "remote"
    return None


def expected_map(path, keep=lambda docs: True):
    nodes = defaultdict(lambda: defaultdict(float))
    edges = defaultdict(lambda: defaultdict(float))

    def count(table, key, seg):
        st = table[key]
        if seg.get("in_progress"):
            return  # statistics come from completed segments
        st["total"] += 1
        st[outcome(seg)] += 1
        if "end_time" in seg and "start_time" in seg:
            st["time"] += seg["end_time"] - seg["start_time"]

    with open(path, encoding="utf-8") as f:
        traces = json.load(f)["Traces"]
    for trace in traces:
        docs = [json.loads(s["Document"]) for s in trace["Segments"]]
        if not keep(docs):
            continue
        index = {}
        for doc in docs:
            walk(doc, doc, index)
        called = {doc.get("parent_id") for doc in docs}

        def node(doc):
            return doc["name"], doc.get("origin")

        for doc in docs:
            count(nodes, node(doc), doc)
            parent = index.get(doc.get("parent_id"))
            if parent and parent[1] is not doc:
                count(edges, (node(parent[1]), node(doc)), doc)
            elif not doc.get("parent_id") or not parent:
                count(edges, ((doc["name"], "client"), node(doc)), doc)
        for sid, (seg, doc) in index.items():
            if seg is doc or sid in called:
                continue
            target = inferred(seg)
            if target:
                count(nodes, target, seg)
                count(edges, (node(doc), target), seg)
    return nodes, edges


def xrtop_map(*args):
    run = subprocess.run([XRTOP, "-b", "--view", "map", "-o", "json", *args],
                         capture_output=True, text=True, check=False)
    return run, (json.loads(run.stdout) if run.returncode == 0 else None)


def stats_tuple(st, time_key="time"):
    return (int(st["total"]), int(st["ok"]), int(st["error"]), int(st["throttle"]),
            int(st["fault"]), round(st[time_key], 3))


def api_tuple(s):
    e, f = s["ErrorStatistics"], s["FaultStatistics"]
    return (s["TotalCount"], s["OkCount"], e["OtherCount"], e["ThrottleCount"],
            f["TotalCount"], round(s["TotalResponseTime"], 3))


def graph_of(doc):
    nodes = {}
    edges = {}
    by_ref = {s["ReferenceId"]: s for s in doc["Services"]}
    for s in doc["Services"]:
        key = (s["Name"], s.get("Type"))
        if "SummaryStatistics" in s:
            nodes[key] = api_tuple(s["SummaryStatistics"])
        else:
            nodes[key] = None
        for e in s["Edges"]:
            to = by_ref[e["ReferenceId"]]
            edges[(key, (to["Name"], to.get("Type")))] = api_tuple(e["SummaryStatistics"])
    return nodes, edges


demo = os.path.join(TOP, "data", "demo.json")
run, doc = xrtop_map("--demo")
ok(run.returncode == 0, "xrtop -b --demo --view map -o json exits 0")
want_nodes, want_edges = expected_map(demo)
got_nodes, got_edges = graph_of(doc)
services = {k for k in got_nodes if k[1] != "client"}
ok(services == set(want_nodes), "node set: %s" % sorted(services, key=str))
ok(set(got_edges) == set(want_edges), "edge set (%d edges)" % len(want_edges))
for key in sorted(want_edges, key=str):
    got = got_edges.get(key)
    ok(got == stats_tuple(want_edges[key]),
       "edge %s (%s) -> %s (%s): counts and time %s (want %s)"
       % (key[0][0], key[0][1], key[1][0], key[1][1], got, stats_tuple(want_edges[key])))
for key in sorted(want_nodes, key=str):
    ok(got_nodes.get(key) == stats_tuple(want_nodes[key]),
       "node %s (%s): counts and time %s" % (key[0], key[1], got_nodes.get(key)))
expected_chain = {
    (("QuickTableXRayAPI/prod", "client"), ("QuickTableXRayAPI/prod", "AWS::ApiGateway::Stage")),
    (("QuickTableXRayAPI/prod", "AWS::ApiGateway::Stage"), ("CreateReservation", "AWS::Lambda")),
    (("QuickTableXRayAPI/prod", "AWS::ApiGateway::Stage"), ("GetReservations", "AWS::Lambda")),
    (("CreateReservation", "AWS::Lambda"), ("CreateReservation", "AWS::Lambda::Function")),
    (("GetReservations", "AWS::Lambda"), ("GetReservations", "AWS::Lambda::Function")),
    (("CreateReservation", "AWS::Lambda::Function"), ("Reservations", "AWS::DynamoDB::Table")),
    (("GetReservations", "AWS::Lambda::Function"), ("Reservations", "AWS::DynamoDB::Table")),
}
ok(set(got_edges) == expected_chain,
   "the demo's map: client -> API stage -> two Lambdas -> their functions -> Reservations")

# GetServiceGraph shape.
ok(isinstance(doc.get("StartTime"), float) and doc["EndTime"] > doc["StartTime"],
   "StartTime and EndTime are epoch seconds")
shape_ok = True
for s in doc["Services"]:
    shape_ok &= isinstance(s["ReferenceId"], int) and s["Names"] == [s["Name"]]
    for e in s["Edges"]:
        hist = e["ResponseTimeHistogram"]
        shape_ok &= sum(h["Count"] for h in hist) == e["SummaryStatistics"]["TotalCount"]
        shape_ok &= all(isinstance(h["Value"], (int, float)) for h in hist)
ok(shape_ok, "every service has ReferenceId and Names; histograms count every request")
roots = [s["Name"] for s in doc["Services"] if s.get("Root")]
ok(roots == ["QuickTableXRayAPI/prod"], "the API stage is the one root: %s" % roots)

# --filter: the map of the matching traces only.
run, doc = xrtop_map("--demo", "--filter", 'http.method = "POST"')
ok(run.returncode == 0, "--filter with --view map exits 0")
want_nodes, want_edges = expected_map(
    demo, keep=lambda docs: any(d.get("http", {}).get("request", {}).get("method") == "POST"
                                for d in docs if "parent_id" not in d))
got_nodes, got_edges = graph_of(doc)
ok(set(got_edges) == set(want_edges) and
   all(got_edges[k] == stats_tuple(want_edges[k]) for k in want_edges),
   "POST traces only: %d edges with the expected counts" % len(want_edges))
ok(not any(k[0] == "GetReservations" for k in got_nodes), "no GetReservations in the POST map")

print("1..%d" % len(results))
for i, (passed, desc) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if passed else "not ok", i, desc))
