#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Attack suite, files: config files writable by others (policy.d, bindbroker.conf, keys.d)
# stop the start; a SIGHUP reload of a policy made writable keeps the old policy; tables with
# a zeroed signature, a legacy (non-prehashed) signature, a lapsed expiry (freeze attack) or
# outside the key's scope are refused and journaled, and change nothing.
. "$(dirname "$0")/../daemon/e2e-lib.sh"

TOOL=${BB_TABLES_TOOL:-}
[ -x "$TOOL" ] || { echo "SKIP: bb-tables-tool not built"; exit 77; }
NIC=0000:18:00.1
mount_simsys gpu-server
write_test_policy

refuses_start() { # DESCRIPTION PATTERN
	"$BINDBROKERD" --sysfs-root "$MNT" --state-dir "$STATE" --config-dir "$TMP/config" \
		--socket "$SOCK" --audit off >"$TMP/out" 2>"$TMP/err" &
	p=$!
	i=0
	while kill -0 $p 2>/dev/null && [ $i -lt 250 ]; do i=$((i + 1)); sleep 0.02; done
	if kill -0 $p 2>/dev/null; then kill $p; wait $p; RC=0; else wait $p; RC=$?; fi
	OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
	if [ "$RC" -ne 0 ]; then ok "$1: bindbrokerd refuses to start (exit $RC)"; else not_ok "$1: bindbrokerd refuses to start"; fi
	expect_err "$2" "$1: the error names the file"
}
mkdir -p "$STATE"
chmod 666 "$TMP/config/policy.d/50-e2e.rules"
refuses_start "policy file writable by others" "50-e2e.rules"
chmod 644 "$TMP/config/policy.d/50-e2e.rules"
printf 'audit = off\n' >"$TMP/config/bindbroker.conf"
chmod 646 "$TMP/config/bindbroker.conf"
refuses_start "bindbroker.conf writable by others" "bindbroker.conf: writable by others"
chmod 644 "$TMP/config/bindbroker.conf"
KEYS=$TMP/config/keys.d
mkdir -p "$KEYS" "$TMP/vendor"
"$TOOL" keygen "$KEYS/intel.pub" "$TMP/vendor/intel.key" >/dev/null || { echo "FATAL: keygen"; exit 1; }
printf 'vendor 8086\ndriver vfio-pci\n' >"$KEYS/intel.scope"
chmod 644 "$KEYS"/*
chmod 775 "$KEYS"
refuses_start "keys.d writable by its group" "keys.d: writable by its group"
chmod 755 "$KEYS"
chmod 664 "$KEYS/intel.scope"
refuses_start "a key scope writable by its group" "keys.d/intel.scope: writable by its group"
chmod 644 "$KEYS/intel.scope"

start_daemon --audit off
ok "with every file fixed the broker starts"
# A reload of a policy file made writable by others keeps the old policy.
chmod 666 "$TMP/config/policy.d/50-e2e.rules"
vcall ReloadPolicy
expect_rc 1 "ReloadPolicy refuses a policy file writable by others"
chmod 644 "$TMP/config/policy.d/50-e2e.rules"
bb check $NIC vfio-pci
expect_rc 0 "the old policy still decides"

table() { # FILE SERIAL EXPIRES VENDOR
	cat >"$1" <<TABLE
format: bindbroker-table 1
name: intel-nic
vendor: $4
driver: vfio-pci
serial: $2
issued: 2026-10-01T00:00:00Z
expires: $3

$4:1572
TABLE
}
NOW=2026-10-02T00:00:00Z
# Zeroed signature: the signature bytes of a real signature replaced by zeros.
table "$TMP/vendor/t.table" 5 2030-01-01T00:00:00Z 8086
"$TOOL" sign "$TMP/vendor/t.table" "$TMP/vendor/intel.key" "$NOW" >/dev/null || exit 1
python3 - "$TMP/vendor/t.table.minisig" zero <<'PY'
import base64, sys
p, how = sys.argv[1], sys.argv[2]
lines = open(p).read().split("\n")
raw = base64.b64decode(lines[1])
if how == "zero":
    raw = raw[:10] + bytes(64)
else:  # legacy: algorithm "Ed" (signature over the raw message, not its BLAKE2b hash)
    raw = b"Ed" + raw[2:]
lines[1] = base64.b64encode(raw).decode()
open(p, "w").write("\n".join(lines))
PY
install_table "$TMP/vendor/t.table"
expect_rc 1 "a zeroed signature is refused"
expect_out "signature" "the refusal names the signature"
"$TOOL" sign "$TMP/vendor/t.table" "$TMP/vendor/intel.key" "$NOW" >/dev/null || exit 1
python3 - "$TMP/vendor/t.table.minisig" legacy <<'PY'
import base64, sys
p = sys.argv[1]
lines = open(p).read().split("\n")
raw = base64.b64decode(lines[1])
lines[1] = base64.b64encode(b"Ed" + raw[2:]).decode()
open(p, "w").write("\n".join(lines))
PY
install_table "$TMP/vendor/t.table"
expect_rc 1 "a legacy (non-prehashed) signature is refused"
# Freeze: a correctly signed table whose expiry has passed.
table "$TMP/vendor/t.table" 6 2026-10-03T00:00:00Z 8086
"$TOOL" sign "$TMP/vendor/t.table" "$TMP/vendor/intel.key" "$NOW" >/dev/null || exit 1
install_table "$TMP/vendor/t.table"
expect_rc 1 "an expired table is refused (freeze attack)"
expect_out "expir" "the refusal says expired"
# Scope: the Intel key signs a table for another vendor.
table "$TMP/vendor/t.table" 7 2030-01-01T00:00:00Z 10de
"$TOOL" sign "$TMP/vendor/t.table" "$TMP/vendor/intel.key" "$NOW" >/dev/null || exit 1
install_table "$TMP/vendor/t.table"
expect_rc 1 "a table outside the key's scope is refused"
# Rollback: a valid table at serial 9, then one at serial 8.
table "$TMP/vendor/t.table" 9 2030-01-01T00:00:00Z 8086
"$TOOL" sign "$TMP/vendor/t.table" "$TMP/vendor/intel.key" "$NOW" >/dev/null || exit 1
install_table "$TMP/vendor/t.table"
expect_rc 0 "a valid table installs (serial 9)"
table "$TMP/vendor/t.table" 8 2030-01-01T00:00:00Z 8086
"$TOOL" sign "$TMP/vendor/t.table" "$TMP/vendor/intel.key" "$NOW" >/dev/null || exit 1
install_table "$TMP/vendor/t.table"
expect_rc 1 "a lower serial is refused (rollback)"
vcall ListTables
expect_json "[(t['name'], t['serial']) for t in j['parameters']['tables']] == [('intel-nic', 9)]" \
	"only the valid table is installed"
refusals=$(grep -c "type=refuse" "$STATE/journal/records")
RC=0 OUT=$refusals ERR=''
if [ "$refusals" -ge 5 ]; then ok "every table refusal is journaled ($refusals refuse records)"
else not_ok "every table refusal is journaled ($refusals refuse records)"; fi
expect_driver $NIC i40e "the NIC kept its driver"
if [ -s "$MNT/.simsys/log" ]; then RC=1 OUT=$(cat "$MNT/.simsys/log") ERR=''; not_ok "simsys saw no write"
else ok "simsys saw no write"; fi
finish
