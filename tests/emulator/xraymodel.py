"""Trace model of the X-Ray emulator: load traces, summarise them, build graphs.

The emulator keeps every trace exactly as BatchGetTraces returns it (a list of
segments whose `Document` is a JSON string) and derives from the parsed
documents what the read API computes server side: TraceSummary objects for
GetTraceSummaries and the Service/Edge graph for GetServiceGraph and
GetTraceGraph.  Nothing here does I/O except `load_traces`.

Conventions (from xray-reference.md §1.2):
  * Duration = first segment start to last segment end.
  * ResponseTime = start to end of the root segment.
  * HasFault / HasError come from the root segment, HasThrottle from any
    segment, IsPartial is set when any segment or subsegment is in progress.
"""

import json
import math

# ---------------------------------------------------------------------------
# Loading and time shifting


class DataError(Exception):
    """A data file is not BatchGetTraces-shaped."""


def load_traces(paths):
    """Read BatchGetTraces-shaped JSON files and return a list of Trace.

    Accepts `{"Traces": [...]}` (what `aws xray batch-get-traces` prints), a
    bare list of Trace objects, or several such JSON documents concatenated.
    A trace id seen twice keeps its first occurrence.
    """
    raw = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for doc in _json_documents(text, path):
            if isinstance(doc, dict) and isinstance(doc.get("Traces"), list):
                raw.extend(doc["Traces"])
            elif isinstance(doc, list):
                raw.extend(doc)
            else:
                raise DataError("%s: expected {\"Traces\": [...]}" % path)
    seen = set()
    traces = []
    for item in raw:
        trace = Trace.from_api(item)
        if trace.id not in seen:
            seen.add(trace.id)
            traces.append(trace)
    return traces


def _json_documents(text, path):
    """Yield the JSON values of `text` (one or several, whitespace-separated)."""
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise DataError("%s: %s" % (path, e)) from e
        yield value


def shift_traces(traces, now):
    """Rebase `traces` so that the newest one ends at `now` (epoch seconds).

    The shift is a whole number of seconds, so the epoch embedded in every
    trace id moves by exactly the same amount as the segment times.  Returns
    the new list of traces and the shift applied.
    """
    if not traces:
        return traces, 0
    newest = max(t.end for t in traces)
    delta = int(math.floor(now - newest))
    return [t.shifted(delta) for t in traces], delta


def shift_trace_id(trace_id, delta):
    """Move the epoch embedded in an X-Ray trace id by `delta` seconds."""
    parts = trace_id.split("-")
    if len(parts) == 3 and len(parts[1]) == 8:
        try:
            epoch = int(parts[1], 16) + delta
        except ValueError:
            return trace_id
        return "%s-%08x-%s" % (parts[0], max(epoch, 0), parts[2])
    return trace_id


def _shift_document(doc, delta, trace_map):
    """Shift times and trace ids inside one segment document, recursively."""
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if k in ("start_time", "end_time") and _is_number(v):
                out[k] = round(v + delta, 6)
            elif k == "trace_id" and isinstance(v, str):
                out[k] = trace_map.get(v, shift_trace_id(v, delta))
            else:
                out[k] = _shift_document(v, delta, trace_map)
        return out
    if isinstance(doc, list):
        return [_shift_document(v, delta, trace_map) for v in doc]
    return doc


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def trace_id_epoch(trace_id):
    """The start time (epoch seconds) embedded in a trace id, or None."""
    parts = trace_id.split("-")
    if len(parts) == 3 and len(parts[1]) == 8:
        try:
            return int(parts[1], 16)
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------------------
# Segments


def _walk_subsegments(doc):
    """Yield every subsegment below `doc`, depth first."""
    for sub in doc.get("subsegments") or ():
        if isinstance(sub, dict):
            yield sub
            yield from _walk_subsegments(sub)


def _status_flags(doc):
    """(error, fault, throttle) of a segment or subsegment document."""
    status = _http_status(doc)
    error = bool(doc.get("error")) or (status is not None and 400 <= status < 500)
    fault = bool(doc.get("fault")) or (status is not None and status >= 500)
    throttle = bool(doc.get("throttle")) or status == 429
    return error, fault, throttle


