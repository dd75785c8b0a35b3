#!/usr/bin/python3
"""Stub credential providers on 127.0.0.1 for testing xrtop's credential chain.

  --mode imds       EC2 instance metadata service (IMDSv2 by default):
                    PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds)
                    GET /latest/meta-data/iam/security-credentials/[ROLE]
                    GET /latest/meta-data/placement/{region,availability-zone}
                    GET /latest/dynamic/instance-identity/document
                    Every GET needs a valid X-aws-ec2-metadata-token header
                    unless --allow-v1 or --imdsv1-only (PUT then answers 404).
  --mode container  ECS / CloudShell container credentials: GET --path,
                    with `Authorization: <--token>` when --token is given.

Each credentials response serves the next key of --credentials (the last one
repeats), or numbered keys ASIASTUB0000000001, ...0002, ... when none are
given, so a client's refresh can be observed; --static always serves the
first.  Expiration = now + --expires-in.  Prints `PORT <n>` when ready.

Control: GET /__stub/requests (log, secrets redacted), GET /__stub/stats.
"""

import argparse
import datetime
import json
import secrets
import sys
import threading
import time
import http.server

sys.dont_write_bytecode = True  # keep the source tree clean
import serverloop  # noqa: E402  (in this script's directory)

TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
CREDS_PREFIX = "/latest/meta-data/iam/security-credentials"


