#!/usr/bin/python3
"""TAP self-test of the X-Ray emulator and the credential stubs.

Run as `/usr/bin/python3 tests/emulator/emulator_selftest.py` (Debian's Python,
for python3-boto3).  Finds the sources via $top_srcdir (default: the
repository root above this file).  Uses boto3/botocore as a real client,
plus raw http.client requests for what boto3 cannot send or hides.
"""

import os

# Never let botocore look at the machine's AWS configuration or at IMDS.
os.environ.update({"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
                   "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
for _v in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
           "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
           "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "AWS_ENDPOINT_URL", "HTTP_PROXY",
           "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(_v, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"

import datetime  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

try:
    import boto3
    import botocore.exceptions
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import ContainerProvider, Credentials
    from botocore.utils import ContainerMetadataFetcher, InstanceMetadataFetcher
except ImportError as _e:
    # A missing tool is a failure, not a skip: install it (apt-get install
    # python3-boto3 python3-botocore) or run tests/run-suite.sh as root.
    print("Bail out! needs Debian's python3-boto3 and python3-botocore (%s)" % _e)
    sys.exit(1)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(HERE))
EMULATOR = os.path.join(TOP, "tests", "emulator", "xray_emulator.py")
STUB = os.path.join(TOP, "tests", "emulator", "stub_credentials.py")
FIXTURE = os.path.join(TOP, "tests", "data", "emulator-traces.json")

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)
from childserver import Server  # noqa: E402
DEVGUIDE = "/work/shared/xray-examples/BatchGetTraces.devguide.json"
PYTHON = sys.executable

START = 1795168800  # the fixture's hour: 2026-11-20T10:00:00Z
END = START + 3600
AKID, SECRET = "AKIDSELFTEST", "selftest-secret"
TMP_AKID, TMP_SECRET, TMP_TOKEN = "ASIATEMPORARY", "temp-secret", "temp-session-token-xyz"
OLD_AKID = "AKIDEXPIRED"


# ---------------------------------------------------------------------------
# Processes and clients


def emulator(*args):
    return Server(EMULATOR, "--data", FIXTURE, *args)


def client(server, akid=AKID, secret=SECRET, token=None, region="us-east-1", attempts=1):
    session = boto3.session.Session(aws_access_key_id=akid, aws_secret_access_key=secret,
                                    aws_session_token=token, region_name=region)
    # botocore's Config "max_attempts" counts retries only; "total_max_attempts"
    # counts every attempt like AWS_MAX_ATTEMPTS does.
    return session.client("xray", endpoint_url=server.base, config=Config(
        retries={"total_max_attempts": attempts, "mode": "standard"},
        connect_timeout=5, read_timeout=20))


def error_of(fn, *args, **kwargs):
    """(HTTP status, error code, message) of a call that must fail."""
    try:
        fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        return (e.response["ResponseMetadata"]["HTTPStatusCode"], err.get("Code"),
                err.get("Message"))
    raise AssertionError("call succeeded but should have failed")


def signed_headers(port, path, body, akid=AKID, secret=SECRET, token=None,
                   region="us-east-1", when=None):
    """Headers of a SigV4-signed X-Ray request built with stock botocore."""
    req = AWSRequest(method="POST", url="http://127.0.0.1:%d%s" % (port, path), data=body,
                     headers={"Content-Type": "application/json"})
    auth = SigV4Auth(Credentials(akid, secret, token), "xray", region)
    if when is None:
        auth.add_auth(req)
    else:  # sign with a chosen clock
        stamp = when.strftime("%Y%m%dT%H%M%SZ")
        req.headers["X-Amz-Date"] = stamp
        req.headers["host"] = "127.0.0.1:%d" % port
        if token:
            req.headers["X-Amz-Security-Token"] = token
        req.context["timestamp"] = stamp
        sig = auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req)
        req.headers["Authorization"] = (
            "AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=%s, Signature=%s"
            % (auth.scope(req), auth.signed_headers(auth.headers_to_sign(req)), sig))
    return dict(req.headers.items())