def _http_status(doc):
    http = doc.get("http")
    if isinstance(http, dict) and isinstance(http.get("response"), dict):
        status = http["response"].get("status")
        if _is_number(status):
            return int(status)
    return None


def annotation_value(value):
    """The AnnotationValue object for a raw annotation, or None."""
    if isinstance(value, bool):
        return {"BooleanValue": value}
    if _is_number(value):
        return {"NumberValue": value}
    if isinstance(value, str):
        return {"StringValue": value}
    return None


class Segment:
    """One parsed segment document of a trace, with derived fields."""

    def __init__(self, seg_id, document):
        self.raw_id = seg_id
        self.raw_document = document
        doc = json.loads(document) if isinstance(document, str) else document
        if not isinstance(doc, dict):
            raise DataError("segment %s: document is not an object" % seg_id)
        self.doc = doc
        self.id = doc.get("id", seg_id)
        self.name = str(doc.get("name", ""))
        self.origin = doc.get("origin") or ("remote" if doc.get("inferred") else "")
        self.inferred = bool(doc.get("inferred"))
        self.parent_id = doc.get("parent_id")
        self.start = float(doc.get("start_time", 0.0))
        self.in_progress = bool(doc.get("in_progress")) or "end_time" not in doc
        self.end = float(doc["end_time"]) if "end_time" in doc else None
        self.subsegments = list(_walk_subsegments(doc))
        self.error, self.fault, self.throttle = _status_flags(doc)
        self.status = _http_status(doc)
        aws = doc.get("aws") if isinstance(doc.get("aws"), dict) else {}
        self.account_id = aws.get("account_id")
        self.last_end = max([self.end or self.start] +
                            [float(s["end_time"]) for s in self.subsegments
                             if _is_number(s.get("end_time"))])
        self.partial = self.in_progress or any(
            s.get("in_progress") for s in self.subsegments)

    @property
    def node_key(self):
        """The service-graph node this segment belongs to: (name, type)."""
        return (self.name, self.origin)

    @property
    def duration(self):
        """Segment duration in seconds, or None while in progress."""
        return None if self.end is None else self.end - self.start

    def all_ids(self):
        """Ids of the segment and all its subsegments."""
        return [self.id] + [s.get("id") for s in self.subsegments if s.get("id")]

    def http_request(self):
        http = self.doc.get("http")
        if isinstance(http, dict) and isinstance(http.get("request"), dict):
            return http["request"]
        return {}

    def service_id(self):
        """The ServiceId object of this segment's node."""
        sid = {"Name": self.name, "Names": [self.name]}
        if self.account_id:
            sid["AccountId"] = str(self.account_id)
        sid["Type"] = self.origin
        return sid

    def annotations(self):
        """(key, value) of every annotation on the segment and subsegments."""
        out = []
        for doc in [self.doc] + self.subsegments:
            ann = doc.get("annotations")
            if isinstance(ann, dict):
                out.extend(ann.items())
        return out

    def users(self):
        users = [self.doc.get("user")] + [s.get("user") for s in self.subsegments]
        return [u for u in users if isinstance(u, str)]

    def ec2(self):
        aws = self.doc.get("aws")
        ec2 = aws.get("ec2") if isinstance(aws, dict) else None
        return ec2 if isinstance(ec2, dict) else {}

    def with_document(self, doc):
        """A copy of this segment carrying a replaced document."""
        return Segment(doc.get("id", self.raw_id),
                       json.dumps(doc, ensure_ascii=False, separators=(",", ":")))

    def to_api(self):
        return {"Id": self.raw_id, "Document": self.raw_document}


# ---------------------------------------------------------------------------
# Traces


