#!/bin/sh
# test-compare.sh COMPARE_PY: compare.py on made-up logs. It must pass agreeing
# worlds, and fail on a differing observation, a failed or missing scenario, and a
# guest that never reported VM-DONE; a console line with a kernel message or an
# escape sequence before our text must still be read.
set -u
COMPARE=$1
T=$(mktemp -d /tmp/bbvm-compare.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILS=0 N=0

out_has() { # PATTERN DESCRIPTION: the last output matches (grep)
	N=$((N + 1))
	if grep -q -- "$1" "$T/out"; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2"
		FAILS=$((FAILS + 1))
	fi
}

run() { # WANT_STATUS DESCRIPTION
	N=$((N + 1))
	python3 "$COMPARE" "$T/s" "$T/k" >"$T/out" 2>&1
	rc=$?
	if [ $rc -eq "$1" ]; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2 (exit $rc, wanted $1)"
		sed 's/^/#   /' "$T/out"
		FAILS=$((FAILS + 1))
	fi
}

cat >"$T/s" <<'L'
OBS a probe OK
OBS a driver -
SCENARIO a PASS
SCENARIO b SKIP not in simsys
L
printf '%s\n' 'VM-UP x' 'OBS a probe OK' '[   3.1] e1000e: link up OBS a driver -' \
	'SCENARIO a PASS' 'SCENARIO b PASS' 'VM-DONE rc=0' >"$T/k"
run 0 "agreeing worlds pass"
out_has '^a  *PASS  *PASS  *agree' "the table row"

sed -i 's/^OBS a driver -$/OBS a driver e1000e/' "$T/s"
run 1 "a differing observation fails"
out_has '^DIFFERS a driver: simsys=e1000e kernel=-$' "the difference is named"
sed -i 's/^OBS a driver e1000e$/OBS a driver -/' "$T/s"

sed -i 's/^SCENARIO a PASS$/SCENARIO a FAIL driver=x/' "$T/s"
run 1 "a failed scenario fails"
sed -i 's/^SCENARIO a FAIL driver=x$/SCENARIO a PASS/' "$T/s"

grep -v 'SCENARIO b' "$T/k" >"$T/k2" && mv "$T/k2" "$T/k"
run 1 "a scenario missing in one world fails"
echo 'SCENARIO b PASS' >>"$T/k"

grep -v 'VM-DONE' "$T/k" >"$T/k2" && mv "$T/k2" "$T/k"
run 1 "no VM-DONE fails"

echo "1..$N"
[ $FAILS -eq 0 ]
