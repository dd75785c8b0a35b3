#!/usr/bin/python3
"""Stub AWS STS, IAM Identity Center portal and SSO OIDC on 127.0.0.1, for
testing xrtop's assume-role, web-identity and SSO credential providers.
They answer as the services do, errors included.

  POST /       STS Query API (form body, Version 2011-06-15):
               AssumeRole - SigV4 (service sts, --region) checked with
                 python3-botocore against --credentials keys and the keys
                 this stub mints; SerialNumber needs TokenCode = --mfa-code.
               AssumeRoleWithWebIdentity - unsigned; WebIdentityToken must
                 be one of --web-token.
               Replies in STS's XML; errors as <ErrorResponse>.
  GET  /federation/credentials?account_id=..&role_name=..
               SSO portal GetRoleCredentials; x-amz-sso_bearer_token must be
               one of --sso-token (or a token minted by CreateToken).
  POST /token  SSO OIDC CreateToken, grantType refresh_token, refreshToken
               one of --refresh-token; mints a new access token.

Errors on demand: a role whose name contains "crlf" gets a SessionToken
ending in CR LF and a header; a role whose name contains "denied" -> AccessDenied
(ForbiddenException on the portal); --expired-key AKID -> ExpiredToken;
--disabled-region R -> RegionDisabledException when signed for R; a web
token "expired" -> ExpiredTokenException; --throttle N -> the first N
requests get Throttling (STS, 400) or TooManyRequestsException (429);
--slow SECONDS --slow-after N -> every request after the first N waits
SECONDS before its answer (a slow renewal).

Issued credentials come from derivedkeys.mint() over the call (the same
role from the same caller gets the same key), expiring after
--expires-in seconds (default: DurationSeconds, else 3600).
Prints `PORT <n>` when ready.  Control: GET /__stub/requests (the log, every
secret redacted), GET /__stub/stats.
"""

import argparse
import datetime
import http.server
import json
import secrets
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

sys.dont_write_bytecode = True  # keep the source tree clean
import derivedkeys  # noqa: E402
import serverloop  # noqa: E402
from xray_emulator import Key, SigV4Verifier  # noqa: E402

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
REDACT_PARAMS = ("WebIdentityToken", "TokenCode")
REDACT_HEADERS = ("authorization", "x-amz-security-token", "x-amz-sso_bearer_token")


def iso8601(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class Reply(Exception):
    def __init__(self, status, body, ctype="text/xml", headers=()):
        super().__init__(status)
        self.status, self.body, self.ctype, self.headers = status, body, ctype, list(headers)


def sts_error(status, code, message, kind="Sender"):
    body = ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
            '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n'
            '</ErrorResponse>\n' % (NS, kind, code, escape(message), secrets.token_hex(8)))
    return Reply(status, body.encode())


def json_error(status, code, message, oidc=False):
    if oidc:
        payload = {"error": code, "error_description": message}
        name = {"invalid_grant": "InvalidGrantException"}.get(code, code)
    else:
        payload = {"message": message}
        name = code
    return Reply(status, json.dumps(payload).encode(), "application/json",
                 [("x-amzn-ErrorType", name + ":http://internal.amazon.com/coral/")])


