#!/bin/sh
# scenarios.sh MODE SYSFS_ROOT BUILD_DIR SOURCE_DIR [KERNEL_ROOT]
#
# The conformance scenarios, run once against a real kernel's /sys inside the
# guest (MODE=kernel, KERNEL_ROOT = the extracted kernel package, for modules)
# and once against a simsys mount of tests/vm/topology-vm.json on the host
# (MODE=simsys). Both runs print the same lines:
#   OBS <scenario> <key> <value>             one observed fact (an errno name, a
#                                            driver, an override, an exit status)
#   SCENARIO <name> PASS|FAIL|SKIP <detail>  the scenario against its expectation
# run-conformance.sh compares the OBS lines of both runs and fails on any
# difference; a scenario also fails when its own expectation (the kernel's
# documented behaviour) does not hold. Only facts both worlds share are OBS
# lines; checks that exist in one world only (/dev/vfio, auditd) are folded into
# the SCENARIO verdict of that world.
#
# Devices (fixed PCI addresses on the qemu command line, mirrored in the topology):
#   00:00.0 host bridge         a refusal
#   00:02.0 e1000 (8086:100e)   the device the broker moves
#   00:03.0 e1000e (8086:10d3)  the raw driver-core scenarios, hot-unplugged and re-added
#   00:04.0 virtio-net          broker facts (its netdev sits below a virtio device)
#   00:05.0 virtio-net          override_only of vfio-pci
#   00:06.0 nvme                broker facts (a block device)
#   00:07.0 PCIe root port      a refusal
#   00:0b.0, 00:0b.1 e1000      two functions without ACS: one IOMMU group (group
#                               bind); .1 also for the probe failure under an override
#   00:08.0-00:0a.0 virtio-9p   the guest's shares (/usr, source, build): not touched
set -u

MODE=$1 SYS=$2 BUILD=$3 SRC=$4 KROOT=${5:-}
WRITE=$BUILD/tests/vm/vm-sysfs-write
BBD=$BUILD/broker/daemon/bindbrokerd
BBC=$BUILD/client/bindbroker
TMP=$(mktemp -d /tmp/bbvm-scen.XXXXXX)
DEVS=$SYS/bus/pci/devices
DRV=$SYS/bus/pci/drivers
E1000=0000:00:02.0 E1000E=0000:00:03.0 VNET=0000:00:05.0 PORT=0000:00:07.0
HOSTBR=0000:00:00.0 ABSENT=0000:00:1e.0 FN0=0000:00:0b.0 FN1=0000:00:0b.1
DAEMON_PID=

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [ -n "$DAEMON_PID" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	chattr -R -a "$TMP" 2>/dev/null # the journal is append-only where the fs allows
	rm -rf "$TMP"
}
trap cleanup EXIT

# --- observation and verdict helpers ---------------------------------------------
SCEN='' BAD='' NOTE=''
begin() { SCEN=$1 BAD='' NOTE=''; }
obs() { echo "OBS $SCEN $1 ${2:-<empty>}"; }
# expect KEY WANT GOT: records the observation and checks it against the contract.
expect() {
	obs "$1" "$3"
	if [ "$3" != "$2" ]; then
		BAD=1
		NOTE="$NOTE $1=${3:-<empty>}(want ${2:-<empty>})"
	fi
}
# check DESCRIPTION COMMAND...: a world-specific check, part of the verdict only.
check() {
	d=$1
	shift
	if ! "$@" >/dev/null 2>&1; then
		BAD=1
		NOTE="$NOTE $d"
	fi
}
end() {
	if [ -n "$BAD" ]; then
		echo "SCENARIO $SCEN FAIL${NOTE}"
	else
		echo "SCENARIO $SCEN PASS${NOTE:+ $NOTE}"
	fi
}
skip() { echo "SCENARIO $1 SKIP $2"; }

w() { "$WRITE" "$@" 2>/dev/null; }
driver() { # BDF -> bound driver's name, "-" when none
	l=$(readlink "$DEVS/$1/driver" 2>/dev/null) || { echo -; return; }
	basename "$l"
}
override() { cat "$DEVS/$1/driver_override" 2>/dev/null || echo "<unreadable>"; }
group() { basename "$(readlink "$DEVS/$1/iommu_group")"; }

