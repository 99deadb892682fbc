#!/bin/sh
# fetch-kernel.sh CACHE_DIR
# Downloads (never installs) the Debian kernel package that linux-image-amd64
# depends on into CACHE_DIR, extracts it there and runs depmod on the extracted
# tree. Prints the kernel release on stdout. Exits 77 when the package cannot be
# resolved or downloaded (no network, no apt lists), 1 on other errors.
set -eu

CACHE=$1
mkdir -p "$CACHE"

PKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
if [ -z "$PKG" ]; then
	echo "fetch-kernel: cannot resolve the package linux-image-amd64 depends on" \
		"(apt lists missing? run apt-get update)" >&2
	exit 77
fi
KVER=${PKG#linux-image-}
ROOT=$CACHE/$KVER

if [ ! -e "$ROOT/.ready" ]; then
	if ! ls "$CACHE/${PKG}_"*.deb >/dev/null 2>&1; then
		# apt's sandbox user may not write here: download as the caller, quietly.
		if ! (cd "$CACHE" && apt-get -q -o APT::Sandbox::User=root download "$PKG" >&2); then
			echo "fetch-kernel: apt-get download $PKG failed (no network?)" >&2
			exit 77
		fi
	fi
	rm -rf "$ROOT"
	mkdir -p "$ROOT"
	for deb in "$CACHE/${PKG}_"*.deb; do
		dpkg-deb -x "$deb" "$ROOT"
		break
	done
	depmod -b "$ROOT" "$KVER"
	touch "$ROOT/.ready"
fi
echo "$KVER"
