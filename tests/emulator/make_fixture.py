#!/usr/bin/python3
"""Write tests/data/emulator-traces.json, the emulator's test fixture.

The fixture is a BatchGetTraces-shaped file (what `aws xray batch-get-traces`
prints) with 30 traces of the "QuickTable" demo application spread over one
hour starting 2026-11-20T10:00:00Z:

    client -> API Gateway stage "QuickTableXRayAPI/prod"
           -> Lambda "CreateReservation" / "GetReservations"
              (one AWS::Lambda node and one AWS::Lambda::Function node each)
           -> inferred DynamoDB table "Reservations"

Every trace is described by one row of TRACES below, so the tests can state
their expectations from this table.  The output is deterministic: run
`/usr/bin/python3 tests/emulator/make_fixture.py > tests/data/emulator-traces.json`
after editing the table.
"""

import json
import random
import sys

BASE = 1795168800  # 2026-11-20T10:00:00Z
ACCOUNT = "123456789012"
REGION = "us-east-1"
API_ID = "k3qv7example"
STAGE = "QuickTableXRayAPI/prod"
TABLE = "Reservations"

# (offset s, route, kind, restaurant, user, party size, response time s)
# route: "create" = POST /reservations -> CreateReservation (PutItem)
#        "get"    = GET /reservations  -> GetReservations (Query)
# kind:  ok | error400 | fault | throttle_retried | throttle_fault |
#        apigw_throttle | partial | async | cold | limit
TRACES = [
    (12, "create", "cold", "Blue Door Bistro", "alice", 2, 0.912),
    (95, "get", "ok", "Blue Door Bistro", "alice", 2, 0.084),
    (201, "create", "ok", "강남 맛집", "minji", 4, 0.131),
    (330, "get", "ok", "Sushi Zen", None, 2, 0.063),
    (415, "create", "error400", "Sushi Zen", "bob", 0, 0.045),
    (530, "get", "ok", "Café Mélange", "carol", 3, 0.071),
    (640, "create", "fault", "Taco Loco", "dave", 6, 0.388),
    (702, "get", "throttle_retried", "Blue Door Bistro", None, 2, 0.412),
    (811, "create", "ok", "Sushi Zen", "alice", 2, 0.142),
    (905, "get", "apigw_throttle", None, None, None, 0.004),
    (1010, "create", "ok", "Taco Loco", "erin", 5, 0.127),
    (1122, "get", "ok", "강남 맛집", "minji", 4, 0.066),
    (1240, "create", "throttle_fault", "Café Mélange", "frank", 2, 1.204),
    (1333, "get", "ok", "Sushi Zen", None, 1, 0.059),
    (1451, "create", "async", "Blue Door Bistro", "alice", 8, 0.052),
    (1566, "get", "ok", "Taco Loco", "bob", 2, 0.077),
    (1680, "create", "ok", "Café Mélange", "carol", 2, 2.634),
    (1795, "get", "error400", None, "dave", None, 0.021),
    (1900, "create", "ok", "Sushi Zen", None, 3, 0.118),
    (2013, "get", "ok", "Blue Door Bistro", "erin", 2, 0.091),
    (2142, "create", "fault", "Blue Door Bistro", "alice", 12, 0.295),
    (2250, "get", "limit", "Taco Loco", None, 2, 0.088),
    (2371, "create", "ok", "강남 맛집", "jisoo", 2, 0.136),
    (2480, "get", "ok", "Café Mélange", "frank", 4, 0.069),
    (2602, "create", "cold", "Taco Loco", "bob", 2, 1.045),
    (2733, "get", "throttle_retried", "Sushi Zen", "carol", 2, 0.356),
    (2950, "create", "ok", "Blue Door Bistro", None, 2, 0.124),
    (3120, "get", "ok", "Sushi Zen", "erin", 6, 0.072),
    (3301, "create", "error400", "Taco Loco", "dave", 40, 0.048),
    (3512, "get", "partial", "Blue Door Bistro", "alice", 2, 0.0),
]

USER_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) QuickTableWeb/1.4",
    "QuickTableiOS/2.1 CFNetwork/1410.0.3 Darwin/22.6.0",
    "okhttp/4.11.0",
]


