#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# A crash between intent and result: simsys holds vfio-pci's probe, the daemon
# is killed (-9) with the intent durable and the bind unfinished, the probe is
# released, and the probe completes. The restarted daemon records outcome-unknown
# with the device's real state, then its start-up recovery finds the bind done and
# journals that (a recovery intent and result); status lists nothing of unknown
# outcome and Restore has nothing to do; the journal verifies. (Recoveries that
# restore, or fail to: tests/crash/test-crash-recovery.sh.)
. "$(dirname "$0")/e2e-lib.sh"

JOURNAL_TOOL=${BB_JOURNAL_TOOL:-}
[ -x "$JOURNAL_TOOL" ] || { echo "SKIP: journal-tool not built"; exit 77; }

mount_simsys gpu-server
start_daemon --audit off
NIC=0000:18:00.1

control hold-probe vfio-pci
"$BINDBROKER" --socket "$SOCK" bind $NIC vfio-pci >"$TMP/bind.out" 2>&1 &
CLIENT=$!
# Wait (bounded) until the daemon announced the probe write: the intent is durable by then.
i=0
while ! grep -q "probe $NIC: bus/pci/drivers_probe" "$TMP/daemon.log" && [ $i -lt 1000 ]; do
	i=$((i + 1))
	sleep 0.02
done
if grep -q "type=intent device=$NIC" "$STATE/journal/records"; then
	ok "the intent is in the journal before the probe"; else not_ok "the intent is in the journal before the probe"; fi
if grep -q "type=result" "$STATE/journal/records"; then
	not_ok "no result yet while the probe is held"; else ok "no result yet while the probe is held"; fi

# A process inside a FUSE write cannot die until the file system answers: SIGKILL is
# taken when the held write returns, before the daemon runs another line of its own.
kill -9 "$DAEMON_PID"
control release-probe vfio-pci
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
wait "$CLIENT" 2>/dev/null
if grep -q "type=result" "$STATE/journal/records"; then
	not_ok "the daemon died before writing a result"; else ok "the daemon died before writing a result"; fi
# Let the released probe finish (the kernel would finish it too); bounded.
i=0
while [ "$(driver_of $NIC)" != vfio-pci ] && [ $i -lt 250 ]; do
	i=$((i + 1))
	sleep 0.02
done
NOW_DRIVER=$(driver_of $NIC)

start_daemon --audit off
bb --json status
expect_json "j['journal']['outcome_unknown'] == 0 and j['journal']['outcome_unknown_devices'] is None \
and j['journal']['failed'] is False" "status lists nothing of unknown outcome: recovery settled it"
if grep -q "recovery: bind of $NIC (intent 0) has no result" "$TMP/daemon.log"; then
	ok "the log reports the recovery"; else not_ok "the log reports the recovery"; fi
audit_show $NIC
expect_json "[r['type'] for r in j['records']] == ['intent', 'outcome-unknown', 'intent', 'result'] \
and j['records'][1]['intent'] == '0' and j['records'][1]['op'] == 'bind'" \
	"the journal says outcome-unknown for the intent, then the recovery's intent and result"
if [ -n "$NOW_DRIVER" ]; then
	expect_json "j['records'][1]['state'] == 'bound' and j['records'][1]['driver'] == '$NOW_DRIVER'" \
		"outcome-unknown records the device's real driver ($NOW_DRIVER)"
else
	expect_json "j['records'][1]['state'] == 'unbound'" "outcome-unknown records that no driver holds it"
fi
expect_json "j['records'][2]['op'] == 'recover' and j['records'][2]['recovers'] == '0' \
and j['records'][2]['action'] == 'observe' and j['records'][2]['requester'] == 'bindbrokerd-recovery' \
and j['records'][3]['recovery'] == 'completed' and j['records'][3]['outcome'] == 'ok' \
and j['records'][3]['new-driver'] == 'vfio-pci' and j['records'][3]['recovers'] == '0'" \
	"recovery journals the bind as completed, observed at recovery"
expect_driver $NIC vfio-pci "the device stays on its new driver"

vcall Restore "{\"device\": \"$NIC\"}"
expect_json "j['error'] == 'io.bindbroker.Broker.InvalidArgument' \
and 'no operation of unknown outcome' in j['parameters']['reason']" "nothing is left to restore"
bb release $NIC
expect_rc 0 "an ordinary release afterwards"

stop_daemon
"$JOURNAL_TOOL" "$STATE" >"$TMP/out" 2>"$TMP/err"
RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
expect_rc 0 "the recovered journal verifies"
expect_out "open_intents=0" "no intent is left open"

finish
