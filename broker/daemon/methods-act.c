/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Acting calls: bind, release, quarantine, apply. Each checks that the journal
 * can take records, runs the decision, then the restricted binder under a
 * journaled request (an intent durable before each device's first write, its
 * result durable before the reply), sends the Linux audit records, and
 * answers with what happened to every device and the journal_seq of the last
 * result. A refusal gets a `refuse` record and a USER_DEVICE record too.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon-glue.h"
#include "daemon.h"
#include "evaluate.h"

static struct json_object *seq_json(uint64_t seq)
{
	return seq == UINT64_MAX ? NULL : json_object_new_int64((int64_t)seq);
}

static int reply_failed(BbReply *reply, const char *device, const char *driver, const char *reason,
                        struct json_object *outcomes, uint64_t seq)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "device", json_object_new_string(device));
	json_object_object_add(o, "driver",
	                       driver && *driver ? json_object_new_string(driver) : NULL);
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "outcomes", outcomes);
	json_object_object_add(o, "journal_seq", seq_json(seq));
	return reply_error(reply, BB_BROKER_ERROR_OPERATION_FAILED, o);
}

/* The binder refuses a bad name or a vanished device before touching anything. */
static int reply_binder_failure(BbReply *reply, const char *device, const char *driver,
                                const struct bb_bind_result *res, struct json_object *outcomes,
                                uint64_t seq)
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
	return reply_failed(reply, device, driver, res->message, outcomes, seq);
}

/* A refusal by the decision: journal `refuse`, audit, and the Denied reply. */
static void record_denial(BbDaemon *d, const struct bb_requester *rq, BbAction action,
                          const struct bb_evaluation *e, uint64_t *ret_seq)
{
	char rule[BB_JOURNAL_VALUE_MAX + 1], uid[16], pid[16];
	struct bb_kv kv[7];
	size_t n = 0;

	journal_value(e->decision.rule, rule, sizeof(rule));
	snprintf(uid, sizeof(uid), "%u", (unsigned)rq->uid);
	snprintf(pid, sizeof(pid), "%d", (int)rq->pid);
	kv[n++] = (struct bb_kv){"device", e->denied_device.s};
	kv[n++] = (struct bb_kv){"op", bb_action_to_string(action)};
	if (e->driver[0])
		kv[n++] = (struct bb_kv){"target", e->driver};
	kv[n++] = (struct bb_kv){"rule", rule};
	kv[n++] = (struct bb_kv){"check", "policy"};
	kv[n++] = (struct bb_kv){"uid", uid};
	kv[n++] = (struct bb_kv){"pid", pid};
	*ret_seq = UINT64_MAX;
	if (journal_note(d, BB_REC_REFUSE, kv, n, ret_seq) < 0)
		*ret_seq = UINT64_MAX;
}

static void audit_denial(BbDaemon *d, const struct bb_requester *rq, const struct bb_device *dev,
                         const struct bb_evaluation *e)
{
	/* The denied device may be another member of the group: name that one. */
	if (streq(e->denied_device.s, dev->address.s)) {
		daemon_audit_event(d, rq, "refuse", dev, dev->driver, e->driver, NULL,
		                   e->decision.rule, "policy-denied", false);
	} else {
		struct bb_device *m = malloc(sizeof(*m));

		if (m && bb_device_read(d->sysfs, e->denied_device.s, m) >= 0)
			daemon_audit_event(d, rq, "refuse", m, m->driver, e->driver, NULL,
			                   e->decision.rule, "policy-denied", false);
		free(m);
	}
}

static int evaluate_or_reply(BbDaemon *d, const struct bb_requester *rq, BbAction action,
                             const struct bb_device *dev, const char *driver, bool group,
                             struct bb_evaluation *e, BbReply *reply)
{
	uint64_t seq;
	int r = evaluate_request(d, rq, action, dev, driver, group, NULL, e);

	if (r < 0) {
		evaluation_done(e);
		reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL, "deciding on %s: %s",
		                   dev->address.s, strerror(-r));
		return r;
	}
	if (!e->decision.allowed) {
		log_notice("denied %s of %s for uid %u: %s (rule %s)", bb_action_to_string(action),
		           e->denied_device.s, (unsigned)rq->uid, e->decision.reason,
		           e->decision.rule);
		record_denial(d, rq, action, e, &seq);
		audit_denial(d, rq, dev, e);
		reply_denied(reply, e);
		json_object_object_add(reply->parameters, "journal_seq", seq_json(seq));
		evaluation_done(e);
		return -EPERM;
	}
	return 0;
}

