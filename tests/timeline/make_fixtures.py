#!/usr/bin/env python3
"""Writes tests/data/timeline-traces.ndjson: hand-made traces for the
timeline and details tests (one NDJSON segment document per line).

    python3 tests/timeline/make_fixtures.py > tests/data/timeline-traces.ndjson
"""
import json
import sys

T0 = 1795166000.0


def doc(trace, id, name, start, end=None, **kw):
    d = {"trace_id": trace, "id": id, "name": name, "start_time": T0 + start}
    if end is None:
        d["in_progress"] = True
    else:
        d["end_time"] = T0 + end
    d.update(kw)
    return d


def sub(id, name, start, end=None, **kw):
    d = {"id": id, "name": name, "start_time": T0 + start}
    if end is None:
        d["in_progress"] = True
    else:
        d["end_time"] = T0 + end
    d.update(kw)
    return d


out = []

# The critical path: root [0, 1.0]; A [0, 0.6] ends before C starts, B
# [0.1, 0.9] overlaps C, C [0.7, 0.95].  Last finishing child at or before
# 1.0 is C; then (cursor 0.7) B ends after 0.7 and is skipped; A is taken.
CP = "1-6b000000-00000000000000000000c001"
out.append(doc(CP, "c000000000000001", "checkout", 0.0, 1.0, origin="AWS::EC2::Instance",
               user="kim", http={"request": {"method": "POST", "url": "https://shop.example.com/checkout?cart=1"},
                                 "response": {"status": 502}},
               fault=True,
               annotations={"cart": 1, "region": "seoul"},
               subsegments=[
                   sub("c00000000000000a", "load cart", 0.0, 0.6, namespace="remote",
                       http={"request": {"method": "GET", "url": "http://cart.internal/v1/cart/1"},
                             "response": {"status": 500}},
                       fault=True,
                       cause={"working_directory": "/srv/shop", "paths": ["/srv/shop/cart.py"],
                              "exceptions": [
                                  {"id": "e000000000000001", "type": "CartError",
                                   "message": "cart service answered 500",
                                   "cause": "e000000000000002",
                                   "stack": [{"path": "cart.py", "line": 42, "label": "load_cart"},
                                             {"path": "app.py", "line": 7, "label": "checkout"}],
                                   "truncated": 3},
                                  {"id": "e000000000000002", "type": "TimeoutError",
                                   "message": "read timed out after 0.5s", "remote": True}]},
                       subsegments=[
                           sub("c0000000000000a1", "SELECT carts", 0.05, 0.55, namespace="remote",
                               sql={"url": "postgresql://db.internal:5432/shop",
                                    "database_type": "PostgreSQL", "database_version": "15.4",
                                    "user": "shop", "preparation": "statement",
                                    "sanitized_query": "SELECT * FROM carts WHERE id = $1 AND owner = $2 ORDER BY updated_at DESC LIMIT 1"})]),
                   sub("c00000000000000b", "DynamoDB", 0.1, 0.9, namespace="aws", throttle=True, error=True,
                       http={"response": {"status": 429}},
                       aws={"operation": "GetItem", "table_name": "Prices", "region": "ap-northeast-2",
                            "retries": 3}),
                   sub("c00000000000000c", "SNS", 0.7, 0.95, namespace="aws", error=True,
                       http={"response": {"status": 404}},
                       aws={"operation": "Publish", "topic_arn": "arn:aws:sns:ap-northeast-2:123456789012:orders"}),
               ]))
out.append(doc(CP, "c00000000000000d", "Prices", 0.1, 0.9, parent_id="c00000000000000b",
               inferred=True, origin="AWS::DynamoDB::Table", throttle=True, error=True,
               http={"response": {"status": 429}}, aws={"operation": "GetItem", "table_name": "Prices"}))

# A cycle: X names Y as parent and Y names X.
CY = "1-6b000000-000000000000000000c1e000"
out.append(doc(CY, "a000000000000001", "front", 0.0, 0.4))
out.append(doc(CY, "a000000000000002", "loop-x", 0.1, 0.3, parent_id="a000000000000003"))
out.append(doc(CY, "a000000000000003", "loop-y", 0.15, 0.35, parent_id="a000000000000002"))

# A missing parent.
MP = "1-6b000000-0000000000000000000000a1"
out.append(doc(MP, "b000000000000001", "api", 0.0, 0.2, http={"request": {"method": "GET", "url": "/x"},
                                                              "response": {"status": 200}}))
out.append(doc(MP, "b000000000000002", "orphan-worker", 0.05, 0.25, parent_id="ffffffffffffffff",
               origin="AWS::ECS::Container"))

# Korean names.
KO = "1-6b000000-0000000000000000000000b2"
out.append(doc(KO, "d000000000000001", "예약 서비스", 0.0, 0.08, origin="AWS::Lambda::Function",
               annotations={"restaurantName": "강남 맛집"},
               http={"request": {"method": "GET", "url": "https://api.example.com/menus/%EA%B0%95%EB%82%A8%20%EB%A7%9B%EC%A7%91"},
                     "response": {"status": 200}},
               subsegments=[sub("d00000000000000a", "강남 맛집 메뉴 조회", 0.01, 0.05),
                            sub("d00000000000000b", "명동 칼국수", 0.05, 0.07,
                                metadata={"설명": "아주 긴 설명 " * 12})]))

# Escape sequences in names, annotations and metadata.
ES = "1-6b000000-0000000000000000000000e5"
out.append(doc(ES, "e500000000000001", "evil\u001b[2Jname\u0007", 0.0, 0.003,
               annotations={"note": "\u001b]0;pwned\u0007title", "bidi": "abc\u202edef"},
               metadata={"x": "\u009b31mred\r\nnext"},
               http={"request": {"method": "GET", "url": "/\u001b[31mred"}, "response": {"status": 200}},
               subsegments=[sub("e50000000000000a", "\u001b[31mred\u001b[0m", 0.001, 0.002)]))

# In progress: the root is complete, a subsegment and a called segment are not.
IP = "1-6b000000-0000000000000000000000f6"
out.append(doc(IP, "f600000000000001", "batch-job", 0.0, 2.0, subsegments=[
    sub("f60000000000000a", "download", 0.0, 0.5),
    sub("f60000000000000b", "transform", 0.5, None),
    sub("f60000000000000c", "call worker", 0.6, 1.9, namespace="remote")]))
out.append(doc(IP, "f600000000000002", "worker", 0.7, None, parent_id="f60000000000000c"))

for d in out:
    sys.stdout.write(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n")
