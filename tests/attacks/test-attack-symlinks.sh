#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Attack suite, symlink swaps in the sysfs root. simsys cannot create symlinks of one's
# choosing, so this uses a plain temporary directory as the sysfs root (a fake, said so
# here): its entries are bind mounts of a simsys mount's directories, except devices/, which
# the attacker swapped for a symlink to a tree of their own holding a look-alike device. The broker opens every
# component without following links, so it must refuse, and neither the look-alike's
# driver_override nor simsys may be written.
. "$(dirname "$0")/../daemon/e2e-lib.sh"

NIC=0000:18:00.1
mount_simsys gpu-server
MODDIR=$(make_modules) || { echo "FATAL: modules fixture"; exit 1; }
ROOT=$TMP/fakesys
EVIL=$TMP/evil
mkdir -p "$ROOT" "$EVIL/devices/pci0000:00/0000:00:03.0/0000:18:00.1"
binds=
unbind_all() { for b in $binds; do umount "$b" 2>/dev/null; done; }
trap 'unbind_all; cleanup' EXIT
for e in bus kernel module class .simsys; do
	mkdir -p "$ROOT/$e"
	mount --bind "$MNT/$e" "$ROOT/$e" || { echo "SKIP: cannot bind-mount"; exit 77; }
	binds="$ROOT/$e $binds"
done
# The swap: devices/ is the attacker's tree.
ln -s "$EVIL/devices" "$ROOT/devices"
LOOK=$EVIL/devices/pci0000:00/0000:00:03.0/0000:18:00.1
printf '(null)\n' >"$LOOK/driver_override"
printf '0x8086\n' >"$LOOK/vendor"
printf '0x1572\n' >"$LOOK/device"

MNT_REAL=$MNT
"$BINDBROKERD" --sysfs-root "$ROOT" --state-dir "$STATE" --config-dir "$TMP/config" \
	--socket "$SOCK" --modules-dir "$MODDIR" --audit off 2>>"$TMP/daemon.log" &
DAEMON_PID=$!
i=0
while ! "$BINDBROKER" --socket "$SOCK" status >/dev/null 2>&1 && kill -0 $DAEMON_PID 2>/dev/null &&
	[ $i -lt 250 ]; do i=$((i + 1)); sleep 0.02; done
if ! kill -0 $DAEMON_PID 2>/dev/null; then
	wait $DAEMON_PID
	RC=$? OUT='' ERR=$(cat "$TMP/daemon.log")
	DAEMON_PID=
	if [ "$RC" -ne 0 ]; then ok "the broker refuses a sysfs root whose entries are links (exit $RC)"
	else not_ok "the broker refuses a sysfs root whose entries are links"; fi
else
	bb status
	expect_rc 0 "the broker serves status from the fake root"
	bb list
	if [ "$RC" -ne 0 ]; then ok "list does not follow the swapped devices/ link (exit $RC)"
	else not_ok "list does not follow the swapped devices/ link"; fi
	expect_err "Not a directory|link|ELOOP" "the error says the link was not followed"
	bb bind $NIC vfio-pci
	if [ "$RC" -ne 0 ]; then ok "bind through a swapped devices/ link is refused (exit $RC)"
	else not_ok "bind through a swapped devices/ link is refused"; fi
	expect_err "$NIC|devices|link|ELOOP|Too many" "the refusal names the device or the link"
fi
if [ "$(cat "$LOOK/driver_override")" = "(null)" ]; then ok "the look-alike's driver_override is untouched"
else RC=1 OUT=$(cat "$LOOK/driver_override") ERR=''; not_ok "the look-alike's driver_override is untouched"; fi
MNT=$MNT_REAL
expect_driver $NIC i40e "the real NIC kept its driver"
if [ -s "$MNT/.simsys/log" ]; then RC=1 OUT=$(cat "$MNT/.simsys/log") ERR=''; not_ok "simsys saw no write"
else ok "simsys saw no write"; fi
if grep -q "type=intent" "$STATE/journal/records" 2>/dev/null; then
	RC=1 OUT=$(cat "$STATE/journal/records") ERR=''; not_ok "no intent was journaled"
else ok "no intent was journaled"; fi
if [ -n "$DAEMON_PID" ]; then stop_daemon; fi
unbind_all
binds=
finish
