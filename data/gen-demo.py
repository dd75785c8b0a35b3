#!/usr/bin/python3
"""gen-demo.py - generate the xrtop demo data set (AWS X-Ray traces).

The scenario is *QuickTable*, a restaurant-reservation API in region
ap-northeast-2, account 123456789012:

    client -> API Gateway stage QuickTableXRayAPI/prod
           -> Lambda CreateReservation (POST /reservations)
              or GetReservations     (GET  /reservations[?restaurant=..&date=..])
           -> DynamoDB table Reservations (PutItem / Query)

Every trace is one HTTP request and is made of these segment documents:

  * the API Gateway stage segment (the root), with one `Lambda` subsegment;
  * the Lambda service segment (origin AWS::Lambda), child of that subsegment;
  * the Lambda function segment (origin AWS::Lambda::Function) holding
    `Initialization` (cold starts only), `Invocation` and `Overhead`; under
    `Invocation` the handler's own subsegments:
        create_reservation > validate_input, dynamodb_put_item > DynamoDB
        get_reservations   > dynamodb_query > DynamoDB (one per result page)
  * one inferred segment `Reservations` (AWS::DynamoDB::Table) per DynamoDB
    call that completed, as the X-Ray service adds them.

The mix of requests (roughly):
  72% OK (POST 201 / GET 200)      12% validation errors (HTTP 400)
   6% handler faults (HTTP 502)     6% DynamoDB throttling
   3% slow but OK (1-4 s)           1% still in progress (partial traces)
plus 8% Lambda cold starts on any of them.  The newest trace is always in
progress and the middle one is a huge paginated listing returned with
"LimitExceeded": true and only part of its inferred segments.

  * Validation error: `validate_input` has error=true and a ValidationError
    cause; `create_reservation` is flagged and refers to the exception by id;
    the API Gateway segment answers 400 with error=true.
  * Fault: an exception escapes the handler (boto3 TypeError, json TypeError,
    DynamoDB read timeout or InternalServerError).  The innermost subsegment
    has the full cause (working_directory, paths, exceptions with stack),
    the enclosing handler subsegments refer to it by id, `Invocation` carries
    the runtime's view of the error, and everything up to the API Gateway
    segment (HTTP 502) has fault=true.
  * Throttling: the first DynamoDB call fails with
    ProvisionedThroughputExceededException after 2 SDK retries (HTTP 400,
    error=true, throttle=true on the subsegment and on the inferred segment);
    the handler backs off and tries again, which usually succeeds (a slow OK
    request) and sometimes throttles again (a fault, HTTP 502).
  * Partial: the PutItem call has not returned yet, so the DynamoDB, handler,
    Invocation, function, Lambda and API Gateway segments are all
    "in_progress": true, without end_time or HTTP status.

Annotations (on the handler subsegments): operation, restaurantName, date,
status (confirmed / rejected / failed / listed), partySize or resultCount
(numbers) and coldStart (boolean).  Metadata namespace `quicktable` (POST) or
`default` (GET) holds user_id, request_body (a JSON string) and, for
POST, reservation_data.  Signed-in users appear as `user` on the function
segment.

Output formats (--format):
  batch      what `aws xray batch-get-traces` prints (processed documents as
             JSON strings; AWS-produced segments write times in exponent form,
             e.g. 1.7949924E9, the function segment as decimals);
  ndjson     one raw segment document per line, as SDKs send them to the
             daemon: no inferred segments, about 5% of the subsegments
             (10% of the handler's) streamed on their own, with
             "type": "subsegment", parent_id and trace_id, before the
             segment they were taken from;
  summaries  a GetTraceSummaries response computed from the same traces,
             newest first.

Summary fields: Duration is first start to last end over every segment and
subsegment; ResponseTime is the root segment's end - start (absent while it
is in progress); HasFault/HasError come from the root segment; HasThrottle
and IsPartial from any segment or subsegment; FaultRootCauses and
ErrorRootCauses (only when HasFault / HasError) name the deepest segment or
subsegment carrying that flag and a cause object with exceptions.

The output depends only on the options: trace i is generated from its own
random stream (seed and i), so traces can be produced in any order and
written as they are made, in constant memory.

Standard library only; runs with Debian 12's /usr/bin/python3.
"""

import argparse
import base64
import datetime
import io
import itertools
import json
import os
import random
import re
import sys
import urllib.parse


class Weighted:
    """Values with relative weights; pick() draws one."""

    def __init__(self, pairs):
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(w for _, w in pairs))

    def pick(self, rng):
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
API_NAME = "QuickTableXRayAPI"
API_ID = "k7x2m9qd1f"
STAGE = "prod"
TABLE = "Reservations"
API_HOST = "%s.execute-api.%s.amazonaws.com" % (API_ID, REGION)
STAGE_ARN = "arn:aws:apigateway:%s::/restapis/%s/stages/%s" % (REGION, API_ID, STAGE)
POST_FN = "CreateReservation"
GET_FN = "GetReservations"

DEFAULT_SEED = 20261120
DEFAULT_START = "2026-11-20T09:00:00Z"
US = 1000000  # microseconds per second; all times are integers in us

# Scenario weights for one request (kinds), in percent.
KINDS = Weighted([("ok", 72), ("invalid", 12), ("fault", 6), ("throttle", 6),
                  ("slow", 3), ("partial", 1)])
COLD_START_RATE = 0.08
# ndjson: share of the handler's subsegments (those under Invocation) sent
# on their own; about half of all subsegments are the handler's, so this
# streams about 5% of all subsegments.
STREAM_RATE = 0.10
LIMIT_PAGES = 45  # pages read by the LimitExceeded trace
LIMIT_INFERRED = 10  # inferred segments it keeps

