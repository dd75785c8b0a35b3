#!/bin/sh
# X-Ray API benchmark: xrtop against the X-Ray emulator (127.0.0.1 only)
# with a fixed reply latency, side by side with the AWS SDK for Python and
# the AWS CLI used the way a person would script them.
#
#   (a) every full trace of a window: xrtop --save, vs a one-process boto3
#       script (page summaries, then batch_get_traces 5 ids at a time), vs
#       `aws xray get-trace-summaries` then `aws xray batch-get-traces` 5 ids
#       at a time in a shell loop;
#   (b) listing the window's summaries: xrtop -b -o ndjson vs
#       `aws xray get-trace-summaries`.
#
# For each: median wall time, requests the emulator received, peak RSS,
# and for xrtop the latency floor (requests / concurrency x latency).
#
#   sh bench/api-bench.sh [TRACES] [RUNS]     (defaults: 2000 3)
#   LATENCY=0.05 SKIP_CLI_TRACES=1 ...        (the CLI loop takes minutes)
#   XRTOP_BEFORE=/path/to/old/xrtop ...       also measure an older build, run
#                                             right after xrtop each time
#   SKIP_OTHERS=1 ...                         only xrtop (and XRTOP_BEFORE)
#
# Needs a built xrtop in _build/ (or $XRTOP), Debian's /usr/bin/python3 with
# python3-botocore and python3-boto3, Debian's /usr/bin/aws, GNU time.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
traces=${1:-2000}
runs=${2:-3}
latency=${LATENCY:-0.05}
xrtop=${XRTOP:-$top/_build/src/xrtop}
python=${TEST_PYTHON:-/usr/bin/python3}
aws=${TEST_AWS:-/usr/bin/aws}
concurrency=32 # FETCH_DEFAULT_CONCURRENCY in src/source/fetch.h
out=$top/bench/out
mkdir -p "$out"
data=$out/api-$traces.json
[ -s "$data" ] || "$python" "$top/data/gen-demo.py" --traces "$traces" \
	--start 2026-11-20T10:00:00Z --span 3600 --out "$data"
start=1795168800 # 2026-11-20T10:00:00Z
end=$((start + 3600))

# Only the emulator may be talked to: no machine configuration, no IMDS.
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret-key
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
export NO_PROXY='*' no_proxy='*'
unset AWS_PROFILE AWS_SESSION_TOKEN HTTP_PROXY HTTPS_PROXY http_proxy https_proxy 2>/dev/null || true

rm -f "$out/port"
"$python" "$top/tests/emulator/xray_emulator.py" --data "$data" --latency "$latency" \
	--credentials AKIDBENCH:bench-secret-key --port-file "$out/port" \
	--max-lifetime 7200 >"$out/emulator.out" 2>"$out/emulator.err" &
emulator=$!
trap 'kill $emulator 2>/dev/null || true' EXIT INT TERM
i=0
while [ ! -s "$out/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$out/port")
url=http://127.0.0.1:$port

