#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Interop with Debian's minisign, both ways (real minisign as an outside client):
#  1. a table signed by `minisign -S` with a `minisign -G -W` key verifies in bindbroker;
#  2. a table signed by bindbroker verifies with `minisign -V`;
#  3. a key from bindbroker keygen signs with `minisign -S -s`, and minisign -V accepts it;
#  4. tampering is caught by both; a legacy (-l) minisign signature is refused by bindbroker.
set -eu
TOOL=$1
command -v minisign >/dev/null || { echo "minisign not installed"; exit 77; }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
NOW=2026-11-22T00:00:00Z
fail() { echo "FAIL: $*"; exit 1; }

cat >"$D/t.table" <<'T'
format: bindbroker-table 1
name: mlx5-vfio
vendor: 15b3
driver: mlx5_vfio_pci
serial: 7
issued: 2026-11-01T00:00:00Z
expires: 2027-11-01T00:00:00Z

15b3:101e                     # one device id
15b3:101d subsys 15b3:0001    # with subsystem ids
T

# 1. minisign signs, bindbroker verifies.
minisign -G -W -p "$D/ms.pub" -s "$D/ms.key" >/dev/null
minisign -S -s "$D/ms.key" -m "$D/t.table" -t "minisign-made" >/dev/null
"$TOOL" verify "$D/t.table" "$D/ms.pub" $NOW || fail "bindbroker refused a minisign signature"
echo "ok 1 minisign -S -> bindbroker verify"

# 2. bindbroker signs (with its own key), minisign verifies.
"$TOOL" keygen "$D/bb.pub" "$D/bb.key"
"$TOOL" sign "$D/t.table" "$D/bb.key" $NOW
minisign -V -p "$D/bb.pub" -m "$D/t.table" >"$D/out" || fail "minisign refused bindbroker's signature"
grep -q "Trusted comment: timestamp:.*file:t.table" "$D/out" || fail "trusted comment lost"
"$TOOL" verify "$D/t.table" "$D/bb.pub" $NOW || fail "bindbroker refused its own signature"
echo "ok 2 bindbroker sign -> minisign -V"

# 3. bindbroker's secret key works in minisign -S -s.
minisign -S -s "$D/bb.key" -m "$D/t.table" -t "signed by minisign with a bindbroker key" </dev/null >/dev/null \
	|| fail "minisign cannot use a bindbroker key"
minisign -V -p "$D/bb.pub" -m "$D/t.table" >/dev/null || fail "minisign -V of its own signature"
"$TOOL" verify "$D/t.table" "$D/bb.pub" $NOW || fail "bindbroker refused"
echo "ok 3 bindbroker keygen -> minisign -S -s"

# 4. Tampering and wrong keys are refused by both sides.
"$TOOL" verify "$D/t.table" "$D/ms.pub" $NOW 2>"$D/err" && fail "wrong key accepted"
grep -q "wrong key" "$D/err" || fail "wrong key reason: $(cat "$D/err")"
sed 's/serial: 7/serial: 8/' "$D/t.table" >"$D/x.table"
cp "$D/t.table.minisig" "$D/x.table.minisig"
"$TOOL" verify "$D/x.table" "$D/bb.pub" $NOW 2>"$D/err" && fail "tampered table accepted"
grep -q "bad signature" "$D/err" || fail "tamper reason: $(cat "$D/err")"
minisign -V -p "$D/bb.pub" -m "$D/x.table" >/dev/null 2>&1 && fail "minisign accepted tampering"
minisign -S -l -s "$D/ms.key" -m "$D/t.table" >/dev/null
"$TOOL" verify "$D/t.table" "$D/ms.pub" $NOW 2>"$D/err" && fail "legacy signature accepted"
grep -q "legacy" "$D/err" || fail "legacy reason: $(cat "$D/err")"
echo "ok 4 tampering, wrong key and legacy signatures refused"

# 5. An encrypted (scrypt) minisign key is refused with a clear message.
printf 'pw\npw\n' | minisign -G -p "$D/enc.pub" -s "$D/enc.key" >/dev/null 2>&1 || true
if [ -s "$D/enc.key" ]; then
	"$TOOL" sign "$D/t.table" "$D/enc.key" $NOW 2>"$D/err" && fail "encrypted key used"
	grep -q "encrypted" "$D/err" || fail "encrypted reason: $(cat "$D/err")"
	echo "ok 5 encrypted secret key refused"
fi

# 6. End to end with a minisign-signed table: trust with scope, install, restart, rollback.
mkdir -p "$D/keys.d" "$D/state"
cp "$D/ms.pub" "$D/keys.d/vendor.pub"
minisign -S -s "$D/ms.key" -m "$D/t.table" >/dev/null
"$TOOL" install "$D/keys.d" "$D/state" "$D/t.table" $NOW 2>"$D/err" && fail "key without scope trusted"
grep -q "^trust: untrusted key .*has no vendor.scope" "$D/err" || fail "trust reason: $(cat "$D/err")"
printf 'vendor 10de\ndriver mlx5_vfio_pci\n' >"$D/keys.d/vendor.scope"
"$TOOL" install "$D/keys.d" "$D/state" "$D/t.table" $NOW 2>"$D/err" && fail "outside scope accepted"
grep -q "^scope: key outside scope: vendor 15b3" "$D/err" || fail "scope reason: $(cat "$D/err")"
printf 'vendor 15b3\ndriver mlx5_vfio_pci\n' >"$D/keys.d/vendor.scope"
"$TOOL" install "$D/keys.d" "$D/state" "$D/t.table" $NOW || fail "install refused"
"$TOOL" list "$D/keys.d" "$D/state" $NOW >"$D/out"
grep -q "^mlx5-vfio vendor .* 7 2027-11-01T00:00:00Z 2$" "$D/out" || fail "list: $(cat "$D/out")"
"$TOOL" install "$D/keys.d" "$D/state" "$D/t.table" $NOW 2>"$D/err" && fail "same serial accepted"
grep -q "^rollback: serial 7 not greater than 7" "$D/err" || fail "rollback reason: $(cat "$D/err")"
"$TOOL" list "$D/keys.d" "$D/state" 2027-12-01T00:00:00Z | grep -q " expired$" || fail "expiry not shown"
echo "ok 6 minisign-signed table installed with scope; rollback and expiry reported"