class Trace:
    """A full trace: its segments plus everything the API derives from them."""

    def __init__(self, trace_id, segments, duration=None, limit_exceeded=False):
        self.id = trace_id
        self.segments = sorted(segments, key=lambda s: s.start)
        self.limit_exceeded = bool(limit_exceeded)
        self.stored_duration = duration
        self._owner = {}
        for seg in self.segments:
            for sid in seg.all_ids():
                self._owner.setdefault(sid, seg)
        self.root = self._find_root()
        self.start = min((s.start for s in self.segments), default=0.0)
        self.end = max((s.last_end for s in self.segments), default=self.start)
        self.epoch = trace_id_epoch(trace_id)
        if self.epoch is None:
            self.epoch = int(self.start)
        self._summary = None
        self._summary_json = None

    @classmethod
    def from_api(cls, item):
        """Build a Trace from a BatchGetTraces `Trace` object."""
        if not isinstance(item, dict) or not isinstance(item.get("Id"), str):
            raise DataError("trace without an Id: %r" % (item,)[:200])
        segs = []
        for s in item.get("Segments") or []:
            try:
                segs.append(Segment(s.get("Id"), s.get("Document")))
            except (ValueError, TypeError) as e:
                raise DataError("trace %s: bad segment document: %s"
                                % (item["Id"], e)) from e
        return cls(item["Id"], segs, item.get("Duration"),
                   item.get("LimitExceeded", False))

    def shifted(self, delta):
        """This trace moved in time by `delta` whole seconds."""
        new_id = shift_trace_id(self.id, delta)
        tmap = {self.id: new_id}
        segs = [s.with_document(_shift_document(s.doc, delta, tmap))
                for s in self.segments]
        return Trace(new_id, segs, self.stored_duration, self.limit_exceeded)

    def cloned(self, new_id, delta):
        """A copy of this trace under another id, moved by `delta` whole seconds."""
        tmap = {self.id: new_id}
        segs = [s.with_document(_shift_document(s.doc, delta, tmap))
                for s in self.segments]
        return Trace(new_id, segs, self.stored_duration, self.limit_exceeded)

    def _find_root(self):
        """The entry segment: not inferred, no parent inside the trace."""
        candidates = [s for s in self.segments
                      if not s.inferred and (s.parent_id is None
                                             or s.parent_id not in self._owner)]
        if not candidates:
            candidates = [s for s in self.segments if not s.inferred] or self.segments
        return candidates[0] if candidates else None

    def parent_segment(self, seg):
        """The segment that owns `seg`'s parent id (it called `seg`), or None."""
        if seg.parent_id is None:
            return None
        owner = self._owner.get(seg.parent_id)
        return owner if owner is not seg else None

    def children(self, seg):
        return [s for s in self.segments if self.parent_segment(s) is seg]

    # -- values the API and the filter language use ------------------------

    @property
    def duration(self):
        return self.end - self.start

    @property
    def response_time(self):
        return None if self.root is None else self.root.duration

    @property
    def has_fault(self):
        return bool(self.root and self.root.fault)

    @property
    def has_error(self):
        return bool(self.root and self.root.error)

    @property
    def has_throttle(self):
        return any(s.throttle for s in self.segments)

    @property
    def is_partial(self):
        return any(s.partial for s in self.segments)

    @property
    def http_status(self):
        return None if self.root is None else self.root.status

    def active_in(self, start, end):
        """True when some part of the trace lies in [start, end)."""
        return self.start < end and self.end >= start

    def to_api(self):
        """The BatchGetTraces `Trace` object."""
        duration = self.stored_duration
        if not _is_number(duration):
            duration = round(self.duration, 3)
        return {"Id": self.id, "Duration": duration,
                "LimitExceeded": self.limit_exceeded,
                "Segments": [s.to_api() for s in self.segments]}

    # -- TraceSummary --------------------------------------------------------

    def summary(self, matched_event_time=None):
        """The TraceSummary object GetTraceSummaries returns for this trace.

        Computed once per trace and cached; only MatchedEventTime varies.
        """
        if self._summary is None:
            self._summary = self._compute_summary()
        out = dict(self._summary)
        out["MatchedEventTime"] = float(
            int(matched_event_time if matched_event_time is not None else self.start))
        return out

    def summary_json(self, matched_event_time=None):
        """`summary()` already encoded as JSON text (cached: the hot path)."""
        if self._summary_json is None:
            if self._summary is None:
                self._summary = self._compute_summary()
            self._summary_json = json.dumps(self._summary, ensure_ascii=False)
        met = float(int(matched_event_time if matched_event_time is not None
                        else self.start))
        return '%s, "MatchedEventTime": %s}' % (self._summary_json[:-1], json.dumps(met))

    def _compute_summary(self):
        out = {
            "Id": self.id,
            "StartTime": round(self.start, 3),
            "Duration": round(self.duration, 3),
        }
        if self.response_time is not None:
            out["ResponseTime"] = round(self.response_time, 3)
        out.update({
            "HasFault": self.has_fault,
            "HasError": self.has_error,
            "HasThrottle": self.has_throttle,
            "IsPartial": self.is_partial,
            "Http": self._summary_http(),
            "Annotations": self._summary_annotations(),
            "Users": self._summary_users(),
            "ServiceIds": self._service_ids(),
            "ResourceARNs": [{"ARN": a} for a in self._unique(
                s.doc.get("resource_arn") for s in self.segments)],
            "InstanceIds": [{"Id": i} for i in self._unique(
                s.ec2().get("instance_id") for s in self.segments)],
            "AvailabilityZones": [{"Name": z} for z in self._unique(
                s.ec2().get("availability_zone") for s in self.segments)],
        })
        if self.root is not None:
            out["EntryPoint"] = self.root.service_id()
        out["FaultRootCauses"] = self._flag_root_causes("fault")
        out["ErrorRootCauses"] = self._flag_root_causes("error")
        out["ResponseTimeRootCauses"] = self._response_time_root_causes()
        out["Revision"] = 1
        return out

    @staticmethod
    def _unique(values):
        seen = []
        for v in values:
            if isinstance(v, str) and v and v not in seen:
                seen.append(v)
        return seen

    def _summary_http(self):
        if self.root is None:
            return {}
        req = self.root.http_request()
        http = {}
        for api_key, doc_key in (("HttpURL", "url"), ("HttpMethod", "method"),
                                 ("UserAgent", "user_agent"),
                                 ("ClientIp", "client_ip")):
            if isinstance(req.get(doc_key), str):
                http[api_key] = req[doc_key]
        if self.root.status is not None:
            http["HttpStatus"] = self.root.status
        return http

    def _summary_annotations(self):
        out = {}
        for seg in self.segments:
            for key, raw in seg.annotations():
                value = annotation_value(raw)
                if value is None:
                    continue
                entries = out.setdefault(key, [])
                for entry in entries:
                    if entry["AnnotationValue"] == value:
                        break
                else:
                    entry = {"AnnotationValue": value, "ServiceIds": []}
                    entries.append(entry)
                if seg.service_id() not in entry["ServiceIds"]:
                    entry["ServiceIds"].append(seg.service_id())
        return out

    def _summary_users(self):
        users = {}
        for seg in self.segments:
            for name in seg.users():
                ids = users.setdefault(name, [])
                if seg.service_id() not in ids:
                    ids.append(seg.service_id())
        return [{"UserName": n, "ServiceIds": ids} for n, ids in users.items()]

    def _service_ids(self):
        out = []
        for seg in self.segments:
            sid = seg.service_id()
            if sid not in out:
                out.append(sid)
        return out

    # -- root causes ---------------------------------------------------------

    def _chain(self, seg):
        """Segments from the root down to `seg` following parent links."""
        chain = [seg]
        while True:
            parent = self.parent_segment(chain[0])
            if parent is None or parent in chain:
                return chain
            chain.insert(0, parent)

    def _flag_root_causes(self, flag):
        """FaultRootCauses or ErrorRootCauses: the deepest segments with `flag`."""
        flagged = [s for s in self.segments if getattr(s, flag)]
        leaves = [s for s in flagged
                  if not any(getattr(c, flag) for c in self.children(s))]
        causes = []
        for leaf in leaves:
            chain = self._chain(leaf)
            services = []
            for i, seg in enumerate(chain):
                if i + 1 < len(chain):
                    path = _entity_path_to_id(seg.doc, chain[i + 1].parent_id)
                else:
                    path = _entity_path_to_flag(seg.doc, flag)
                services.append(_root_cause_service(seg, path, exceptions=True))
            causes.append({"Services": services,
                           "ClientImpacting": bool(self.root and
                                                   getattr(self.root, flag))})
        return causes

    def _response_time_root_causes(self):
        """Follow the slowest callee from the root down to a leaf segment."""
        if self.root is None or self.root.duration in (None, 0):
            return []
        total = self.root.duration
        chain = [self.root]
        while True:
            kids = [c for c in self.children(chain[-1])
                    if c.duration is not None and c not in chain]
            if not kids:
                break
            chain.append(max(kids, key=lambda c: c.duration))
        services = []
        for i, seg in enumerate(chain):
            if i + 1 < len(chain):
                path = _entity_path_to_id(seg.doc, chain[i + 1].parent_id)
            else:
                path = _entity_path_slowest(seg.doc)
            services.append(_root_cause_service(seg, path, coverage_of=total))
        return [{"Services": services, "ClientImpacting": True}]


