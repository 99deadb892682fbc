# Shared by the shell tests of the simsys conformance suite (sourced, not run).
# Every mount is on a fresh temporary directory; nothing touches the real /sys.
set -u
: "${BB_SIMSYS:?BB_SIMSYS must name the bindbroker-simsys program}"
: "${BB_TOPOLOGIES:?BB_TOPOLOGIES must name tests/topologies}"

fails=0
WORK=$(mktemp -d /tmp/simsys-sh-XXXXXX)
MNT=$WORK/mnt
mkdir -p "$MNT"

cleanup() {
	if mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

mount_topology() { # mount_topology FILE
	"$BB_SIMSYS" "$MNT" --topology "$1" || { echo "not ok - mount $1"; exit 1; }
	mountpoint -q "$MNT" || { echo "not ok - $MNT is not a mount point after mount"; exit 1; }
}

umount_topology() {
	fusermount3 -u "$MNT"
}

# driver_of BDF: basename of the driver link, empty when unbound
driver_of() {
	local l="$MNT/bus/pci/devices/$1/driver"
	[ -L "$l" ] && basename "$(readlink "$l")"
	return 0
}

finish() {
	if [ "$fails" -ne 0 ]; then
		echo "FAILED: $fails check(s)"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
