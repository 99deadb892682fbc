#!/bin/sh
# The CI's short fuzzing pass: run-short.sh [BUILD_DIR] (default build-fuzz).
# Sets BUILD_DIR up with clang, libFuzzer and ASan+UBSan when it is not there, builds only the
# fuzz targets, and runs each one BINDBROKER_FUZZ_SECS seconds (default 5) from a copy of its
# seed corpus, one in-process job each (libFuzzer's default; -jobs=1 would fork a worker).
# Exit 1 when any target crashed, leaked or timed out (the artifact is left under
# $FUZZ_OUT, default BUILD_DIR/fuzz-short); the summary has one line per target.
# Budget: about 15 s of build and 13 targets x 5 s on 2 cores, under 120 s in all.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build-fuzz}
SECS=${BINDBROKER_FUZZ_SECS:-5}
cd "$SRC"
command -v clang >/dev/null || { echo "run-short: clang is not installed"; exit 2; }

if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false >/dev/null
fi
targets=$(ninja -C "$BUILD" -t targets all | grep -Eo '^tests/[^:/]+/fuzz-[a-z-]+:' | tr -d : |
	sort -u)
[ -n "$targets" ] || { echo "run-short: no fuzz targets in $BUILD"; exit 2; }
# shellcheck disable=SC2086 # one argument per target
ninja -C "$BUILD" $targets >/dev/null

FUZZ_OUT=${FUZZ_OUT:-$(cd "$BUILD" && pwd)/fuzz-short}
export FUZZ_OUT
exec "$SRC/tests/fuzz-ci/run-fuzzers.sh" "$SECS" "$BUILD"
