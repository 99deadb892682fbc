// Rules for test-e2e-authz.sh (real polkitd): they read the details bindbrokerd passes.
polkit.addRule(function(action, subject) {
	if (action.id.indexOf("io.bindbroker.") != 0)
		return polkit.Result.NOT_HANDLED;

	// The peer-exit case: kill the requesting client, wait until it is gone, then
	// say yes; the broker must not honour a yes for a process that is gone.
	// (polkitd runs as user polkitd, so that case's client runs as polkitd too.)
	if (action.lookup("device") == "0000:87:00.3" && subject.user == "polkitd") {
		polkit.spawn(["/bin/sh", "-c",
			"kill -KILL $1; while :; do " +
			"s=$(cat /proc/$1/stat 2>/dev/null) || exit 0; " +
			"case $s in *') Z '*|*') X '*) exit 0;; esac; sleep 0.01; done",
			"sh", String(subject.pid)]);
		return polkit.Result.YES;
	}
	// nobody may hand Intel network controllers to vfio-pci, nothing else.
	if (action.id == "io.bindbroker.bind" && subject.user == "nobody" &&
	    action.lookup("driver") == "vfio-pci" && action.lookup("vendor") == "0x8086" &&
	    action.lookup("class") == "0x020000")
		return polkit.Result.YES;
	return polkit.Result.NO;
});
