#!/bin/sh
# make-unsigned-modules.sh KROOT KVER OUT
# A modules dir (OUT/lib/modules/KVER) holding the vfio modules of the extracted
# kernel package, with the signature cut off vfio-pci.ko, indexed by depmod. The
# guest points a second bindbrokerd at it: under lockdown=integrity the kernel
# must refuse the unsigned module, and the device must stay where it was.
set -eu

KROOT=$1 KVER=$2 OUT=$3
SRCMOD=$KROOT/lib/modules/$KVER
DST=$OUT/lib/modules/$KVER
rm -rf "$OUT"
mkdir -p "$DST/kernel/drivers" "$DST/kernel/virt/lib"
cp -r "$SRCMOD/kernel/drivers/vfio" "$DST/kernel/drivers/"
cp "$SRCMOD/kernel/virt/lib/irqbypass.ko" "$DST/kernel/virt/lib/"
cp "$SRCMOD/modules.order" "$SRCMOD"/modules.builtin* "$DST/"
# Appended signature: ... [signature][struct module_signature, 12 bytes, sig_len
# big-endian in the last 4][the 28-byte magic "~Module signature appended~\n"].
python3 - "$DST/kernel/drivers/vfio/pci/vfio-pci.ko" <<'PY'
import struct, sys
path = sys.argv[1]
data = open(path, "rb").read()
magic = b"~Module signature appended~\n"
if not data.endswith(magic):
    sys.exit("vfio-pci.ko carries no appended signature")
(sig_len,) = struct.unpack(">I", data[-len(magic) - 4:-len(magic)])
open(path, "wb").write(data[:len(data) - len(magic) - 12 - sig_len])
PY
depmod -b "$OUT" "$KVER"