def _entity_path_to_id(doc, target_id):
    """Documents from `doc` down to the subsegment with id `target_id`.

    When no subsegment has that id (the callee names the segment itself as
    parent), the path is just `doc`.
    """
    return _find_path(doc, target_id) or [doc]


def _find_path(doc, target_id):
    if doc.get("id") == target_id:
        return [doc]
    for sub in doc.get("subsegments") or ():
        if isinstance(sub, dict):
            found = _find_path(sub, target_id)
            if found:
                return [doc] + found
    return None


def _entity_path_to_flag(doc, flag):
    """Documents from `doc` down to its deepest subsegment carrying `flag`."""
    for sub in doc.get("subsegments") or ():
        if isinstance(sub, dict) and _flag_of(sub, flag):
            return [doc] + _entity_path_to_flag(sub, flag)
    return [doc]


def _flag_of(doc, flag):
    error, fault, throttle = _status_flags(doc)
    return {"error": error, "fault": fault, "throttle": throttle}[flag]


def _entity_path_slowest(doc):
    """Documents from `doc` down through its slowest subsegments."""
    subs = [s for s in doc.get("subsegments") or ()
            if isinstance(s, dict) and _is_number(s.get("end_time"))
            and _is_number(s.get("start_time"))]
    if not subs:
        return [doc]
    slowest = max(subs, key=lambda s: s["end_time"] - s["start_time"])
    return [doc] + _entity_path_slowest(slowest)


