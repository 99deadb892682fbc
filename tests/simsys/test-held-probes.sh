#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Many writes blocked behind a held probe at once (each occupies a FUSE worker thread)
# must not starve the rest of the file system: reads, other devices' writes and the
# release-probe command still get through, and every blocked write then completes.
# As on sysfs, two writes to the same file (drivers_probe, a driver's unbind) for two
# devices do not wait for each other: only writes for the held device wait.
set -euo pipefail

SIMSYS=${BB_SIMSYS:?path of bindbroker-simsys}
TOPOLOGY=${1:?topology file}
DEV=${2:?a device bound at boot}
OTHER=${3:?another device bound at boot, to another driver}
work=$(mktemp -d)
m=$work/m
mkdir "$m"
"$SIMSYS" "$m" --topology "$TOPOLOGY" -f &
daemon=$!
cleanup() {
	cd /
	fusermount3 -u "$m" 2>/dev/null || { kill -9 "$daemon" 2>/dev/null; fusermount3 -u -z "$m"; }
	wait "$daemon" 2>/dev/null || true
	rmdir "$m" "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do mountpoint -q "$m" && break; sleep 0.05; done
mountpoint -q "$m"

drv=$(basename "$(readlink "$m/bus/pci/devices/$DEV/driver")")
echo "hold-probe $drv" > "$m/.simsys/control"
echo "$DEV" > "$m/bus/pci/drivers/$drv/unbind"
# One bind reaches the held probe; 30 more writes wait for the device lock behind it.
pids=()
echo "$DEV" > "$m/bus/pci/drivers_probe" & pids+=($!)
# The probe has started once the driver link shows (really_probe adds it first).
for _ in $(seq 200); do [ -L "$m/bus/pci/devices/$DEV/driver" ] && break; sleep 0.05; done
[ -L "$m/bus/pci/devices/$DEV/driver" ]
for _ in $(seq 30); do
	(echo vfio-pci > "$m/bus/pci/devices/$DEV/driver_override") & pids+=($!)
done
# Not a timing assertion: gives the writes time to block; SIGKILL interrupts a stuck request.
sleep 1
[ "$(timeout -s KILL 20 cat "$m/bus/pci/devices/$DEV/vendor")" != "" ]
timeout -s KILL 20 ls "$m/bus/pci/drivers" > /dev/null
# The same files, for another device, while writes to them wait for DEV.
odrv=$(basename "$(readlink "$m/bus/pci/devices/$OTHER/driver")")
timeout -s KILL 20 sh -c "echo $OTHER > '$m/bus/pci/drivers/$odrv/unbind'"
timeout -s KILL 20 sh -c "echo $OTHER > '$m/bus/pci/drivers_probe'"
[ "$(basename "$(readlink "$m/bus/pci/devices/$OTHER/driver")")" = "$odrv" ]
blocked=$(grep -c "driver_override" "$m/.simsys/log" || true)
if [ "$blocked" != 0 ]; then
	echo "FAIL: a driver_override write finished while the probe held the device" >&2
	exit 1
fi
timeout -s KILL 20 sh -c "echo 'release-probe $drv' > '$m/.simsys/control'"
for p in "${pids[@]}"; do wait "$p"; done
[ "$(basename "$(readlink "$m/bus/pci/devices/$DEV/driver")")" = "$drv" ]
[ "$(grep -c "driver_override vfio-pci" "$m/.simsys/log")" = 30 ]
echo "ok: 31 writes blocked behind a held probe, the file system stayed responsive"