class Ids:
    """Deterministic generator of X-Ray segment and trace id parts."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def hex(self, n):
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def segment(self):
        return self.hex(16)

    def trace(self, epoch):
        return "1-%08x-%s" % (epoch, self.hex(24))


def r3(x):
    """Round a time to the microsecond as X-Ray SDKs write them."""
    return round(x, 6)


def apigw_segment(ids, trace_id, t0, rt, route, status, kind):
    """The root segment written by API Gateway, plus its Lambda subsegment."""
    method = "POST" if route == "create" else "GET"
    seg = {
        "id": ids.segment(), "name": STAGE, "trace_id": trace_id,
        "start_time": r3(t0), "end_time": r3(t0 + rt),
        "origin": "AWS::ApiGateway::Stage",
        "resource_arn": "arn:aws:apigateway:%s::/restapis/%s/stages/prod"
                        % (REGION, API_ID),
        "http": {
            "request": {
                "url": "https://%s.execute-api.%s.amazonaws.com/prod/reservations"
                       % (API_ID, REGION),
                "method": method,
                "user_agent": USER_AGENTS[int(t0) % len(USER_AGENTS)],
                "client_ip": "198.51.100.%d" % (int(t0) % 250 + 1),
                "x_forwarded_for": True,
            },
            "response": {"status": status, "content_length": 0},
        },
        "aws": {"api_gateway": {"account_id": ACCOUNT, "rest_api_id": API_ID,
                                "stage": "prod", "request_id": ids.hex(8)},
                "account_id": ACCOUNT},
        "metadata": {"default": {"extended_request_id": ids.hex(12)}},
    }
    flag_status(seg, status)
    if kind == "apigw_throttle":
        return seg, None
    sub = {
        "id": ids.segment(), "name": "Lambda", "namespace": "aws",
        "start_time": r3(t0 + 0.003), "end_time": r3(t0 + rt - 0.002),
        "http": {"request": {"url": "https://lambda.%s.amazonaws.com/2015-03-31/functions/arn:aws:lambda:%s:%s:function:%s/invocations"
                             % (REGION, REGION, ACCOUNT, function_name(route)),
                             "method": "POST"},
                 "response": {"status": 202 if kind == "async" else 200,
                              "content_length": 0}},
        "aws": {"function_name": function_name(route),
                "region": REGION, "operation": "Invoke",
                "resource_names": [function_name(route)]},
    }
    if kind in ("fault", "throttle_fault"):
        sub["fault"] = True
    seg["subsegments"] = [sub]
    return seg, sub


def flag_status(doc, status):
    """Set error/throttle/fault the way the X-Ray SDKs derive them from HTTP."""
    if status == 429:
        doc["throttle"] = True
        doc["error"] = True
    elif 400 <= status < 500:
        doc["error"] = True
    elif status >= 500:
        doc["fault"] = True


def function_name(route):
    return "CreateReservation" if route == "create" else "GetReservations"


def lambda_segments(ids, trace_id, parent, t0, t1, row, kind):
    """The AWS::Lambda and AWS::Lambda::Function segments of one invocation.

    Returns (service segment, function segment, DynamoDB subsegment or None).
    """
    offset, route, _, restaurant, user, party, rt = row
    fname = function_name(route)
    arn = "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, fname)
    svc = {
        "id": ids.segment(), "name": fname, "trace_id": trace_id,
        "parent_id": parent["id"], "origin": "AWS::Lambda",
        "start_time": r3(t0), "end_time": r3(t1),
        "http": {"response": {"status": 202 if kind == "async" else 200}},
        "aws": {"request_id": "%s-%s" % (ids.hex(8), ids.hex(12)),
                "account_id": ACCOUNT},
        "resource_arn": arn,
    }
    fstart = t0 + 0.006
    fn = {
        "id": ids.segment(), "name": fname, "trace_id": trace_id,
        "parent_id": svc["id"], "origin": "AWS::Lambda::Function",
        "start_time": r3(fstart), "end_time": r3(t1 - 0.002),
        "aws": {"function_arn": arn, "resource_names": [fname],
                "account_id": ACCOUNT,
                "xray": {"sdk": "X-Ray for Python", "sdk_version": "2.12.0"}},
        "resource_arn": arn,
        "subsegments": [],
    }
    if user:
        fn["user"] = user
    cold = kind == "cold"
    inv_start = fstart
    if cold:
        fn["subsegments"].append({
            "id": ids.segment(), "name": "Initialization",
            "start_time": r3(fstart), "end_time": r3(fstart + 0.54),
            "aws": {"function_arn": arn}})
        inv_start = fstart + 0.55
    annotations = {}
    if restaurant is not None:
        annotations["restaurantName"] = restaurant
    if party is not None:
        annotations["partySize"] = party
    annotations["coldStart"] = cold
    handler = {
        "id": ids.segment(), "name": "## handler",
        "start_time": r3(inv_start + 0.001), "end_time": r3(t1 - 0.006),
        "annotations": annotations,
        "metadata": {"quicktable": {"route": route}},
        "subsegments": [],
    }
    invocation = {
        "id": ids.segment(), "name": "Invocation",
        "start_time": r3(inv_start), "end_time": r3(t1 - 0.004),
        "aws": {"function_arn": arn}, "subsegments": [handler],
    }
    fn["subsegments"].append(invocation)
    fn["subsegments"].append({
        "id": ids.segment(), "name": "Overhead",
        "start_time": r3(t1 - 0.004), "end_time": r3(t1 - 0.002),
        "aws": {"function_arn": arn}})
    ddb = None
    if kind != "error400":
        op = "PutItem" if route == "create" else "Query"
        d0 = inv_start + 0.004
        d1 = t1 - 0.010
        ddb = {
            "id": ids.segment(), "name": "DynamoDB", "namespace": "aws",
            "start_time": r3(d0), "end_time": r3(d1),
            "http": {"response": {"status": 200, "content_length": 180}},
            "aws": {"operation": op, "region": REGION, "table_name": TABLE,
                    "resource_names": [TABLE], "retries": 0,
                    "request_id": ids.hex(32).upper()},
        }
        handler["subsegments"].append(ddb)
    if kind in ("throttle_retried", "throttle_fault"):
        ddb["throttle"] = True
        ddb["error"] = True
        ddb["aws"]["retries"] = 3 if kind == "throttle_fault" else 1
        ddb["http"]["response"] = {"status": 400, "content_length": 120}
    if kind == "throttle_fault":
        exc = {"id": ids.segment(), "type": "ProvisionedThroughputExceededException",
               "message": "The level of configured provisioned throughput for the table was exceeded.",
               "remote": True}
        ddb["cause"] = {"working_directory": "/var/task", "exceptions": [exc]}
        for doc in (handler, invocation, fn):
            doc["fault"] = True
        handler["cause"] = {"working_directory": "/var/task", "exceptions": [
            {"id": ids.segment(), "type": "ClientError",
             "message": "An error occurred (ProvisionedThroughputExceededException) when calling the PutItem operation",
             "stack": [{"path": "/var/task/app.py", "line": 41, "label": "create"}]}]}
        svc["fault"] = True
    if kind == "fault":
        for doc in (handler, invocation, fn):
            doc["fault"] = True
        handler["cause"] = {"working_directory": "/var/task", "exceptions": [
            {"id": ids.segment(), "type": "KeyError",
             "message": "'tableSize'",
             "stack": [{"path": "/var/task/app.py", "line": 58, "label": "pick_table"},
                       {"path": "/var/task/app.py", "line": 33, "label": "create"}]}]}
        svc["fault"] = True
    if kind == "error400":
        handler["error"] = True
        handler["cause"] = {"working_directory": "/var/task", "exceptions": [
            {"id": ids.segment(), "type": "ValidationError",
             "message": "partySize must be between 1 and 20"}]}
    if kind == "partial":
        del fn["end_time"]
        fn["in_progress"] = True
        del svc["end_time"]
        svc["in_progress"] = True
    return svc, fn, ddb


def inferred_dynamodb(ids, trace_id, ddb):
    """The segment X-Ray infers for the DynamoDB table from the subsegment."""
    seg = {
        "id": ids.segment(), "name": TABLE, "trace_id": trace_id,
        "parent_id": ddb["id"], "inferred": True,
        "origin": "AWS::DynamoDB::Table",
        "start_time": ddb["start_time"], "end_time": ddb["end_time"],
        "http": ddb["http"], "aws": dict(ddb["aws"]),
    }
    for flag in ("error", "throttle", "fault"):
        if ddb.get(flag):
            seg[flag] = True
    if "cause" in ddb:
        seg["cause"] = ddb["cause"]
    return seg


def status_for(kind, route):
    return {"error400": 400, "fault": 502, "throttle_fault": 502,
            "apigw_throttle": 429, "async": 202}.get(kind, 200)


def make_trace(ids, row):
    offset, route, kind, restaurant, user, party, rt = row
    epoch = BASE + offset
    t0 = epoch + (offset % 7) * 0.1 + 0.0123
    trace_id = ids.trace(epoch)
    status = status_for(kind, route)
    if kind == "partial":
        rt = 0.9  # API Gateway is still waiting; the root has not finished
    root, invoke = apigw_segment(ids, trace_id, t0, rt, route, status, kind)
    segs = [root]
    if invoke is not None:
        if kind == "async":
            l0, l1 = t0 + 0.02, t0 + 1.48
        else:
            l0, l1 = invoke["start_time"] + 0.001, invoke["end_time"] - 0.001
        svc, fn, ddb = lambda_segments(ids, trace_id, invoke, l0, l1, row, kind)
        segs += [svc, fn]
        if ddb is not None:
            segs.append(inferred_dynamodb(ids, trace_id, ddb))
    if kind == "partial":
        del root["end_time"]
        root["in_progress"] = True
        del root["http"]["response"]
    ends = [s.get("end_time", s["start_time"]) for s in segs]
    duration = round(max(ends) - min(s["start_time"] for s in segs), 3)
    return {
        "Id": trace_id,
        "Duration": duration,
        "LimitExceeded": kind == "limit",
        "Segments": [{"Id": s["id"],
                      "Document": json.dumps(s, ensure_ascii=False,
                                             separators=(",", ":"))}
                     for s in segs],
    }


def main():
    ids = Ids(20261120)
    traces = [make_trace(ids, row) for row in TRACES]
    out = {"Traces": traces, "UnprocessedTraceIds": []}
    sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
