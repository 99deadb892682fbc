#!/bin/sh
# Long libFuzzer runs of every fuzz target: run-fuzzers.sh SECONDS [BUILD_DIR]
# BUILD_DIR (default build-fuzz) must be a libFuzzer build:
#   CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
#       -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link
#   ninja -C build-fuzz $(cd build-fuzz && ninja -t targets all | grep -o '^tests/[^:]*/fuzz-[a-z-]*' | sort -u)
# Each target starts from a copy of its seed corpus (tests/DIR/corpus-NAME, the repo stays
# untouched), runs SECONDS, and leaves its grown corpus, log and any crash-* / leak-* /
# timeout-* artifact in $FUZZ_OUT (default /tmp/bindbroker-fuzz). Exit 1 when any target
# found something; a summary line per target: name, seconds, executions, coverage, verdict.
set -u
SECS=${1:?usage: run-fuzzers.sh SECONDS [BUILD_DIR]}
BUILD=${2:-build-fuzz}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${FUZZ_OUT:-/tmp/bindbroker-fuzz}
mkdir -p "$OUT"

run_one() { # BINARY
	bin=$1
	name=$(basename "$bin")
	dir=$(basename "$(dirname "$bin")")
	seeds=$SRC/tests/$dir/corpus-${name#fuzz-}
	work=$OUT/$name
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work/corpus/"
	"$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
	cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n1 | grep -o '[0-9]*')
	found=$(ls "$work/artifacts" | wc -l)
	verdict=clean
	[ "$rc" -ne 0 ] || [ "$found" -ne 0 ] && verdict="FOUND($found, exit $rc)"
	printf '%-24s %5ss %10s execs  cov %6s  %s\n' "$name" "$SECS" "${execs:-?}" "${cov:-?}" "$verdict"
	[ "$verdict" = clean ]
}

targets=$(find "$BUILD/tests" -maxdepth 2 -type f -name 'fuzz-*' -perm -u+x | sort)
[ -n "$targets" ] || { echo "no fuzz targets under $BUILD/tests"; exit 2; }
fail=0
for t in $targets; do run_one "$t" || fail=1; done
exit $fail
