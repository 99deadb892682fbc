#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The man page and the bash completion know every command and subcommand the client has,
# and the man page lists every exit status; scdoc accepts the page; bash parses the completion.
set -eu
BB=$1
MAN=$2
COMPLETION=$3
fail() { echo "FAIL: $*"; exit 1; }

"$BB" --help >/dev/null || fail "--help"
cmds=$("$BB" --help | sed -n 's/^  \([a-z]*\).*/\1/p')
[ -n "$cmds" ] || fail "no commands in --help"
for c in $cmds; do
	grep -q "^\*$c\*\|^\*$c \|^\*bindbroker\* .*$c" "$MAN" || grep -q "^\*$c" "$MAN" ||
		fail "man page lacks $c"
	grep -q "commands=\".*\<$c\>" "$COMPLETION" || fail "completion lacks $c"
done
for s in "table install" "table list" "table verify" "table sign" "audit show" \
	"audit verify" "audit export"; do
	grep -q "^\*$s\*" "$MAN" || fail "man page lacks $s"
done
grep -q '"install list verify sign"' "$COMPLETION" || fail "completion: table subcommands"
grep -q '"show verify export"' "$COMPLETION" || fail "completion: audit subcommands"
for st in 0 1 2 3 4; do
	grep -q "^\*$st\*$" "$MAN" || fail "man page lacks exit status $st"
done
echo "ok 1 man page and completion cover $(echo "$cmds" | wc -w) commands and every exit status"

if command -v scdoc >/dev/null; then
	scdoc <"$MAN" >/dev/null || fail "scdoc refuses the man page"
	echo "ok 2 scdoc accepts the man page"
fi
bash -n "$COMPLETION" || fail "bash cannot parse the completion"
if [ -f /usr/share/bash-completion/bash_completion ]; then
	# Complete "bindbroker table ve" and "bindbroker audit verify --j" for real.
	out=$(bash -c '. /usr/share/bash-completion/bash_completion; . "$1"
		COMP_WORDS=(bindbroker table ve); COMP_CWORD=2; COMP_LINE="bindbroker table ve"
		COMP_POINT=${#COMP_LINE}; _bindbroker; echo "${COMPREPLY[*]}"
		COMP_WORDS=(bindbroker audit verify --j); COMP_CWORD=3
		COMP_LINE="bindbroker audit verify --j"; COMP_POINT=${#COMP_LINE}; _bindbroker
		echo "${COMPREPLY[*]}"' sh "$COMPLETION")
	[ "$out" = "verify
--journal" ] || fail "completion results: $out"
	echo "ok 3 bash completes subcommands and their options"
fi
