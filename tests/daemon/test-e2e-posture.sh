#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# The posture report of `bindbroker status`: lockdown as simsys has it, SELinux
# as this host has it, and the verdict on the raw doors (driver_override,
# new_id, bind); the journal's append-only flag as the state dir's file
# system allows it (asked of the kernel with lsattr, not assumed).
. "$(dirname "$0")/e2e-lib.sh"

# selinuxfs has an enforce file exactly when SELinux is on (libselinux asks the same).
if [ -e /sys/fs/selinux/enforce ]; then
	SELINUX=on
else
	SELINUX=disabled
fi

# What the state dir's file system says about chattr +a, found on a probe file.
mkdir -p "$STATE"
: >"$TMP/probe"
if chattr +a "$TMP/probe" 2>/dev/null; then
	chattr -a "$TMP/probe"
	APPEND=on
elif lsattr "$TMP/probe" >/dev/null 2>&1; then
	APPEND='failed: Operation not permitted' # flags, but no CAP_LINUX_IMMUTABLE (a container)
else
	APPEND=unsupported
fi

# gpu-server: lockdown integrity. Lockdown without an enforced module closes the doors partly.
mount_simsys gpu-server
start_daemon
bb --json status
expect_rc 0 "status --json"
expect_json "j['posture']['lockdown'] == 'integrity'" "posture: lockdown integrity from simsys"
if [ "$SELINUX" = disabled ]; then
	expect_json "j['posture']['selinux'] == 'disabled' and \
j['posture']['selinux_module'] == 'unknown'" "posture: SELinux disabled on this host, module unknown"
	expect_json "j['posture']['raw_doors_closed'] == 'partly'" \
		"lockdown on, SELinux off: raw doors closed only partly"
	expect_json "'SELinux is disabled' in j['posture']['why'] and 'integrity' in j['posture']['why']" \
		"the verdict says why: SELinux disabled, lockdown integrity"
else
	expect_json "j['posture']['selinux'] in ('permissive', 'enforcing')" "posture: SELinux mode"
fi
expect_json "j['posture']['raw_doors_closed'] != 'yes' or j['posture']['selinux'] == 'enforcing'" \
	"never closed without SELinux enforcing"
expect_json "j['journal']['append_only'] == '$APPEND'" "journal append-only: $APPEND"
if [ "$APPEND" = on ]; then
	if lsattr "$STATE/journal/records" | grep -q '^[^ ]*a'; then
		ok "lsattr shows the records file append-only"
	else
		RC=1 OUT=$(lsattr "$STATE/journal/records") ERR=''
		not_ok "lsattr shows the records file append-only"
	fi
	if sh -c ": >\"$STATE/journal/records\"" 2>/dev/null; then
		not_ok "truncating the records file is refused"
	else
		ok "truncating the records file is refused"
	fi
fi
bb status
expect_rc 0 "status"
expect_out "^posture +raw doors closed: (partly|no|yes)$" "status prints the verdict"
expect_out "^ +lockdown integrity, SELinux [a-z]+, bindbroker module [a-z]+$" \
	"status prints the three inputs"
expect_out "^journal .*, append-only $APPEND" "status prints the journal's append-only flag"
stop_daemon
unmount_simsys

# minimal: no lockdown. With SELinux off nothing closes the doors.
mount_simsys minimal
start_daemon
bb --json status
expect_json "j['posture']['lockdown'] == 'none'" "posture: lockdown none from simsys"
if [ "$SELINUX" = disabled ]; then
	expect_json "j['posture']['raw_doors_closed'] == 'no'" "no lockdown, SELinux off: doors open"
fi
bb status
expect_out "^posture +raw doors closed: " "status prints the verdict"

finish
