#!/bin/sh
# The SELinux module in selinux/ compiles with Debian's selinux-policy-dev, and, when Debian's
# full policy (selinux-policy-default) is installed, links with every module of it with all
# neverallow assertions checked; a module that lets another domain (sysadm_t) write the bind
# files must then be rejected by the neverallow.
# usage: test-selinux-module.sh SELINUX_SOURCE_DIR
set -u
SRC=$1
MK=/usr/share/selinux/devel/Makefile
POL=/usr/share/selinux/default
[ -f $MK ] || { echo "SKIP: selinux-policy-dev not installed"; exit 77; }
TMP=$(mktemp -d /tmp/bindbroker-selinux.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail=0

cp "$SRC"/bindbroker.te "$SRC"/bindbroker.if "$SRC"/bindbroker.fc "$TMP"/
(cd "$TMP" && make -s -f $MK bindbroker.pp >build.log 2>&1) ||
	{ echo "not ok 1 - bindbroker.pp compiles"; cat "$TMP/build.log"; exit 1; }
echo "ok 1 - bindbroker.pp compiles"

if [ ! -f $POL/base.pp.bz2 ]; then
	echo "1..1"
	echo "# selinux-policy-default not installed: neverallow not checked against the base"
	exit 0
fi
mkdir "$TMP/mods"
for f in "$POL"/*.pp.bz2; do bunzip2 -c "$f" >"$TMP/mods/$(basename "$f" .pp.bz2).pp"; done
n=$(ls "$TMP/mods" | wc -l)
# base first, then this module, then every other module of the distribution's policy.
link_expand() { # OUT MODULE...
	out=$1
	shift
	semodule_link -o "$TMP/$out.lnk" "$TMP/mods/base.pp" "$@" >/dev/null 2>"$TMP/$out.log" &&
		semodule_expand "$TMP/$out.lnk" "$TMP/$out.bin" >>"$TMP/$out.log" 2>&1
}
others=$(ls "$TMP"/mods/*.pp | grep -v '/base\.pp$')
# shellcheck disable=SC2086
if link_expand full "$TMP/bindbroker.pp" $others; then
	echo "ok 2 - links and expands with all $n modules of Debian's policy, neverallows checked"
else
	echo "not ok 2 - links with Debian's policy"; cat "$TMP/full.log"; fail=1
fi

# The neverallow bites: another domain granted write on the bind files is refused.
mkdir "$TMP/evil"
cat >"$TMP/evil/evilwriter.te" <<'TE'
policy_module(evilwriter, 1.0.0)
gen_require(`
	type sysadm_t, bindbroker_bind_file_t;
')
allow sysadm_t bindbroker_bind_file_t:file write;
TE
: >"$TMP/evil/evilwriter.if"
: >"$TMP/evil/evilwriter.fc"
(cd "$TMP/evil" && make -s -f $MK evilwriter.pp >build.log 2>&1) ||
	{ echo "not ok 3 - the test module compiles"; cat "$TMP/evil/build.log"; exit 1; }
# shellcheck disable=SC2086
if link_expand evil "$TMP/bindbroker.pp" "$TMP/evil/evilwriter.pp" $others; then
	echo "not ok 3 - a module letting sysadm_t write the bind files is rejected"; fail=1
elif grep -q "neverallow violated by allow sysadm_t bindbroker_bind_file_t:file" "$TMP/evil.log"; then
	echo "ok 3 - a module letting sysadm_t write the bind files is rejected by the neverallow"
else
	echo "not ok 3 - rejected for another reason"; cat "$TMP/evil.log"; fail=1
fi
echo "1..3"
exit $fail
