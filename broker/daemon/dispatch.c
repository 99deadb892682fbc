/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The method table: name, parameters, whether the call acts, and its handler. */
#include <string.h>

#include "bb-macro.h"
#include "daemon-glue.h"
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
/* table and signature: the text, or absent when the call passes both files open. */
static const BbVarlinkField install_table_fields[] = {
    {"name", json_type_string, true, ARG_MAX},
    {"table", json_type_string, false, 0},
    {"signature", json_type_string, false, 0},
    F_END,
};
static const BbVarlinkField audit_show_fields[] = {
    {"device", json_type_string, false, ARG_MAX},
    {"since", json_type_string, false, ARG_MAX},
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
	bool shared; /* read-only and safe on any thread: may run on a read worker */
	BbMethodHandler handler;
} BbMethod;

static const BbMethod methods[] = {
    {BB_VARLINK_METHOD_GET_INFO, no_fields, false, false, method_get_info},
    {BB_VARLINK_METHOD_GET_DESCRIPTION, describe_fields, false, false,
     method_get_interface_description},
    {BB_BROKER_METHOD_GET_STATUS, no_fields, false, false, method_get_status},
    /* sysfs reads, the policy and tables under their locks, the worker's own kmod context */
    {BB_BROKER_METHOD_LIST_DEVICES, no_fields, false, true, method_list_devices},
    {BB_BROKER_METHOD_SHOW_DEVICE, device_fields, false, true, method_show_device},
    {BB_BROKER_METHOD_CHECK, check_fields, false, true, method_check},
    {BB_BROKER_METHOD_BIND, bind_fields, true, false, method_bind},
    {BB_BROKER_METHOD_RELEASE, device_fields, true, false, method_release},
    {BB_BROKER_METHOD_QUARANTINE, device_fields, true, false, method_quarantine},
    {BB_BROKER_METHOD_APPLY, apply_fields, true, false, method_apply},
    {BB_DAEMON_METHOD_INSTALL_TABLE, install_table_fields, true, false, method_install_table},
    {BB_DAEMON_METHOD_LIST_TABLES, no_fields, false, false, method_list_tables},
    {BB_DAEMON_METHOD_AUDIT_SHOW, audit_show_fields, false, false, method_audit_show},
    {BB_DAEMON_METHOD_RELOAD_POLICY, no_fields, true, false, method_reload_policy},
    {BB_DAEMON_METHOD_RESTORE, device_fields, true, false, method_restore},
};

bool bb_daemon_method_is_acting(const char *method)
{
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (streq(methods[i].name, method))
			return methods[i].acting;
	return false;
}

bool bb_daemon_method_is_shared(const char *method)
{
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (streq(methods[i].name, method))
			return methods[i].shared;
	return false;
}

static struct json_object *one_string(const char *key, const char *value)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, json_object_new_string(value));
	return o;
}

/* A refused caller leaves a `refuse` record and a USER_DEVICE record. */
static void record_unauthorized(BbDaemon *d, const BbPeer *peer, const char *method,
                                struct json_object *params, const BbAuthzResult *authz)
{
	bb_address device;
	const char *dot = strrchr(method, '.');
	struct bb_requester rq;
	char uid[16], pid[16], auid[16], ses[16], op[64], by[32], why[BB_JOURNAL_VALUE_MAX + 1];
	struct bb_kv kv[10];
	size_t n = 0;

	journal_value(dot ? dot + 1 : method, op, sizeof(op));
	journal_value(authz->authority, by, sizeof(by));
	journal_value(authz->reason, why, sizeof(why));
	snprintf(uid, sizeof(uid), "%u", (unsigned)peer->uid);
	snprintf(pid, sizeof(pid), "%d", (int)peer->pid);
	kv[n++] = (struct bb_kv){"op", op};
	if (bb_address_parse(bb_varlink_get_string(params, "device"), &device) >= 0)
		kv[n++] = (struct bb_kv){"device", device.s};
	kv[n++] = (struct bb_kv){"check", "authorization"};
	kv[n++] = (struct bb_kv){"uid", uid};
	kv[n++] = (struct bb_kv){"pid", pid};
	if (peer->id.loginuid != BB_PEER_UNSET_ID) {
		snprintf(auid, sizeof(auid), "%u", peer->id.loginuid);
		kv[n++] = (struct bb_kv){"auid", auid};
	}
	if (peer->id.sessionid != BB_PEER_UNSET_ID) {
		snprintf(ses, sizeof(ses), "%u", peer->id.sessionid);
		kv[n++] = (struct bb_kv){"ses", ses};
	}
	kv[n++] = (struct bb_kv){"authority", by};
	kv[n++] = (struct bb_kv){"reason", why};
	journal_note(d, BB_REC_REFUSE, kv, n, NULL);
	if (requester_init(peer, &rq) >= 0) {
		daemon_audit_simple(d, &rq, "refuse", "not-authorized", false);
		requester_done(&rq);
	}
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

	if (call->n_fds > 0 && m->handler != method_install_table) {
		reply_invalid_argument(reply, "parameters",
		                       "%s takes no file descriptors; only InstallTable does",
		                       m->name);
		return;
	}

	if (m->acting &&
	    bb_daemon_authorize(d, peer, m->name, call->parameters, reply, &authz) < 0) {
		log_notice("refused %s from uid %u pid %d loginuid %u session %u context %s: "
		           "not authorized (%s): %s",
		           m->name, (unsigned)peer->uid, (int)peer->pid, peer->id.loginuid,
		           peer->id.sessionid, peer->id.scontext[0] ? peer->id.scontext : "-",
		           authz.authority, authz.reason);
		record_unauthorized(d, peer, m->name, call->parameters, &authz);
		return;
	}

	/* Calls on one IOMMU group run one at a time; apply of everything runs alone. */
	if (m->acting) {
		struct json_object *dev = json_object_object_get(call->parameters, "device");

		if (dev || streq(m->name, BB_BROKER_METHOD_APPLY))
			bb_group_lock(d->sysfs, dev ? json_object_get_string(dev) : NULL, &hold);
	}
	/* Check's snapshots taken before or during an acting call are not used after it. */
	if (m->acting)
		facts_changing();
	/* After authorization: only an authorized caller makes the broker read its files. */
	r = 0;
	if (m->handler == method_install_table)
		r = install_table_take_passed_files(call, reply);
	if (r >= 0)
		r = m->handler(d, peer, call->parameters, reply);
	if (m->acting)
		facts_changing();
	bb_group_unlock(&hold);
	if (r < 0 && !reply->error)
		reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL, "%s failed: %s", m->name,
		                   strerror(-r));
}
