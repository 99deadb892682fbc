#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Attack suite, races: a device swapped at the same address mid-bind (simsys swap-on-unbind
# between unbind and probe; remove + add while strace holds the daemon before the override
# write), and two requests racing on one IOMMU group while a probe is held. After each: the device
# state and the journal are asserted.
. "$(dirname "$0")/../daemon/e2e-lib.sh"

NIC=0000:18:00.1
mount_simsys gpu-server
start_daemon --audit off

# Writes of the simsys log since byte FROM whose path ends in SUFFIX.
writes_since() { # FROM SUFFIX
	tail -c +"$(($1 + 1))" "$MNT/.simsys/log" | awk -v s="$2" \
		'$2 == "write" && substr($3, length($3) - length(s) + 1) == s { n++ } END { print n + 0 }'
}
log_len() { wc -c <"$MNT/.simsys/log"; }

# After a swap: the bind failed with exit 3, nothing reached the newcomer past the swap, it
# is not on vfio-pci and has no override, and the journal has the intent and a failed result.
assert_swap_refused() { # LABEL FROM OVERRIDE_WRITES
	expect_rc 3 "$1: the bind across the swap fails"
	expect_err "replaced" "$1: the error says the device was replaced"
	if [ "$(cat "$(device_dir $NIC)/device")" = 0x1583 ]; then ok "$1: simsys did swap the device"
	else RC=1 OUT=$(cat "$(device_dir $NIC)/device") ERR=''; not_ok "$1: simsys did swap the device"; fi
	n=$(writes_since "$2" drivers_probe)
	if [ "$n" = 0 ]; then ok "$1: no drivers_probe write after the swap"
	else RC=1 OUT=$(tail -c +"$(($2 + 1))" "$MNT/.simsys/log") ERR=''; not_ok "$1: $n drivers_probe write(s)"; fi
	n=$(writes_since "$2" driver_override)
	if [ "$n" = "$3" ]; then ok "$1: $3 override write(s), none to the newcomer"
	else RC=1 OUT=$(tail -c +"$(($2 + 1))" "$MNT/.simsys/log") ERR=''; not_ok "$1: $n override write(s), wanted $3"; fi
	if [ "$(driver_of $NIC)" != vfio-pci ]; then ok "$1: the newcomer is not on vfio-pci ($(driver_of $NIC))"
	else RC=1 OUT='' ERR=''; not_ok "$1: the newcomer is not on vfio-pci"; fi
	expect_override_cleared $NIC "$1: the newcomer carries no override"
	audit_show $NIC
	expect_json "[r['type'] for r in j['records']][-2:] == ['intent', 'result'] \
and j['records'][-1]['outcome'] == 'failed' \
and j['records'][-1]['failure'] == 'device_vanished_or_was_replaced'" \
		"$1: the journal has the intent and a result naming the replaced device"
}

NEWCOMER="{\"address\": \"$NIC\", \"vendor\": \"8086\", \"device\": \"1583\", \"subsystem_vendor\": \"8086\", \"subsystem_device\": \"0001\", \"class\": \"020000\", \"revision\": \"02\", \"iommu_group\": 30, \"numa_node\": 0, \"parent\": \"0000:00:03.0\"}"

# 1. The NIC is replaced by another device (a different device id) at the same address during
#    the unbind, i.e. between unbind and drivers_probe. The broker must stop there: neither
#    drivers_probe nor the rollback's override write may reach the newcomer.
control "swap-on-unbind $NIC $NEWCOMER"
from=$(log_len)
bb bind $NIC vfio-pci
assert_swap_refused "swap between unbind and probe" "$from" 1

