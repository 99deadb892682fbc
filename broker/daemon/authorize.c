/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who may make acting calls: root with CAP_SYS_ADMIN in the initial user
 * namespace without asking; everyone else by the configured authority
 * (authz.c: polkit, PAM, or both). Read-only calls never come here. The
 * polkit details come from the request and the device's sysfs facts, read
 * before the call is allowed to act; a device that cannot be read gets no
 * details, so a rule that needs them cannot say yes.
 */
#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "daemon-glue.h"
#include "daemon.h"

static const struct {
	const char *method;
	const char *action;
} actions[] = {
    {BB_BROKER_METHOD_BIND, "io.bindbroker.bind"},
    {BB_BROKER_METHOD_APPLY, "io.bindbroker.bind"}, /* re-applies persisted binds */
    {BB_BROKER_METHOD_RELEASE, "io.bindbroker.release"},
    {BB_BROKER_METHOD_QUARANTINE, "io.bindbroker.quarantine"},
    /* Puts a device back to the state a crash interrupted: the host's own, as a release. */
    {BB_DAEMON_METHOD_RESTORE, "io.bindbroker.release"},
    {BB_DAEMON_METHOD_INSTALL_TABLE, "io.bindbroker.table-install"},
    {BB_DAEMON_METHOD_RELOAD_POLICY, "io.bindbroker.policy-reload"},
};

/* The polkit action of METHOD; an acting method without its own action is a bind. */
const char *bb_daemon_action_of(const char *method)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (streq(actions[i].method, method))
			return actions[i].action;
	return "io.bindbroker.bind";
}

typedef struct DetailText {
	bb_address address;
	char vendor[8], device_id[8], class_code[12];
} DetailText;

static void fill_details(BbDaemon *d, struct json_object *params, BbPolkitDetails *det,
                         DetailText *t)
{
	const char *device = bb_varlink_get_string(params, "device");
	const char *driver = bb_varlink_get_string(params, "driver");
	struct bb_device dev;

	if (driver && bb_valid_driver_name(driver))
		det->driver = driver;
	if (!device || bb_address_parse(device, &t->address) < 0)
		return;
	det->device = t->address.s;
	if (bb_device_read_basic(d->sysfs, &t->address, &dev) < 0)
		return;
	snprintf(t->vendor, sizeof(t->vendor), "0x%04x", dev.vendor);
	snprintf(t->device_id, sizeof(t->device_id), "0x%04x", dev.device);
	snprintf(t->class_code, sizeof(t->class_code), "0x%06x", (unsigned)dev.class_code);
	det->vendor = t->vendor;
	det->device_id = t->device_id;
	det->class = t->class_code;
}

int bb_daemon_authorize(BbDaemon *d, const BbPeer *peer, const char *method,
                        struct json_object *params, BbReply *reply, BbAuthzResult *ret)
{
	BbAuthzRequest req = {.action = bb_daemon_action_of(method), .acting = true};
	DetailText text = {0};
	BbAuthzConfig cfg = daemon_authz_config(d); /* SIGHUP may change it (reload.c) */
	int r;

	/* Root with CAP_SYS_ADMIN is never asked: no details to read for it. */
	if (!bb_authz_peer_is_admin(&peer->id))
		fill_details(d, params, &req.details, &text);
	r = bb_authz_decide(&cfg, &peer->id, &req, ret);
	if (r >= 0 && ret->allowed) {
		log_info("authorized %s (%s) for uid %u pid %d: %s", method, req.action,
		         (unsigned)peer->uid, (int)peer->pid, ret->reason);
		return 0;
	}
	reply_error_reason(reply, BB_BROKER_ERROR_PERMISSION_DENIED,
	                   "%s by uid %u (pid %d) is not authorized: %s", req.action,
	                   (unsigned)peer->uid, (int)peer->pid, ret->reason);
	return -EPERM;
}
