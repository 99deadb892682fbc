#!/bin/sh
# Test set-up: the real modules.alias of Debian 12's kernel (the one
# linux-image-amd64 depends on). Downloads the package with apt-get, extracts
# it under CACHE, and runs the real depmod twice:
#   CACHE/debian/lib/modules/V           the kernel as Debian ships it
#   CACHE/debian-variant/lib/modules/V   the same tree plus one fixture module
#                                        (VARIANT_MODINFO, made like
#                                        make-modules-fixture.sh makes them)
# Debian's kernels do not build CONFIG_MLX5_VFIO_PCI, so the second tree is how
# the choice among ~26000 real aliases is tested against a real variant alias.
# Keeps only the modules.* files (and the fixture .ko); cached between runs.
# Prints the two modules dirs, one a line. Exit 77 (skip) with a reason when
# the package cannot be had.
# Usage: debian-kernel-aliases.sh CACHE VARIANT_MODINFO
set -eu
PATH=$PATH:/usr/sbin:/sbin
for tool in depmod objcopy "${CC:-cc}"; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed" >&2; exit 77; }
done
cache=$1 variant=$2
mkdir -p "$cache"

pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
	echo "SKIP: apt-cache knows no linux-image-amd64 dependency (no Debian sources?)" >&2
	exit 77
fi
version=${pkg#linux-image-}
plain="$cache/debian/lib/modules/$version"
aug="$cache/debian-variant/lib/modules/$version"
if [ -f "$plain/modules.alias.bin" ] && [ -f "$aug/modules.alias.bin" ]; then
	printf '%s\n%s\n' "$plain" "$aug"
	exit 0
fi

work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get download "$pkg" >/dev/null 2>"$work/apt.err"); then
	echo "SKIP: apt-get download $pkg failed: $(tail -n 1 "$work/apt.err")" >&2
	exit 77
fi
dpkg-deb -x "$work"/*.deb "$work/root"
mods="$work/root/lib/modules/$version"
depmod -b "$work/root" "$version"
rm -rf "$cache/debian" "$cache/debian-variant"
mkdir -p "$plain" "$aug/kernel/fixture"
cp "$mods"/modules.* "$plain/"

# The fixture variant module, added to the real tree, then depmod again.
name=$(basename "$variant" .modinfo)
printf 'int bindbroker_fixture;\n' > "$work/empty.c"
"${CC:-cc}" -c "$work/empty.c" -o "$work/empty.o"
tr '\n' '\0' < "$variant" > "$work/modinfo.bin"
mkdir -p "$mods/kernel/fixture"
objcopy --add-section ".modinfo=$work/modinfo.bin" --set-section-flags .modinfo=alloc,readonly \
	"$work/empty.o" "$mods/kernel/fixture/$name.ko"
depmod -b "$work/root" "$version"
cp "$mods"/modules.* "$aug/"
cp "$mods/kernel/fixture/$name.ko" "$aug/kernel/fixture/"
printf '%s\n%s\n' "$plain" "$aug"
