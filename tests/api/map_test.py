#!/usr/bin/python3
"""TAP: `xrtop -b --view map` with the X-Ray API source, against the
emulator.  Without a filter xrtop asks GetServiceGraph and prints the
service's own graph and statistics (the JSON carries the same services,
edges and counts as the emulator's reply); with --filter it fetches the
matching full traces and maps them (the same map as --load of those
traces with the same filter)."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (FIXTURE, Tap, Workdir, api_args, emulator, key_env,  # noqa: E402
                     xrtop)

t = Tap()
work = Workdir()
emu = emulator()
env = key_env(work)


def graph_of(doc):
    """{(name, type): stats} and {((name, type), (name, type)): stats}."""
    by_ref = {s["ReferenceId"]: s for s in doc["Services"]}
    nodes, edges = {}, {}

    def counts(st):
        return (st["TotalCount"], st["OkCount"], st["ErrorStatistics"]["TotalCount"],
                st["ErrorStatistics"]["ThrottleCount"], st["FaultStatistics"]["TotalCount"],
                round(st["TotalResponseTime"], 3))

    for s in doc["Services"]:
        key = (s["Name"], s.get("Type"))
        nodes[key] = counts(s["SummaryStatistics"]) if "SummaryStatistics" in s else None
        for e in s.get("Edges", []):
            to = by_ref[e["ReferenceId"]]
            edges[(key, (to["Name"], to.get("Type")))] = counts(e["SummaryStatistics"])
    return nodes, edges


try:
    emu.reset()
    r = xrtop(api_args(emu) + ["--view", "map", "-o", "json"], env)
    t.ok(r.rc == 0, "--view map -o json from the API exits 0", r.err)
    paths = [e["path"] for e in emu.requests()]
    t.ok("/ServiceGraph" in paths and "/TraceSummaries" not in paths,
         "without a filter xrtop asks GetServiceGraph only: %s" % sorted(set(paths)))
    body = json.loads(emu.requests("/ServiceGraph")[0]["body"])
    t.ok(body.get("StartTime") == 1795168800 and body.get("EndTime") == 1795172400,
         "for the window asked: %s" % body)
    ours = json.loads(r.out) if r.rc == 0 else {"Services": []}
    # The emulator's own reply for the same window, through the AWS CLI.
    aws = os.environ.get("TEST_AWS") or "/usr/bin/aws"
    cli = subprocess.run([aws, "xray", "get-service-graph", "--start-time", "1795168800",
                          "--end-time", "1795172400", "--endpoint-url", emu.base,
                          "--region", "us-east-1", "--output", "json"],
                         env=dict(env, AWS_PAGER=""), capture_output=True, text=True)
    t.ok(cli.returncode == 0, "aws xray get-service-graph against the emulator", cli.stderr)
    emu_doc = json.loads(cli.stdout) if cli.returncode == 0 else {"Services": []}
    got_nodes, got_edges = graph_of(ours)
    want_nodes, want_edges = graph_of(emu_doc)
    t.ok(got_nodes == want_nodes, "the service's nodes and their statistics: %d" % len(got_nodes))
    t.ok(got_edges == want_edges, "the service's edges and their statistics: %d" % len(got_edges))
    t.ok(any(k[1] == "AWS::DynamoDB::Table" for k in got_nodes) and
         any(k[1] == "client" for k in got_nodes), "a client and an inferred DynamoDB table")

    r = xrtop(api_args(emu) + ["--view", "map", "--width", "100"], env)
    t.ok(r.rc == 0 and "Service map:" in r.out and "\nCALL" in r.out,
         "--view map prints the picture and the table of calls", r.err)

    r = xrtop(api_args(emu) + ["--view", "map", "-d", "10"], env)
    t.ok(r.rc == 2 and "-d is not supported" in r.err, "--view map with -d: a usage error",
         r.err)

    # With a filter: the map of the matching full traces.
    emu.reset()
    r = xrtop(api_args(emu) + ["--view", "map", "-o", "json", "--filter", "fault"], env)
    t.ok(r.rc == 0, "--view map --filter fault exits 0", r.err)
    paths = [e["path"] for e in emu.requests()]
    t.ok("/Traces" in paths and "/ServiceGraph" not in paths,
         "with a filter xrtop fetches the matching traces instead")
    api_map = graph_of(json.loads(r.out)) if r.rc == 0 else ({}, {})
    r2 = xrtop(["-b", "--load", FIXTURE, "--view", "map", "-o", "json", "--filter", "fault"],
               env)
    local = graph_of(json.loads(r2.out)) if r2.rc == 0 else ({}, {})
    t.ok(api_map == local and api_map[1],
         "the same map as --load of the fixture with the same filter (%d edges)"
         % len(api_map[1]))
finally:
    emu.stop()
    work.cleanup()
t.done()
