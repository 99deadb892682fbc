/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The method table: name, parameters, whether the call acts, and its handler. */
#include <string.h>

#include "bb-macro.h"
#include "daemon.h"
#include "group-lock.h"

#define F_END                                                                                      \
	{                                                                                          \
		NULL, json_type_null, false, 0                                                     \
	}
/* Long enough to echo a wrong value back in the error; syntax is checked by the handler. */
#define ARG_MAX 256

static const BbVarlinkField no_fields[] = {F_END};
static const BbVarlinkField describe_fields[] = {
    {"interface", json_type_string, true, BB_VARLINK_NAME_MAX},
    F_END,
};
static const BbVarlinkField device_fields[] = {
    {"device", json_type_string, true, ARG_MAX},
    F_END,
};
static const BbVarlinkField check_fields[] = {
    {"device", json_type_string, true, ARG_MAX},
    {"driver", json_type_string, false, ARG_MAX},
    {"group", json_type_boolean, false, 0},
    F_END,
};
static const BbVarlinkField bind_fields[] = {
    {"device", json_type_string, true, ARG_MAX},
    {"driver", json_type_string, false, ARG_MAX},
    {"group", json_type_boolean, false, 0},
    {"persist", json_type_boolean, false, 0},
    F_END,
};
static const BbVarlinkField apply_fields[] = {
    {"device", json_type_string, false, ARG_MAX},
    F_END,
};

typedef struct BbMethod {
	const char *name;
	const BbVarlinkField *fields;
	bool acting; /* changes the machine: the caller must be authorized */
	BbMethodHandler handler;
} BbMethod;

static const BbMethod methods[] = {
    {BB_VARLINK_METHOD_GET_INFO, no_fields, false, method_get_info},
    {BB_VARLINK_METHOD_GET_DESCRIPTION, describe_fields, false, method_get_interface_description},
    {BB_BROKER_METHOD_GET_STATUS, no_fields, false, method_get_status},
    {BB_BROKER_METHOD_LIST_DEVICES, no_fields, false, method_list_devices},
    {BB_BROKER_METHOD_SHOW_DEVICE, device_fields, false, method_show_device},
    {BB_BROKER_METHOD_CHECK, check_fields, false, method_check},
    {BB_BROKER_METHOD_BIND, bind_fields, true, method_bind},
    {BB_BROKER_METHOD_RELEASE, device_fields, true, method_release},
    {BB_BROKER_METHOD_QUARANTINE, device_fields, true, method_quarantine},
    {BB_BROKER_METHOD_APPLY, apply_fields, true, method_apply},
};

bool bb_daemon_method_is_acting(const char *method)
{
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (streq(methods[i].name, method))
			return methods[i].acting;
	return false;
}

static struct json_object *one_string(const char *key, const char *value)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, json_object_new_string(value));
	return o;
}

void bb_daemon_dispatch(BbDaemon *d, const BbPeer *peer, const BbVarlinkCall *call, BbReply *reply)
{
	const BbMethod *m = NULL;
	BbGroupHold hold = {""};
	BbAuthzResult authz;
	const char *bad = NULL;
	char iface[BB_VARLINK_NAME_MAX + 1], err[256];
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (streq(methods[i].name, call->method))
			m = &methods[i];
	if (!m) {
		r = bb_varlink_interface_of(call->method, iface, sizeof(iface));
		if (r < 0 || (!streq(iface, BB_BROKER_INTERFACE) &&
		              !streq(iface, BB_VARLINK_SERVICE_INTERFACE)))
			reply_error(reply, BB_VARLINK_ERROR_INTERFACE_NOT_FOUND,
			            one_string("interface", r < 0 ? call->method : iface));
		else
			reply_error(reply, BB_VARLINK_ERROR_METHOD_NOT_FOUND,
			            one_string("method", call->method));
		return;
	}

	r = bb_varlink_check_parameters(call->parameters, m->fields, &bad, err, sizeof(err));
	if (r < 0) {
		/* org.varlink.service keeps its own error; our interface says why. */
		if (strncmp(m->name, BB_VARLINK_SERVICE_INTERFACE ".",
		            strlen(BB_VARLINK_SERVICE_INTERFACE ".")) == 0)
			reply_error(reply, BB_VARLINK_ERROR_INVALID_PARAMETER,
			            one_string("parameter", bad));
		else
			reply_invalid_argument(reply, bad, "%s", err);
		return;
	}

	if (m->acting &&
	    bb_daemon_authorize(d, peer, m->name, call->parameters, reply, &authz) < 0) {
		log_notice("refused %s from uid %u pid %d loginuid %u session %u context %s: "
		           "not authorized (%s): %s",
		           m->name, (unsigned)peer->uid, (int)peer->pid, peer->id.loginuid,
		           peer->id.sessionid, peer->id.scontext[0] ? peer->id.scontext : "-",
		           authz.authority, authz.reason);
		return;
	}

	/* Calls on one IOMMU group run one at a time; apply of everything runs alone. */
	if (m->acting) {
		struct json_object *dev = json_object_object_get(call->parameters, "device");

		if (dev || streq(m->name, BB_BROKER_METHOD_APPLY))
			bb_group_lock(d->sysfs, dev ? json_object_get_string(dev) : NULL, &hold);
	}
	r = m->handler(d, peer, call->parameters, reply);
	bb_group_unlock(&hold);
	if (r < 0 && !reply->error)
		reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL, "%s failed: %s", m->name,
		                   strerror(-r));
}