class_children() { # CLASS BDF -> names in class/CLASS whose link leads below BDF
	for c in "$SYS/class/$1"/*; do
		readlink "$c" | grep -q "/$2/" && printf '%s ' "${c##*/}"
	done
}

# Waits (bounded) for BDF to be present again after a rescan or hot-add.
wait_present() {
	i=0
	while [ ! -e "$DEVS/$1" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# Hot-unplug then hot-add BDF: sysfs remove + bus rescan on the kernel; the control
# file's remove-device/add-device (with the device's topology object) on simsys.
replug() {
	if [ "$MODE" = kernel ]; then
		echo 1 >"$DEVS/$1/remove"
		echo 1 >"$SYS/bus/pci/rescan"
	else
		printf 'remove-device %s' "$1" >"$SYS/.simsys/control"
		printf 'add-device %s' "$(cat "$HOTADD_JSON")" >"$SYS/.simsys/control"
	fi
	wait_present "$1"
}

# --- topology: the devices both worlds start from -----------------------------------
begin topology
for f in "$DEVS"/*; do # the glob sorts; BDFs are plain hex
	d=${f##*/}
	obs "$d" "$(cat "$f/vendor" "$f/device" "$f/subsystem_vendor" "$f/subsystem_device" \
		"$f/class" "$f/revision" | tr '\n' ' ')group=$(group "$d") driver=$(driver "$d")"
	obs "$d-modalias" "$(cat "$f/modalias")"
	obs "$d-override" "$(override "$d")"
	# Through class/ links, as the broker finds them: a virtio-net's netdev sits
	# one level down on the kernel (BDF/virtioN/net/IFACE), directly on simsys.
	obs "$d-net" "$(class_children net "$d")"
	obs "$d-block" "$(class_children block "$d")"
done
end

begin lockdown
obs posture "$(cat "$SYS/kernel/security/lockdown")"
# Under integrity the kernel refuses raw I/O ports (this is also why the guest
# cannot report through isa-debug-exit and powers off instead).
if [ "$MODE" = kernel ]; then
	check "/dev/port-missing" test -c /dev/port
	check "/dev/port-not-refused-with-EPERM" sh -c "[ \"\$('$WRITE' /dev/port '')\" = EPERM ]"
fi
end

# --- raw driver-core semantics ---------------------------------------------------
begin raw-probe-no-driver
expect override-set OK "$(w "$DEVS/$E1000E/driver_override" bb-no-such-driver -n)"
expect driver-after-override e1000e "$(driver $E1000E)"
expect unbind OK "$(w "$DRV/e1000e/unbind" $E1000E)"
expect drivers_probe OK "$(w "$SYS/bus/pci/drivers_probe" $E1000E)"
expect driver - "$(driver $E1000E)"
expect bind-other-override ENODEV "$(w "$DRV/e1000e/bind" $E1000E)"
expect driver-after-bind - "$(driver $E1000E)"
expect probe-absent-device ENODEV "$(w "$SYS/bus/pci/drivers_probe" $ABSENT)"
end

begin raw-override-clear
expect empty-write OK "$(w "$DEVS/$E1000E/driver_override" "")"
expect after-empty-write bb-no-such-driver "$(override $E1000E)"
expect newline-write OK "$(w "$DEVS/$E1000E/driver_override" "" -n)"
expect after-newline "(null)" "$(override $E1000E)"
expect name-newline OK "$(w "$DEVS/$E1000E/driver_override" bb-x -n)"
expect after-name-newline bb-x "$(override $E1000E)"
expect embedded-newline OK "$(w "$DEVS/$E1000E/driver_override" "bb-a
bb-b")"
expect after-embedded-newline bb-a "$(override $E1000E)"
w "$DEVS/$E1000E/driver_override" "" -n >/dev/null
expect drivers_probe OK "$(w "$SYS/bus/pci/drivers_probe" $E1000E)"
expect driver e1000e "$(driver $E1000E)"
end

begin raw-override-length
# The kernel keeps one byte for sysfs_emit's newline: len >= PAGE_SIZE - 1 is refused.
expect len-4094 OK "$(w "$DEVS/$E1000E/driver_override" "" --repeat a 4094)"
obs len-4095 "$(w "$DEVS/$E1000E/driver_override" "" --repeat a 4095)"
expect len-4096 EINVAL "$(w "$DEVS/$E1000E/driver_override" "" --repeat a 4096)"
expect len-5000 EINVAL "$(w "$DEVS/$E1000E/driver_override" "" --repeat a 5000)"
w "$DEVS/$E1000E/driver_override" "" -n >/dev/null
expect cleared "(null)" "$(override $E1000E)"
expect driver e1000e "$(driver $E1000E)"
end

begin raw-probe-failure
# A driver named by the override whose probe refuses the device (virtio-pci on an
# e1000: not a virtio device, ENODEV): drivers_probe still reports success and
# nothing is bound; bind reports the probe's error. simsys is told through its
# control file that virtio-pci's probe fails, which its topology cannot say.
[ "$MODE" = simsys ] && printf 'fail-probe virtio-pci 2' >"$SYS/.simsys/control"
expect override OK "$(w "$DEVS/$FN1/driver_override" virtio-pci)"
expect unbind OK "$(w "$DRV/e1000/unbind" $FN1)"
expect drivers_probe OK "$(w "$SYS/bus/pci/drivers_probe" $FN1)"
expect driver - "$(driver $FN1)"
expect bind ENODEV "$(w "$DRV/virtio-pci/bind" $FN1)"
expect driver-after-bind - "$(driver $FN1)"
expect clear OK "$(w "$DEVS/$FN1/driver_override" "" -n)"
expect probe-back OK "$(w "$SYS/bus/pci/drivers_probe" $FN1)"
expect driver-back e1000 "$(driver $FN1)"
end

begin raw-vfio-refuses-bridge
# vfio-pci's probe takes only type-0 (normal) headers: with the override naming it,
# a PCIe root port is left with no driver (drivers_probe still succeeds) and a
# bind returns the probe's EINVAL.
expect override OK "$(w "$DEVS/$PORT/driver_override" vfio-pci)"
expect unbind OK "$(w "$DRV/pcieport/unbind" $PORT)"
expect drivers_probe OK "$(w "$SYS/bus/pci/drivers_probe" $PORT)"
expect driver - "$(driver $PORT)"
expect bind EINVAL "$(w "$DRV/vfio-pci/bind" $PORT)"
expect driver-after-bind - "$(driver $PORT)"
# Not an observation: puts the port back even where vfio-pci took it (FINDINGS 2).
w "$DRV/vfio-pci/unbind" $PORT >/dev/null
expect clear OK "$(w "$DEVS/$PORT/driver_override" "" -n)"
expect probe-back OK "$(w "$SYS/bus/pci/drivers_probe" $PORT)"
expect driver-back pcieport "$(driver $PORT)"
end

begin raw-unbind-not-held
expect other-driver ENODEV "$(w "$DRV/e1000/unbind" $E1000E)"
expect absent-device ENODEV "$(w "$DRV/e1000e/unbind" $ABSENT)"
expect driver e1000e "$(driver $E1000E)"
expect bind-bound EBUSY "$(w "$DRV/e1000e/bind" $E1000E)"
expect unbind OK "$(w "$DRV/e1000e/unbind" $E1000E)"
expect bind-no-match ENODEV "$(w "$DRV/e1000/bind" $E1000E)"
expect bind-newline OK "$(w "$DRV/e1000e/bind" $E1000E -n)"
expect driver-after-bind e1000e "$(driver $E1000E)"
end

begin raw-new-id
expect add OK "$(w "$DRV/vfio-pci/new_id" "8086 10d3")"
expect driver-kept e1000e "$(driver $E1000E)"
expect duplicate EEXIST "$(w "$DRV/vfio-pci/new_id" "8086 10d3")"
# new_id with fewer than 7 fields is refused when the driver already matches such
# a device by any id, its static table included (pci-driver.c new_id_store).
expect static-id EEXIST "$(w "$DRV/e1000e/new_id" "8086 10d3")"
expect one-field EINVAL "$(w "$DRV/vfio-pci/new_id" "8086")"
expect not-hex EINVAL "$(w "$DRV/vfio-pci/new_id" "zzzz")"
expect remove OK "$(w "$DRV/vfio-pci/remove_id" "8086 10d3")"
expect remove-again ENODEV "$(w "$DRV/vfio-pci/remove_id" "8086 10d3")"
# The full 7-field form skips the duplicate check: the same id is added twice.
expect full-add OK "$(w "$DRV/vfio-pci/new_id" "8086 10d3 ffffffff ffffffff 0 0 0")"
expect full-add-again OK "$(w "$DRV/vfio-pci/new_id" "8086 10d3 ffffffff ffffffff 0 0 0")"
expect full-remove OK "$(w "$DRV/vfio-pci/remove_id" "8086 10d3 ffffffff ffffffff 0 0")"
expect full-remove-2 OK "$(w "$DRV/vfio-pci/remove_id" "8086 10d3 ffffffff ffffffff 0 0")"
expect full-remove-3 ENODEV "$(w "$DRV/vfio-pci/remove_id" "8086 10d3 ffffffff ffffffff 0 0")"
expect driver e1000e "$(driver $E1000E)"
end

begin raw-input-forms
# What `echo` writes (a trailing newline) and what sscanf("%x") takes (0x prefixes).
expect unbind-newline OK "$(w "$DRV/e1000e/unbind" $E1000E -n)"
expect probe-newline OK "$(w "$SYS/bus/pci/drivers_probe" $E1000E -n)"
expect driver e1000e "$(driver $E1000E)"
expect probe-bound OK "$(w "$SYS/bus/pci/drivers_probe" $E1000E)"
expect unbind-garbage ENODEV "$(w "$DRV/e1000e/unbind" "not-a-device")"
# Device names compare with sysfs_streq: only one trailing newline is forgiven.
expect unbind-leading-space ENODEV "$(w "$DRV/e1000e/unbind" " $E1000E")"
expect unbind-trailing-space ENODEV "$(w "$DRV/e1000e/unbind" "$E1000E ")"
expect unbind-no-domain ENODEV "$(w "$DRV/e1000e/unbind" "00:03.0")"
expect unbind-upper-case ENODEV "$(w "$DRV/e1000/unbind" "0000:00:0B.0")"
# new_id is parsed by sscanf: upper-case hex is fine, and what follows the
# fields it could read is ignored.
expect new-id-upper OK "$(w "$DRV/vfio-pci/new_id" "8086 10D3")"
expect remove-id-upper OK "$(w "$DRV/vfio-pci/remove_id" "8086 10D3")"
expect new-id-trailing-junk OK "$(w "$DRV/vfio-pci/new_id" "8086 10d3 zz")"
expect remove-id-trailing-junk OK "$(w "$DRV/vfio-pci/remove_id" "8086 10d3 zz")"
expect new-id-0x OK "$(w "$DRV/vfio-pci/new_id" "0x8086 0x10d3" -n)"
expect remove-id-0x OK "$(w "$DRV/vfio-pci/remove_id" "0x8086 0x10d3" -n)"
expect remove-id-one-field EINVAL "$(w "$DRV/vfio-pci/remove_id" "8086")"
# driver_data must be one a static id of the driver carries (vfio-pci: only 0).
expect new-id-driver-data EINVAL "$(w "$DRV/vfio-pci/new_id" "8086 10d3 ffffffff ffffffff 0 0 5")"
expect new-id-class OK "$(w "$DRV/vfio-pci/new_id" "8086 10d3 ffffffff ffffffff 020000 ffffff")"
expect new-id-class-dup EEXIST "$(w "$DRV/vfio-pci/new_id" "8086 10d3 ffffffff ffffffff 020000 ffffff")"
expect remove-id-class OK "$(w "$DRV/vfio-pci/remove_id" "8086 10d3 ffffffff ffffffff 020000 ffffff")"
# remove_id's omitted fields are wildcards (class_mask 0 ignores the class), but a
# given subvendor must equal the stored one.
expect new-id-class-2 OK "$(w "$DRV/vfio-pci/new_id" "8086 10d3 ffffffff ffffffff 020000 ffffff")"
expect remove-id-subvendor ENODEV "$(w "$DRV/vfio-pci/remove_id" "8086 10d3 8086")"
expect remove-id-short OK "$(w "$DRV/vfio-pci/remove_id" "8086 10d3")"
expect remove-id-short-again ENODEV "$(w "$DRV/vfio-pci/remove_id" "8086 10d3")"
expect driver-kept e1000e "$(driver $E1000E)"
end

begin raw-autoprobe-off
# drivers_autoprobe=0 does not keep a hot-added PCI device unbound: pci_bus_add_device
# calls device_attach itself. Nor does it stop new_id: pci_add_dynid calls
# driver_attach, which does not look at drivers_autoprobe either.
expect autoprobe-off OK "$(w "$SYS/bus/pci/drivers_autoprobe" 0)"
expect autoprobe-read 0 "$(cat "$SYS/bus/pci/drivers_autoprobe")"
# An override does not survive the device's removal: the re-added device is new.
expect override-before OK "$(w "$DEVS/$E1000E/driver_override" bb-keep)"
replug $E1000E
expect driver-after-hotadd e1000e "$(driver $E1000E)"
expect override-after-hotadd "(null)" "$(override $E1000E)"
expect unbind OK "$(w "$DRV/e1000e/unbind" $E1000E)"
expect new-id OK "$(w "$DRV/vfio-pci/new_id" "8086 10d3")"
expect driver-after-new-id vfio-pci "$(driver $E1000E)"
expect remove-id OK "$(w "$DRV/vfio-pci/remove_id" "8086 10d3")"
w "$DRV/vfio-pci/unbind" $E1000E >/dev/null
w "$DRV/e1000e/unbind" $E1000E >/dev/null
expect probe-still-works OK "$(w "$SYS/bus/pci/drivers_probe" $E1000E)"
expect driver-after-probe e1000e "$(driver $E1000E)"
expect autoprobe-on OK "$(w "$SYS/bus/pci/drivers_autoprobe" 1)"
end

begin raw-autoprobe-module
# A driver registered while drivers_autoprobe=0 binds nothing (bus_add_driver).
expect autoprobe-off OK "$(w "$SYS/bus/pci/drivers_autoprobe" 0)"
if [ "$MODE" = kernel ]; then
	rmmod e1000e
else
	printf 'unload-module e1000e' >"$SYS/.simsys/control"
fi
expect driver-after-unload - "$(driver $E1000E)"
expect driver-dir-gone yes "$([ -e "$DRV/e1000e" ] && echo no || echo yes)"
if [ "$MODE" = kernel ]; then
	insmod /kmod/e1000e.ko
else
	printf 'load-module e1000e' >"$SYS/.simsys/control"
fi
expect driver-dir-back yes "$([ -e "$DRV/e1000e" ] && echo yes || echo no)"
expect driver-after-load - "$(driver $E1000E)"
expect autoprobe-on OK "$(w "$SYS/bus/pci/drivers_autoprobe" 1)"
expect driver-after-autoprobe-on - "$(driver $E1000E)"
expect probe OK "$(w "$SYS/bus/pci/drivers_probe" $E1000E)"
expect driver-after-probe e1000e "$(driver $E1000E)"
end

begin raw-new-id-hotplug
# The 2014 race: a dynamic id is global, so a hot-added twin goes to vfio-pci (it
# registered before e1000e, and dynamic ids match like static ones).
expect add OK "$(w "$DRV/vfio-pci/new_id" "8086 10d3")"
expect driver-before e1000e "$(driver $E1000E)"
replug $E1000E
expect present yes "$([ -e "$DEVS/$E1000E" ] && echo yes || echo no)"
expect driver-after-hotadd vfio-pci "$(driver $E1000E)"
expect override-after-hotadd "(null)" "$(override $E1000E)"
obs group-after-hotadd "$(group $E1000E)"
[ "$MODE" = kernel ] && check "/dev/vfio/$(group $E1000E)-missing" test -c "/dev/vfio/$(group $E1000E)"
expect remove OK "$(w "$DRV/vfio-pci/remove_id" "8086 10d3")"
expect driver-after-remove-id vfio-pci "$(driver $E1000E)"
expect unbind OK "$(w "$DRV/vfio-pci/unbind" $E1000E)"
expect drivers_probe OK "$(w "$SYS/bus/pci/drivers_probe" $E1000E)"
expect driver-restored e1000e "$(driver $E1000E)"
end

begin raw-override-only
expect unbind OK "$(w "$DRV/virtio-pci/unbind" $VNET)"
expect bind-no-override ENODEV "$(w "$DRV/vfio-pci/bind" $VNET)"
expect driver-after-bind - "$(driver $VNET)"
expect probe OK "$(w "$SYS/bus/pci/drivers_probe" $VNET)"
expect driver-after-probe virtio-pci "$(driver $VNET)"
expect unbind-2 OK "$(w "$DRV/virtio-pci/unbind" $VNET)"
expect override OK "$(w "$DEVS/$VNET/driver_override" vfio-pci -n)"
expect probe-override OK "$(w "$SYS/bus/pci/drivers_probe" $VNET)"
expect driver-override vfio-pci "$(driver $VNET)"
[ "$MODE" = kernel ] && check "/dev/vfio/$(group $VNET)-missing" test -c "/dev/vfio/$(group $VNET)"
expect unbind-vfio OK "$(w "$DRV/vfio-pci/unbind" $VNET)"
expect clear OK "$(w "$DEVS/$VNET/driver_override" "" -n)"
expect probe-back OK "$(w "$SYS/bus/pci/drivers_probe" $VNET)"
expect driver-back virtio-pci "$(driver $VNET)"
end

# --- the broker -----------------------------------------------------------------
mkdir -p "$TMP/config/policy.d" "$TMP/state"
cp "$SRC"/policy/default.d/*.rules "$TMP/config/policy.d/"
# The test runs as root, which the default policy's admin-group rules do not name.
# Only network functions (class 0x02): the bridges must still meet the defaults.
cat >"$TMP/config/policy.d/40-vm-test.rules" <<'RULES'
allow driver vfio-pci class 0x02 user root
allow driver bindbroker-quarantine class 0x02 user root
# broker-rollback: virtio-pci's probe refuses an e1000, so the bind must roll back
allow driver virtio-pci class 0x02 user root
RULES
start_broker() { # SOCKET [bindbrokerd options...]: starts it, waits (bounded) until it answers
	sock=$1
	shift
	"$BBD" --sysfs-root "$SYS" --config-dir "$TMP/config" --state-dir "$TMP/state" \
		--socket "$sock" "$@" 2>>"$TMP/daemon.log" &
	DAEMON_PID=$!
	i=0
	while ! "$BBC" --socket "$sock" status >/dev/null 2>&1 && [ $i -lt 300 ]; do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
}
stop_broker() {
	kill "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}
SOCK=$TMP/broker.sock
if [ "$MODE" = kernel ]; then
	start_broker "$SOCK" --modules-dir "$KROOT/lib/modules/$(uname -r)"
else
	start_broker "$SOCK"
fi

bb() { # runs the client; RC, OUT
	"$BBC" --socket "$SOCK" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out" "$TMP/err")
}

# The sysfs writes the broker made since the last call, from its step log
# ("override BDF: PATH <- VALUE"; paths are relative to the sysfs root, so both
# worlds log the same text): the broker must take the same steps on both.
LOGSEEN=0
steps() {
	n=$(wc -l <"$TMP/daemon.log")
	tail -n +$((LOGSEEN + 1)) "$TMP/daemon.log" | head -n $((n - LOGSEEN)) |
		grep ' <- ' | sed 's/^\([a-z -]*\) [0-9a-f:.]*: /\1 /' | tr '\n' ';' >"$TMP/steps"
	LOGSEEN=$n
}

# The rule that decided, from --json output; a rules file's path without the temp dir.
rule_of() {
	printf '%s' "$1" | sed -n 's/.*"rule": *"\([^"]*\)".*/\1/p' | head -n 1 | sed "s|$TMP/||"
}

