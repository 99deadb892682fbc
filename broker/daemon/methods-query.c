/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Read-only calls: status, the device list, one device's facts, and the dry run. */
#include <stdio.h>
#include <string.h>

#include "daemon-glue.h"
#include "daemon.h"
#include "evaluate.h"
#include "json-text.h"
#include "posture.h"

#ifndef BB_VERSION
#define BB_VERSION "unknown"
#endif

/* Are the raw doors to binding closed here (posture.h)? Asked anew on each call. */
static struct json_object *posture_to_json(bb_lockdown lockdown)
{
	struct json_object *o = json_object_new_object();
	bb_host_posture p = {.lockdown = lockdown};

	bb_posture_read_selinux(&p.selinux, &p.module);
	bb_posture_verdict(&p);
	json_object_object_add(o, "lockdown",
	                       json_object_new_string(bb_lockdown_to_string(lockdown)));
	json_object_object_add(o, "selinux",
	                       json_object_new_string(bb_selinux_mode_to_string(p.selinux)));
	json_object_object_add(o, "selinux_module",
	                       json_object_new_string(bb_module_state_to_string(p.module)));
	json_object_object_add(o, "raw_doors_closed", json_object_new_string(p.closed));
	json_object_object_add(o, "why", json_object_new_string(p.why));
	return o;
}

/* The journal status gains whether its records file is append-only (on, unsupported, ...). */
static void add_journal_append_only(BbDaemon *d, struct json_object *journal)
{
	enum bb_journal_append_state s = BB_JOURNAL_APPEND_OFF;
	char text[128];
	bool open;
	int err = 0;

	pthread_mutex_lock(&d->journal_lock);
	open = d->journal != NULL;
	if (open)
		s = bb_journal_append_only(d->journal, &err);
	pthread_mutex_unlock(&d->journal_lock);
	if (!open)
		return;
	if (s == BB_JOURNAL_APPEND_FAILED)
		snprintf(text, sizeof(text), "failed: %s", strerror(-err));
	else
		snprintf(text, sizeof(text), "%s", bb_journal_append_state_name(s));
	json_object_object_add(journal, "append_only", json_object_new_string(text));
}

int method_get_status(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	struct json_object *o = json_object_new_object(), *journal;
	_cleanup_free_ bb_address *list = NULL;
	bb_lockdown lockdown;
	size_t n = 0;
	int r;
	(void)peer, (void)params;

	r = bb_lockdown_read(d->sysfs, &lockdown);
	if (r < 0) {
		json_object_put(o);
		return reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL,
		                          "reading the lockdown posture: %s", strerror(-r));
	}
	r = bb_sysfs_list_devices(d->sysfs, &list, &n);
	if (r < 0) {
		json_object_put(o);
		return reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL,
		                          "listing PCI devices: %s", strerror(-r));
	}
	json_object_object_add(o, "version", json_object_new_string(BB_VERSION));
	json_object_object_add(o, "sysfs_root", json_object_new_string(d->opts.sysfs_root));
	json_object_object_add(o, "simulated",
	                       json_object_new_boolean(bb_sysfs_is_simsys(d->sysfs)));
	json_object_object_add(o, "lockdown",
	                       json_object_new_string(bb_lockdown_to_string(lockdown)));
	json_object_object_add(o, "config_dir", json_object_new_string(d->opts.config_dir));
	json_object_object_add(o, "state_dir", json_object_new_string(d->opts.state_dir));
	json_object_object_add(o, "audit", daemon_audit_status(d));
	json_object_object_add(o, "devices", json_object_new_int((int)n));
	json_object_object_add(o, "policy", daemon_policy_status(d));
	json_object_object_add(o, "tables", daemon_tables_status(d));
	journal = daemon_journal_status(d);
	add_journal_append_only(d, journal);
	json_object_object_add(o, "journal", journal);
	json_object_object_add(o, "posture", posture_to_json(lockdown));
	return reply_ok(reply, o);
}

int method_list_devices(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	_cleanup_free_ bb_address *list = NULL;
	_cleanup_free_ struct bb_device *dev = NULL;
	struct json_object *o, *devices;
	size_t n = 0;
	int r;
	(void)peer, (void)params;

	r = bb_sysfs_list_devices(d->sysfs, &list, &n);
	if (r < 0)
		return reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL,
		                          "listing PCI devices: %s", strerror(-r));
	dev = malloc(sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	devices = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		r = bb_device_read(d->sysfs, list[i].s, dev);
		if (r == -ENODEV || r == -ENOENT)
			continue; /* removed since the listing */
		if (r < 0) {
			json_object_put(devices);
			return reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL, "reading %s: %s",
			                          list[i].s, strerror(-r));
		}
		json_object_array_add(devices, device_to_json(dev));
	}
	o = json_object_new_object();
	json_object_object_add(o, "devices", devices);
	return reply_ok(reply, o);
}

int method_show_device(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	_cleanup_free_ struct bb_device *dev = malloc(sizeof(*dev));
	struct json_object *o;
	(void)peer;

	if (!dev)
		return -ENOMEM;
	if (request_device(d, params, dev, reply) < 0)
		return 0;
	o = json_object_new_object();
	json_object_object_add(o, "device", device_to_json(dev));
	return reply_ok(reply, o);
}

int method_check(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	_cleanup_free_ struct bb_device *dev = malloc(sizeof(*dev));
	struct bb_evaluation e;
	struct bb_requester rq;
	bb_lockdown lockdown;
	const char *driver;
	struct json_object *o;
	char *facts_json = NULL;
	JsonText t = {0};
	int r;

	if (!dev)
		return -ENOMEM;
	if (request_driver(params, &driver, reply) < 0 ||
	    request_device_for_check(d, params, dev, &lockdown, &facts_json, reply) < 0)
		return 0;
	r = requester_init_cached(peer, &rq);
	if (r < 0) {
		free(facts_json);
		return r;
	}
	r = evaluate_request(d, &rq, BB_ACTION_BIND, dev, driver,
	                     bb_varlink_get_bool(params, "group", false), &lockdown, &e);
	requester_done(&rq);
	if (r < 0) {
		free(facts_json);
		evaluation_done(&e);
		return reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL, "checking %s: %s",
		                          dev->address.s, strerror(-r));
	}
	/* Written as text, in the order and form json-c would print the same object (the
	 * IDL's CheckResult): the answer asked for most, without a tree to build and free. */
	json_text_lit(&t, "{\"device\":");
	json_text_string(&t, dev->address.s);
	json_text_lit(&t, ",\"driver\":");
	json_text_string(&t, e.driver);
	json_text_lit(&t, ",\"allowed\":");
	json_text_bool(&t, e.decision.allowed);
	json_text_lit(&t, ",\"decision\":");
	decision_to_json_text(&t, &e.decision);
	json_text_lit(&t, ",\"members\":");
	json_text_object(&t, e.members);
	json_text_lit(&t, ",\"facts\":");
	/* From a snapshot, the facts are already JSON text: embedded as they are. */
	if (facts_json)
		json_text_lit(&t, facts_json);
	else
		device_to_json_text(&t, dev);
	json_text_lit(&t, "}");
	free(facts_json);
	o = json_text_to_object(&t);
	if (!o) {
		evaluation_done(&e);
		return -ENOMEM;
	}
	evaluation_done(&e);
	return reply_ok(reply, o);
}
