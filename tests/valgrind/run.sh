#!/bin/sh
# The CI's valgrind pass: run.sh [BUILD_DIR] (default build: a plain build, valgrind and the
# sanitizers do not mix). Runs the daemon's and the client's unit tests and a chosen set of
# end-to-end tests under memcheck (tests/valgrind/vg-wrap.sh: the test programs, bindbrokerd,
# bindbroker and the test tools; not the simsys/faultfs FUSE fixtures) with
# --leak-check=full --errors-for-leak-kinds=definite. Fails when a test fails (a process with
# an error exits 99) or any log holds an error or a definite leak; then the logs are kept.
# Budget: about 120 s on 2 cores. The FUSE-heavy tests (simsys conformance, crash points,
# attacks, authz) stay with the plain and ASan passes.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
cd "$SRC"
command -v valgrind >/dev/null || { echo "valgrind: not installed"; exit 2; }
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
meson compile -C "$BUILD" >/dev/null || exit 1

TESTS="varlink decide posture journal journal-merkle journal-append-only policy-eval policy-grammar
policy-loader tables-parse tables-signature tables-store tables-keylist common-fileio
client-audit daemon-e2e-query daemon-e2e-bind daemon-e2e-journal crash-journal-eio"

BB_VG_LOGS=$(mktemp -d /tmp/bindbroker-valgrind.XXXXXX)
chmod 1777 "$BB_VG_LOGS" # the e2e tests run the client as nobody too
export BB_VG_LOGS
# valgrind 3.19 has no seccomp(2) (syscall 317): under it the daemon runs without its
# filter. The plain and ASan passes keep the filter.
export BINDBROKERD_SANDBOX=off

# shellcheck disable=SC2086 # one argument per test
meson test -C "$BUILD" --print-errorlogs --timeout-multiplier 4 \
	--wrap "$SRC/tests/valgrind/vg-wrap.sh" $TESTS
rc=$?

bad=$(grep -lE '^==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination|Argument|Jump to|Process terminating|[0-9,]+ bytes in [0-9,]+ blocks are definitely lost)' \
	"$BB_VG_LOGS"/*.log 2>/dev/null)
procs=$(find "$BB_VG_LOGS" -maxdepth 1 -name '*.log' | wc -l)
if [ -n "$bad" ]; then
	for f in $bad; do
		echo "valgrind: $f:"
		grep -v 'unhandled ioctl\|spurious value errors\|README_MISSING' "$f" | head -40
	done
	rc=1
fi
if [ "$rc" -ne 0 ]; then
	echo "valgrind: FAILED; $procs process logs kept in $BB_VG_LOGS"
	exit 1
fi
echo "valgrind: $procs processes checked, no errors, no definite leaks"
rm -rf "$BB_VG_LOGS"
