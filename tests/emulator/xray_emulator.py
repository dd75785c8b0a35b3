#!/usr/bin/python3
"""AWS X-Ray read-API emulator for xrtop's integration tests and benchmarks.

Serves POST /TraceSummaries, /Traces, /ServiceGraph, /TraceGraph and /Groups on
127.0.0.1 (port 0 = any free port) from BatchGetTraces-shaped JSON files,
verifies the SigV4 signature of every request with Debian's python3-botocore,
records every request, and injects faults on demand.

    /usr/bin/python3 tests/emulator/xray_emulator.py \\
        --data tests/data/emulator-traces.json --shift-to-now \\
        --credentials AKIDEXAMPLE:secret [--port-file F] [--log F.jsonl]

On start it prints `PORT <n>` on stdout.  The control API (not part of X-Ray):

    POST   /__emulator/faults    add fault rules (JSON list or one object)
    GET    /__emulator/faults    list the rules with their hit counters
    DELETE /__emulator/faults    remove every rule
    GET    /__emulator/requests  request log as a JSON list (?since=SEQ)
    DELETE /__emulator/requests  clear the request log
    GET    /__emulator/stats     counters; DELETE resets them
    GET    /__emulator/health    {"ok": true, "traces": N, ...}
    GET    /__emulator/traces    every trace id with when it became visible
    POST   /__emulator/arrivals  {"rate": R}: R new traces a second (0 stops)
    GET    /__emulator/arrivals  the arrival rate and how many have arrived

Must run with Debian's /usr/bin/python3 (botocore 1.29) for signature checks.
"""

import argparse
import base64
import collections
import datetime
import hashlib
import http.server
import json
import math
import os
import random
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from urllib.parse import urlsplit, parse_qs

sys.dont_write_bytecode = True  # keep the source tree clean (and distcheck happy)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import xrayfilter  # noqa: E402
import serverloop  # noqa: E402
import xraymodel  # noqa: E402
import derivedkeys  # noqa: E402

try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest, HTTPHeaders
    from botocore.credentials import Credentials
except ImportError:  # reported at start-up unless --no-auth
    SigV4Auth = None

ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.xray/"
DEFAULT_CREDENTIALS = "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
MAX_BODY = 1 << 20
MAX_TRACE_IDS = 5
SKEW_LIMIT = 15 * 60
API_PATHS = ("/TraceSummaries", "/Traces", "/ServiceGraph", "/TraceGraph", "/Groups")
KNOWN_UNIMPLEMENTED = ("/TimeSeriesServiceStatistics", "/InsightSummaries",
                       "/TraceSegments", "/GetGroup", "/SamplingRules",
                       "/SamplingTargets", "/SamplingStatisticSummaries",
                       "/Insight", "/InsightEvents", "/InsightImpactGraph",
                       "/EncryptionConfig", "/CreateGroup", "/UpdateGroup",
                       "/DeleteGroup", "/TelemetryRecords", "/ListTagsForResource")