class State:
    def __init__(self, args):
        self.args = args
        keys = [Key(spec) for spec in args.credentials]
        self.verifier = SigV4Verifier(args.region, keys, service="sts")
        self.verifier.keys = derivedkeys.KeyTable(
            self.verifier.keys, lambda a, s, t: Key("%s:%s:%s" % (a, s, t)))
        self.lock = threading.Lock()
        self.log = []
        self.counts = {}
        self.throttle_left = args.throttle
        self.sso_tokens = set(args.sso_token)
        self.refresh_tokens = set(args.refresh_token)
        self.minted = 0
        self.served = 0

    def record(self, entry):
        with self.lock:
            self.log.append(entry)
            key = entry.get("action") or entry["path"].split("?")[0]
            self.counts[key] = self.counts.get(key, 0) + 1

    def throttled(self):
        with self.lock:
            if self.throttle_left > 0:
                self.throttle_left -= 1
                return True
            return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stub-aws/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def serve(self):
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        entry = {"time": round(time.time(), 3), "method": self.command, "path": self.path,
                 "headers": [[k, "<redacted %d chars>" % len(v)
                              if k.lower() in REDACT_HEADERS else v]
                             for k, v in self.headers.items()]}
        if self.path.startswith("/__stub/"):
            return self.control()
        if state.args.slow > 0:
            with state.lock:
                state.served += 1
                late = state.served > state.args.slow_after
            if late:
                time.sleep(state.args.slow)
        try:
            split = urlsplit(self.path)
            if self.command == "POST" and split.path == "/":
                raise self.sts(body, entry)
            if self.command == "GET" and split.path == "/federation/credentials":
                raise self.portal(parse_qs(split.query), entry)
            if self.command == "POST" and split.path == "/token":
                raise self.oidc(body, entry)
            raise Reply(404, b"Not Found", "text/plain")
        except Reply as r:
            entry["status"] = r.status
            state.record(entry)
            self.send_response(r.status)
            self.send_header("Content-Type", r.ctype)
            self.send_header("Content-Length", str(len(r.body)))
            self.send_header("x-amzn-RequestId", secrets.token_hex(8))
            for name, value in r.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(r.body)

    def control(self):
        state = self.server.state
        with state.lock:
            if self.path == "/__stub/requests":
                data = list(state.log)
            elif self.path == "/__stub/stats":
                data = {"requests": dict(state.counts), "minted": state.minted}
            else:
                data = None
        body = json.dumps(data).encode()
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # -- STS -------------------------------------------------------------------------

    def sts(self, body, entry):
        state = self.server.state
        args = state.args
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        action = form.get("Action", "")
        entry["action"] = action
        entry["params"] = {k: ("<redacted>" if k in REDACT_PARAMS else v) for k, v in form.items()}
        entry["content_type"] = self.headers.get("Content-Type")
        if form.get("Version") != "2011-06-15":
            return sts_error(400, "InvalidAction", "Could not find operation %s for version %s"
                             % (action, form.get("Version")))
        if state.throttled():
            return sts_error(400, "Throttling", "Rate exceeded")
        role = form.get("RoleArn", "")
        if not role.startswith("arn:aws:iam::") or ":role/" not in role:
            return sts_error(400, "ValidationError",
                             "1 validation error detected: Value at 'roleArn' failed to satisfy "
                             "constraint")
        if not form.get("RoleSessionName"):
            return sts_error(400, "ValidationError", "RoleSessionName is required")
        if action == "AssumeRole":
            caller = self.check_signature(body, entry)
            if "denied" in role.split(":role/")[1]:
                return sts_error(403, "AccessDenied", "User: arn:aws:sts::123456789012:"
                                 "assumed-role/caller is not authorized to perform: "
                                 "sts:AssumeRole on resource: %s" % role)
            if "SerialNumber" in form and form.get("TokenCode") != args.mfa_code:
                return sts_error(403, "AccessDenied", "MultiFactorAuthentication failed with "
                                 "invalid MFA one time pass code. ")
            parts = ("AssumeRole", role, caller, form.get("ExternalId", ""))
        elif action == "AssumeRoleWithWebIdentity":
            if self.headers.get("Authorization"):
                return sts_error(400, "InvalidParameterValue",
                                 "AssumeRoleWithWebIdentity is called without signing")
            token = form.get("WebIdentityToken", "")
            if token == "expired":
                return sts_error(400, "ExpiredTokenException",
                                 "Token expired: current date/time %s must be before the "
                                 "expiration date/time" % iso8601(time.time()))
            if token not in args.web_token:
                return sts_error(400, "InvalidIdentityToken",
                                 "Couldn't retrieve verification key from your identity "
                                 "provider,  please reference AssumeRoleWithWebIdentity "
                                 "documentation for requirements")
            parts = ("AssumeRoleWithWebIdentity", role, token)
        else:
            return sts_error(400, "InvalidAction", "Could not find operation %s for version "
                             "2011-06-15" % action)
        akid, secret, token = derivedkeys.mint(*parts)
        entry["issued"] = akid
        with state.lock:
            state.minted += 1
        life = args.expires_in or float(form.get("DurationSeconds") or 3600)
        token_xml = escape(token)
        if "crlf" in role.split(":role/")[1]:  # a header injection attempt
            token_xml += "&#13;&#10;X-Injected: yes"
        result = action + "Result"
        xml = ('<%sResponse xmlns="%s">\n  <%s>\n    <Credentials>\n'
               '      <AccessKeyId>%s</AccessKeyId>\n'
               '      <SecretAccessKey>%s</SecretAccessKey>\n'
               '      <SessionToken>%s</SessionToken>\n'
               '      <Expiration>%s</Expiration>\n    </Credentials>\n'
               '    <AssumedRoleUser>\n      <Arn>%s/%s</Arn>\n'
               '      <AssumedRoleId>AROASTUB:%s</AssumedRoleId>\n    </AssumedRoleUser>\n'
               '  </%s>\n  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n'
               '  </ResponseMetadata>\n</%sResponse>\n'
               % (action, NS, result, akid, secret, token_xml, iso8601(time.time() + life),
                  escape(role.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")),
                  escape(form["RoleSessionName"]), escape(form["RoleSessionName"]), result,
                  secrets.token_hex(8), action))
        return Reply(200, xml.encode())

    def check_signature(self, body, entry):
        """The caller's access key id, or an error Reply."""
        state = self.server.state
        verdict = state.verifier.verify(self.command, self.path, self.headers.items(), body)
        entry["signature"] = verdict.to_log()
        if verdict.result == "missing":
            raise sts_error(403, "MissingAuthenticationToken",
                            "Request is missing Authentication Token")
        scope = (self.headers.get("Authorization") or "").split("Credential=")[-1].split("/")
        if len(scope) > 2 and scope[2] in state.args.disabled_region:
            raise sts_error(403, "RegionDisabledException",
                            "STS is not activated in this region for account:123456789012. "
                            "Your account administrator can activate STS in this region "
                            "using the IAM Console.")
        if verdict.result == "expired-key":
            raise sts_error(403, "ExpiredToken", "The security token included in the request "
                            "is expired")
        if verdict.result in ("unknown-key", "bad-token"):
            raise sts_error(403, "InvalidClientTokenId", "The security token included in the "
                            "request is invalid.")
        if verdict.result != "valid":
            raise sts_error(403, "SignatureDoesNotMatch",
                            verdict.error.message if verdict.error else verdict.result)
        return verdict.akid

    # -- IAM Identity Center ------------------------------------------------------------

    def portal(self, query, entry):
        state = self.server.state
        entry["action"] = "GetRoleCredentials"
        account = (query.get("account_id") or [""])[0]
        role = (query.get("role_name") or [""])[0]
        entry["params"] = {"account_id": account, "role_name": role}
        if state.throttled():
            return json_error(429, "TooManyRequestsException", "Rate exceeded")
        token = self.headers.get("x-amz-sso_bearer_token")
        if not account or not role:
            return json_error(400, "InvalidRequestException", "account_id and role_name are "
                              "required")
        with state.lock:
            known = token in state.sso_tokens
        if not known:
            return json_error(401, "UnauthorizedException", "Session token not found or invalid")
        if "denied" in role:
            return json_error(403, "ForbiddenException", "No access")
        akid, secret, session = derivedkeys.mint("GetRoleCredentials", account, role)
        entry["issued"] = akid
        with state.lock:
            state.minted += 1
        life = state.args.expires_in or 3600
        doc = {"roleCredentials": {"accessKeyId": akid, "secretAccessKey": secret,
                                   "sessionToken": session,
                                   "expiration": int((time.time() + life) * 1000)}}
        return Reply(200, json.dumps(doc).encode(), "application/json")

    def oidc(self, body, entry):
        state = self.server.state
        entry["action"] = "CreateToken"
        try:
            req = json.loads(body)
        except ValueError:
            return json_error(400, "invalid_request", "bad JSON", oidc=True)
        entry["params"] = {"grantType": req.get("grantType"), "clientId": req.get("clientId")}
        if state.throttled():
            return json_error(429, "SlowDownException", "Rate exceeded", oidc=True)
        if req.get("grantType") != "refresh_token" or not req.get("clientSecret"):
            return json_error(400, "unsupported_grant_type", "grantType", oidc=True)
        with state.lock:
            ok = req.get("refreshToken") in state.refresh_tokens
            if ok:
                state.refresh_tokens.discard(req["refreshToken"])
                access = "sso-access-" + secrets.token_hex(12)
                refresh = "sso-refresh-" + secrets.token_hex(12)
                state.sso_tokens.add(access)
                state.refresh_tokens.add(refresh)
        if not ok:
            return json_error(400, "invalid_grant", "Invalid refresh token provided", oidc=True)
        doc = {"accessToken": access, "tokenType": "Bearer", "expiresIn": 28800,
               "refreshToken": refresh}
        return Reply(200, json.dumps(doc).encode(), "application/json")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, state):
        self.state = state
        super().__init__(address, Handler)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--region", default="us-east-1", help="the region STS signs for")
    p.add_argument("--credentials", action="append", default=[], metavar="AKID:SECRET[:TOKEN]",
                   help="callers AssumeRole accepts besides the minted keys")
    p.add_argument("--expired-key", action="append", default=[], metavar="AKID")
    p.add_argument("--disabled-region", action="append", default=[], metavar="REGION")
    p.add_argument("--web-token", action="append", default=[], metavar="TOKEN")
    p.add_argument("--sso-token", action="append", default=[], metavar="TOKEN")
    p.add_argument("--refresh-token", action="append", default=[], metavar="TOKEN")
    p.add_argument("--mfa-code", default="123456")
    p.add_argument("--throttle", type=int, default=0, metavar="N")
    p.add_argument("--expires-in", type=float, default=0, metavar="SECONDS")
    p.add_argument("--slow", type=float, default=0, metavar="SECONDS")
    p.add_argument("--slow-after", type=int, default=0, metavar="N")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--max-lifetime", type=float, default=0, metavar="SECONDS")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    state = State(args)
    for akid in args.expired_key:
        key = state.verifier.keys.get(akid)
        if key is None:
            sys.stderr.write("stub-aws: --expired-key %s: no such key\n" % akid)
            return 2
        key.expired = True
    server = Server(("127.0.0.1", args.port), state)
    serverloop.announce(server, args.port_file)
    return serverloop.serve(server, args.max_lifetime)


if __name__ == "__main__":
    sys.exit(main())
