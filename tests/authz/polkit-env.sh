#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs a polkit test program against a private system bus:
#   polkit-env.sh real|mock|absent TEST_EXE PEER_EXE ACTION_FILE
# real:   the real polkitd (Debian polkitd) with this folder's test rules and the
#         shipped action file, placed by bind mounts inside a private mount
#         namespace (nothing outside the namespace changes);
# mock:   python3-dbusmock's polkitd template (a fake: it is how polkit hanging
#         and dismissing are produced on demand);
# absent: a bus on which nobody owns org.freedesktop.PolicyKit1.
set -eu

MODE=$1 TEST_EXE=$2 PEER_EXE=$3 ACTION_FILE=$4
HERE=$(dirname "$0")

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v dbus-daemon >/dev/null || { echo "SKIP: no dbus-daemon"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 77; }
case $MODE in
real) [ -x /usr/lib/polkit-1/polkitd ] || { echo "SKIP: no polkitd"; exit 77; } ;;
mock) /usr/bin/python3 -c "import dbusmock" 2>/dev/null || { echo "SKIP: no python3-dbusmock"; exit 77; } ;;
esac

if [ -z "${BB_AUTHZ_IN_NS:-}" ]; then
	BB_AUTHZ_IN_NS=1 exec unshare -m --propagation private -- "$0" "$@"
fi

TMP=$(mktemp -d /tmp/bb-polkit.XXXXXX)
chmod 755 "$TMP"
PIDS=
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || :; done
	for p in $PIDS; do wait "$p" 2>/dev/null || :; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$TMP/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$TMP/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$TMP/bus.conf" --nofork --nopidfile 2>"$TMP/bus.log" &
PIDS="$PIDS $!"
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/bus"

# Readiness, bounded: the bus answers, then polkit's name has an owner.
wait_for() { # DESCRIPTION COMMAND...
	what=$1
	shift
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 500 ] || { echo "FATAL: $what never came up"; cat "$TMP"/*.log; exit 1; }
		sleep 0.02
	done
}
# shellcheck disable=SC2317 # called through wait_for
has_owner() {
	dbus-send --bus="$DBUS_SYSTEM_BUS_ADDRESS" --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
		string:org.freedesktop.PolicyKit1 | grep -q 'boolean true'
}
wait_for "the private bus" dbus-send --bus="$DBUS_SYSTEM_BUS_ADDRESS" --print-reply \
	--dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetId

case $MODE in
real)
	mkdir -p "$TMP/actions" "$TMP/rules" "$TMP/no-rules" "$TMP/fifo"
	cp "$ACTION_FILE" "$TMP/actions/"
	# The rules name the FIFO of the peer-exit test.
	sed "s|@FIFO@|$TMP/fifo/leave|g" "$HERE/test-rules.js" >"$TMP/rules/50-bindbroker-test.rules"
	chmod -R a+rX "$TMP/actions" "$TMP/rules" "$TMP/no-rules"
	mkfifo -m 666 "$TMP/fifo/leave"
	chmod 755 "$TMP/fifo"
	mount --bind "$TMP/actions" /usr/share/polkit-1/actions
	mount --bind "$TMP/rules" /etc/polkit-1/rules.d
	mount --bind "$TMP/no-rules" /usr/share/polkit-1/rules.d
	/usr/lib/polkit-1/polkitd --no-debug >"$TMP/polkitd.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for polkitd has_owner
	export BB_AUTHZ_FIFO="$TMP/fifo/leave"
	;;
mock)
	/usr/bin/python3 -m dbusmock --system --template polkitd >"$TMP/dbusmock.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for "dbusmock polkitd" has_owner
	;;
absent) ;;
*)
	echo "unknown mode $MODE"
	exit 2
	;;
esac

export BB_AUTHZ_MODE="$MODE"
rc=0
"$TEST_EXE" "$PEER_EXE" || rc=$?
if [ $rc -ne 0 ] && [ -f "$TMP/polkitd.log" ]; then
	echo "--- polkitd log"
	cat "$TMP/polkitd.log"
fi
exit $rc
