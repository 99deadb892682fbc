#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Crash-point testing: bindbrokerd is killed with SIGKILL at every write-type syscall of a
# bind, of a bind whose probe fails (rollback), of a release, of a quarantine and of a bind of
# a whole IOMMU group (GPU + audio function), then restarted. strace attached to the running daemon injects the SIGKILL on entry of the Nth
# call of one syscall (write, pwrite64, fdatasync, sendto), so each run dies between two
# consecutive syscalls;
# N runs up until a run completes without being killed. After each crash and restart:
#   - never unlogged: if simsys saw a write to the device, the journal has an intent for it;
#   - never half-bound: the device is on its old driver or its new one, never on none
#     unless none is the new state (quarantine); start-up recovery restores a device left
#     between the two;
#   - a matching journal: the crashed intent has a result naming the driver the device has,
#     either its own (the crash came after it) or, after its outcome-unknown, the result of
#     start-up recovery (recovers=SEQ, outcome ok: completed, not-done or restored); no
#     intent is left open and status lists nothing of unknown outcome;
#   - the journal verifies offline (`bindbroker audit verify`), and `bindbroker release`
#     still brings the device home to its host driver.
# CRASH_SYSCALLS overrides the syscall list (e.g. add openat,close for a long run);
# CRASH_ONLY=NAME runs one scenario.
. "$(dirname "$0")/../daemon/e2e-lib.sh"

command -v strace >/dev/null || { echo "SKIP: strace not installed"; exit 77; }
SYSCALLS=${CRASH_SYSCALLS:-write pwrite64 fdatasync sendto}
NIC=0000:18:00.1
GPU=0000:03:00.0 GPU_AUDIO=0000:03:00.1
POINTS=0

fresh() { # a new machine and an empty state dir
	if [ -n "$DAEMON_PID" ]; then stop_daemon; fi
	# A daemon killed inside a FUSE write may keep the mount busy for a moment after it
	# was reaped: retry (bounded), then detach it lazily so the next run gets a fresh one.
	i=0
	while mountpoint -q "$MNT" && ! fusermount3 -u "$MNT" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -ge 100 ]; then
			echo "# simsys mount still busy after 100 tries: detaching it lazily"
			umount -l "$MNT"
			break
		fi
		sleep 0.05
	done
	chattr -R -a "$STATE" 2>/dev/null # the journal is append-only where the fs has the flag
	rm -rf "$STATE"
	mount_simsys gpu-server
	start_daemon --audit off
}

# Checks the journal against DEVICE's driver NOW: prints what matched, exits 1 if nothing.
journal_matches() { # DEVICE NOW
	python3 - "$STATE/journal/records" "$1" "$2" <<'PY'
import sys
recs = []
for line in open(sys.argv[1], errors="replace"):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    if kv.get("device") == sys.argv[2]:
        recs.append(kv)
now = sys.argv[3]
# The operation the crash cut: the device's last intent that is not recovery's own.
ops = [r for r in recs if r["type"] == "intent" and r.get("op") != "recover"]
if not ops:
    print("no intent")
    sys.exit(0)
seq = ops[-1]["seq"]
opened = {r["seq"] for r in recs if r["type"] == "intent"}
closed = {r.get("intent") for r in recs if r["type"] in ("result", "outcome-unknown")}
if opened - closed:
    print("intent(s) left open:", sorted(opened - closed))
    sys.exit(1)
own = [r for r in recs if r["type"] == "result" and r.get("intent") == seq]
if own:
    r = own[-1]
    if r.get("new-driver", "") == now:
        print(f"result of intent {seq}: outcome={r.get('outcome')} new-driver={now}")
        sys.exit(0)
    print(f"result of intent {seq} says new-driver={r.get('new-driver', '')}, device on {now!r}")
    sys.exit(1)
rec = [r for r in recs if r["type"] == "result" and r.get("recovers") == seq]
if not rec:
    print(f"intent {seq} has neither a result nor a recovery result")
    sys.exit(1)
r = rec[-1]
if r.get("outcome") == "ok" and r.get("new-driver", "") == now:
    print(f"recovery of intent {seq}: {r.get('recovery')} new-driver={now}")
    sys.exit(0)
print(f"recovery of intent {seq} says {r}, device on {now!r}")
sys.exit(1)
PY
}

# Runs OP under strace with SIGKILL on the Nth SYSCALL. Sets KILLED=1 when the daemon died.
crash_run() { # SYSCALL N PREP OP...
	sc=$1 n=$2 prep=$3
	shift 3
	$prep
	: >"$TMP/strace.err"
	strace -f -qq -p "$DAEMON_PID" -o /dev/null -e trace="$sc" \
		-e inject="$sc":signal=SIGKILL:when="$n" 2>"$TMP/strace.err" &
	tracer=$!
	# Attached when strace has the tracee stopped once; the daemon's status reply proves it
	# runs on (bounded wait for the attach itself).
	i=0
	while ! grep -q TracerPid:.[1-9] "/proc/$DAEMON_PID/status" 2>/dev/null && [ $i -lt 250 ]; do
		i=$((i + 1))
		sleep 0.02
	done
	timeout 60 "$BINDBROKER" --socket "$SOCK" "$@" >/dev/null 2>&1
	# Detach: once strace is gone no kill can come later. A kill it sent shows as a zombie,
	# a gone process, or a pending SIGKILL (bit 9 of SigPnd/ShdPnd).
	# strace can hang detaching from a thread group whose leader died (seen with the
	# worker threads): give it 5 s after SIGTERM, then SIGKILL it (the kernel detaches).
	kill "$tracer" 2>/dev/null
	i=0
	while kill -0 "$tracer" 2>/dev/null && [ $i -lt 250 ]; do
		i=$((i + 1))
		sleep 0.02
	done
	kill -9 "$tracer" 2>/dev/null
	wait "$tracer" 2>/dev/null
	if daemon_killed; then
		KILLED=1
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
	else
		KILLED=0
	fi
}

