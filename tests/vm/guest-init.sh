#!/bb/busybox sh
# /init of the conformance guest. Mounts the kernel file systems, loads the
# modules listed in /kmod/order, mounts the host's /usr, source tree and build
# tree read-only over virtio-9p (the paths come from bbvm.* on the kernel command
# line), then runs tests/vm/scenarios.sh against the real /sys and powers off.
# Every line the host parses starts with "SCENARIO ", "OBS " or "VM-".
/bb/busybox mkdir -p /proc /sys /dev /tmp /run
/bb/busybox mount -t proc proc /proc
/bb/busybox mount -t sysfs sysfs /sys
/bb/busybox mount -t devtmpfs devtmpfs /dev
/bb/busybox --install -s /bb
export PATH=/bb
mount -t securityfs securityfs /sys/kernel/security
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
dmesg -n 1

arg() { # NAME -> value of bbvm.NAME= on the kernel command line
	tr ' ' '\n' </proc/cmdline | sed -n "s/^bbvm\.$1=//p" | tail -n 1
}

fatal() {
	echo "VM-FATAL $*"
	poweroff -f
	sleep 10
}

while read -r ko; do
	insmod "/kmod/$ko" || echo "VM-WARN insmod $ko failed"
done </kmod/order

SRC=$(arg src) BUILD=$(arg build) KROOT=$(arg kroot)
P9=trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro
mount -t 9p -o "$P9" usr /usr || fatal "cannot mount the host's /usr"
mkdir -p "$SRC" "$BUILD"
mount -t 9p -o "$P9" src "$SRC" || fatal "cannot mount the source tree"
mount -t 9p -o "$P9" build "$BUILD" || fatal "cannot mount the build tree"
# The host's merged /usr gives the guest the very libraries the build linked against.
for d in bin sbin lib lib64; do
	[ -e "/usr/$d" ] && ln -s "usr/$d" "/$d"
done
mkdir -p /etc /var/log /var/run /var/lib
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >/etc/passwd
printf 'root:x:0:\nbindbroker-admin:x:990:\nnogroup:x:65534:\n' >/etc/group
echo "hosts: files" >/etc/nsswitch.conf
echo 127.0.0.1 localhost >/etc/hosts
export PATH=/usr/sbin:/usr/bin:/bb HOME=/root LANG=C

echo "VM-UP $(uname -r) uptime=$(cut -d" " -f1 /proc/uptime)s lockdown=$(cat /sys/kernel/security/lockdown)"
for d in /sys/bus/pci/devices/*; do
	echo "VM-DEV ${d##*/} $(cd "$d" && cat vendor device subsystem_vendor subsystem_device \
		class revision | tr '\n' ' ')$(readlink "$d/iommu_group" | sed 's,.*/,,')"
done

# auditd with its log on the initramfs (RAM); audit=1 on the command line.
mkdir -p /etc/audit/plugins.d /var/log/audit
cat >/etc/audit/auditd.conf <<EOC
log_file = /var/log/audit/audit.log
log_format = ENRICHED
log_group = root
flush = INCREMENTAL_ASYNC
freq = 1
space_left = 2
admin_space_left = 1
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = /etc/audit/plugins.d
EOC
auditd >/tmp/auditd.out 2>&1 || echo "VM-WARN auditd did not start: $(cat /tmp/auditd.out)"
BBVM_HAVE_JOURNAL=$(arg journal) BBVM_HAVE_AUDIT=$(arg audit) \
	/bin/sh "$SRC/tests/vm/scenarios.sh" kernel /sys "$BUILD" "$SRC" "$KROOT" 2>&1
echo "VM-DONE rc=$? uptime=$(cut -d" " -f1 /proc/uptime)s"
sync
# isa-debug-exit (port 0xf4) needs /dev/port or ioperm, which lockdown=integrity
# refuses; without lockdown this ends qemu with status 1 ((0 << 1) | 1).
{ [ -c /dev/port ] && printf '\000' | dd of=/dev/port bs=1 seek=244 2>/dev/null; } ||
	echo "VM-NOTE isa-debug-exit unreachable (lockdown refuses /dev/port); powering off"
poweroff -f
sleep 10