/* The journal took the intent but not the result, or refused the intent: say so. */
static int reply_journal_failure(BbReply *reply, const char *device, bool acted, int r)
{
	return reply_error_reason(reply, BB_DAEMON_ERROR_AUDIT_UNAVAILABLE,
	                          acted ? "%s: the operation ran, but its result record is not "
	                                  "durable (%s); acting is off until restart"
	                                : "%s: the intent record could not be made durable (%s); "
	                                  "nothing was changed",
	                          device, strerror(-r));
}

int method_bind(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	_cleanup_free_ struct bb_device *dev = malloc(sizeof(*dev));
	_cleanup_free_ struct bb_group_result *gr = NULL;
	_cleanup_free_ struct act_ctx *act = malloc(sizeof(*act));
	_cleanup_(bb_pinned_device_close) struct bb_pinned_device pin = BB_PINNED_DEVICE_INIT;
	struct bb_bind_result single;
	const struct bb_bind_result *results;
	size_t n_results;
	struct bb_requester rq;
	struct bb_evaluation e;
	struct json_object *o, *outcomes;
	const char *driver, *message, *persist_error = NULL;
	bool group, persist, ok, persisted = false;
	uint64_t seq;
	int r;

	if (!dev || !act)
		return -ENOMEM;
	if (request_driver(params, &driver, reply) < 0 ||
	    request_device_pinned(d, params, &pin, dev, reply) < 0)
		return 0;
	if (journal_ready(d, reply) < 0)
		return 0;
	group = bb_varlink_get_bool(params, "group", false);
	persist = bb_varlink_get_bool(params, "persist", false);
	r = requester_init(peer, &rq);
	if (r < 0)
		return r;
	if (evaluate_or_reply(d, &rq, BB_ACTION_BIND, dev, driver, group, &e, reply) < 0) {
		requester_done(&rq);
		return 0;
	}

	act_begin(act, d, "bind", &rq, e.decision.rule, group ? driver : e.driver, e.members);
	act->table = e.decision.table;
	act->known = dev; /* read for the decision under the group lock: the intent's and the
	                     binder's "before" too, not read twice more */
	if (group) {
		act->group = dev->iommu_group;
		for (size_t i = 0; i < dev->n_group; i++)
			act->group_members += !dev->group[i].bridge; /* what bind_group binds */
		gr = malloc(sizeof(*gr));
		if (!gr) {
			act_finish(act, NULL, 0, &seq);
			evaluation_done(&e);
			requester_done(&rq);
			return -ENOMEM;
		}
		/* No driver named: each member gets its own best vfio variant. */
		(void)bb_binder_bind_group(bb_daemon_binder(d), dev->address.s, driver, gr);
		results = gr->members;
		n_results = gr->n;
		ok = gr->failure == BB_FAIL_NONE;
		message = gr->message;
	} else {
		(void)bb_binder_bind_known(bb_daemon_binder(d), &pin, dev, e.driver, &single);
		results = &single;
		n_results = 1;
		ok = single.failure == BB_FAIL_NONE;
		message = single.message;
	}
	r = act_finish(act, results, n_results, &seq);
	for (size_t i = 0; i < n_results; i++)
		daemon_audit_result(d, &rq, "bind", &results[i], dev, e.decision.table,
		                    e.decision.rule);
	requester_done(&rq);
	if (act->error < 0 || r < 0) {
		evaluation_done(&e);
		return reply_journal_failure(reply, dev->address.s, act->n > 0 && r < 0,
		                             r < 0 ? r : act->error);
	}

	outcomes = json_object_new_array();
	for (size_t i = 0; i < n_results; i++)
		json_object_array_add(outcomes, outcome_to_json(&results[i]));

	if (!ok) {
		log_warning("bind of %s to %s for uid %u failed: %s", dev->address.s, e.driver,
		            (unsigned)peer->uid, message);
		if (!group)
			reply_binder_failure(reply, dev->address.s, e.driver, &single, outcomes,
			                     seq);
		else
			reply_failed(reply, dev->address.s, e.driver, message, outcomes, seq);
		evaluation_done(&e);
		return 0;
	}

	if (persist) {
		r = 0;
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
	log_info("bound %s to %s for uid %u%s (rule %s, journal seq %" PRIu64 ")", dev->address.s,
	         e.driver, (unsigned)peer->uid, group ? " (whole IOMMU group)" : "",
	         e.decision.rule, seq);

	o = json_object_new_object();
	json_object_object_add(o, "device", json_object_new_string(dev->address.s));
	json_object_object_add(o, "driver", json_object_new_string(e.driver));
	json_object_object_add(o, "decision", decision_to_json(&e.decision));
	json_object_object_add(o, "outcomes", outcomes);
	json_object_object_add(o, "persisted", json_object_new_boolean(persisted));
	if (persist_error)
		json_object_object_add(o, "persist_error", json_object_new_string(persist_error));
	json_object_object_add(o, "journal_seq", seq_json(seq));
	evaluation_done(&e);
	return reply_ok(reply, o);
}

typedef int (*unbinding_op)(bb_binder *b, struct bb_pinned_device *pin,
                            const struct bb_device *before, struct bb_bind_result *ret);

/* Release and quarantine: one device, no target, and the persisted binding goes. */
static int release_or_quarantine(BbDaemon *d, const BbPeer *peer, struct json_object *params,
                                 BbReply *reply, BbAction action, unbinding_op op)
{
	_cleanup_free_ struct bb_device *dev = malloc(sizeof(*dev));
	_cleanup_free_ struct act_ctx *act = malloc(sizeof(*act));
	_cleanup_(bb_pinned_device_close) struct bb_pinned_device pin = BB_PINNED_DEVICE_INIT;
	const char *name = bb_action_to_string(action);
	struct bb_bind_result res;
	struct bb_requester rq;
	struct bb_evaluation e;
	struct json_object *o;
	uint64_t seq;
	int r, jr;

	if (!dev || !act)
		return -ENOMEM;
	if (request_device_pinned(d, params, &pin, dev, reply) < 0)
		return 0;
	if (journal_ready(d, reply) < 0)
		return 0;
	r = requester_init(peer, &rq);
	if (r < 0)
		return r;
	if (evaluate_or_reply(d, &rq, action, dev, NULL, false, &e, reply) < 0) {
		requester_done(&rq);
		return 0;
	}

	act_begin(act, d, name, &rq, e.decision.rule,
	          action == BB_ACTION_QUARANTINE ? BB_QUARANTINE_OVERRIDE : NULL, NULL);
	act->known = dev;
	(void)op(bb_daemon_binder(d), &pin, dev, &res);
	jr = act_finish(act, &res, 1, &seq);
	if (act->n > 0 || res.failure != BB_FAIL_NONE)
		daemon_audit_result(d, &rq, name, &res, dev, NULL, e.decision.rule);
	requester_done(&rq);
	if (act->error < 0 || jr < 0) {
		evaluation_done(&e);
		return reply_journal_failure(reply, dev->address.s, act->n > 0 && jr < 0,
		                             jr < 0 ? jr : act->error);
	}
	if (res.failure != BB_FAIL_NONE) {
		struct json_object *outcomes = json_object_new_array();

		json_object_array_add(outcomes, outcome_to_json(&res));
		log_warning("%s of %s for uid %u failed: %s", name, dev->address.s,
		            (unsigned)peer->uid, res.message);
		evaluation_done(&e);
		return reply_binder_failure(reply, dev->address.s, NULL, &res, outcomes, seq);
	}
	r = bb_overrides_forget(d->state_fd, dev->address.s);
	if (r < 0)
		log_error_errno(r, "%s: forgetting the persisted binding failed: %m",
		                dev->address.s);
	log_info("%s of %s for uid %u: now %s", name, dev->address.s, (unsigned)peer->uid,
	         res.new_driver[0] ? res.new_driver : "no driver");

	o = json_object_new_object();
	json_object_object_add(o, "decision", decision_to_json(&e.decision));
	json_object_object_add(o, "outcome", outcome_to_json(&res));
	json_object_object_add(o, "forgotten", json_object_new_boolean(r >= 0));
	json_object_object_add(o, "journal_seq", seq_json(seq));
	evaluation_done(&e);
	return reply_ok(reply, o);
}

int method_release(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	return release_or_quarantine(d, peer, params, reply, BB_ACTION_RELEASE,
	                             bb_binder_release_known);
}

int method_quarantine(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	return release_or_quarantine(d, peer, params, reply, BB_ACTION_QUARANTINE,
	                             bb_binder_quarantine_known);
}

struct apply_context {
	BbDaemon *d;
	const struct bb_requester *rq;
	struct json_object *denials; /* address -> reason, for entries decide() refused */
	struct json_object *members; /* Verdicts {device, driver, rule} of allowed entries */
};

/* Persisted bindings go through the same decision as a live request. */
static int apply_check(const struct bb_override_entry *entry, void *userdata)
{
	struct apply_context *ctx = userdata;
	_cleanup_free_ struct bb_device *dev = malloc(sizeof(*dev));
	struct bb_evaluation e;
	uint64_t seq;
	int r;

	if (!dev)
		return -ENOMEM;
	r = bb_device_read(ctx->d->sysfs, entry->address.s, dev);
	if (r < 0)
		return r;
	r = evaluate_request(ctx->d, ctx->rq, BB_ACTION_BIND, dev, entry->driver, false, NULL, &e);
	if (r >= 0 && !e.decision.allowed) {
		log_notice("apply: denied %s to %s: %s (rule %s)", entry->address.s, entry->driver,
		           e.decision.reason, e.decision.rule);
		json_object_object_add(ctx->denials, entry->address.s,
		                       json_object_new_string(e.decision.reason));
		record_denial(ctx->d, ctx->rq, BB_ACTION_BIND, &e, &seq);
		audit_denial(ctx->d, ctx->rq, dev, &e);
		r = -EPERM;
	} else if (r >= 0) {
		struct json_object *m = json_object_new_object();

		json_object_object_add(m, "device", json_object_new_string(entry->address.s));
		json_object_object_add(m, "driver", json_object_new_string(entry->driver));
		json_object_object_add(m, "rule", json_object_new_string(e.decision.rule));
		json_object_array_add(ctx->members, m);
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

static bool apply_acted(int action)
{
	return action == BB_APPLY_BOUND || action == BB_APPLY_FAILED ||
	       action == BB_APPLY_QUARANTINED;
}

int method_apply(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	const char *device = bb_varlink_get_string(params, "device");
	_cleanup_free_ struct bb_overrides *ov = malloc(sizeof(*ov));
	_cleanup_free_ struct bb_apply_report *report = malloc(sizeof(*report));
	_cleanup_free_ struct act_ctx *act = malloc(sizeof(*act));
	_cleanup_free_ struct bb_bind_result *results = NULL;
	struct apply_context ctx = {.d = d};
	struct json_object *o, *items;
	struct bb_requester rq;
	size_t n_results = 0;
	bb_address only;
	char err[256] = "";
	uint64_t seq;
	int r, jr;

	if (!ov || !report || !act)
		return -ENOMEM;
	if (device && bb_address_parse(device, &only) < 0)
		return reply_invalid_argument(
		    reply, "device", "invalid device address: expected DDDD:BB:DD.F (hex)");
	if (journal_ready(d, reply) < 0)
		return 0;
	r = bb_overrides_load(d->state_fd, ov, err, sizeof(err));
	if (r < 0)
		return reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL,
		                          "loading persisted bindings: %s",
		                          err[0] ? err : strerror(-r));
	r = requester_init(peer, &rq);
	if (r < 0)
		return r;

	ctx.rq = &rq;
	ctx.denials = json_object_new_object();
	ctx.members = json_object_new_array();
	act_begin(act, d, "apply", &rq, NULL, NULL, ctx.members);
	r = bb_overrides_apply(bb_daemon_binder(d), ov, device ? only.s : NULL, apply_check, &ctx,
	                       report);

	results = calloc(ARRAY_SIZE(report->items), sizeof(*results));
	for (size_t i = 0; results && i < report->n && i < ARRAY_SIZE(report->items); i++)
		if (apply_acted(report->items[i].action))
			results[n_results++] = report->items[i].result;
	jr = act_finish(act, results, n_results, &seq);
	for (size_t i = 0; i < n_results; i++)
		daemon_audit_result(d, &rq,
		                    results[i].target[0] &&
		                            !streq(results[i].target, BB_QUARANTINE_OVERRIDE)
		                        ? "bind"
		                        : "quarantine",
		                    &results[i], NULL, NULL, NULL);
	requester_done(&rq);
	json_object_put(ctx.members);
	if (act->error < 0 || jr < 0) {
		json_object_put(ctx.denials);
		return reply_journal_failure(reply, device ? device : "apply", act->n > 0 && jr < 0,
		                             jr < 0 ? jr : act->error);
	}
	if (r < 0 && r != -EIO) {
		json_object_put(ctx.denials);
		return reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL,
		                          "applying persisted bindings: %s", strerror(-r));
	}

	items = json_object_new_array();
	for (size_t i = 0; i < report->n && i < ARRAY_SIZE(report->items); i++) {
		const struct bb_apply_item *it = &report->items[i];
		struct json_object *io = json_object_new_object(), *reason = NULL;

		json_object_object_add(io, "device", json_object_new_string(it->address.s));
		json_object_object_add(io, "action",
		                       json_object_new_string(apply_action_to_string(it->action)));
		json_object_object_add(
		    io, "outcome", apply_acted(it->action) ? outcome_to_json(&it->result) : NULL);
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
	json_object_object_add(o, "journal_seq", seq_json(seq));
	return reply_ok(reply, o);
}
