#!/bin/sh
# Analytics benchmark: the group-by over 100,000 loaded traces, measured
# in-process by bench/analytics_bench (see its header).
#
#   sh bench/analytics-bench.sh [ANALYTICS_BENCH [TRACES [RUNS]]]
#
# The data is the demo generator's (data/gen-demo.py --traces TRACES), made
# once in $BENCH_OUT (default bench/out) as big-TRACES.json, the same file
# bench/load-bench.sh uses.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-./bench/analytics_bench}
traces=${2:-100000}
runs=${3:-21}
out=${BENCH_OUT:-$top/bench/out}
mkdir -p "$out"
big=$out/big-$traces.json
[ -s "$big" ] || python3 "$top/data/gen-demo.py" --traces "$traces" --out "$big"
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: $0 $bin $traces $runs"
"$bin" "$big" "$runs"
