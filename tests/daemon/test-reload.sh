#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# shellcheck disable=SC2034 # RC, OUT, ERR are read by e2e-lib.sh
# SIGHUP reloads bindbroker.conf, the policy and the signed tables (keys.d and
# the installed tables) together: a new rule, a new key with its table and a
# changed admin-group take effect; a broken configuration, a broken policy or a
# bad key file leaves all three old ones in force, logged once with the file.
. "$(dirname "$0")/e2e-lib.sh"

TOOL=${BB_TABLES_TOOL:-}
[ -x "$TOOL" ] || { echo "SKIP: bb-tables-tool not built"; exit 77; }

mount_simsys gpu-server
NIC=0000:18:00.1 VF=0000:87:00.2 PF=0000:87:00.0
NOW=2026-11-20T00:00:00Z
CONF=$TMP/config
KEYS=$CONF/keys.d
POLICY=$CONF/policy.d/50-site.rules
mkdir -p "$KEYS" "$CONF/policy.d" "$TMP/vendor"
chmod 755 "$CONF" "$KEYS" "$CONF/policy.d"
"$TOOL" keygen "$KEYS/mlx.pub" "$TMP/vendor/mlx.key" >/dev/null || { echo "FATAL: keygen"; exit 1; }
printf 'vendor 15b3\ndriver mlx5_vfio_pci\n' >"$KEYS/mlx.scope"
"$TOOL" keygen "$TMP/vendor/pf.pub" "$TMP/vendor/pf.key" >/dev/null || { echo "FATAL: keygen"; exit 1; }

table() { # FILE NAME DEVICE
	cat >"$1" <<TABLE
format: bindbroker-table 1
name: $2
vendor: 15b3
driver: mlx5_vfio_pci
serial: 1
issued: 2026-11-01T00:00:00Z
expires: 2027-11-01T00:00:00Z

$3
TABLE
	"$TOOL" sign "$1" "$TMP/vendor/$4.key" "$NOW" || { echo "FATAL: sign"; exit 1; }
}
table "$TMP/vendor/vf.table" mlx5-vf 15b3:101e mlx
table "$TMP/vendor/pf.table" mlx5-pf 15b3:101d pf

site_policy() { # EXTRA RULE LINES (before "allow user root")
	cat >"$POLICY" <<EOF
deny bridge
deny class 0x06
deny not endpoint
deny boot-vga
deny backs-mount
allow driver *_vfio_pci if signed-table
deny driver *_vfio_pci
$1
allow user root
EOF
	chmod 644 "$POLICY"
}
site_policy "deny driver vfio-pci address $NIC"
printf 'audit = off\n' >"$CONF/bindbroker.conf"

hup() { # waits for the reload's log line (the Nth "reloaded:" or "reload failed")
	want=$(($(grep -Ec "reloaded: configuration|reload failed" "$TMP/daemon.log") + 1))
	kill -HUP "$DAEMON_PID"
	i=0
	while [ "$(grep -Ec "reloaded: configuration|reload failed" "$TMP/daemon.log")" -lt $want ] && [ $i -lt 500 ]; do
		i=$((i + 1))
		sleep 0.02
	done
	LAST=$(grep -E "reloaded: configuration|reload failed" "$TMP/daemon.log" | tail -1)
}

expect_log() { # PATTERN DESCRIPTION (grep -E on the last reload line)
	if printf '%s\n' "$LAST" | grep -Eq -- "$1"; then ok "$2"; else
		RC=0 OUT='' ERR=$LAST
		not_ok "$2: the reload's log line lacks /$1/"
	fi
}

# The state in force before each failed reload: NIC denied, VF allowed, PF denied, one table.
expect_old_state() { # WHAT
	bb check $NIC vfio-pci
	expect_rc 1 "$1: the old rule still denies the NIC"
	bb check $VF mlx5_vfio_pci
	expect_rc 0 "$1: the old table still covers the VF"
	bb check $PF mlx5_vfio_pci
	expect_rc 1 "$1: the new key's table is not used"
	bb --json status
	expect_json "j['tables']['count'] == 1 and j['policy']['rules'] == 9" \
		"$1: status shows the old policy and tables"
}

start_daemon --audit off
install_table "$TMP/vendor/vf.table"
expect_rc 0 "the VF's table is installed"
expect_old_state "at start"

