#!/bin/sh
# Soak under faults: xrtop -b -d 1 against the X-Ray emulator (127.0.0.1 only)
# for 30 minutes with 30 % throttling, 5 % 5xx, truncated bodies and TCP
# resets while new traces keep arriving; then no trace lost, RSS flat within
# 10 % after the warm-up (--max-traces bounds it), no descriptor leak.
# bench/soak.py describes every check and how the allowance is computed.
#
#   sh bench/soak.sh                     # 1800 s (results in BENCHMARKS.md)
#   SOAK_DURATION=150 sh bench/soak.sh   # a short try
#   sh bench/soak.sh --rate 10 --max-traces 1000 ...   (see --help)
#
# Needs a built xrtop in _build/ (or $XRTOP) and Debian's /usr/bin/python3
# with python3-botocore. Output, logs and samples: bench/out/soak/ (or $SOAK_OUT).
# Exit status 0 when every check passes.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
exec nice -n 10 "${TEST_PYTHON:-/usr/bin/python3}" "$top/bench/soak.py" "$@"
