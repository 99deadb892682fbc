/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.varlink.service: what this service is and the IDL of its interfaces. */
#include "daemon.h"

#ifndef BB_VERSION
#define BB_VERSION "unknown"
#endif

int method_get_info(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ifaces = json_object_new_array();
	(void)d, (void)peer, (void)params;

	json_object_array_add(ifaces, json_object_new_string(BB_VARLINK_SERVICE_INTERFACE));
	json_object_array_add(ifaces, json_object_new_string(BB_BROKER_INTERFACE));
	json_object_object_add(o, "vendor", json_object_new_string("bindbroker"));
	json_object_object_add(o, "product", json_object_new_string("bindbrokerd"));
	json_object_object_add(o, "version", json_object_new_string(BB_VERSION));
	/* No project URL is published yet. */
	json_object_object_add(o, "url", json_object_new_string(""));
	json_object_object_add(o, "interfaces", ifaces);
	return reply_ok(reply, o);
}

int method_get_interface_description(BbDaemon *d, const BbPeer *peer, struct json_object *params,
                                     BbReply *reply)
{
	const char *iface = bb_varlink_get_string(params, "interface");
	const char *text = NULL;
	struct json_object *o = json_object_new_object();
	(void)d, (void)peer;

	if (streq(iface, BB_BROKER_INTERFACE))
		text = bb_daemon_interface_description;
	else if (streq(iface, BB_VARLINK_SERVICE_INTERFACE))
		text = bb_varlink_service_description;
	if (!text) {
		json_object_object_add(o, "interface", json_object_new_string(iface));
		return reply_error(reply, BB_VARLINK_ERROR_INTERFACE_NOT_FOUND, o);
	}
	json_object_object_add(o, "description", json_object_new_string(text));
	return reply_ok(reply, o);
}
