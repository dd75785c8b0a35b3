#!/bin/sh
# TAP test: the real AWS CLI against the X-Ray emulator.
#
# Runs `aws xray ...` (from $TEST_AWS, else /usr/bin/aws = Debian's awscli,
# else aws in PATH, looked for now: configure may have run before awscli
# was installed)
# with --endpoint-url pointing at the emulator, checks what it prints, and
# checks in the emulator's request log that every request the CLI sent had a
# valid SigV4 signature, so the emulator cannot drift from what real clients
# send.  Python helpers run with $TEST_PYTHON (default /usr/bin/python3).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
if [ -z "${TEST_AWS:-}" ] || [ "$TEST_AWS" = aws ]; then
	# looked for now, not when configure ran: Debian's awscli first
	if [ -x /usr/bin/aws ]; then
		TEST_AWS=/usr/bin/aws
	else
		TEST_AWS=$(command -v aws 2>/dev/null || echo aws)
	fi
fi
case $TEST_AWS in
*/*) ;;
*) TEST_AWS=$(command -v "$TEST_AWS" 2>/dev/null || echo "$TEST_AWS") ;;
esac
TEST_PYTHON=${TEST_PYTHON:-/usr/bin/python3}
EMULATOR=$top_srcdir/tests/emulator/xray_emulator.py
FIXTURE=$top_srcdir/tests/data/emulator-traces.json
START=1795168800            # the fixture's hour, 2026-11-20T10:00:00Z
END=$((START + 3600))

if [ ! -x "$TEST_AWS" ]; then
	echo "Bail out! no AWS CLI: '$TEST_AWS' is not an executable file nor in PATH ($PATH);" \
		"apt-get install awscli"
	exit 1
fi

echo "1..23"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xray-awscli.XXXXXX") || exit 1
emu_pid=
cleanup() {
	if [ -n "$emu_pid" ]; then
		kill "$emu_pid" 2>/dev/null
		wait "$emu_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

n=0
failed=0
ok() {		# ok DESCRIPTION -- after a successful check
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {	# not_ok DESCRIPTION DIAGNOSTIC-FILE...
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for f in "$@"; do
		[ -f "$f" ] && sed 's/^/# /' "$f" | head -n 30
	done
}
check() {	# check DESCRIPTION COMMAND... -- ok when COMMAND succeeds
	desc=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc" "$tmp/check.out" "$tmp/out.json" "$tmp/err.txt"
	fi
}
rc_and_grep() {	# rc_and_grep RC WANT PATTERN -- RC is WANT and err.txt has PATTERN
	[ "$1" -eq "$2" ] && grep -q "$3" "$tmp/err.txt"
}
py() {		# py 'EXPRESSION' FILE -- evaluate with d = the file's JSON
	"$TEST_PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[2], encoding="utf-8"))
r = eval(sys.argv[1])
print(r)
sys.exit(0 if r else 1)' "$@"
}

# A clean, local-only environment for the CLI.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_REGION \
	AWS_ENDPOINT_URL AWS_CA_BUNDLE AWS_CONTAINER_CREDENTIALS_FULL_URI \
	AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN \
	AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE HTTP_PROXY HTTPS_PROXY http_proxy https_proxy
AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
AWS_EC2_METADATA_DISABLED=true AWS_PAGER='' AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=1
AWS_ACCESS_KEY_ID=AKIDAWSCLITEST AWS_SECRET_ACCESS_KEY=awscli-test-secret
HOME=$tmp NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
export AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_EC2_METADATA_DISABLED AWS_PAGER \
	AWS_RETRY_MODE AWS_MAX_ATTEMPTS AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY HOME \
	NO_PROXY no_proxy

# --- start the emulator: 4 summaries and 3 services per page ---------------------
"$TEST_PYTHON" "$EMULATOR" --data "$FIXTURE" --page-size 4 --graph-page-size 3 \
	--credentials AKIDAWSCLITEST:awscli-test-secret \
	--credentials ASIAAWSCLITEMP:temp-secret:temp-session-token \
	--port-file "$tmp/port" --log "$tmp/requests.jsonl" --max-lifetime 600 \
	>"$tmp/emulator.out" 2>"$tmp/emulator.err" &
emu_pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ] && kill -0 "$emu_pid" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if [ -s "$tmp/port" ]; then
	port=$(cat "$tmp/port")
	ok "emulator started on 127.0.0.1:$port"
else
	not_ok "emulator started" "$tmp/emulator.err"
	echo "Bail out! no emulator"
	exit 1
fi
base=http://127.0.0.1:$port

xray() {	# xray SUBCOMMAND ARGS... -- output in out.json, stderr in err.txt
	"$TEST_AWS" --endpoint-url "$base" --region us-east-1 --output json \
		xray "$@" >"$tmp/out.json" 2>"$tmp/err.txt"
}
control() {	# control METHOD PATH [JSON] -- the emulator's control API
	"$TEST_PYTHON" - "$base" "$@" <<-'EOF'
	import sys, urllib.request
	base, method, path = sys.argv[1:4]
	data = sys.argv[4].encode() if len(sys.argv) > 4 else None
	req = urllib.request.Request(base + path, data=data, method=method)
	sys.stdout.write(urllib.request.urlopen(req, timeout=10).read().decode())
	EOF
}

# --- get-trace-summaries ------------------------------------------------------------
xray get-trace-summaries --start-time $START --end-time $END
check "get-trace-summaries follows 8 pages of 4: 30 unique ids" \
	py 'len({s["Id"] for s in d["TraceSummaries"]}) == len(d["TraceSummaries"]) == 30 and "NextToken" not in d' "$tmp/out.json"
check "TracesProcessedCount from the first page is 30" \
	py 'd["TracesProcessedCount"] == 30' "$tmp/out.json"
check "the emulator saw 8 GetTraceSummaries requests, the last 7 with NextToken" \
	py 'len([e for e in d if e["path"] == "/TraceSummaries"]) == 8 and sum("NextToken" in e["body"] for e in d) == 7' \
	"$(control GET /__emulator/requests >"$tmp/log.json"; echo "$tmp/log.json")"

xray get-trace-summaries --start-time 2026-11-20T10:00:00Z --end-time 2026-11-20T11:00:00Z \
	--max-items 6
cp "$tmp/out.json" "$tmp/first6.json"
check "--max-items 6 prints 6 summaries and a CLI NextToken" \
	py 'len(d["TraceSummaries"]) == 6 and d["NextToken"]' "$tmp/first6.json"
token=$("$TEST_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["NextToken"])' "$tmp/first6.json")
xray get-trace-summaries --start-time $START --end-time $END --starting-token "$token"
check "--starting-token resumes mid-page: 24 more, none repeated" \
	py 'len(d["TraceSummaries"]) == 24 and not ({s["Id"] for s in d["TraceSummaries"]} & {s["Id"] for s in json.load(open("'"$tmp/first6.json"'"))["TraceSummaries"]})' "$tmp/out.json"

xray get-trace-summaries --start-time $START --end-time $END \
	--filter-expression 'annotation.restaurantName = "강남 맛집"'
check "UTF-8 filter annotation.restaurantName = \"강남 맛집\" finds 3 traces" \
	py 'len(d["TraceSummaries"]) == 3 and all(s["Annotations"]["restaurantName"][0]["AnnotationValue"]["StringValue"] == "강남 맛집" for s in d["TraceSummaries"])' "$tmp/out.json"

xray get-trace-summaries --start-time $START --end-time $END --time-range-type Event \
	--filter-expression 'service("Reservations") { throttle } OR http.status = 429'
check "Event range + service() filter finds 4 traces" \
	py 'len(d["TraceSummaries"]) == 4' "$tmp/out.json"

if xray get-trace-summaries --start-time $START --end-time $END --filter-expression 'user = alice'; then
	not_ok "a bad filter fails" "$tmp/out.json"
else
	rc=$?
	check "a bad filter exits 254 with InvalidRequestException and the column" \
		rc_and_grep "$rc" 254 "InvalidRequestException.*column 8"
fi

# --- batch-get-traces ---------------------------------------------------------------
ids=$("$TEST_PYTHON" -c 'import json,sys; print(" ".join(s["Id"] for s in json.load(open(sys.argv[1]))["TraceSummaries"]))' "$tmp/first6.json")
# shellcheck disable=SC2086 # split the ids into $1..$6
set -- $ids
xray batch-get-traces --trace-ids "$1" "$2" "$3" "$4" "$5"
check "batch-get-traces returns the 5 requested traces with parseable documents" \
	py 'len(d["Traces"]) == 5 and all(json.loads(s["Document"])["trace_id"] == t["Id"] for t in d["Traces"] for s in t["Segments"])' "$tmp/out.json"
xray batch-get-traces --trace-ids "$1" 1-6b000000-000000000000000000000000
check "an unknown id comes back in UnprocessedTraceIds" \
	py 'd["UnprocessedTraceIds"] == ["1-6b000000-000000000000000000000000"] and len(d["Traces"]) == 1' "$tmp/out.json"
if xray batch-get-traces --trace-ids "$1" "$2" "$3" "$4" "$5" "$6"; then
	not_ok "6 trace ids are refused" "$tmp/out.json"
else
	check "6 trace ids: the CLI sends them, the emulator answers 'Exceeding maximum query size: 5'" \
		grep -q "InvalidRequestException.*Exceeding maximum query size: 5" "$tmp/err.txt"
fi

# --- get-service-graph, get-trace-graph, get-groups ------------------------------------
xray get-service-graph --start-time $START --end-time $END
check "get-service-graph follows 3 pages: 7 services with the QuickTable nodes" \
	py 'len(d["Services"]) == 7 and {"client", "AWS::ApiGateway::Stage", "AWS::Lambda", "AWS::Lambda::Function", "AWS::DynamoDB::Table"} == {s["Type"] for s in d["Services"]}' "$tmp/out.json"
check "service graph edges: API Gateway -> 2 Lambdas, DynamoDB has 26 calls" \
	py 'sorted(len(s["Edges"]) for s in d["Services"] if s["Type"] == "AWS::ApiGateway::Stage") == [2] and [s["SummaryStatistics"]["TotalCount"] for s in d["Services"] if s["Name"] == "Reservations"] == [26]' "$tmp/out.json"
xray get-trace-graph --trace-ids "$1" "$2"
check "get-trace-graph returns the services of two traces" \
	py 'len(d["Services"]) >= 4' "$tmp/out.json"
xray get-groups
check "get-groups lists the Default group" \
	py '[g["GroupName"] for g in d["Groups"]] == ["Default"]' "$tmp/out.json"

# --- temporary credentials, retries ---------------------------------------------------------
AWS_ACCESS_KEY_ID=ASIAAWSCLITEMP AWS_SECRET_ACCESS_KEY=temp-secret \
	AWS_SESSION_TOKEN=temp-session-token xray get-groups
check "AWS_SESSION_TOKEN: the request is accepted" \
	py 'd["Groups"][0]["GroupName"] == "Default"' "$tmp/out.json"

control DELETE /__emulator/stats >/dev/null
control POST /__emulator/faults '[{"path": "/Groups", "kind": "throttle429", "count": 2}]' >/dev/null
AWS_MAX_ATTEMPTS=3 xray get-groups
rc=$?
control GET /__emulator/stats >"$tmp/stats.json"
check "two 429 ThrottledException replies are retried by the CLI (3 attempts, rc 0)" \
	py "$rc == 0 and d['requests_by_path']['/Groups'] == 3" "$tmp/stats.json"
control DELETE /__emulator/faults >/dev/null

# --- the request log: every request the CLI sent had a valid signature ---------------------
control GET /__emulator/requests >"$tmp/log.json"
check "every request in the emulator's log verified 'valid' (botocore recomputation)" \
	py 'len(d) > 20 and all(e["signature"]["result"] == "valid" for e in d)' "$tmp/log.json"
check "the CLI signs content-type;host;x-amz-date, plus x-amz-security-token with a session token" \
	py 'all("SignedHeaders=content-type;host;x-amz-date" in dict(e["headers"])["Authorization"] for e in d) and any("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, " in dict(e["headers"])["Authorization"] for e in d)' "$tmp/log.json"
check "the CLI sends epoch times as integers and an aws-cli/ User-Agent" \
	py 'all(isinstance(json.loads(e["body"]).get("StartTime", 0), int) for e in d) and all(dict(e["headers"])["User-Agent"].startswith("aws-cli/") for e in d)' "$tmp/log.json"

# --- a wrong secret is refused --------------------------------------------------------------
if AWS_SECRET_ACCESS_KEY=wrong-secret xray get-groups; then
	not_ok "a wrong secret is refused" "$tmp/out.json"
else
	rc=$?
	control GET /__emulator/requests >"$tmp/log.json"
	check "a wrong secret: rc 254, InvalidSignatureException, logged as invalid" \
		py "$rc == 254 and d[-1]['signature']['result'] == 'invalid' and d[-1]['status'] == 403" \
		"$tmp/log.json"
	check "the CLI printed InvalidSignatureException" \
		rc_and_grep "$rc" 254 "InvalidSignatureException"
fi

[ "$n" -eq 23 ] || echo "# planned 23 tests, ran $n"
[ "$failed" -eq 0 ]