def raw(port, path, body, headers=None, conn=None, sign=True):
    """POST with http.client; returns (status, headers dict, body bytes)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    if isinstance(body, str):
        body = body.encode()
    hdrs = signed_headers(port, path, body) if sign else {}
    hdrs.update(headers or {})
    conn.request("POST", path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    result = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    if own:
        conn.close()
    return result


def all_summaries(xray, **kwargs):
    pages = list(xray.get_paginator("get_trace_summaries").paginate(
        StartTime=START, EndTime=END, **kwargs))
    return pages, [s for p in pages for s in p["TraceSummaries"]]


def count(xray, expression):
    return len(all_summaries(xray, FilterExpression=expression)[1])


# ---------------------------------------------------------------------------
# TAP


TESTS = []


def test(desc):
    def wrap(fn):
        TESTS.append((desc, fn))
        return fn
    return wrap


def check(cond, message="check failed"):
    if not cond:
        raise AssertionError(message)


def equal(got, want, what):
    check(got == want, "%s: got %r, want %r" % (what, got, want))


class Ctx:
    """Servers shared by several tests (started lazily, stopped at the end)."""

    def __init__(self):
        self.servers = {}
        self.tmp = tempfile.mkdtemp(prefix="xray-selftest-")

    def get(self, name, factory):
        if name not in self.servers:
            self.servers[name] = factory()
        return self.servers[name]

    @property
    def main(self):
        groups = os.path.join(self.tmp, "groups.json")
        if not os.path.exists(groups):
            with open(groups, "w") as f:
                json.dump([{"GroupName": "errors", "FilterExpression": "fault OR error"},
                           {"GroupName": "korean",
                            "FilterExpression": 'annotation.restaurantName = "강남 맛집"'}], f)
        return self.get("main", lambda: emulator(
            "--page-size", "7", "--credentials", "%s:%s" % (AKID, SECRET),
            "--credentials", "%s:%s:%s" % (TMP_AKID, TMP_SECRET, TMP_TOKEN),
            "--credentials", "%s:whatever" % OLD_AKID, "--expired-key", OLD_AKID,
            "--groups", groups, "--log", os.path.join(self.tmp, "requests.jsonl")))

    def close(self):
        for s in self.servers.values():
            s.stop()


CTX = Ctx()


# ---------------------------------------------------------------------------
# GetTraceSummaries


@test("emulator starts and reports its port; health lists 30 traces")
def _():
    health = CTX.main.control("GET", "/__emulator/health")
    equal(health["traces"], 30, "traces")


@test("GetTraceSummaries pages of 7 via boto3's paginator: 30 unique ids, newest first")
def _():
    pages, items = all_summaries(client(CTX.main))
    equal([len(p["TraceSummaries"]) for p in pages], [7, 7, 7, 7, 2], "page sizes")
    ids = [s["Id"] for s in items]
    equal(len(set(ids)), 30, "unique ids")
    # botocore 1.29's model has no TraceSummary.StartTime: use the id's epoch
    starts = [int(s["Id"].split("-")[1], 16) for s in items]
    equal(starts, sorted(starts, reverse=True), "newest first")
    equal([s["MatchedEventTime"].timestamp() for s in items], starts, "MatchedEventTime")
    check(all(p["TracesProcessedCount"] == 30 for p in pages), "TracesProcessedCount")
    check(all(p["ApproximateTime"].timestamp() == END for p in pages), "ApproximateTime")
    check("NextToken" not in pages[-1], "last page has no token")


@test("a NextToken from another query is rejected with InvalidRequestException")
def _():
    xray = client(CTX.main)
    token = xray.get_trace_summaries(StartTime=START, EndTime=END)["NextToken"]
    status, code, msg = error_of(xray.get_trace_summaries, StartTime=START, EndTime=END - 1,
                                 NextToken=token)
    equal((status, code), (400, "InvalidRequestException"), "error")
    status, code, _ = error_of(xray.get_trace_summaries, StartTime=START, EndTime=END,
                               NextToken="garbage!")
    equal(code, "InvalidRequestException", "garbage token")


@test("missing StartTime (sent raw) gives 400 InvalidRequestException with ErrorType header")
def _():
    status, headers, body = raw(CTX.main.port, "/TraceSummaries", '{"EndTime": %d}' % END)
    equal(status, 400, "status")
    check(headers["x-amzn-errortype"].startswith("InvalidRequestException:http://internal"),
          headers.get("x-amzn-errortype"))
    check("x-amzn-requestid" in headers, "request id")
    check("StartTime" in json.loads(body)["message"], body)


@test("TimeRangeType TraceId uses the id's epoch, Event finds traces active in the window")
def _():
    xray = client(CTX.main)
    w0, w1 = START + 1452, START + 1453  # inside the async trace (epoch START+1451)
    by_id = xray.get_trace_summaries(StartTime=w0, EndTime=w1)["TraceSummaries"]
    by_event = xray.get_trace_summaries(StartTime=w0, EndTime=w1,
                                        TimeRangeType="Event")["TraceSummaries"]
    equal(len(by_id), 0, "TraceId")
    equal(len(by_event), 1, "Event")
    check(by_event[0]["Duration"] > by_event[0]["ResponseTime"], "async: duration > response")
    status, code, _ = error_of(xray.get_trace_summaries, StartTime=w0, EndTime=w1,
                               TimeRangeType="Bogus")
    equal(code, "InvalidRequestException", "bad enum")


@test("TraceSummary of the DynamoDB-throttled fault has the API shape and root causes")
def _():
    items = all_summaries(client(CTX.main), FilterExpression="fault AND throttle")[1]
    equal(len(items), 1, "matches")
    s = items[0]
    equal((s["HasFault"], s["HasError"], s["HasThrottle"], s["IsPartial"]),
          (True, False, True, False), "flags")
    equal(s["Http"]["HttpStatus"], 502, "status")
    equal(s["Http"]["HttpMethod"], "POST", "method")
    equal(s["Annotations"]["restaurantName"][0]["AnnotationValue"],
          {"StringValue": "Café Mélange"}, "annotation")
    equal(s["Users"][0]["UserName"], "frank", "user")
    equal(s["EntryPoint"]["Name"], "QuickTableXRayAPI/prod", "entry point")
    equal(len(s["ServiceIds"]), 4, "services")
    cause = s["FaultRootCauses"][0]["Services"][-1]
    equal((cause["Name"], cause["Type"]), ("CreateReservation", "AWS::Lambda::Function"),
          "fault root cause")
    equal(cause["EntityPath"][-1]["Exceptions"][0]["Name"], "ClientError", "exception")
    err = s["ErrorRootCauses"][0]["Services"][-1]
    equal((err["Name"], err["Inferred"]), ("Reservations", True), "error root cause")
    check(s["ResponseTimeRootCauses"], "response-time root causes")
    for key in ("Revision", "MatchedEventTime", "ResourceARNs", "InstanceIds",
                "AvailabilityZones", "Duration", "ResponseTime", "Id"):
        check(key in s, "missing " + key)


@test("in-progress trace is IsPartial; 'partial' filter finds exactly it")
def _():
    items = all_summaries(client(CTX.main), FilterExpression="partial")[1]
    equal(len(items), 1, "partial traces")
    check(items[0]["IsPartial"], "IsPartial")


FILTER_CASES = [
    ("ok", 22), ("fault", 3), ("error", 4), ("throttle", 4), ("!ok", 8),
    ("responsetime > 1", 3), ("responseTime > 2", 1), ("duration >= 1 AND ok", 3),
    ("http.status = 429", 1), ('http.method = "POST"', 15),
    ('http.url ENDSWITH "/prod/reservations"', 30),
    ('http.useragent CONTAINS "okhttp"', 7), ('http.clientip BEGINSWITH "198.51.100."', 30),
    ('user = "alice" fault', 1), ('user != "alice"', 17), ("user", 23),
    ('annotation.restaurantName = "강남 맛집"', 3),
    ('annotation[restaurantName] = "강남 맛집" AND http.method = "GET"', 1),
    ('annotation["restaurantName"] ENDSWITH "맛집"', 3),
    ('annotation.restaurantName BEGINSWITH "Caf"', 4),
    ('annotation.restaurantName CONTAINS "Zen"', 7),
    ('annotation.restaurantName != "Sushi Zen"', 21),
    ("annotation.restaurantName", 28), ("!annotation.restaurantName", 2),
    ("annotation.coldStart = true", 2), ("annotation.coldStart", 29),
    ("annotation.partySize >= 6", 5), ("annotation.partySize < 2", 2),
    ('annotation.partySize = "2"', 0),
    ('service("Reservations") { throttle }', 3),
    ('service("CreateReservation")', 15),
    ('service(id(name: "CreateReservation", type: "AWS::Lambda::Function")) { fault }', 3),
    ('service(id(type: "AWS::DynamoDB::Table")) { responsetime > 0.3 }', 9),
    ('service() { fault }', 3), ('!service("Reservations")', 4),
    ('edge("GetReservations", "Reservations") { error }', 2),
    ('fault OR error AND http.method = "GET"', 5),
    ('(fault OR error) AND http.method = "GET"', 2),
    ("NOT fault and not error", 23), ("fault or Throttle", 6),
    ('group.name = "errors"', 7), ('group.name = "errors" AND !fault', 4),
]


@test("FilterExpression evaluates %d expressions server-side with the expected counts"
      % len(FILTER_CASES))
def _():
    xray = client(CTX.main)
    wrong = []
    for expr, want in FILTER_CASES:
        got = count(xray, expr)
        if got != want:
            wrong.append("%s -> %d (want %d)" % (expr, got, want))
    check(not wrong, "; ".join(wrong))


BAD_FILTERS = [
    ("user = alice", 'column 8: expected a quoted string'),
    ("responsetime CONTAINS 5", "cannot be used with the number keyword"),
    ("fault > true", "cannot be used with the boolean keyword"),
    ("(ok", "expected ')'"), ("ok )", "unexpected ')'"), ("", "empty"),
    ("bogus = 1", "unknown keyword 'bogus'"), ('annotation.x CONTAINS 5', "needs a quoted string"),
    ('rootcause.fault.service { name = "x" }', "not supported"),
    ('service("x") { }', "empty braces"), ("root", "only valid inside service"),
    ('group.name = "nope"', "does not exist"), ('http.url = "unterminated', "unterminated"),
]


@test("malformed or unsupported filters give 400 InvalidRequestException naming the problem")
def _():
    xray = client(CTX.main)
    wrong = []
    for expr, want in BAD_FILTERS:
        status, code, msg = error_of(xray.get_trace_summaries, StartTime=START, EndTime=END,
                                     FilterExpression=expr)
        if status != 400 or code != "InvalidRequestException" or want not in msg:
            wrong.append("%r -> %s %s %r" % (expr, status, code, msg))
    check(not wrong, "; ".join(wrong))


# ---------------------------------------------------------------------------
# BatchGetTraces, GetServiceGraph, GetTraceGraph, GetGroups


@test("BatchGetTraces: 5 ids ok with parseable documents, unknown ids unprocessed")
def _():
    xray = client(CTX.main)
    ids = [s["Id"] for s in all_summaries(xray)[1]]
    bogus = "1-6b000000-000000000000000000000000"
    r = xray.batch_get_traces(TraceIds=ids[:4] + [bogus])
    equal(sorted(t["Id"] for t in r["Traces"]), sorted(ids[:4]), "traces")
    equal(r["UnprocessedTraceIds"], [bogus], "unprocessed")
    for t in r["Traces"]:
        for seg in t["Segments"]:
            equal(json.loads(seg["Document"])["id"], seg["Id"], "segment id")


@test("BatchGetTraces with 6 ids gives 400 'Exceeding maximum query size: 5'")
def _():
    xray = client(CTX.main)
    ids = [s["Id"] for s in all_summaries(xray)[1]][:6]
    status, code, msg = error_of(xray.batch_get_traces, TraceIds=ids)
    equal((status, code), (400, "InvalidRequestException"), "error")
    check("Exceeding maximum query size: 5" in msg, msg)


@test("BatchGetTraces keeps LimitExceeded as stored")
def _():
    xray = client(CTX.main)
    items = all_summaries(xray, FilterExpression='annotation.restaurantName = "Taco Loco" '
                                                 'AND http.method = "GET"')[1]
    traces = xray.batch_get_traces(TraceIds=[s["Id"] for s in items])["Traces"]
    equal(sorted(t["LimitExceeded"] for t in traces), [False, True], "LimitExceeded")


@test("GetServiceGraph: client, API Gateway, 2x2 Lambda and inferred DynamoDB nodes, edges, stats")
def _():
    r = client(CTX.main).get_service_graph(StartTime=START, EndTime=END)
    svcs = {(s["Name"], s["Type"]): s for s in r["Services"]}
    equal(len(svcs), 7, "services")
    ref = {s["ReferenceId"]: k for k, s in svcs.items()}
    cl = svcs[("QuickTableXRayAPI/prod", "client")]
    equal([ref[e["ReferenceId"]] for e in cl["Edges"]],
          [("QuickTableXRayAPI/prod", "AWS::ApiGateway::Stage")], "client edge")
    equal(cl["Edges"][0]["SummaryStatistics"]["TotalCount"], 29, "completed roots")
    api = svcs[("QuickTableXRayAPI/prod", "AWS::ApiGateway::Stage")]
    check(api.get("Root") is True and api["State"] == "active", "root node")
    equal(sorted(ref[e["ReferenceId"]] for e in api["Edges"]),
          [("CreateReservation", "AWS::Lambda"), ("GetReservations", "AWS::Lambda")],
          "API edges")
    ddb = svcs[("Reservations", "AWS::DynamoDB::Table")]
    st = ddb["SummaryStatistics"]
    equal((st["TotalCount"], st["ErrorStatistics"]["ThrottleCount"], st["OkCount"]),
          (26, 3, 23), "DynamoDB stats")
    equal(sum(h["Count"] for h in ddb["ResponseTimeHistogram"]), 26, "histogram")
    equal(ddb["State"], "unknown", "inferred state")
    stats = api["SummaryStatistics"]
    equal((stats["FaultStatistics"]["TotalCount"], stats["ErrorStatistics"]["TotalCount"]),
          (3, 4), "API faults/errors")


@test("GetServiceGraph with GroupName filters traces; unknown group is InvalidRequest")
def _():
    xray = client(CTX.main)
    r = xray.get_service_graph(StartTime=START, EndTime=END, GroupName="errors")
    cl = [s for s in r["Services"] if s["Type"] == "client"][0]
    equal(cl["Edges"][0]["SummaryStatistics"]["TotalCount"], 7, "roots in group")
    status, code, _ = error_of(xray.get_service_graph, StartTime=START, EndTime=END,
                               GroupName="nope")
    equal(code, "InvalidRequestException", "unknown group")


@test("GetServiceGraph pages services (--graph-page-size 3) and GetTraceGraph works")
def _():
    srv = CTX.get("small", lambda: emulator("--page-size", "2", "--graph-page-size", "3",
                                            "--credentials", "%s:%s" % (AKID, SECRET)))
    xray = client(srv)
    pages = list(xray.get_paginator("get_service_graph").paginate(StartTime=START,
                                                                  EndTime=END))
    equal([len(p["Services"]) for p in pages], [3, 3, 1], "pages")
    ids = [s["Id"] for s in all_summaries(xray)[1]][:2]
    tg = [s for p in xray.get_paginator("get_trace_graph").paginate(TraceIds=ids)
          for s in p["Services"]]
    check(len(tg) >= 4, "trace graph services: %d" % len(tg))


@test("GetGroups returns Default and the --groups file, paged")
def _():
    srv = CTX.main
    names = [g["GroupName"] for p in client(srv).get_paginator("get_groups").paginate()
             for g in p["Groups"]]
    equal(names, ["Default", "errors", "korean"], "groups")
    small = CTX.servers["small"]
    pages = list(client(small).get_paginator("get_groups").paginate())
    equal(len(pages), 1, "one group fits a page of 2")


# ---------------------------------------------------------------------------
# Faults


def faulted(rule, call):
    """Install one rule, run `call`, clear the rules; returns call's result."""
    srv = CTX.main
    srv.faults(rule)
    try:
        return call()
    finally:
        srv.faults()


