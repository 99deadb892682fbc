#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# table install, table list and audit show against a FAKE broker (fake-broker.py: canned
# replies, no checks) until the daemon methods are merged. It tests only the client's side:
# what it sends (the file bytes, the base name, normalized arguments), how it prints the
# replies, and its exit codes. The real end-to-end tests of these commands come with the
# merge of the daemon side.
set -eu
BB=$1
FAKE=$2
D=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

python3 "$FAKE" "$D/sock" "$D/calls" &
PID=$!
i=0
while [ ! -S "$D/sock" ]; do
	i=$((i + 1))
	[ $i -lt 500 ] || fail "the fake broker did not start"
	sleep 0.01
done
S="--socket=$D/sock"
last_call() { tail -n 1 "$D/calls"; }
calls() { wc -l <"$D/calls" 2>/dev/null || echo 0; }

# A signed table (bindbroker's own keygen and sign) to install.
run 0 keygen --output-dir "$D"
mkdir "$D/dir"
cat >"$D/dir/mlx5-vfio.table" <<'T'
format: bindbroker-table 1
name: mlx5-vfio
vendor: 15b3
driver: mlx5_vfio_pci
serial: 7
issued: 2026-11-01T00:00:00Z
expires: 2099-11-01T00:00:00Z

15b3:101e                     # "quoted" \ and a backslash
T
run 0 table sign "$D/dir/mlx5-vfio.table" --key "$D/bindbroker.key"

run 0 "$S" table install "$D/dir/mlx5-vfio.table"
expect_out "^installed mlx5-vfio.table: serial 7, 2 entries, .*signed by vendor \(key id C85B4EE4AB2C468B\)" \
	"install output"
last_call | python3 -c '
import json, sys
c = json.load(sys.stdin)
p = c["parameters"]
assert c["method"] == "io.bindbroker.Broker.InstallTable", c
assert sorted(p) == ["name", "signature", "table"], p
assert p["name"] == "mlx5-vfio.table", p
assert p["table"] == open(sys.argv[1]).read(), "table bytes differ"
assert p["signature"] == open(sys.argv[1] + ".minisig").read(), "signature bytes differ"
' "$D/dir/mlx5-vfio.table" || fail "InstallTable did not carry the files' bytes and base name"
run 0 "$S" --json table install "$D/dir/mlx5-vfio.table"
json_ok
[ "$(json_get 'o["journal_seq"]')" = 12 ] || fail "install --json passes the reply"
echo "ok 1 table install sends the table, its signature and the base name (fake broker)"

# A refusal: exit 1, the reason and the check named.
cp "$D/dir/mlx5-vfio.table" "$D/deny.table"
cp "$D/dir/mlx5-vfio.table.minisig" "$D/deny.table.minisig"
run 1 "$S" table install "$D/deny.table"
expect_err "^bindbroker: denied: bad signature: .*\(check signature\)" "refusal names the check"
run 1 "$S" --json table install "$D/deny.table"
json_ok
[ "$(json_get 'o["error"], o["check"]')" = "io.bindbroker.Broker.Denied signature" ] ||
	fail "refusal --json"
cp "$D/deny.table" "$D/invalid.table"
cp "$D/deny.table.minisig" "$D/invalid.table.minisig"
run 2 "$S" table install "$D/invalid.table"
expect_err "invalid parameter" "InvalidParameter -> 2"
echo "ok 2 install refused -> exit 1 naming the check; InvalidParameter -> 2 (fake broker)"

# Bad input never reaches the broker.
before=$(calls)
printf 'format: bindbroker-table 1\nname: x\n' >"$D/bad.table"
cp "$D/deny.table.minisig" "$D/bad.table.minisig"
run 2 "$S" table install "$D/bad.table"
expect_err "bad.table:" "a malformed table is refused locally"
printf 'not a signature\n' >"$D/deny.table.minisig"
run 2 "$S" table install "$D/deny.table"
expect_err "deny.table.minisig:1:" "a malformed signature is refused locally"
{
	sed '/^$/q' "$D/dir/mlx5-vfio.table"
	i=0
	while [ $i -lt 7000 ]; do
		printf '15b3:%04x\n' $i
		i=$((i + 1))
	done
} >"$D/big.table"
run 0 table sign "$D/big.table" --key "$D/bindbroker.key"
[ "$(calls)" = "$before" ] || fail "bad input reached the broker"
echo "ok 3 malformed table, malformed signature: exit 2 before any call"