class ApiError(Exception):
    """An error reply in X-Ray's wire format."""

    def __init__(self, status, code, message, typed_body=False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.typed_body = typed_body  # {"__type": ...} body, no ErrorType header

    def payload(self):
        if self.typed_body:
            return {"__type": self.code, "message": self.message}
        return {"message": self.message}


def invalid(message):
    return ApiError(400, "InvalidRequestException", message)


# ---------------------------------------------------------------------------
# SigV4 verification


if SigV4Auth is not None:
    class DeclaredHeadersSigV4(SigV4Auth):
        """botocore's signer, signing exactly the headers the client declared.

        Stock `headers_to_sign` drops user-agent, expect and x-amzn-trace-id
        even when a client signed them; a verifier must not.
        """

        def __init__(self, credentials, service, region, signed):
            super().__init__(credentials, service, region)
            self._signed = signed

        def headers_to_sign(self, request):
            out = HTTPHeaders()
            for name in self._signed:
                for value in request.headers.get_all(name) or []:
                    out[name] = value
            return out


class Key:
    """A credential the emulator accepts."""

    def __init__(self, spec):
        parts = spec.split(":", 2)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise ValueError("--credentials wants AKID:SECRET[:TOKEN], got %r" % spec)
        self.akid, self.secret = parts[0], parts[1]
        self.token = parts[2] if len(parts) == 3 and parts[2] else None
        self.expired = False


class Verdict:
    """Outcome of the signature check, as written in the request log."""

    def __init__(self, result, akid=None, error=None, detail=None):
        self.result = result   # valid | invalid | missing | malformed | ... | skipped
        self.akid = akid
        self.error = error     # ApiError to send, or None
        self.detail = detail

    def to_log(self):
        out = {"result": self.result}
        if self.akid:
            out["access_key"] = self.akid
        if self.error is not None:
            out["error"] = self.error.code
        if self.detail:
            out["detail"] = self.detail
        return out


class SigV4Verifier:
    """Checks X-Ray requests the way AWS would, using python3-botocore."""

    def __init__(self, region, keys, service="xray", clock=time.time):
        self.region = region
        self.keys = {k.akid: k for k in keys}
        self.service = service
        self.clock = clock

    def verify(self, method, path, headers, body):
        """Return a Verdict for one request; `headers` is a list of pairs."""
        h = collections.OrderedDict()
        for name, value in headers:
            h.setdefault(name.lower(), []).append(value)
        auth = ",".join(h.get("authorization", []))
        if not auth:
            return Verdict("missing", error=ApiError(
                403, "MissingAuthenticationTokenException", "Missing Authentication Token"))
        try:
            akid, date, region, service, signed, signature = self._parse(auth)
        except ValueError as e:
            return Verdict("malformed", error=ApiError(
                403, "IncompleteSignatureException", str(e)))
        verdict = self._check_scope_and_key(h, akid, date, region, service, signed)
        if verdict is not None:
            return verdict
        key = self.keys[akid]
        if "x-amz-content-sha256" in h and \
                h["x-amz-content-sha256"][0] != hashlib.sha256(body).hexdigest():
            return Verdict("invalid", akid, ApiError(
                400, "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed."))
        expected = self._signature(method, path, h, body, key, region, signed)
        if expected != signature:
            return Verdict("invalid", akid, ApiError(
                403, "InvalidSignatureException",
                "The request signature we calculated does not match the signature "
                "you provided. Check your AWS Secret Access Key and signing method. "
                "Consult the service documentation for details."))
        return Verdict("valid", akid)

    @staticmethod
    def _parse(auth):
        """Split `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`."""
        algo, _, rest = auth.partition(" ")
        if algo != "AWS4-HMAC-SHA256":
            raise ValueError("Unsupported AWS 'algorithm': '%s'" % algo)
        fields = {}
        for part in rest.split(","):
            name, eq, value = part.strip().partition("=")
            if eq:
                fields[name] = value
        for name in ("Credential", "SignedHeaders", "Signature"):
            if name not in fields:
                raise ValueError("Authorization header requires '%s' parameter. "
                                 "Authorization=%s" % (name, auth.split(" Signature=")[0]))
        scope = fields["Credential"].split("/")
        if len(scope) != 5 or scope[4] != "aws4_request":
            raise ValueError("Credential should be scoped to a valid region, "
                             "not '%s'." % "/".join(scope[1:]))
        signed = fields["SignedHeaders"].split(";")
        return scope[0], scope[1], scope[2], scope[3], signed, fields["Signature"]

    def _check_scope_and_key(self, h, akid, date, region, service, signed):
        """Every check before the signature itself; None when all pass."""
        def sig_error(result, message, status=403, code="InvalidSignatureException"):
            return Verdict(result, akid, ApiError(status, code, message))

        amz_date = (h.get("x-amz-date") or [""])[0]
        if not amz_date:
            return sig_error("malformed", "Authorization header requires existence of "
                             "either a 'X-Amz-Date' or a 'Date' header.",
                             code="IncompleteSignatureException")
        if "host" not in signed:
            return sig_error("malformed", "'Host' or ':authority' must be a "
                             "'SignedHeader' in the AWS Authorization.",
                             code="IncompleteSignatureException")
        missing = [n for n in signed if n not in h]
        if missing:
            return sig_error("invalid", "Signed header(s) not present in the request: "
                             + ", ".join(missing))
        if service != self.service:
            return sig_error("bad-scope", "Credential should be scoped to correct "
                             "service: '%s'. " % self.service)
        if region != self.region:
            return sig_error("bad-scope", "Credential should be scoped to a valid "
                             "region. ")
        if date != amz_date[:8]:
            return sig_error("bad-scope", "Date in Credential scope does not match "
                             "YYYYMMDD from ISO-8601 version of date from HTTP: "
                             "'%s' != '%s', from '%s'." % (date, amz_date[:8], amz_date))
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            return sig_error("malformed", "Date must be in ISO-8601 'basic format'. "
                             "Got '%s'." % amz_date, code="IncompleteSignatureException")
        key = self.keys.get(akid)
        if key is None:
            return Verdict("unknown-key", akid, ApiError(
                403, "UnrecognizedClientException",
                "The security token included in the request is invalid."))
        if key.expired:
            return Verdict("expired-key", akid, ApiError(
                403, "ExpiredTokenException",
                "The security token included in the request is expired"))
        token = (h.get("x-amz-security-token") or [None])[0]
        if token != key.token:
            return Verdict("bad-token", akid, ApiError(
                403, "UnrecognizedClientException",
                "The security token included in the request is invalid."))
        now = self.clock()
        if abs(now - when) > SKEW_LIMIT:
            return sig_error("skew", self._skew_message(amz_date, when, now))
        return None

    @staticmethod
    def _skew_message(amz_date, when, now):
        fmt = "%Y%m%dT%H%M%SZ"
        now_s = time.strftime(fmt, time.gmtime(now))
        if when < now:
            limit = time.strftime(fmt, time.gmtime(now - SKEW_LIMIT))
            return ("Signature expired: %s is now earlier than %s (%s - 15 min.)"
                    % (amz_date, limit, now_s))
        limit = time.strftime(fmt, time.gmtime(now + SKEW_LIMIT))
        return ("Signature not yet current: %s is still later than %s (%s + 15 min.)"
                % (amz_date, limit, now_s))

    def _signature(self, method, path, h, body, key, region, signed):
        """Recompute the signature with the client's own X-Amz-Date."""
        req = AWSRequest(method=method, url="http://" + h["host"][0] + path, data=body)
        for name in signed:
            for value in h[name]:
                req.headers[name] = value
        req.context["timestamp"] = h["x-amz-date"][0]
        signer = DeclaredHeadersSigV4(Credentials(key.akid, key.secret, key.token),
                                      self.service, region, signed)
        return signer.signature(
            signer.string_to_sign(req, signer.canonical_request(req)), req)


# ---------------------------------------------------------------------------
# Fault injection


FAULT_KINDS = ("throttle429", "throttle400", "http500", "http503", "slow",
               "truncate", "malformed", "wrong_type", "empty", "reset",
               "invalid_request", "unprocessed", "repeat_token")


class FaultRule:
    """One rule of POST /__emulator/faults."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault rule must be a JSON object")
        unknown = set(spec) - {"path", "kind", "count", "after", "delay", "message",
                               "probability"}
        if unknown:
            raise ValueError("unknown fault rule field(s): %s" % ", ".join(sorted(unknown)))
        self.path = spec.get("path", "*")
        self.kind = spec.get("kind")
        self.count = spec.get("count", 1)
        self.after = spec.get("after", 0)
        self.delay = spec.get("delay", 0)
        self.message = spec.get("message")
        self.probability = spec.get("probability", 1)
        if not isinstance(self.path, str) or not (self.path == "*" or self.path.startswith("/")):
            raise ValueError("'path' must be \"*\" or an API path such as \"/Traces\"")
        if self.kind not in FAULT_KINDS:
            raise ValueError("'kind' must be one of: " + ", ".join(FAULT_KINDS))
        for name in ("count", "after"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < (-1 if name == "count" else 0):
                raise ValueError("'%s' must be an integer (count: -1 = unlimited)" % name)
        if not isinstance(self.delay, (int, float)) or isinstance(self.delay, bool) \
                or not 0 <= self.delay <= 600:
            raise ValueError("'delay' must be a number of seconds in [0, 600]")
        if self.message is not None and not isinstance(self.message, str):
            raise ValueError("'message' must be a string")
        if not isinstance(self.probability, (int, float)) or isinstance(self.probability, bool) \
                or not 0 < self.probability <= 1:
            raise ValueError("'probability' must be a number in (0, 1]")
        self.seen = 0
        self.hits = 0

    def applies(self, path, body):
        """True when this rule can act on this request at all."""
        if self.path not in ("*", path):
            return False
        if self.kind == "unprocessed":
            return path == "/Traces"
        if self.kind == "repeat_token":
            return isinstance(body, dict) and isinstance(body.get("NextToken"), str)
        return True

    def exhausted(self):
        return self.count != -1 and self.hits >= self.count

    def to_json(self):
        return {"path": self.path, "kind": self.kind, "count": self.count,
                "after": self.after, "delay": self.delay, "message": self.message,
                "probability": self.probability, "seen": self.seen, "hits": self.hits}


class FaultBook:
    """The active fault rules; thread-safe."""

    def __init__(self, seed=None):
        self._lock = threading.Lock()
        self._rules = []
        self._random = random.Random(seed)

    def add(self, specs):
        rules = [FaultRule(s) for s in (specs if isinstance(specs, list) else [specs])]
        with self._lock:
            self._rules.extend(rules)
        return len(rules)

    def clear(self):
        with self._lock:
            self._rules = []

    def list(self):
        with self._lock:
            return [r.to_json() for r in self._rules]

    def take(self, path, body):
        """The rule that hits this request (counters updated), or None."""
        with self._lock:
            for rule in self._rules:
                if rule.exhausted() or not rule.applies(path, body):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.probability < 1 and self._random.random() >= rule.probability:
                    continue
                rule.hits += 1
                return rule
        return None


# ---------------------------------------------------------------------------
# Request log and statistics


class RequestLog:
    """In-memory request log (bounded) plus an optional JSON-lines file."""

    def __init__(self, path=None, limit=100000):
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=limit)
        self._seq = 0
        self._file = open(path, "a", encoding="utf-8") if path else None

    def add(self, entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)
            if self._file is not None:
                self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self._file.flush()

    def since(self, seq=0):
        with self._lock:
            return [e for e in self._entries if e["seq"] > seq]

    def clear(self):
        with self._lock:
            self._entries.clear()


def redact_headers(pairs):
    """Headers for the log: signature and session token replaced by their length."""
    out = []
    for name, value in pairs:
        lname = name.lower()
        if lname == "authorization":
            head, sep, sig = value.partition("Signature=")
            if sep:
                value = "%s%s<redacted %d chars>" % (head, sep, len(sig))
            else:
                value = "<redacted %d chars>" % len(value)
        elif lname == "x-amz-security-token":
            value = "<redacted %d chars>" % len(value)
        out.append([name, value])
    return out


class Stats:
    """Counters for GET /__emulator/stats; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.started = time.time()
            self.by_path = collections.Counter()
            self.by_status = collections.Counter()
            self.by_verdict = collections.Counter()
            self.faults = collections.Counter()
            self.in_flight = 0
            self.max_in_flight = 0
            self.connections_total = 0
            self.connections_open = getattr(self, "connections_open", 0)
            self.max_connections_open = self.connections_open
            self.exceptions = 0

    def begin(self, path):
        with self._lock:
            self.by_path[path] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self, status, verdict, fault, exception=False):
        with self._lock:
            self.in_flight -= 1
            self.by_status[str(status)] += 1
            if verdict:
                self.by_verdict[verdict] += 1
            if fault:
                self.faults[fault] += 1
            if exception:
                self.exceptions += 1

    def connection(self, delta):
        with self._lock:
            self.connections_open += delta
            if delta > 0:
                self.connections_total += 1
                self.max_connections_open = max(self.max_connections_open,
                                                self.connections_open)

    def to_json(self):
        with self._lock:
            return {
                "uptime": round(time.time() - self.started, 3),
                "requests_total": sum(self.by_path.values()),
                "requests_by_path": dict(self.by_path),
                "responses_by_status": dict(self.by_status),
                "signatures": dict(self.by_verdict),
                "faults_injected": dict(self.faults),
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "connections_total": self.connections_total,
                "connections_open": self.connections_open,
                "max_connections_open": self.max_connections_open,
                "exceptions": self.exceptions,
            }


