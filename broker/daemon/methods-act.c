/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Acting calls: bind, release, quarantine, apply. Each runs the decision
 * first, then the restricted binder, and answers with what happened to every
 * device: on failure the failure and the outcome of the rollback.
 */
#include <string.h>

#include "daemon.h"
#include "evaluate.h"

static int reply_failed(BbReply *reply, const char *device, const char *driver, const char *reason,
                        struct json_object *outcomes)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "device", json_object_new_string(device));
	json_object_object_add(o, "driver",
	                       driver && *driver ? json_object_new_string(driver) : NULL);
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "outcomes", outcomes);
	return reply_error(reply, BB_BROKER_ERROR_OPERATION_FAILED, o);
}

/* The binder refuses a bad name or a vanished device before touching anything. */
static int reply_binder_failure(BbReply *reply, const char *device, const char *driver,
                                const struct bb_bind_result *res, struct json_object *outcomes)
{
	if (res->failure == BB_FAIL_INVALID) {
		json_object_put(outcomes);
		return reply_invalid_argument(reply, "device", "%s", res->message);
	}
	if (res->failure == BB_FAIL_NO_DEVICE) {
		struct json_object *o = json_object_new_object();

		json_object_put(outcomes);
		json_object_object_add(o, "device", json_object_new_string(device));
		return reply_error(reply, BB_BROKER_ERROR_NO_SUCH_DEVICE, o);
	}
	return reply_failed(reply, device, driver, res->message, outcomes);
}

static int evaluate_or_reply(BbDaemon *d, BbAction action, const struct bb_device *dev,
                             const char *driver, bool group, struct bb_evaluation *e,
                             BbReply *reply)
{
	int r = evaluate_request(d, action, dev, driver, group, e);

	if (r < 0) {
		evaluation_done(e);
		reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL, "deciding on %s: %s",
		                   dev->address.s, strerror(-r));
		return r;
	}
	if (!e->decision.allowed) {
		log_notice("denied %s of %s: %s (rule %s)", bb_action_to_string(action),
		           e->denied_device.s, e->decision.reason, e->decision.rule);
		reply_denied(reply, e);
		evaluation_done(e);
		return -EPERM;
	}
	return 0;
}

int method_bind(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	_cleanup_free_ struct bb_device *dev = malloc(sizeof(*dev));
	_cleanup_free_ struct bb_group_result *gr = NULL;
	struct bb_bind_result single;
	const struct bb_bind_result *results;
	size_t n_results;
	struct bb_evaluation e;
	struct json_object *o, *outcomes;
	const char *driver, *message, *persist_error = NULL;
	bool group, persist, ok, persisted = false;

	if (!dev)
		return -ENOMEM;
	if (request_driver(params, &driver, reply) < 0 || request_device(d, params, dev, reply) < 0)
		return 0;
	group = bb_varlink_get_bool(params, "group", false);
	persist = bb_varlink_get_bool(params, "persist", false);
	if (evaluate_or_reply(d, BB_ACTION_BIND, dev, driver, group, &e, reply) < 0)
		return 0;

	if (group) {
		gr = malloc(sizeof(*gr));
		if (!gr) {
			evaluation_done(&e);
			return -ENOMEM;
		}
		/* No driver named: each member gets its own best vfio variant. */
		(void)bb_binder_bind_group(bb_daemon_binder(d), dev->address.s, driver, gr);
		results = gr->members;
		n_results = gr->n;
		ok = gr->failure == BB_FAIL_NONE;
		message = gr->message;
	} else {
		(void)bb_binder_bind(bb_daemon_binder(d), dev->address.s, e.driver, &single);
		results = &single;
		n_results = 1;
		ok = single.failure == BB_FAIL_NONE;
		message = single.message;
	}

	outcomes = json_object_new_array();
	for (size_t i = 0; i < n_results; i++)
		json_object_array_add(outcomes, outcome_to_json(&results[i]));

	if (!ok) {
		log_warning("bind of %s to %s for uid %u failed: %s", dev->address.s, e.driver,
		            (unsigned)peer->uid, message);
		if (!group)
			reply_binder_failure(reply, dev->address.s, e.driver, &single, outcomes);
		else
			reply_failed(reply, dev->address.s, e.driver, message, outcomes);
		evaluation_done(&e);
		return 0;
	}

	if (persist) {
		int r = 0;

		for (size_t i = 0; i < n_results && r >= 0; i++)
			r = bb_overrides_record(d->state_fd, results[i].address.s,
			                        results[i].new_driver);
		persisted = r >= 0;
		if (r < 0) {
			persist_error = strerror(-r);
			log_error_errno(r, "bound %s, but recording the binding failed: %m",
			                dev->address.s);
		}
	}
	log_info("bound %s to %s for uid %u%s", dev->address.s, e.driver, (unsigned)peer->uid,
	         group ? " (whole IOMMU group)" : "");

	o = json_object_new_object();
	json_object_object_add(o, "device", json_object_new_string(dev->address.s));
	json_object_object_add(o, "driver", json_object_new_string(e.driver));
	json_object_object_add(o, "decision", decision_to_json(&e.decision));
	json_object_object_add(o, "outcomes", outcomes);
	json_object_object_add(o, "persisted", json_object_new_boolean(persisted));
	if (persist_error)
		json_object_object_add(o, "persist_error", json_object_new_string(persist_error));
	evaluation_done(&e);
	return reply_ok(reply, o);
}

