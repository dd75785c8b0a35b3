"""Helpers for the --listen / --listen-otlp tests: TAP, a free port, running
xrtop in the background until its socket is bound."""
import os
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.environ.get("top_srcdir") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
XRTOP = os.environ.get("XRTOP") or os.path.join(TOP, "_build", "src", "xrtop")
HEADER = b'{"format": "json", "version": 1}\n'
results = []


def ok(cond, desc, diag=None):
    results.append((bool(cond), desc, diag))
    return bool(cond)


def done():
    print("1..%d" % len(results))
    failed = 0
    for i, (good, desc, diag) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, desc))
        if not good:
            failed += 1
            if diag is not None:
                for line in str(diag).splitlines()[:40]:
                    print("# " + line)
    sys.exit(1 if failed else 0)


def env(extra=None):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "TZ": "UTC",
         "HOME": tempfile.gettempdir(), "AWS_EC2_METADATA_DISABLED": "true",
         "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            e[k] = os.environ[k]
    e.update(extra or {})
    return e


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bound(port, kind):
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        return True
    finally:
        s.close()
    return False


class Xrtop:
    """xrtop running in the background; wait() collects its output."""

    def __init__(self, *args, port=None, kind=socket.SOCK_DGRAM, extra_env=None):
        self.p = subprocess.Popen([XRTOP, *args], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env(extra_env))
        deadline = time.monotonic() + 10
        while port and not bound(port, kind) and time.monotonic() < deadline:
            if self.p.poll() is not None:
                break
            time.sleep(0.02)

    def wait(self, timeout=60):
        out, err = self.p.communicate(timeout=timeout)
        return self.p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    def interrupt(self):
        self.p.send_signal(2)
        return self.wait()


def run(*args, extra_env=None, timeout=60):
    r = subprocess.run([XRTOP, *args], capture_output=True, env=env(extra_env), check=False,
                       timeout=timeout)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
