#!/bin/sh
# Runs a modules test over a modules dir made at set-up time.
#   run-modules-test.sh fixture WORKDIR TEST MODINFO...   (make-modules-fixture.sh)
#   run-modules-test.sh debian  CACHE   TEST MODINFO      (debian-kernel-aliases.sh)
set -eu
here=$(dirname "$0")
mode=$1 work=$2 test=$3
shift 3
case $mode in
fixture)
	dir=$("$here/make-modules-fixture.sh" "$work" 9.9.9-fixture "$@")
	exec "$test" "$dir"
	;;
debian)
	set +e
	dirs=$("$here/debian-kernel-aliases.sh" "$work" "$1")
	rc=$?
	set -e
	[ $rc -eq 0 ] || exit $rc
	# shellcheck disable=SC2086
	exec "$test" $dirs
	;;
esac
echo "unknown mode $mode" >&2
exit 2