steps
begin broker-status
bb --json status
expect rc 0 "$RC"
expect lockdown-integrity yes "$(printf '%s' "$OUT" | grep -q '"lockdown": *"integrity"' && echo yes || echo no)"
end

begin broker-show
# The broker's facts about a device (ids, modalias, driver, IOMMU group and its
# members, netdevs, block devices) are the same read from either world.
for d in $E1000 $FN0 $PORT 0000:00:04.0 0000:00:06.0; do
	bb --json show "$d"
	expect "$d-rc" 0 "$RC"
	obs "$d" "$(printf '%s' "$OUT" | tr -d ' \n')"
done
end

begin broker-load-module
# vfio-pci is unloaded first, so the broker loads it itself: libkmod from the
# extracted kernel package on the kernel (Debian-signed, so lockdown=integrity
# lets it in), the control file's load-module on simsys.
if [ "$MODE" = kernel ]; then
	rmmod vfio_pci
else
	printf 'unload-module vfio_pci' >"$SYS/.simsys/control"
fi
expect unloaded yes "$([ -e "$DRV/vfio-pci" ] && echo no || echo yes)"
bb bind $E1000 vfio-pci
expect rc 0 "$RC"
expect loaded yes "$([ -e "$SYS/module/vfio_pci" ] && echo yes || echo no)"
expect driver vfio-pci "$(driver $E1000)"
bb release $E1000
expect release-rc 0 "$RC"
expect driver-released e1000 "$(driver $E1000)"
steps
obs steps "$(cat "$TMP/steps")"
end

