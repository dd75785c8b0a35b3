#!/bin/sh
# TAP test: po/ko.po translates every message of the sources.  The messages
# are extracted afresh (xgettext with po/Makevars' options over
# po/POTFILES.in) and merged into a temporary copy of ko.po; msgfmt must
# then count 0 untranslated and 0 fuzzy.  A new _("...") without its Korean
# fails here.  Every C file of src/ must be listed in POTFILES.in.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xrtop-po.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

n=0
failed=0
check() { # check DESCRIPTION COMMAND...
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

for tool in xgettext msgmerge msgfmt; do
	check "$tool is installed (Debian's gettext)" sh -c "command -v $tool >/dev/null"
done

cd "$top_srcdir" || exit 1
grep -v '^#' po/POTFILES.in | sed '/^$/d' | LC_ALL=C sort >"$tmp/listed"
find src -name '*.c' | LC_ALL=C sort >"$tmp/sources"
check "every C file of src/ is in po/POTFILES.in" cmp -s "$tmp/listed" "$tmp/sources"
diff "$tmp/listed" "$tmp/sources" | sed "s/^/# /"

opts=$(sed -n 's/^XGETTEXT_OPTIONS *= *//p' po/Makevars)
# shellcheck disable=SC2086
check "xgettext extracts the messages" \
	xgettext $opts --language=C --files-from="$tmp/listed" -o "$tmp/xrtop.pot"
check "there are messages (more than 400)" \
	sh -c "test \$(grep -c '^msgid ' '$tmp/xrtop.pot') -gt 400"
check "msgmerge brings ko.po up to date in a copy" \
	msgmerge --quiet -o "$tmp/ko.po" po/ko.po "$tmp/xrtop.pot"
stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$tmp/ko.po" 2>&1)
echo "# $stats"
check "msgfmt --check accepts the merged ko.po" \
	env LC_ALL=C msgfmt --check -o /dev/null "$tmp/ko.po"
check "no message is untranslated" sh -c "! echo '$stats' | grep -q untranslated"
check "no translation is fuzzy" sh -c "! echo '$stats' | grep -q fuzzy"
check "ko.po itself is complete (0 fuzzy, 0 untranslated)" \
	sh -c "LC_ALL=C msgfmt --check --statistics -o /dev/null po/ko.po 2>&1 | grep -qv 'fuzzy\|untranslated'"
check "Korean has one plural form" grep -q '"Plural-Forms: nplurals=1; plural=0;\\n"' po/ko.po
# msgmerge leaves obsolete (#~) entries for messages the sources dropped
# (make dist runs it, so the tarball would have them)
check "no obsolete messages in ko.po" sh -c "! grep -q '^#~' po/ko.po"
check "no message of ko.po that the sources dropped" sh -c "! grep -q '^#~' '$tmp/ko.po'"

echo "1..$n"
[ "$failed" = 0 ]
