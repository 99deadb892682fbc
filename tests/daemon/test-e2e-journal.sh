#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# The write-ahead journal through the daemon: every acting call leaves an
# intent and a result (a refusal a refuse record), readable with AuditShow and
# verified offline by the journal library; journal_seq in replies names the
# result; a damaged journal stops acting calls (naming where) while read-only
# calls go on.
. "$(dirname "$0")/e2e-lib.sh"

JOURNAL_TOOL=${BB_JOURNAL_TOOL:-}
[ -x "$JOURNAL_TOOL" ] || { echo "SKIP: journal-tool not built"; exit 77; }

mount_simsys gpu-server
start_daemon --audit off
NIC=0000:18:00.1

bb --json bind $NIC vfio-pci
expect_rc 0 "bind the spare NIC"
BIND_SEQ=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["journal_seq"])')
bb --json release $NIC
expect_rc 0 "release it"
REL_SEQ=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["journal_seq"])')
bb quarantine $NIC
expect_rc 0 "quarantine it"
bb release $NIC
expect_rc 0 "release it again"
bb bind 0000:12:00.0 vfio-pci
expect_rc 1 "the boot disk is refused"

audit_show $NIC
expect_json "[r['type'] for r in j['records']] == ['intent', 'result'] * 4" \
	"four operations on the NIC: each an intent, then its result"
expect_json "[r['op'] for r in j['records'] if r['type'] == 'intent'] == \
['bind', 'release', 'quarantine', 'release']" "the intents name their ops in order"
expect_json "j['records'][0]['old-driver'] == 'i40e' and j['records'][0]['target'] == 'vfio-pci' \
and j['records'][0]['uid'] == '0' and j['records'][0]['rule'].endswith('/50-e2e.rules:8')" \
	"the bind intent: old driver, target, requester and the rule that allowed it"
expect_json "j['records'][1]['intent'] == str(j['records'][0]['seq']) \
and j['records'][1]['outcome'] == 'ok' and j['records'][1]['new-driver'] == 'vfio-pci' \
and j['records'][1]['rollback'] == 'none'" "the bind result: its intent, outcome and new driver"
expect_json "j['records'][1]['seq'] == $BIND_SEQ and j['records'][3]['seq'] == $REL_SEQ" \
	"journal_seq of each reply is its result record"
expect_json "j['records'][5]['outcome'] == 'ok' and 'new-driver' not in j['records'][5] \
and j['records'][4]['target'] == 'bindbroker-quarantine'" "quarantine: no driver afterwards"
expect_json "all(a['seq'] < b['seq'] for a, b in zip(j['records'], j['records'][1:]))" \
	"records come oldest first"

audit_show 0000:12:00.0
expect_json "len(j['records']) == 1 and j['records'][0]['type'] == 'refuse' \
and j['records'][0]['op'] == 'bind' and j['records'][0]['check'] == 'policy' \
and j['records'][0]['rule'].endswith('/50-e2e.rules:6')" "the refusal is a refuse record naming the rule"

# A caller that may not act leaves a refuse record too.
setpriv --reuid=65534 --regid=65534 --clear-groups "$BINDBROKER" --socket "$SOCK" \
	bind $NIC vfio-pci >"$TMP/out" 2>"$TMP/err"
RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
expect_rc 1 "nobody may not bind"
audit_show
expect_json "j['records'][-1]['type'] == 'refuse' and j['records'][-1]['check'] == 'authorization' \
and j['records'][-1]['uid'] == '65534' and j['records'][-1]['op'] == 'Bind'" \
	"an unauthorized call is journaled with its uid"

vcall AuditShow '{"device": "nonsense"}'
expect_rc 1 "AuditShow refuses a bad device address"
vcall AuditShow '{"since": "2999-01-01T00:00:00Z"}'
expect_json "j['parameters']['records'] == []" "AuditShow since the future is empty"

bb --json status
expect_json "j['journal']['failed'] is False and j['journal']['next_seq'] == 10 \
and j['journal']['outcome_unknown'] == 0" "status shows the journal"

stop_daemon
RC=$DAEMON_RC OUT='' ERR=''
expect_rc 0 "the daemon stops cleanly"
"$JOURNAL_TOOL" "$STATE" >"$TMP/out" 2>"$TMP/err"
RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
expect_rc 0 "the journal verifies with the library"
expect_out "^intact" "verify says intact"
expect_out "checkpoints=[1-9]" "shutdown wrote a signed checkpoint"
expect_out "open_intents=0" "no intent is left open"

# Damage one record's payload: the daemon refuses to act and says where; reading goes on.
# (An attacker with CAP_LINUX_IMMUTABLE first lifts the journal's append-only flag.)
chattr -a "$STATE/journal/records" 2>/dev/null
python3 - "$STATE/journal/records" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
lines[2] = lines[2].replace(b"op=", b"oq=", 1)
open(p, "wb").write(b"\n".join(lines))
PY
"$JOURNAL_TOOL" "$STATE" >"$TMP/out" 2>"$TMP/err"
RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
expect_rc 1 "the library finds the damage"
expect_out "TAMPERED at seq 2" "at the damaged record"
start_daemon --audit off
bb --json status
expect_json "j['journal']['failed'] is True and 'seq 2' in j['journal']['problem']" \
	"status reports the damaged journal and where"
bb bind $NIC vfio-pci
expect_rc 3 "acting is refused with a damaged journal"
expect_err "seq 2" "the refusal names where the journal is damaged"
expect_driver $NIC i40e "nothing was changed"
vcall Bind "{\"device\": \"$NIC\", \"driver\": \"vfio-pci\"}"
expect_json "j['error'] == 'io.bindbroker.Broker.AuditUnavailable'" "the error is AuditUnavailable"
bb check $NIC vfio-pci
expect_rc 0 "read-only calls still work"

finish
