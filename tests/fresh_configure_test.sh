#!/bin/sh
# TAP test: the README's two commands in order on a fresh machine.  The
# first runs configure before the test tools are installed; the second
# installs them and runs the suite in that same build.  Simulated here:
# configure runs with a PATH that has no `aws` (every other program of
# PATH is still there), and the AWS CLI test, run the way `make check`
# runs it from that build, must then find aws in the real PATH.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xrtop-fresh.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

n=0
failed=0
check() { # check DESCRIPTION COMMAND...: ok when COMMAND succeeds
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
	fi
}

check "the AWS CLI is installed here (the suite installs it)" \
	sh -c 'test -x /usr/bin/aws || command -v aws >/dev/null'

# A PATH without aws: a directory of links to every other program.
mkdir "$tmp/bin" "$tmp/build"
old_ifs=$IFS
IFS=:
for dir in $PATH; do
	[ -d "$dir" ] || continue
	for prog in "$dir"/*; do
		name=${prog##*/}
		[ "$name" = aws ] && continue
		[ -e "$tmp/bin/$name" ] || ln -s "$prog" "$tmp/bin/$name" 2>/dev/null
	done
done
IFS=$old_ifs
check "the stripped PATH has no aws" sh -c "PATH='$tmp/bin'; ! command -v aws >/dev/null"

(cd "$tmp/build" && env -u TEST_AWS -u TEST_PYTHON PATH="$tmp/bin" \
	"$top_srcdir/configure" >configure.out 2>&1)
check "configure runs without the AWS CLI" test -f "$tmp/build/Makefile"
recorded=$(sed -n 's/^TEST_AWS = *//p' "$tmp/build/Makefile")
check "... and records no AWS CLI (it once recorded 'aws', then not found as a path)" \
	test -z "$recorded"
check "... and says the tests look for it when they run" \
	grep -q "for the AWS CLI the tests use... looked for when the tests run" \
	"$tmp/build/configure.out"

# The test as make check runs it from that build: TEST_AWS as recorded.
env TEST_AWS="$recorded" top_srcdir="$top_srcdir" \
	sh "$top_srcdir/tests/emulator/awscli_test.sh" >"$tmp/awscli.out" 2>&1
status=$?
check "the AWS CLI test finds aws in PATH when it runs (exit $status)" test "$status" = 0
check "... and passes every check" sh -c "! grep -q '^not ok\|Bail out' '$tmp/awscli.out'"
env TEST_AWS=aws top_srcdir="$top_srcdir" \
	sh "$top_srcdir/tests/emulator/awscli_test.sh" >"$tmp/awscli2.out" 2>&1
check "a build configured before this change (TEST_AWS=aws) works too" test $? = 0
env TEST_AWS=/nonexistent/aws top_srcdir="$top_srcdir" \
	sh "$top_srcdir/tests/emulator/awscli_test.sh" >"$tmp/awscli3.out" 2>&1
check "an AWS CLI that is really missing is a failure, named" \
	sh -c "test $? != 0 && grep -q 'Bail out! no AWS CLI' '$tmp/awscli3.out'"

if [ "$failed" != 0 ]; then
	sed 's/^/# /' "$tmp/build/configure.out" | tail -n 20
	sed 's/^/# /' "$tmp/awscli.out" | tail -n 20
fi
echo "1..$n"
[ "$failed" = 0 ]
