#!/bin/sh
# run-all.sh: runs libFuzzer targets one after another (never two at once),
# each on a copy of its seed corpus, and prints one summary line per target.
#
#   tests/fuzz/run-all.sh [-t SECONDS] BUILDDIR OUTDIR [NAME...]
#
# BUILDDIR is a build configured with --enable-fuzzing CC=clang in which
# tests/fuzz/fuzz_NAME has been built; NAME defaults to every target.  Each
# run writes OUTDIR/NAME.log (libFuzzer's output), grows
# OUTDIR/corpus-NAME (seeded from tests/fuzz/corpus-NAME), leaves any
# crash-/leak-/timeout-/oom- reproducer as OUTDIR/NAME-crash-... and appends
# a line to OUTDIR/summary.  A lock on OUTDIR/lock keeps a second
# invocation waiting until the first is done.
set -u
secs=620
if [ "${1:-}" = -t ]; then
	secs=$2
	shift 2
fi
if [ $# -lt 2 ]; then
	echo "usage: $0 [-t SECONDS] BUILDDIR OUTDIR [NAME...]" >&2
	exit 2
fi
build=$(cd "$1" && pwd) || exit 2
mkdir -p "$2" || exit 2
out=$(cd "$2" && pwd) || exit 2
shift 2
srcdir=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- aws api listen load filter options

exec 9>"$out/lock"
flock 9

for name in "$@"; do
	bin=$build/tests/fuzz/fuzz_$name
	if [ ! -x "$bin" ]; then
		echo "$name: $bin not built" | tee -a "$out/summary" >&2
		continue
	fi
	corpus=$out/corpus-$name
	mkdir -p "$corpus"
	cp -n "$srcdir/corpus-$name"/* "$corpus"/ 2>/dev/null
	dict=
	[ -f "$srcdir/$name.dict" ] && dict=-dict=$srcdir/$name.dict
	log=$out/$name.log
	start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	t0=$(date +%s)
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$name-" $dict \
		"$corpus" >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p')
	arts=$(ls "$out" | grep -E "^$name-(crash|leak|timeout|oom|slow-unit)-" | tr '\n' ' ')
	result=ok
	[ "$rc" -eq 0 ] || result="FAILED rc=$rc"
	[ -z "$arts" ] || result="$result artifacts: $arts"
	printf '%s start=%s secs=%s execs=%s exec/s=%s cov=%s ft=%s corp=%s result=%s\n' \
		"$name" "$start" "$((t1 - t0))" "${execs:-?}" "${rate:-?}" \
		"${cov:-?}" "${ft:-?}" "${corp:-?}" "$result" | tee -a "$out/summary"
done
