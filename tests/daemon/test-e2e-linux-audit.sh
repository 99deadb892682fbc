#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Linux audit from the daemon: --audit required starts where the kernel has
# audit and refuses to start where it has none (a user namespace), and a bind
# reaches the kernel as a USER_DEVICE record (type 1137) with op, device and the
# requester's fields. With no audit daemon the kernel prints records to its log,
# where dmesg reads them. Audit disabled in the kernel (auditctl -s: enabled 0)
# is enabled for the test and restored after, as tests/journal does.
. "$(dirname "$0")/e2e-lib.sh"

if ! command -v auditctl >/dev/null || ! auditctl -s >"$TMP/audit-status" 2>&1; then
	echo "SKIP: no kernel audit here (auditctl -s fails)"
	exit 77
fi
ENABLED_BEFORE=$(sed -n 's/^enabled \([0-9]\).*/\1/p' "$TMP/audit-status")
# shellcheck disable=SC2317 # called from the EXIT trap
restore_audit() {
	[ "$ENABLED_BEFORE" = 0 ] && auditctl -e 0 >/dev/null 2>&1
}
trap 'restore_audit; cleanup' EXIT

mount_simsys gpu-server
NIC=0000:18:00.1

# In a user namespace the kernel refuses audit messages: required does not start.
mkdir -p "$STATE"
if unshare -U -r true 2>/dev/null; then
	unshare -U -r "$BINDBROKERD" --sysfs-root "$MNT" --state-dir "$TMP/userns-state" \
		--config-dir "$TMP/config" --socket "$TMP/userns.sock" --audit required \
		>"$TMP/out" 2>"$TMP/err"
	RC=$? OUT='' ERR=$(cat "$TMP/err")
	expect_rc 1 "--audit required without audit (a user namespace) refuses to start"
	expect_err "audit = required, but the kernel offers no audit" "and says why"
else
	ok "# SKIP no unprivileged user namespaces here"
fi

[ "$ENABLED_BEFORE" = 0 ] && auditctl -e 1 >/dev/null
start_daemon --audit required
bb --json status
expect_json "j['audit'] == {'mode': 'required', 'available': True, 'refused': False}" "--audit required starts"

bb bind $NIC vfio-pci
expect_rc 0 "bind under required audit"
bb bind 0000:12:00.0 vfio-pci
expect_rc 1 "a refusal under required audit"
bb release $NIC
expect_rc 0 "release"

if [ "$ENABLED_BEFORE" = 2 ] || ! dmesg >/dev/null 2>&1; then
	ok "# SKIP cannot read the kernel log"
else
	# Bounded wait: the kernel's printk of audit records is asynchronous.
	i=0
	while ! dmesg | grep -q "type=1137.*op=release device=.$NIC" && [ $i -lt 250 ]; do
		i=$((i + 1))
		sleep 0.02
	done
	dmesg | grep "type=1137" >"$TMP/records"
	if grep -q "op=bind device=.$NIC. old-driver=.i40e. new-driver=.vfio-pci. ids=.8086:1572. .*suid=0 .*res=success" \
		"$TMP/records"; then
		ok "the bind reached the kernel as USER_DEVICE with drivers, requester and result"
	else
		RC=0 OUT=$(tail -5 "$TMP/records") ERR=''
		not_ok "the bind reached the kernel as USER_DEVICE with drivers, requester and result"
	fi
	if grep -q "op=refuse device=.0000:12:00.0.*reason=.policy-denied.*res=failed" "$TMP/records"; then
		ok "the refusal reached the kernel with res=failed"
	else
		RC=0 OUT=$(tail -5 "$TMP/records") ERR=''
		not_ok "the refusal reached the kernel with res=failed"
	fi
fi

# A record the kernel refuses at run time under required: the daemon starts without
# CAP_AUDIT_WRITE in its bounding set (setpriv; opening the audit socket needs no
# capability, sending does), so the kernel answers EPERM to the first record. Its sandbox is
# off here: the sandbox keeps CAP_AUDIT_WRITE and refuses to start without it. The bind
# whose record could not be sent is done (the record carries the outcome, so it is sent
# after the writes) and journaled; from then on no acting call goes through until a
# restart, and status says why.
stop_daemon
cat >"$TMP/no-audit-write" <<EOF2
#!/bin/sh
BINDBROKERD_SANDBOX=off exec setpriv --bounding-set -audit_write "$BINDBROKERD" "\$@"
EOF2
chmod +x "$TMP/no-audit-write"
REAL_BINDBROKERD=$BINDBROKERD
BINDBROKERD=$TMP/no-audit-write
start_daemon --audit required
BINDBROKERD=$REAL_BINDBROKERD
bb bind $NIC vfio-pci
expect_rc 0 "a bind goes through; its record is sent with the outcome, after the writes"
expect_driver $NIC vfio-pci "the device is on vfio-pci"
if grep -q "type=result device=$NIC .*outcome=ok" "$STATE/journal/records"; then
	ok "the bind whose Linux audit record was refused is in the journal"
else RC=1 OUT=$(tail -3 "$STATE/journal/records") ERR=''
	not_ok "the bind whose Linux audit record was refused is in the journal"; fi
expect_err_log() { # PATTERN DESCRIPTION
	if grep -q "$1" "$TMP/daemon.log"; then ok "$2"
	else RC=1 OUT=$(tail -5 "$TMP/daemon.log") ERR=''; not_ok "$2"; fi
}
expect_err_log "Linux audit: cannot send the bind record of $NIC: Operation not permitted" \
	"the daemon logs the refused record"
bb --json status
expect_json "j['audit']['mode'] == 'required' and j['audit']['refused'] is True" \
	"status says a required record was refused"
bb release $NIC
expect_rc 3 "from then on acting is refused"
expect_err "audit = required and Linux audit refused a record" "and the refusal says why"
expect_driver $NIC vfio-pci "the refused release changed nothing"
bb check $NIC i40e
expect_rc 0 "read-only calls still work"
finish