daemon_killed() {
	[ -r "/proc/$DAEMON_PID/status" ] || return 0
	python3 - "/proc/$DAEMON_PID/status" <<'PY'
import sys
try:
    st = dict(l.split(":", 1) for l in open(sys.argv[1]) if ":" in l)
except OSError:
    sys.exit(0)
if st["State"].strip().startswith(("Z", "X")):
    sys.exit(0)
pend = int(st["SigPnd"], 16) | int(st["ShdPnd"], 16)
sys.exit(0 if pend & (1 << 8) else 1)
PY
}

# One device after the crash and restart. SPEC is DEVICE,OLD,NEW,HOME (HOME: its driver after
# a release).
check_device() { # LABEL SPEC
	label=$1
	IFS=, read -r dev old new home <<EOF
$2
EOF
	touched=0
	grep -q "$dev" "$MNT/.simsys/log" && touched=1
	now=$(driver_of "$dev")
	if [ $touched = 1 ] && ! grep -q "type=intent device=$dev" "$STATE/journal/records"; then
		RC=1 OUT=$(cat "$MNT/.simsys/log") ERR=''
		not_ok "$label: a write to $dev without an intent"
	else ok "$label: no write to $dev without an intent"; fi
	case $now in
	"$old" | "$new") ok "$label: $dev on its old or new driver ($now)" ;;
	"") RC=1 OUT=$(cat "$STATE/journal/records") ERR=''; not_ok "$label: $dev on no driver (half-bound)" ;;
	*) RC=1 OUT=$now ERR=''; not_ok "$label: $dev on a third driver '$now'" ;;
	esac
	journal_matches "$dev" "$now" >"$TMP/match" 2>&1
	RC=$? OUT=$(cat "$TMP/match") ERR=''
	if [ $RC = 0 ] && [ "$OUT" = "no intent" ]; then
		# The kill came before its intent: nothing may have moved.
		if [ $touched = 0 ] && [ "$now" = "$old" ]; then ok "$label: no intent, $dev untouched"
		else RC=1 OUT=$(cat "$MNT/.simsys/log") ERR=''; not_ok "$label: no intent but $dev touched or on '$now'"; fi
	else
		expect_rc 0 "$label: the journal matches $dev ($OUT)"
	fi
}

check_after_crash() { # LABEL SPEC...
	label=$1
	shift
	start_daemon --audit off
	sides=''
	for spec in "$@"; do
		check_device "$label" "$spec"
		[ "$now" = "$new" ] && sides="$sides new" || sides="$sides old"
	done
	# A group bind is all or nothing, after a crash too: never some members bound, some not.
	case $sides in
	*new*old* | *old*new*) RC=1 OUT=$sides ERR=''; not_ok "$label: the group is left split" ;;
	*) [ $# -gt 1 ] && ok "$label: the group is whole (all members old, or all new)" ;;
	esac
	bb --json status
	expect_json "j['journal']['outcome_unknown'] == 0" "$label: status lists nothing of unknown outcome"
	"$BINDBROKER" audit verify --journal "$STATE/journal" --key "$STATE/journal.key.pub" \
		>"$TMP/out" 2>"$TMP/err"
	RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
	expect_rc 0 "$label: bindbroker audit verify"
	for spec in "$@"; do
		IFS=, read -r dev old new home <<EOF
$spec
EOF
		bb release "$dev"
		expect_driver "$dev" "$home" "$label: release brings $dev back to $home (exit $RC)"
	done
}

no_prep() { :; }
failing_probe() { control fail-probe vfio-pci 1; }
bound_first() { bb bind $NIC vfio-pci; [ "$RC" = 0 ] || { echo "FATAL: setup bind failed: $ERR"; exit 1; }; }

scenario() { # NAME SPECS PREP OP...   (SPECS: space-separated DEVICE,OLD,NEW,HOME)
	name=$1 specs=$2 prep=$3
	shift 3
	[ -z "${CRASH_ONLY:-}" ] || [ "$CRASH_ONLY" = "$name" ] || return 0
	for sc in $SYSCALLS; do
		n=1
		while [ $n -le 60 ]; do
			fresh
			crash_run "$sc" "$n" "$prep" "$@"
			[ $KILLED = 1 ] || break
			POINTS=$((POINTS + 1))
			# shellcheck disable=SC2086 # one word per device
			check_after_crash "$name: kill at $sc #$n" $specs
			n=$((n + 1))
		done
	done
}

mkdir -p "$MNT"
scenario bind "$NIC,i40e,vfio-pci,i40e" no_prep bind $NIC vfio-pci
scenario bind-rollback "$NIC,i40e,vfio-pci,i40e" failing_probe bind $NIC vfio-pci
scenario release "$NIC,vfio-pci,i40e,i40e" bound_first release $NIC
# Quarantine's new state is no driver at all (the override names no driver): "" is its "new".
scenario quarantine "$NIC,i40e,,i40e" no_prep quarantine $NIC
# A whole IOMMU group (GPU and its audio function): each member on its old or new driver, and
# all on the same side.
scenario group-bind "$GPU,nvidia,vfio-pci,nvidia $GPU_AUDIO,snd_hda_intel,vfio-pci,snd_hda_intel" \
	no_prep bind $GPU vfio-pci --group
echo "# crash points tried: $POINTS"
[ $POINTS -ge 10 ] && ok "at least 10 crash points were reached ($POINTS)" ||
	{ RC=1 OUT='' ERR=''; not_ok "only $POINTS crash points were reached"; }
finish
