#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Disk full under the journal: the state dir is a small tmpfs; once it is full the broker
# refuses to act (no unlogged bind): the device keeps its driver, simsys saw no write, and
# after space is freed the journal verifies and binding works again.
. "$(dirname "$0")/../daemon/e2e-lib.sh"

NIC=0000:18:00.1
full_cleanup() {
	if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; fi
	DAEMON_PID=
	mountpoint -q "$STATE" 2>/dev/null && umount "$STATE"
	cleanup
}
trap full_cleanup EXIT

mount_simsys gpu-server
mkdir -p "$STATE"
mount -t tmpfs -o size=256k,mode=0755 bindbroker-journal-full "$STATE" ||
	{ echo "SKIP: cannot mount a tmpfs"; exit 77; }
start_daemon --audit off

# Fill the file system (bounded by its size).
dd if=/dev/zero of="$STATE/filler" bs=4k 2>/dev/null
df -k "$STATE" | tail -n1 | grep -q ' 100% ' && ok "the journal's file system is full" ||
	{ RC=1 OUT=$(df -k "$STATE") ERR=''; not_ok "the journal's file system is full"; }
cp "$MNT/.simsys/log" "$TMP/log.before"

bb bind $NIC vfio-pci
if [ "$RC" -ne 0 ]; then ok "bind refused with the journal full (exit $RC)"; else not_ok "bind refused with the journal full"; fi
expect_err "journal|space|ENOSPC|No space" "the refusal names the journal"
expect_driver $NIC i40e "the device stays on i40e"
if cmp -s "$MNT/.simsys/log" "$TMP/log.before"; then ok "no sysfs write happened"
else RC=1 OUT=$(cat "$MNT/.simsys/log") ERR=''; not_ok "no sysfs write happened"; fi
rm -f "$STATE/filler"
bb bind $NIC vfio-pci
# The journal may have gone read-only after a failed append (fail-stop): either way no
# unlogged action, and after a restart the broker works again.
if [ "$RC" -ne 0 ]; then
	stop_daemon
	start_daemon --audit off
	bb bind $NIC vfio-pci
fi
expect_rc 0 "with space again the bind goes through"
expect_driver $NIC vfio-pci "the device is on vfio-pci"
stop_daemon
"$BINDBROKER" audit verify --journal "$STATE/journal" --key "$STATE/journal.key.pub" \
	>"$TMP/out" 2>"$TMP/err"
RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
expect_rc 0 "the journal verifies after the disk-full episode"
finish
