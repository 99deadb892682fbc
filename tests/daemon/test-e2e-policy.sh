#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# The daemon's policy: denials name rule file:line, a rules file others may
# write stops the start, SIGHUP and ReloadPolicy swap whole policies and keep
# the old one on error, the built-in default applies without policy.d, and
# bindbroker.conf is strict.
. "$(dirname "$0")/e2e-lib.sh"

mount_simsys gpu-server
NIC=0000:18:00.1
mkdir -p "$TMP/config/policy.d"
chmod 755 "$TMP/config" "$TMP/config/policy.d"
POLICY=$TMP/config/policy.d/50-site.rules

# A rules file the group may write is somebody else's policy: no start.
printf 'allow user root\n' >"$POLICY"
chmod 664 "$POLICY"
mkdir -p "$STATE"
"$BINDBROKERD" --sysfs-root "$MNT" --state-dir "$STATE" --config-dir "$TMP/config" \
	--socket "$SOCK" --audit off >"$TMP/out" 2>"$TMP/err"
RC=$? OUT='' ERR=$(cat "$TMP/err")
expect_rc 1 "a group-writable rules file stops the start"
expect_err "policy not loaded: .*50-site\.rules.*writable" "the refusal names the file and why"
if [ -e "$SOCK" ]; then not_ok "no socket without a policy"; else ok "no socket without a policy"; fi

# A strict bindbroker.conf: an unknown key names file:line.
chmod 644 "$POLICY"
printf '# site\naudit = off\nadmin-groop = wheel\n' >"$TMP/config/bindbroker.conf"
"$BINDBROKERD" --sysfs-root "$MNT" --state-dir "$STATE" --config-dir "$TMP/config" \
	--socket "$SOCK" >"$TMP/out" 2>"$TMP/err"
RC=$? OUT='' ERR=$(cat "$TMP/err")
expect_rc 1 "an unknown configuration key stops the start"
expect_err "bindbroker\.conf:3: unknown key \"admin-groop\"" "the error names file:line and the key"
printf '# site\naudit = off\nadmin-group = wheel\nbind-verify-timeout-ms = 2000\n' \
	>"$TMP/config/bindbroker.conf"

cat >"$POLICY" <<'RULES'
deny boot-vga
deny driver vfio-pci address 0000:18:00.1   # this NIC stays with the host
deny backs-mount /boot                      # a mount point, read from /proc/mounts
allow user root
RULES
start_daemon
bb --json status
expect_json "j['audit']['mode'] == 'off' and j['policy']['rules'] == 4 \
and j['policy']['files'] == 1 and j['policy']['source'].endswith('/policy.d')" \
	"status: audit mode from bindbroker.conf, the policy's rules and files"

bb --json check $NIC vfio-pci
expect_rc 1 "the site rule denies the NIC"
expect_json "j['decision']['rule'] == '$POLICY:2' and j['decision']['policy']['rule']['line'] == 2 \
and 'address 0000:18:00.1' in j['decision']['policy']['rule']['text'] \
and j['decision']['policy']['facts']['address'] == '$NIC'" \
	"the decision names file:line, the rule's text and the facts it used"
bb bind $NIC vfio-pci
expect_rc 1 "bind is denied"
expect_err "\(rule $POLICY:2\)" "the denial names the rule file:line"
bb --json check 0000:12:00.0 vfio-pci
expect_rc 1 "backs-mount PATH denies the disk that holds /boot"
expect_json "j['decision']['rule'] == '$POLICY:3' and '/boot' in j['decision']['policy']['facts']['mounts']" \
	"the decision names the mount point it matched"

# A broken policy through SIGHUP: the old one stays, the log says why.
cat >"$POLICY" <<'RULES'
allow user root
allow clas 0x02
RULES
kill -HUP "$DAEMON_PID"
i=0
while ! grep -q "reload failed" "$TMP/daemon.log" && [ $i -lt 500 ]; do
	i=$((i + 1))
	sleep 0.02
done
if grep -q "reload failed (policy), keeping the previous configuration, policy and tables: $POLICY:2:7: " "$TMP/daemon.log"; then
	ok "SIGHUP with a broken policy logs file:line:col and keeps the old one"
else
	not_ok "SIGHUP with a broken policy logs file:line:col and keeps the old one"
fi
bb check $NIC vfio-pci
expect_rc 1 "the old policy still denies the NIC"

vcall ReloadPolicy
expect_json "j['error'] == 'io.bindbroker.Broker.PolicyError' \
and j['parameters']['reason'].startswith('$POLICY:2:7: ')" "ReloadPolicy: PolicyError with file:line:col"
bb check $NIC vfio-pci
expect_rc 1 "still the old policy"

# A valid policy: swapped in whole, journaled.
printf 'allow user root\n' >"$POLICY"
vcall ReloadPolicy
expect_json "j['parameters'] == {'rules': 1, 'files': 1}" "ReloadPolicy loads the new policy"
bb --json check $NIC vfio-pci
expect_rc 0 "the new policy allows the NIC"
expect_json "j['decision']['rule'] == '$POLICY:1'" "decided by the new rule"
audit_show
expect_json "[r['type'] for r in j['records']].count('policy-reload') == 1 \
and j['records'][-1]['type'] == 'policy-reload' and j['records'][-1]['rules'] == '1'" \
	"the reload is journaled"
expect_json "any(r['type'] == 'refuse' and r['op'] == 'policy-reload' for r in j['records'])" \
	"the failed reloads are journaled as refusals"

# Only root may reload.
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 - "$SOCK" <<'PY' >"$TMP/out"
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'{"method": "io.bindbroker.Broker.ReloadPolicy", "parameters": {}}\0')
print(s.recv(65536).rstrip(b"\0").decode())
PY
OUT=$(cat "$TMP/out") RC=0
expect_json "j['error'] == 'io.bindbroker.Broker.PermissionDenied'" "nobody may not reload"
stop_daemon

# The shipped example configuration parses; --audit on the command line wins over its audit=.
cp "$TOPOLOGIES/../../dist/bindbroker.conf" "$TMP/config/bindbroker.conf"
start_daemon --audit off
bb --json status
expect_json "j['audit']['mode'] == 'off'" "dist/bindbroker.conf parses; --audit overrides its audit ="
stop_daemon

# Without policy.d the built-in default policy decides: root is no bindbroker-admin.
rm -rf "$TMP/config/policy.d" "$TMP/config/bindbroker.conf"
E2E_DEFAULT_POLICY=1 start_daemon --audit off
bb --json status
expect_json "j['policy']['source'] == 'built-in' and j['policy']['rules'] > 5" \
	"no policy.d: the built-in default policy"
bb --json check $NIC vfio-pci
expect_rc 1 "the default policy wants the admin group for vfio-pci"
expect_json "j['decision']['rule'] == 'no-match'" "no rule matched"
bb --json check 0000:11:00.0 vfio-pci
expect_json "j['decision']['rule'].startswith('built-in/50-default.rules:') \
and 'boot-vga' in j['decision']['policy']['rule']['text']" "the boot VGA denial names the default rule"

finish