begin broker-bind
bb bind $E1000 vfio-pci
expect rc 0 "$RC"
expect driver vfio-pci "$(driver $E1000)"
obs override "$(override $E1000)"
[ "$MODE" = kernel ] && check "/dev/vfio/$(group $E1000)-missing" test -c "/dev/vfio/$(group $E1000)"
steps
obs steps "$(cat "$TMP/steps")"
end

begin broker-release
bb release $E1000
expect rc 0 "$RC"
expect driver e1000 "$(driver $E1000)"
expect override "(null)" "$(override $E1000)"
steps
obs steps "$(cat "$TMP/steps")"
end

begin broker-quarantine
bb quarantine $E1000
expect rc 0 "$RC"
expect driver - "$(driver $E1000)"
expect probe-stays-off OK "$(w "$SYS/bus/pci/drivers_probe" $E1000)"
expect driver-after-probe - "$(driver $E1000)"
bb release $E1000
expect release-rc 0 "$RC"
expect driver-released e1000 "$(driver $E1000)"
steps
obs steps "$(cat "$TMP/steps")"
end

begin broker-rollback
# virtio-pci's probe refuses a device that is not virtio (ENODEV); simsys is told
# so through its control file, the one thing the topology cannot say.
[ "$MODE" = simsys ] && printf 'fail-probe virtio-pci 1' >"$SYS/.simsys/control"
bb bind $E1000 virtio-pci
expect rc 3 "$RC"
expect driver e1000 "$(driver $E1000)"
expect override "(null)" "$(override $E1000)"
steps
obs steps "$(cat "$TMP/steps")"
end

