#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# record on a simsys mount: it writes nothing (the mount's .simsys/log stays empty),
# its output is a valid topology, and mounting that output gives the same machine:
# same devices, ids, parents, groups, bindings, interfaces, block devices and /proc facts.
set -euo pipefail

SIMSYS=${BB_SIMSYS:?path of bindbroker-simsys}
TOPOLOGY=${1:?topology file}
work=$(mktemp -d)
m1=$work/m1
m2=$work/m2
mkdir "$m1" "$m2"
cleanup() {
	cd /
	# Never rm -r across a mount: unmount, then remove only what we created.
	fusermount3 -u "$m1" 2>/dev/null || true
	fusermount3 -u "$m2" 2>/dev/null || true
	rmdir "$m1" "$m2" 2>/dev/null || true
	rm -f "$work"/*.json "$work"/*.txt
	rmdir "$work" 2>/dev/null || true
}
trap cleanup EXIT

"$SIMSYS" "$m1" --topology "$TOPOLOGY"
# Every link of the tree resolves (relative targets of the right depth).
broken=$(find "$m1" -xtype l)
if [ -n "$broken" ]; then
	echo "FAIL: links that do not resolve:" >&2
	echo "$broken" >&2
	exit 1
fi
# Make the state non-trivial first: a device moved to vfio-pci by override. It must
# have no twin (same ids), since a topology cannot tell twins apart.
dev=
for d in "$m1"/bus/pci/devices/*; do
	if [ "$(cat "$m1"/bus/pci/devices/*/modalias | grep -cx "$(cat "$d/modalias")")" = 1 ]; then
		dev=${d##*/}
	fi
done
[ -n "$dev" ] || { echo "FAIL: no device without a twin" >&2; exit 1; }
echo vfio-pci > "$m1/bus/pci/devices/$dev/driver_override"
if [ -L "$m1/bus/pci/devices/$dev/driver" ]; then
	echo "$dev" > "$m1/bus/pci/devices/$dev/driver/unbind"
fi
echo "$dev" > "$m1/bus/pci/drivers_probe"
writes_before=$(wc -l < "$m1/.simsys/log")

"$SIMSYS" record "$m1" > "$work/recorded.json"
writes_after=$(wc -l < "$m1/.simsys/log")
if [ "$writes_before" != "$writes_after" ]; then
	echo "FAIL: record wrote to the tree:" >&2
	tail -n +"$((writes_before + 1))" "$m1/.simsys/log" >&2
	exit 1
fi
"$SIMSYS" check "$work/recorded.json"
"$SIMSYS" "$m2" --topology "$work/recorded.json"

# A description of a mounted machine that does not depend on the topology's wording.
describe() (
	cd "$1"
	for d in bus/pci/devices/*; do
		printf '%s' "${d##*/}"
		for a in vendor device subsystem_vendor subsystem_device class revision numa_node modalias; do
			printf ' %s' "$(cat "$d/$a")"
		done
		printf ' parent=%s' "$(basename "$(dirname "$(readlink -f "$d")")")"
		printf ' group=%s' "$(basename "$(readlink "$d/iommu_group" 2>/dev/null || echo -)")"
		printf ' driver=%s' "$(basename "$(readlink "$d/driver" 2>/dev/null || echo -)")"
		[ -e "$d/boot_vga" ] && printf ' boot_vga=%s' "$(cat "$d/boot_vga")"
		echo
	done
	ls class/net class/block
	for l in class/net/* class/block/*; do [ -e "$l" ] && readlink "$l"; done
	cat kernel/security/lockdown 2>/dev/null || echo "no lockdown"
	grep -v '^Iface' .simsys/proc/net/route | awk '$2 == "00000000" { print "default via", $1 }'
	cat .simsys/proc/mounts .simsys/proc/swaps
)
describe "$m1" > "$work/m1.txt"
describe "$m2" > "$work/m2.txt"
if ! diff -u "$work/m1.txt" "$work/m2.txt"; then
	echo "FAIL: the recorded machine differs" >&2
	exit 1
fi
echo "ok: $(grep -c '^[0-9a-f]\{4\}:' "$work/m1.txt") devices round-tripped, record wrote nothing"
