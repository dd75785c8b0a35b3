#!/usr/bin/python3
"""TAP: the fetch engine's other operations (GetServiceGraph, GetGroups,
BatchGetTraces for given ids) through tests/api/fetch_driver, compared
with what boto3 reads from the same emulator."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (AKID, SECRET, START, END, Tap, Workdir, emulator, fixture_ids,  # noqa: E402
                     key_env, BUILD)

import boto3  # noqa: E402

t = Tap()
work = Workdir()
groups = work.file("groups.json", json.dumps([{"GroupName": "faults", "FilterExpression": "fault"}]))
emu = emulator("--graph-page-size", "2", "--page-size", "1", "--groups", groups)
env = key_env(work)
DRIVER = os.path.join(BUILD, "tests", "api", "fetch_driver")


def driver(*args, env=env):
    p = subprocess.run([DRIVER, emu.base, "us-east-1"] + list(args), env=env, capture_output=True,
                       timeout=120)
    lines = [json.loads(x) for x in p.stdout.decode().splitlines() if x.strip()]
    return p.returncode, lines, p.stderr.decode()


os.environ.update({"AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET,
                   "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                   "AWS_EC2_METADATA_DISABLED": "true"})
os.environ.pop("AWS_SESSION_TOKEN", None)
xray = boto3.client("xray", endpoint_url=emu.base, region_name="us-east-1")


def boto_graph(group=None):
    kw = {"StartTime": START, "EndTime": END}
    if group:
        kw["GroupName"] = group
    out = []
    for page in xray.get_paginator("get_service_graph").paginate(**kw):
        out += page["Services"]
    return out


def shape(services):
    def stats(s):
        st = s.get("SummaryStatistics", {})
        return (st.get("OkCount", -1), st.get("ErrorStatistics", {}).get("TotalCount", -1),
                st.get("FaultStatistics", {}).get("TotalCount", -1), st.get("TotalCount", -1))
    return sorted((s["ReferenceId"], s["Name"], s.get("Type"), bool(s.get("Root")), stats(s),
                   tuple(sorted((e["ReferenceId"], stats(e)) for e in s.get("Edges", []))))
                  for s in services)


def mine(lines):
    return sorted((s["ReferenceId"], s["Name"], s["Type"], s["Root"],
                   tuple(s["Stats"][k] for k in ("ok", "error", "fault", "total")),
                   tuple(sorted((e["ReferenceId"], tuple(e["Stats"][k] for k in
                                                          ("ok", "error", "fault", "total")))
                                for e in s["Edges"])))
                  for s in lines)


try:
    emu.reset()
    rc, lines, err = driver("groups")
    t.is_(rc, 0, "GetGroups: exit 0")
    t.is_([(g["GroupName"], g["FilterExpression"]) for g in lines],
          [("Default", ""), ("faults", "fault")], "GetGroups: every group, every page")
    t.ok(len(emu.requests("/Groups")) == 2, "GetGroups: followed NextToken (page size 1)")

    emu.reset()
    rc, lines, err = driver("graph", str(START), str(END))
    want = boto_graph()
    t.is_(rc, 0, "GetServiceGraph: exit 0")
    t.ok(len(want) > 2 and mine(lines) == shape(want),
         "GetServiceGraph: services, statistics and edges as boto3 reads them (%d)" % len(want),
         "%s\n%s" % (mine(lines), shape(want)))
    t.ok(len(emu.requests("/ServiceGraph")) >= 2, "GetServiceGraph: paged")
    emu.reset()
    rc, lines, err = driver("graph", str(START), str(END), "faults")
    bodies = [json.loads(e["body"]) for e in emu.requests("/ServiceGraph")]
    t.ok(bodies and all(b.get("GroupName") == "faults" for b in bodies),
         "GetServiceGraph: GroupName sent")
    t.ok(mine(lines) == shape(boto_graph("faults")), "GetServiceGraph for a group: as boto3")

    ids = fixture_ids()[:6] + ["1-6b000000-000000000000000000000000"]
    emu.reset()
    rc, lines, err = driver("traces", *ids, env=key_env(work, AWS_MAX_ATTEMPTS="2"))
    t.is_(rc, 1, "BatchGetTraces with an unknown id: exit 1")
    t.is_(sorted(x["Id"] for x in lines), sorted(ids[:6]), "BatchGetTraces: the known traces")
    t.ok("1-6b000000-000000000000000000000000" in err and "UnprocessedTraceIds" in err,
         "BatchGetTraces: the unknown id is reported", err)
    batches = [json.loads(e["body"])["TraceIds"] for e in emu.requests("/Traces")]
    # two requests are in flight at once: the log's order is the order they arrived
    t.ok(all(len(b) <= 5 for b in batches) and ids[:5] in batches and ids[5:] in batches,
         "BatchGetTraces: 5 ids, then the rest", batches)
finally:
    emu.stop()
    work.cleanup()
t.done()