begin broker-refuse-bridge
bb --json bind $PORT vfio-pci
expect rc 1 "$RC"
obs rule "$(rule_of "$OUT")"
expect driver pcieport "$(driver $PORT)"
expect override "(null)" "$(override $PORT)"
bb --json quarantine $HOSTBR
expect hostbridge-rc 1 "$RC"
obs hostbridge-rule "$(rule_of "$OUT")"
expect hostbridge-override "(null)" "$(override $HOSTBR)"
end

begin broker-group-bind
expect same-group yes "$([ "$(group $FN0)" = "$(group $FN1)" ] && echo yes || echo no)"
bb bind $FN0 vfio-pci --group
expect rc 0 "$RC"
expect driver-fn0 vfio-pci "$(driver $FN0)"
expect driver-fn1 vfio-pci "$(driver $FN1)"
[ "$MODE" = kernel ] && check "/dev/vfio/$(group $FN0)-missing" test -c "/dev/vfio/$(group $FN0)"
bb release $FN0
expect release-fn0-rc 0 "$RC"
bb release $FN1
expect release-fn1-rc 0 "$RC"
expect driver-fn0-back e1000 "$(driver $FN0)"
expect driver-fn1-back e1000 "$(driver $FN1)"
steps
obs steps "$(cat "$TMP/steps")"
end