RESTAURANTS = Weighted([
    ("강남 맛집", 30), ("Seoul Kitchen", 10), ("부산 횟집", 8),
    ("Le Petit Bistro", 8), ("홍대 포차", 8), ("Café Müller", 7),
    ("명동 칼국수", 6), ("이태원 브런치 카페", 5), ("Trattoria Roma", 5),
    ("제주 흑돼지 본점", 5), ("Sushi Hana 스시 하나", 4),
    ("청담 The Grand Steakhouse & Wine Bar", 2), ("Pizza 🍕 Lab", 2),
])
USERS = ["minji.kim", "jiwoo.lee", "seojun.park", "hayoon.choi",
         "doyoon.jung", "seoyeon.kang", "eunwoo.cho", "jiho.yoon",
         "yuna.jang", "siwoo.lim", "alex.martin", "sophie.muller",
         "lucas.bernard", "emma.rossi", "daniel.tanaka"]
USER_AGENTS = Weighted([
    ("QuickTable/3.2.1 (iPhone; iOS 18.1; Scale/3.00)", 30),
    ("QuickTable/3.2.0 (Android 14; SM-S921N) okhttp/4.12.0", 30),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 20),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/18.1 Safari/605.1.15", 10),
    ("curl/8.5.0", 5),
    ("python-requests/2.32.3", 5),
])
IP_PREFIXES = ["211.234", "175.223", "121.134", "39.7", "110.70", "203.0.113"]
TIMES = ["12:00", "12:30", "13:00", "18:00", "18:30", "19:00", "19:30", "20:00"]


def client_ip(rng):
    """An IPv4 address under one of IP_PREFIXES (two or three octets)."""
    prefix = rng.choice(IP_PREFIXES)
    octets = [rng.randint(0, 255), rng.randint(1, 254)]
    return ".".join([prefix] + [str(o) for o in octets[prefix.count(".") - 1:]])


INVALID_POST = Weighted([  # ((message, what is wrong in the request), weight)
    (("partySize must be between 1 and 20", "party"), 5),
    (("restaurantName is required", "name"), 2),
    (("date must not be in the past: 2026-11-02", "past"), 2),
    (("time must be HH:MM between 11:00 and 22:00", "time"), 2),
])
FAULTS = {  # handler faults per method, with weights
    "POST": Weighted([("float", 4), ("timeout", 2), ("internal", 1)]),
    "GET": Weighted([("decimal", 4), ("timeout", 2), ("internal", 1)]),
}
APP = "/var/task/app.py"
PY = "/var/lang/lib/python3.12"
RUNTIME = "/var/lang/lib/python3.12/site-packages"
THROTTLE_MSG = ("An error occurred (ProvisionedThroughputExceededException) "
                "when calling the %s operation (reached max retries: 2): The "
                "level of configured provisioned throughput for the table was "
                "exceeded. Consider increasing your provisioning level with "
                "the UpdateTable API.")


# --------------------------------------------------------------------------
# Small helpers

def between(rng, lo_ms, hi_ms):
    """A uniform duration in [lo_ms, hi_ms] milliseconds, as integer us."""
    return int(rng.uniform(lo_ms, hi_ms) * 1000)


def lognormal(rng, median_ms, sigma):
    """A right-skewed latency around median_ms milliseconds, in us."""
    return max(300, int(rng.lognormvariate(0.0, sigma) * median_ms * 1000))


def function_arn(name):
    return "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, name)


class Ids:
    """Identifier factory on top of one trace's random stream."""

    def __init__(self, rng):
        self.rng = rng

    def hex16(self):
        return "%016x" % self.rng.getrandbits(64)

    def trace_id(self, epoch_seconds):
        return "1-%08x-%024x" % (epoch_seconds, self.rng.getrandbits(96))

    def uuid(self):
        r = self.rng.getrandbits
        return "%08x-%04x-4%03x-%04x-%012x" % (
            r(32), r(16), r(12), 0x8000 | r(14), r(48))

    def dynamodb_request_id(self):
        raw = self.rng.getrandbits(264).to_bytes(33, "big")
        return base64.b32encode(raw).decode("ascii")[:52]


def open_node(ids, name, start, **fields):
    """A (sub)segment dict with an end_time still to be set by close()."""
    node = {"id": ids.hex16(), "name": name, "start_time": start,
            "end_time": None}
    node.update(fields)
    return node


def close(node, end):
    node["end_time"] = end
    return end


def leave_open(node):
    """Mark a node as still running when the data was captured."""
    del node["end_time"]
    node["in_progress"] = True


def add_sub(parent, child):
    parent.setdefault("subsegments", []).append(child)
    return child


# --------------------------------------------------------------------------
# The request plan: what the client asked and how it is going to go

def pick_kind(rng, index, n):
    """Scenario of trace `index`; the random draw is always made so that the
    forced traces do not shift the random stream of the others."""
    kind = KINDS.pick(rng)
    if n >= 2 and index == n - 1:
        return "partial"
    if n >= 2 and index == n // 2:
        return "limit"
    return kind


def pick_date(rng, day):
    """A reservation date: Christmas Eve and New Year's Eve are popular."""
    r = rng.random()
    if r < 0.25:
        return "2026-12-24"
    if r < 0.35:
        return "2026-12-31"
    return (day + datetime.timedelta(days=rng.randint(0, 40))).isoformat()


