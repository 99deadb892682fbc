# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the client tests (sourced): run the client, then assert its exit status and output.
# shellcheck shell=sh

# meson passes the client relative to the build dir; tests may change directory.
case $BB in /*) ;; *) BB=$PWD/$BB ;; esac

fail() {
	echo "FAIL: $*"
	[ -f "$D/out" ] && { echo "--- stdout"; cat "$D/out"; }
	[ -f "$D/err" ] && { echo "--- stderr"; cat "$D/err"; }
	exit 1
}

# run STATUS ARGS...: runs the client, expects exit STATUS; output in $D/out and $D/err.
run() {
	want=$1
	shift
	set +e
	"$BB" "$@" >"$D/out" 2>"$D/err"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || fail "bindbroker $*: exit $got, expected $want"
}

# json_ok: stdout is exactly one JSON object.
json_ok() {
	python3 -c 'import json,sys; o=json.load(sys.stdin); assert isinstance(o, dict)' <"$D/out" ||
		fail "--json output is not one JSON object"
}

# json_get EXPR: prints a Python expression over the parsed stdout object `o`.
json_get() {
	python3 -c "import json,sys; o=json.load(sys.stdin); print($1)" <"$D/out"
}

expect_err() { grep -Eq -- "$1" "$D/err" || fail "$2: stderr lacks /$1/"; }
expect_out() { grep -Eq -- "$1" "$D/out" || fail "$2: stdout lacks /$1/"; }
