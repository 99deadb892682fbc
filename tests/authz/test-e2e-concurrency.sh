#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# shellcheck disable=SC2034 # RC, OUT, ERR are read by e2e-lib.sh
# shellcheck disable=SC2317 # helpers called through wait_until
# Concurrency and limits of bindbrokerd on simsys, proven with held probes
# (simsys hold-probe), never with timings: a bind held in its probe does not
# delay list, check or a bind in another IOMMU group; binds on one group are
# serialized; a client that disconnects mid-bind leaves the bind to complete;
# idle, garbage and unfinished requests are closed; per-uid limits hold.
# shellcheck source=../daemon/e2e-lib.sh
. "$(dirname "$0")/../daemon/e2e-lib.sh"

# Readiness, bounded: polls CMD until it succeeds (the bound is a failure, not a measure).
wait_until() { # DESCRIPTION CMD...
	what=$1
	shift
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -ge 1500 ]; then
			RC=1 OUT='' ERR=''
			not_ok "$what (never happened)"
			return 1
		fi
		sleep 0.02
	done
	ok "$what"
}

driver_is() { [ "$(driver_of "$1")" = "$2" ]; }
in_log() { grep -q -- "$1" "$TMP/daemon.log"; }
alive() { kill -0 "$1" 2>/dev/null; }

bg_client() { # NAME ARGS... : runs the client in the background; PID in $BG
	name=$1
	shift
	"$BINDBROKER" --socket "$SOCK" "$@" >"$TMP/$name.out" 2>&1 &
	BG=$!
}

wait_client() { # PID NAME WANT-RC DESCRIPTION
	wait "$1"
	RC=$? OUT=$(cat "$TMP/$2.out") ERR=''
	expect_rc "$3" "$4"
}

mount_simsys gpu-server
MODDIR=$(make_modules) || { echo "FATAL: modules fixture"; exit 1; }

# This test needs a simsys whose held probe blocks only its own device: a FUSE
# front that gives each opener its own inode (the kernel serializes writes to one
# FUSE inode). Older builds block every drivers_probe write behind a held one.
control hold-probe vfio-pci
printf vfio-pci >"$(device_dir 0000:18:00.1)/driver_override"
printf 0000:18:00.1 >"$MNT/bus/pci/drivers/i40e/unbind"
(printf 0000:18:00.1 >"$MNT/bus/pci/drivers_probe") &
PROBE=$!
i=0
until [ "$(driver_of 0000:18:00.1)" = vfio-pci ] || [ $i -ge 500 ]; do i=$((i + 1)); sleep 0.02; done
# 0000:87:00.3 is bound: its drivers_probe returns at once unless the file is serialized.
if ! timeout 10 sh -c "printf 0000:87:00.3 >'$MNT/bus/pci/drivers_probe'"; then
	control release-probe vfio-pci
	wait $PROBE
	echo "SKIP: this simsys serializes writes to drivers_probe behind a held probe"
	exit 77
fi
control release-probe vfio-pci
wait $PROBE
printf '\n' >"$(device_dir 0000:18:00.1)/driver_override"
printf 0000:18:00.1 >"$MNT/bus/pci/drivers/vfio-pci/unbind"
printf 0000:18:00.1 >"$MNT/bus/pci/drivers_probe"
[ "$(driver_of 0000:18:00.1)" = i40e ] || { echo "FATAL: could not restore 0000:18:00.1"; exit 1; }

start_daemon --modules-dir "$MODDIR" --limit workers=4 --limit max-requests-per-uid=4

NIC_A=0000:18:00.1 NIC_B=0000:18:00.0 VF=0000:87:00.2 VF2=0000:87:00.3
GPU=0000:03:00.0 GPU_AUDIO=0000:03:00.1

# --- a held probe delays nobody else -------------------------------------------------------
control hold-probe vfio-pci
bg_client a bind $NIC_A vfio-pci
A=$BG
wait_until "bind of $NIC_A reached its probe (held)" driver_is $NIC_A vfio-pci
if alive $A; then ok "the client of the held bind is still waiting"; else
	RC=1 OUT='' ERR='' not_ok "the client of the held bind is still waiting"; fi

bb list
expect_rc 0 "list is answered while a bind is held"
expect_out "$NIC_B" "list shows the devices"
bb check $NIC_B vfio-pci
expect_rc 1 "check is answered while a bind is held (a denial: the NIC carries the default route)"
expect_out "default.route" "the check explains itself"
bb bind $VF
expect_rc 0 "a bind in another IOMMU group completes while the first is held"
expect_driver $VF mlx5_vfio_pci "the VF is on its vfio variant"
if alive $A; then ok "the held bind is still held after the others finished"; else
	RC=1 OUT='' ERR='' not_ok "the held bind is still held after the others finished"; fi

# --- two binds on one IOMMU group are serialized ------------------------------------------
bg_client b bind --group $GPU vfio-pci
B=$BG
wait_until "group bind of $GPU reached its first probe (held)" driver_is $GPU vfio-pci
bg_client c bind $GPU_AUDIO vfio-pci
C=$BG
wait_until "the second bind on group 5 waits for the first" in_log "waiting for IOMMU group 5"
expect_driver $GPU_AUDIO snd_hda_intel "the waiting bind has not touched $GPU_AUDIO"
got=$(override_of $GPU_AUDIO)
if [ "$got" = "(null)" ]; then ok "no override written for the waiting bind"; else
	RC=1 OUT='' ERR='' not_ok "no override written for the waiting bind (got $got)"; fi