# Everything new at once: a rule for the NIC, the key "pf" with its table for the PF.
site_policy "allow driver vfio-pci address $NIC"
install -m 644 "$TMP/vendor/pf.pub" "$KEYS/pf.pub"
printf 'vendor 15b3\ndriver mlx5_vfio_pci\n' >"$KEYS/pf.scope"
KEYID=$(python3 -c '
import base64, sys
print(base64.b64decode(open(sys.argv[1]).read().splitlines()[1])[2:10][::-1].hex().upper())' \
	"$TMP/vendor/pf.pub")
cat "$TMP/vendor/pf.table.minisig" "$TMP/vendor/pf.table" >"$STATE/tables/mlx5-pf.$KEYID.signed"

# 1. A broken policy: nothing of it is taken, nor the new key and table.
printf 'allow clas 0x02\n' >>"$POLICY"
hup
expect_log "reload failed \(policy\), keeping the previous configuration, policy and tables: \
$POLICY:10:7: " "a broken policy: one error naming file:line:col"
expect_old_state "after a broken policy"

# 2. A bad key file: the policy is fine now, but nothing is taken.
site_policy "allow driver vfio-pci address $NIC"
printf 'untrusted comment: not a key\nAAAA\n' >"$KEYS/bad.pub"
hup
expect_log "reload failed \(tables\), keeping the previous configuration, policy and tables: $KEYS/bad\.pub:2: " \
	"a bad key file: one error naming the file"
expect_old_state "after a bad key file"
rm "$KEYS/bad.pub"

# 3. A broken bindbroker.conf: nothing is taken either.
printf 'audit = off\nadmin-group = root\nworkers = many\n' >"$CONF/bindbroker.conf"
hup
expect_log "reload failed \(config\), keeping the previous configuration, policy and tables: \
$CONF/bindbroker\.conf:3: bad value \"many\" for workers" "a broken configuration: file:line"
expect_old_state "after a broken configuration"

# 4. All three load: all take effect together.
printf 'audit = off\nadmin-group = root\nworkers = 2\n' >"$CONF/bindbroker.conf"
hup
expect_log "reloaded: configuration \(authorization polkit, admin-group root\), 2 signed table" \
	"a good reload names what it loaded"
if grep -q "workers = 2 takes effect at restart (still 4)" "$TMP/daemon.log"; then
	ok "a setting that needs a restart is logged and kept"
else
	not_ok "a setting that needs a restart is logged and kept"
fi
bb --json check $NIC vfio-pci
expect_rc 0 "the new rule allows the NIC"
expect_json "j['decision']['rule'] == '$POLICY:8'" "decided by the new rule"
bb --json check $PF mlx5_vfio_pci
expect_rc 0 "the new key's table covers the PF"
expect_json "j['decision']['policy']['facts']['signed_table'].startswith('mlx5-pf covers')" \
	"the fact names the new table"
bb check $VF mlx5_vfio_pci
expect_rc 0 "the old table still covers the VF"
bb --json status
expect_json "j['tables']['count'] == 2 and j['tables']['skipped'] == 0" "status: both tables"
bb bind $PF mlx5_vfio_pci
expect_rc 0 "the PF binds under the new table"
expect_driver $PF mlx5_vfio_pci "the PF is on mlx5_vfio_pci"
bb release $PF
audit_show
expect_json "set(r.get('check') for r in j['records'] if r['type'] == 'refuse' and r.get('op') == 'reload') \
== {'policy', 'tables', 'config'} and [r['rules'] for r in j['records'] if r['type'] == 'policy-reload'] == ['9']" \
	"the three failed reloads are journaled as refusals, the good one as policy-reload"
stop_daemon

# 5. admin-group, a configuration key, changes decisions of the built-in default policy.
rm -rf "$CONF/policy.d"
printf 'audit = off\n' >"$CONF/bindbroker.conf"
E2E_DEFAULT_POLICY=1 start_daemon --audit off
bb --json check $NIC vfio-pci
expect_rc 1 "built-in policy: root is no member of bindbroker-admin"
expect_json "j['decision']['rule'] == 'no-match'" "no rule matched"
printf 'audit = off\nadmin-group = root\n' >"$CONF/bindbroker.conf"
hup
expect_log "reloaded: configuration \(authorization polkit, admin-group root\)" "admin-group reloaded"
bb --json check $NIC vfio-pci
expect_rc 0 "admin-group = root: the built-in rule for network devices allows root"
expect_json "j['decision']['rule'].startswith('built-in/50-default.rules:') \
and 'group root' in j['decision']['policy']['rule']['text']" "the built-in rule names the new group"

finish
