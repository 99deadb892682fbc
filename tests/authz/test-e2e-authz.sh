#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# shellcheck disable=SC2034 # RC, OUT, ERR are read by e2e-lib.sh
# Authorization end to end: bindbrokerd on simsys asks the real polkitd (on a
# private bus, rules placed in a private mount namespace) for clients of other
# uids (run through setpriv); allowed and denied by rules that read the device
# details, a client that is gone before the answer, root without asking, and
# polkit absent. The device state is asserted after each.
HERE=$(dirname "$0")
# shellcheck source=polkit-lib.sh
. "$HERE/polkit-lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for tool in dbus-daemon setpriv /usr/lib/polkit-1/polkitd; do
	command -v "$tool" >/dev/null || { echo "SKIP: no $tool"; exit 77; }
done
pk_enter_namespace "$0" "$@"

# shellcheck source=../daemon/e2e-lib.sh
. "$HERE/../daemon/e2e-lib.sh"
# shellcheck disable=SC2317 # called through the EXIT trap
all_cleanup() {
	cleanup
	pk_stop
}
trap all_cleanup EXIT

as() { # USER COMMAND... : runs the client as USER; RC, OUT, ERR
	u=$1
	shift
	RC=0
	setpriv --reuid="$u" --regid="$u" --clear-groups "$BINDBROKER" --socket "$SOCK" "$@" \
		>"$TMP/out" 2>"$TMP/err" || RC=$?
	OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
}
in_log() { grep -q -- "$1" "$TMP/daemon.log"; }
expect_log() { # PATTERN DESCRIPTION
	if in_log "$1"; then ok "$2"; else RC=0 OUT='' ERR='' not_ok "$2: daemon log lacks $1"; fi
}

pk_bus_start "$TMP"
pk_polkitd_start "$TMP" "$(dirname "$HERE")/../polkit/io.bindbroker.policy" "$HERE/e2e-rules.js"

# Policy lets anyone hand a device to vfio-pci (after the host's protections):
# here authorization alone decides who may.
mkdir -p "$TMP/config/policy.d"
chmod 755 "$TMP/config" "$TMP/config/policy.d"
cat >"$TMP/config/policy.d/50-authz.rules" <<'EOF'
deny bridge
deny class 0x06
deny not endpoint
deny boot-vga
deny backs-mount
deny carries-default-route
allow driver vfio-pci
allow user root
EOF
chmod 644 "$TMP/config/policy.d/50-authz.rules"

mount_simsys gpu-server
MODDIR=$(make_modules) || { echo "FATAL: modules fixture"; exit 1; }
start_daemon --modules-dir "$MODDIR"
NIC=0000:18:00.1 VF=0000:87:00.3
NOBODY=65534 DAEMON=1 POLKITD=$(id -u polkitd)

as $NOBODY bind $NIC vfio-pci
expect_rc 0 "nobody may bind an Intel NIC to vfio-pci (the rule reads driver, vendor, class)"
expect_driver $NIC vfio-pci "the NIC is on vfio-pci"
expect_log "authorized io.bindbroker.Broker.Bind (io.bindbroker.bind) for uid 65534" \
	"the daemon logs who authorized it"

as $NOBODY release $NIC
expect_rc 1 "nobody may not release (no rule)"
expect_err "permission denied: io.bindbroker.release by uid 65534 .*polkit denied" \
	"the refusal names the action, the uid and polkit"
expect_driver $NIC vfio-pci "the refused release left the NIC on vfio-pci"
bb --json audit show --device $NIC
expect_json "any(r['type'] == 'refuse' and r.get('op') == 'Release' and r.get('uid') == '65534' \
and r.get('check') == 'authorization' and r.get('authority') == 'polkit' \
and 'polkit_denied' in r.get('reason', '') for r in j['records'])" \
	"the journal has a refuse record with the uid, the authority and polkit's answer"
bb release $NIC
expect_rc 0 "root releases without asking polkit"
expect_log "authorized io.bindbroker.Broker.Release (io.bindbroker.release) for uid 0 .*CAP_SYS_ADMIN" \
	"root is authorized as the administrator"
expect_driver $NIC i40e "the NIC is back on i40e"

as $NOBODY bind $NIC mlx5_vfio_pci
expect_rc 1 "nobody may not bind to another driver"
expect_driver $NIC i40e "the refused bind left the NIC on i40e"
as $DAEMON bind $NIC vfio-pci
expect_rc 1 "another uid may not bind the NIC"
expect_err "uid 1 " "the refusal names uid 1"
expect_driver $NIC i40e "still on i40e"

as "$POLKITD" bind $VF vfio-pci
expect_rc 137 "the client polkit's rule killed is gone"
wait_log=0
while ! in_log "exited before polkit answered" && [ $wait_log -lt 500 ]; do
	wait_log=$((wait_log + 1))
	sleep 0.02
done
expect_log "refused io.bindbroker.Broker.Bind from uid $POLKITD .*exited before polkit answered" \
	"a yes for a process that is gone is not honoured"
expect_driver $VF mlx5_core "the VF was not touched"
got=$(override_of $VF)
if [ "$got" = "(null)" ]; then ok "no override was written for it"; else
	RC=0 OUT='' ERR='' not_ok "no override was written for it (got $got)"; fi

# polkit gone: denied, never allowed.
kill "$PK_POLKITD"
wait "$PK_POLKITD" 2>/dev/null
as $NOBODY bind $NIC vfio-pci
expect_rc 1 "without polkit the call the rules would allow is refused"
expect_err "polkit is unavailable" "the refusal says polkit is unavailable"
expect_driver $NIC i40e "the NIC was not touched"
as $NOBODY list
expect_rc 0 "read-only calls need no polkit"

finish
