#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# bindbrokerd's life cycle: options, a stale socket, a second daemon, socket
# activation, and a clean exit on SIGTERM that removes the socket.
. "$(dirname "$0")/e2e-lib.sh"

mount_simsys minimal

"$BINDBROKERD" --audit sometimes >"$TMP/out" 2>"$TMP/err"
RC=$? OUT='' ERR=$(cat "$TMP/err")
expect_rc 2 "bad --audit value"
expect_err "--audit takes required, best-effort or off" "the bad option is named"

"$BINDBROKERD" --sysfs-root "$TMP/no-such-dir" --state-dir "$STATE" --socket "$SOCK" 2>"$TMP/err"
RC=$? ERR=$(cat "$TMP/err")
expect_rc 1 "a missing sysfs root stops start-up"
expect_err "cannot open sysfs root $TMP/no-such-dir" "the missing root is named"
if [ -e "$SOCK" ]; then not_ok "no socket left by a failed start"; else ok "no socket left by a failed start"; fi
"$BINDBROKERD" --sysfs-root "$MNT" extra 2>"$TMP/err"
RC=$? ERR=$(cat "$TMP/err")
expect_rc 2 "a stray argument"
expect_err 'unexpected argument "extra"' "the stray argument is named"

# A socket file left by a dead daemon is replaced.
python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()" "$SOCK"
start_daemon --audit off
bb --json status
expect_rc 0 "daemon started over a stale socket"
expect_json "j['audit']['mode'] == 'off' and j['audit']['available'] is False" "status reports the audit mode"

# A second daemon on the same socket refuses to start and leaves the first alone.
"$BINDBROKERD" --sysfs-root "$MNT" --state-dir "$STATE" --socket "$SOCK" 2>"$TMP/err"
RC=$? ERR=$(cat "$TMP/err") OUT=''
expect_rc 1 "second daemon on a live socket"
expect_err "another broker (is listening on $SOCK|holds the journal)" "the second daemon says why"
bb status
expect_rc 0 "the first daemon still serves"

kill -HUP "$DAEMON_PID"
i=0
while ! grep -q "policy reloaded" "$TMP/daemon.log" && kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt 500 ]; do
	i=$((i + 1))
	sleep 0.02
done
if grep -q "SIGHUP: reloading configuration, policy and tables" "$TMP/daemon.log" && grep -q "policy reloaded" "$TMP/daemon.log"; then ok "SIGHUP is handled"; else
	not_ok "SIGHUP is handled"; fi
bb status
expect_rc 0 "SIGHUP does not stop the daemon"

stop_daemon
if [ "$DAEMON_RC" -eq 0 ]; then ok "SIGTERM exits 0"; else not_ok "SIGTERM exits 0 (got $DAEMON_RC)"; fi
if [ -e "$SOCK" ]; then not_ok "SIGTERM removed the socket"; else ok "SIGTERM removed the socket"; fi

# Socket activation: systemd-socket-activate listens and passes the fd (LISTEN_FDS).
if command -v systemd-socket-activate >/dev/null; then
	systemd-socket-activate -l "$SOCK" "$BINDBROKERD" --sysfs-root "$MNT" \
		--state-dir "$STATE" --socket "$TMP/unused.sock" 2>>"$TMP/daemon.log" &
	DAEMON_PID=$!
	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 500 ]; do i=$((i + 1)); sleep 0.02; done
	bb --json status
	expect_rc 0 "socket-activated daemon serves"
	if [ -e "$TMP/unused.sock" ]; then not_ok "activated daemon used the passed socket"; else
		ok "activated daemon used the passed socket"; fi
	if grep -q "socket-activated" "$TMP/daemon.log"; then ok "daemon logs its activation"; else
		not_ok "daemon logs its activation"; fi
	stop_daemon
fi

# Readiness: the unit is Type=notify, so READY=1 goes to $NOTIFY_SOCKET once the daemon serves
# (a datagram socket of this test stands in for systemd's).
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
print(s.recv(4096).decode(), flush=True)' "$TMP/notify.sock" >"$TMP/notify.out" 2>&1 &
RECEIVER=$!
i=0
while [ ! -S "$TMP/notify.sock" ] && [ $i -lt 500 ]; do i=$((i + 1)); sleep 0.02; done
NOTIFY_SOCKET="$TMP/notify.sock" start_daemon
wait $RECEIVER
if grep -qx "READY=1" "$TMP/notify.out"; then ok "READY=1 sent to NOTIFY_SOCKET"; else
	not_ok "READY=1 sent to NOTIFY_SOCKET (got: $(cat "$TMP/notify.out"))"; fi
stop_daemon

finish
