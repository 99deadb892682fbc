#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs a polkit test program against a private system bus:
#   polkit-env.sh real|mock|absent TEST_EXE PEER_EXE ACTION_FILE
# real:   the real polkitd (Debian polkitd) with this folder's test-rules.js and the
#         shipped action file, placed by bind mounts inside a private mount
#         namespace (nothing outside the namespace changes);
# mock:   python3-dbusmock's polkitd template (a fake: it is how polkit hanging
#         and dismissing are produced on demand);
# absent: a bus on which nobody owns org.freedesktop.PolicyKit1.
set -eu

MODE=$1 TEST_EXE=$2 PEER_EXE=$3 ACTION_FILE=$4
HERE=$(dirname "$0")
# shellcheck source=polkit-lib.sh
. "$HERE/polkit-lib.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v dbus-daemon >/dev/null || { echo "SKIP: no dbus-daemon"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 77; }
case $MODE in
real) [ -x /usr/lib/polkit-1/polkitd ] || { echo "SKIP: no polkitd"; exit 77; } ;;
mock) /usr/bin/python3 -c "import dbusmock" 2>/dev/null || { echo "SKIP: no python3-dbusmock"; exit 77; } ;;
absent) ;;
*)
	echo "unknown mode $MODE"
	exit 2
	;;
esac
pk_enter_namespace "$0" "$@"

TMP=$(mktemp -d /tmp/bb-polkit.XXXXXX)
chmod 755 "$TMP"
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
	pk_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pk_bus_start "$TMP"
case $MODE in
real)
	# The rules name the FIFO of the peer-exit test.
	mkdir -p "$TMP/fifo"
	mkfifo -m 666 "$TMP/fifo/leave"
	chmod 755 "$TMP/fifo"
	sed "s|@FIFO@|$TMP/fifo/leave|g" "$HERE/test-rules.js" >"$TMP/test.rules"
	pk_polkitd_start "$TMP" "$ACTION_FILE" "$TMP/test.rules"
	export BB_AUTHZ_FIFO="$TMP/fifo/leave"
	;;
mock) pk_mock_start "$TMP" ;;
esac

export BB_AUTHZ_MODE="$MODE"
rc=0
"$TEST_EXE" "$PEER_EXE" || rc=$?
if [ $rc -ne 0 ] && [ -f "$TMP/polkitd.log" ]; then
	echo "--- polkitd log"
	cat "$TMP/polkitd.log"
fi
exit $rc
