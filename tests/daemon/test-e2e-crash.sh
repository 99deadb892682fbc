#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# A crash between intent and result: simsys holds vfio-pci's probe, the daemon
# is killed (-9) with the intent durable and the bind unfinished, the probe is
# released. The restarted daemon records outcome-unknown with the device's
# real state, restores nothing by itself, reports it in status, and the journal
# verifies; the device can then be released normally.
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
expect_json "j['journal']['outcome_unknown'] == 1 and '$NIC' in j['journal']['outcome_unknown_devices'] \
and j['journal']['failed'] is False" "status reports the intent without result"
if grep -q "recovery: bind of $NIC (intent 0) has no result: outcome unknown" "$TMP/daemon.log"; then
	ok "the log reports the recovery"; else not_ok "the log reports the recovery"; fi
audit_show $NIC
expect_json "[r['type'] for r in j['records']] == ['intent', 'outcome-unknown'] \
and j['records'][1]['intent'] == '0' and j['records'][1]['op'] == 'bind'" \
	"the journal says outcome-unknown for the intent"
if [ -n "$NOW_DRIVER" ]; then
	expect_json "j['records'][1]['state'] == 'bound' and j['records'][1]['driver'] == '$NOW_DRIVER'" \
		"outcome-unknown records the device's real driver ($NOW_DRIVER)"
else
	expect_json "j['records'][1]['state'] == 'unbound'" "outcome-unknown records that no driver holds it"
fi
expect_driver $NIC "$NOW_DRIVER" "nothing was restored automatically"

bb release $NIC
expect_rc 0 "the operator releases the device"
expect_driver $NIC i40e "the device is back on i40e"
audit_show $NIC
expect_json "[r['type'] for r in j['records']] == ['intent', 'outcome-unknown', 'intent', 'result']" \
	"the release is journaled after the recovery"

stop_daemon
"$JOURNAL_TOOL" "$STATE" >"$TMP/out" 2>"$TMP/err"
RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
expect_rc 0 "the recovered journal verifies"
expect_out "open_intents=0" "no intent is left open"

finish
