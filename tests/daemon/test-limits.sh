#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# shellcheck disable=SC2034 # RC, OUT, ERR are read by e2e-lib.sh
# The server limits set in bindbroker.conf under their --limit names; --limit on
# the command line wins; a bad value names file:line. Observed through what the
# limits do: a uid's connections beyond max-clients-per-uid are closed, an idle
# connection is closed after idle-timeout-ms (the log names the value in force).
. "$(dirname "$0")/e2e-lib.sh"

command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 77; }
mount_simsys minimal
CONF=$TMP/config
mkdir -p "$CONF"
chmod 755 "$CONF"

# Three connections of uid 65534, each asked GetInfo in turn while the earlier ones stay open:
# prints "served" or "closed" for each.
three_clients() {
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 - "$SOCK" <<'PY' >"$TMP/out"
import socket, sys
held = []
for _ in range(3):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(sys.argv[1])
    held.append(s)
    try:
        s.sendall(b'{"method": "org.varlink.service.GetInfo", "parameters": {}}\0')
        reply = s.recv(65536)
    except OSError:
        reply = b""
    print("served" if reply else "closed")
PY
	OUT=$(tr '\n' ' ' <"$TMP/out") RC=0 ERR=''
}

printf 'audit = off\nmax-clients-per-uid = 2   # a comment\nidle-timeout-ms = 300\n' \
	>"$CONF/bindbroker.conf"
start_daemon
three_clients
expect_out "^served served closed $" "max-clients-per-uid = 2 from bindbroker.conf: the third is closed"
if grep -q "refusing a connection of uid 65534: it has 2 connections already" "$TMP/daemon.log"; then
	ok "the log names the limit from bindbroker.conf"
else
	not_ok "the log names the limit from bindbroker.conf"
fi

# An idle connection is closed by the broker (the read ends), with the conf's timeout in the log.
python3 - "$SOCK" <<'PY' >"$TMP/out"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
s.connect(sys.argv[1])
print("closed" if s.recv(1) == b"" else "data")
PY
OUT=$(cat "$TMP/out") RC=0 ERR=''
expect_out "^closed$" "an idle connection is closed by the broker"
if grep -Eq "closing idle connection of pid [0-9]+ uid 0 \(300 ms\)" "$TMP/daemon.log"; then
	ok "idle-timeout-ms = 300 from bindbroker.conf is in force"
else
	not_ok "idle-timeout-ms = 300 from bindbroker.conf is in force"
fi
stop_daemon

# --limit on the command line wins over bindbroker.conf.
: >"$TMP/daemon.log"
start_daemon --limit max-clients-per-uid=3
three_clients
expect_out "^served served served $" "--limit max-clients-per-uid=3 wins over bindbroker.conf's 2"
stop_daemon

# Bad values: the file and line are named, the daemon does not start.
bad_conf() { # TEXT PATTERN DESCRIPTION
	printf '%b' "$1" >"$CONF/bindbroker.conf"
	"$BINDBROKERD" --sysfs-root "$MNT" --state-dir "$STATE" --config-dir "$CONF" \
		--socket "$SOCK" >"$TMP/out" 2>"$TMP/err"
	RC=$? OUT='' ERR=$(cat "$TMP/err")
	expect_rc 1 "$3: no start"
	expect_err "$2" "$3: the error names file:line"
}
bad_conf 'audit = off\nworkers = 0\n' "bindbroker\.conf:2: bad value \"0\" for workers" "workers = 0"
bad_conf 'max-clients = 1025\n' "bindbroker\.conf:1: bad value \"1025\" for max-clients" \
	"max-clients above 1024"
bad_conf 'io-timeout-ms = -5\n' "bindbroker\.conf:1: bad value \"-5\" for io-timeout-ms" \
	"a negative timeout"
bad_conf 'workers = 2\nworkers = 3\n' "bindbroker\.conf:2: \"workers\" is set twice" \
	"a limit set twice"

finish
