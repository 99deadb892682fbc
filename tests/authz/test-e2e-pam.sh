#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# shellcheck disable=SC2034 # RC, OUT, ERR are read by e2e-lib.sh
# The PAM account stack end to end: bindbrokerd with authorization = pam, and
# then polkit+pam, on simsys; the service file /etc/pam.d/bindbroker is a test
# stack placed over /etc/pam.d in a private mount namespace (real libpam,
# pam_succeed_if, pam_permit). Clients of other uids run through setpriv.
HERE=$(dirname "$0")
# shellcheck source=polkit-lib.sh
. "$HERE/polkit-lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for tool in dbus-daemon setpriv /usr/lib/polkit-1/polkitd; do
	command -v "$tool" >/dev/null || { echo "SKIP: no $tool"; exit 77; }
done
pk_enter_namespace "$0" "$@"

# shellcheck source=../daemon/e2e-lib.sh
. "$HERE/../daemon/e2e-lib.sh"
# shellcheck disable=SC2317 # called through the EXIT trap
all_cleanup() {
	cleanup
	pk_stop
}
trap all_cleanup EXIT

as() { # UID [setpriv options] -- CLIENT ARGS... ; RC, OUT, ERR
	u=$1
	shift
	opts=
	while [ "$1" != -- ]; do
		opts="$opts $1"
		shift
	done
	shift
	RC=0
	# shellcheck disable=SC2086 # one word per option
	setpriv --reuid="$u" --regid="$u" --clear-groups $opts "$BINDBROKER" --socket "$SOCK" "$@" \
		>"$TMP/out" 2>"$TMP/err" || RC=$?
	OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
}

# Only uid 65534 passes the stack.
mkdir -p "$TMP/pam.d" "$TMP/config"
printf 'account requisite pam_succeed_if.so quiet uid eq 65534\naccount required pam_permit.so\n' \
	>"$TMP/pam.d/bindbroker"
mount --bind "$TMP/pam.d" /etc/pam.d

pk_bus_start "$TMP"
pk_polkitd_start "$TMP" "$(dirname "$HERE")/../polkit/io.bindbroker.policy" "$HERE/e2e-rules.js"

# Policy lets anyone hand a device to vfio-pci (after the host's protections):
# here authorization alone decides who may.
mkdir -p "$TMP/config/policy.d"
chmod 755 "$TMP/config" "$TMP/config/policy.d"
cat >"$TMP/config/policy.d/50-authz.rules" <<'EOF'
deny bridge
deny class 0x06
deny not endpoint
deny boot-vga
deny backs-mount
deny carries-default-route
allow driver vfio-pci
allow user root
EOF
chmod 644 "$TMP/config/policy.d/50-authz.rules"

mount_simsys gpu-server
MODDIR=$(make_modules) || { echo "FATAL: modules fixture"; exit 1; }
NIC=0000:18:00.1 VF=0000:87:00.3

echo "authorization = pam" >"$TMP/config/bindbroker.conf"
start_daemon --modules-dir "$MODDIR"

as 65534 -- bind $NIC vfio-pci
expect_rc 0 "the PAM stack lets uid 65534 bind"
expect_driver $NIC vfio-pci "the NIC is on vfio-pci"
bb release $NIC
as 1 -- bind $NIC vfio-pci
expect_rc 1 "the PAM stack refuses uid 1"
expect_err "PAM account stack bindbroker denied user daemon" "the refusal quotes PAM"
expect_driver $NIC i40e "the refused bind touched nothing"
as 0 --bounding-set -sys_admin -- bind $NIC vfio-pci
expect_rc 1 "root without CAP_SYS_ADMIN is asked like anyone, and PAM refuses"
expect_err "denied user root" "the refusal names root"
expect_driver $NIC i40e "still on i40e"
# PAM decides, not polkit: the rules would refuse this driver, PAM allows it.
as 65534 -- bind $VF vfio-pci
expect_rc 0 "with authorization = pam, polkit's rules are not asked"
bb release $VF
stop_daemon

# Acting calls of one (non-administrator) uid in progress at once are bounded.
start_daemon --modules-dir "$MODDIR" --limit max-requests-per-uid=1
control hold-probe vfio-pci
setpriv --reuid=65534 --regid=65534 --clear-groups "$BINDBROKER" --socket "$SOCK" \
	bind $NIC vfio-pci >"$TMP/held.out" 2>&1 &
HELD=$!
i=0
until [ "$(driver_of $NIC)" = vfio-pci ] || [ $i -ge 1500 ]; do i=$((i + 1)); sleep 0.02; done
expect_driver $NIC vfio-pci "uid 65534's bind is held in its probe"
as 65534 -- bind $VF vfio-pci
expect_rc 4 "its second acting call is refused as Busy while the first is in progress"
expect_err "broker busy: uid 65534 already has 1 requests in progress \(limit 1\), try again" \
	"the refusal says why"
as 65534 -- --json bind $VF vfio-pci
expect_json "j['error'] == 'io.bindbroker.Broker.Busy' and 'limit 1' in j['reason']" \
	"--json: the Busy error with its reason"
expect_driver $VF mlx5_core "the refused call touched nothing"
as 65534 -- check $VF vfio-pci
expect_rc 0 "its read-only calls are still answered"
control release-probe vfio-pci
wait $HELD
RC=$? OUT=$(cat "$TMP/held.out") ERR=''
expect_rc 0 "the held bind completes"
bb release $NIC
stop_daemon

echo "authorization = polkit+pam" >"$TMP/config/bindbroker.conf"
start_daemon --modules-dir "$MODDIR"
as 65534 -- bind $NIC vfio-pci
expect_rc 0 "polkit+pam: both say yes"
expect_driver $NIC vfio-pci "bound"
bb release $NIC
as 65534 -- bind $VF vfio-pci
expect_rc 1 "polkit+pam: PAM yes, polkit no (not an Intel NIC)"
expect_err "polkit denied" "the refusal names polkit"
expect_driver $VF mlx5_core "the VF was not touched"
printf 'account required pam_deny.so\n' >"$TMP/pam.d/bindbroker"
as 65534 -- bind $NIC vfio-pci
expect_rc 1 "polkit+pam: polkit yes, PAM no"
expect_err "PAM account stack bindbroker denied user nobody" "the refusal quotes PAM"
expect_driver $NIC i40e "the NIC was not touched"

finish