control() { # METHOD PATH -> JSON
	"$python" -c 'import sys, urllib.request as u
r = u.Request(sys.argv[1] + sys.argv[2], method=sys.argv[3])
print(u.urlopen(r).read().decode())' "$url" "$2" "$1"
}
requests() { control GET /__emulator/stats | "$python" -c 'import json, sys
print(json.load(sys.stdin)["requests_total"])'; }

# measure NAME COUNT-CHECK CMD...: runs CMD $runs times; prints the median
# time, requests per run, largest peak RSS; COUNT-CHECK is a command that
# must succeed on the run's output ($out/result).
measure() {
	name=$1
	check=$2
	shift 2
	: >"$out/times"
	n=0
	while [ "$n" -lt "$runs" ]; do
		control DELETE /__emulator/stats >/dev/null
		/usr/bin/time -f "%e %M" -o "$out/one" "$@" >"$out/result" 2>"$out/stderr" ||
			{ echo "$name failed:"; tail -5 "$out/stderr"; exit 1; }
		sh -c "$check" || { echo "$name: wrong result"; exit 1; }
		echo "$(cat "$out/one") $(requests)" >>"$out/times"
		n=$((n + 1))
	done
	sort -n "$out/times" | awk -v n="$runs" -v name="$name" -v lat="$latency" -v c="$concurrency" '
		{ t[NR] = $1; if ($2 > rss) rss = $2; req = $3 }
		END { med = t[int((n + 1) / 2)];
		      printf "%-44s %8.2f s %6d requests %7.1f MB peak RSS", name, med, req, rss / 1024;
		      if (name ~ /^xrtop/) printf "   floor %.2f s (%.2fx)", req / c * lat, med / (req / c * lat);
		      printf "\n" }' | tee -a "$out/summary"
}

: >"$out/summary"
# Warm-up, not measured: the emulator caches what it encodes, so the first
# client to run would otherwise pay for it.
"$xrtop" -b -o ndjson --endpoint-url "$url" --region us-east-1 --start "$start" --end "$end" \
	--save "$out/warmup.json" >/dev/null 2>&1 || { echo "warm-up run failed"; exit 1; }
echo "data: $data ($traces traces over 1 h), emulator latency ${latency}s, $runs runs (median)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "xrtop: $("$xrtop" --version), concurrency $concurrency; $("$aws" --version 2>&1 | cut -d' ' -f1-2); boto3 $("$python" -c 'import boto3; print(boto3.__version__)')"
echo
echo "(a) every full trace of the window"
measure "xrtop --save" \
	"$python -c 'import json; assert len(json.load(open(\"$out/xrtop.json\"))[\"Traces\"]) == $traces'" \
	"$xrtop" -b -o ndjson --endpoint-url "$url" --region us-east-1 \
	--start "$start" --end "$end" --save "$out/xrtop.json"
[ -z "${XRTOP_BEFORE:-}" ] || measure "xrtop --save (XRTOP_BEFORE)" \
	"$python -c 'import json; assert len(json.load(open(\"$out/xrtop.json\"))[\"Traces\"]) == $traces'" \
	"$XRTOP_BEFORE" -b -o ndjson --endpoint-url "$url" --region us-east-1 \
	--start "$start" --end "$end" --save "$out/xrtop.json"
[ -n "${SKIP_OTHERS:-}" ] || measure "boto3: paginate, batch_get_traces x5" \
	"$python -c 'import json; assert len(json.load(open(\"$out/boto3.json\"))[\"Traces\"]) == $traces'" \
	"$python" "$top/bench/api_boto3.py" "$url" "$start" "$end" "$out/boto3.json"
if [ -z "${SKIP_CLI_TRACES:-}" ] && [ -z "${SKIP_OTHERS:-}" ]; then
	cat >"$out/cli-traces.sh" <<EOS
set -eu
set -- \$("$aws" xray get-trace-summaries --start-time $start --end-time $end \
	--endpoint-url "$url" --query 'TraceSummaries[].Id' --output text)
: >"$out/cli-traces.json"
while [ \$# -gt 0 ]; do
	batch=
	k=0
	while [ \$# -gt 0 ] && [ \$k -lt 5 ]; do batch="\$batch \$1"; shift; k=\$((k + 1)); done
	"$aws" xray batch-get-traces --trace-ids \$batch --endpoint-url "$url" \
		--output json >>"$out/cli-traces.json"
done
EOS
	measure "aws CLI: get-trace-summaries, batch-get-traces x5" \
		"test \$(grep -c '\"Id\": \"1-' $out/cli-traces.json) -ge $traces" \
		sh "$out/cli-traces.sh"
fi
echo
echo "(b) listing the window's summaries"
measure "xrtop -b -o ndjson" "test \$(wc -l <$out/result) -eq $traces" \
	"$xrtop" -b -o ndjson --endpoint-url "$url" --region us-east-1 --start "$start" --end "$end"
[ -z "${XRTOP_BEFORE:-}" ] || measure "xrtop -b -o ndjson (XRTOP_BEFORE)" \
	"test \$(wc -l <$out/result) -eq $traces" \
	"$XRTOP_BEFORE" -b -o ndjson --endpoint-url "$url" --region us-east-1 --start "$start" --end "$end"
[ -n "${SKIP_OTHERS:-}" ] || measure "aws xray get-trace-summaries" \
	"$python -c 'import json; assert len(json.load(open(\"$out/result\"))[\"TraceSummaries\"]) == $traces'" \
	"$aws" xray get-trace-summaries --start-time "$start" --end-time "$end" \
	--endpoint-url "$url" --output json
[ -n "${SKIP_OTHERS:-}" ] || measure "boto3: paginate get_trace_summaries" \
	"$python -c 'import json; assert json.load(open(\"$out/boto3.json\"))[\"Ids\"] == $traces'" \
	"$python" "$top/bench/api_boto3.py" "$url" "$start" "$end" "$out/boto3.json" --summaries-only
