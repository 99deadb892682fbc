/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Restore (acting): the operator's way back for a device that crash recovery
 * could not put right by itself.
 *
 * After a crash, start-up recovery (journal-glue.c) handles every intent left
 * without result: the journal gets its outcome-unknown record, then a
 * recovery intent and result by requester bindbrokerd-recovery (op=recover,
 * recovers=SEQ): the device is found on its new driver (recovery=completed),
 * on its old driver and override (recovery=not-done), or is put back to its
 * intent's old-driver/old-override with bb_binder_restore (recovery=restored).
 * Only when that restore fails (recovery=restore-failed: the old driver is
 * gone, the device changed, ...) does the device stay listed as outcome-unknown
 * in status. Restore(device) then puts it back to the state the crashed intent
 * recorded, with the same binder call, as a journaled request (op=restore).
 * Release and bind are the other ways out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-glue.h"
#include "daemon.h"

#define KEPT_INTENTS 64
#define MIN_N(a, b)  ((a) < (b) ? (a) : (b))

struct kept_intent {
	uint64_t seq;
	char old_driver[BB_DRIVER_NAME_MAX + 1];
	char old_override[BB_DRIVER_NAME_MAX + 1];
};

struct restore_scan {
	struct kept_intent intents[KEPT_INTENTS]; /* the device's newest intents (a ring) */
	size_t n;
	bool pending;         /* an outcome-unknown with no operation after it */
	uint64_t pending_seq; /* its intent */
};

static int scan_record(const struct bb_record *r, void *userdata)
{
	struct restore_scan *s = userdata;
	const char *v;

	if (r->type == BB_REC_INTENT) {
		struct kept_intent *k;

		/* Crash recovery's own intents restore the crashed one; they supersede nothing. */
		v = bb_record_get(r, "op");
		if (v && streq(v, "recover"))
			return 0;
		k = &s->intents[s->n++ % KEPT_INTENTS];

		k->seq = r->seq;
		v = bb_record_get(r, "old-driver");
		snprintf(k->old_driver, sizeof(k->old_driver), "%s", v ? v : "");
		v = bb_record_get(r, "old-override");
		snprintf(k->old_override, sizeof(k->old_override), "%s", v ? v : "");
		s->pending = false; /* a later operation supersedes the crashed one */
	} else if (r->type == BB_REC_RESULT) {
		/* Recovery at start-up found or put the device right: nothing left to restore. */
		const char *outcome = bb_record_get(r, "outcome");

		v = bb_record_get(r, "recovers");
		if (v && s->pending && strtoull(v, NULL, 10) == s->pending_seq && outcome &&
		    streq(outcome, "ok"))
			s->pending = false;
	} else if (r->type == BB_REC_OUTCOME_UNKNOWN) {
		/* A crashed recovery's outcome-unknown: the crashed operation stays pending. */
		v = bb_record_get(r, "op");
		if (v && streq(v, "recover"))
			return 0;
		v = bb_record_get(r, "intent");
		if (v) {
			s->pending = true;
			s->pending_seq = strtoull(v, NULL, 10);
		}
	}
	return 0;
}

int method_restore(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	_cleanup_free_ struct bb_device *dev = malloc(sizeof(*dev));
	_cleanup_free_ struct restore_scan *scan = calloc(1, sizeof(*scan));
	_cleanup_free_ struct act_ctx *act = malloc(sizeof(*act));
	struct bb_journal_filter filter = {0};
	const struct kept_intent *k = NULL;
	struct bb_bind_result res;
	struct bb_requester rq;
	struct json_object *o;
	uint64_t seq;
	int r, jr;

	if (!dev || !scan || !act)
		return -ENOMEM;
	if (request_device(d, params, dev, reply) < 0)
		return 0;
	if (journal_ready(d, reply) < 0)
		return 0;
	filter.device = dev->address.s;
	r = bb_journal_foreach(d->state_fd, "journal", &filter, scan_record, scan);
	if (r < 0 && r != -ENOENT)
		return reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL,
		                          "reading the journal: %s", strerror(-r));
	for (size_t i = 0; scan->pending && i < MIN_N(scan->n, KEPT_INTENTS); i++)
		if (scan->intents[i].seq == scan->pending_seq)
			k = &scan->intents[i];
	if (!k)
		return reply_invalid_argument(
		    reply, "device",
		    "%s has no operation of unknown outcome to restore "
		    "(no outcome-unknown record since its last operation)",
		    dev->address.s);

	r = requester_init(peer, &rq);
	if (r < 0)
		return r;
	act_begin(act, d, "restore", &rq, "restore-recorded-state",
	          k->old_driver[0] ? k->old_driver : NULL, NULL);
	/* The binder announces restore steps as rollback steps, which the observer never holds
	 * up: the intent goes first here, and nothing is done without it. */
	r = act_intent(act, dev->address.s, NULL);
	if (r < 0) {
		act_finish(act, NULL, 0, &seq);
		requester_done(&rq);
		return reply_error_reason(reply, BB_DAEMON_ERROR_AUDIT_UNAVAILABLE,
		                          "%s: the intent record could not be made durable (%s); "
		                          "nothing was changed",
		                          dev->address.s, strerror(-r));
	}
	(void)bb_binder_restore(bb_daemon_binder(d), dev->address.s, k->old_driver, k->old_override,
	                        &res);
	jr = act_finish(act, &res, 1, &seq);
	daemon_audit_result(d, &rq, "release", &res, dev, NULL, "restore-recorded-state");
	requester_done(&rq);
	if (act->error < 0 || jr < 0)
		return reply_error_reason(reply, BB_DAEMON_ERROR_AUDIT_UNAVAILABLE,
		                          "%s: the journal cannot take the restore (%s)",
		                          dev->address.s, strerror(-(jr < 0 ? jr : act->error)));
	log_notice("restore of %s to the state of intent %" PRIu64 " for uid %u: %s",
	           dev->address.s, k->seq, (unsigned)peer->uid, res.message);

	o = json_object_new_object();
	json_object_object_add(o, "intent", json_object_new_int64((int64_t)k->seq));
	json_object_object_add(o, "outcome", outcome_to_json(&res));
	json_object_object_add(o, "journal_seq",
	                       seq == UINT64_MAX ? NULL : json_object_new_int64((int64_t)seq));
	if (res.failure != BB_FAIL_NONE) {
		struct json_object *e = json_object_new_object(),
		                   *outcomes = json_object_new_array();

		json_object_put(o);
		json_object_array_add(outcomes, outcome_to_json(&res));
		json_object_object_add(e, "device", json_object_new_string(dev->address.s));
		json_object_object_add(e, "driver", NULL);
		json_object_object_add(e, "reason", json_object_new_string(res.message));
		json_object_object_add(e, "outcomes", outcomes);
		json_object_object_add(e, "journal_seq",
		                       seq == UINT64_MAX ? NULL
		                                         : json_object_new_int64((int64_t)seq));
		return reply_error(reply, BB_BROKER_ERROR_OPERATION_FAILED, e);
	}
	return reply_ok(reply, o);
}