# 1b. Swapped before the override write: the daemon is stopped (strace injects SIGSTOP at the
#     fdatasync of the bind's intent, after the facts were read and before the first write),
#     the NIC is removed and another device added at its address, then the daemon goes on.
if command -v strace >/dev/null; then
	stop_daemon
	unmount_simsys
	mount_simsys gpu-server
	start_daemon --audit off
	: >"$TMP/strace.out"
	strace -f -qq -p "$DAEMON_PID" -o "$TMP/strace.out" -e trace=fdatasync \
		-e inject=fdatasync:signal=SIGSTOP:when=1 2>"$TMP/strace.err" &
	tracer=$!
	i=0
	while ! grep -q TracerPid:.[1-9] "/proc/$DAEMON_PID/status" 2>/dev/null && [ $i -lt 250 ]; do
		i=$((i + 1)); sleep 0.02
	done
	from=$(log_len)
	"$BINDBROKER" --socket "$SOCK" bind $NIC vfio-pci >"$TMP/out" 2>"$TMP/err" &
	client=$!
	# Wait (bounded) for the group stop, which strace reports (a traced process shows "t" in
	# /proc at every syscall stop, so its State cannot tell).
	i=0
	while ! grep -q "stopped by SIGSTOP" "$TMP/strace.out" && [ $i -lt 500 ]; do
		i=$((i + 1)); sleep 0.02
	done
	if tail -n1 "$STATE/journal/records" | grep -q "type=intent device=$NIC" &&
		[ "$(writes_since "$from" driver_override)" = 0 ]; then
		ok "swap before override: the daemon is held after its intent, before any write"
	else RC=1 OUT=$(tail -n2 "$STATE/journal/records") ERR=''; not_ok "swap before override: held after the intent"; fi
	control "remove-device $NIC"
	control "add-device $NEWCOMER"
	kill "$tracer"; wait "$tracer" 2>/dev/null
	kill -CONT "$DAEMON_PID"
	wait "$client"; RC=$?
	OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
	assert_swap_refused "swap before the override write" "$from" 0
	n=$(writes_since "$from" unbind)
	if [ "$n" = 0 ]; then ok "swap before override: no unbind write"
	else RC=1 OUT='' ERR=''; not_ok "swap before override: $n unbind write(s)"; fi
else
	echo "# SKIP swap before the override write: strace not installed"
fi

# 2. Two group binds race on IOMMU group 5 (GPU 03:00.0 and its audio 03:00.1) while
#    vfio-pci's probe is held: the broker serializes them, so the journal never interleaves
#    the records of one request with the other's, and the group ends on vfio-pci whole.
control hold-probe vfio-pci
"$BINDBROKER" --socket "$SOCK" bind 0000:03:00.0 vfio-pci --group >"$TMP/a.out" 2>&1 &
A=$!
i=0
while ! grep -q "type=intent device=0000:03:00.0" "$STATE/journal/records" && [ $i -lt 500 ]; do
	i=$((i + 1)); sleep 0.02
done
"$BINDBROKER" --socket "$SOCK" bind 0000:03:00.1 vfio-pci --group >"$TMP/b.out" 2>&1 &
B=$!
# B is queued behind A (or refused); nothing of B may reach sysfs while A's probe is held.
if grep -q "0000:03:00.1" "$MNT/.simsys/log"; then
	RC=1 OUT=$(cat "$MNT/.simsys/log") ERR=''; not_ok "B wrote nothing while A held the group"
else ok "B wrote nothing while A held the group"; fi
control release-probe vfio-pci
wait $A; RA=$?
wait $B; RB=$?
RC=$RA OUT=$(cat "$TMP/a.out") ERR=''
expect_rc 0 "A (GPU) is bound"
expect_driver 0000:03:00.0 vfio-pci "the GPU is on vfio-pci"
python3 - "$STATE/journal/records" <<'PY' >"$TMP/order" 2>&1
import sys
recs = [dict(f.split("=", 1) for f in l.split() if "=" in f) for l in open(sys.argv[1])]
pid_of = {}
seq = []
for r in recs:
    if r["type"] == "intent":
        pid_of[r["seq"]] = r.get("pid")
        seq.append(r.get("pid"))
    elif "intent" in r:
        seq.append(pid_of.get(r["intent"]))
    if r.get("device", "").startswith("0000:03:00."):
        print(r["type"], r["device"], "request", seq[-1] if seq else "?")
runs = [p for i, p in enumerate(seq) if i == 0 or seq[i - 1] != p]
if len(runs) != len(set(runs)):
    print("interleaved requests:", seq)
    sys.exit(1)
PY
RC=$? OUT=$(cat "$TMP/order") ERR=''
expect_rc 0 "the two requests' journal records never interleave"
expect_driver 0000:03:00.1 vfio-pci "the audio function went with its group"
RC=$RB OUT=$(cat "$TMP/b.out") ERR=''
if [ "$RB" -eq 0 ] || [ "$RB" -eq 1 ]; then ok "B ran after A (exit $RB: done, or refused as already bound)"
else not_ok "B ran after A"; fi
finish
