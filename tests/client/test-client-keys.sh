#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# keygen, table sign and table verify (offline), against Debian's real minisign both ways.
set -eu
BB=$1
command -v minisign >/dev/null || { echo "minisign not installed"; exit 77; }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
. "$(dirname "$0")/lib.sh"

table() { # table FILE SERIAL EXPIRES
	cat >"$1" <<T
format: bindbroker-table 1
name: mlx5-vfio
vendor: 15b3
driver: mlx5_vfio_pci
serial: $2
issued: 2020-11-01T00:00:00Z
expires: $3

15b3:101e                     # one device id
15b3:101d subsys 15b3:0001    # with subsystem ids
T
}
mkdir "$D/keys"
table "$D/t.table" 7 2099-11-01T00:00:00Z

# keygen: two files, modes 0600/0644, key id and public key printed and matching the file.
run 0 keygen --output-dir "$D/keys"
[ "$(stat -c %a "$D/keys/bindbroker.key")" = 600 ] || fail "secret key mode"
[ "$(stat -c %a "$D/keys/bindbroker.pub")" = 644 ] || fail "public key mode"
PUBLINE=$(sed -n 2p "$D/keys/bindbroker.pub")
grep -qxF "$PUBLINE" "$D/out" || fail "keygen does not print the public key"
ID=$(sed -n 's/^key id: *\([0-9A-F]\{16\}\)$/\1/p' "$D/out")
[ -n "$ID" ] || fail "keygen does not print a key id"
grep -q "minisign public key $ID" "$D/keys/bindbroker.pub" || fail "key id $ID not in the file"
echo "ok 1 keygen writes a key pair and prints key id $ID"

# Refuses to overwrite; the old key survives.
cp "$D/keys/bindbroker.key" "$D/key.before"
run 2 keygen --output-dir "$D/keys"
expect_err "exists; not overwriting" "keygen over existing keys"
cmp -s "$D/keys/bindbroker.key" "$D/key.before" || fail "the secret key changed"
run 2 --json keygen --output-dir "$D/keys"
json_ok
[ "$(json_get 'o["error"]')" = io.bindbroker.Client.BadInput ] || fail "json error name"
echo "ok 2 keygen refuses to overwrite (exit 2)"

run 0 --json keygen --output-dir "$D"
json_ok
[ "$(json_get 'o["public_key"]')" = "$(sed -n 2p "$D/bindbroker.pub")" ] || fail "json public key"
echo "ok 3 keygen --json"

# minisign signs with bindbroker keygen's secret key; bindbroker table verify accepts it.
minisign -S -s "$D/keys/bindbroker.key" -m "$D/t.table" -t "signed by minisign" </dev/null \
	>/dev/null || fail "minisign -S refused bindbroker keygen's secret key"
run 0 table verify "$D/t.table" --key "$D/keys/bindbroker.pub"
expect_out "^valid: .*table mlx5-vfio, vendor 15b3, serial 7, 2 entries" "verify output"
expect_out "signed by key id $ID" "verify names the signer"
echo "ok 4 minisign -S -s KEY -> bindbroker table verify"

# bindbroker table sign; minisign -V verifies it with the public key.
rm "$D/t.table.minisig"
run 0 table sign "$D/t.table" --key "$D/keys/bindbroker.key"
expect_out "signed .*t.table with key id $ID" "sign output"
[ -f "$D/t.table.minisig" ] || fail "no .minisig written"
minisign -Vm "$D/t.table" -p "$D/keys/bindbroker.pub" >"$D/ms" || fail "minisign -V refused"
grep -q "Trusted comment: timestamp:.*file:t.table" "$D/ms" || fail "trusted comment"
run 0 --json table sign "$D/t.table" --key="$D/keys/bindbroker.key"
json_ok
[ "$(json_get 'o["signer"]')" = "$ID" ] || fail "sign --json signer"
echo "ok 5 bindbroker table sign -> minisign -Vm"

run 0 --json table verify "$D/t.table" --key "$D/keys/bindbroker.pub"
json_ok
[ "$(json_get 'o["valid"], o["serial"], o["entries"], o["drivers"]')" = \
	"True 7 2 ['mlx5_vfio_pci']" ] || fail "verify --json fields: $(cat "$D/out")"
echo "ok 6 table verify --json"

# A tampered table: exit 1 naming the signature check.
cp "$D/t.table.minisig" "$D/x.table.minisig"
sed 's/serial: 7/serial: 8/' "$D/t.table" >"$D/x.table"
run 1 table verify "$D/x.table" --key "$D/keys/bindbroker.pub"
expect_err "refused \(signature check\): bad signature" "tampered table"
run 1 --json table verify "$D/x.table" --key "$D/keys/bindbroker.pub"
json_ok
[ "$(json_get 'o["check"]')" = signature ] || fail "json check of a tampered table"
echo "ok 7 tampered table -> exit 1, signature check"

# The wrong key: signature check too.
run 1 table verify "$D/t.table" --key "$D/bindbroker.pub"
expect_err "refused \(signature check\)" "wrong key"
echo "ok 8 wrong key -> exit 1"

# Expired (signed with minisign) -> the expiry check; malformed but signed -> syntax.
table "$D/old.table" 3 2021-01-01T00:00:00Z
minisign -S -s "$D/keys/bindbroker.key" -m "$D/old.table" </dev/null >/dev/null
run 1 table verify "$D/old.table" --key "$D/keys/bindbroker.pub"
expect_err "refused \(expiry check\)" "expired table"
printf 'format: bindbroker-table 9\n' >"$D/bad.table"
minisign -S -s "$D/keys/bindbroker.key" -m "$D/bad.table" </dev/null >/dev/null
run 1 table verify "$D/bad.table" --key "$D/keys/bindbroker.pub"
expect_err "refused \(syntax check\): .*bad.table:1:" "malformed table"
echo "ok 9 expired -> expiry check, malformed -> syntax check (exit 1)"

# Unreadable inputs and bad keys are bad input (2), not a refusal.
run 2 table verify "$D/none.table" --key "$D/keys/bindbroker.pub"
expect_err "none.table.minisig: cannot read" "missing signature"
run 2 table verify "$D/t.table" --key "$D/nokey.pub"
expect_err "^bindbroker: --key: .*nokey.pub" "missing key"
run 2 table verify "$D/t.table" --key "$D/keys/bindbroker.key"
expect_err "^bindbroker: --key:" "a secret key given as public"
run 2 table sign "$D/bad.table" --key "$D/keys/bindbroker.key"
expect_err "bad.table:1:" "signing a malformed table"
run 2 table sign "$D/t.table" --key "$D/keys/bindbroker.pub"
run 2 --json table sign "$D/t.table" --key "$D/nokey"
json_ok
echo "ok 10 unreadable or malformed inputs -> exit 2"