# ---------------------------------------------------------------------------
# The X-Ray operations


class LruCache:
    """A small thread-safe LRU for query results (keeps paging consistent)."""

    def __init__(self, size=128):
        self._lock = threading.Lock()
        self._data = collections.OrderedDict()
        self._size = size

    def get_or_compute(self, key, compute):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = compute()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self._size:
                self._data.popitem(last=False)
        return value


def query_hash(op, body, fields):
    """A short hash of the query parameters a NextToken belongs to."""
    canon = json.dumps([op] + [body.get(f) for f in fields], sort_keys=True,
                       ensure_ascii=False)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


def make_token(offset, qhash):
    """An opaque NextToken: offset and query hash, base64 of a plain string.

    Deliberately not base64 of a JSON object: botocore's paginator decodes
    such starting tokens as a dict of request parameters.
    """
    raw = ("xre1|%d|%s" % (offset, qhash)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token, qhash, total):
    """Offset encoded in a NextToken of this query; InvalidRequest otherwise."""
    if token is None:
        return 0
    if not isinstance(token, str):
        raise invalid("NextToken must be a string")
    try:
        pad = "=" * (-len(token) % 4)
        magic, offset, qh = base64.urlsafe_b64decode(token + pad).decode().split("|")
        offset = int(offset)
        if magic != "xre1":
            raise ValueError(magic)
    except (ValueError, UnicodeDecodeError, TypeError):
        raise invalid("Invalid NextToken: not a token this service issued") from None
    if qh != qhash:
        raise invalid("Invalid NextToken: it belongs to a different query")
    if not 0 <= offset <= total:
        raise invalid("Invalid NextToken: offset out of range")
    return offset


