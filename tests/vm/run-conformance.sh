#!/bin/sh
# run-conformance.sh SOURCE_DIR BUILD_DIR
#
# The real-kernel conformance tier: runs tests/vm/scenarios.sh on simsys (with
# tests/vm/topology-vm.json) and inside a qemu guest that boots Debian's own
# kernel under lockdown=integrity, then compares both with compare.py.
# Exit: 0 all agree and pass, 1 a failure or a difference, 77 skipped (no qemu,
# no kernel package reachable, no FUSE).
set -u

SRC=$(cd "$1" && pwd) BUILD=$(cd "$2" && pwd)
HERE=$SRC/tests/vm
WORK=$BUILD/tests/vm
SIMSYS=$BUILD/tests/simsys/bindbroker-simsys
BBD=$BUILD/broker/daemon/bindbrokerd
QEMU_TIMEOUT=${BBVM_QEMU_TIMEOUT:-420}
# The modules /init loads, in this order: vfio-pci registers before the NIC
# drivers so that a dynamic id it gets wins a hot-added device (raw-new-id-hotplug).
MODULES="vfio_pci vfio_iommu_type1 e1000 e1000e virtio_pci virtio_net nvme 9pnet_virtio 9p"

PATH=$PATH:/usr/sbin:/sbin # depmod, modprobe
skip() {
	echo "SKIP: $*"
	exit 77
}

for tool in qemu-system-x86_64 cpio depmod modprobe dpkg-deb apt-get apt-cache busybox timeout \
	python3; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not found (install qemu-system-x86, \
busybox-static, cpio, kmod, apt)"
done
[ -e /dev/fuse ] || skip "no /dev/fuse for simsys"
[ -x "$SIMSYS" ] || skip "simsys not built ($SIMSYS)"
mkdir -p "$WORK"

# 1. Debian's kernel, downloaded (never installed) and depmod-ed in the build dir.
KVER=$("$HERE/fetch-kernel.sh" "$WORK/kernel")
rc=$?
[ $rc -eq 0 ] || { [ $rc -eq 77 ] && skip "Debian kernel package not reachable"; exit 1; }
KROOT=$WORK/kernel/$KVER
VMLINUZ=$KROOT/boot/vmlinuz-$KVER
echo "kernel: $KVER"

# 2. The initramfs: busybox, /init, the modules with their dependencies.
# shellcheck disable=SC2086 # MODULES is a list of words
"$HERE/make-initramfs.sh" "$KROOT" "$KVER" "$HERE/guest-init.sh" "$WORK/initramfs.cpio" \
	$MODULES || { echo "FATAL: cannot build the initramfs"; exit 1; }
[ -e "$WORK/nvme.img" ] || truncate -s 4M "$WORK/nvme.img"
"$HERE/make-unsigned-modules.sh" "$KROOT" "$KVER" "$WORK/unsigned-modules" 2>/dev/null ||
	{ echo "FATAL: cannot build the unsigned-module dir"; exit 1; }

# What the broker build has: scenarios that need a journal or audit records are
# skipped (with that reason) until bindbrokerd links them.
has_symbol() { # NAME: a function bindbrokerd defines (nm; else its symbol table's text)
	if command -v nm >/dev/null 2>&1; then
		nm "$BBD" 2>/dev/null | grep -q " [Tt] $1\$"
	else
		grep -qa "$1" "$BBD"
	fi
}
HAVE_JOURNAL='' HAVE_AUDIT=''
has_symbol bb_journal_append && HAVE_JOURNAL=1
has_symbol bb_audit_log && HAVE_AUDIT=1

# 3. simsys: the same scenarios on the topology that mirrors the guest.
MNT=$(mktemp -d /tmp/bbvm-simsys.XXXXXX)
cleanup() {
	if mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	rmdir "$MNT" 2>/dev/null
}
trap cleanup EXIT
"$SIMSYS" "$MNT" --topology "$HERE/topology-vm.json" || { echo "FATAL: simsys did not mount"; exit 1; }
python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
print(json.dumps([d for d in t["devices"] if d["address"] == "0000:00:03.0"][0]))
' "$HERE/topology-vm.json" >"$WORK/hotadd.json"
HOTADD_JSON=$WORK/hotadd.json BBVM_HAVE_JOURNAL=$HAVE_JOURNAL BBVM_HAVE_AUDIT=$HAVE_AUDIT \
	sh "$HERE/scenarios.sh" simsys "$MNT" "$BUILD" "$SRC" >"$WORK/simsys.log" 2>&1
cleanup

# 4. The guest. KVM only where the host CPU can really virtualize; TCG otherwise.
ACCEL=tcg
if [ -w /dev/kvm ] && grep -Eqw 'vmx|svm' /proc/cpuinfo; then
	ACCEL=kvm
fi
echo "accelerator: $ACCEL"
# No -netdev: the NICs have no peer, so the guest reaches nothing outside.
timeout "$QEMU_TIMEOUT" qemu-system-x86_64 \
	-machine q35,kernel-irqchip=split -accel "$ACCEL" -m 1G -smp 1 \
	-nographic -no-reboot -vga none -nic none -device intel-iommu,intremap=on \
	-device e1000,addr=02.0,romfile= -device e1000e,addr=03.0,romfile= \
	-device virtio-net-pci,addr=04.0,romfile= -device virtio-net-pci,addr=05.0,romfile= \
	-drive "file=$WORK/nvme.img,if=none,id=nvm,format=raw" \
	-device nvme,serial=bbvm0001,drive=nvm,addr=06.0 \
	-device pcie-root-port,id=rp1,chassis=1,addr=07.0 \
	-device e1000,addr=0b.0,multifunction=on,romfile= -device e1000,addr=0b.1,romfile= \
	-fsdev local,id=fs0,path=/usr,security_model=none,readonly=on \
	-device virtio-9p-pci,fsdev=fs0,mount_tag=usr,addr=08.0 \
	-fsdev "local,id=fs1,path=$SRC,security_model=none,readonly=on" \
	-device virtio-9p-pci,fsdev=fs1,mount_tag=src,addr=09.0 \
	-fsdev "local,id=fs2,path=$BUILD,security_model=none,readonly=on" \
	-device virtio-9p-pci,fsdev=fs2,mount_tag=build,addr=0a.0 \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$VMLINUZ" -initrd "$WORK/initramfs.cpio" \
	-append "console=ttyS0 intel_iommu=on lockdown=integrity audit=1 panic=-1 quiet \
bbvm.src=$SRC bbvm.build=$BUILD bbvm.kroot=$KROOT bbvm.journal=$HAVE_JOURNAL bbvm.audit=$HAVE_AUDIT" \
	</dev/null >"$WORK/kernel.log" 2>&1
rc=$?
echo "qemu exit status: $rc"
[ $rc -eq 124 ] && echo "qemu timed out after ${QEMU_TIMEOUT}s"

# 5. The table and the verdict.
python3 "$HERE/compare.py" "$WORK/simsys.log" "$WORK/kernel.log"
verdict=$?
echo "logs: $WORK/simsys.log $WORK/kernel.log"
exit $verdict
