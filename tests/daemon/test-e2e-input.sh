#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Bad input and bad usage exit 2 with an error naming what is wrong, and touch
# nothing; an unreachable broker exits 4; garbage on the socket is refused and
# the broker goes on serving.
. "$(dirname "$0")/e2e-lib.sh"

mount_simsys minimal
start_daemon
NIC=0000:00:19.0
nl='
'
for bad in "../../" "0000:00:19.0$nl" "0000:00:19.0x" "00000:00:19.0" "0000:0g:19.0" \
	"0000:00:19.8" "0000:00:20.0" "0000:00:19" "" "$(printf '%0300d' 0)"; do
	bb bind "$bad" vfio-pci
	expect_rc 2 "bind refuses device address '$(printf '%s' "$bad" | head -c 24 | tr '\n' '|')'"
	expect_err "invalid device address \".*\": expected DDDD:BB:DD\.F" "error names the address field"
done
for bad in "vfio-pci$nl" "../vfio-pci" "vfio pci" "vfio-pci$nl$nl" "$(printf '%065d' 0)" ""; do
	bb bind $NIC "$bad"
	expect_rc 2 "bind refuses driver name '$(printf '%s' "$bad" | head -c 24 | tr '\n' '|')'"
	expect_err "invalid driver name" "error names the driver field"
done
bb --json check "../../"
expect_rc 2 "check --json with a bad address"
expect_json "j['error'] == 'io.bindbroker.Broker.InvalidArgument' and j['parameter'] == 'device'" \
	"bad input --json names the parameter"

# The daemon checks too, for callers other than this client.
raw_call '{"method":"io.bindbroker.Broker.Bind","parameters":{"device":"../../../etc","driver":"vfio-pci"}}\0' >"$TMP/out"
OUT=$(cat "$TMP/out") RC=0
expect_out '"error":"io.bindbroker.Broker.InvalidArgument".*"parameter":"device"' \
	"daemon refuses a bad address"
raw_call '{"method":"io.bindbroker.Broker.Bind","parameters":{"device":"0000:00:19.0","driver":"x\nnew_id"}}\0' >"$TMP/out"
OUT=$(cat "$TMP/out")
expect_out '"parameter":"driver"' "daemon refuses newline injection into the driver name"
raw_call '{"method":"io.bindbroker.Broker.Bind","parameters":{"device":"0000:00:19.0\u0000/../x"}}\0' >"$TMP/out"
OUT=$(cat "$TMP/out")
expect_out '"parameter":"device".*NUL' "daemon refuses a NUL inside the address"
raw_call '{"method":"io.bindbroker.Broker.Bind","parameters":{"device":"0000:00:19.0","force":true}}\0' >"$TMP/out"
OUT=$(cat "$TMP/out")
expect_out 'unknown parameter \\"force\\"' "daemon refuses unknown parameters"
if grep -q " write " "$MNT/.simsys/log"; then cat "$MNT/.simsys/log"; not_ok "bad input wrote nothing"; else ok "bad input wrote nothing"; fi
expect_driver $NIC e1000e "device untouched by bad input"

# Protocol garbage: answered with ProtocolError, the connection closed, service goes on.
raw_call '{"method":' >"$TMP/out"
raw_call 'not json\0' >"$TMP/out"
OUT=$(cat "$TMP/out")
expect_out '"error":"io.bindbroker.Broker.ProtocolError"' "garbage gets a protocol error"
python3 -c "import sys; sys.stdout.write('{\"method\":\"io.bindbroker.Broker.GetStatus\",\"parameters\":{\"x\":\"' + 'a' * 70000 + '\"}}')" >"$TMP/big"
raw_call "$(cat "$TMP/big")" >"$TMP/out"
OUT=$(cat "$TMP/out")
expect_out 'ProtocolError.*longer than 65536' "an oversized message is refused"
raw_call '{"method":"io.bindbroker.Broker.ListDevices","parameters":{"a":[[[[[[[[[[1]]]]]]]]]]}}\0' >"$TMP/out"
OUT=$(cat "$TMP/out")
expect_out 'ProtocolError.*nested deeper' "a deeply nested message is refused"
raw_call '{"method":"io.bindbroker.Broker.Nope"}\0{"method":"org.varlink.service.GetInfo"}\0' >"$TMP/out"
OUT=$(cat "$TMP/out")
expect_out 'MethodNotFound' "an unknown method is named"
expect_out '"interfaces":\["org.varlink.service","io.bindbroker.Broker"\]' \
	"pipelined calls are each answered"