if [ -n "${BBVM_HAVE_JOURNAL:-}" ]; then
	begin broker-journal
	# Records of the binds above on disk (state/journal/), and through the client
	# once it has `audit show`.
	check "no-journal-record-names-$E1000" grep -rq "device=$E1000" "$TMP/state/journal"
	"$BBC" --socket "$SOCK" audit show --device $E1000 >"$TMP/out" 2>"$TMP/err"
	if grep -q "not available" "$TMP/err"; then
		NOTE="$NOTE (the client has no audit show yet)"
	else
		check "audit-show-names-no-$E1000" grep -q "$E1000" "$TMP/out"
	fi
	end
else
	skip broker-journal "bindbrokerd does not link the journal yet (no journal/ in its state dir)"
fi

if [ "$MODE" != kernel ]; then
	skip guest-auditd "simsys has no kernel audit"
	skip broker-audit-record "simsys has no kernel audit"
else
	begin guest-auditd
	check auditd-not-running pidof auditd
	auditctl -m "bbvm-audit-probe" >/dev/null 2>&1
	# auditd writes asynchronously: poll (bounded) for the record to reach the log.
	i=0
	until ausearch -m USER 2>/dev/null | grep -q bbvm-audit-probe || [ $i -ge 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check ausearch-finds-no-USER-record sh -c 'ausearch -m USER | grep -q bbvm-audit-probe'
	end
	if [ -n "${BBVM_HAVE_AUDIT:-}" ]; then
		begin broker-audit-record
		check "ausearch-m-USER_DEVICE-finds-nothing-for-$E1000" \
			sh -c "ausearch -m USER_DEVICE | grep -q '$E1000'"
		end
	else
		skip broker-audit-record "bindbrokerd does not link libaudit yet (no USER_DEVICE records)"
	fi
fi
begin broker-unsigned-table
# Under lockdown only tables signed by a trusted key count: one signed by a key this host
# does not trust is refused (exit 1, the trust check), and the e1000 stays where it is.
mkdir -p "$TMP/rogue"
"$BBC" keygen --output-dir "$TMP/rogue" >/dev/null 2>&1
printf 'format: bindbroker-table 1\nname: rogue\nvendor: 8086\ndriver: vfio-pci\nserial: 1\nissued: 2026-01-01T00:00:00Z\nexpires: 2099-01-01T00:00:00Z\n\n8086:100e\n' >"$TMP/rogue.table"
"$BBC" table sign "$TMP/rogue.table" --key "$TMP/rogue/bindbroker.key" >/dev/null 2>&1
bb table install "$TMP/rogue.table"
expect table-install-rc 1 "$RC"
check "refusal-does-not-name-trust" sh -c "grep -q 'check trust' '$TMP/err'"
expect driver-after-refusal e1000 "$(driver $E1000)"
bb table list
check "a-refused-table-is-listed" sh -c "! grep -q rogue '$TMP/out'"
end

if [ "$MODE" = kernel ]; then
	begin broker-unsigned-module
	# A second broker whose modules dir holds vfio-pci.ko without its signature
	# (make-unsigned-modules.sh): lockdown=integrity must refuse to load it, and
	# the e1000 must stay where it is.
	stop_broker
	rmmod vfio_pci
	start_broker "$TMP/broker2.sock" --modules-dir \
		"$BUILD/tests/vm/unsigned-modules/lib/modules/$(uname -r)"
	"$BBC" --socket "$TMP/broker2.sock" bind $E1000 vfio-pci >"$TMP/out" 2>"$TMP/err"
	RC=$?
	check "exit-$RC-not-3" test $RC -eq 3
	check "driver-$(driver $E1000)-not-e1000" test "$(driver $E1000)" = e1000
	check "override-$(override $E1000)-not-(null)" test "$(override $E1000)" = "(null)"
	check "vfio-pci-was-loaded" test ! -e "$DRV/vfio-pci"
	check "no-lockdown-message-in-dmesg" sh -c 'dmesg | grep -q "unsigned module loading is restricted"'
	NOTE="$NOTE (exit $RC: $(head -c 200 "$TMP/err" | tr '\n' ' '))"
	end
else
	skip broker-unsigned-module "simsys does not model module signatures"
fi


if [ -s "$TMP/daemon.log" ]; then
	sed 's/^/DAEMONLOG /' "$TMP/daemon.log" | tail -n 20
fi
exit 0
