# shellcheck shell=sh
# Shared set-up of the end-to-end tests: a simsys mount on a temporary dir,
# bindbrokerd on a temporary socket pointed at it, and assertions on the
# client's exit status, output and the simulated driver links.
#
# Each test script is run by meson as:
#   test-e2e-X.sh SIMSYS BINDBROKERD BINDBROKER TOPOLOGY_DIR MAKE_MODULES_FIXTURE MODINFO...
# and sources this file first.

set -u

SIMSYS=$1 BINDBROKERD=$2 BINDBROKER=$3 TOPOLOGIES=$4 MAKE_MODULES=$5
shift 5
MODINFO="$*"

if [ ! -x "$SIMSYS" ]; then
	echo "SKIP: simsys not built ($SIMSYS)"
	exit 77
fi
if [ ! -e /dev/fuse ]; then
	echo "SKIP: no /dev/fuse"
	exit 77
fi

TMP=$(mktemp -d /tmp/bindbroker-e2e.XXXXXX)
chmod 755 "$TMP" # non-root peers must reach the socket
MNT=$TMP/sys
SOCK=$TMP/broker.sock
STATE=$TMP/state
DAEMON_PID=
FAILURES=0
CHECKS=0

cleanup() {
	if [ -n "$DAEMON_PID" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	if mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	# The daemon's journal is append-only (chattr +a) where the file system has the flag.
	chattr -R -a "$TMP" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_simsys() { # TOPOLOGY_NAME (in tests/topologies) or a path to a topology file
	topo=$TOPOLOGIES/$1.json
	case $1 in */*) topo=$1 ;; esac
	mkdir -p "$MNT"
	"$SIMSYS" "$MNT" --topology "$topo" || { echo "FATAL: simsys did not mount $1"; exit 1; }
}

unmount_simsys() {
	fusermount3 -u "$MNT" || { echo "FATAL: cannot unmount simsys"; exit 1; }
}

# A modules dir written by the real depmod from the library's fixture (vfio variants).
make_modules() {
	# shellcheck disable=SC2086 # one argument per modinfo file
	"$MAKE_MODULES" "$TMP/modules-root" 9.9.9-fixture $MODINFO
}

# The tests' policy (unless a test wrote its own policy.d): the shipped default's protections of
# the host, then root may bind anything else. Files must be root-owned, not group-writable.
write_test_policy() {
	mkdir -p "$TMP/config/policy.d"
	chmod 755 "$TMP/config" "$TMP/config/policy.d"
	cat >"$TMP/config/policy.d/50-e2e.rules" <<'EOF'
# bindbroker e2e test policy
deny bridge
deny class 0x06
deny not endpoint
deny boot-vga
deny backs-mount
deny carries-default-route
allow user root
EOF
	chmod 644 "$TMP/config/policy.d/50-e2e.rules"
}

start_daemon() { # extra bindbrokerd options...
	mkdir -p "$STATE"
	# E2E_DEFAULT_POLICY=1: no policy.d, so the daemon uses its built-in default policy.
	[ -n "${E2E_DEFAULT_POLICY:-}" ] || [ -d "$TMP/config/policy.d" ] || write_test_policy
	"$BINDBROKERD" --sysfs-root "$MNT" --state-dir "$STATE" --config-dir "$TMP/config" \
		--socket "$SOCK" "$@" 2>>"$TMP/daemon.log" &
	DAEMON_PID=$!
	# Readiness, not timing: wait until the broker answers (bounded), or for it to die.
	i=0
	while ! "$BINDBROKER" --socket "$SOCK" status >/dev/null 2>&1; do
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			echo "FATAL: bindbrokerd exited during start-up:"
			cat "$TMP/daemon.log"
			DAEMON_PID=
			exit 1
		fi
		i=$((i + 1))
		[ $i -lt 500 ] || { echo "FATAL: no socket after start-up"; exit 1; }
		sleep 0.02
	done
}

stop_daemon() {
	kill "$DAEMON_PID"
	wait "$DAEMON_PID"
	DAEMON_RC=$?
	DAEMON_PID=
}

# Runs the client; OUT, ERR and RC hold its stdout, stderr and exit status.
bb() {
	"$BINDBROKER" --socket "$SOCK" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}

ok() {
	CHECKS=$((CHECKS + 1))
	echo "ok $CHECKS - $*"
}

not_ok() {
	CHECKS=$((CHECKS + 1))
	FAILURES=$((FAILURES + 1))
	echo "not ok $CHECKS - $*"
	echo "#   exit $RC"
	echo "#   stdout: $OUT" | head -20
	echo "#   stderr: $ERR" | head -20
}

expect_rc() { # WANT DESCRIPTION
	if [ "$RC" -eq "$1" ]; then ok "$2 (exit $1)"; else not_ok "$2: wanted exit $1"; fi
}

expect_out() { # PATTERN DESCRIPTION (grep -E on stdout)
	if printf '%s\n' "$OUT" | grep -Eq -- "$1"; then ok "$2"; else not_ok "$2: stdout lacks /$1/"; fi
}

expect_err() { # PATTERN DESCRIPTION (grep -E on stderr)
	if printf '%s\n' "$ERR" | grep -Eq -- "$1"; then ok "$2"; else not_ok "$2: stderr lacks /$1/"; fi
}

# Evaluates a python3 expression over the JSON on stdout (bound to j); must be true.
expect_json() { # EXPR DESCRIPTION
	if printf '%s' "$OUT" | python3 -c "
import json, sys
j = json.load(sys.stdin)
sys.exit(0 if ($1) else 1)" 2>"$TMP/pyerr"; then
		ok "$2"
	else
		not_ok "$2: JSON fails ($1) $(cat "$TMP/pyerr")"
	fi
}

device_dir() { # BDF -> its directory in the mount (through the bus link)
	echo "$MNT/bus/pci/devices/$1"
}

driver_of() { # BDF -> driver name, "" when unbound
	l=$(readlink "$(device_dir "$1")/driver" 2>/dev/null) || { echo ""; return; }
	basename "$l"
}

override_of() {
	cat "$(device_dir "$1")/driver_override"
}

expect_driver() { # BDF WANT DESCRIPTION ("" = no driver)
	got=$(driver_of "$1")
	if [ "$got" = "$2" ]; then ok "$3"; else not_ok "$3: driver of $1 is '$got', wanted '$2'"; fi
}

expect_override_cleared() { # BDF DESCRIPTION
	got=$(override_of "$1")
	if [ "$got" = "(null)" ]; then ok "$2"; else not_ok "$2: override of $1 is '$got'"; fi
}

control() { # simsys control command
	printf '%s' "$*" >"$MNT/.simsys/control"
}

# Raw varlink exchange: sends MESSAGES (NUL separators as \0), prints each reply on a line.
raw_call() { # MESSAGES
	python3 - "$SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
try:
    s.sendall(sys.argv[2].encode().replace(b"\\0", b"\0"))
    s.shutdown(socket.SHUT_WR)
except OSError:
    pass  # the broker may close before taking all of an oversized message
data = b""
while True:
    try:
        d = s.recv(65536)
    except OSError:
        break
    if not d:
        break
    data += d
for m in data.split(b"\0"):
    if m:
        print(m.decode())
PY
}

# One varlink call on the raw socket (for methods the client may not have yet). OUT holds the
# reply as one JSON object: {"parameters": ...} or {"error": ..., "parameters": ...}; RC is 0
# for a reply, 1 for an error reply, 4 when the broker is unreachable.
vcall() { # METHOD [PARAMETERS_JSON]
	vparams=${2:-}
	[ -n "$vparams" ] || vparams='{}'
	OUT=$(python3 - "$SOCK" "$1" "$vparams" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except OSError:
    sys.exit(4)
s.sendall(json.dumps({"method": "io.bindbroker.Broker." + sys.argv[2],
                      "parameters": json.loads(sys.argv[3])}).encode() + b"\0")
data = b""
while not data.endswith(b"\0"):
    d = s.recv(65536)
    if not d:
        break
    data += d
reply = json.loads(data.rstrip(b"\0"))
print(json.dumps(reply))
sys.exit(1 if "error" in reply else 0)
PY
)
	RC=$?
	ERR=''
}

# InstallTable with the bytes of FILE and FILE.minisig, as the client sends them.
# A trusted signer "mlx" scoped to vendor 15b3 and mlx5_vfio_pci: its public key in
# CONFIG/keys.d (KEYS), its secret key at $TMP/vendor/mlx.key. Needs BB_TABLES_TOOL.
trust_mlx_signer() {
	KEYS=$TMP/config/keys.d
	mkdir -p "$KEYS" "$TMP/vendor"
	chmod 755 "$TMP/config"
	"$BB_TABLES_TOOL" keygen "$KEYS/mlx.pub" "$TMP/vendor/mlx.key" ||
		{ echo "FATAL: keygen"; exit 1; }
	printf 'vendor 15b3\ndriver mlx5_vfio_pci\n' >"$KEYS/mlx.scope"
}

install_table() { # FILE
	params=$(python3 -c '
import json, os, sys
f = sys.argv[1]
print(json.dumps({"name": os.path.basename(f), "table": open(f).read(),
                  "signature": open(f + ".minisig").read()}))' "$1")
	vcall InstallTable "$params"
}

# The journal's records as AuditShow returns them: OUT = {"records": [...]}.
audit_show() { # [DEVICE]
	if [ -n "${1:-}" ]; then vcall AuditShow "{\"device\": \"$1\"}"; else vcall AuditShow; fi
	OUT=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("parameters", {})))')
}

finish() {
	# The daemon must exit cleanly, and (in sanitizer builds) without a report.
	if [ -n "$DAEMON_PID" ]; then
		stop_daemon
		RC=$DAEMON_RC OUT='' ERR=''
		expect_rc 0 "bindbrokerd exits cleanly on SIGTERM"
	fi
	if grep -Eq 'Sanitizer|runtime error:' "$TMP/daemon.log" 2>/dev/null; then
		RC=0 OUT='' ERR=$(grep -E -A8 'Sanitizer|runtime error:' "$TMP/daemon.log")
		not_ok "daemon log has no sanitizer report"
	fi
	echo "1..$CHECKS"
	if [ "$FAILURES" -ne 0 ]; then
		echo "# $FAILURES of $CHECKS checks failed; daemon log:"
		sed 's/^/#   /' "$TMP/daemon.log" 2>/dev/null | tail -40
		exit 1
	fi
	exit 0
}