def page(items, offset, size, qhash):
    """Slice one page; returns (items, NextToken or None)."""
    chunk = items[offset:offset + size]
    nxt = offset + size
    return chunk, (make_token(nxt, qhash) if nxt < len(items) else None)


def require_time(body, name):
    v = body.get(name)
    if v is None:
        raise invalid("%s is required" % name)
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise invalid("%s must be a number of epoch seconds" % name)
    return float(v)


def require_window(body):
    start = require_time(body, "StartTime")
    end = require_time(body, "EndTime")
    if end < start:
        raise invalid("EndTime must not be earlier than StartTime")
    return start, end


class XRayBackend:
    """State and operations of the emulated X-Ray service."""

    def __init__(self, traces, groups, region, account, page_size, graph_page_size,
                 index_delay=0.0):
        self.traces = sorted(traces, key=lambda t: (t.start, t.id), reverse=True)
        self.index_delay = index_delay
        self.by_id = {t.id: t for t in self.traces}
        self.arrived_at = {}         # trace id -> when add_trace() added it
        self.generation = 0          # bumped by add_trace(): cached queries go stale
        self._add_lock = threading.Lock()
        self.region = region
        self.account = account
        self.page_size = page_size
        self.graph_page_size = graph_page_size
        self.groups = self._load_groups(groups)
        self.cache = LruCache()

    def _load_groups(self, groups):
        out = collections.OrderedDict()
        out["Default"] = {"GroupName": "Default",
                          "GroupARN": self.group_arn("Default")}
        for g in groups:
            if not isinstance(g, dict) or not isinstance(g.get("GroupName"), str):
                raise ValueError("each group needs a GroupName")
            name = g["GroupName"]
            entry = {"GroupName": name,
                     "GroupARN": g.get("GroupARN") or self.group_arn(name)}
            if g.get("FilterExpression"):
                entry["FilterExpression"] = g["FilterExpression"]
            out[name] = entry
        lookup = self.group_filters(out)
        for entry in out.values():
            if entry.get("FilterExpression"):
                xrayfilter.compile_filter(entry["FilterExpression"], lookup)
        return out

    def add_trace(self, trace, now=None):
        """Makes a new trace part of the data (copy on write: readers hold no lock)."""
        now = time.time() if now is None else now
        with self._add_lock:
            traces = list(self.traces)
            key = (trace.start, trace.id)
            lo, hi = 0, len(traces)
            while lo < hi:  # newest first
                mid = (lo + hi) // 2
                if (traces[mid].start, traces[mid].id) > key:
                    lo = mid + 1
                else:
                    hi = mid
            traces.insert(lo, trace)
            self.by_id[trace.id] = trace
            self.arrived_at[trace.id] = now
            self.traces = traces
            self.generation += 1

    def visibility(self):
        """Every trace with when GetTraceSummaries can first find it."""
        out = []
        for t in self.traces:
            arrived = self.arrived_at.get(t.id)
            visible = t.end + self.index_delay
            if arrived is not None:
                visible = max(visible, arrived)
            out.append({"Id": t.id, "epoch": t.epoch, "start": t.start, "end": t.end,
                        "arrived": arrived, "visible": round(visible, 3)})
        return out

    def group_arn(self, name):
        return "arn:aws:xray:%s:%s:group/%s/%s" % (
            self.region, self.account, name,
            hashlib.sha1(name.encode()).hexdigest()[:26].upper())

    @staticmethod
    def group_filters(groups):
        """Group name and ARN -> filter expression (None for no filter)."""
        out = {}
        for g in groups.values():
            out[g["GroupName"]] = g.get("FilterExpression")
            out[g["GroupARN"]] = g.get("FilterExpression")
        return out

    def compile(self, expression):
        try:
            return xrayfilter.compile_filter(expression, self.group_filters(self.groups))
        except xrayfilter.FilterError as e:
            raise invalid("Invalid filter expression: %s" % e) from None

    # -- GetTraceSummaries ---------------------------------------------------

    def trace_summaries(self, body):
        start, end = require_window(body)
        range_type = body.get("TimeRangeType", "TraceId")
        if range_type not in ("TraceId", "Event", "Service"):
            raise invalid("1 validation error detected: Value '%s' at 'timeRangeType' "
                          "failed to satisfy constraint: Member must satisfy enum value "
                          "set: [Event, Service, TraceId]" % range_type)
        expression = body.get("FilterExpression")
        if expression is not None and not isinstance(expression, str):
            raise invalid("FilterExpression must be a string")
        flt = self.compile(expression) if expression is not None else None
        fields = ("StartTime", "EndTime", "TimeRangeType", "FilterExpression",
                  "Sampling", "SamplingStrategy")
        qhash = query_hash("TraceSummaries", body, fields)

        def compute():
            # X-Ray indexes a trace some seconds after it ends (--index-delay)
            seen = time.time() - self.index_delay
            in_range = [t for t in self.traces
                        if self._in_range(t, range_type, start, end) and
                        (not self.index_delay or t.end <= seen)]
            matched = [t for t in in_range if flt is None or flt.matches(t)]
            return len(in_range), matched

        # new traces or the passing index delay change the answer of a query
        key = (qhash, self.generation,
               int(time.time()) if self.index_delay else 0)
        processed, matched = self.cache.get_or_compute(key, compute)
        offset = read_token(body.get("NextToken"), qhash, len(matched))
        chunk, token = page(matched, offset, self.page_size, qhash)
        out = {
            "TraceSummaries": JsonFragments(
                t.summary_json(self._matched_time(t, range_type, start)) for t in chunk),
            "ApproximateTime": float(int(min(end, time.time()))),
            "TracesProcessedCount": processed,
        }
        if token:
            out["NextToken"] = token
        return out

    @staticmethod
    def _in_range(trace, range_type, start, end):
        if range_type == "TraceId":
            return start <= trace.epoch < end
        if range_type == "Event":
            return trace.active_in(start, end)
        return any(s.end is not None and start <= s.end < end for s in trace.segments)

    @staticmethod
    def _matched_time(trace, range_type, start):
        if range_type == "TraceId":
            return trace.epoch
        return max(trace.start, start)

    # -- BatchGetTraces / GetTraceGraph --------------------------------------

    def trace_ids(self, body):
        """The validated TraceIds of a request (1..5, duplicates dropped)."""
        ids = body.get("TraceIds")
        if ids is None:
            raise invalid("TraceIds is required")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise invalid("TraceIds must be a list of strings")
        if not ids:
            raise invalid("TraceIds must contain at least one trace id")
        if len(ids) > MAX_TRACE_IDS:
            raise invalid("Exceeding maximum query size: %d (got %d trace ids)"
                          % (MAX_TRACE_IDS, len(ids)))
        return list(collections.OrderedDict.fromkeys(ids))

    def batch_get_traces(self, body):
        ids = self.trace_ids(body)
        qhash = query_hash("Traces", body, ("TraceIds",))
        read_token(body.get("NextToken"), qhash, 0)
        found = [self.by_id[i] for i in ids if i in self.by_id]
        return {"Traces": [t.to_api() for t in found],
                "UnprocessedTraceIds": [i for i in ids if i not in self.by_id]}

    def trace_graph(self, body):
        ids = self.trace_ids(body)
        qhash = query_hash("TraceGraph", body, ("TraceIds",))
        services = self.cache.get_or_compute(
            qhash, lambda: xraymodel.build_graph(
                [self.by_id[i] for i in ids if i in self.by_id]))
        offset = read_token(body.get("NextToken"), qhash, len(services))
        chunk, token = page(services, offset, self.graph_page_size, qhash)
        out = {"Services": chunk}
        if token:
            out["NextToken"] = token
        return out

    # -- GetServiceGraph -----------------------------------------------------

    def _group_filter(self, body):
        name, arn = body.get("GroupName"), body.get("GroupARN")
        if name is None and arn is None:
            return None
        for g in self.groups.values():
            if (name is None or g["GroupName"] == name) and \
                    (arn is None or g["GroupARN"] == arn):
                expr = g.get("FilterExpression")
                return self.compile(expr) if expr else None
        raise invalid("Group not found: %s" % (name if name is not None else arn))

    def service_graph(self, body):
        start, end = require_window(body)
        flt = self._group_filter(body)
        qhash = query_hash("ServiceGraph", body,
                           ("StartTime", "EndTime", "GroupName", "GroupARN"))

        def compute():
            traces = [t for t in self.traces if t.active_in(start, end)
                      and (flt is None or flt.matches(t))]
            return xraymodel.build_graph(traces, start, end)

        services = self.cache.get_or_compute((qhash, self.generation), compute)
        offset = read_token(body.get("NextToken"), qhash, len(services))
        chunk, token = page(services, offset, self.graph_page_size, qhash)
        out = {"StartTime": float(int(start)), "EndTime": float(int(end)),
               "Services": chunk, "ContainsOldGroupVersions": False}
        if token:
            out["NextToken"] = token
        return out

    # -- GetGroups -----------------------------------------------------------

    def get_groups(self, body):
        groups = [dict(g, InsightsConfiguration={"InsightsEnabled": False,
                                                 "NotificationsEnabled": False})
                  for g in self.groups.values()]
        qhash = query_hash("Groups", body, ())
        offset = read_token(body.get("NextToken"), qhash, len(groups))
        chunk, token = page(groups, offset, self.page_size, qhash)
        out = {"Groups": chunk}
        if token:
            out["NextToken"] = token
        return out

    def dispatch(self, path, body):
        handler = {
            "/TraceSummaries": self.trace_summaries,
            "/Traces": self.batch_get_traces,
            "/ServiceGraph": self.service_graph,
            "/TraceGraph": self.trace_graph,
            "/Groups": self.get_groups,
        }.get(path)
        if handler is None:
            if path in KNOWN_UNIMPLEMENTED:
                raise invalid("%s is not implemented by the emulator" % path)
            raise ApiError(404, "UnknownOperationException", "Unknown operation: %s" % path)
        return handler(body)


