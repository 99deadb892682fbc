# shellcheck shell=sh
# A private system bus and the real polkitd (or python3-dbusmock's polkitd
# template) for the authorization tests. Call pk_enter_namespace first: it
# re-runs the calling script in a private mount namespace, where the action file
# and test rules are bind-mounted over polkit's folders; nothing outside changes.
#   pk_enter_namespace "$0" "$@"    (returns only inside the namespace)
#   pk_bus_start DIR                 (exports DBUS_SYSTEM_BUS_ADDRESS)
#   pk_polkitd_start DIR ACTION_FILE RULES_FILE
#   pk_mock_start DIR
#   pk_stop                          (kills what was started, in reverse)

PK_PIDS=

pk_enter_namespace() { # SCRIPT ARGS...
	if [ -z "${BB_AUTHZ_IN_NS:-}" ]; then
		command -v unshare >/dev/null || { echo "SKIP: no unshare"; exit 77; }
		BB_AUTHZ_IN_NS=1 exec unshare -m --propagation private -- "$@"
	fi
}

# Readiness, bounded: polls until COMMAND succeeds.
pk_wait_for() { # DESCRIPTION COMMAND...
	pk_what=$1
	shift
	pk_i=0
	until "$@" >/dev/null 2>&1; do
		pk_i=$((pk_i + 1))
		[ $pk_i -lt 500 ] || { echo "FATAL: $pk_what never came up"; exit 1; }
		sleep 0.02
	done
}

pk_has_owner() { # NAME
	dbus-send --bus="$DBUS_SYSTEM_BUS_ADDRESS" --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner "string:$1" |
		grep -q 'boolean true'
}

pk_bus_start() { # DIR
	cat >"$1/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$1/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
</busconfig>
EOF
	dbus-daemon --config-file="$1/bus.conf" --nofork --nopidfile 2>"$1/bus.log" &
	PK_PIDS="$! $PK_PIDS"
	DBUS_SYSTEM_BUS_ADDRESS="unix:path=$1/bus"
	export DBUS_SYSTEM_BUS_ADDRESS
	pk_wait_for "the private bus" dbus-send --bus="$DBUS_SYSTEM_BUS_ADDRESS" --print-reply \
		--dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetId
}

pk_polkitd_start() { # DIR ACTION_FILE RULES_FILE
	mkdir -p "$1/actions" "$1/rules" "$1/no-rules"
	cp "$2" "$1/actions/"
	cp "$3" "$1/rules/50-bindbroker-test.rules"
	chmod -R a+rX "$1/actions" "$1/rules" "$1/no-rules"
	mount --bind "$1/actions" /usr/share/polkit-1/actions
	mount --bind "$1/rules" /etc/polkit-1/rules.d
	mount --bind "$1/no-rules" /usr/share/polkit-1/rules.d
	/usr/lib/polkit-1/polkitd --no-debug >"$1/polkitd.log" 2>&1 &
	# shellcheck disable=SC2034 # the tests stop polkitd to see it absent
	PK_POLKITD=$!
	PK_PIDS="$! $PK_PIDS"
	pk_wait_for polkitd pk_has_owner org.freedesktop.PolicyKit1
}

pk_mock_start() { # DIR
	/usr/bin/python3 -m dbusmock --system --template polkitd >"$1/dbusmock.log" 2>&1 &
	PK_PIDS="$! $PK_PIDS"
	pk_wait_for "dbusmock polkitd" pk_has_owner org.freedesktop.PolicyKit1
}

pk_stop() {
	for p in $PK_PIDS; do kill "$p" 2>/dev/null || :; done
	for p in $PK_PIDS; do wait "$p" 2>/dev/null || :; done
	PK_PIDS=
}