def _root_cause_service(seg, path, exceptions=False, coverage_of=None):
    """A Fault/Error/ResponseTime RootCauseService object."""
    entities = []
    for doc in path:
        entity = {"Name": str(doc.get("name", ""))}
        if exceptions:
            cause = doc.get("cause")
            excs = cause.get("exceptions") if isinstance(cause, dict) else None
            entity["Exceptions"] = [
                {"Name": str(e.get("type", "")), "Message": str(e.get("message", ""))}
                for e in excs or () if isinstance(e, dict)]
        if coverage_of:
            if _is_number(doc.get("end_time")) and _is_number(doc.get("start_time")):
                entity["Coverage"] = round(
                    (doc["end_time"] - doc["start_time"]) / coverage_of, 3)
        entity["Remote"] = doc.get("namespace") in ("remote", "aws") or seg.inferred
        entities.append(entity)
    out = {"Name": seg.name, "Names": [seg.name], "Type": seg.origin}
    if seg.account_id:
        out["AccountId"] = str(seg.account_id)
    out["EntityPath"] = entities
    out["Inferred"] = seg.inferred
    return out


# ---------------------------------------------------------------------------
# Service graph


class _Stats:
    """Counters behind SummaryStatistics and the two histograms."""

    def __init__(self):
        self.ok = self.throttle = self.error_other = self.fault = 0
        self.total_time = 0.0
        self.response_times = {}
        self.durations = {}
        self.start = None
        self.end = None

    def add(self, seg, duration=None):
        if seg.duration is None:
            return
        rt = seg.duration
        if seg.fault:
            self.fault += 1
        elif seg.throttle:
            self.throttle += 1
        elif seg.error:
            self.error_other += 1
        else:
            self.ok += 1
        self.total_time += rt
        key = round(rt, 3)
        self.response_times[key] = self.response_times.get(key, 0) + 1
        dkey = round(duration if duration is not None else rt, 3)
        self.durations[dkey] = self.durations.get(dkey, 0) + 1
        self.start = seg.start if self.start is None else min(self.start, seg.start)
        self.end = seg.end if self.end is None else max(self.end, seg.end)

    def summary(self):
        errors = self.throttle + self.error_other
        return {
            "OkCount": self.ok,
            "ErrorStatistics": {"ThrottleCount": self.throttle,
                                "OtherCount": self.error_other,
                                "TotalCount": errors},
            "FaultStatistics": {"OtherCount": self.fault, "TotalCount": self.fault},
            "TotalCount": self.ok + errors + self.fault,
            "TotalResponseTime": round(self.total_time, 6),
        }

    @staticmethod
    def histogram(counts):
        return [{"Value": v, "Count": c} for v, c in sorted(counts.items())]