typedef int (*unbinding_op)(bb_binder *b, const char *address, struct bb_bind_result *ret);

/* Release and quarantine: one device, no target, and the persisted binding goes. */
static int release_or_quarantine(BbDaemon *d, const BbPeer *peer, struct json_object *params,
                                 BbReply *reply, BbAction action, unbinding_op op)
{
	_cleanup_free_ struct bb_device *dev = malloc(sizeof(*dev));
	struct bb_bind_result res;
	struct bb_evaluation e;
	struct json_object *o;
	int r;

	if (!dev)
		return -ENOMEM;
	if (request_device(d, params, dev, reply) < 0)
		return 0;
	if (evaluate_or_reply(d, action, dev, NULL, false, &e, reply) < 0)
		return 0;

	(void)op(bb_daemon_binder(d), dev->address.s, &res);
	if (res.failure != BB_FAIL_NONE) {
		struct json_object *outcomes = json_object_new_array();

		json_object_array_add(outcomes, outcome_to_json(&res));
		log_warning("%s of %s for uid %u failed: %s", bb_action_to_string(action),
		            dev->address.s, (unsigned)peer->uid, res.message);
		evaluation_done(&e);
		return reply_binder_failure(reply, dev->address.s, NULL, &res, outcomes);
	}
	r = bb_overrides_forget(d->state_fd, dev->address.s);
	if (r < 0)
		log_error_errno(r, "%s: forgetting the persisted binding failed: %m",
		                dev->address.s);
	log_info("%s of %s for uid %u: now %s", bb_action_to_string(action), dev->address.s,
	         (unsigned)peer->uid, res.new_driver[0] ? res.new_driver : "no driver");

	o = json_object_new_object();
	json_object_object_add(o, "decision", decision_to_json(&e.decision));
	json_object_object_add(o, "outcome", outcome_to_json(&res));
	json_object_object_add(o, "forgotten", json_object_new_boolean(r >= 0));
	evaluation_done(&e);
	return reply_ok(reply, o);
}

int method_release(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	return release_or_quarantine(d, peer, params, reply, BB_ACTION_RELEASE, bb_binder_release);
}

int method_quarantine(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	return release_or_quarantine(d, peer, params, reply, BB_ACTION_QUARANTINE,
	                             bb_binder_quarantine);
}

struct apply_context {
	BbDaemon *d;
	struct json_object *denials; /* address -> reason, for entries decide() refused */
};

