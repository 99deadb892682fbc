#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# A signed table larger than one varlink message (64 KiB): `bindbroker table install`
# passes the table and its .minisig as two open files (SCM_RIGHTS) and the broker reads
# them through those descriptors, never by path. The table is installed whole and admits
# the VF it lists. Passed descriptors are refused where they do not belong: more than two
# with one call, with any other method, next to the text, or one that is not a regular file.
. "$(dirname "$0")/e2e-lib.sh"

TOOL=${BB_TABLES_TOOL:-}
[ -x "$TOOL" ] || { echo "SKIP: bb-tables-tool not built"; exit 77; }

mount_simsys gpu-server
MODDIR=$(make_modules) || { echo "FATAL: modules fixture"; exit 1; }
VF=0000:87:00.2
trust_mlx_signer

# 6,000 devices of one vendor (about 250 KiB), the VF's 15b3:101e among them.
TABLE=$TMP/vendor/mlx5-vfio.table
{
	printf 'format: bindbroker-table 1\nname: mlx5-vfio\nvendor: 15b3\n'
	printf 'driver: mlx5_vfio_pci\nserial: 3\nissued: 2026-11-01T00:00:00Z\n'
	printf 'expires: 2027-11-01T00:00:00Z\n\n'
	python3 -c '
for d in range(0x1000, 0x1000 + 6000):
    print("15b3:%04x                     # a device of the test vendor" % d)'
} >"$TABLE"
"$TOOL" sign "$TABLE" "$TMP/vendor/mlx.key" 2026-11-20T00:00:00Z || exit 1
SIZE=$(wc -c <"$TABLE")
[ "$SIZE" -gt 65536 ] || { echo "FATAL: the table is only $SIZE bytes"; exit 1; }

E2E_DEFAULT_POLICY=1 start_daemon --modules-dir "$MODDIR" --audit off

bb table install "$TABLE"
expect_rc 0 "a $SIZE-byte table installs through passed files"
expect_out "^installed mlx5-vfio: serial 3, 6000 entries" "all 6000 entries arrived"
bb --json table list
expect_json "[(t['name'], t['entries']) for t in j['tables']] == [('mlx5-vfio', 6000)]" \
	"table list shows it whole"
bb bind $VF
expect_rc 0 "the VF it lists goes to its variant"
expect_driver $VF mlx5_vfio_pci "the VF's driver link names mlx5_vfio_pci"

# Raw calls with descriptors: prints the reply, or "closed" when the broker hung up.
fd_call() { # METHOD PARAMS_JSON FILE...
	python3 - "$SOCK" "$@" <<'PY'
import json, os, socket, sys
sock, method, params, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
fds = [os.open(f, os.O_RDONLY) for f in files]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock)
msg = json.dumps({"method": method, "parameters": json.loads(params)}).encode() + b"\0"
socket.send_fds(s, [msg], fds)
data = b""
while not data.endswith(b"\0"):
    d = s.recv(65536)
    if not d:
        break
    data += d
print(data.rstrip(b"\0").decode() if data else "closed")
PY
}
expect_reply() { # PATTERN DESCRIPTION
	if printf '%s' "$OUT" | grep -q "$1"; then ok "$2"
	else RC=1 ERR=''; not_ok "$2"; fi
}
M=io.bindbroker.Broker
OUT=$(fd_call $M.InstallTable '{"name": "x.table"}' "$TABLE" "$TABLE.minisig" "$TABLE")
expect_reply 'ProtocolError\|^closed$' "three descriptors with one call: a protocol error"
OUT=$(fd_call $M.GetStatus '{}' "$TABLE")
expect_reply '"error": *"'$M'.InvalidArgument"' "a descriptor with GetStatus is refused"
OUT=$(fd_call $M.InstallTable '{"name": "x.table", "table": "t", "signature": "s"}' \
	"$TABLE" "$TABLE.minisig")
expect_reply 'either the table and signature text or two open files' \
	"descriptors and text together are refused"
OUT=$(fd_call $M.InstallTable '{"name": "x.table"}' "$TMP/vendor" "$TABLE.minisig")
expect_reply 'the passed table file: not a regular file' "a directory is not a table file"
OUT=$(fd_call $M.InstallTable '{"name": "x.table"}')
expect_reply 'missing: send the table and its signature' "neither text nor files: refused"
bb --json table list
expect_json "[(t['name'], t['serial']) for t in j['tables']] == [('mlx5-vfio', 3)]" \
	"the refused calls installed nothing"
bb status
expect_rc 0 "the broker still answers"
finish
