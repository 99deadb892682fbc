#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# A failing disk under the journal: the state dir is bindbroker-faultfs (tests/faultfs), a
# FUSE passthrough whose writes and syncs fail with EIO on command. With the journal's
# write failing, and then with only its fdatasync failing, a bind is refused with an error
# that names the journal, the device keeps its driver, simsys saw no write, later acting
# calls are refused too (fail-stop); once the fault is off and the broker restarted, the
# journal verifies, a bind whose intent never became durable is recorded as outcome-unknown
# with the device's real driver and closed by start-up recovery as not done, and binding
# works again.
. "$(dirname "$0")/../daemon/e2e-lib.sh"

FAULTFS=${BB_FAULTFS:-}
[ -x "$FAULTFS" ] || { echo "SKIP: faultfs not built ($FAULTFS)"; exit 77; }
NIC=0000:18:00.1

eio_cleanup() {
	if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; fi
	DAEMON_PID=
	mountpoint -q "$STATE" 2>/dev/null && fusermount3 -u "$STATE"
	cleanup
}
trap eio_cleanup EXIT

fault() { # off | eio | eio-after N
	echo "$*" >"$STATE/.faultfs" || { echo "FATAL: faultfs control refused '$*'"; exit 1; }
}

verify_journal() { # DESCRIPTION: checks a copy, as an operator would after the incident
	rm -rf "$TMP/copy"
	cp -r "$TMP/backing/journal" "$TMP/copy"
	"$BINDBROKER" audit verify --journal "$TMP/copy" --key "$TMP/backing/journal.key.pub" \
		>"$TMP/out" 2>"$TMP/err"
	RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
	expect_rc 0 "$1"
	expect_out ": intact: " "$1: intact"
}

refused_unlogged() { # WHAT: a bind with the fault on is refused and touches nothing
	cp "$MNT/.simsys/log" "$TMP/log.before"
	bb bind $NIC vfio-pci
	if [ "$RC" -ne 0 ] && [ "$RC" -ne 4 ]; then ok "$1: bind refused (exit $RC)"
	else not_ok "$1: bind refused, not exit $RC"; fi
	expect_err "journal|intent record could not be made durable" \
		"$1: the error says the record was not durable"
	expect_driver $NIC i40e "$1: the device stays on i40e"
	if cmp -s "$MNT/.simsys/log" "$TMP/log.before"; then ok "$1: no sysfs write happened"
	else RC=1 OUT=$(diff "$TMP/log.before" "$MNT/.simsys/log") ERR=''
		not_ok "$1: no sysfs write happened"; fi
}

mount_simsys gpu-server
mkdir -p "$STATE" "$TMP/backing"
chmod 755 "$TMP/backing"
"$FAULTFS" "$TMP/backing" "$STATE" || { echo "SKIP: cannot mount faultfs"; exit 77; }
start_daemon --audit off

bb --json status
expect_json "j['journal']['append_only'] == 'unsupported' and j['journal']['failed'] is False" \
	"on FUSE the journal says append-only is unsupported, and works"

# 1. The record's write(2) fails: nothing reaches the disk, nothing is done.
fault eio
refused_unlogged "write EIO"
bb --json status
expect_json "j['journal']['failed'] is True" "status: the journal has failed"
fault off
# Fail-stop: a healthy disk again does not make the failed handle trusted again.
refused_unlogged "after write EIO, fault off"
if grep -q "failed=[1-9]" "$STATE/.faultfs"; then ok "faultfs saw the failed write"
else RC=1 OUT=$(cat "$STATE/.faultfs") ERR=''; not_ok "faultfs saw the failed write"; fi
stop_daemon
verify_journal "after write EIO the journal verifies"

# 2. The write lands but its fdatasync fails: the intent is on disk, not durable as far as
# the broker knows, so it must not act; recovery records what the device really is.
start_daemon --audit off
fault eio-after 1
refused_unlogged "fdatasync EIO"
fault off
stop_daemon
verify_journal "after fdatasync EIO the journal verifies"
if grep -q "type=intent device=$NIC" "$TMP/backing/journal/records"; then
	ok "the unsynced intent reached the file"
else RC=1 OUT=$(cat "$TMP/backing/journal/records") ERR=''; not_ok "the unsynced intent reached the file"; fi

start_daemon --audit off
bb --json status
# Start-up recovery finds the device on its old driver and closes the intent as not done.
expect_json "j['journal']['failed'] is False and j['journal']['outcome_unknown'] == 0" \
	"restarted: the intent without result is closed by recovery"
if grep -q "type=outcome-unknown device=$NIC .*driver=i40e.*state=bound" \
	"$TMP/backing/journal/records"; then ok "outcome-unknown records the device still on i40e"
else RC=1 OUT=$(tail -3 "$TMP/backing/journal/records") ERR=''
	not_ok "outcome-unknown records the device still on i40e"; fi
if grep -q "type=result device=$NIC .*recovery=not-done" "$TMP/backing/journal/records"; then
	ok "recovery's result says the bind was not done"
else RC=1 OUT=$(tail -3 "$TMP/backing/journal/records") ERR=''
	not_ok "recovery's result says the bind was not done"; fi
bb bind $NIC vfio-pci
expect_rc 0 "with the disk healthy the bind goes through"
expect_driver $NIC vfio-pci "the device is on vfio-pci"
stop_daemon
verify_journal "after the whole episode the journal verifies"
finish
