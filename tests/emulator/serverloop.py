"""How the test servers (the emulator, the credential stubs) run: announce
`PORT <n>` on stdout (and in --port-file), serve until SIGTERM, and exit by
themselves after --max-lifetime seconds so a leaked server does not linger."""

import os
import signal
import sys
import threading


def announce(server, port_file=None):
    """Writes the port where the test harness looks for it."""
    port = server.server_address[1]
    if port_file:
        with open(port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(port_file + ".tmp", port_file)
    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()


def serve(server, max_lifetime=None):
    """Serves until SIGTERM, ^C or max_lifetime seconds; returns 0."""
    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    if max_lifetime:
        timer = threading.Timer(max_lifetime, lambda: os._exit(3))
        timer.daemon = True
        timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0
