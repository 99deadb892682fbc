#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The client starts without OpenSSL: it does not link libcrypto (nor libaudit), the device
# commands run without the helper, and the commands that need OpenSSL go to bindbroker-crypto,
# or fail with exit status 3 when it cannot be found. The helper refuses to be run by hand.
set -eu
BB=$1
HELPER=$2
INSTALLED_HELPER=$3
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
fail() { echo "FAIL: $*"; [ -f "$D/err" ] && cat "$D/err"; exit 1; }

needed=$(readelf -d "$BB" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
[ -n "$needed" ] || fail "readelf shows no NEEDED entries for $BB"
for lib in libcrypto libssl libaudit; do
	case " $needed" in *" $lib."*) fail "the client links $lib: $needed" ;; esac
done
readelf -d "$HELPER" | grep -q 'NEEDED.*libcrypto' || fail "the helper does not link libcrypto"
echo "ok 1 the client links ${needed}and no libcrypto; the helper does"

# A client alone in a directory: device commands work, helper commands cannot.
cp "$BB" "$D/bindbroker"
set +e
"$D/bindbroker" --socket "$D/none" status >/dev/null 2>"$D/err"
rc=$?
set -e
[ $rc -eq 4 ] || fail "status without a broker: exit $rc, expected 4"
grep -q "cannot reach the broker" "$D/err" || fail "status: unexpected message"
echo "ok 2 a device command runs without the helper (exit 4, no broker)"

if [ -e "$INSTALLED_HELPER" ]; then
	echo "ok 3 # SKIP $INSTALLED_HELPER is installed"
else
	set +e
	"$D/bindbroker" keygen --output-dir "$D" >/dev/null 2>"$D/err"
	rc=$?
	set -e
	[ $rc -eq 3 ] || fail "keygen without a helper: exit $rc, expected 3"
	grep -q "cannot run the helper $INSTALLED_HELPER" "$D/err" || fail "keygen: message"
	[ ! -e "$D/bindbroker.key" ] || fail "keygen without a helper wrote a key"
	echo "ok 3 without the helper, keygen fails with exit 3 and names the helper"
fi

# Beside it, the helper is found and does the work.
cp "$HELPER" "$D/"
"$D/bindbroker" keygen --output-dir "$D" >/dev/null 2>"$D/err" || fail "keygen with the helper"
[ -s "$D/bindbroker.pub" ] || fail "keygen with the helper wrote no public key"
echo "ok 4 the helper beside the client runs keygen"

set +e
"$HELPER" keygen --output-dir "$D" >/dev/null 2>"$D/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "the helper run by hand: exit $rc, expected 2"
grep -q "run only by it" "$D/err" || fail "the helper run by hand: message"
echo "ok 5 the helper refuses to be run by hand (exit 2)"