class Arrivals:
    """New traces at a steady rate: copies of the loaded traces (in turn) that
    end now, under fresh trace ids, as a live service keeps receiving them."""

    def __init__(self, backend, seed=None):
        self.backend = backend
        self.templates = list(reversed(backend.traces))  # oldest first
        self._random = random.Random(seed)
        self._cond = threading.Condition()
        self.rate = 0.0
        self.count = 0
        self._next = 0
        self._thread = None

    def set_rate(self, rate):
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or \
                not 0 <= rate <= 1000:
            raise ValueError("'rate' must be a number of traces a second in [0, 1000]")
        if rate and not self.templates:
            raise ValueError("no traces loaded (--data) to copy")
        with self._cond:
            self.rate = float(rate)
            if self._thread is None and rate:
                self._thread = threading.Thread(target=self._run, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def to_json(self):
        with self._cond:
            return {"rate": self.rate, "count": self.count}

    def make(self, now):
        """The next new trace: a copy of a loaded one that ends at `now`."""
        template = self.templates[self.count % len(self.templates)]
        delta = int(math.floor(now - template.end))
        epoch = (template.epoch or int(template.start)) + delta
        new_id = "1-%08x-%024x" % (epoch, self._random.getrandbits(96))
        return template.cloned(new_id, delta)

    def _run(self):
        due = time.time()
        while True:
            with self._cond:
                while not self.rate:
                    self._cond.wait()
                    due = time.time()
                wait = due - time.time()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                due += 1.0 / self.rate
            now = time.time()
            trace = self.make(now)
            self.backend.add_trace(trace, now)
            with self._cond:
                self.count += 1


# ---------------------------------------------------------------------------
# HTTP layer


RESULT_KEYS = {"/TraceSummaries": ("TraceSummaries", "not-a-list"),
               "/Traces": ("Traces", 7),
               "/ServiceGraph": ("Services", "not-a-list"),
               "/TraceGraph": ("Services", "not-a-list"),
               "/Groups": ("Groups", {"not": "a list"})}


class JsonFragments(list):
    """A JSON array whose items are already-encoded JSON texts."""


def encode_payload(payload):
    """JSON bytes of a reply object; JsonFragments values are spliced in as is."""
    if not isinstance(payload, dict) or not any(
            isinstance(v, JsonFragments) for v in payload.values()):
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")
    parts = []
    for key, value in payload.items():
        if isinstance(value, JsonFragments):
            text = "[" + ", ".join(value) + "]"
        else:
            text = json.dumps(value, ensure_ascii=False)
        parts.append("%s: %s" % (json.dumps(key), text))
    return ("{" + ", ".join(parts) + "}").encode("utf-8")


class Reply:
    """What the handler will send: status, extra headers, body bytes, mode."""

    def __init__(self, status, body=b"", headers=None, mode="normal"):
        self.status = status
        self.body = body
        self.headers = headers or []
        self.mode = mode  # normal | truncate | reset

    @classmethod
    def json(cls, status, payload, headers=None):
        body = encode_payload(payload)
        return cls(status, body, [("Content-Type", "application/json")] + (headers or []))

    @classmethod
    def error(cls, err):
        headers = []
        if not err.typed_body:
            headers.append(("x-amzn-ErrorType", "%s:%s" % (err.code, ERROR_NAMESPACE)))
        return cls.json(err.status, err.payload(), headers)


class Handler(http.server.BaseHTTPRequestHandler):
    """One connection; serves requests until the client closes (keep-alive)."""

    protocol_version = "HTTP/1.1"
    server_version = "xray-emulator/1.0"

    def version_string(self):
        return self.server_version

    # -- connection bookkeeping ----------------------------------------------

    def setup(self):
        self.timeout = self.server.idle_timeout
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.stats.connection(+1)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.stats.connection(-1)

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("xray-emulator: %s - %s\n" % (self.address_string(), fmt % args))

    # -- dispatch --------------------------------------------------------------

    def do_POST(self):
        self.dispatch()

    def do_GET(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def dispatch(self):
        if self.path.startswith("/__emulator/"):
            self.control()
        else:
            self.api()

    def read_body(self):
        """The request body (Content-Length or chunked); ApiError if too big."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ApiError(400, "SerializationException", "bad Content-Length") from None
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            raise ApiError(413, "RequestEntityTooLarge", "request body too large")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self):
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                raise ApiError(400, "SerializationException", "bad chunked body") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                self.close_connection = True
                raise ApiError(413, "RequestEntityTooLarge", "request body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def api(self):
        """Serve one X-Ray API request: verify, fault, operate, log."""
        server = self.server
        started = time.time()
        path = urlsplit(self.path).path
        stats_path = path if path in API_PATHS else "(other)"
        server.stats.begin(stats_path)
        entry = {"time": round(started, 6), "client": "%s:%d" % self.client_address[:2],
                 "method": self.command, "path": self.path,
                 "headers": redact_headers(self.headers.items())}
        request_id = str(uuid.uuid4())
        verdict, fault, exception = None, None, False
        reply = None
        try:
            body = self.read_body()
            entry["body"] = body.decode("utf-8", "replace")
            verdict = server.verify(self.command, self.path, self.headers.items(), body)
            entry["signature"] = verdict.to_log()
            if verdict.error is not None:
                reply = Reply.error(verdict.error)
            else:
                reply, fault = self.operate(path, body)
        except ApiError as e:
            reply = Reply.error(e)
        except Exception as e:  # a bug must not kill the server
            exception = True
            tb = traceback.format_exc()
            sys.stderr.write("xray-emulator: exception in %s %s:\n%s"
                             % (self.command, self.path, tb))
            entry["exception"] = "%s: %s" % (type(e).__name__, e)
            reply = Reply.error(ApiError(500, "InternalFailure",
                                         "emulator exception: %s" % type(e).__name__))
        finally:
            if reply is None:
                reply = Reply.error(ApiError(500, "InternalFailure", "no reply"))
            if server.latency:
                time.sleep(server.latency)
            entry.update({"status": reply.status, "request_id": request_id,
                          "fault": fault, "reply_mode": reply.mode,
                          "elapsed_ms": round((time.time() - started) * 1000, 3)})
            if "signature" not in entry:
                entry["signature"] = {"result": "not-checked"}
            server.stats.end(reply.status, verdict.result if verdict else None,
                             fault, exception)
            server.log.add(entry)
            self.send_reply(reply, request_id)

    def operate(self, path, raw):
        """Run the operation with any fault rule applied; (Reply, fault kind)."""
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, "SerializationException",
                           "Request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "SerializationException", "Request body must be a JSON object")
        if self.command != "POST":
            raise ApiError(404, "UnknownOperationException",
                           "Unknown operation: %s %s" % (self.command, path))
        rule = self.server.faults.take(path, body) if path in API_PATHS else None
        if rule is None:
            return Reply.json(200, self.server.backend.dispatch(path, body)), None
        if rule.delay:
            time.sleep(rule.delay)
        early = self.early_fault(rule)
        if early is not None:
            return early, rule.kind
        return self.late_fault(rule, path, body), rule.kind

    @staticmethod
    def early_fault(rule):
        """Faults that replace the reply without running the operation."""
        kind = rule.kind
        if kind == "throttle429":
            return Reply.error(ApiError(429, "ThrottledException", rule.message or "Rate exceeded"))
        if kind == "throttle400":
            return Reply.error(ApiError(400, "ThrottlingException",
                                        rule.message or "Rate exceeded", typed_body=True))
        if kind == "http500":
            return Reply.error(ApiError(500, "InternalFailure",
                                        rule.message or "Internal server error"))
        if kind == "http503":
            return Reply.error(ApiError(503, "ServiceUnavailable",
                                        rule.message or "Service unavailable"))
        if kind == "invalid_request":
            return Reply.error(invalid(rule.message or "Injected invalid request"))
        if kind == "empty":
            return Reply(200, b"", [("Content-Type", "application/json")])
        if kind == "malformed":
            return Reply(200, b'{"TraceSummaries": [ {"Id": ',
                         [("Content-Type", "application/json")])
        if kind == "reset":
            return Reply(0, mode="reset")
        return None

    def late_fault(self, rule, path, body):
        """Faults that alter the reply of the real operation."""
        kind = rule.kind
        if kind == "unprocessed":
            ids = self.server.backend.trace_ids(body)
            return Reply.json(200, {"Traces": [], "UnprocessedTraceIds": ids})
        payload = self.server.backend.dispatch(path, body)
        if kind == "wrong_type":
            key, bad = RESULT_KEYS[path]
            payload[key] = bad
        elif kind == "repeat_token":
            payload["NextToken"] = body["NextToken"]
        reply = Reply.json(200, payload)
        if kind == "truncate":
            reply.mode = "truncate"
        return reply

    def send_reply(self, reply, request_id):
        """Write the reply honouring its mode; a vanished client is not an error."""
        try:
            self._send_reply(reply, request_id)
        except OSError:
            self.close_connection = True

    def _send_reply(self, reply, request_id):
        if reply.mode == "reset":
            self.close_connection = True
            self.server.mark_reset(self.connection)
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", request_id)
        self.send_header("Content-Length", str(len(reply.body)))
        if reply.mode == "truncate":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        body = reply.body[:len(reply.body) // 2] if reply.mode == "truncate" else reply.body
        self.wfile.write(body)

    # -- control API -------------------------------------------------------------

    def control(self):
        server = self.server
        parts = urlsplit(self.path)
        route = (self.command, parts.path)
        try:
            raw = self.read_body()
            if route == ("POST", "/__emulator/faults"):
                try:
                    n = server.faults.add(json.loads(raw.decode("utf-8") or "null"))
                except ValueError as e:
                    raise ApiError(400, "BadFaultRule", str(e)) from None
                payload = {"added": n, "rules": server.faults.list()}
            elif route == ("GET", "/__emulator/faults"):
                payload = server.faults.list()
            elif route == ("DELETE", "/__emulator/faults"):
                server.faults.clear()
                payload = {"cleared": True}
            elif route == ("GET", "/__emulator/requests"):
                since = parse_qs(parts.query).get("since", ["0"])[0]
                payload = server.log.since(int(since) if since.isdigit() else 0)
            elif route == ("DELETE", "/__emulator/requests"):
                server.log.clear()
                payload = {"cleared": True}
            elif route == ("GET", "/__emulator/stats"):
                payload = server.stats.to_json()
            elif route == ("DELETE", "/__emulator/stats"):
                server.stats.reset()
                payload = {"cleared": True}
            elif route == ("GET", "/__emulator/traces"):
                payload = server.backend.visibility()
            elif route == ("POST", "/__emulator/arrivals"):
                spec = json.loads(raw.decode("utf-8") or "null")
                try:
                    if not isinstance(spec, dict) or set(spec) != {"rate"}:
                        raise ValueError('expected {"rate": TRACES_PER_SECOND}')
                    server.arrivals.set_rate(spec["rate"])
                except ValueError as e:
                    raise ApiError(400, "BadArrivals", str(e)) from None
                payload = server.arrivals.to_json()
            elif route == ("GET", "/__emulator/arrivals"):
                payload = server.arrivals.to_json()
            elif route == ("GET", "/__emulator/health"):
                payload = {"ok": True, "traces": len(server.backend.traces),
                           "region": server.backend.region,
                           "shift_seconds": server.shift}
            else:
                raise ApiError(404, "NotFound", "no control endpoint %s %s" % route)
            reply = Reply.json(200, payload)
        except ApiError as e:
            reply = Reply.error(e)
        except Exception as e:
            sys.stderr.write("xray-emulator: exception in control %s:\n%s"
                             % (self.path, traceback.format_exc()))
            reply = Reply.error(ApiError(500, "InternalFailure", str(e)))
        self.send_reply(reply, str(uuid.uuid4()))


class EmulatorServer(http.server.ThreadingHTTPServer):
    """Threaded server holding the backend, verifier, faults, log and stats."""

    daemon_threads = True
    request_queue_size = 512
    allow_reuse_address = True

    def __init__(self, address, backend, verifier, log, latency=0.0,
                 verbose=False, shift=0, idle_timeout=120, seed=None):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.backend = backend
        self.verifier = verifier
        self.log = log
        self.latency = latency
        self.verbose = verbose
        self.shift = shift
        self.faults = FaultBook(seed)
        self.arrivals = Arrivals(backend, seed)
        self.stats = Stats()
        self._reset_lock = threading.Lock()
        self._reset = set()
        self.idle_timeout = idle_timeout
        super().__init__(address, Handler)

    def verify(self, method, path, headers, body):
        if self.verifier is None:
            return Verdict("skipped")
        return self.verifier.verify(method, path, list(headers), body)

    def mark_reset(self, sock):
        """Make the coming close of `sock` send a TCP RST instead of a FIN."""
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._reset_lock:
            self._reset.add(id(sock))

    def shutdown_request(self, request):
        with self._reset_lock:
            reset = id(request) in self._reset
            self._reset.discard(id(request))
        if reset:
            self.close_request(request)   # no shutdown(SHUT_WR): no FIN first
        else:
            super().shutdown_request(request)

    def handle_error(self, request, client_address):
        sys.stderr.write("xray-emulator: connection error from %s:\n%s"
                         % (client_address, traceback.format_exc()))


# ---------------------------------------------------------------------------
# Command line


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", action="append", default=[], metavar="FILE",
                   help="BatchGetTraces-shaped JSON file (repeatable)")
    p.add_argument("--shift-to-now", action="store_true",
                   help="rebase all traces so the newest ends about now")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--account-id", default="123456789012")
    p.add_argument("--credentials", action="append", default=[],
                   metavar="AKID:SECRET[:TOKEN]",
                   help="accepted credentials (repeatable; default %s)" % DEFAULT_CREDENTIALS)
    p.add_argument("--expired-key", action="append", default=[], metavar="AKID",
                   help="answer ExpiredTokenException for this access key")
    p.add_argument("--derived-keys", action="store_true",
                   help="also accept the keys the STS/SSO stub mints (derivedkeys.py)")
    p.add_argument("--no-auth", action="store_true",
                   help="do not check signatures (verdict 'skipped')")
    p.add_argument("--latency", type=float, default=0.0, metavar="SECONDS")
    p.add_argument("--index-delay", type=float, default=0.0, metavar="SECONDS",
                   help="GetTraceSummaries finds a trace only SECONDS after it ends "
                        "(as X-Ray indexes late)")
    p.add_argument("--page-size", type=int, default=100,
                   help="trace summaries (and groups) per page")
    p.add_argument("--graph-page-size", type=int, default=None,
                   help="services per GetServiceGraph page (default: --page-size)")
    p.add_argument("--groups", metavar="FILE",
                   help="JSON list of {GroupName, GroupARN, FilterExpression}")
    p.add_argument("--host", default="127.0.0.1", choices=("127.0.0.1", "::1", "localhost"))
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", metavar="FILE")
    p.add_argument("--log", metavar="FILE", help="append JSON lines of every request")
    p.add_argument("--log-limit", type=int, default=100000,
                   help="requests kept in memory for /__emulator/requests")
    p.add_argument("--idle-timeout", type=float, default=120,
                   help="close keep-alive connections idle this long")
    p.add_argument("--max-lifetime", type=float, default=0, metavar="SECONDS",
                   help="exit after this long (a guard against leaked test servers)")
    p.add_argument("--arrival-rate", type=float, default=0.0, metavar="R",
                   help="R new traces a second, copies of the loaded ones ending now")
    p.add_argument("--seed", type=int, default=None,
                   help="seed for fault probabilities and new trace ids")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    if args.page_size < 1 or (args.graph_page_size is not None and args.graph_page_size < 1):
        p.error("page sizes must be at least 1")
    if args.latency < 0:
        p.error("--latency must be >= 0")
    if not 0 <= args.arrival_rate <= 1000:
        p.error("--arrival-rate must be in [0, 1000] traces a second")
    if not 0 <= args.index_delay <= 3600:
        p.error("--index-delay must be in [0, 3600] seconds")
    return args


def build_server(args):
    """Create the server from parsed options (the traces are loaded here)."""
    traces = xraymodel.load_traces(args.data)
    shift = 0
    if args.shift_to_now:
        traces, shift = xraymodel.shift_traces(traces, time.time())
    groups = []
    if args.groups:
        with open(args.groups, encoding="utf-8") as f:
            groups = json.load(f)
        if not isinstance(groups, list):
            raise ValueError("%s: expected a JSON list of groups" % args.groups)
    backend = XRayBackend(traces, groups, args.region, args.account_id, args.page_size,
                          args.graph_page_size or args.page_size, args.index_delay)
    verifier = None
    if not args.no_auth:
        if SigV4Auth is None:
            raise RuntimeError("botocore is missing: run with Debian's /usr/bin/python3 "
                               "(apt-get install python3-botocore) or pass --no-auth")
        keys = [Key(spec) for spec in (args.credentials or [DEFAULT_CREDENTIALS])]
        for akid in args.expired_key:
            match = [k for k in keys if k.akid == akid]
            if not match:
                raise ValueError("--expired-key %s: no such --credentials key" % akid)
            match[0].expired = True
        verifier = SigV4Verifier(args.region, keys)
        if args.derived_keys:
            verifier.keys = derivedkeys.KeyTable(
                verifier.keys, lambda a, s, t: Key("%s:%s:%s" % (a, s, t)))
    host = "127.0.0.1" if args.host == "localhost" else args.host
    log = RequestLog(args.log, args.log_limit)
    server = EmulatorServer((host, args.port), backend, verifier, log, args.latency,
                            args.verbose, shift, args.idle_timeout, args.seed)
    if args.arrival_rate:
        server.arrivals.set_rate(args.arrival_rate)
    return server


def main(argv=None):
    args = parse_args(argv)
    try:
        server = build_server(args)
    except (OSError, ValueError, RuntimeError, xraymodel.DataError,
            xrayfilter.FilterError) as e:
        sys.stderr.write("xray-emulator: %s\n" % e)
        return 2
    serverloop.announce(server, args.port_file)
    if server.shift:
        sys.stderr.write("xray-emulator: traces shifted by %+d s\n" % server.shift)
    return serverloop.serve(server, args.max_lifetime)


if __name__ == "__main__":
    sys.exit(main())
