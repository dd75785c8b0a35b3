#!/bin/sh
# Loading benchmark (issue: throughput and peak memory of
#   xrtop -b -o ndjson --load big.json > /dev/null
# side by side with the floor -- cJSON alone parsing the same bytes, inner
# documents included, on one thread -- and with jq computing the same
# summary fields).
#
#   sh bench/load-bench.sh [TRACES] [RUNS]      (defaults: 100000 3)
#
# Needs a built xrtop in _build/ (or $XRTOP), python3, gcc, jq, GNU time.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
traces=${1:-100000}
runs=${2:-3}
xrtop=${XRTOP:-$top/_build/src/xrtop}
out=$top/bench/out
mkdir -p "$out"
big=$out/big-$traces.json
[ -s "$big" ] || /usr/bin/python3 "$top/data/gen-demo.py" --traces "$traces" --out "$big"
gcc -O2 -o "$out/cjson_floor" "$top/bench/cjson_floor.c" -lcjson
bytes=$(stat -c %s "$big")

# Runs a command $runs times; prints the median seconds and the largest
# peak RSS (KB).
measure() {
	name=$1
	shift
	: >"$out/times"
	i=0
	while [ "$i" -lt "$runs" ]; do
		/usr/bin/time -f "%e %M" -o "$out/one" "$@" >/dev/null 2>"$out/stderr" ||
			{ echo "$name failed:"; cat "$out/stderr"; exit 1; }
		cat "$out/one" >>"$out/times"
		i=$((i + 1))
	done
	sort -n "$out/times" | awk -v n="$runs" -v name="$name" -v bytes="$bytes" '
		{ t[NR] = $1; if ($2 > rss) rss = $2 }
		END { med = t[int((n + 1) / 2)];
		      printf "%-34s %8.2f s %9.1f MB/s %9.0f MB peak RSS %5.2fx input\n",
		             name, med, bytes / 1e6 / med, rss / 1024, rss * 1024 / bytes }'
}

echo "input: $big ($bytes bytes, $traces traces)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: $runs (median time, largest RSS)"
measure "xrtop -b -o ndjson --load" "$xrtop" -b -o ndjson --load "$big"
measure "floor: cJSON alone, 1 thread" "$out/cjson_floor" "$big"
measure "jq: same summary fields" jq -c -f "$top/bench/summaries.jq" "$big"