def iso8601(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class KeyRing:
    """The key pairs to serve, one more at every credentials request."""

    def __init__(self, specs, static):
        self.keys = [self._parse(s) for s in specs]
        self.static = static
        self.served = 0
        self._lock = threading.Lock()

    @staticmethod
    def _parse(spec):
        parts = spec.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ValueError("--credentials wants AKID:SECRET:TOKEN, got %r" % spec)
        return tuple(parts)

    def next(self):
        """(number, akid, secret, token) of the key to serve now (1-based)."""
        with self._lock:
            self.served += 1
            n = 1 if self.static else self.served
        if self.keys:
            return (n,) + self.keys[min(n, len(self.keys)) - 1]
        return (n, "ASIASTUB%010d" % n, "stub-secret-%04d" % n, "stub-token-%04d" % n)


class StubState:
    def __init__(self, args):
        self.args = args
        self.ring = KeyRing(args.credentials, args.static)
        self.tokens = {}  # IMDS session token -> expiry
        self.lock = threading.Lock()
        self.log = []
        self.fail_left = args.fail_first
        self.logfile = open(args.log, "a", encoding="utf-8") if args.log else None
        self.counts = {}

    def record(self, entry):
        with self.lock:
            self.log.append(entry)
            key = "%s %s" % (entry["method"], entry["path"])
            self.counts[key] = self.counts.get(key, 0) + 1
            if self.logfile:
                self.logfile.write(json.dumps(entry) + "\n")
                self.logfile.flush()

    def take_failure(self):
        with self.lock:
            if self.fail_left > 0:
                self.fail_left -= 1
                return True
            return False

    def new_token(self, ttl):
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = time.time() + ttl
        return token

    def token_valid(self, token):
        with self.lock:
            expiry = self.tokens.get(token or "")
        return expiry is not None and expiry > time.time()

    def credentials(self):
        """A credentials object (container shape); also returns the key number."""
        n, akid, secret, token = self.ring.next()
        return n, {"AccessKeyId": akid, "SecretAccessKey": secret, "Token": token,
                   "Expiration": iso8601(time.time() + self.args.expires_in)}


def redact(headers):
    out = []
    for name, value in headers:
        if name.lower() in ("authorization", TOKEN_HEADER.lower()):
            value = "<redacted %d chars>" % len(value)
        out.append([name, value])
    return out


class StubHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stub-credentials/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.serve()

    def do_PUT(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def serve(self):
        state = self.server.state
        entry = {"time": round(time.time(), 3), "method": self.command,
                 "path": self.path, "headers": redact(self.headers.items())}
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(min(length, 65536))
            if self.path.startswith("/__stub/"):
                status, ctype, body = self.control()
            elif state.args.mode == "imds":
                status, ctype, body, served = self.imds()
                entry["served"] = served
            else:
                status, ctype, body, served = self.container()
                entry["served"] = served
        except Exception as e:  # never let a bad request kill the stub
            sys.stderr.write("stub-credentials: %s: %s\n" % (type(e).__name__, e))
            status, ctype, body = 500, "text/plain", b"internal error"
        if not self.path.startswith("/__stub/"):
            entry["status"] = status
            state.record(entry)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in getattr(self, "extra_headers", []):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def control(self):
        state = self.server.state
        if self.path == "/__stub/requests":
            with state.lock:
                data = list(state.log)
        elif self.path == "/__stub/stats":
            with state.lock:
                data = {"requests": dict(state.counts), "keys_served": state.ring.served}
        else:
            return 404, "text/plain", b"not found"
        return 200, "application/json", json.dumps(data).encode()

    # -- IMDS ------------------------------------------------------------------

    def imds(self):
        """(status, content type, body, served key number or None)."""
        args = self.server.state.args
        state = self.server.state
        text = "text/plain"
        if self.path == "/latest/api/token":
            return self.imds_token() + (None,)
        if self.command != "GET":
            return 405, text, b"", None
        if not args.allow_v1 and not args.imdsv1_only and \
                not state.token_valid(self.headers.get(TOKEN_HEADER)):
            return 401, text, b"", None
        path = self.path.rstrip("/")
        if path == CREDS_PREFIX:
            return 200, text, args.role.encode(), None
        if path == CREDS_PREFIX + "/" + args.role:
            if state.take_failure():
                return 500, text, b"injected failure", None
            n, creds = state.credentials()
            doc = {"Code": "Success", "LastUpdated": iso8601(time.time()),
                   "Type": "AWS-HMAC"}
            doc.update(creds)
            return 200, text, json.dumps(doc, indent=2).encode(), n
        if path == "/latest/meta-data/placement/region":
            return 200, text, args.region.encode(), None
        if path == "/latest/meta-data/placement/availability-zone":
            return 200, text, (args.region + "a").encode(), None
        if path == "/latest/dynamic/instance-identity/document":
            doc = {"region": args.region, "availabilityZone": args.region + "a",
                   "instanceId": "i-0123456789abcdef0", "accountId": "123456789012"}
            return 200, "application/json", json.dumps(doc).encode(), None
        return 404, text, b"Not Found", None

    def imds_token(self):
        args = self.server.state.args
        if args.imdsv1_only:
            return 404, "text/plain", b"Not Found"
        if self.command != "PUT":
            return 405, "text/plain", b""
        if self.headers.get("X-Forwarded-For"):
            return 403, "text/plain", b"Forbidden"
        try:
            ttl = int(self.headers.get(TTL_HEADER, ""))
        except ValueError:
            return 400, "text/plain", b"Missing or invalid TTL header"
        if not 1 <= ttl <= 21600:
            return 400, "text/plain", b"TTL must be between 1 and 21600 seconds"
        token = self.server.state.new_token(ttl)
        self.extra_headers = [(TTL_HEADER, str(ttl))]
        return 200, "text/plain", token.encode()

    # -- container credentials ---------------------------------------------------

    def container(self):
        args = self.server.state.args
        state = self.server.state
        if self.command != "GET" or self.path != args.path:
            return 404, "text/plain", b"Not Found", None
        if args.token is not None and self.headers.get("Authorization") != args.token:
            return 401, "application/json", json.dumps(
                {"code": "Unauthorized", "message": "invalid authorization token"}).encode(), None
        if state.take_failure():
            return 500, "text/plain", b"injected failure", None
        n, creds = state.credentials()
        creds["RoleArn"] = "arn:aws:iam::123456789012:role/%s" % args.role
        return 200, "application/json", json.dumps(creds).encode(), n


class StubServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, state):
        if ":" in address[0]:
            import socket
            self.address_family = socket.AF_INET6
        self.state = state
        super().__init__(address, StubHandler)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", required=True, choices=("imds", "container"))
    p.add_argument("--credentials", action="append", default=[],
                   metavar="AKID:SECRET:TOKEN", help="keys to serve, in order")
    p.add_argument("--static", action="store_true", help="always serve the first key")
    p.add_argument("--expires-in", type=float, default=3600, metavar="SECONDS")
    p.add_argument("--role", default="xrtop-stub-role")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--allow-v1", action="store_true",
                   help="IMDS: accept GETs without a session token")
    p.add_argument("--imdsv1-only", action="store_true",
                   help="IMDS: no token support (PUT answers 404)")
    p.add_argument("--path", default="/v2/credentials/stub",
                   help="container: the credentials path")
    p.add_argument("--token", help="container: required Authorization header value")
    p.add_argument("--fail-first", type=int, default=0, metavar="N",
                   help="answer 500 to the first N credential requests")
    p.add_argument("--host", default="127.0.0.1", choices=("127.0.0.1", "::1"))
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log", metavar="FILE", help="append JSON lines of requests")
    p.add_argument("--max-lifetime", type=float, default=0, metavar="SECONDS")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        server = StubServer((args.host, args.port), StubState(args))
    except (OSError, ValueError) as e:
        sys.stderr.write("stub-credentials: %s\n" % e)
        return 2
    serverloop.announce(server, args.port_file)
    return serverloop.serve(server, args.max_lifetime)


if __name__ == "__main__":
    sys.exit(main())
