#!/bin/sh
# shellcheck disable=SC2119 # start_daemon takes daemon options, not the script's
# Check's facts snapshot (--limit check-cache-ms): off by default; when on, a
# check may answer from facts up to that old, but an acting call always reads
# the device fresh, and a check after an acting call never sees facts from
# before it. The outside change is an unbind written to simsys directly (the
# simulated kernel, not the broker).
. "$(dirname "$0")/e2e-lib.sh"

DEV=0000:18:00.1
mount_simsys gpu-server

# Default: every check reads the device now.
start_daemon
bb --json check $DEV vfio-pci
expect_json "j['facts']['driver'] == 'i40e'" "check sees i40e"
printf '%s' $DEV >"$MNT/bus/pci/drivers/i40e/unbind"
bb --json check $DEV vfio-pci
expect_json "j['facts']['driver'] is None" "without the snapshot, check sees the outside unbind"
printf '%s' $DEV >"$MNT/bus/pci/drivers/i40e/bind"
expect_driver $DEV i40e "back on i40e"
stop_daemon

# A snapshot that lives long enough for the test (10 s).
start_daemon --limit check-cache-ms=10000
# The reply from the snapshot (facts embedded as already serialized) is byte for byte the
# reply read fresh.
CALL='{"method":"io.bindbroker.Broker.Check","parameters":{"device":"'$DEV'"}}\0'
FRESH=$(raw_call "$CALL")
SNAP=$(raw_call "$CALL")
if [ -n "$FRESH" ] && [ "$FRESH" = "$SNAP" ] && printf '%s' "$SNAP" | grep -q '"facts":{"address"'; then
	ok "a reply from the snapshot is the same bytes as a fresh one"
else
	not_ok "a reply from the snapshot is the same bytes as a fresh one: $FRESH / $SNAP"
fi
bb --json check $DEV vfio-pci
expect_json "j['facts']['driver'] == 'i40e'" "snapshot taken: i40e"
printf '%s' $DEV >"$MNT/bus/pci/drivers/i40e/unbind"
expect_driver $DEV "" "unbound outside the broker"
bb --json check $DEV vfio-pci
expect_json "j['facts']['driver'] == 'i40e'" "check answers from its snapshot (advisory, bounded age)"

# The bind reads the device itself: it finds no driver, not the snapshot's i40e.
bb --json bind $DEV vfio-pci
expect_rc 0 "bind after the outside change"
expect_json "j['outcomes'][0]['ok'] and j['outcomes'][0]['old_driver'] is None \
and j['outcomes'][0]['new_driver'] == 'vfio-pci'" "the bind saw fresh facts (old driver none)"
expect_driver $DEV vfio-pci "bound to vfio-pci"

# The acting call made the snapshot stale: the next check reads vfio-pci.
bb --json check $DEV vfio-pci
expect_json "j['facts']['driver'] == 'vfio-pci'" "check after a bind sees the bind"
bb release $DEV
expect_rc 0 "release"
bb --json check $DEV vfio-pci
expect_json "j['facts']['driver'] == 'i40e'" "check after a release sees the release"

# Many clients at once on the read workers (snapshot on and off): every answer is the one the
# same check gets alone. The devices differ in verdict and facts (GPU in a shared group, the
# boot disk, a NIC function), so a mixed-up reply shows.
concurrent_checks() { # LABEL
	for d in 0000:03:00.0 0000:12:00.0 $DEV; do
		bb --json check $d vfio-pci
		printf '%s\n' "$OUT" >"$TMP/alone-$d"
	done
	PIDS=
	for i in 1 2 3 4 5 6 7 8; do
		(for r in 1 2 3 4 5; do
			for d in 0000:03:00.0 0000:12:00.0 $DEV; do
				"$BINDBROKER" --socket "$SOCK" --json check $d vfio-pci >"$TMP/c-$i-$r-$d" 2>&1
				cmp -s "$TMP/c-$i-$r-$d" "$TMP/alone-$d" || echo "$i-$r-$d" >>"$TMP/mismatch"
			done
		done) &
		PIDS="$PIDS $!"
	done
	# shellcheck disable=SC2086 # one pid per word; a bare wait would wait for the daemon too
	wait $PIDS
	if [ ! -s "$TMP/mismatch" ]; then ok "$1: 120 concurrent checks answered as alone"; else
		not_ok "$1: concurrent checks differ: $(head -3 "$TMP/mismatch")"; fi
	rm -f "$TMP/mismatch"
}
concurrent_checks "snapshot on"
stop_daemon
start_daemon
concurrent_checks "snapshot off"

finish