/* Persisted bindings go through the same decision as a live request. */
static int apply_check(const struct bb_override_entry *entry, void *userdata)
{
	struct apply_context *ctx = userdata;
	_cleanup_free_ struct bb_device *dev = malloc(sizeof(*dev));
	struct bb_evaluation e;
	int r;

	if (!dev)
		return -ENOMEM;
	r = bb_device_read(ctx->d->sysfs, entry->address.s, dev);
	if (r < 0)
		return r;
	r = evaluate_request(ctx->d, BB_ACTION_BIND, dev, entry->driver, false, &e);
	if (r >= 0 && !e.decision.allowed) {
		log_notice("apply: denied %s to %s: %s (rule %s)", entry->address.s, entry->driver,
		           e.decision.reason, e.decision.rule);
		json_object_object_add(ctx->denials, entry->address.s,
		                       json_object_new_string(e.decision.reason));
		r = -EPERM;
	}
	evaluation_done(&e);
	return r;
}

static const char *apply_action_to_string(int action)
{
	switch (action) {
	case BB_APPLY_ALREADY:
		return "already";
	case BB_APPLY_BOUND:
		return "bound";
	case BB_APPLY_FAILED:
		return "failed";
	case BB_APPLY_SKIPPED:
		return "skipped";
	case BB_APPLY_ABSENT:
		return "absent";
	case BB_APPLY_QUARANTINED:
		return "quarantined";
	}
	return "unknown";
}

int method_apply(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	const char *device = bb_varlink_get_string(params, "device");
	_cleanup_free_ struct bb_overrides *ov = malloc(sizeof(*ov));
	_cleanup_free_ struct bb_apply_report *report = malloc(sizeof(*report));
	struct apply_context ctx = {.d = d};
	struct json_object *o, *items;
	bb_address only;
	char err[256] = "";
	int r;

	if (!ov || !report)
		return -ENOMEM;
	if (device && bb_address_parse(device, &only) < 0)
		return reply_invalid_argument(
		    reply, "device", "invalid device address: expected DDDD:BB:DD.F (hex)");
	r = bb_overrides_load(d->state_fd, ov, err, sizeof(err));
	if (r < 0)
		return reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL,
		                          "loading persisted bindings: %s",
		                          err[0] ? err : strerror(-r));

	ctx.denials = json_object_new_object();
	r = bb_overrides_apply(bb_daemon_binder(d), ov, device ? only.s : NULL, apply_check, &ctx, report);
	if (r < 0 && r != -EIO) {
		json_object_put(ctx.denials);
		return reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL,
		                          "applying persisted bindings: %s", strerror(-r));
	}

	items = json_object_new_array();
	for (size_t i = 0; i < report->n && i < ARRAY_SIZE(report->items); i++) {
		const struct bb_apply_item *it = &report->items[i];
		struct json_object *io = json_object_new_object(), *reason = NULL;
		bool acted = it->action == BB_APPLY_BOUND || it->action == BB_APPLY_FAILED ||
		             it->action == BB_APPLY_QUARANTINED;

		json_object_object_add(io, "device", json_object_new_string(it->address.s));
		json_object_object_add(io, "action",
		                       json_object_new_string(apply_action_to_string(it->action)));
		json_object_object_add(io, "outcome", acted ? outcome_to_json(&it->result) : NULL);
		if (it->action == BB_APPLY_SKIPPED &&
		    json_object_object_get_ex(ctx.denials, it->address.s, &reason))
			json_object_object_add(io, "reason", json_object_get(reason));
		json_object_array_add(items, io);
	}
	json_object_put(ctx.denials);
	log_info("apply for uid %u: %zu entries, %zu failed", (unsigned)peer->uid, report->n,
	         report->failed);

	o = json_object_new_object();
	json_object_object_add(o, "items", items);
	json_object_object_add(o, "failed", json_object_new_int((int)report->failed));
	return reply_ok(reply, o);
}
