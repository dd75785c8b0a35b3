#!/bin/sh
# cli_filter_test.sh: --check-filter and --filter as a user meets them (TAP).
# Needs $XRTOP and $top_srcdir (set by make check).
XRTOP=${XRTOP:-./src/xrtop}
top_srcdir=${top_srcdir:-.}
export LC_ALL=C.UTF-8
n=0
failed=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

ok() { # ok CONDITION-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
		sed 's/^/#   stdout: /' "$out"
		sed 's/^/#   stderr: /' "$err"
	fi
}

"$XRTOP" --check-filter 'ok !partial duration <3' >"$out" 2>"$err"
rc=$?
[ $rc -eq 0 ] && [ "$(cat "$out")" = 'ok AND !partial AND duration < 3' ] && [ ! -s "$err" ]
ok $? "--check-filter prints the normalised expression and exits 0"

"$XRTOP" --check-filter 'annotation.restaurantName = "강남 맛집" AND user = alice' >"$out" 2>"$err"
rc=$?
expected=$(printf '%s\n' \
	"xrtop: --check-filter: column 48: expected a quoted string after '='" \
	'  annotation.restaurantName = "강남 맛집" AND user = alice' \
	'                                                     ^' \
	'hint: did you mean "alice"?')
[ $rc -eq 2 ] && [ ! -s "$out" ] && [ "$(cat "$err")" = "$expected" ]
ok $? "--check-filter reports column, caret (after CJK text) and hint on stderr, exit 2"

"$XRTOP" -U --check-filter 'user = "맛" AND x' >"$out" 2>"$err"
rc=$?
expected=$(printf '%s\n' "xrtop: --check-filter: column 16: unknown keyword 'x'" \
	'  user = "\uB9DB" AND x' '                      ^' \
	'hint: an annotation is written annotation.x')
[ $rc -eq 2 ] && [ "$(cat "$err")" = "$expected" ]
ok $? "--check-filter with -U escapes non-ASCII and keeps the caret aligned"

"$XRTOP" -b --demo --filter 'responstime > 1' >"$out" 2>"$err"
rc=$?
[ $rc -eq 2 ] && [ ! -s "$out" ] && grep -q "did you mean 'responsetime'" "$err"
ok $? "--filter with an error prints nothing else and exits 2"

# 74 = jq -r 'def segs: ., (.subsegments[]? | segs); .Traces[]
#   | select(any(.Segments[].Document | fromjson | segs | .annotations.restaurantName?;
#                . == "강남 맛집")) | .Id' data/demo.json | wc -l
"$XRTOP" -b --demo -o ndjson --filter 'annotation.restaurantName = "강남 맛집"' >"$out" 2>"$err"
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <"$out")" -eq 74 ]
ok $? "-b --demo --filter 'annotation.restaurantName = \"강남 맛집\"' lists 74 traces"

# The six traces whose DynamoDB table Reservations faulted (see cases.txt).
"$XRTOP" -b --demo -o ndjson --filter 'service("Reservations") { fault }' >"$out" 2>"$err"
rc=$?
ids=$(sed -n 's/.*"Id":"1-[0-9a-f]*-[0-9a-f]*\([0-9a-f]\{8\}\)".*/\1/p' "$out" | sort | tr '\n' ' ')
[ $rc -eq 0 ] && [ "$ids" = "80682ac7 822a18c9 87cb3082 88085528 a94b231e f4f32d77 " ]
ok $? "-b --demo --filter 'service(\"Reservations\") { fault }' lists the six faulted traces"

"$XRTOP" -b --load "$top_srcdir/tests/filter/fixtures/summaries.json" --filter 'service("Reservations") { fault }' >"$out" 2>"$err"
rc=$?
[ $rc -eq 0 ] && grep -q "3 traces left out: the filter needs their full traces" "$err"
ok $? "--filter over summaries alone says how many traces it could not decide"

echo "1..$n"
exit $failed
