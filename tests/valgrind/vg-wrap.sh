#!/bin/sh
# meson test --wrap of tests/valgrind/run.sh: one test under valgrind. A test that is a
# program runs under it directly. A shell test runs natively (the shell is not ours), but
# each program of this build among its arguments and in BB_*_TOOL (bindbrokerd, bindbroker,
# the test tools) is replaced by a script that runs it under valgrind; system tools and
# the simsys/faultfs FUSE servers (test fixtures) are left alone. Each process logs to
# $BB_VG_LOGS/PID.log; an error or a definite leak makes it exit 99, which fails the test's
# own assertions on exit codes (and run.sh reads the logs).
set -eu
: "${BB_VG_LOGS:?set by tests/valgrind/run.sh}"
VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
--show-leak-kinds=definite --log-file=$BB_VG_LOGS/%p.log"
ELF=$(printf '\177ELF')

is_ours() { # PATH: an ELF program of this build
	case $1 in /usr/* | /bin/* | /sbin/* | *simsys* | *faultfs*) return 1 ;; esac
	[ -f "$1" ] && [ -x "$1" ] && [ "$(head -c 4 "$1")" = "$ELF" ]
}

wrapped() { # PATH: prints the path to run instead
	if ! is_ours "$1"; then
		printf '%s\n' "$1"
		return
	fi
	d=$BB_VG_LOGS/bin/$(printf '%s' "$1" | cksum | cut -d' ' -f1)
	mkdir -p "$d"
	w=$d/$(basename "$1")
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$(echo $VG)" "$1" >"$w"
	chmod +x "$w"
	printf '%s\n' "$w"
}

if [ "$(head -c 4 "$1")" = "$ELF" ]; then
	# shellcheck disable=SC2086 # VG is a word list
	exec $VG "$@"
fi
n=$#
while [ "$n" -gt 0 ]; do
	a=$(wrapped "$1")
	shift
	set -- "$@" "$a"
	n=$((n - 1))
done
for v in BB_TABLES_TOOL BB_JOURNAL_TOOL; do
	eval "p=\${$v:-}"
	# shellcheck disable=SC2154 # set by the eval
	[ -z "$p" ] || export "$v=$(wrapped "$p")"
done
exec "$@"
