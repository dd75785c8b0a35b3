#!/bin/sh
# Runs the whole xrtop test suite and prints "N passed, N failed" last.
#
#   sh tests/run-suite.sh             build in _build, run make check
#   sh tests/run-suite.sh --sanitize  the same in _build-san with ASan+UBSan
#
# As root on Debian it first installs what the build and the tests need,
# and generates the ko_KR.UTF-8 locale for the Korean tests.
# Exits non-zero when anything fails.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=_build
flags=""
if [ "${1:-}" = "--sanitize" ]; then
	build=_build-san
	flags="--enable-asan --enable-ubsan"
fi

packages="build-essential autoconf automake pkg-config autopoint gettext libncurses-dev
	libcurl4-openssl-dev libcjson-dev libpcre2-dev libexpat1-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev libssl-dev python3 python3-botocore python3-boto3 awscli tmux jq locales"
# Node.js and npm (the real X-Ray and OpenTelemetry clients of the --listen
# tests), from Debian unless some other Node.js is installed already.
command -v node >/dev/null || packages="$packages nodejs"
command -v npm >/dev/null || packages="$packages npm"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	missing=""
	for p in $packages; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq $missing >/dev/null
	fi
	# The Korean tests run under LANG=ko_KR.UTF-8.
	if ! locale -a 2>/dev/null | grep -qi '^ko_KR\.utf-\?8$'; then
		grep -q '^ko_KR.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null ||
			echo 'ko_KR.UTF-8 UTF-8' >>/etc/locale.gen
		locale-gen ko_KR.UTF-8 >/dev/null
	fi
fi

cd "$top"
{ [ -x configure ] && [ -f po/Makefile.in.in ]; } || autoreconf -fi
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || ../configure --enable-werror $flags >configure.out ||
	{ cat configure.out; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
make -j"$jobs" >make.out 2>&1 || { cat make.out; exit 1; }
status=0
make -j"$jobs" check >check.out 2>&1 || status=$?

# Count test points (TAP lines) from every test log.
passed=$(grep -h '^# PASS:' test-suite.log 2>/dev/null | awk '{s += $3} END {print s + 0}')
failed=$(grep -h -E '^# (FAIL|ERROR|XPASS):' test-suite.log 2>/dev/null | awk '{s += $3} END {print s + 0}')
if [ "$status" != 0 ] || [ "$failed" != 0 ]; then
	grep -E '^(FAIL|ERROR|XPASS)' check.out || tail -n 40 check.out
	[ -f test-suite.log ] && sed -n '/^FAIL\|^ERROR/,+30p' test-suite.log | head -n 200
	[ "$failed" != 0 ] || failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
