#!/bin/bash
# `bindbroker-simsys record /sys` reads this machine's real sysfs (read only) and its output
# mounts as a simulated machine that shows the same PCI devices with the same ids.
. "$(dirname "$0")/lib.sh"
[ -d /sys/bus/pci/devices ] || { echo "no /sys/bus/pci here"; exit 77; }
if ! "$BB_SIMSYS" record /sys > "$WORK/recorded.json" 2> "$WORK/record.err"; then
	cat "$WORK/record.err"; not_ok "record /sys exited non-zero"; finish
fi
ok "record /sys wrote $(stat -c %s "$WORK/recorded.json") bytes"
mount_topology "$WORK/recorded.json"
real=$(ls /sys/bus/pci/devices | sort)
sim=$(ls "$MNT/bus/pci/devices" | sort)
check "same device list ($(echo "$real" | wc -l) devices)" [ "$real" = "$sim" ]
for d in $real; do
	for f in vendor device subsystem_vendor subsystem_device class revision; do
		[ -r "/sys/bus/pci/devices/$d/$f" ] || continue
		a=$(cat "/sys/bus/pci/devices/$d/$f"); b=$(cat "$MNT/bus/pci/devices/$d/$f" 2>/dev/null)
		[ "$a" = "$b" ] || not_ok "$d/$f: real '$a', simulated '$b'"
	done
	# the real nesting under bridges is reproduced
	rp=$(realpath "/sys/bus/pci/devices/$d"); sp=$(realpath "$MNT/bus/pci/devices/$d")
	[ "${rp#/sys/}" = "${sp#$MNT/}" ] || not_ok "$d: real path ${rp#/sys/}, simulated ${sp#$MNT/}"
done
[ "$fails" -eq 0 ] && ok "ids, class, revision and device paths agree"
umount_topology
finish
