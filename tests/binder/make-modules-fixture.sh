#!/bin/sh
# Test set-up: builds a modules dir with the REAL depmod from tiny ELF objects
# whose .modinfo sections carry what modpost would embed (name=, alias=). These
# .ko files are fakes (no code; nothing can insmod them) made only so depmod
# writes genuine modules.alias / modules.alias.bin / modules.dep for libkmod.
# Usage: make-modules-fixture.sh OUT_ROOT VERSION MODINFO... ; prints the modules dir.
set -eu
PATH=$PATH:/usr/sbin:/sbin
for tool in depmod objcopy "${CC:-cc}"; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed" >&2; exit 77; }
done
root=$1 version=$2
shift 2
dir="$root/lib/modules/$version"
rm -rf "$root"
mkdir -p "$dir/kernel/fixture"
cc=${CC:-cc}
printf 'int bindbroker_fixture;\n' > "$root/empty.c"
"$cc" -c "$root/empty.c" -o "$root/empty.o"
for src in "$@"; do
	name=$(basename "$src" .modinfo)
	tr '\n' '\0' < "$src" > "$root/$name.bin"
	objcopy --add-section ".modinfo=$root/$name.bin" --set-section-flags .modinfo=alloc,readonly \
		"$root/empty.o" "$dir/kernel/fixture/$name.ko"
done
# A kernel tree always has these; without them depmod warns and libkmod 30
# reads an uninitialised index when a lookup misses (valgrind shows it).
(cd "$dir" && ls kernel/fixture/*.ko) > "$dir/modules.order"
: > "$dir/modules.builtin"
: > "$dir/modules.builtin.modinfo"
depmod -b "$root" "$version"
echo "$dir"