raw_call '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.bindbroker.Broker"}}\0' >"$TMP/out"
OUT=$(cat "$TMP/out")
expect_out 'interface io.bindbroker.Broker.*method Bind\(' "the interface description is served"
for m in GetStatus ListDevices ShowDevice Check Bind Release Quarantine Apply; do
	expect_out "method $m\\(" "the description declares $m"
done
# An independent IDL parser (Debian varlink-go) reads the description. Its 2019
# grammar predates capitals in interface names (io.systemd.Resolve style), so
# the name is lowercased for it; everything else is parsed as served.
if command -v varlink-go-interface-generator >/dev/null; then
	mkdir -p "$TMP/idl"
	printf '%s' "$OUT" | python3 -c "
import json, sys
d = json.loads(sys.stdin.read())['parameters']['description']
sys.stdout.write(d.replace('interface io.bindbroker.Broker', 'interface io.bindbroker.broker'))
" >"$TMP/idl/broker.varlink"
	if (cd "$TMP/idl" && varlink-go-interface-generator broker.varlink >/dev/null 2>&1); then
		ok "varlink-go parses the interface description"
	else
		not_ok "varlink-go parses the interface description"
	fi
fi
raw_call '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"com.example.Nope"}}\0' >"$TMP/out"
OUT=$(cat "$TMP/out")
expect_out 'InterfaceNotFound.*com.example.Nope' "an unknown interface is named"
raw_call '{"method":"io.bindbroker.Broker.GetStatus","oneway":true}\0{"method":"org.varlink.service.GetInfo"}\0' >"$TMP/out"
if [ "$(wc -l <"$TMP/out")" -eq 1 ] && grep -q '"product":"bindbrokerd"' "$TMP/out"; then
	ok "a oneway call gets no reply"; else OUT=$(cat "$TMP/out"); not_ok "a oneway call gets no reply"; fi
raw_call '{"method":"io.bindbroker.Broker.ListDevices","more":true}\0' >"$TMP/out"
OUT=$(cat "$TMP/out")
expect_out 'ProtocolError.*\\"more\\" is not supported' "streamed replies are refused"
bb status
expect_rc 0 "the broker still serves after the garbage"

# Usage.
bb frobnicate
expect_rc 2 "unknown command"
expect_err 'unknown command "frobnicate"' "unknown command is named"
bb bind
expect_rc 2 "bind without a device"
expect_err "usage: bindbroker bind DEV" "usage is shown"
bb show $NIC --persist
expect_rc 2 "show does not take --persist"
bb --bogus list
expect_rc 2 "unknown option"
for cmd in "table list" "audit show"; do
	# shellcheck disable=SC2086
	bb $cmd
	expect_rc 0 "'$cmd' answers through the broker"
done

# Unreachable.
"$BINDBROKER" --socket "$TMP/nothing-here" list >"$TMP/out" 2>"$TMP/err"
RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
expect_rc 4 "no socket at the path"
expect_err "cannot reach the broker at $TMP/nothing-here" "unreachable names the socket"
stop_daemon
bb --json bind $NIC vfio-pci
expect_rc 4 "daemon not running"
expect_json "j['error'] == 'io.bindbroker.Client.Unreachable'" "unreachable --json"
expect_driver $NIC e1000e "nothing happened without a daemon"

finish
