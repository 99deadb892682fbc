#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Signed tables through the daemon on the GPU server (lockdown integrity) with
# the built-in default policy: the mlx5 VF 0000:87:00.2 goes to its vfio variant
# only once a table signed by a trusted, scoped key lists it; a lower serial,
# an untrusted key and a table outside the key's scope are refused (also after
# a restart), and every install and refusal is journaled.
. "$(dirname "$0")/e2e-lib.sh"

TOOL=${BB_TABLES_TOOL:-}
[ -x "$TOOL" ] || { echo "SKIP: bb-tables-tool not built"; exit 77; }

mount_simsys gpu-server
MODDIR=$(make_modules) || { echo "FATAL: modules fixture"; exit 1; }
VF=0000:87:00.2
NOW=2026-11-20T00:00:00Z
trust_mlx_signer
"$TOOL" keygen "$TMP/vendor/rogue.pub" "$TMP/vendor/rogue.key" || { echo "FATAL: keygen"; exit 1; }

table() { # FILE SERIAL VENDOR DEVICE_LINE
	cat >"$1" <<TABLE
format: bindbroker-table 1
name: mlx5-vfio
vendor: $3
driver: mlx5_vfio_pci
serial: $2
issued: 2026-11-01T00:00:00Z
expires: 2027-11-01T00:00:00Z

$4
TABLE
}
table "$TMP/vendor/mlx5-vfio.table" 7 15b3 "15b3:101e                     # ConnectX-6 Dx VF"
printf '15b3:101d subsys 15b3:0001    # with subsystem ids\n' >>"$TMP/vendor/mlx5-vfio.table"
"$TOOL" sign "$TMP/vendor/mlx5-vfio.table" "$TMP/vendor/mlx.key" "$NOW" || exit 1

E2E_DEFAULT_POLICY=1 start_daemon --modules-dir "$MODDIR" --audit off
bb --json status
expect_json "j['lockdown'] == 'integrity' and j['tables']['count'] == 0 \
and j['policy']['source'] == 'built-in'" "integrity lockdown, no table, the default policy"

bb --json check $VF
expect_rc 1 "without a table the variant is denied"
expect_json "j['driver'] == 'mlx5_vfio_pci' and j['decision']['policy']['rule']['text'].startswith('deny driver *_vfio_pci')" \
	"denied by the default policy's variant rule"
bb bind $VF
expect_rc 1 "bind without a table is denied"
expect_driver $VF mlx5_core "the VF stays on mlx5_core"

install_table "$TMP/vendor/mlx5-vfio.table"
expect_rc 0 "InstallTable takes the signed table"
expect_json "j['parameters']['name'] == 'mlx5-vfio' and j['parameters']['serial'] == 7 \
and j['parameters']['entries'] == 2 and j['parameters']['key'] == 'mlx' \
and j['parameters']['signed'] is True and isinstance(j['parameters']['journal_seq'], int)" \
	"the reply names table, serial, entries and key"
vcall ListTables
expect_json "[(t['name'], t['serial'], t['expired']) for t in j['parameters']['tables']] == \
[('mlx5-vfio', 7, False)]" "ListTables lists it"

bb --json check $VF
expect_rc 0 "with the table the variant is allowed"
expect_json "j['decision']['policy']['rule']['text'].startswith('allow driver *_vfio_pci if signed-table') \
and j['decision']['policy']['facts']['signed_table'].startswith('mlx5-vfio covers')" \
	"allowed by the signed-table rule, and the fact says which table"
bb bind $VF
expect_rc 0 "bind to the variant"
expect_out "^bound $VF to mlx5_vfio_pci \(was mlx5_core\)$" "bound to mlx5_vfio_pci"
expect_driver $VF mlx5_vfio_pci "the VF's driver link names mlx5_vfio_pci"
bb release $VF
expect_rc 0 "release the VF"
expect_driver $VF mlx5_core "back on mlx5_core"

# A lower serial, an untrusted signer, a table outside the key's scope: refused.
table "$TMP/vendor/old.table" 6 15b3 "15b3:101e"
"$TOOL" sign "$TMP/vendor/old.table" "$TMP/vendor/mlx.key" "$NOW" || exit 1
install_table "$TMP/vendor/old.table"
expect_json "j['error'] == 'io.bindbroker.Broker.Denied' and j['parameters']['check'] == 'rollback'" \
	"serial 6 after 7 is a rollback"
table "$TMP/vendor/rogue.table" 8 15b3 "15b3:101e"
"$TOOL" sign "$TMP/vendor/rogue.table" "$TMP/vendor/rogue.key" "$NOW" || exit 1
install_table "$TMP/vendor/rogue.table"
expect_json "j['error'] == 'io.bindbroker.Broker.Denied' and j['parameters']['check'] == 'trust'" \
	"a key not in keys.d is not trusted"
table "$TMP/vendor/gpu.table" 9 10de "10de:2330"
"$TOOL" sign "$TMP/vendor/gpu.table" "$TMP/vendor/mlx.key" "$NOW" || exit 1
install_table "$TMP/vendor/gpu.table"
expect_json "j['error'] == 'io.bindbroker.Broker.Denied' and j['parameters']['check'] == 'scope'" \
	"the mlx key cannot speak for vendor 10de"
vcall InstallTable '{"name": "../x", "table": "", "signature": ""}'
expect_json "j['error'] == 'io.bindbroker.Broker.InvalidArgument'" "a file name with a slash is refused"

audit_show
expect_json "[r['type'] for r in j['records'] if r['type'] in ('table-install', 'refuse') \
and r.get('op', 'table-install') == 'table-install'] == ['table-install', 'refuse', 'refuse', 'refuse'] \
and [r.get('check') for r in j['records'] if r['type'] == 'refuse' and r['op'] == 'table-install'] \
== ['rollback', 'trust', 'scope']" "the install and each refusal are journaled with their check"
expect_json "[r['rule'] for r in j['records'] if r['type'] == 'intent' and r['op'] == 'bind'][0]\
.startswith('built-in/50-default.rules:') and [r.get('table') for r in j['records'] \
if r['type'] == 'intent' and r['op'] == 'bind'][0] == 'mlx5-vfio'" \
	"the bind intent names the default rule and the signed table"

# After a restart: the table is re-verified and still counts; the rollback is still refused.
stop_daemon
E2E_DEFAULT_POLICY=1 start_daemon --modules-dir "$MODDIR" --audit off
vcall ListTables
expect_json "[t['serial'] for t in j['parameters']['tables']] == [7]" "the table survives a restart"
install_table "$TMP/vendor/old.table"
expect_json "j['parameters']['check'] == 'rollback'" "the rollback is refused after a restart"
install_table "$TMP/vendor/mlx5-vfio.table"
expect_json "j['parameters']['check'] == 'rollback'" "so is the same serial again"
bb check $VF
expect_rc 0 "the VF is still covered"

finish