@test("fault throttle429: 429 ThrottledException, not retried with max_attempts=1")
def _():
    xray = client(CTX.main)
    status, code, msg = faulted({"path": "/TraceSummaries", "kind": "throttle429"},
                                lambda: error_of(xray.get_trace_summaries,
                                                 StartTime=START, EndTime=END))
    equal((status, code), (429, "ThrottledException"), "error")


@test("fault throttle400: 400 with __type ThrottlingException body")
def _():
    srv = CTX.main
    srv.faults({"path": "*", "kind": "throttle400"})
    status, headers, body = raw(srv.port, "/Groups", "{}")
    srv.faults()
    equal(status, 400, "status")
    equal(json.loads(body), {"__type": "ThrottlingException", "message": "Rate exceeded"},
          "body")
    check("x-amzn-errortype" not in headers, "no ErrorType header")


@test("faults http500 and http503 give those statuses; boto3 retries them and succeeds")
def _():
    srv = CTX.main
    for kind, want in (("http500", 500), ("http503", 503)):
        xray = client(srv)
        status, code, _ = faulted({"path": "/Groups", "kind": kind},
                                  lambda: error_of(xray.get_groups))
        equal(status, want, kind)
    srv.control("DELETE", "/__emulator/stats")
    r = faulted({"path": "/Groups", "kind": "http503", "count": 2},
                lambda: client(srv, attempts=3).get_groups())
    equal(len(r["Groups"]), 3, "after retries")
    equal(srv.control("GET", "/__emulator/stats")["requests_by_path"]["/Groups"], 3,
          "attempts")


