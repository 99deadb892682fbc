#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Read-only calls on the GPU server: status, list, show, check with the reasons
# of each refusal, and the --json forms.
. "$(dirname "$0")/e2e-lib.sh"

mount_simsys gpu-server
start_daemon

bb status
expect_rc 0 "status"
expect_out "lockdown +integrity" "status shows the lockdown posture"
expect_out "sysfs root +$MNT \(simulated\)" "status names the simulated sysfs root"
bb --json status
expect_json "j['lockdown'] == 'integrity' and j['simulated'] is True and j['devices'] == 42" \
	"status --json: lockdown, simulated, 42 devices"

bb list
expect_rc 0 "list"
expect_out "^DEVICE +IDS +CLASS +DRIVER +GROUP +NOTES" "list has a table header"
expect_out "^0000:18:00\.0 +8086:1572 +020000 +i40e +29 +eno1\(default-route\)" \
	"list row of the NIC carrying the default route"
expect_out "^0000:12:00\.0 +144d:a80a +010802 +nvme +27 +nvme0n1\(mounted\)" \
	"list row of the boot disk"
expect_out "^0000:11:00\.0 .* boot-vga" "list marks the boot VGA device"
expect_out "^0000:00:00\.0 .* host-bridge" "list marks the host bridge"
if [ "$(printf '%s\n' "$OUT" | grep -c '^0000:')" -eq 42 ]; then ok "list has 42 rows"; else
	not_ok "list has 42 rows"; fi
bb --json list
expect_json "len(j['devices']) == 42" "list --json: 42 devices"
expect_json "[d for d in j['devices'] if d['address'] == '0000:03:00.0'][0]['driver'] == 'nvidia'" \
	"list --json: the GPU is on nvidia"

bb show 0000:03:00.0
expect_rc 0 "show GPU"
expect_out "^ids +10de:2330 \(subsystem" "show prints ids"
expect_out "^driver +nvidia$" "show prints the driver"
expect_out "^iommu_group +5$" "show prints the IOMMU group"
expect_out "member +0000:03:00\.1 +class 040300 +snd_hda_intel" "show lists the group's members"
bb --json show 0000:03:00.0
expect_json "j['device']['address'] == '0000:03:00.0' and j['device']['class'] == '030200' \
and j['device']['iommu_group'] == 5 and len(j['device']['group']) == 2 \
and j['device']['driver_override'] is None and j['device']['boot_vga'] is None" \
	"show --json carries the fields"
bb show 0000:03:00.0 --json # options may follow the command
expect_json "j['device']['vendor'] == '10de'" "--json after the command"

bb show 0000:7f:00.0
expect_rc 2 "show of an absent device"
expect_err "no such device: 0000:7f:00\.0" "absent device is named"

# The dry run refuses the host's own devices and says why.
bb check 0000:12:00.0
expect_rc 1 "check of the boot disk"
expect_out "denied: .*deny backs-mount.*nvme0n1.*\(rule .*/50-e2e\.rules:6\)" \
	"boot disk refusal names the reason and rule"
bb --json check 0000:12:00.0
expect_rc 1 "check --json of the boot disk"
expect_json "j['allowed'] is False and j['decision']['rule'].endswith('/50-e2e.rules:6') \
and j['decision']['policy']['rule']['line'] == 6 and j['decision']['policy']['source'] == 'rule' \
and 'nvme0n1' in j['decision']['reason'] and j['facts']['block'][0]['mounted'] is True" \
	"check --json carries decision and facts"
bb check 0000:11:00.0
expect_rc 1 "check of the boot VGA device"
expect_out "deny boot-vga.*\(rule .*/50-e2e\.rules:5\)" "boot VGA refusal"
bb check 0000:18:00.0 vfio-pci
expect_rc 1 "check of the NIC carrying the default route"
expect_out "deny carries-default-route.*eno1.*\(rule .*/50-e2e\.rules:7\)" "default route refusal"
bb check 0000:00:00.0
expect_rc 1 "check of a host bridge"
expect_out "deny class 0x06.*\(rule .*/50-e2e\.rules:3\)" "host bridge refusal"
bb check 0000:02:00.0
expect_rc 1 "check of a PCI bridge"
expect_out "deny bridge.*\(rule .*/50-e2e\.rules:2\)" "bridge refusal"

bb check 0000:18:00.1 vfio-pci
expect_rc 0 "check of the spare NIC"
expect_out "^allowed: bind 0000:18:00\.1 to vfio-pci" "allowed check names device and driver"
expect_driver 0000:18:00.1 i40e "check changed nothing"
bb --json check 0000:03:00.0 --group
expect_rc 0 "check --group of a GPU"
expect_json "j['allowed'] and j['driver'] == 'vfio-pci' and \
sorted(m['device'] for m in j['members']) == ['0000:03:00.0', '0000:03:00.1']" \
	"group check decides on every member"

# A machine with 250 NICs: the list reply (well over the 64 KiB call limit) arrives whole.
stop_daemon
unmount_simsys
python3 -c "
import json
devs = [{'address': '0000:%02x:%02x.%x' % (1 + i // 64, (i // 8) % 8, i % 8), 'vendor': '8086',
         'device': '10d3', 'subsystem_vendor': '8086', 'subsystem_device': '0000',
         'class': '020000', 'revision': '00', 'iommu_group': i} for i in range(250)]
drv = [{'name': 'e1000e', 'module': 'e1000e', 'ids': [{'vendor': '8086', 'device': '10d3'}]}]
print(json.dumps({'lockdown': 'none', 'drivers': drv, 'devices': devs}))" >"$TMP/many.json"
mount_simsys "$TMP/many.json"
start_daemon
bb --json list
expect_rc 0 "list of 250 devices"
expect_json "len(j['devices']) == 250 and all(d['driver'] == 'e1000e' for d in j['devices'])" \
	"all 250 devices arrive"
# Pipelined calls whose replies outgrow the socket buffer, then end of input: all answered.
raw_call '{"method":"io.bindbroker.Broker.ListDevices"}\0{"method":"io.bindbroker.Broker.ListDevices"}\0{"method":"io.bindbroker.Broker.GetStatus"}\0' >"$TMP/out"
RC=0 OUT=$(tail -c 300 "$TMP/out") ERR=
if [ "$(grep -c '"devices":\[' "$TMP/out")" -eq 2 ] && tail -n 1 "$TMP/out" | grep -q '"devices":250'; then
	ok "three pipelined calls, three replies"; else not_ok "three pipelined calls, three replies"; fi
if [ "$(head -n 1 "$TMP/out" | wc -c)" -gt 65536 ]; then ok "a list reply on the wire is over 64 KiB"; else
	not_ok "a list reply on the wire is over 64 KiB"; fi

finish
