#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# bind --persist records the binding in the state dir; after a "reboot" (a new
# simsys mount, a new daemon, the same state dir) apply binds it again.
. "$(dirname "$0")/e2e-lib.sh"

mount_simsys gpu-server
start_daemon
NIC=0000:18:00.1

bb bind $NIC vfio-pci --persist
expect_rc 0 "bind --persist"
expect_out "^persisted:" "bind says it persisted"
if grep -qx "$NIC vfio-pci" "$STATE/overrides"; then ok "overrides file has the binding"; else
	not_ok "overrides file has the binding"; fi

stop_daemon
unmount_simsys
mount_simsys gpu-server
start_daemon
expect_driver $NIC i40e "after the reboot the host driver holds the NIC"

bb apply
expect_rc 0 "apply"
expect_out "^$NIC +bound +now on vfio-pci" "apply bound the persisted device"
expect_driver $NIC vfio-pci "the NIC is on vfio-pci again"
bb --json apply
expect_rc 0 "apply again"
expect_json "j['failed'] == 0 and j['items'][0]['device'] == '$NIC' \
and j['items'][0]['action'] == 'already'" "a second apply leaves it alone"

bb release $NIC
expect_rc 0 "release forgets the persisted binding"
if grep -q "$NIC" "$STATE/overrides" 2>/dev/null; then not_ok "overrides no longer has it"; else
	ok "overrides no longer has it"; fi
bb apply
expect_rc 0 "apply with nothing persisted"
expect_driver $NIC i40e "nothing re-bound after release"

# udev's `apply DEV` on add: a device hot-added into an IOMMU group held by vfio is
# kept from the host driver that grabbed it.
bb bind 0000:03:00.0 --group
expect_rc 0 "group bind of GPU group 5"
control 'add-device {"address":"0000:03:00.2","vendor":"10de","device":"22ba","subsystem_vendor":"10de","subsystem_device":"16c1","class":"040300","revision":"a1","iommu_group":5,"parent":"0000:02:00.0"}'
expect_driver 0000:03:00.2 snd_hda_intel "the hot-added function was grabbed by the host driver"
bb --json apply 0000:03:00.2
expect_rc 0 "apply of the hot-added device"
expect_json "j['items'][0]['device'] == '0000:03:00.2' and j['items'][0]['action'] == 'quarantined'" \
	"apply says it quarantined the newcomer"
expect_driver 0000:03:00.2 "" "the newcomer is held by no driver"
bb apply 0000:11:00.0
expect_rc 0 "apply of a device in no vfio group"
expect_driver 0000:11:00.0 ast "it keeps its driver"

# A persisted binding that the decision now refuses is skipped, not applied.
printf '0000:12:00.0 vfio-pci\n' >"$STATE/overrides"
bb apply
expect_rc 1 "apply of a refused entry"
expect_out "^0000:12:00\.0 +skipped .*deny backs-mount" "the skip names the reason"
expect_driver 0000:12:00.0 nvme "the boot disk stays on nvme"

finish
