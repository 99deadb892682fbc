#!/bin/bash
# lspci (pciutils, a real outside client) reads simsys through its linux-sysfs backend and
# names the devices from pci.ids. pciutils' sysfs.path option names the bus directory (its
# default is /sys/bus/pci), so it is MOUNT/bus/pci here.
. "$(dirname "$0")/lib.sh"
mount_topology "$BB_TOPOLOGIES/gpu-server.json"
out=$(lspci -A linux-sysfs -O sysfs.path="$MNT/bus/pci" -nn 2>&1)
echo "$out" | head -5
n_sim=$(ls "$MNT/bus/pci/devices" | wc -l)
n_lspci=$(echo "$out" | grep -c '^[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]\.[0-7] ')
check "lspci lists every simulated device ($n_lspci of $n_sim)" [ "$n_lspci" -eq "$n_sim" ]
check "lspci names the H100 from pci.ids" grep -q 'NVIDIA Corporation GH100.*\[10de:2330\]' <<<"$out"
check "lspci names the ASPEED VGA" grep -q 'ASPEED Technology, Inc. ASPEED Graphics Family \[1a03:2000\]' <<<"$out"
check "lspci names the ConnectX-6 Dx" grep -q 'Mellanox Technologies MT2892 Family \[ConnectX-6 Dx\] \[15b3:101d\]' <<<"$out"
check "lspci shows the class of the NVMe controller" grep -q 'Non-Volatile memory controller \[0108\]' <<<"$out"
# -k reads the driver link: kernel driver in use
outk=$(lspci -A linux-sysfs -O sysfs.path="$MNT/bus/pci" -k -s 03:00.0 2>&1)
check "lspci -k reports the driver in use" grep -q 'Kernel driver in use: nvidia' <<<"$outk"
# -x dumps config space: ids, command/status, class, subsystem ids at 0x2c
outx=$(lspci -A linux-sysfs -O sysfs.path="$MNT/bus/pci" -x -s 12:00.0 2>&1)
check "lspci -x shows the NVMe ids and class in config space" grep -q '^00: 4d 14 0a a8 .* 02 08 01' <<<"$outx"
check "lspci -x shows the NVMe subsystem ids" grep -q '^20: .* 4d 14 0a aa$' <<<"$outx"
# -t builds the tree from the bridges' bus numbers in config space
outt=$(lspci -A linux-sysfs -O sysfs.path="$MNT/bus/pci" -t 2>&1)
echo "$outt" | head -3
check "lspci -t: socket 0 root port -> switch -> 4 GPU slots" grep -q -- '-01.0-\[01-06\]----00.0-\[02-06\]--+-00.0-\[03\]--+-00.0' <<<"$outt"
check "lspci -t: second root complex 0000:80" grep -q -- '\[0000:80\]' <<<"$outt"
check "lspci -t: ASPEED behind the AST1150 bridge" grep -q -- '-1c.0-\[10-11\]----00.0-\[11\]----00.0' <<<"$outt"
umount_topology
finish
