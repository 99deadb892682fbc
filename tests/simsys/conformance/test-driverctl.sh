#!/bin/bash
# driverctl (Debian package, a real outside client) moves a device to vfio-pci and back on
# simsys bind-mounted over /sys inside a private mount namespace. Only the child namespace
# sees the bind mount (mount --make-rprivate / first), so the real /sys is never written.
#
# Fakes, because they cannot run here: driverctl calls /sbin/modprobe for a driver whose
# /sys/module/NAME directory is missing (it checks "vfio-pci", the module dir is "vfio_pci").
# Real modprobe would load the host's vfio-pci into this machine's kernel; inside the namespace
# only, the file /sbin/modprobe resolves to (/usr/bin/kmod on Debian) is bind-mounted over by a
# script that records its arguments and succeeds. --nosave keeps
# driverctl away from /etc/driverctl.d (it would otherwise persist the override there);
# systemctl/udevadm are only used by driverctl in --debug listing, which we do not run.
. "$(dirname "$0")/lib.sh"
command -v driverctl >/dev/null || { echo "driverctl not installed"; exit 1; }

BDF=0000:03:00.0
mount_topology "$BB_TOPOLOGIES/gpu-server.json"
check "boot: $BDF bound to nvidia" [ "$(driver_of $BDF)" = nvidia ]

cat > "$WORK/modprobe" <<FAKE
#!/bin/sh
# FAKE modprobe (test double): records the call, loads nothing.
echo "modprobe \$*" >> "$WORK/modprobe.log"
exit 0
FAKE
chmod +x "$WORK/modprobe"

cat > "$WORK/inner.sh" <<INNER
set -e
mount --make-rprivate /
mount --bind "$MNT" /sys
mount --bind "$WORK/modprobe" "\$(readlink -f /sbin/modprobe)"
driverctl --nosave set-override $BDF vfio-pci
readlink /sys/bus/pci/devices/$BDF/driver > "$WORK/after-set"
cat /sys/bus/pci/devices/$BDF/driver_override > "$WORK/override-after-set"
driverctl --nosave list-overrides > "$WORK/list-overrides"
driverctl --nosave unset-override $BDF
readlink /sys/bus/pci/devices/$BDF/driver > "$WORK/after-unset"
cat /sys/bus/pci/devices/$BDF/driver_override > "$WORK/override-after-unset"
driverctl list-devices > "$WORK/list-devices"
# "none": unbind and keep every driver off (driverctl does not probe for none)
driverctl --nosave set-override $BDF none
readlink /sys/bus/pci/devices/$BDF/driver > "$WORK/after-none" || true
echo $BDF > /sys/bus/pci/drivers_probe
readlink /sys/bus/pci/devices/$BDF/driver > "$WORK/after-none-probe" || true
driverctl --nosave unset-override $BDF
readlink /sys/bus/pci/devices/$BDF/driver > "$WORK/after-none-unset"
INNER
if unshare -m bash "$WORK/inner.sh"; then ok "driverctl ran in private namespace"; else not_ok "driverctl failed"; fi

check "after set-override the driver link names vfio-pci" grep -q '/bus/pci/drivers/vfio-pci$' "$WORK/after-set"
check "after set-override driver_override reads vfio-pci" grep -qx 'vfio-pci' "$WORK/override-after-set"
check "list-overrides shows the device" grep -q "^$BDF vfio-pci" "$WORK/list-overrides"
check "after unset-override the driver link names nvidia" grep -q '/bus/pci/drivers/nvidia$' "$WORK/after-unset"
check "after unset-override driver_override reads (null)" grep -qx '(null)' "$WORK/override-after-unset"
check "list-devices shows the device on nvidia" grep -qx "$BDF nvidia" "$WORK/list-devices"
check "list-devices shows vfio-pci holding nothing else" [ "$(grep -c ' vfio-pci' "$WORK/list-devices")" -eq 0 ]
check "set-override none leaves the device without driver" [ ! -s "$WORK/after-none" ]
check "drivers_probe with override none binds nothing" [ ! -s "$WORK/after-none-probe" ]
check "unset-override after none brings nvidia back" grep -q '/bus/pci/drivers/nvidia$' "$WORK/after-none-unset"
# and seen from outside the namespace, through the mount itself
check "final state outside the namespace: nvidia" [ "$(driver_of $BDF)" = nvidia ]
check "the fake modprobe was asked for vfio-pci" grep -q 'vfio-pci' "$WORK/modprobe.log"
check "the real /sys was not replaced outside the namespace" [ ! -e /sys/.simsys ]
# driverctl wrote exactly override -> unbind -> drivers_probe, as the simsys log shows
log=$(cat "$MNT/.simsys/log")
check "simsys log has driverctl's override write" grep -q "driver_override vfio-pci" <<<"$log"
check "simsys log has driverctl's unbind of nvidia" grep -q "drivers/nvidia/unbind $BDF" <<<"$log"
check "simsys log has driverctl's drivers_probe" grep -q "drivers_probe $BDF" <<<"$log"
umount_topology
finish
