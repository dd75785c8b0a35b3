#!/usr/bin/env python3
"""Writes the hostile-string corpus: NDJSON segment documents of one trace
whose every shown field (names, URLs, methods, user agents, client IPs,
users, annotation keys and values, metadata, exceptions and stacks, SQL,
aws fields, origins, ARNs, services) holds terminal attacks: every C0 and
C1 control, OSC 52 and OSC 8, CSI 2J, DCS, bidi overrides and isolates,
zero-width joiners, invalid UTF-8 and a lone surrogate.

    gen_hostile.py OUT [LONG]

With LONG (a number of bytes, e.g. 1048576), every such field holds a
string of that length instead (the attacks repeated), in a second trace."""
import json
import sys

TRACE = "1-5f000000-0123456789abcdef01234567"
LONG_TRACE = "1-5f000000-89abcdef0123456789abcdef"
BAD_UTF8 = "@@BADUTF8@@"  # replaced by raw invalid bytes after encoding

ATTACKS = ("".join(chr(c) for c in range(0x00, 0x20)) + "\x7f"
           + "".join(chr(c) for c in range(0x80, 0xa0))
           + "\x1b]52;c;ZWNobyBvd25lZA==\x07"                       # OSC 52 clipboard
           + "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"  # OSC 8 link
           + "\x1b[2J\x1b[H"                                        # CSI 2J
           + "\x1bP1$qm\x1b\\"                                       # DCS
           + "\u009b2J\u009d0;t\u009c"                               # 8-bit CSI, OSC, ST
           + "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi
           + "\u200d\u200b\u200c\ufeff"                              # zero-width
           + "\ud800" + BAD_UTF8)


def hostile(tag, size):
    s = tag + ATTACKS + tag
    if size:  # the attacks at both ends of a long run of text
        s = s + ("lorem ipsum " * (size // 12 + 1))[:size - 2 * len(s)] + s
    return s


def documents(trace, size, base):
    h = lambda tag: hostile(tag, size)
    exc = {"id": "e%015x" % base, "message": h("msg"), "type": h("type"),
           "stack": [{"path": h("path"), "line": 1, "label": h("label")}]}
    root = {
        "id": "%016x" % (base + 1), "trace_id": trace, "name": h("name"),
        "start_time": 1593835520, "end_time": 1593835521.5, "fault": True,
        "origin": h("origin"), "resource_arn": h("arn"), "user": h("user"),
        "service": {"version": h("version")},
        "http": {"request": {"method": h("method"), "url": h("url"), "user_agent": h("agent"),
                             "client_ip": h("ip")},
                 "response": {"status": 500, "content_length": 3}},
        "annotations": {h("annkey"): h("annval"), "plain": h("annval2")},
        "metadata": {h("ns"): {h("metakey"): h("metaval"), "list": [h("metaitem")]}},
        "aws": {"account_id": h("account"), "region": h("region"),
                "ec2": {"instance_id": h("instance")}},
        "cause": {"working_directory": h("cwd"), "paths": [h("cpath")], "exceptions": [exc]},
        "subsegments": [{
            "id": "%016x" % (base + 2), "name": h("subname"), "namespace": "remote",
            "start_time": 1593835520.1, "end_time": 1593835521, "error": True,
            "http": {"request": {"method": h("submethod"), "url": h("suburl")},
                     "response": {"status": 429}},
            "sql": {"url": h("sqlurl"), "sanitized_query": h("query"), "user": h("sqluser"),
                    "database_type": h("dbtype"), "database_version": h("dbversion"),
                    "driver_version": h("driver"), "preparation": h("prep")},
            "aws": {"operation": h("operation"), "region": h("awsregion"),
                    "table_name": h("table"), "queue_url": h("queue"), "request_id": h("reqid")},
            "annotations": {h("subannkey"): h("subannval")},
            "cause": {"exceptions": [{"id": "f%015x" % base, "message": h("submsg"),
                                      "remote": True, "type": h("subtype")}]},
        }],
    }
    child = {
        "id": "%016x" % (base + 3), "trace_id": trace, "parent_id": "%016x" % (base + 2),
        "name": h("downstream"), "origin": h("origin2"), "start_time": 1593835520.2,
        "end_time": 1593835520.9, "throttle": True, "error": True,
        "http": {"response": {"status": 429}}, "user": h("user2"),
    }
    return [root, child]


def main():
    out = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    docs = documents(TRACE, 0, 0x1000)
    if size:
        docs = documents(LONG_TRACE, size, 0x2000)
    data = b"".join(json.dumps(d).encode() + b"\n" for d in docs)
    data = data.replace(BAD_UTF8.encode(), b"\xff\xfe\xc0\xaf\xed\xa0\x80\xe2\x82")
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
