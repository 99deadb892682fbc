#!/bin/bash
# The shipped topologies (tests/topologies/*.json) mount and show the machines they describe:
# drivers bound by boot matching, IOMMU groups, boot VGA, root disk and default route.
. "$(dirname "$0")/lib.sh"
dev() { echo "$MNT/bus/pci/devices/$1"; }
group_of() { basename "$(readlink "$(dev "$1")/iommu_group")"; }

# --- gpu-server
mount_topology "$BB_TOPOLOGIES/gpu-server.json"
gpus=$(grep -l '^0x2330$' "$MNT"/bus/pci/devices/*/device | xargs -n1 dirname | xargs -n1 basename)
check "gpu-server: 8 H100 GPUs" [ "$(echo "$gpus" | wc -l)" -eq 8 ]
for g in $gpus; do
	a=${g%.0}.1
	[ "$(driver_of "$g")" = nvidia ] || not_ok "$g not bound to nvidia: '$(driver_of "$g")'"
	[ "$(driver_of "$a")" = snd_hda_intel ] || not_ok "$a not bound to snd_hda_intel"
	[ "$(cat "$(dev "$a")/class")" = 0x040300 ] || not_ok "$a is not an audio function"
	grp=$(group_of "$g")
	members=$(ls "$MNT/kernel/iommu_groups/$grp/devices" | sort | tr '\n' ' ')
	[ "$members" = "$g $a " ] || not_ok "group $grp of $g holds '$members'"
	case $(realpath "$(dev "$g")") in
	*/0000:??:??.?/0000:??:??.?/0000:??:??.?/"$g") ;;
	*) not_ok "$g is not behind a root port and a switch: $(realpath "$(dev "$g")")" ;;
	esac
done
[ "$fails" -eq 0 ] && ok "gpu-server: each GPU on nvidia, with its audio function alone in its group, behind a switch"
numa=$(cat "$MNT"/bus/pci/devices/*/numa_node | sort -u | tr '\n' ' ')
check "gpu-server: two numa nodes ($numa)" [ "$numa" = "0 1 " ]
check "gpu-server: root bus pci0000:00" [ -d "$MNT/devices/pci0000:00" ]
check "gpu-server: root bus pci0000:80" [ -d "$MNT/devices/pci0000:80" ]
check "gpu-server: ASPEED boot VGA on ast" [ "$(driver_of 0000:11:00.0)" = ast ] 
check "gpu-server: boot_vga 1" grep -qx 1 "$(dev 0000:11:00.0)/boot_vga"
check "gpu-server: GPUs (3D controllers) have no boot_vga, as in the kernel" test ! -e "$(dev 0000:03:00.0)/boot_vga"
check "gpu-server: NVMe on nvme" [ "$(driver_of 0000:12:00.0)" = nvme ]
check "gpu-server: / on nvme0n1" grep -q '^/dev/nvme0n1 / ' "$MNT/.simsys/proc/mounts"
check "gpu-server: default route on eno1" grep -q "^eno1[[:space:]]00000000" "$MNT/.simsys/proc/net/route"
check "gpu-server: X710 pair on i40e" [ "$(driver_of 0000:18:00.0)$(driver_of 0000:18:00.1)" = i40ei40e ]
check "gpu-server: ConnectX-6 Dx on mlx5_core" [ "$(driver_of 0000:87:00.0)" = mlx5_core ]
check "gpu-server: vfio-pci loaded" [ -d "$MNT/bus/pci/drivers/vfio-pci" ]
check "gpu-server: vfio-pci binds nothing at boot" [ -z "$(ls "$MNT/bus/pci/drivers/vfio-pci" | grep '^0000:')" ]
check "gpu-server: mlx5_vfio_pci not loaded" [ ! -e "$MNT/bus/pci/drivers/mlx5_vfio_pci" ]
check "gpu-server: nvgrace_gpu_vfio_pci not loaded" [ ! -e "$MNT/bus/pci/drivers/nvgrace_gpu_vfio_pci" ]
check "gpu-server: bridges on pcieport" [ "$(driver_of 0000:02:00.0)" = pcieport ]
check "gpu-server: host bridge unbound" [ -z "$(driver_of 0000:00:00.0)" ]
check "gpu-server: lockdown integrity" grep -qx 'none \[integrity\] confidentiality' "$MNT/kernel/security/lockdown"
# the variant NIC: loading mlx5_vfio_pci and overriding a VF moves it
echo "load-module mlx5_vfio_pci" > "$MNT/.simsys/control"
echo mlx5_vfio_pci > "$(dev 0000:87:00.2)/driver_override"
echo 0000:87:00.2 > "$MNT/bus/pci/drivers/mlx5_core/unbind"
echo 0000:87:00.2 > "$MNT/bus/pci/drivers_probe"
check "gpu-server: a ConnectX VF moves to mlx5_vfio_pci" [ "$(driver_of 0000:87:00.2)" = mlx5_vfio_pci ]
umount_topology

# --- laptop
mount_topology "$BB_TOPOLOGIES/laptop.json"
check "laptop: iGPU on i915" [ "$(driver_of 0000:00:02.0)" = i915 ]
check "laptop: iGPU is boot VGA" grep -qx 1 "$(dev 0000:00:02.0)/boot_vga"
check "laptop: wifi on iwlwifi" [ "$(driver_of 0000:00:14.3)" = iwlwifi ]
check "laptop: default route on wlp0s20f3" grep -q "^wlp0s20f3[[:space:]]00000000" "$MNT/.simsys/proc/net/route"
check "laptop: NVMe on nvme" [ "$(driver_of 0000:02:00.0)" = nvme ]
check "laptop: / on nvme0n1" grep -q '^/dev/nvme0n1 / ' "$MNT/.simsys/proc/mounts"
check "laptop: xhci on xhci_hcd" [ "$(driver_of 0000:00:14.0)" = xhci_hcd ]
check "laptop: audio on snd_hda_intel" [ "$(driver_of 0000:00:1f.3)" = snd_hda_intel ]
check "laptop: vfio-pci not loaded" [ ! -e "$MNT/bus/pci/drivers/vfio-pci" ]
umount_topology

# --- minimal
mount_topology "$BB_TOPOLOGIES/minimal.json"
check "minimal: two devices" [ "$(ls "$MNT/bus/pci/devices" | wc -l)" -eq 2 ]
check "minimal: NIC on e1000e" [ "$(driver_of 0000:00:19.0)" = e1000e ]
check "minimal: no default route" [ -z "$(tail -n +2 "$MNT/.simsys/proc/net/route" | awk '$2 == "00000000"')" ]
check "minimal: enp0s25 exists" [ -e "$MNT/class/net/enp0s25" ]
umount_topology
finish