class _Node:
    def __init__(self, name, type_, account_id=None, inferred=False, client=False):
        self.name = name
        self.type = type_
        self.account_id = account_id
        self.inferred = inferred
        self.client = client
        self.root = False
        self.stats = _Stats()
        self.edges = {}  # destination key -> _Stats


def build_graph(traces, window_start=None, window_end=None):
    """The list of Service objects for `traces` (GetServiceGraph shape).

    One node per (name, origin) of segment, inferred segments included, plus a
    `client` node in front of every root node.  An edge A -> B is counted for
    every segment of B whose parent id lies inside a segment of A; its
    statistics are B's segments.
    """
    nodes = {}

    def node_for(seg):
        node = nodes.get(seg.node_key)
        if node is None:
            node = _Node(seg.name, seg.origin, seg.account_id, seg.inferred)
            nodes[seg.node_key] = node
        return node

    for trace in traces:
        for seg in trace.segments:
            node = node_for(seg)
            node.stats.add(seg, trace.duration if seg is trace.root else None)
            parent = trace.parent_segment(seg)
            if seg is trace.root:
                node.root = True
                ckey = (seg.name, "client")
                client = nodes.setdefault(ckey, _Node(seg.name, "client", client=True))
                client.edges.setdefault(seg.node_key, _Stats()).add(seg)
            elif parent is not None:
                pnode = node_for(parent)
                pnode.edges.setdefault(seg.node_key, _Stats()).add(seg)
    return _services(nodes, window_start, window_end)


def _services(nodes, window_start, window_end):
    """Number the nodes and render them as Service objects."""
    order = sorted(nodes, key=lambda k: (k[1] != "client", k[0], k[1]))
    ref = {key: i for i, key in enumerate(order)}

    def stamp(t, default, up=False):
        if t is None:
            t = default
        if t is None:
            return None
        return float(math.ceil(t) if up else math.floor(t))

    services = []
    for key in order:
        node = nodes[key]
        start = node.stats.start
        end = node.stats.end
        for e in node.edges.values():
            start = e.start if start is None else min(start, e.start or start)
            end = e.end if end is None else max(end, e.end or end)
        svc = {"ReferenceId": ref[key], "Name": node.name, "Names": [node.name]}
        if node.root:
            svc["Root"] = True
        if node.account_id:
            svc["AccountId"] = str(node.account_id)
        svc["Type"] = node.type
        svc["State"] = "unknown" if node.client or node.inferred else "active"
        svc["StartTime"] = stamp(start, window_start)
        svc["EndTime"] = stamp(end, window_end, up=True)
        svc["Edges"] = [_edge(ref[dst], stats, window_start, window_end)
                        for dst, stats in sorted(node.edges.items(),
                                                 key=lambda kv: ref[kv[0]])]
        if not node.client:
            svc["SummaryStatistics"] = node.stats.summary()
            svc["DurationHistogram"] = _Stats.histogram(node.stats.durations)
            svc["ResponseTimeHistogram"] = _Stats.histogram(node.stats.response_times)
        services.append({k: v for k, v in svc.items() if v is not None})
    return services


def _edge(ref_id, stats, window_start, window_end):
    start = stats.start if stats.start is not None else window_start
    end = stats.end if stats.end is not None else window_end
    edge = {"ReferenceId": ref_id}
    if start is not None:
        edge["StartTime"] = float(math.floor(start))
    if end is not None:
        edge["EndTime"] = float(math.ceil(end))
    edge["SummaryStatistics"] = stats.summary()
    edge["ResponseTimeHistogram"] = _Stats.histogram(stats.response_times)
    edge["Aliases"] = []
    return edge