def make_plan(rng, kind, start_us):
    """Everything about the request that does not depend on timing."""
    day = datetime.datetime.fromtimestamp(start_us // US, datetime.timezone.utc).date()
    plan = {
        "kind": kind,
        "method": "POST" if rng.random() < 0.45 else "GET",
        "cold": rng.random() < COLD_START_RATE,
        "restaurant": RESTAURANTS.pick(rng),
        "date": pick_date(rng, day),
        "time": rng.choice(TIMES),
        "party": rng.choice([2, 2, 2, 4, 4, 3, 1, 5, 6, 8, 12]),
        "user": rng.choice(USERS) if rng.random() < 0.7 else None,
        "user_agent": USER_AGENTS.pick(rng),
        "client_ip": client_ip(rng),
        "query": rng.random() < 0.75,
        "invalid": INVALID_POST.pick(rng),
        "fault": None,
    }
    if kind == "partial":
        plan["method"] = "POST"
    if kind == "limit":
        plan.update(method="GET", query=True, restaurant="강남 맛집", date=None)
    if plan["method"] == "GET" and not plan["query"] and plan["user"] is None:
        plan["user"] = rng.choice(USERS)  # listing your own needs a sign-in
    if kind == "fault":
        plan["fault"] = FAULTS[plan["method"]].pick(rng)
    if plan["invalid"][1] == "party":
        plan["bad_party"] = rng.choice([0, 0, 21, 25, 40])
    return plan


def user_id(user):
    return "u-%05d" % (10007 + 173 * USERS.index(user)) if user else None


def request_body(plan):
    """The POST body as the client sent it (before validation)."""
    body = {"restaurantName": plan["restaurant"], "date": plan["date"],
            "time": plan["time"], "partySize": plan["party"]}
    what = plan["invalid"][1] if plan["kind"] == "invalid" else None
    if what == "party":
        body["partySize"] = plan["bad_party"]
    elif what == "name":
        del body["restaurantName"]
    elif what == "past":
        body["date"] = "2026-11-02"
    elif what == "time":
        body["time"] = "03:30"
    return body


def get_query(plan):
    """The GET query parameters, or None for "my reservations"."""
    if not plan["query"]:
        return None
    q = {"restaurant": plan["restaurant"]}
    if plan["date"]:
        q["date"] = plan["date"]
    if plan["kind"] == "invalid":
        q["date"] = "24/12/2026"
    return q


# --------------------------------------------------------------------------
# Errors and causes, as the X-Ray SDK for Python records them

def exception(ids, etype, message, frames, remote=False):
    exc = {"id": ids.hex16(), "message": message, "type": etype}
    if remote:
        exc["remote"] = True
    exc["stack"] = [{"path": p, "line": l, "label": f} for p, l, f in frames]
    return exc


def full_cause(exc, paths):
    return {"working_directory": "/var/task", "paths": paths,
            "exceptions": [exc]}


def flag_chain(nodes, flag, exc_id):
    """An exception recorded deeper propagated through `nodes`: they get the
    flag and refer to the exception by its id."""
    for node in nodes:
        node[flag] = True
        node["cause"] = exc_id


def runtime_cause(ids, exc):
    """What the Lambda runtime reports on `Invocation` for an unhandled error."""
    return {"working_directory": "/var/task",
            "exceptions": [{"id": ids.hex16(), "message": exc["message"],
                            "type": exc["type"]}]}


def validation_exception(ids, plan, handler_name):
    msg = plan["invalid"][0]
    if plan["method"] == "GET":
        msg = "date must be YYYY-MM-DD: 24/12/2026"
    frames = [(APP, 41, "validate_input"), (APP, 88, handler_name)]
    return exception(ids, "ValidationError", msg, frames)


def fault_exception(ids, variant, op, handler_name):
    """The exception for a handler fault; remote for DynamoDB failures."""
    if variant == "float":
        frames = [(RUNTIME + "/boto3/dynamodb/types.py", 285, "_serialize_n"),
                  (RUNTIME + "/boto3/dynamodb/types.py", 108, "serialize"),
                  (APP, 63, "dynamodb_put_item"), (APP, 97, handler_name)]
        return exception(ids, "TypeError", "Float types are not supported. "
                         "Use Decimal types instead.", frames)
    if variant == "decimal":
        frames = [(PY + "/json/encoder.py", 180, "default"),
                  (PY + "/json/__init__.py", 231, "dumps"),
                  (APP, 131, handler_name)]
        return exception(ids, "TypeError",
                         "Object of type Decimal is not JSON serializable", frames)
    frames = [(RUNTIME + "/botocore/client.py", 1023, "_make_api_call"),
              (RUNTIME + "/botocore/client.py", 565, "_api_call"),
              (APP, 70 if op == "PutItem" else 118, handler_name)]
    if variant == "timeout":
        exc = exception(ids, "ReadTimeoutError", 'Read timeout on endpoint URL: '
                        '"https://dynamodb.%s.amazonaws.com/"' % REGION,
                        frames, remote=True)
        exc["truncated"] = 14
        return exc
    if variant == "internal":
        return exception(ids, "InternalServerError",
                         "An error occurred (InternalServerError) when calling "
                         "the %s operation (reached max retries: 2): Internal "
                         "server error" % op, frames, remote=True)
    if variant == "throttle":
        return exception(ids, "ProvisionedThroughputExceededException",
                         THROTTLE_MSG % op, frames, remote=True)
    raise ValueError(variant)


# --------------------------------------------------------------------------
# Building one trace.  `t` is the running clock in us.

class Trace:
    """One trace under construction: its ids, random stream and documents."""

    def __init__(self, rng, start_us):
        self.rng = rng
        self.ids = Ids(rng)
        self.trace_id = self.ids.trace_id(start_us // US)
        self.ddb_calls = []  # DynamoDB subsegments, for the inferred segments
        self.limit_exceeded = False
        self.docs = []
        self.index = None


def dynamodb_call(tr, parent, op, t, latency, outcome="ok", retries=0,
                  exc=None):
    """Append a DynamoDB SDK subsegment to parent; return its end (or None
    when it is still running).  outcome: ok, throttle, timeout, internal,
    open."""
    ids = tr.ids
    node = add_sub(parent, open_node(ids, "DynamoDB", t, namespace="aws"))
    status = {"ok": 200, "throttle": 400, "internal": 500}.get(outcome)
    if status:
        length = tr.rng.randint(900, 6000) if op == "Query" else 2
        if status != 200:
            length = 120
        node["http"] = {"response": {"status": status, "content_length": length}}
    node["aws"] = {"operation": op, "region": REGION}
    if outcome != "open":  # no response yet: no request id, retries unknown
        node["aws"].update(request_id=ids.dynamodb_request_id(), retries=retries)
    node["aws"].update(table_name=TABLE, resource_names=[TABLE])
    if outcome == "throttle":
        node.update(error=True, throttle=True)
    elif outcome in ("timeout", "internal"):
        node["fault"] = True
    if exc is not None:
        node["cause"] = full_cause(exc, [APP])
    if outcome == "open":
        leave_open(node)
        return None
    tr.ddb_calls.append(node)
    return close(node, t + latency)


def ddb_latency(tr, plan, first_call):
    lat = lognormal(tr.rng, 6.0 if plan["method"] == "POST" else 5.0, 0.35)
    if plan["cold"] and first_call:
        lat += between(tr.rng, 30, 90)  # first TLS connection of the process
    if plan["kind"] == "slow":
        lat = between(tr.rng, 900, 3500)
    return lat


def throttled_latency(tr):
    """Three attempts and the SDK's exponential backoff between them."""
    return between(tr.rng, 10, 30) + between(tr.rng, 150, 1800)


def post_handler(tr, plan, t):
    """create_reservation; returns (handler, end or None, outcome)."""
    ids, rng = tr.ids, tr.rng
    h = open_node(ids, "create_reservation", t)
    t += between(rng, 0.1, 0.4)
    v = add_sub(h, open_node(ids, "validate_input", t))
    t = close(v, t + between(rng, 0.03, 0.4)) + between(rng, 0.02, 0.1)
    if plan["kind"] == "invalid":
        exc = validation_exception(ids, plan, "create_reservation")
        v["error"] = True
        v["cause"] = full_cause(exc, [APP, "/var/task/validation.py"])
        flag_chain([h], "error", exc["id"])
        return h, close(h, t + between(rng, 0.1, 0.5)), ("invalid", exc)
    p = add_sub(h, open_node(ids, "dynamodb_put_item", t))
    t += between(rng, 0.05, 0.3)
    if plan["kind"] == "partial":
        dynamodb_call(tr, p, "PutItem", t, 0, "open")
        for node in (p, h):
            leave_open(node)
        return h, None, ("partial", None)
    if plan["fault"] == "float":
        exc = fault_exception(ids, "float", "PutItem", "create_reservation")
        p["fault"] = True
        p["cause"] = full_cause(exc, [APP, RUNTIME + "/boto3/dynamodb/types.py"])
        flag_chain([h], "fault", exc["id"])
        t = close(p, t + between(rng, 0.1, 0.6))
        return h, close(h, t + between(rng, 0.05, 0.2)), ("fault", exc)
    t, outcome, exc = put_or_query(tr, plan, p, "PutItem", t)
    t = close(p, t + between(rng, 0.03, 0.15))
    if exc is not None:
        flag_chain([p, h], "fault", exc["id"])
        return h, close(h, t + between(rng, 0.05, 0.2)), ("fault", exc)
    return h, close(h, t + between(rng, 0.1, 0.5)), (outcome, None)


def put_or_query(tr, plan, parent, op, t):
    """The DynamoDB call(s) of a handler for the faulty, throttled and plain
    cases; returns (end, outcome, escaping exception or None)."""
    ids, rng = tr.ids, tr.rng
    variant = plan["fault"]
    if variant in ("timeout", "internal"):
        exc = fault_exception(ids, variant, op, "dynamodb_call")
        lat = between(rng, 2000, 2100) if variant == "timeout" else between(rng, 60, 400)
        retries = 0 if variant == "timeout" else 2
        t = dynamodb_call(tr, parent, op, t, lat, variant, retries, exc)
        return t, "fault", exc
    if plan["kind"] == "throttle":
        exc = fault_exception(ids, "throttle", op, "dynamodb_call")
        t = dynamodb_call(tr, parent, op, t, throttled_latency(tr), "throttle", 2, exc)
        t += between(rng, 100, 400)  # the handler's own back-off
        if rng.random() < 0.25:
            exc = fault_exception(ids, "throttle", op, "dynamodb_call")
            t = dynamodb_call(tr, parent, op, t, throttled_latency(tr), "throttle", 2, exc)
            return t, "fault", exc
        retries = rng.choice([0, 0, 1])
        lat = ddb_latency(tr, plan, False) + retries * between(rng, 50, 600)
        return dynamodb_call(tr, parent, op, t, lat, "ok", retries), "ok", None
    return dynamodb_call(tr, parent, op, t, ddb_latency(tr, plan, True)), "ok", None


def query_pages(tr, plan):
    """How many Query pages a GET reads, and their latencies in us."""
    rng = tr.rng
    if plan["kind"] == "limit":
        return [between(rng, 15, 45) for _ in range(LIMIT_PAGES)]
    if plan["kind"] == "slow":
        n = rng.randint(3, 6)
        total = between(rng, 1000, 3800)
        return [total // n] * n
    n = 2 if rng.random() < 0.06 else 1
    return [ddb_latency(tr, plan, i == 0) for i in range(n)]


def get_handler(tr, plan, t):
    """get_reservations; returns (handler, end, outcome)."""
    ids, rng = tr.ids, tr.rng
    h = open_node(ids, "get_reservations", t)
    t += between(rng, 0.1, 0.4)
    if plan["kind"] == "invalid":
        v = add_sub(h, open_node(ids, "validate_input", t))
        t = close(v, t + between(rng, 0.03, 0.3))
        exc = validation_exception(ids, plan, "get_reservations")
        v["error"] = True
        v["cause"] = full_cause(exc, [APP, "/var/task/validation.py"])
        flag_chain([h], "error", exc["id"])
        return h, close(h, t + between(rng, 0.1, 0.4)), ("invalid", exc)
    q = add_sub(h, open_node(ids, "dynamodb_query", t))
    t += between(rng, 0.05, 0.3)
    if plan["kind"] in ("throttle", "fault") and plan["fault"] != "decimal":
        t, outcome, exc = put_or_query(tr, plan, q, "Query", t)
        t = close(q, t + between(rng, 0.03, 0.15))
        if exc is not None:
            flag_chain([q, h], "fault", exc["id"])
            return h, close(h, t + between(rng, 0.05, 0.2)), ("fault", exc)
    else:
        for lat in query_pages(tr, plan):
            t = dynamodb_call(tr, q, "Query", t, lat) + between(rng, 0.05, 0.4)
        t = close(q, t)
    if plan["fault"] == "decimal":
        exc = fault_exception(ids, "decimal", "Query", "get_reservations")
        h["fault"] = True
        h["cause"] = full_cause(exc, [APP, PY + "/json/encoder.py"])
        return h, close(h, t + between(rng, 0.2, 1.0)), ("fault", exc)
    return h, close(h, t + between(rng, 0.3, 2.0)), ("ok", None)


def result_count(tr, plan):
    pages = sum(1 for c in tr.ddb_calls if c["aws"]["operation"] == "Query")
    if plan["kind"] == "limit":
        return pages * 100
    return tr.rng.randint(0, 12) + 20 * (pages - 1)


def body_text(plan, body):
    """The request as the handler received it: what the client sent for a
    POST (python-requests escapes non-ASCII, the apps send UTF-8), the query
    string parameters for a GET ("" when there are none)."""
    if body is None:
        return ""
    if plan["user_agent"].startswith("python-requests"):
        return json.dumps(body)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def annotate(tr, plan, handler, outcome):
    """Annotations and metadata of the handler subsegment."""
    post = plan["method"] == "POST"
    kind = outcome[0]
    ann = {"operation": "create" if post else "list"}
    body = request_body(plan) if post else get_query(plan)
    if body and (post and "restaurantName" in body or not post):
        ann["restaurantName"] = body.get("restaurantName", body.get("restaurant"))
    if body and body.get("date"):
        ann["date"] = body["date"]
    if post:
        ann["partySize"] = body["partySize"]
    status = {"invalid": "rejected", "fault": "failed"}.get(kind)
    if status is None and kind != "partial":
        status = "confirmed" if post else "listed"
    if status:
        ann["status"] = status
    if not post and kind == "ok":
        ann["resultCount"] = result_count(tr, plan)
    ann["coldStart"] = plan["cold"]
    handler["annotations"] = ann
    meta = {"user_id": user_id(plan["user"]), "request_body": body_text(plan, body)}
    if post and kind == "ok":
        meta["reservation_data"] = dict(
            body, reservationId="R%08d" % tr.rng.randrange(10 ** 8),
            status="confirmed", userId=user_id(plan["user"]))
    handler["metadata"] = {"quicktable" if post else "default": meta}


def function_segment(tr, plan, t, parent_id):
    """The AWS::Lambda::Function segment and everything under it; returns
    (segment, end or None, outcome)."""
    ids, rng = tr.ids, tr.rng
    name = POST_FN if plan["method"] == "POST" else GET_FN
    arn = function_arn(name)
    fn = open_node(ids, name, t, parent_id=parent_id,
                   aws={"function_arn": arn, "account_id": ACCOUNT},
                   trace_id=tr.trace_id, origin="AWS::Lambda::Function")
    if plan["user"]:
        fn["user"] = plan["user"]
    if plan["cold"]:
        init = add_sub(fn, open_node(ids, "Initialization", t,
                                     aws={"function_arn": arn}))
        t = close(init, t + between(rng, 250, 900))
    t += between(rng, 0.02, 0.2)
    inv = add_sub(fn, open_node(ids, "Invocation", t))
    t += between(rng, 0.1, 0.5)
    build = post_handler if plan["method"] == "POST" else get_handler
    handler, t, outcome = build(tr, plan, t)
    add_sub(inv, handler)
    annotate(tr, plan, handler, outcome)
    if t is None:
        leave_open(inv)
        leave_open(fn)
        return fn, None, outcome
    t = close(inv, t + between(rng, 0.05, 0.3))
    if outcome[0] == "fault":
        inv["fault"] = True
        inv["cause"] = runtime_cause(ids, outcome[1])
        fn["fault"] = True
    over = add_sub(fn, open_node(ids, "Overhead", t + between(rng, 0.01, 0.1)))
    t = close(over, over["start_time"] + between(rng, 0.2, 3.0))
    return fn, close(fn, t), outcome


def lambda_segment(tr, name, t, parent_id):
    return open_node(tr.ids, name, t, parent_id=parent_id,
                     aws={"request_id": tr.ids.uuid()}, trace_id=tr.trace_id,
                     origin="AWS::Lambda", resource_arn=function_arn(name))


def http_status(plan, outcome):
    kind = outcome[0]
    if kind == "invalid":
        return 400
    if kind == "fault":
        return 502
    return 201 if plan["method"] == "POST" else 200


def request_url(plan):
    url = "https://%s/%s/reservations" % (API_HOST, STAGE)
    query = get_query(plan) if plan["method"] == "GET" else None
    if query:
        url += "?" + urllib.parse.urlencode(query)
    return url


def api_gateway_segment(tr, plan, t):
    """The root segment, still open."""
    ids = tr.ids
    gw = open_node(
        ids, "%s/%s" % (API_NAME, STAGE), t,
        http={"request": {"url": request_url(plan), "method": plan["method"],
                          "user_agent": plan["user_agent"],
                          "client_ip": plan["client_ip"],
                          "x_forwarded_for": True}},
        aws={"api_gateway": {"account_id": ACCOUNT, "rest_api_id": API_ID,
                             "stage": STAGE, "request_id": ids.uuid()}},
        annotations={}, trace_id=tr.trace_id,
        origin="AWS::ApiGateway::Stage", resource_arn=STAGE_ARN)
    return gw


def lambda_subsegment(tr, name, t):
    return open_node(tr.ids, "Lambda", t, namespace="aws",
                     aws={"function_name": name, "region": REGION,
                          "operation": "Invoke"})


def finish_outer(tr, plan, outcome, gw, lsub, lseg, t):
    """Close the Lambda segment, the Lambda subsegment and the root."""
    rng = tr.rng
    if t is None:
        for node in (lseg, lsub, gw):
            leave_open(node)
        return
    fault = outcome[0] == "fault"
    status = http_status(plan, outcome)
    t = close(lseg, t + between(rng, 0.2, 1.0))
    lseg["http"] = {"response": {"status": 200}}
    t = close(lsub, t + between(rng, 0.5, 2.0))
    lsub["http"] = {"response": {"status": 200,
                                 "content_length": rng.randint(120, 2400)}}
    t = close(gw, t + between(rng, 0.5, 3.0))
    gw["http"]["response"] = {"status": status,
                              "content_length": rng.randint(40, 2200)}
    if status == 400:
        gw["error"] = True
    if fault:
        for node in (lseg, lsub, gw):
            node["fault"] = True


def inferred_segment(tr, call):
    """The DynamoDB table segment X-Ray infers from an SDK subsegment."""
    seg = {"id": tr.ids.hex16(), "name": TABLE,
           "start_time": call["start_time"], "end_time": call["end_time"],
           "parent_id": call["id"], "inferred": True}
    for key in ("http", "aws", "error", "throttle", "fault"):
        if key in call:
            seg[key] = call[key]
    seg["trace_id"] = tr.trace_id
    seg["origin"] = "AWS::DynamoDB::Table"
    return seg


def build_trace(seed, index, n, start_us, span_us):
    """Trace number `index` of n; every random choice comes from its own
    stream so traces can be generated in any order."""
    rng = random.Random("quicktable/%s/%d" % (seed, index))
    t0 = start_us + int((index + rng.random()) * span_us / max(n, 1))
    kind = pick_kind(rng, index, n)
    tr = Trace(rng, t0)
    plan = make_plan(rng, kind, t0)
    name = POST_FN if plan["method"] == "POST" else GET_FN
    gw = api_gateway_segment(tr, plan, t0)
    t = t0 + between(rng, 1, 4)
    lsub = add_sub(gw, lambda_subsegment(tr, name, t))
    t += between(rng, 0.2, 1.0)
    lseg = lambda_segment(tr, name, t, lsub["id"])
    t += between(rng, 0.1, 0.5)
    fn, t, outcome = function_segment(tr, plan, t, lseg["id"])
    finish_outer(tr, plan, outcome, gw, lsub, lseg, t)
    tr.docs = [gw, lseg, fn] + [inferred_segment(tr, c) for c in tr.ddb_calls]
    if kind == "limit":
        tr.limit_exceeded = True
        tr.docs = tr.docs[:3 + LIMIT_INFERRED]
    tr.index = index
    return tr


def build_traces(seed, n, start_us, span_us, newest_first=False):
    order = range(n - 1, -1, -1) if newest_first else range(n)
    for i in order:
        yield build_trace(seed, i, n, start_us, span_us)


# --------------------------------------------------------------------------
# Walking documents (also used for the summaries)

def walk(node, depth=0, path=()):
    """Yield (node, depth, path of names) for a segment and its subsegments."""
    path = path + (node["name"],)
    yield node, depth, path
    for sub in node.get("subsegments", ()):
        yield from walk(sub, depth + 1, path)


def walk_nodes(doc):
    return (node for node, _, _ in walk(doc))


def all_nodes(docs):
    for doc in docs:
        yield from walk_nodes(doc)


def trace_duration(docs):
    """First start to last end, over segments and subsegments, in us."""
    nodes = list(all_nodes(docs))
    first = min(n["start_time"] for n in nodes)
    ends = [n["end_time"] for n in nodes if "end_time" in n]
    return (max(ends) if ends else first) - first


# --------------------------------------------------------------------------
# Serialisation

_TIME_RE = re.compile(r'"(start_time|end_time)":(\d+)')
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_STRING = json.encoder.encode_basestring  # a str as JSON, non-ASCII kept


def exp_time(us):
    """Seconds in the exponent form the X-Ray service writes (1.4994734E9)."""
    digits = str(us)
    mantissa = digits[1:].rstrip("0") or "0"
    return "%s.%sE%d" % (digits[0], mantissa, len(digits) - 7)


def dec_time(us):
    """Seconds as the X-Ray SDKs write them (1499473411.677123)."""
    return "%d.%06d" % divmod(us, US)


def doc_json(doc, exponent):
    """A document as compact JSON, its integer-us times turned to seconds."""
    text = _COMPACT(doc)
    fmt = exp_time if exponent else dec_time
    return _TIME_RE.sub(lambda m: '"%s":%s' % (m.group(1), fmt(int(m.group(2)))),
                        text)


def uses_exponent(doc):
    """Segments made by AWS services use the exponent form, the function
    segment (the SDK's subsegments) plain decimals."""
    return doc.get("origin") != "AWS::Lambda::Function"


def indented(value, level):
    """json.dumps(value, indent=4) nested `level` levels deep."""
    pad = " " * (4 * level)
    text = json.dumps(value, indent=4, ensure_ascii=False)
    return pad + text.replace("\n", "\n" + pad)


def write_list(out, key, items, tail, preformatted=False):
    """Write {"key": [items...], tail} as awscli prints it, item by item;
    preformatted items are already indented text."""
    out.write('{\n    "%s": ' % key)
    first = True
    for item in items:
        out.write("[\n" if first else ",\n")
        out.write(item if preformatted else indented(item, 2))
        first = False
    out.write("[]" if first else "\n    ]")
    for k, v in tail.items():
        out.write(",\n    %s: %s" % (json.dumps(k), json.dumps(v, ensure_ascii=False)))
    out.write("\n}\n")


SEGMENT_TEMPLATE = """\
                {
                    "Id": %s,
                    "Document": %s
                }"""
TRACE_TEMPLATE = """\
        {
            "Id": %s,
            "Duration": %s,
            "LimitExceeded": %s,
            "Segments": [
%s
            ]
        }"""


def batch_trace(tr):
    """One Trace of the BatchGetTraces response, formatted as awscli does
    (json.dumps(indent=4) would do the same, several times slower)."""
    docs = list(tr.docs)
    tr.rng.shuffle(docs)  # the service returns segments in no special order
    segments = ",\n".join(
        SEGMENT_TEMPLATE % (_STRING(d["id"]), _STRING(doc_json(d, uses_exponent(d))))
        for d in docs)
    return TRACE_TEMPLATE % (_STRING(tr.trace_id), _COMPACT(trace_duration(tr.docs) / US),
                             _COMPACT(tr.limit_exceeded), segments)


def write_batch(out, traces):
    write_list(out, "Traces", (batch_trace(tr) for tr in traces),
               {"UnprocessedTraceIds": []}, preformatted=True)


def stream_subsegments(rng, trace_id, parent, out):
    """Copy parent's subsegment tree, moving some subsegments (with their
    own children) into `out` as standalone documents, as SDKs stream the
    subsegments of long requests to the daemon.  Returns the copy."""
    copy = dict(parent)
    kept = []
    for sub in parent.get("subsegments", ()):
        if rng.random() < STREAM_RATE:
            alone = {"id": sub["id"], "name": sub["name"], "type": "subsegment",
                     "parent_id": parent["id"], "trace_id": trace_id}
            alone.update((k, v) for k, v in sub.items() if k not in ("id", "name"))
            out.append(alone)
        else:
            kept.append(stream_subsegments(rng, trace_id, sub, out))
    if kept:
        copy["subsegments"] = kept
    else:
        copy.pop("subsegments", None)
    return copy


def ndjson_docs(tr, seed):
    """Raw documents of one trace, in the order an SDK would send them:
    streamed subsegments, then the function, Lambda and API Gateway
    segments.  Only the handler's subsegments (under Invocation) stream."""
    rng = random.Random("quicktable-stream/%s/%d" % (seed, tr.index))
    gw, lseg, fn = tr.docs[:3]
    alone = []
    fn = dict(fn)
    fn["subsegments"] = [stream_subsegments(rng, tr.trace_id, sub, alone)
                         if sub["name"] == "Invocation" else sub
                         for sub in fn["subsegments"]]
    return alone + [fn, lseg, gw]


def write_ndjson(out, traces, seed, header):
    if header:
        out.write('{"format":"json","version":1}\n')
    for tr in traces:
        for doc in ndjson_docs(tr, seed):
            out.write(doc_json(doc, False) + "\n")


# --------------------------------------------------------------------------
# Trace summaries

def service_id(doc):
    return {"Name": doc["name"], "Names": [doc["name"]], "AccountId": ACCOUNT,
            "Type": doc["origin"]}


def add_unique(items, item):
    if item not in items:
        items.append(item)


def collect_annotations(docs):
    """{key: [{AnnotationValue, ServiceIds}]}, one entry per distinct value."""
    result = {}
    for doc in docs:
        sid = service_id(doc)
        for node in walk_nodes(doc):
            for key, value in node.get("annotations", {}).items():
                entries = result.setdefault(key, [])
                av = annotation_value(value)
                entry = next((e for e in entries if e["AnnotationValue"] == av), None)
                if entry is None:
                    entry = {"AnnotationValue": av, "ServiceIds": []}
                    entries.append(entry)
                add_unique(entry["ServiceIds"], sid)
    return result


def annotation_value(value):
    if isinstance(value, bool):
        return {"BooleanValue": value}
    if isinstance(value, (int, float)):
        return {"NumberValue": value}
    return {"StringValue": value}


def root_cause(docs, flag):
    """The deepest node with `flag` and a cause object with exceptions."""
    best = None
    for doc in docs:
        for node, depth, path in walk(doc):
            cause = node.get("cause")
            if node.get(flag) and isinstance(cause, dict) and cause.get("exceptions"):
                if best is None or depth > best[1]:
                    best = (node, depth, path, doc)
    if best is None:
        return []
    node, _, path, doc = best
    entities = [{"Name": name} for name in path]
    entities[-1]["Exceptions"] = [{"Name": e.get("type"), "Message": e.get("message")}
                                  for e in node["cause"]["exceptions"]]
    if any(e.get("remote") for e in node["cause"]["exceptions"]):
        entities[-1]["Remote"] = True
    service = dict(service_id(doc), EntityPath=entities,
                   Inferred=bool(doc.get("inferred")))
    return [{"Services": [service], "ClientImpacting": True}]


def summary_http(root):
    req = root.get("http", {}).get("request", {})
    http = {"HttpURL": req.get("url")}
    status = root.get("http", {}).get("response", {}).get("status")
    if status is not None:
        http["HttpStatus"] = status
    http.update(HttpMethod=req.get("method"), UserAgent=req.get("user_agent"),
                ClientIp=req.get("client_ip"))
    return http


def summarize(tr):
    """The TraceSummary of a trace, computed from its segment documents."""
    docs = tr.docs
    root = docs[0]
    nodes = list(all_nodes(docs))
    s = {"Id": tr.trace_id, "StartTime": root["start_time"] / US,
         "Duration": trace_duration(docs) / US}
    if "end_time" in root:
        s["ResponseTime"] = (root["end_time"] - root["start_time"]) / US
    s.update(HasFault=bool(root.get("fault")), HasError=bool(root.get("error")),
             HasThrottle=any(n.get("throttle") for n in nodes),
             IsPartial=any(n.get("in_progress") for n in nodes),
             Http=summary_http(root), Annotations=collect_annotations(docs))
    users = []
    for doc in docs:
        if "user" in doc:
            add_unique(users, {"UserName": doc["user"], "ServiceIds": [service_id(doc)]})
    services, arns = [], []
    for doc in docs:
        add_unique(services, service_id(doc))
        if "resource_arn" in doc:
            add_unique(arns, {"ARN": doc["resource_arn"]})
    s.update(Users=users, ServiceIds=services, ResourceARNs=arns,
             InstanceIds=[], AvailabilityZones=[], EntryPoint=service_id(root),
             FaultRootCauses=root_cause(docs, "fault") if s["HasFault"] else [],
             ErrorRootCauses=root_cause(docs, "error") if s["HasError"] else [],
             Revision=1)
    return s


def write_summaries(out, traces, n, end_us):
    write_list(out, "TraceSummaries", (summarize(tr) for tr in traces),
               {"ApproximateTime": end_us / US, "TracesProcessedCount": n})


# --------------------------------------------------------------------------
# Command line

def parse_time(text):
    """Epoch seconds or ISO 8601 (naive times are UTC) -> integer us."""
    try:
        return int(round(float(text) * US))
    except ValueError:
        pass
    when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return int(round(when.timestamp() * US))


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Generate the QuickTable demo traces for xrtop "
                    "(AWS X-Ray data; see the top of this file).")
    p.add_argument("--traces", type=int, default=300, metavar="N",
                   help="number of traces (default 300)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S",
                   help="random seed (default %d)" % DEFAULT_SEED)
    p.add_argument("--start", default=DEFAULT_START, metavar="TIME",
                   help="start of the window, epoch seconds or ISO 8601 "
                        "(default %s)" % DEFAULT_START)
    p.add_argument("--span", type=float, default=3600, metavar="SECONDS",
                   help="traces start within this many seconds (default 3600)")
    p.add_argument("--format", choices=["batch", "ndjson", "summaries"],
                   default="batch", help="batch: BatchGetTraces response "
                   "(default); ndjson: raw segment documents, one a line; "
                   "summaries: GetTraceSummaries response")
    p.add_argument("--daemon-header", action="store_true",
                   help='ndjson: put {"format":"json","version":1} first')
    p.add_argument("--out", metavar="FILE", help="output file (default stdout)")
    args = p.parse_args(argv)
    if args.traces < 0:
        p.error("--traces must not be negative")
    if args.span <= 0:
        p.error("--span must be positive")
    try:
        args.start_us = parse_time(args.start)
    except ValueError:
        p.error("--start: not epoch seconds or ISO 8601: %s" % args.start)
    return args


def write_output(args, out):
    span_us = int(round(args.span * US))
    newest_first = args.format == "summaries"
    traces = build_traces(args.seed, args.traces, args.start_us, span_us, newest_first)
    if args.format == "batch":
        write_batch(out, traces)
    elif args.format == "summaries":
        write_summaries(out, traces, args.traces, args.start_us + span_us)
    else:
        write_ndjson(out, traces, args.seed, args.daemon_header)


def main(argv=None):
    args = parse_args(argv)
    if args.out:
        out = open(args.out, "w", encoding="utf-8", newline="\n")
    else:  # UTF-8 whatever the locale; closing it leaves fd 1 open
        raw = open(sys.stdout.fileno(), "wb", buffering=1 << 16, closefd=False)
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
    try:
        with out:
            write_output(args, out)
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
