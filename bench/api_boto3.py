#!/usr/bin/python3
"""The boto3 way to fetch every full trace of a window, as a user would
write it: page through GetTraceSummaries, then BatchGetTraces 5 ids at a
time, one process, one request at a time.  For bench/api-bench.sh.

    api_boto3.py ENDPOINT START END OUT.json [--summaries-only]
"""
import json
import sys

import boto3

endpoint, start, end, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
client = boto3.client("xray", endpoint_url=endpoint, region_name="us-east-1")
ids = []
for page in client.get_paginator("get_trace_summaries").paginate(StartTime=start, EndTime=end):
    ids += [s["Id"] for s in page["TraceSummaries"]]
traces = []
if "--summaries-only" not in sys.argv:
    for i in range(0, len(ids), 5):
        traces += client.batch_get_traces(TraceIds=ids[i:i + 5])["Traces"]
with open(out, "w") as f:
    json.dump({"Traces": traces, "Ids": len(ids)}, f)