# A table over the call size limit goes as two passed files: the call carries only the name
# (tests/daemon/test-e2e-large-table.sh shows the real broker reading them).
run 0 "$S" table install "$D/big.table"
tail -n 1 "$D/calls" | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert sorted(c["parameters"]) == ["name"] and c["parameters"]["name"] == "big.table", c
' || fail "a large table's call should carry only its name"
echo "ok 3b a table over the call size limit is sent as open files, not text"

# table list: a table with the expired flag; control bytes from the wire are neutralized.
run 0 "$S" table list
expect_out "^NAME +SIGNER +KEY ID +SERIAL +EXPIRES +ENTRIES +STATE" "list header"
expect_out "^mlx5-vfio +vendor +C85B4EE4AB2C468B +7 +2027-11-01T00:00:00Z +2 +valid" "list row"
expect_out "^old-gpu +gpu\?vendor +0123456789ABCDEF +3 +2021-01-01T00:00:00Z +5 +EXPIRED" \
	"expired row"
last_call | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert c["method"] == "io.bindbroker.Broker.ListTables" and not c.get("parameters"), c
' || fail "ListTables call: $(last_call)"
run 0 "$S" --json table list
json_ok
[ "$(json_get '[t["expired"] for t in o["tables"]]')" = "[False, True]" ] || fail "list --json"
echo "ok 4 table list: a table with the expired flag; --json (fake broker)"

# audit show: arguments normalized and sent; records printed one per line.
run 0 "$S" audit show --device 0000:0A:00.0 --since 2026-11-22T03:00:00Z
last_call | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert c["method"] == "io.bindbroker.Broker.AuditShow", c
assert c["parameters"] == {"device": "0000:0a:00.0", "since": "2026-11-22T03:00:00Z"}, c
' || fail "AuditShow parameters: $(last_call)"
expect_out "^2026-11-22T03:00:01.000000Z #4 intent device=0000:0a:00.0 op=bind since-seen=2026-11-22T03:00:00Z$" \
	"record line"
run 0 "$S" audit show
last_call | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert c.get("parameters", {}) == {}, c' || fail "AuditShow without filters: $(last_call)"
run 0 "$S" --json audit show
json_ok
[ "$(json_get 'o["records"][0]["seq"]')" = 4 ] || fail "audit show --json"
echo "ok 5 audit show sends normalized filters and prints records (fake broker)"

# status with the parts GetStatus gains in the integration.
run 0 "$S" status
expect_out "^audit +best-effort \(not available\)$" "status: audit object"
expect_out "^policy +12 rules in 3 files$" "status: policy"
expect_out "^tables +2 installed, 1 expired$" "status: tables"
expect_out "^journal +/var/lib/bindbroker/journal, 41 records$" "status: journal"
echo "ok 6 status shows audit, policy, tables and journal parts (fake broker)"

# A broker without the methods (older than the client): exit 2, naming the call it lacks.
: >"$D/sock.old"
run 2 "$S" table list
expect_err "does not know this call: io.bindbroker.Broker.ListTables \(is bindbrokerd older" \
	"an older broker"
run 2 "$S" --json audit show
json_ok
[ "$(json_get 'o["error"]')" = org.varlink.service.MethodNotFound ] || fail "older broker --json"
rm "$D/sock.old"
echo "ok 7 a broker without the methods -> exit 2 naming the call (fake broker)"

# The broker gone: exit 4.
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=
run 4 "$S" table list
expect_err "cannot reach the broker" "unreachable"
run 4 "$S" audit show
echo "ok 8 no broker -> exit 4"
