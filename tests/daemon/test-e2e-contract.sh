#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# The replies the daemon sends match the IDL it serves: each method's reply
# and each error carry exactly the declared fields with their types.
. "$(dirname "$0")/e2e-lib.sh"
IDL_CHECK=$(dirname "$0")/idl-check.py

mount_simsys gpu-server
start_daemon
NIC=0000:18:00.1

raw_call '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.bindbroker.Broker"}}\0' |
	python3 -c "import json, sys; sys.stdout.write(json.loads(sys.stdin.read())['parameters']['description'])" \
		>"$TMP/broker.varlink"

conforms() { # METHOD MESSAGES DESCRIPTION
	raw_call "$2" >"$TMP/replies"
	if python3 "$IDL_CHECK" "$TMP/broker.varlink" "$1" <"$TMP/replies" >"$TMP/problems"; then
		ok "$3"
	else
		RC=1 OUT=$(head -c 600 "$TMP/replies") ERR=$(cat "$TMP/problems")
		not_ok "$3"
	fi
}
call() { # METHOD [PARAMETERS]
	printf '{"method":"io.bindbroker.Broker.%s","parameters":%s}\\0' "$1" "${2:-{\}}"
}

conforms GetStatus "$(call GetStatus)" "GetStatus reply"
conforms ListDevices "$(call ListDevices)" "ListDevices reply (all 42 devices)"
conforms ShowDevice "$(call ShowDevice '{"device":"0000:03:00.0"}')" "ShowDevice reply"
conforms ShowDevice "$(call ShowDevice '{"device":"0000:7f:00.0"}')" "NoSuchDevice error"
conforms ShowDevice "$(call ShowDevice '{"device":"nope"}')" "InvalidArgument error"
conforms Check "$(call Check '{"device":"0000:03:00.0","group":true}')" "Check reply (group)"
conforms Check "$(call Check '{"device":"0000:12:00.0"}')" "Check reply (denied)"
conforms Bind "$(call Bind '{"device":"0000:12:00.0","driver":"vfio-pci"}')" "Denied error"
conforms Bind "$(call Bind "{\"device\":\"$NIC\",\"driver\":\"vfio-pci\",\"persist\":true}")" \
	"Bind reply"
conforms Release "$(call Release "{\"device\":\"$NIC\"}")" "Release reply"
conforms Quarantine "$(call Quarantine "{\"device\":\"$NIC\"}")" "Quarantine reply"
conforms Release "$(call Release "{\"device\":\"$NIC\"}")" "Release reply from quarantine"
control fail-probe vfio-pci
conforms Bind "$(call Bind "{\"device\":\"$NIC\",\"driver\":\"vfio-pci\"}")" "OperationFailed error"
control fail-probe vfio-pci
conforms Bind "$(call Bind '{"device":"0000:05:00.0","group":true}')" \
	"OperationFailed error (group)"
conforms Bind "$(call Bind '{"device":"0000:05:00.0","group":true}')" "Bind reply (group)"
printf '%s vfio-pci\n0000:12:00.0 vfio-pci\n0000:7e:00.0 vfio-pci\n' $NIC >"$STATE/overrides"
conforms Apply "$(call Apply)" "Apply reply (bound, skipped, absent)"
conforms GetStatus '{"method":"io.bindbroker.Broker.GetStatus","bogus":1}\0' "ProtocolError error"
# The system python: a per-user one under /root is out of reach for uid 65534.
if command -v setpriv >/dev/null && [ -x /usr/bin/python3 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'{\"method\":\"io.bindbroker.Broker.Apply\"}\0'); s.shutdown(socket.SHUT_WR)
print(s.recv(65536).rstrip(b'\0').decode())" "$SOCK" >"$TMP/replies"
	if grep -q PermissionDenied "$TMP/replies" &&
		python3 "$IDL_CHECK" "$TMP/broker.varlink" Apply <"$TMP/replies" >"$TMP/problems"; then
		ok "PermissionDenied error"
	else
		RC=1 OUT=$(cat "$TMP/replies") ERR=$(cat "$TMP/problems")
		not_ok "PermissionDenied error"
	fi
fi

finish
