#!/bin/sh
# The packaging files name the daemon where `meson install` puts it: the unit's ExecStart
# and the SELinux file context must both be SBINDIR/bindbrokerd, or systemd starts nothing
# (or starts an unlabelled binary in the wrong domain).
# Usage: test-dist-paths.sh SOURCE_ROOT SBINDIR
set -eu
src=$1 sbindir=$2
want="$sbindir/bindbrokerd"
fail=0

exec_start=$(sed -n 's/^ExecStart=//p' "$src/dist/bindbrokerd.service")
if [ "$exec_start" != "$want" ]; then
	echo "dist/bindbrokerd.service: ExecStart=$exec_start, but meson installs $want" >&2
	fail=1
fi
fc=$(awk '/bindbrokerd_exec_t/ {print $1}' "$src/selinux/bindbroker.fc")
if [ "$fc" != "$want" ]; then
	echo "selinux/bindbroker.fc labels '$fc' as bindbrokerd_exec_t, but meson installs $want" >&2
	fail=1
fi
[ $fail = 0 ] && echo "ok: unit and file context name $want"
exit $fail
