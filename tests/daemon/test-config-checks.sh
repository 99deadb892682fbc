#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# shellcheck disable=SC2034 # RC, OUT, ERR are read by e2e-lib.sh
# Files of the config dir (bindbroker.conf, keys.d/*, policy.d/*.rules) are
# checked on their open fd before a byte is parsed: a file its group or others
# may write, a file of another owner or a symbolic link is refused, at start
# (no start) and on SIGHUP (nothing of the reload is taken).
. "$(dirname "$0")/e2e-lib.sh"

mount_simsys gpu-server
NIC=0000:18:00.1
CONF=$TMP/config
KEYS=$CONF/keys.d
mkdir -p "$KEYS" "$STATE"
chmod 755 "$CONF" "$KEYS"
write_test_policy

start_fails() { # DESCRIPTION: bindbrokerd must not start; ERR holds its stderr
	"$BINDBROKERD" --sysfs-root "$MNT" --state-dir "$STATE" --config-dir "$CONF" \
		--socket "$SOCK" --audit off >"$TMP/out" 2>"$TMP/err"
	RC=$? OUT='' ERR=$(cat "$TMP/err")
	expect_rc 1 "$1"
	if [ -e "$SOCK" ]; then not_ok "$1: no socket"; else ok "$1: no socket"; fi
}

# A group-writable bindbroker.conf whose text is also wrong: the mode is what is refused,
# so the check came before the parser.
printf 'audit = off\nno-such-key = 1\n' >"$CONF/bindbroker.conf"
chmod 664 "$CONF/bindbroker.conf"
start_fails "a group-writable bindbroker.conf stops the start"
expect_err "configuration: $CONF/bindbroker\.conf: writable by its group \(mode 0664\)" \
	"the refusal names the file and its mode"
if printf '%s' "$ERR" | grep -q "no-such-key"; then not_ok "nothing of it was parsed"; else
	ok "nothing of it was parsed"; fi

chmod 646 "$CONF/bindbroker.conf"
start_fails "an other-writable bindbroker.conf stops the start"
expect_err "bindbroker\.conf: writable by others \(mode 0646\)" "writable by others"

chmod 644 "$CONF/bindbroker.conf"
chown 65534 "$CONF/bindbroker.conf"
start_fails "a bindbroker.conf of another user stops the start"
expect_err "bindbroker\.conf: owned by uid 65534, not by root or the daemon's uid 0" \
	"the refusal names the owner"

rm "$CONF/bindbroker.conf"
printf 'audit = off\n' >"$TMP/elsewhere.conf"
ln -s "$TMP/elsewhere.conf" "$CONF/bindbroker.conf"
start_fails "a symbolic link as bindbroker.conf stops the start"
expect_err "bindbroker\.conf: refused: a symbolic link" "the refusal says link"
rm "$CONF/bindbroker.conf"
printf 'audit = off\n' >"$CONF/bindbroker.conf"

# A key file in keys.d that is not even a key: its mode is refused before it is parsed.
printf 'not a key\n' >"$KEYS/vendor.pub"
chmod 620 "$KEYS/vendor.pub"
start_fails "a group-writable key file stops the start"
expect_err "signed tables not loaded: $KEYS/vendor\.pub: writable by its group \(mode 0620\)" \
	"the refusal names the key file"
if printf '%s' "$ERR" | grep -q "base64"; then not_ok "the key file was not parsed"; else
	ok "the key file was not parsed"; fi
rm "$KEYS/vendor.pub"

chmod 775 "$KEYS"
start_fails "a group-writable keys.d stops the start"
expect_err "$KEYS: writable by its group \(mode 0775\)" "the refusal names keys.d"
chmod 755 "$KEYS"

# Running: a reload with any such file takes nothing, not even the parts that were fine.
start_daemon --audit off
bb check $NIC vfio-pci
expect_rc 0 "before: root may hand the NIC over"
sed -i 's/^allow user root$/deny driver vfio-pci address 0000:18:00.1\nallow user root/' \
	"$CONF/policy.d/50-e2e.rules"

hup_expect() { # PATTERN DESCRIPTION: SIGHUP, then the last reload line must match
	n=$(grep -Ec "reloaded: configuration|reload failed" "$TMP/daemon.log")
	kill -HUP "$DAEMON_PID"
	i=0
	while [ "$(grep -Ec "reloaded: configuration|reload failed" "$TMP/daemon.log")" -le "$n" ] &&
		[ $i -lt 500 ]; do
		i=$((i + 1))
		sleep 0.02
	done
	RC=0 OUT='' ERR=$(grep -E "reloaded: configuration|reload failed" "$TMP/daemon.log" | tail -1)
	expect_err "$1" "$2"
}

printf 'audit = off\nadmin-group = wheel\n' >"$CONF/bindbroker.conf"
chmod 664 "$CONF/bindbroker.conf"
hup_expect "reload failed \(config\), keeping .*: $CONF/bindbroker\.conf: writable by its group" \
	"SIGHUP with a group-writable bindbroker.conf fails, naming it"
bb check $NIC vfio-pci
expect_rc 0 "the new policy (which would deny the NIC) was not taken"
chmod 644 "$CONF/bindbroker.conf"

printf 'not a key\n' >"$KEYS/vendor.pub"
chmod 664 "$KEYS/vendor.pub"
hup_expect "reload failed \(tables\), keeping .*: $KEYS/vendor\.pub: writable by its group" \
	"SIGHUP with a group-writable key file fails, naming it"
bb check $NIC vfio-pci
expect_rc 0 "still the old policy"
rm "$KEYS/vendor.pub"

chmod 664 "$CONF/policy.d/50-e2e.rules"
hup_expect "reload failed \(policy\), keeping .*50-e2e\.rules.*writable" \
	"SIGHUP with a group-writable rules file fails, naming it"
bb check $NIC vfio-pci
expect_rc 0 "still the old policy"
chmod 644 "$CONF/policy.d/50-e2e.rules"

hup_expect "reloaded: configuration \(authorization polkit, admin-group wheel\)" \
	"with every file in order the reload goes through"
bb check $NIC vfio-pci
expect_rc 1 "now the new policy denies the NIC"

finish
