#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# A signed table's expiry is a journal event: the table that admits the mlx5 VF expires a
# few seconds after it is installed; from then on the VF is denied, status counts it as
# expired, and the journal has one table-expired record naming the table, its serial and
# its signer. A restart does not record the same expiry again, and the journal verifies.
. "$(dirname "$0")/e2e-lib.sh"

TOOL=${BB_TABLES_TOOL:-}
[ -x "$TOOL" ] || { echo "SKIP: bb-tables-tool not built"; exit 77; }

mount_simsys gpu-server
MODDIR=$(make_modules) || { echo "FATAL: modules fixture"; exit 1; }
VF=0000:87:00.2
trust_mlx_signer

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
SOON=$(date -u -d '+4 seconds' +%Y-%m-%dT%H:%M:%SZ)
TABLE=$TMP/vendor/short.table
cat >"$TABLE" <<TABLE
format: bindbroker-table 1
name: short
vendor: 15b3
driver: mlx5_vfio_pci
serial: 5
issued: 2026-11-01T00:00:00Z
expires: $SOON

15b3:101e                     # ConnectX-6 Dx VF
TABLE
"$TOOL" sign "$TABLE" "$TMP/vendor/mlx.key" "$NOW" || exit 1

E2E_DEFAULT_POLICY=1 start_daemon --modules-dir "$MODDIR" --audit off
install_table "$TABLE"
expect_rc 0 "a table that expires in a few seconds installs"
bb check $VF
expect_rc 0 "while it is valid the variant is allowed"

# Bounded wait for the expiry and the daemon's next look (once a second).
i=0
while ! grep -q "type=table-expired" "$STATE/journal/records" && [ $i -lt 200 ]; do
	i=$((i + 1))
	sleep 0.05
done
count_expired() { grep -c "type=table-expired" "$STATE/journal/records"; }
if grep -q "type=table-expired expires=$SOON key=mlx name=short serial=5 " \
	"$STATE/journal/records"; then ok "the expiry is journaled with name, serial, signer and time"
else RC=1 OUT=$(tail -3 "$STATE/journal/records") ERR=''; not_ok "the expiry is journaled with name, serial, signer and time"; fi
bb check $VF
expect_rc 1 "once expired the variant is denied"
bb --json status
expect_json "j['tables']['expired'] == 1" "status counts the table as expired"

stop_daemon
E2E_DEFAULT_POLICY=1 start_daemon --modules-dir "$MODDIR" --audit off
bb status >/dev/null
sleep 1.2 # past the first look after the restart (it runs at start and once a second)
bb status >/dev/null
N=$(count_expired)
if [ "$N" = 1 ]; then ok "a restart does not record the same expiry again"
else RC=1 OUT="$N records" ERR=''; not_ok "a restart does not record the same expiry again"; fi
stop_daemon
"$BINDBROKER" audit verify --journal "$STATE/journal" --key "$STATE/journal.key.pub" \
	>"$TMP/out" 2>"$TMP/err"
RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
expect_rc 0 "the journal verifies"
finish
