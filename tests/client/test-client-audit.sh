#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# audit verify and audit export (offline) on a real journal written by the journal library
# (tests/journal's journal-sample: 10 records, checkpoints at seq 3, 6 and 9).
set -eu
BB=$1
SAMPLE=$2
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
. "$(dirname "$0")/lib.sh"

mkdir "$D/s"
"$SAMPLE" "$D/s" 2>/dev/null || fail "journal-sample failed"
J=$D/s/journal

run 0 audit verify --journal "$J" --key "$D/s/key.pub"
expect_out "intact: 10 records, 3 checkpoints, signed through 9" "intact journal"
run 0 --json audit verify --journal "$J" --key "$D/s/key.pub"
json_ok
[ "$(json_get 'o["intact"], o["records"], o["checkpoints"]')" = "True 10 3" ] ||
	fail "verify --json: $(cat "$D/out")"
echo "ok 1 audit verify: intact journal -> exit 0"

# The default key sits beside the journal dir (the state dir) as journal.key.pub.
cp "$D/s/key.pub" "$D/s/journal.key.pub"
run 0 audit verify --journal "$J"
rm "$D/s/journal.key.pub"
run 2 audit verify --journal "$J"
expect_err "cannot read the journal key .*journal-key.pub.*pass --key" "no default key"
echo "ok 2 audit verify finds the default key, or says to pass --key"

# Flip one byte of record 2 (the refused device 0000:02:00.0 becomes 0000:03:00.0).
cp -r "$J" "$D/t"
OFF=$(grep -bo 'seq=2 ' "$D/t/records" | cut -d: -f1)
[ -n "$OFF" ] || fail "record 2 not found"
python3 - "$D/t/records" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.index(b"device=0000:02:00.0") + len("device=0000:0")
b[i] = ord("3")
open(p, "wb").write(b)
PY
run 1 audit verify --journal "$D/t" --key "$D/s/key.pub"
expect_err "TAMPERED at seq 2 \(byte $OFF\): chain hash mismatch" "one flipped byte"
run 1 --json audit verify --journal "$D/t" --key "$D/s/key.pub"
json_ok
[ "$(json_get 'o["intact"], o["problem"]["seq"], o["problem"]["offset"], o["error"]')" = \
	"False 2 $OFF io.bindbroker.Client.Tampered" ] || fail "tampered --json: $(cat "$D/out")"
echo "ok 3 one flipped byte -> exit 1 naming seq 2 at byte $OFF"

# A checkpoint verified with another key is refused too.
mkdir "$D/o"
"$SAMPLE" "$D/o" 2>/dev/null
run 1 audit verify --journal "$J" --key "$D/o/key.pub"
expect_err "TAMPERED at seq 9 .*signed by another key" "checkpoint of another key"
echo "ok 4 the wrong verifier key -> exit 1 (signed by another key)"

# Unreadable journal or key -> 2.
run 2 audit verify --journal "$D/none" --key "$D/s/key.pub"
expect_err "cannot verify: No such file" "missing journal"
run 2 audit verify --journal "$J" --key "$D/s/key"
expect_err "not an Ed25519 note verifier key" "a signer key given as verifier"
echo "ok 5 unreadable journal or wrong key kind -> exit 2"

# export: JSON lines, one per record, checkpoints included, in order.
run 0 audit export --journal "$J"
[ "$(wc -l <"$D/out")" -eq 10 ] || fail "export: $(wc -l <"$D/out") lines, expected 10"
python3 - "$D/out" <<'PY' || fail "export lines"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["seq"] for r in recs] == list(range(10)), recs
assert recs[2]["type"] == "refuse" and recs[2]["device"] == "0000:02:00.0"
assert sum(r["type"] == "checkpoint" for r in recs) == 3
PY
run 0 --json audit export --journal "$J"
json_ok
[ "$(json_get 'len(o["records"])')" -eq 10 ] || fail "export --json"
echo "ok 6 audit export: 10 JSON lines; --json one object"

run 2 audit export --journal "$D/none"
expect_err "cannot read the journal" "export of a missing journal"
printf 'seq=0 time=garbage\n' >"$D/t/records"
run 1 audit export --journal "$D/t"
expect_err "malformed record" "export of a damaged journal"
echo "ok 7 audit export: missing -> 2, malformed -> 1"
