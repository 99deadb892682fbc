#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Injected faults: each failed bind exits 3, names the failure and the
# rollback, and leaves the original driver bound with the override cleared.
. "$(dirname "$0")/e2e-lib.sh"

mount_simsys gpu-server
start_daemon
NIC=0000:18:00.1

control fail-probe vfio-pci
bb bind $NIC vfio-pci
expect_rc 3 "bind with a failing vfio-pci probe"
expect_err "^bindbroker: bind 0000:18:00.1 failed: no driver bound" "the failure is reported"
expect_err "rolled back, now on i40e" "the rollback is reported"
expect_driver $NIC i40e "original driver is back"
expect_override_cleared $NIC "override cleared after rollback"

control fail-probe vfio-pci
bb --json bind $NIC vfio-pci
expect_rc 3 "bind --json with a failing probe"
expect_json "j['error'] == 'io.bindbroker.Broker.OperationFailed' and j['device'] == '$NIC' \
and j['driver'] == 'vfio-pci' and j['outcomes'][0]['ok'] is False \
and j['outcomes'][0]['rollback_attempted'] and j['outcomes'][0]['rollback_ok'] \
and j['outcomes'][0]['new_driver'] == 'i40e' and j['outcomes'][0]['failure']" \
	"failure --json carries failure and rollback outcome"
expect_driver $NIC i40e "original driver back again"

# The device at the address is replaced while it is being unbound.
control "swap-on-unbind $NIC {\"address\":\"$NIC\",\"vendor\":\"8086\",\"device\":\"1572\",\"subsystem_vendor\":\"8086\",\"subsystem_device\":\"0001\",\"class\":\"020000\",\"revision\":\"02\",\"iommu_group\":30}"
bb bind $NIC vfio-pci
expect_rc 3 "bind while the device is swapped"
if [ "$(driver_of $NIC)" != "vfio-pci" ]; then ok "a swapped device is not left on vfio-pci"; else
	not_ok "a swapped device is not left on vfio-pci"; fi
expect_override_cleared $NIC "override cleared after the swap"

# A driver no module provides: nothing is touched.
bb bind 0000:18:00.1 no_such_driver
expect_rc 3 "bind to a driver without a module"
expect_driver $NIC i40e "device still on i40e"

# One member of a group fails: every member goes back.
control fail-probe vfio-pci
bb bind 0000:04:00.0 vfio-pci --group
expect_rc 3 "group bind with one failing probe"
expect_driver 0000:04:00.0 nvidia "GPU back on nvidia"
expect_driver 0000:04:00.1 snd_hda_intel "audio back on snd_hda_intel"
expect_override_cleared 0000:04:00.0 "GPU override cleared"
expect_override_cleared 0000:04:00.1 "audio override cleared"

finish
