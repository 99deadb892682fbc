// Test rules for tests/authz (real polkitd): each reads the details bindbrokerd passes.
polkit.addRule(function(action, subject) {
	if (action.id.indexOf("io.bindbroker.") != 0)
		return polkit.Result.NOT_HANDLED;

	// The peer-exit test: make the requester leave (it waits on the FIFO), wait
	// until it is a zombie or gone, then say yes: the broker must not honour it.
	if (action.lookup("device") == "0000:00:0e.0") {
		polkit.spawn(["/bin/sh", "-c",
			": > \"$1\"; while :; do " +
			"s=$(cat /proc/$2/stat 2>/dev/null) || exit 0; " +
			"case $s in *') Z '*|*') X '*) exit 0;; esac; sleep 0.01; done",
			"sh", "@FIFO@", String(subject.pid)]);
		return polkit.Result.YES;
	}
	// Would need an administrator's password: the broker never prompts.
	if (action.lookup("device") == "0000:00:0f.0")
		return polkit.Result.AUTH_ADMIN;

	// nobody may bind, but only to vfio-pci.
	if (action.id == "io.bindbroker.bind" && subject.user == "nobody" &&
	    action.lookup("driver") == "vfio-pci")
		return polkit.Result.YES;
	// daemon may quarantine Intel network controllers only.
	if (action.id == "io.bindbroker.quarantine" && subject.user == "daemon" &&
	    action.lookup("class") == "0x020000" && action.lookup("vendor") == "0x8086" &&
	    action.lookup("device_id") == "0x10d3")
		return polkit.Result.YES;
	return polkit.Result.NO;
});
