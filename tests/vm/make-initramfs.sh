#!/bin/sh
# make-initramfs.sh KROOT KVER GUEST_INIT OUT.cpio MODULE...
# Builds the guest's initramfs: the static busybox, GUEST_INIT as /init, and the
# .ko files of MODULE... with their dependencies (resolved from the extracted
# tree's modules.dep by its own modprobe --show-depends), listed in load order
# in /kmod/order. The kernel package is signed by Debian, so lockdown=integrity
# still lets these load.
set -eu

KROOT=$1 KVER=$2 INIT=$3 OUT=$4
shift 4

BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || { echo "make-initramfs: busybox not found (busybox-static)" >&2; exit 1; }
# It runs before the host's libraries are mounted: it must be static (ldd refuses it).
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	echo "make-initramfs: $BUSYBOX is dynamically linked (install busybox-static)" >&2
	exit 1
fi

STAGE=$(mktemp -d "${OUT}.stage.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/bb" "$STAGE/kmod" "$STAGE/proc" "$STAGE/sys" "$STAGE/dev" "$STAGE/tmp" \
	"$STAGE/run" "$STAGE/etc" "$STAGE/usr" "$STAGE/mnt"
cp "$BUSYBOX" "$STAGE/bb/busybox"
cp "$INIT" "$STAGE/init"
chmod 755 "$STAGE/init" "$STAGE/bb/busybox"

: >"$STAGE/kmod/order"
for m in "$@"; do
	modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" |
		awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	base=$(basename "$ko")
	cp "$ko" "$STAGE/kmod/$base"
	echo "$base" >>"$STAGE/kmod/order"
done

(cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