@test("fault slow: the reply is delayed by 'delay' seconds then normal")
def _():
    xray = client(CTX.main)
    t0 = time.time()
    r = faulted({"path": "/Groups", "kind": "slow", "delay": 0.6}, xray.get_groups)
    elapsed = time.time() - t0
    check(elapsed >= 0.6, "elapsed %.3f" % elapsed)
    equal(len(r["Groups"]), 3, "groups")


@test("fault truncate: full Content-Length, half the body, then close")
def _():
    srv = CTX.main
    srv.faults({"path": "/TraceSummaries", "kind": "truncate"})
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    body = json.dumps({"StartTime": START, "EndTime": END}).encode()
    conn.request("POST", "/TraceSummaries", body=body,
                 headers=signed_headers(srv.port, "/TraceSummaries", body))
    resp = conn.getresponse()
    length = int(resp.getheader("Content-Length"))
    try:
        data = resp.read()
        raise AssertionError("read %d of %d bytes without error" % (len(data), length))
    except http.client.IncompleteRead as e:
        equal(len(e.partial), length // 2, "partial length")
    finally:
        conn.close()
        srv.faults()


@test("faults malformed, empty and wrong_type: 200 with a broken body")
def _():
    srv = CTX.main
    body = json.dumps({"StartTime": START, "EndTime": END})
    srv.faults({"path": "/TraceSummaries", "kind": "malformed"})
    status, _, data = raw(srv.port, "/TraceSummaries", body)
    equal(status, 200, "malformed status")
    try:
        json.loads(data)
        raise AssertionError("malformed body parsed")
    except ValueError:
        pass
    srv.faults({"path": "/TraceSummaries", "kind": "empty"})
    equal(raw(srv.port, "/TraceSummaries", body)[::2], (200, b""), "empty")
    srv.faults({"path": "*", "kind": "wrong_type", "count": 2})
    data = json.loads(raw(srv.port, "/TraceSummaries", body)[2])
    equal(data["TraceSummaries"], "not-a-list", "wrong type summaries")
    data = json.loads(raw(srv.port, "/Traces", '{"TraceIds": ["1-6b000000-0"]}')[2])
    equal(data["Traces"], 7, "wrong type traces")
    srv.faults()


@test("fault reset: the connection is closed without a reply")
def _():
    srv = CTX.main
    srv.faults({"path": "/Groups", "kind": "reset"})
    try:
        raw(srv.port, "/Groups", "{}")
        raise AssertionError("got a reply")
    except (ConnectionError, http.client.RemoteDisconnected):
        pass
    finally:
        srv.faults()
    status, _, _ = raw(srv.port, "/Groups", "{}")
    equal(status, 200, "server still serves")


@test("fault invalid_request: 400 InvalidRequestException with the rule's message")
def _():
    xray = client(CTX.main)
    status, code, msg = faulted({"path": "/ServiceGraph", "kind": "invalid_request",
                                 "message": "Time range too large"},
                                lambda: error_of(xray.get_service_graph,
                                                 StartTime=START, EndTime=END))
    equal((status, code, msg), (400, "InvalidRequestException", "Time range too large"), "err")


@test("fault unprocessed: BatchGetTraces answers every id as UnprocessedTraceIds")
def _():
    xray = client(CTX.main)
    ids = [s["Id"] for s in xray.get_trace_summaries(StartTime=START,
                                                     EndTime=END)["TraceSummaries"]][:3]
    r = faulted({"path": "/Traces", "kind": "unprocessed"},
                lambda: xray.batch_get_traces(TraceIds=ids))
    equal((r["Traces"], r["UnprocessedTraceIds"]), ([], ids), "reply")


@test("fault repeat_token: the request's NextToken comes back; botocore detects the loop")
def _():
    xray = client(CTX.main)

    def walk():
        return list(xray.get_paginator("get_trace_summaries").paginate(
            StartTime=START, EndTime=END))
    try:
        faulted({"path": "/TraceSummaries", "kind": "repeat_token"}, walk)
        raise AssertionError("paginator did not notice")
    except botocore.exceptions.PaginationError as e:
        check("same next token" in str(e).lower(), str(e))


@test("fault rules honour 'after' and 'count' (ok, 429, 429, ok) and list their hits")
def _():
    srv = CTX.main
    srv.faults({"path": "/Groups", "kind": "throttle429", "after": 1, "count": 2})
    statuses = [raw(srv.port, "/Groups", "{}")[0] for _ in range(4)]
    rules = srv.control("GET", "/__emulator/faults")
    srv.faults()
    equal(statuses, [200, 429, 429, 200], "statuses")
    equal((rules[0]["seen"], rules[0]["hits"]), (3, 2), "counters")
    bad = srv.control("POST", "/__emulator/faults", [{"kind": "nope"}])
    check("kind" in bad.get("message", ""), "bad rule rejected: %r" % bad)


@test("fault probability: with a seed, about that share of requests is hit; "
      "0 and 2 are refused")
def _():
    srv = CTX.get("seeded", lambda: emulator("--seed", "7", "--credentials",
                                             "%s:%s" % (AKID, SECRET)))
    srv.faults({"path": "/Groups", "kind": "http503", "count": -1, "probability": 0.3})
    statuses = [raw(srv.port, "/Groups", "{}")[0] for _ in range(400)]
    rules = srv.control("GET", "/__emulator/faults")
    srv.faults()
    hits = statuses.count(503)
    equal(hits + statuses.count(200), 400, "only 503 and 200")
    check(80 <= hits <= 160, "%d of 400 hit at probability 0.3" % hits)
    equal((rules[0]["seen"], rules[0]["hits"], rules[0]["probability"]), (400, hits, 0.3),
          "counters")
    for p in (0, 2, "half", True):
        bad = srv.control("POST", "/__emulator/faults",
                          [{"kind": "http500", "probability": p}])
        check("probability" in bad.get("message", ""), "probability %r refused: %r" % (p, bad))


@test("arrivals: new traces end now under fresh ids, GetTraceSummaries finds them, "
      "/__emulator/traces says when each became visible; rate 0 stops them")
def _():
    srv = CTX.get("arrivals", lambda: emulator(
        "--shift-to-now", "--index-delay", "1", "--seed", "3", "--arrival-rate", "10",
        "--credentials", "%s:%s" % (AKID, SECRET)))
    time.sleep(1.2)
    srv.control("POST", "/__emulator/arrivals", {"rate": 0})
    n = srv.control("GET", "/__emulator/arrivals")["count"]
    check(8 <= n <= 16, "%d arrived in 1.2 s at 10/s" % n)
    time.sleep(0.3)
    equal(srv.control("GET", "/__emulator/arrivals")["count"], n, "stopped")
    traces = srv.control("GET", "/__emulator/traces")
    new = [t for t in traces if t["arrived"] is not None]
    equal(len(traces), 30 + n, "traces listed")
    equal(len(new), n, "new traces listed")
    equal(len({t["Id"] for t in traces}), 30 + n, "ids unique")
    now = time.time()
    for t in new:
        check(t["arrived"] - 1 <= t["end"] <= t["arrived"], "ends when it arrives: %r" % t)
        check(t["visible"] == round(max(t["end"] + 1, t["arrived"]), 3),
              "visible after the index delay: %r" % t)
        check(int(t["Id"].split("-")[1], 16) == t["epoch"] <= t["start"] < t["epoch"] + 1,
              "the id's epoch is its start: %r" % t)
    time.sleep(1.1)  # the index delay
    pages = client(srv).get_paginator("get_trace_summaries").paginate(
        StartTime=int(now) - 3600, EndTime=int(now) + 2)
    got = {i["Id"] for p in pages for i in p["TraceSummaries"]}
    check({t["Id"] for t in new} <= got, "every new trace found: %d of %d"
          % (len({t["Id"] for t in new} & got), n))
    full = client(srv).batch_get_traces(TraceIds=[new[0]["Id"]])["Traces"]
    doc = json.loads(full[0]["Segments"][0]["Document"])
    equal(doc["trace_id"], new[0]["Id"], "documents carry the new id")
    bad = srv.control("POST", "/__emulator/arrivals", {"rate": -1})
    check("rate" in bad.get("message", ""), "rate -1 refused: %r" % bad)


# ---------------------------------------------------------------------------
# Signatures


@test("wrong secret: 403 InvalidSignatureException 'signature we calculated does not match'")
def _():
    status, code, msg = error_of(client(CTX.main, secret="not-the-secret").get_groups)
    equal((status, code), (403, "InvalidSignatureException"), "error")
    check("does not match the signature you provided" in msg, msg)


@test("wrong region: 403 InvalidSignatureException 'Credential should be scoped to a valid region'")
def _():
    status, code, msg = error_of(client(CTX.main, region="eu-west-1").get_groups)
    equal((status, code), (403, "InvalidSignatureException"), "error")
    check("Credential should be scoped to a valid region" in msg, msg)


@test("unknown key: 403 UnrecognizedClientException; expired key: 403 ExpiredTokenException")
def _():
    equal(error_of(client(CTX.main, akid="AKIDNOBODY").get_groups)[:2],
          (403, "UnrecognizedClientException"), "unknown")
    equal(error_of(client(CTX.main, akid=OLD_AKID, secret="whatever").get_groups)[:2],
          (403, "ExpiredTokenException"), "expired")


@test("session token: accepted when it matches, rejected when wrong or missing")
def _():
    srv = CTX.main
    r = client(srv, TMP_AKID, TMP_SECRET, TMP_TOKEN).get_groups()
    equal(len(r["Groups"]), 3, "with token")
    equal(error_of(client(srv, TMP_AKID, TMP_SECRET, "other").get_groups)[1],
          "UnrecognizedClientException", "wrong token")
    equal(error_of(client(srv, TMP_AKID, TMP_SECRET).get_groups)[1],
          "UnrecognizedClientException", "no token")


@test("tampered body sent raw: 403 InvalidSignatureException")
def _():
    port = CTX.main.port
    signed = b'{"StartTime": 1795168800, "EndTime": 1795172400}'
    headers = signed_headers(port, "/TraceSummaries", signed)
    status, h, body = raw(port, "/TraceSummaries",
                          b'{"StartTime": 1795168800, "EndTime": 1795172401}',
                          headers=headers, sign=False)
    equal(status, 403, "status")
    check(h["x-amzn-errortype"].startswith("InvalidSignatureException:"), h)


@test("missing Authorization: 403 MissingAuthenticationTokenException")
def _():
    status, h, body = raw(CTX.main.port, "/Groups", "{}", sign=False,
                          headers={"Content-Type": "application/json"})
    equal(status, 403, "status")
    check(h["x-amzn-errortype"].startswith("MissingAuthenticationTokenException:"), h)


@test("clock skew over 15 minutes: 403 InvalidSignatureException 'Signature expired'")
def _():
    port = CTX.main.port
    old = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    headers = signed_headers(port, "/Groups", b"{}", when=old)
    status, h, body = raw(port, "/Groups", b"{}", headers=headers, sign=False)
    equal(status, 403, "status")
    check("Signature expired" in json.loads(body)["message"], body)
    fresh = datetime.datetime.utcnow() - datetime.timedelta(minutes=5)
    headers = signed_headers(port, "/Groups", b"{}", when=fresh)
    equal(raw(port, "/Groups", b"{}", headers=headers, sign=False)[0], 200, "5 min is fine")


@test("request log: boto3's requests verified 'valid', signature and token redacted")
def _():
    srv = CTX.main
    srv.control("DELETE", "/__emulator/requests")
    client(srv, TMP_AKID, TMP_SECRET, TMP_TOKEN).get_trace_summaries(StartTime=START,
                                                                     EndTime=END)
    log = srv.control("GET", "/__emulator/requests")
    equal(len(log), 1, "entries")
    e = log[0]
    equal(e["signature"]["result"], "valid", "verdict")
    equal(e["path"], "/TraceSummaries", "path")
    equal(json.loads(e["body"])["StartTime"], START, "body")
    text = json.dumps(e)
    check(TMP_TOKEN not in text, "token leaked")
    auth = [v for k, v in e["headers"] if k.lower() == "authorization"][0]
    check(auth.endswith("Signature=<redacted 64 chars>"), auth)
    check("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token" in auth, auth)
    with open(os.path.join(CTX.tmp, "requests.jsonl"), encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    check(len(lines) > 50 and all("status" in x for x in lines), "log file")
    check(TMP_TOKEN not in open(os.path.join(CTX.tmp, "requests.jsonl")).read(),
          "token in log file")


@test("curl --aws-sigv4 (libcurl, what xrtop uses) with a hand-added session token verifies")
def _():
    curl = "/usr/bin/curl"
    if not os.path.exists(curl):
        return  # nothing to cross-check on this machine
    srv = CTX.main
    srv.control("DELETE", "/__emulator/requests")
    body = json.dumps({"StartTime": START, "EndTime": END, "FilterExpression":
                       'annotation.restaurantName = "강남 맛집"'}, ensure_ascii=False)
    out = subprocess.run(
        [curl, "-sS", "--aws-sigv4", "aws:amz:us-east-1:xray",
         "--user", "%s:%s" % (TMP_AKID, TMP_SECRET),
         "-H", "Content-Type: application/json",
         "-H", "X-Amz-Security-Token: " + TMP_TOKEN,
         "--data-binary", body, srv.base + "/TraceSummaries"],
        capture_output=True, timeout=30, check=False)
    equal(out.returncode, 0, "curl exit status")
    equal(len(json.loads(out.stdout)["TraceSummaries"]), 3, "summaries")
    log = srv.control("GET", "/__emulator/requests")
    equal([e["signature"]["result"] for e in log], ["valid"], "verdict")


# ---------------------------------------------------------------------------
# Robustness and concurrency


@test("bad requests do not kill the server (bad JSON, GET, unknown op, junk HTTP, huge body)")
def _():
    srv = CTX.main
    port = srv.port
    status, h, _ = raw(port, "/TraceSummaries", "{not json")
    equal((status, h["x-amzn-errortype"].split(":")[0]), (400, "SerializationException"),
          "bad json")
    equal(raw(port, "/NoSuchOperation", "{}")[0], 404, "unknown op")
    equal(raw(port, "/TraceSegments", "{}")[0], 400, "unimplemented op")
    equal(raw(port, "/TraceSummaries", "[1, 2]")[0], 400, "array body")
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"FROB /Groups HTTP/1.1\r\nHost: x\r\n\r\n")
    reply = s.recv(100)
    s.close()
    check(reply.startswith(b"HTTP/1.1 501 "), reply)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 junk\r\n\r\n")
    reply = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    s.close()
    check(b"400" in reply, reply)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"POST /Groups HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
    reply = s.recv(100)
    s.close()
    check(b" 413 " in reply, reply)
    equal(len(client(srv).get_groups()["Groups"]), 3, "still alive")
    equal(srv.control("GET", "/__emulator/stats")["exceptions"], 0, "no exceptions")


@test("60 concurrent keep-alive connections, 3 requests each, all served; stats count them")
def _():
    srv = CTX.get("latency", lambda: emulator("--latency", "0.1", "--credentials",
                                              "%s:%s" % (AKID, SECRET)))
    srv.control("DELETE", "/__emulator/stats")
    conns = [http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
             for _ in range(60)]
    results = []
    barrier = threading.Barrier(60)

    def run(conn):
        barrier.wait()
        for _ in range(3):
            results.append(raw(srv.port, "/Groups", "{}", conn=conn)[0])

    threads = [threading.Thread(target=run, args=(c,)) for c in conns]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    for c in conns:
        c.close()
    stats = srv.control("GET", "/__emulator/stats")
    equal(results.count(200), 180, "200s")
    equal(stats["connections_total"], 61, "connections (60 reused + the stats GET)")
    check(stats["max_in_flight"] >= 30, "max in flight %d" % stats["max_in_flight"])
    check(elapsed < 3, "concurrent, took %.2f s" % elapsed)


@test("--shift-to-now rebases trace ids and times so the newest trace ends about now")
def _():
    srv = CTX.get("shift", lambda: emulator("--shift-to-now", "--credentials",
                                            "%s:%s" % (AKID, SECRET)))
    now = time.time()
    xray = client(srv)
    items = [s for p in xray.get_paginator("get_trace_summaries").paginate(
        StartTime=int(now) - 7200, EndTime=int(now) + 60) for s in p["TraceSummaries"]]
    equal(len(items), 30, "traces in the last two hours")
    traces = []
    for i in range(0, 30, 5):
        traces += xray.batch_get_traces(TraceIds=[s["Id"] for s in items[i:i + 5]])["Traces"]
    ends = []
    for t in traces:
        docs = [json.loads(seg["Document"]) for seg in t["Segments"]]
        epoch = int(t["Id"].split("-")[1], 16)
        start = min(d["start_time"] for d in docs)
        check(0 <= start - epoch < 1.0, "id epoch vs start: %s" % t["Id"])
        check(all(d["trace_id"] == t["Id"] for d in docs), "trace_id in documents")
        ends += [d.get("end_time", d["start_time"]) for d in docs]
    check(now - 5 <= max(ends) <= now + 1, "newest end %.1f vs now %.1f" % (max(ends), now))


@test("the developer-guide BatchGetTraces example loads and is summarised")
def _():
    if not os.path.exists(DEVGUIDE):
        return  # optional input outside the repository
    srv = CTX.get("devguide", lambda: Server(EMULATOR, "--data", DEVGUIDE, "--credentials",
                                             "%s:%s" % (AKID, SECRET)))
    xray = client(srv)
    s = xray.get_trace_summaries(StartTime=1499472000, EndTime=1499475600)["TraceSummaries"]
    equal([x["Id"] for x in s], ["1-59602603-23fc5b688855d396af79b496"], "ids")
    equal(s[0]["Users"][0]["UserName"], "5M388M1E", "user")
    equal(s[0]["AvailabilityZones"], [{"Name": "us-west-2c"}], "AZ")
    names = {x["Name"] for x in xray.get_service_graph(StartTime=1499472000,
                                                       EndTime=1499475600)["Services"]}
    check({"Scorekeep", "random-name", "SNS", "DynamoDB"} <= names, names)


# ---------------------------------------------------------------------------
# Credential stubs


@test("IMDSv2 stub: botocore's InstanceMetadataFetcher gets numbered keys; no token -> 401")
def _():
    # botocore pushes an IMDS expiry that is less than 12-20 minutes away further
    # out ("static stability"), so serve keys valid for 2 hours here.
    stub = CTX.get("imds", lambda: Server(STUB, "--mode", "imds", "--expires-in", "7200"))
    fetcher = InstanceMetadataFetcher(timeout=2, num_attempts=1, base_url=stub.base + "/",
                                      env={})
    first = fetcher.retrieve_iam_role_credentials()
    second = fetcher.retrieve_iam_role_credentials()
    equal((first["access_key"], second["access_key"]),
          ("ASIASTUB0000000001", "ASIASTUB0000000002"), "numbered keys")
    equal(first["role_name"], "xrtop-stub-role", "role")
    expiry = datetime.datetime.strptime(first["expiry_time"], "%Y-%m-%dT%H:%M:%SZ")
    left = (expiry - datetime.datetime.utcnow()).total_seconds()
    check(7180 < left <= 7200, "expiry in %.0f s" % left)
    conn = http.client.HTTPConnection("127.0.0.1", stub.port, timeout=5)
    conn.request("GET", "/latest/meta-data/iam/security-credentials/")
    resp = conn.getresponse()
    resp.read()
    equal(resp.status, 401, "GET without token")
    conn.request("PUT", "/latest/api/token")
    resp = conn.getresponse()
    resp.read()
    equal(resp.status, 400, "PUT without TTL")
    conn.close()
    log = stub.control("GET", "/__stub/requests")
    check(all("<redacted" in v for e in log for k, v in e["headers"]
              if k.lower() == "x-aws-ec2-metadata-token"), "token redacted")


@test("IMDSv1-only stub: token PUT is 404 and botocore falls back to plain GETs")
def _():
    stub = CTX.get("imds1", lambda: Server(STUB, "--mode", "imds", "--imdsv1-only",
                                           "--credentials", "AKIDV1:secretv1:tokenv1"))
    fetcher = InstanceMetadataFetcher(timeout=2, num_attempts=1, base_url=stub.base + "/",
                                      env={})
    creds = fetcher.retrieve_iam_role_credentials()
    equal((creds["access_key"], creds["token"]), ("AKIDV1", "tokenv1"), "credentials")


@test("container stub: needs its Authorization token; botocore ContainerProvider "
      "credentials sign emulator requests; each fetch serves the next numbered key")
def _():
    stub = CTX.get("container", lambda: Server(STUB, "--mode", "container",
                                               "--token", "Bearer stub-auth",
                                               "--expires-in", "1800"))
    uri = stub.base + "/v2/credentials/stub"
    try:
        ContainerMetadataFetcher().retrieve_full_uri(uri)
        raise AssertionError("no Authorization accepted")
    except botocore.exceptions.MetadataRetrievalError:
        pass
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": uri,
           "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer stub-auth"}
    srv = CTX.get("stubkeys", lambda: emulator(
        "--credentials", "ASIASTUB0000000001:stub-secret-0001:stub-token-0001",
        "--credentials", "ASIASTUB0000000002:stub-secret-0002:stub-token-0002"))
    for want in ("ASIASTUB0000000001", "ASIASTUB0000000002"):
        frozen = ContainerProvider(environ=env).load().get_frozen_credentials()
        equal(frozen.access_key, want, "served key")
        xray = client(srv, frozen.access_key, frozen.secret_key, frozen.token)
        equal(len(xray.get_groups()["Groups"]), 1, "signed with %s" % want)
    log = stub.control("GET", "/__stub/requests")
    equal([e["status"] for e in log][:1], [401], "request without token refused")
    check("stub-auth" not in json.dumps(log), "Authorization redacted")


@test("stub --expires-in: a short expiry makes botocore refresh to the next key")
def _():
    stub = CTX.get("short", lambda: Server(STUB, "--mode", "container", "--expires-in", "2"))
    creds = ContainerProvider(environ={
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": stub.base + "/v2/credentials/stub"}).load()
    first = creds.get_frozen_credentials().access_key
    second = creds.get_frozen_credentials().access_key
    check(second > first, "no refresh: %s then %s" % (first, second))


# ---------------------------------------------------------------------------


def main():
    print("1..%d" % len(TESTS))
    sys.stdout.flush()
    failed = 0
    try:
        for n, (desc, fn) in enumerate(TESTS, 1):
            try:
                fn()
                print("ok %d - %s" % (n, desc))
            except Exception as e:
                failed += 1
                print("not ok %d - %s" % (n, desc))
                detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                for line in detail.rstrip().splitlines():
                    print("# " + line)
            sys.stdout.flush()
    finally:
        CTX.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
