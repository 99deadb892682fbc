#!/bin/bash
# The README's main job must keep working: run scripts/demo on this build and
# check the outcomes its transcript claims, by their exit statuses and texts.
set -u
SRC=$1 BUILD=$2
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
BINDBROKER_BUILD=$BUILD "$SRC/scripts/demo" >"$OUT" 2>&1
rc=$?
fails=0
expect() { # DESCRIPTION PATTERN (a Python regex over the whole transcript; \n is a line end)
	if python3 -c 'import re,sys; sys.exit(0 if re.search(sys.argv[1], open(sys.argv[2]).read()) else 1)' "$2" "$OUT"; then echo "ok - $1"; else echo "not ok - $1"; fails=$((fails + 1)); fi
}
[ "$rc" -eq 0 ] && echo "ok - demo exits 0" || { echo "not ok - demo exits $rc"; fails=$((fails + 1)); }
expect "root disk refused by the default policy" 'check 0000:12:00\.0\n[^\n]*deny backs-mount[^\n]*\n\(exit status 1\)'
expect "lone GPU refused: group not viable" 'check 0000:03:00\.0\n[^\n]*iommu-group-viability[^\n]*\n\(exit status 1\)'
expect "GPU and audio bound to vfio-pci" 'bound 0000:03:00\.0 to vfio-pci \(was nvidia\)\nbound 0000:03:00\.1 to vfio-pci \(was snd_hda_intel\)\n\(exit status 0\)'
expect "variant refused without a table" 'check 0000:87:00\.2\n[^\n]*deny driver \*_vfio_pci[^\n]*\n\(exit status 1\)'
expect "variant bound with the signed table" 'bound 0000:87:00\.2 to mlx5_vfio_pci \(was mlx5_core\)\n\(exit status 0\)\ndriver link: [./]*bus/pci/drivers/mlx5_vfio_pci'
expect "failed probe rolled back" 'rolled back, now on i40e\n\(exit status 3\)\ndriver link: [./]*bus/pci/drivers/i40e'
expect "newline injection refused" 'invalid device address[^\n]*\n\(exit status 2\)'
expect "default-route NIC refused" 'deny carries-default-route[^\n]*\n\(exit status 1\)'
expect "boot VGA refused" 'deny boot-vga[^\n]*\n\(exit status 1\)'
expect "table rollback refused" 'serial 6 not greater than 7[^\n]*check rollback\)\n\(exit status 1\)'
expect "key outside its scope refused" 'key outside scope: vendor 10de[^\n]*\n\(exit status 1\)'
expect "tampered table refused" 'bad signature[^\n]*check signature\)\n\(exit status 1\)'
expect "no forbidden sysfs writes" 'writes to new_id, remove_id, bind or drivers_autoprobe:\n0\n'
expect "quarantine leaves no driver" 'quarantined 0000:87:00\.3[^\n]*\n\(exit status 0\)\ndriver link: none'
expect "journal intact" 'intact: [0-9]+ records, [1-9][0-9]* checkpoints[^\n]*\n\(exit status 0\)'
expect "tampered journal copy detected" 'TAMPERED at seq 2[^\n]*\n\(exit status 1\)'
if [ "$fails" -ne 0 ]; then
	echo "--- transcript"
	cat "$OUT"
fi
echo "$((16 - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
