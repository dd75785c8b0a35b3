#!/usr/bin/env python3
"""TAP test of numbers and options from outside that mean nothing: times
that do not exist, offsets and durations that overflow, times out of range
in trace data.  Each is refused with a clear message (exit 2 for options)
or reported, never cast into nonsense."""
import os
import subprocess
import sys
import tempfile
import time

TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XRTOP = os.environ.get("XRTOP") or os.path.join(TOP, "_build", "src", "xrtop")
results = []


def ok(cond, desc, diag=None):
    results.append((bool(cond), desc, diag))


def run(*args, stdin=None, env=None, timeout=60):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "TZ": "UTC",
         "HOME": tempfile.gettempdir(), "AWS_EC2_METADATA_DISABLED": "true",
         "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            e[k] = os.environ[k]
    e.update(env or {})
    return subprocess.run([XRTOP, *args], input=stdin, capture_output=True, env=e, check=False,
                          timeout=timeout)


def printable(data):
    return all(b == 0x0a or 0x20 <= b < 0x7f for b in data)


API = ["-b", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1"]

# --- times and durations from the command line ---------------------------------------------
r = run(*API, "--since", "999999999999999999999d")
ok(r.returncode == 2 and b"--since" in r.stderr and b"longer than 100 years" in r.stderr,
   "--since 999999999999999999999d: usage error", r)
ok(printable(r.stderr), "... and no raw byte in the message", r.stderr)
r = run(*API, "--since", "36500d")
ok(r.returncode == 2 and b"--since reaches back before 1970" in r.stderr,
   "--since 100 years: usage error (it would send a negative StartTime)", r)
r = run(*API, "--start", "2026-02-31")
ok(r.returncode == 2 and b"--start" in r.stderr and b"28 days" in r.stderr,
   "--start 2026-02-31: usage error, not March 3", r)
r = run(*API, "--start", "2026-11-27T08:00+99:99", "--end", "2026-11-27T09:00Z")
ok(r.returncode == 2 and b"offset" in r.stderr, "an offset of +99:99: usage error", r)
future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
r = run(*API, "--start", future)
ok(r.returncode == 2 and b"--start is in the future" in r.stderr,
   "a future --start without --end: usage error (exit 2), nothing sent", r)
r = run(*API, "--start", "99999999999", "--end", "99999999999999")
ok(r.returncode == 2 and b"--end: '99999999999999' is before 1970 or after 9999" in r.stderr,
   "an epoch --end past 9999: usage error", r)

# --- cleartext only to this machine, decided without DNS ---------------------------------------
r = run("-b", "--endpoint-url", "http://localhost.:1", "--region", "us-east-1")
ok(r.returncode == 2 and b"plain http:// is only allowed to this machine" in r.stderr,
   "http://localhost.:1 (which DNS resolves): refused as not loopback", r)
r = run("-b", "--endpoint-url", "http://localhost:9", "--region", "us-east-1")
ok(b"plain http://" not in r.stderr, "http://localhost:9: allowed", r)

# --- times out of range in trace data --------------------------------------------------------
docs = (b'{"name":"svc","id":"0123456789abcdef","trace_id":"1-5f000000-0123456789abcdef01234567",'
        b'"start_time":1.59e35,"end_time":1600000001}\n'
        b'{"name":"svc","id":"0123456789abcdee","trace_id":"1-5f000000-0123456789abcdef01234568",'
        b'"start_time":1600000000,"end_time":1.59e35}\n')
r = run("-b", "--load", "-", stdin=docs)
ok(b"158999999" not in r.stdout and b"1589999" not in r.stdout,
   "start_time/end_time 1.59e35: no absurd RESP or DUR in the table", r.stdout)
ok(b"is not a time between 1970 and 9999" in r.stderr, "... and the time is reported", r.stderr)
r = run("-b", "-o", "json", "--load", "-", stdin=docs)
ok(b"e+35" not in r.stdout, "... nor in JSON output", r.stdout)

# --- options that mean nothing, exit statuses -------------------------------------------------
for v in ("abc", "0", "-1", "101", "3x"):
    r = run(*API, env={"AWS_ACCESS_KEY_ID": "AKIDX", "AWS_SECRET_ACCESS_KEY": "s",
                       "AWS_MAX_ATTEMPTS": v})
    ok(r.returncode == 2 and ("AWS_MAX_ATTEMPTS: '%s' is not a whole number" % v).encode()
       in r.stderr, "AWS_MAX_ATTEMPTS=%s: usage error" % v, r)
r = run("-b", "--demo", "--annotations", "a,b,c,d,e")
ok(r.returncode == 2 and b"--annotations: at most 4 keys, not 5" in r.stderr,
   "--annotations with 5 keys: refused, not cut to 4 silently", r)
r = run("-b", "--demo", "--annotations", "a,b,,c,d")
ok(r.returncode == 0, "--annotations with 4 keys (and an empty one): taken", r.stderr)
r = run("-b", "--load", "-", stdin=b'{"Traces": []}')
ok(r.returncode == 0 and b"(stdin): no traces" in r.stderr,
   '{"Traces": []}: valid input with nothing in it, exit 0, "no traces"', r)
r = run("-b", "-o", "json", "--load", "-", stdin=b'{"TraceSummaries": [], "TracesProcessedCount": 0}')
ok(r.returncode == 0 and b"no traces" in r.stderr and b'"TraceSummaries":[]' in r.stdout,
   "an empty GetTraceSummaries reply: exit 0, an empty JSON list", r)
r = run("-b", "--load", "-", stdin=b'{}')
ok(r.returncode == 1, "{}: not X-Ray data, exit 1", r)
for opt in ("--help", "--version"):
    with open("/dev/full", "w") as full:
        p = subprocess.run([XRTOP, opt], stdout=full, stderr=subprocess.PIPE, check=False)
    ok(p.returncode != 0 and b"No space left on device" in p.stderr,
       "%s >/dev/full: exit non-zero with a message" % opt, p)
r = run("--check-filter", 'group.name = "x" AND user = "alice"')
ok(r.returncode == 0 and r.stdout == b'group.name = "x" AND user = "alice"\n' and
   b"needs the group's expression from the X-Ray API" in r.stderr,
   "--check-filter with group.name: valid (exit 0), with a note", r)
r = run("--check-filter", 'group.name = x')
ok(r.returncode == 2, "--check-filter with an unquoted group name: still a syntax error", r)

# --- input that cannot be X-Ray JSON is refused from its first bytes --------------------------
t0 = time.time()
r = run("-b", "--load", "/dev/zero")
ok(r.returncode == 1 and b"/dev/zero: binary data (a NUL byte at byte 1), not JSON text" in r.stderr
   and time.time() - t0 < 20, "--load /dev/zero: refused at once (%.1fs)" % (time.time() - t0), r)
with tempfile.TemporaryDirectory() as d:
    utf16 = os.path.join(d, "traces-utf16.json")
    with open(utf16, "wb") as f:
        f.write('{"Traces": []}'.encode("utf-16"))
    r = run("-b", "--load", utf16)
    ok(r.returncode == 1 and b"UTF-16 text: convert it to UTF-8" in r.stderr and
       len(r.stderr.splitlines()) <= 2, "a UTF-16 file: one message saying to convert it", r)
    with open(utf16, "wb") as f:
        f.write('{"Traces": []}'.encode("utf-16-le"))
    r = run("-b", "--load", "-", stdin=open(utf16, "rb").read())
    ok(r.returncode == 1 and b"UTF-16 text" in r.stderr, "UTF-16 without a BOM on stdin: the same", r)
r = run("-b", "--load", "-", stdin=b"\n  hello world\n")
ok(r.returncode == 1 and b"not X-Ray JSON: it begins with 'h'" in r.stderr,
   "text that is not JSON: refused from its first character", r)
r = run("-b", "--load", "-", stdin=b"\xef\xbb\xbf\n" + b'{"Traces": []}')
ok(r.returncode == 0, "a UTF-8 byte order mark is fine", r)

# --- nesting deeper than the limit is named as such ---------------------------------------
deep = [b"[" * 100000 + b"]" * 100000,
        b'{"a":' * 100000 + b"1" + b"}" * 100000,
        b'{"id":"1","name":"x","trace_id":"1-5f000000-000000000000000000000001","start_time":1,'
        b'"metadata":' + b"[" * 5000 + b"]" * 5000 + b"}"]
for i, text in enumerate(deep):
    r = run("-b", "--load", "-", stdin=text)
    ok(r.returncode == 1 and b"nested more than 1000 levels deep" in r.stderr and
       b"truncated" not in r.stderr, "100,000-deep JSON (%d): the depth limit is named" % i, r)

# --- FIFOs never hold xrtop up --------------------------------------------------------------
def run_bounded(*args, env=None):
    t0 = time.time()
    try:
        r = run(*args, env=env, timeout=15)
    except subprocess.TimeoutExpired as e:
        return None, "timed out after %.0fs: %r" % (time.time() - t0, e)
    return r, time.time() - t0


with tempfile.TemporaryDirectory() as d:
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    keys = {"AWS_ACCESS_KEY_ID": "AKIDX", "AWS_SECRET_ACCESS_KEY": "s"}
    r, took = run_bounded(*API, env=dict(keys, AWS_SHARED_CREDENTIALS_FILE=fifo))
    ok(r is not None and r.returncode != 0 and (fifo + ": is a FIFO, not a file").encode()
       in r.stderr, "a FIFO as the credentials file: refused at once", (r, took))
    r, took = run_bounded(*API, env=dict(keys, AWS_CONFIG_FILE=fifo))
    ok(r is not None and r.returncode != 0 and b"is a FIFO, not a file" in r.stderr,
       "a FIFO as the config file: refused at once", (r, took))
    r, took = run_bounded(*API, "--debug-log", fifo, env=keys)
    ok(r is not None and r.returncode == 2 and
       ("--debug-log %s: a FIFO that nothing reads" % fifo).encode() in r.stderr,
       "--debug-log to a FIFO nothing reads: refused at once", (r, took))

# --- no core file while secrets are held -------------------------------------------------------
import socket  # noqa: E402
with socket.socket() as silent:
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts and never answers: xrtop waits with its secrets held
    port = silent.getsockname()[1]
    e = dict(os.environ, LC_ALL="C.UTF-8", HOME=tempfile.gettempdir(),
             AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
             AWS_EC2_METADATA_DISABLED="true", AWS_ACCESS_KEY_ID="AKIDX",
             AWS_SECRET_ACCESS_KEY="s", NO_PROXY="*")
    def core_files_allowed():
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (hard if hard else 1 << 20, hard))

    p = subprocess.Popen([XRTOP, "-b", "--endpoint-url", "http://127.0.0.1:%d" % port,
                          "--region", "us-east-1"], env=e, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, preexec_fn=core_files_allowed)
    silent.settimeout(20)
    limits = ""
    try:
        conn, _ = silent.accept()  # the request: the credentials are loaded by now
        with open("/proc/%d/limits" % p.pid) as f:
            limits = f.read()
        conn.close()
    except OSError as err:
        limits = "no request came: %r" % err
    p.kill()
    p.wait()
    core = [line.split()[4] for line in limits.splitlines() if line.startswith("Max core file size")]
    ok(core == ["0"], "with credentials held, the soft core file size limit is 0", limits)

for n, (passed, desc, diag) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if passed else "not ok", n, desc))
    if not passed and diag is not None:
        for line in repr(diag).splitlines()[:20]:
            print("#   " + line[:400])
print("1..%d" % len(results))
sys.exit(0 if all(p for p, _, _ in results) else 1)
