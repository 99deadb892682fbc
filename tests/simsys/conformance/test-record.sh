#!/bin/bash
# `bindbroker-simsys record /sys` reads this machine's real sysfs (read only) and its output
# mounts as a simulated machine that shows the same PCI devices with the same ids.
. "$(dirname "$0")/lib.sh"
[ -d /sys/bus/pci/devices ] || { echo "no /sys/bus/pci here"; exit 77; }
# Belt and braces: record runs in a private mount namespace where /sys is a read-only bind
# mount, so even a bug in record could not write to the real sysfs.
if ! unshare -m sh -c 'mount --make-rprivate / && mount --rbind /sys /sys &&
		mount -o remount,bind,ro /sys && exec "$0" record /sys' "$BB_SIMSYS" \
		> "$WORK/recorded.json" 2> "$WORK/record.err"; then
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
# the recorded drivers bind at mount what the real kernel has bound
before=$fails
for d in $real; do
	a=""; b=""
	[ -L "/sys/bus/pci/devices/$d/driver" ] && a=$(basename "$(readlink "/sys/bus/pci/devices/$d/driver")")
	b=$(driver_of "$d")
	[ "$a" = "$b" ] || not_ok "$d: real driver '$a', simulated '$b'"
done
[ "$fails" -eq "$before" ] && ok "boot matching on the recording binds the drivers the real kernel bound"
# numa node and IOMMU group of each device
before=$fails
for d in $real; do
	a=$(cat "/sys/bus/pci/devices/$d/numa_node"); b=$(cat "$MNT/bus/pci/devices/$d/numa_node" 2>/dev/null)
	[ "$a" = "$b" ] || not_ok "$d/numa_node: real '$a', simulated '$b'"
	a=""; b=""
	[ -L "/sys/bus/pci/devices/$d/iommu_group" ] && a=$(basename "$(readlink "/sys/bus/pci/devices/$d/iommu_group")")
	[ -L "$MNT/bus/pci/devices/$d/iommu_group" ] && b=$(basename "$(readlink "$MNT/bus/pci/devices/$d/iommu_group")")
	[ "$a" = "$b" ] || not_ok "$d/iommu_group: real '$a', simulated '$b'"
done
[ "$fails" -eq "$before" ] && ok "numa nodes and IOMMU groups agree"

# network interfaces and whole disks that sit below a PCI device belong to the same device
# there, and the /proc facts that go with them (default route, mounts) are carried over
pci_owner() { # pci_owner PATH -> the last DDDD:BB:DD.F component of PATH
	echo "$1" | tr '/' '\n' | grep -E '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$' | tail -1
}
before=$fails
for n in /sys/class/net/*; do
	i=$(basename "$n"); o=$(pci_owner "$(realpath "$n")")
	[ -n "$o" ] || continue
	so=$(pci_owner "$(realpath "$MNT/class/net/$i" 2>/dev/null)")
	[ "$o" = "$so" ] || not_ok "net $i: real device '$o', simulated '$so'"
	if awk -v i="$i" '$1 == i && $2 == "00000000"' /proc/net/route | grep -q .; then
		awk -v i="$i" '$1 == i && $2 == "00000000"' "$MNT/.simsys/proc/net/route" | grep -q . ||
			not_ok "net $i carries the default route here, not in the recording"
	fi
done
for b in /sys/class/block/*; do
	k=$(basename "$b"); [ -e "$b/partition" ] && continue
	o=$(pci_owner "$(realpath "$b")")
	[ -n "$o" ] || continue
	so=$(pci_owner "$(realpath "$MNT/class/block/$k" 2>/dev/null)")
	[ "$o" = "$so" ] || not_ok "block $k: real device '$o', simulated '$so'"
	for mp in $(awk -v d="/dev/$k" '$1 == d {print $2}' /proc/mounts | sort -u); do
		awk -v d="/dev/$k" -v m="$mp" '$1 == d && $2 == m' "$MNT/.simsys/proc/mounts" | grep -q . ||
			not_ok "block $k is mounted on $mp here; the recording does not say so"
	done
done
[ "$fails" -eq "$before" ] && ok "net interfaces, disks, default route and mounts agree"
if [ -r /sys/kernel/security/lockdown ]; then
	check "lockdown recorded" [ "$(cat /sys/kernel/security/lockdown)" = "$(cat "$MNT/kernel/security/lockdown")" ]
else
	check "no lockdown file here, none simulated" [ ! -e "$MNT/kernel/security/lockdown" ]
fi
umount_topology
finish
