"""A child server of the tests (the X-Ray emulator or a credential stub) on
127.0.0.1: starts it, waits for its `PORT <n>` line, talks to its control
endpoints under /__emulator/, and stops it.  Shared by the emulator's own
self-test and xrtop's API integration tests."""

import http.client
import json
import select
import subprocess
import sys
import time


class Server:
    """A child server that announces `PORT <n>` on stdout."""

    def __init__(self, script, *args, python=sys.executable, lifetime=900):
        self.proc = subprocess.Popen([python, script, "--max-lifetime", str(lifetime)] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.port = self._read_port()
        self.base = "http://127.0.0.1:%d" % self.port

    def _read_port(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline().decode()
                if line.startswith("PORT "):
                    return int(line.split()[1])
                if not line:
                    break
        self.stop()
        raise RuntimeError("server did not start: %s" % self.proc.stderr.read().decode())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()

    def control(self, method, path, payload=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        body = None if payload is None else json.dumps(payload)
        conn.request(method, path, body=body)
        data = json.loads(conn.getresponse().read() or b"null")
        conn.close()
        return data

    def faults(self, *rules):
        """Replaces the fault rules."""
        self.control("DELETE", "/__emulator/faults")
        if rules:
            self.control("POST", "/__emulator/faults", list(rules))

    def reset(self, *faults):
        """Clears faults, the request log and stats, then adds faults."""
        self.control("DELETE", "/__emulator/faults")
        self.control("DELETE", "/__emulator/requests")
        self.control("DELETE", "/__emulator/stats")
        if faults:
            self.control("POST", "/__emulator/faults", list(faults))

    def requests(self, path=None):
        log = self.control("GET", "/__emulator/requests")
        return [e for e in log if path is None or e["path"] == path]

    def stats(self):
        return self.control("GET", "/__emulator/stats")
