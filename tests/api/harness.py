"""Shared helpers for xrtop's API integration tests (TAP, Debian python3).

Every test talks only to 127.0.0.1: the X-Ray emulator and the credential
stubs run here, xrtop runs with a clean environment (temporary HOME, config
and credentials files, AWS_EC2_METADATA_DISABLED=true unless a test points
AWS_EC2_METADATA_SERVICE_ENDPOINT at a stub, no proxies).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("top_builddir") or os.path.join(TOP, "_build")
XRTOP = os.environ.get("XRTOP") or os.path.join(BUILD, "src", "xrtop")
EMULATOR = os.path.join(TOP, "tests", "emulator", "xray_emulator.py")
STUB = os.path.join(TOP, "tests", "emulator", "stub_credentials.py")
FIXTURE = os.path.join(TOP, "tests", "data", "emulator-traces.json")
GEN_DEMO = os.path.join(TOP, "data", "gen-demo.py")
PYTHON = sys.executable

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(TOP, "tests", "emulator"))
from childserver import Server  # noqa: E402

START = 1795168800  # the fixture's hour: 2026-11-20T10:00:00Z
END = START + 3600
WINDOW = ["--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T11:00:00Z"]
AKID = "AKIDXRTOPTEST"
SECRET = "xrtop-test-secret-key/abcdEFGH1234"
TMP_AKID = "ASIAXRTOPTEMP"
TMP_SECRET = "xrtop-temp-secret/ZYXW9876"
TOKEN = "xrtop-session-token-IQoJb3JpZ2luX2VjEXAMPLE"


class Tap:
    """A TAP producer: ok(), is_(), plan at the end, exit status."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name))
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines()[:40]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def is_(self, got, want, name):
        return self.ok(got == want, name, "got  %r\nwant %r" % (got, want))

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def emulator(*args, data=FIXTURE, keys=((AKID, SECRET),)):
    creds = []
    for k in keys:
        creds += ["--credentials", ":".join(k)]
    return Server(EMULATOR, "--data", data, *creds, *args)


def stub(*args):
    return Server(STUB, *args)


class Workdir:
    """A temporary HOME with empty AWS config and credentials files."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="xrtop-api-")
        self.config = os.path.join(self.path, "config")
        self.credentials = os.path.join(self.path, "credentials")

    def file(self, name, text, mode=0o600):
        p = os.path.join(self.path, name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def clean_env(work, **extra):
    """The environment xrtop runs in: nothing from the caller's AWS setup."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": work.path,
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": work.config,
        "AWS_SHARED_CREDENTIALS_FILE": work.credentials,
        "NO_PROXY": "*",
        "no_proxy": "*",
    }
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def key_env(work, akid=AKID, secret=SECRET, token=None, **extra):
    env = clean_env(work, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret, **extra)
    if token:
        env["AWS_SESSION_TOKEN"] = token
    return env


class Result:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed

    def __repr__(self):
        return "rc=%s\n--- stdout\n%s\n--- stderr\n%s" % (self.rc, self.out[-3000:],
                                                          self.err[-3000:])


_runs = {"n": 0, "marker": None}


def xrtop(args, env, timeout=120, stdin=None):
    """Runs xrtop; its API requests carry "app/<marker>" in their User-Agent
    (AWS_SDK_UA_APP_ID), so run_requests() tells them from a previous run's."""
    _runs["n"] += 1
    if env is not None and "AWS_SDK_UA_APP_ID" not in env:
        env = dict(env)
        _runs["marker"] = env["AWS_SDK_UA_APP_ID"] = "xrtop-test-run-%d-%d" % (os.getpid(),
                                                                           _runs["n"])
    else:
        _runs["marker"] = None
    t0 = time.time()
    p = subprocess.run([XRTOP] + list(args), env=env, capture_output=True, timeout=timeout,
                       input=stdin)
    return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"), time.time() - t0)


def user_agent(entry):
    for name, value in entry.get("headers", []):
        if name.lower() == "user-agent":
            return value
    return ""


def run_requests(server, path=None):
    """The requests the last xrtop() run sent to server (by its marker)."""
    marker = _runs["marker"]
    return [e for e in server.requests(path)
            if marker is None or user_agent(e).endswith(" app/" + marker)]


def api_args(server, region="us-east-1", window=WINDOW):
    return ["-b", "--endpoint-url", server.base, "--region", region] + list(window)


def ndjson_ids(text):
    return [json.loads(line)["Id"] for line in text.splitlines() if line.strip()]


def fixture_ids(path=FIXTURE):
    with open(path) as f:
        return sorted(t["Id"] for t in json.load(f)["Traces"])


def gen_demo(work, traces, start, span, name="demo.json"):
    out = os.path.join(work.path, name)
    subprocess.run([PYTHON, GEN_DEMO, "--traces", str(traces), "--start", str(start),
                    "--span", str(span), "--format", "batch", "--out", out], check=True)
    return out


def leaked(texts, secrets):
    """The secrets that appear in any of texts ([] when none)."""
    return [s for s in secrets if any(s in t for t in texts)]


def header(entry, name):
    for k, v in entry["headers"]:
        if k.lower() == name.lower():
            return v
    return None


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