control release-probe vfio-pci
wait_client $A a 0 "the held bind completes once released"
wait_client $B b 0 "the group bind completes"
wait_client $C c 0 "the serialized bind on the same group completes after it"
expect_driver $NIC_A vfio-pci "$NIC_A on vfio-pci"
expect_driver $GPU vfio-pci "$GPU on vfio-pci"
expect_driver $GPU_AUDIO vfio-pci "$GPU_AUDIO on vfio-pci"

# --- a client that disconnects mid-bind: the bind still completes -------------------------
control hold-probe vfio-pci
bg_client d bind $VF2 vfio-pci
D=$BG
wait_until "bind of $VF2 reached its probe (held)" driver_is $VF2 vfio-pci
kill -9 $D
wait $D 2>/dev/null
bb status
expect_rc 0 "the broker serves others after a client vanished mid-bind"
control release-probe vfio-pci
wait_until "the orphaned bind finished and was logged" in_log "bound $VF2 to vfio-pci"
expect_driver $VF2 vfio-pci "the orphaned bind completed: $VF2 on vfio-pci"
got=$(override_of $VF2)
if [ "$got" = "vfio-pci" ]; then ok "its override is pinned"; else
	RC=1 OUT='' ERR='' not_ok "its override is pinned (got $got)"; fi
for dev in $NIC_A $VF2 $VF $GPU $GPU_AUDIO; do bb release "$dev"; done
expect_driver $VF2 mlx5_core "released again"
stop_daemon

# --- limits: per-uid requests in progress, per-uid connections, idle/garbage/slow -----------
start_daemon --modules-dir "$MODDIR" --limit max-requests-per-uid=1 \
	--limit max-clients-per-uid=4 --limit idle-timeout-ms=1000 --limit io-timeout-ms=1000
control hold-probe vfio-pci
bg_client e bind $NIC_A vfio-pci
E=$BG
wait_until "bind of $NIC_A held again" driver_is $NIC_A vfio-pci
# The administrator (root with CAP_SYS_ADMIN) is not rationed: udev's coldplug applies
# every device at once. (The limit for other users: test-e2e-pam.sh.)
bb bind $VF2
expect_rc 0 "root's second acting call proceeds while its first is held"
expect_driver $VF2 mlx5_vfio_pci "and binds (to its vfio variant, whose probe is not held)"
bb check $NIC_B vfio-pci
expect_rc 1 "read-only calls are still answered"
control release-probe vfio-pci
wait_client $E e 0 "the held bind completes"
bb release $VF2
bb release $NIC_A

# Clients that send nothing, garbage, or half a request are closed; others are served.
python3 - "$SOCK" >"$TMP/slow.out" 2>&1 <<'PY' &
import socket, sys
def conn(data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    if data:
        s.sendall(data)
    s.settimeout(60)
    return s
def outcome(s):
    got = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return "closed " + got.decode(errors="replace")
            got += d
    except socket.timeout:
        return "still open"
idle = conn(b"")
garbage = conn(b"\xff\xfe{not json\0")
partial = conn(b'{"method":"io.bindbroker.Broker.GetSt')
print("ready", flush=True)
print("idle:", outcome(idle))
print("garbage:", outcome(garbage))
print("partial:", outcome(partial))
PY
SLOW=$!
wait_until "the slow clients are connected" grep -q ready "$TMP/slow.out"
bb status
expect_rc 0 "status is answered while slow clients hang around"
wait "$SLOW"
RC=0 OUT=$(cat "$TMP/slow.out") ERR=''
expect_out "^idle: closed $" "a connection that sends nothing is closed at its idle timeout"
expect_out "^garbage: closed .*ProtocolError" "garbage gets a ProtocolError and is closed"
expect_out "^partial: closed .*ProtocolError.*request not completed within 1000 ms" \
	"an unfinished request is cut off at the I/O timeout"

# Connections per uid: the fifth of one uid is refused, another uid is still served.
setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 - "$SOCK" >"$TMP/many.out" 2>&1 <<'PY'
import socket, sys
conns = []
for i in range(5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    conns.append(s)
# A call on each: the first four are answered, the fifth was closed unanswered.
for i, s in enumerate(conns):
    s.settimeout(60)
    try:
        s.sendall(b'{"method":"io.bindbroker.Broker.GetStatus"}\0')
        d = s.recv(65536)
    except OSError:
        d = b""
    print(i, "answered" if d else "closed")
PY
RC=0 OUT=$(cat "$TMP/many.out") ERR=''
expect_out "^3 answered$" "four connections of uid 65534 are served"
expect_out "^4 closed$" "the fifth connection of uid 65534 is refused"
bb status
expect_rc 0 "root is served while uid 65534 is at its connection limit"

# --- SIGTERM lets a bind in progress finish, answers it, then exits -----------------------
control hold-probe vfio-pci
bg_client f bind $NIC_A vfio-pci
F=$BG
wait_until "bind of $NIC_A held before SIGTERM" driver_is $NIC_A vfio-pci
kill -TERM "$DAEMON_PID"
wait_until "the daemon waits for the bind in progress" in_log "waiting for requests in progress"
if alive "$DAEMON_PID"; then ok "the daemon is still there while the bind is held"; else
	RC=1 OUT='' ERR='' not_ok "the daemon is still there while the bind is held"; fi
control release-probe vfio-pci
wait_client $F f 0 "the bind in progress was answered before the daemon left"
expect_driver $NIC_A vfio-pci "and it completed"
wait "$DAEMON_PID"
RC=$? OUT='' ERR=''
DAEMON_PID=
expect_rc 0 "the daemon exits cleanly after it"

finish
