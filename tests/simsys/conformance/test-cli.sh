#!/bin/bash
# The command line of bindbroker-simsys as SPEC.md states it: daemonizes only once the mount
# is ready, -f stays in the foreground until unmounted, umount works as well as fusermount3,
# usage errors exit non-zero with the usage text, `check` validates the shipped topologies.
. "$(dirname "$0")/lib.sh"

# daemon mode: the mount is usable the moment the command returns
"$BB_SIMSYS" "$MNT" --topology "$BB_TOPOLOGIES/minimal.json" && ls "$MNT/bus/pci/devices" > "$WORK/ls"
check "daemon mode: devices listed right after the command returns" grep -qx '0000:00:19.0' "$WORK/ls"
umount "$MNT"
check "umount (not only fusermount3) unmounts" bash -c "! mountpoint -q '$MNT'"

# foreground mode: stays until unmounted, then exits 0
"$BB_SIMSYS" "$MNT" --topology "$BB_TOPOLOGIES/minimal.json" -f &
pid=$!
for _ in $(seq 100); do mountpoint -q "$MNT" && break; sleep 0.1; done # bounded wait, not asserted
check "-f: mounted while the process runs" mountpoint -q "$MNT"
check "-f: process still running" kill -0 "$pid"
fusermount3 -u "$MNT"
wait "$pid"
rc=$?
check "-f: exits 0 after unmount (exit $rc)" [ "$rc" -eq 0 ]

# usage errors
"$BB_SIMSYS" > "$WORK/out" 2>&1; rc=$?
check "no arguments: non-zero exit ($rc)" [ "$rc" -ne 0 ]
check "no arguments: usage printed" grep -q 'Usage: bindbroker-simsys MOUNTPOINT --topology' "$WORK/out"
"$BB_SIMSYS" "$MNT" > "$WORK/out" 2>&1; rc=$?
check "no --topology: non-zero exit ($rc)" [ "$rc" -ne 0 ]
check "no --topology: nothing mounted" bash -c "! mountpoint -q '$MNT'"
"$BB_SIMSYS" "$WORK/no-such-dir" --topology "$BB_TOPOLOGIES/minimal.json" > "$WORK/out" 2>&1; rc=$?
check "missing mount point: non-zero exit ($rc)" [ "$rc" -ne 0 ]
check "missing mount point: message names it" grep -q 'no-such-dir' "$WORK/out"

# check validates every shipped topology
for t in "$BB_TOPOLOGIES"/*.json; do
	check "check $(basename "$t")" "$BB_SIMSYS" check "$t"
done
echo '{"devices": [' > "$WORK/bad.json"
"$BB_SIMSYS" check "$WORK/bad.json" > "$WORK/out" 2>&1; rc=$?
check "check refuses a truncated file ($rc)" [ "$rc" -ne 0 ]
finish
