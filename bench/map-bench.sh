#!/bin/sh
# Service map benchmark: with 100,000 demo traces loaded, the time to
# compute the map (svcmap_build) and to lay it out and draw it, measured
# in-process by bench/svcmap_bench (results in BENCHMARKS.md).
#
#   sh bench/map-bench.sh [SVCMAP_BENCH [TRACES [RUNS]]]
#                                  (defaults: _build/bench/svcmap_bench 100000 10)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/_build/bench/svcmap_bench}
traces=${2:-100000}
runs=${3:-10}
out=$top/bench/out
mkdir -p "$out"
big=$out/big-$traces.json
[ -s "$big" ] || python3 "$top/data/gen-demo.py" --traces "$traces" --out "$big"
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "command: $bin $big $runs"
"$bin" "$big" "$runs"
