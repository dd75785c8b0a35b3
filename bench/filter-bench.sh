#!/bin/sh
# filter-bench.sh: evaluations per second of compiled filter expressions
# (bench/filter_bench), and jq's select() doing the same selections over the
# same data written as NDJSON.  jq parses every line as it goes, while
# filter_bench measures evaluation over data already loaded: the jq figures
# are what "grep the JSON" costs, not a like-for-like evaluator comparison.
#
# Usage: bench/filter-bench.sh [FILTER_BENCH [SUMMARIES [TRACES]]]
# Data goes to $BENCH_OUT (default bench/out).
set -eu
bin=${1:-./bench/filter_bench}
n=${2:-1000000}
t=${3:-100000}
out=${BENCH_OUT:-bench/out}
mkdir -p "$out"

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "command: $0 $bin $n $t"
"$bin" -n "$n" -t "$t" -o "$out"

if ! command -v jq >/dev/null 2>&1; then
	echo "jq not found: skipping the jq comparison"
	exit 0
fi
echo "$(jq --version), one process, same data as NDJSON:"

# run LABEL FILE JQ-PROGRAM: prints lines/s and the number selected.
run() {
	lines=$(wc -l <"$2")
	start=$(date +%s.%N)
	selected=$(LC_ALL=C.UTF-8 jq -c "$3" "$2" | wc -l)
	end=$(date +%s.%N)
	awk -v l="$1" -v n="$lines" -v s="$selected" -v a="$start" -v b="$end" 'BEGIN {
		printf "jq %-45s %9d items %8d matches %6.2f M items/s (%.2f s)\n", l, n, s, n / (b - a) / 1e6, b - a }'
}
run 'annotation.restaurantName = "강남 맛집"' "$out/summaries.ndjson" \
	'select(any(.Annotations.restaurantName[]?; .AnnotationValue.StringValue == "강남 맛집"))'
run 'responsetime > 1 AND http.method = "POST"' "$out/summaries.ndjson" \
	'select(.ResponseTime > 1 and .Http.HttpMethod == "POST")'
run 'service("Reservations") { fault }' "$out/traces.ndjson" \
	'select(any(.Segments[].Document | fromjson | .. | objects
	            | select(.namespace? == "aws" and .aws.table_name? == "Reservations"); .fault == true))'
