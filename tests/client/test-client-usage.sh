#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad usage of every table, key and audit command: exit 2 with a message that names the
# problem, and with --json one JSON object naming the error. Nothing reaches a broker: the
# socket points at a path where none listens, so a call would exit 4, not 2.
set -eu
BB=$1
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
. "$(dirname "$0")/lib.sh"
S="--socket $D/no-broker"
: >"$D/f.table"

n=0
bad() { # PATTERN ARGS...: exit 2, stderr matches PATTERN, and --json gives one object.
	pattern=$1
	shift
	# shellcheck disable=SC2086
	run 2 $S "$@"
	expect_err "$pattern" "bindbroker $*"
	# shellcheck disable=SC2086
	run 2 $S --json "$@"
	json_ok
	[ -n "$(json_get 'o["error"]')" ] || fail "bindbroker --json $*: no error name"
	n=$((n + 1))
}

bad "usage: bindbroker table install" table
bad "unknown table command \"frob\"" table frob
bad "usage: bindbroker table install FILE" table install
bad "unexpected argument \"b\"" table install a b
bad "unknown option \"--key\"" table install "$D/f.table" --key x
bad "unexpected argument \"x\"" table list x
bad "unknown option \"--all\"" table list --all
bad "usage: bindbroker table verify FILE --key PUB" table verify "$D/f.table"
bad "usage: bindbroker table verify FILE --key PUB" table verify --key "$D/k"
bad "--key needs a value" table verify "$D/f.table" --key
bad "--key given twice" table verify "$D/f.table" --key a --key b
bad "--key needs a non-empty value" table verify "$D/f.table" --key=
bad "usage: bindbroker table sign FILE --key SECKEY" table sign "$D/f.table"
bad "unexpected argument" table sign a b --key k
bad "unexpected argument \"x\"" keygen x
bad "unknown option \"--force\"" keygen --force
bad "--output-dir .*: No such file" keygen --output-dir "$D/none"
bad "--output-dir .*: not a directory" keygen --output-dir "$D/f.table"
bad "usage: bindbroker audit show" audit
bad "unknown audit command \"list\"" audit list
bad "invalid device address \"0000:01:00\"" audit show --device 0000:01:00
bad "invalid device address" audit show --device "0000:01:00.0;x"
bad "invalid time \"yesterday\"" audit show --since yesterday
bad "invalid time \"2026-11-22 03:00:00\"" audit show --since "2026-11-22 03:00:00"
bad "unknown option \"--journal\"" audit show --journal x
bad "unexpected argument" audit verify extra
bad "unknown option \"--device\"" audit verify --device 0000:01:00.0
bad "--journal needs a value" audit verify --journal
bad "unknown option \"--key\"" audit export --key k
bad "unexpected argument" audit export x
# A table file name the broker would refuse, and files that cannot be read or parsed.
bad "table file name \"a b.table\"" table install "$D/a b.table"
bad "cannot read .*none.table" table install "$D/none.table"
bad "cannot read .*f.table.minisig" table install "$D/f.table"
echo "ok 1 $n kinds of bad usage -> exit 2 with a message, and one JSON object with --json"

# "--" ends options: a file named like an option is a file.
run 0 keygen --output-dir "$D"
cd "$D"
run 2 --socket "$D/no-broker" table verify --key bindbroker.pub -- --weird
expect_err "^bindbroker: --weird.minisig: cannot read" "-- ends options"
echo "ok 2 -- ends the command's options"
