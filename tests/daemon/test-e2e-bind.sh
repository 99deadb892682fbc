#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Acting calls on the GPU server: bind a NIC to vfio-pci, release, quarantine,
# bind to the best vfio variant, bind a GPU's whole IOMMU group, and the root
# gate for acting calls.
. "$(dirname "$0")/e2e-lib.sh"

mount_simsys gpu-server
MODDIR=$(make_modules) || { echo "FATAL: modules fixture"; exit 1; }
start_daemon --modules-dir "$MODDIR"
NIC=0000:18:00.1

bb bind $NIC vfio-pci
expect_rc 0 "bind the spare NIC to vfio-pci"
expect_out "^bound $NIC to vfio-pci \(was i40e\)$" "bind says what it did"
expect_driver $NIC vfio-pci "the NIC's driver link names vfio-pci"
expect_driver 0000:18:00.0 i40e "the other port kept its driver"
bb bind $NIC vfio-pci
expect_rc 0 "binding again to the same driver"
expect_out "^$NIC is already on vfio-pci$" "a second bind says it is already done"
# The narrow door: only override, the old driver's unbind and drivers_probe were written.
if grep -Eq 'write [^ ]*(new_id|remove_id|drivers_autoprobe|/bind) ' "$MNT/.simsys/log"; then
	not_ok "bind wrote only the three allowed files"; else ok "bind wrote only the three allowed files"; fi
if grep -q "write bus/pci/drivers/i40e/unbind $NIC" "$MNT/.simsys/log" ||
	grep -q "drivers/i40e/unbind $NIC" "$MNT/.simsys/log"; then
	ok "bind unbound i40e"; else not_ok "bind unbound i40e"; fi

bb --json release $NIC
expect_rc 0 "release the NIC"
expect_json "j['outcome']['ok'] and j['outcome']['old_driver'] == 'vfio-pci' \
and j['outcome']['new_driver'] == 'i40e' and j['decision']['rule'] == 'release-to-host'" \
	"release --json carries the outcome"
expect_driver $NIC i40e "released NIC is back on i40e"
expect_override_cleared $NIC "release cleared the override"

bb quarantine $NIC
expect_rc 0 "quarantine the NIC"
expect_out "^quarantined $NIC: no driver holds it \(was i40e\)$" "quarantine says what it did"
expect_driver $NIC "" "a quarantined device has no driver"
bb release $NIC
expect_rc 0 "release from quarantine"
expect_driver $NIC i40e "back on i40e after quarantine"

bb --json bind $NIC vfio-pci
expect_rc 0 "bind --json"
expect_json "j['device'] == '$NIC' and j['driver'] == 'vfio-pci' and j['persisted'] is False \
and j['decision']['allowed'] and len(j['outcomes']) == 1 and j['outcomes'][0]['ok'] \
and j['outcomes'][0]['new_driver'] == 'vfio-pci' and j['outcomes'][0]['old_driver'] == 'i40e'" \
	"bind --json carries decision and outcome"
bb release $NIC

# No driver named: the best vfio variant from modules.alias (depmod output of the fixture).
bb --json check 0000:87:00.2
expect_json "j['driver'] == 'mlx5_vfio_pci'" "check picks the mlx5 vfio variant"
bb bind 0000:87:00.2
expect_rc 0 "bind a ConnectX VF with no driver named"
expect_out "^bound 0000:87:00\.2 to mlx5_vfio_pci \(was mlx5_core\)$" "bound to its variant"
expect_driver 0000:87:00.2 mlx5_vfio_pci "the VF's driver link names mlx5_vfio_pci"
bb release 0000:87:00.2
expect_driver 0000:87:00.2 mlx5_core "VF released to mlx5_core"

# A GPU and its audio function share IOMMU group 5: bound as one unit.
bb bind 0000:03:00.0 --group
expect_rc 0 "group bind of a GPU"
expect_driver 0000:03:00.0 vfio-pci "GPU on vfio-pci"
expect_driver 0000:03:00.1 vfio-pci "its audio function on vfio-pci"
expect_driver 0000:04:00.0 nvidia "the next GPU is untouched"
bb release 0000:03:00.0
bb release 0000:03:00.1
expect_driver 0000:03:00.0 nvidia "GPU released to nvidia"
expect_driver 0000:03:00.1 snd_hda_intel "audio released to snd_hda_intel"

# The host's own devices are refused before anything is written.
lines=$(wc -l <"$MNT/.simsys/log")
bb bind 0000:12:00.0 vfio-pci
expect_rc 1 "bind of the boot disk is denied"
expect_err "denied: .*deny backs-mount.*nvme0n1.*\(rule .*/50-e2e\.rules:6\)" "denial names the reason"
bb --json quarantine 0000:11:00.0
expect_rc 1 "quarantine of the boot VGA device is denied"
expect_json "j['error'] == 'io.bindbroker.Broker.Denied' and j['rule'].endswith('/50-e2e.rules:5') \
and j['device'] == '0000:11:00.0'" "denial --json names device and rule"
if [ "$(wc -l <"$MNT/.simsys/log")" -eq "$lines" ]; then ok "denials wrote nothing"; else
	not_ok "denials wrote nothing"; fi
expect_driver 0000:12:00.0 nvme "boot disk still on nvme"

# Acting calls need root until authorization lands; reading does not.
if command -v setpriv >/dev/null; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	RC=0
	as_nobody "$BINDBROKER" --socket "$SOCK" bind $NIC vfio-pci >"$TMP/out" 2>"$TMP/err" || RC=$?
	OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
	expect_rc 1 "bind by uid 65534 is refused"
	expect_err "permission denied: .*uid 65534" "refusal names the uid"
	expect_driver $NIC i40e "refused bind changed nothing"
	RC=0
	as_nobody "$BINDBROKER" --socket "$SOCK" list >"$TMP/out" 2>"$TMP/err" || RC=$?
	OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
	expect_rc 0 "list by uid 65534 is served"
fi

finish
