#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Start-up recovery of a bind cut off by SIGKILL while the device sits on no driver (simsys
# holds vfio-pci's probe, which then fails): the restarted daemon puts the device back to the
# driver and override its intent recorded, with a recovery intent before the writes and a
# result after; when that restore cannot work (the old driver's module is gone) it journals
# the failure, status keeps the device as outcome-unknown (across restarts too), and the
# operator's Restore puts it back once the driver is there again. The journal verifies offline after each.
. "$(dirname "$0")/../daemon/e2e-lib.sh"

NIC=0000:18:00.1

# Binds the NIC with vfio-pci's probe held and set to fail; kills the daemon inside the held
# probe write; lets the probe fail. Leaves the NIC on no driver with override vfio-pci.
crash_half_bound() {
	control fail-probe vfio-pci 1
	control hold-probe vfio-pci
	: >"$TMP/daemon.log"
	"$BINDBROKER" --socket "$SOCK" bind $NIC vfio-pci >"$TMP/bind.out" 2>&1 &
	client=$!
	i=0
	while ! grep -v rollback "$TMP/daemon.log" | grep -q "probe $NIC: bus/pci/drivers_probe" &&
		[ $i -lt 1000 ]; do
		i=$((i + 1)); sleep 0.02
	done
	# SIGKILL is taken when the held FUSE write returns, before the daemon runs on.
	kill -9 "$DAEMON_PID"
	control release-probe vfio-pci
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	wait "$client" 2>/dev/null
	: >"$TMP/daemon.log"
	if [ -z "$(driver_of $NIC)" ] && [ "$(override_of $NIC)" = vfio-pci ]; then
		ok "$1: the crash left the NIC half-bound (no driver, override vfio-pci)"
	else RC=1 OUT="$(driver_of $NIC) $(override_of $NIC)" ERR=''; not_ok "$1: the crash left the NIC half-bound"; fi
}

journal_verifies() {
	"$BINDBROKER" audit verify --journal "$STATE/journal" --key "$STATE/journal.key.pub" \
		>"$TMP/out" 2>"$TMP/err"
	RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
	expect_rc 0 "$1: bindbroker audit verify"
}

mount_simsys gpu-server
start_daemon --audit off

# 1. The old driver is there: recovery restores it by itself.
crash_half_bound "restore"
start_daemon --audit off
expect_driver $NIC i40e "restore: the NIC is back on i40e after the restart"
expect_override_cleared $NIC "restore: its override is cleared, as the intent recorded"
bb --json status
expect_json "j['journal']['outcome_unknown'] == 0" "restore: nothing is left of unknown outcome"
audit_show $NIC
expect_json "[r['type'] for r in j['records']] == ['intent', 'outcome-unknown', 'intent', 'result'] \
and j['records'][1]['state'] == 'unbound' \
and j['records'][2]['op'] == 'recover' and j['records'][2]['action'] == 'restore' \
and j['records'][2]['recovers'] == str(j['records'][0]['seq']) and j['records'][2]['target'] == 'i40e' \
and j['records'][2]['old-override'] == 'vfio-pci' \
and j['records'][2]['requester'] == 'bindbrokerd-recovery' \
and j['records'][3]['intent'] == str(j['records'][2]['seq']) and j['records'][3]['outcome'] == 'ok' \
and j['records'][3]['recovery'] == 'restored' and j['records'][3]['new-driver'] == 'i40e'" \
	"restore: the journal has the recovery's intent, then its result (restored, i40e)"
if grep -q "recovery: bind of $NIC .* restored" "$TMP/daemon.log"; then
	ok "restore: the log says what recovery did"; else RC=1 OUT='' ERR=$(cat "$TMP/daemon.log"); not_ok "restore: the log says what recovery did"; fi
vcall Restore "{\"device\": \"$NIC\"}"
expect_json "j['error'] == 'io.bindbroker.Broker.InvalidArgument'" "restore: Restore has nothing left to do"
journal_verifies "restore"

# 2. The old driver is gone when the daemon comes back: the restore fails, is journaled, and
#    the device stays outcome-unknown until the operator's Restore.
crash_half_bound "restore fails"
control unload-module i40e
start_daemon --audit off
expect_driver $NIC "" "restore fails: the NIC is on no driver (i40e is not loaded)"
bb --json status
expect_json "j['journal']['outcome_unknown'] == 1 and '$NIC' in j['journal']['outcome_unknown_devices']" \
	"restore fails: status lists the NIC as outcome-unknown"
audit_show $NIC
expect_json "[r['type'] for r in j['records']][-4:] == ['intent', 'outcome-unknown', 'intent', 'result'] \
and j['records'][-2]['op'] == 'recover' and j['records'][-2]['action'] == 'restore' \
and j['records'][-1]['outcome'] == 'failed' and j['records'][-1]['recovery'] == 'restore-failed' \
and j['records'][-1]['recovers'] == str(j['records'][-4]['seq']) and 'failure' in j['records'][-1]" \
	"restore fails: the journal records the failed restore"
journal_verifies "restore fails"
stop_daemon
start_daemon --audit off
bb --json status
expect_json "j['journal']['outcome_unknown'] == 1 and '$NIC' in j['journal']['outcome_unknown_devices']" \
	"restore fails: after another restart status still lists the NIC"
control load-module i40e
vcall Restore "{\"device\": \"$NIC\"}"
expect_rc 0 "restore fails: the operator's Restore puts the NIC back once i40e is there"
expect_driver $NIC i40e "restore fails: the NIC is on i40e after Restore"
audit_show $NIC
expect_json "j['records'][-2]['op'] == 'restore' and j['records'][-1]['outcome'] == 'ok'" \
	"restore fails: Restore is journaled"
journal_verifies "restore fails, then Restore"
stop_daemon
start_daemon --audit off
bb --json status
expect_json "j['journal']['outcome_unknown'] == 0" "restore fails: after Restore and a restart nothing is listed"
finish
