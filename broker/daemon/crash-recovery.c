/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Crash recovery at start-up. bb_journal_open() gives each intent left without result an
 * outcome-unknown record naming the device's driver now (recovery_read_state). Then
 * start-up finishes the job: for each such intent it looks at the device and
 *   - on the intent's new state (its target driver, the host's driver after a
 *     release, no driver under the quarantine override): journals that the
 *     operation completed, observed at recovery;
 *   - on its old driver with its old override: journals that it was not done
 *     (or rolled back), observed at recovery;
 *   - else (no driver, or another override than the old one): puts it back to
 *     the recorded old driver and override with bb_binder_restore (the
 *     rollback's narrow sequence, verified) and journals how that went.
 * A whole-group bind (intents with group=N) is all or nothing: unless every member it
 * was to bind got there, the members found bound are restored too.
 * Each is its own pair of records, requester bindbrokerd-recovery: an intent
 * (op=recover, recovers=SEQ of the crashed intent, action=observe|restore),
 * durable before any write, and its result (recovery=completed|not-done|
 * restored|restore-failed). A device that could not be restored stays listed
 * as outcome-unknown in status, for an operator (Restore, release).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon-glue.h"
#include "daemon.h"

#define JOURNAL_DIR "journal"

#define RECOVERY_REQUESTER "bindbrokerd-recovery"
#define RECOVERY_RULE      "crash-recovery"

struct crashed {
	uint64_t seq;
	uint64_t origin; /* the first crashed intent: SEQ, or what a crashed recovery recovered */
	bb_address address;
	/* As recorded (bb_binder_restore checks the names before it writes). */
	char op[BB_JOURNAL_VALUE_MAX + 1];
	char old_driver[BB_JOURNAL_VALUE_MAX + 1];
	char old_override[BB_JOURNAL_VALUE_MAX + 1];
	char target[BB_JOURNAL_VALUE_MAX + 1];
	char group[16];          /* a whole-group bind's IOMMU group, "" otherwise */
	unsigned long group_members; /* the members that bind was to bind */
	bool group_judged;       /* its group was looked at (mark_unfinished_groups) */
	bool undo;               /* its group did not get there whole: restore it too */
};

static void copy_field(const struct bb_record *r, const char *key, char *out, size_t size)
{
	const char *v = bb_record_get(r, key);

	snprintf(out, size, "%s", v ? v : "");
}

static void add_outcome_unknown(BbDaemon *d, const char *address, uint64_t seq, const char *now)
{
	size_t len = strlen(d->outcome_unknown_list);

	d->outcome_unknown++;
	snprintf(d->outcome_unknown_list + len, sizeof(d->outcome_unknown_list) - len,
	         "%s%s(intent %" PRIu64 ", now %s)", len ? " " : "", address, seq, now);
}

/* At open: the driver an intent's device has now, and the intent kept for recover_crashed(). */
int recovery_read_state(const struct bb_record *intent, char *driver, size_t size, void *userdata)
{
	struct recovery *rec = userdata;
	const char *device = bb_record_get(intent, "device");
	struct crashed *c;
	bb_address a;
	int r;

	if (!device || bb_address_parse(device, &a) < 0) {
		add_outcome_unknown(rec->d, device ? "(bad address)" : "(no device)", intent->seq,
		                    "unreadable");
		return -EINVAL;
	}
	r = bb_device_read_driver(rec->d->sysfs, &a, driver, size);
	log_warning("recovery: %s of %s (intent %" PRIu64 ") has no result: the device is now on "
	            "%s",
	            bb_record_get(intent, "op") ?: "?", a.s, intent->seq,
	            r < 0     ? "an unreadable driver"
	            : *driver ? driver
	                      : "no driver");
	c = rec->n < BB_JOURNAL_PENDING_MAX ? reallocarray(rec->list, rec->n + 1, sizeof(*c))
	                                    : NULL;
	if (!c) {
		add_outcome_unknown(rec->d, a.s, intent->seq, "not recovered");
		return r;
	}
	rec->list = c;
	c = &rec->list[rec->n++];
	memset(c, 0, sizeof(*c));
	c->seq = intent->seq;
	c->address = a;
	copy_field(intent, "op", c->op, sizeof(c->op));
	copy_field(intent, "old-driver", c->old_driver, sizeof(c->old_driver));
	copy_field(intent, "old-override", c->old_override, sizeof(c->old_override));
	copy_field(intent, "target", c->target, sizeof(c->target));
	copy_field(intent, "group", c->group, sizeof(c->group));
	if (c->group[0])
		c->group_members = strtoul(bb_record_get(intent, "group-members") ?: "0", NULL, 10);
	c->origin = c->seq;
	if (streq(c->op, "recover")) {
		/* A recovery that crashed itself: its goal is still the state it was after. */
		const char *action = bb_record_get(intent, "action"), *v;

		if (action && streq(action, "restore")) {
			copy_field(intent, "target", c->old_driver, sizeof(c->old_driver));
			copy_field(intent, "target-override", c->old_override,
			           sizeof(c->old_override));
		}
		v = bb_record_get(intent, "recovers");
		if (v)
			c->origin = strtoull(v, NULL, 10);
	}
	return r;
}

enum seen { SEEN_COMPLETED, SEEN_NOT_DONE, SEEN_OTHER };

/* Where the crashed operation C left the device NOW. */
static enum seen classify(const struct crashed *c, const struct bb_device *now)
{
	const char *drv = now->driver, *ovr = now->driver_override;

	if (now->override_unusual)
		return SEEN_OTHER;
	if (streq(c->op, "recover"))
		return streq(drv, c->old_driver) && streq(ovr, c->old_override) ? SEEN_COMPLETED
		                                                                : SEEN_OTHER;
	if (streq(drv, c->old_driver) && streq(ovr, c->old_override))
		return SEEN_NOT_DONE;
	if (streq(c->op, "quarantine"))
		return !drv[0] && streq(ovr, BB_QUARANTINE_OVERRIDE) ? SEEN_COMPLETED : SEEN_OTHER;
	if (streq(c->op, "release"))
		return drv[0] && !ovr[0] ? SEEN_COMPLETED : SEEN_OTHER;
	if (streq(c->op, "restore"))
		return c->target[0] && streq(drv, c->target) ? SEEN_COMPLETED : SEEN_OTHER;
	/* bind, apply: the binder pins the override to the target before it probes. */
	return c->target[0] && streq(drv, c->target) && streq(ovr, c->target) ? SEEN_COMPLETED
	                                                                      : SEEN_OTHER;
}

/* C's device is where C was taking it. */
static bool reached_target(BbDaemon *d, const struct crashed *c)
{
	_cleanup_free_ struct bb_device *now = malloc(sizeof(*now));

	return now && bb_device_read_basic(d->sysfs, &c->address, now) >= 0 &&
	       classify(c, now) == SEEN_COMPLETED;
}

/*
 * A whole-group bind is all or nothing, as the binder's own rollback makes it when a member
 * fails: a crash may have cut it with some members bound (each has its crashed intent) and
 * others not yet reached (no intent at all). Unless every member it was to bind has an intent
 * here and is on its target, all of that group's members are restored, not only the half-done.
 */
static void mark_unfinished_groups(BbDaemon *d, struct recovery *rec)
{
	for (size_t i = 0; i < rec->n; i++) {
		struct crashed *c = &rec->list[i];
		unsigned long reached = 0;
		bool all_there = true;

		if (!c->group[0] || c->group_judged)
			continue;
		for (size_t j = i; j < rec->n; j++) {
			const struct crashed *m = &rec->list[j];

			if (streq(m->group, c->group) && streq(m->op, c->op)) {
				reached++;
				all_there = all_there && reached_target(d, m);
			}
		}
		for (size_t j = i; j < rec->n; j++) {
			struct crashed *m = &rec->list[j];

			if (streq(m->group, c->group) && streq(m->op, c->op)) {
				m->group_judged = true;
				m->undo = reached != c->group_members || !all_there;
			}
		}
		if (c->undo)
			log_notice("recovery: the bind of IOMMU group %s reached %lu of its %lu "
			           "member(s)%s: undoing all of it",
			           c->group, reached, c->group_members,
			           all_there ? "" : ", not all of them on their target");
	}
}

/* The Linux audit op of a crashed operation (audit knows bind, release, quarantine). */
static const char *audit_op(const char *op)
{
	if (streq(op, "release") || streq(op, "quarantine"))
		return op;
	if (streq(op, "restore") || streq(op, "recover"))
		return "release";
	return "bind";
}

/* Appends the recovery's intent for C (durable before any write). */
static int recovery_intent(BbDaemon *d, const struct crashed *c, const struct bb_device *now,
                           bool restore, uint64_t *ret_seq)
{
	char seq[24], override[BB_DRIVER_NAME_MAX + 1];
	struct bb_kv kv[11];
	size_t n = 0;
	int r;

	snprintf(seq, sizeof(seq), "%" PRIu64, c->origin);
	kv[n++] = (struct bb_kv){"device", c->address.s};
	kv[n++] = (struct bb_kv){"op", "recover"};
	kv[n++] = (struct bb_kv){"recovers", seq};
	if (c->op[0])
		kv[n++] = (struct bb_kv){"crashed-op", c->op};
	kv[n++] = (struct bb_kv){"action", restore ? "restore" : "observe"};
	kv[n++] = (struct bb_kv){"requester", RECOVERY_REQUESTER};
	kv[n++] = (struct bb_kv){"rule", RECOVERY_RULE};
	if (now && now->driver[0])
		kv[n++] = (struct bb_kv){"old-driver", now->driver};
	if (now && now->driver_override[0]) {
		journal_value(now->driver_override, override, sizeof(override));
		kv[n++] = (struct bb_kv){"old-override", override};
	}
	if (restore && c->old_driver[0])
		kv[n++] = (struct bb_kv){"target", c->old_driver};
	if (restore && c->old_override[0])
		kv[n++] = (struct bb_kv){"target-override", c->old_override};
	pthread_mutex_lock(&d->journal_lock);
	r = bb_journal_append_intent(d->journal, kv, n, ret_seq);
	pthread_mutex_unlock(&d->journal_lock);
	return r;
}

/* Appends the recovery's result: RECOVERY says what was found or done, NEW_DRIVER where it is. */
static int recovery_result(BbDaemon *d, const struct crashed *c, uint64_t intent_seq,
                           const char *recovery, const char *new_driver,
                           const struct bb_bind_result *res)
{
	char seq[24], failure[64];
	struct bb_kv kv[9];
	size_t n = 0;
	bool ok = !res || res->failure == BB_FAIL_NONE;
	int r;

	snprintf(seq, sizeof(seq), "%" PRIu64, c->origin);
	kv[n++] = (struct bb_kv){"device", c->address.s};
	kv[n++] = (struct bb_kv){"outcome", ok ? "ok" : "failed"};
	kv[n++] = (struct bb_kv){"recovery", recovery};
	kv[n++] = (struct bb_kv){"recovers", seq};
	kv[n++] = (struct bb_kv){"requester", RECOVERY_REQUESTER};
	kv[n++] = (struct bb_kv){"observed", "at-recovery"};
	if (new_driver && new_driver[0])
		kv[n++] = (struct bb_kv){"new-driver", new_driver};
	if (res && !ok) {
		journal_value(bb_failure_to_string(res->failure), failure, sizeof(failure));
		kv[n++] = (struct bb_kv){"failure", failure};
	}
	kv[n++] = (struct bb_kv){"rollback", !res || !res->rollback_attempted ? "none"
	                                     : res->rollback_ok               ? "ok"
	                                                                      : "failed"};
	pthread_mutex_lock(&d->journal_lock);
	r = bb_journal_append_result(d->journal, intent_seq, kv, n, NULL);
	pthread_mutex_unlock(&d->journal_lock);
	return r;
}

/* Recovers one crashed intent. Returns the journal's error (stop), else 0. */
static int recover_one(BbDaemon *d, bb_binder *b, const struct crashed *c)
{
	_cleanup_free_ struct bb_device *now = malloc(sizeof(*now));
	struct bb_bind_result res;
	enum seen seen;
	uint64_t seq;
	int r;

	if (!now)
		return -ENOMEM;
	r = bb_device_read_basic(d->sysfs, &c->address, now);
	if (r < 0) {
		log_warning_errno(r,
		                  "recovery: %s (intent %" PRIu64 ") cannot be read (%m); left "
		                  "as outcome unknown",
		                  c->address.s, c->seq);
		add_outcome_unknown(d, c->address.s, c->seq, "unreadable");
		return 0;
	}
	seen = classify(c, now);
	if (c->undo && seen == SEEN_COMPLETED)
		seen = SEEN_OTHER; /* bound, but its group was not: back with the rest */
	r = recovery_intent(d, c, now, seen == SEEN_OTHER, &seq);
	if (r < 0) {
		add_outcome_unknown(d, c->address.s, c->seq, "not recovered: journal failed");
		return log_error_errno(r, "recovery: the intent for %s is not durable: %m",
		                       c->address.s);
	}
	if (seen != SEEN_OTHER) {
		const char *what = seen == SEEN_COMPLETED ? "completed" : "not-done";

		r = recovery_result(d, c, seq, what, now->driver, NULL);
		log_notice("recovery: %s of %s (intent %" PRIu64 ") %s; the device is on %s", c->op,
		           c->address.s, c->seq,
		           seen == SEEN_COMPLETED ? "had completed" : "was not done or rolled back",
		           now->driver[0] ? now->driver : "no driver");
		(void)daemon_audit_event(
		    d, NULL, audit_op(c->op), now, NULL, now->driver, NULL, RECOVERY_RULE,
		    seen == SEEN_COMPLETED ? "crash-recovery-completed" : "crash-recovery-not-done",
		    true);
	} else {
		(void)bb_binder_restore(b, c->address.s, c->old_driver, c->old_override, &res);
		r = recovery_result(d, c, seq,
		                    res.failure == BB_FAIL_NONE ? "restored" : "restore-failed",
		                    res.new_driver, &res);
		(void)daemon_audit_result(d, NULL, "release", &res, now, NULL, RECOVERY_RULE);
		if (res.failure == BB_FAIL_NONE) {
			log_notice("recovery: %s of %s (intent %" PRIu64 ") left it half done; "
			           "restored: %s",
			           c->op, c->address.s, c->seq, res.message);
		} else {
			log_error("recovery: %s of %s (intent %" PRIu64 ") left it half done and "
			          "the restore failed: %s; left as outcome unknown (Restore or "
			          "release)",
			          c->op, c->address.s, c->seq, res.message);
			add_outcome_unknown(d, c->address.s, c->seq,
			                    res.new_driver[0] ? res.new_driver : "no driver");
		}
	}
	if (r < 0)
		return log_error_errno(r, "recovery: the result for %s is not durable: %m",
		                       c->address.s);
	return 0;
}

static void recover_crashed(BbDaemon *d, struct recovery *rec)
{
	struct bb_binder_options bo = {
	    .verify_timeout_ms = d->config.bind_verify_timeout_ms,
	    .observer = journal_step_observer, /* logs the restore steps; holds none up */
	};
	bb_binder *b = NULL;
	size_t i = 0;
	int r;

	if (rec->n == 0)
		return;
	mark_unfinished_groups(d, rec);
	r = bb_binder_new(d->sysfs, d->modules, &bo, &b);
	if (r >= 0)
		for (; i < rec->n; i++)
			if (recover_one(d, b, &rec->list[i]) < 0) {
				i++;
				break;
			}
	/* What was not reached (no binder, or the journal failed) stays outcome unknown. */
	for (; i < rec->n; i++)
		add_outcome_unknown(d, rec->list[i].address.s, rec->list[i].seq, "not recovered");
	bb_binder_free(b);
}

/*
 * Devices an earlier start could not restore (a failed recovery, and no operation on the
 * device since) stay listed as outcome-unknown across restarts until an operator acts. The
 * journal is read as Restore reads it (methods-restore.c): a device's own intent ends it, an
 * outcome-unknown starts it, recovery's ok result for that intent ends it.
 */
#define LEFT_MAX 256

struct left_device {
	bb_address address;
	uint64_t seq;
	bool pending;
};

struct left_scan {
	struct left_device v[LEFT_MAX];
	size_t n;
};

static int left_record(const struct bb_record *r, void *userdata)
{
	struct left_scan *s = userdata;
	const char *dev = bb_record_get(r, "device"), *op = bb_record_get(r, "op"), *v, *outcome;
	struct left_device *l = NULL;
	bb_address a;

	if (!dev || bb_address_parse(dev, &a) < 0)
		return 0;
	for (size_t i = 0; i < s->n && !l; i++)
		if (streq(s->v[i].address.s, a.s))
			l = &s->v[i];
	switch (r->type) {
	case BB_REC_INTENT:
		if (l && !(op && streq(op, "recover")))
			l->pending = false;
		break;
	case BB_REC_OUTCOME_UNKNOWN:
		v = bb_record_get(r, "intent");
		if (!v || (op && streq(op, "recover")))
			break;
		if (!l && s->n < LEFT_MAX) {
			l = &s->v[s->n++];
			l->address = a;
		}
		if (l) {
			l->pending = true;
			l->seq = strtoull(v, NULL, 10);
		}
		break;
	case BB_REC_RESULT:
		v = bb_record_get(r, "recovers");
		outcome = bb_record_get(r, "outcome");
		if (l && l->pending && v && strtoull(v, NULL, 10) == l->seq && outcome &&
		    streq(outcome, "ok"))
			l->pending = false;
		break;
	default:
		break;
	}
	return 0;
}

static void list_left_devices(BbDaemon *d)
{
	_cleanup_free_ struct left_scan *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return;
	r = bb_journal_foreach(d->state_fd, JOURNAL_DIR, NULL, left_record, s);
	if (r < 0) {
		log_warning_errno(r, "recovery: cannot read the journal for devices left: %m");
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		char key[BB_PCI_ADDRESS_LEN + 2];

		if (!s->v[i].pending)
			continue;
		/* Listed already when this start's recovery failed on it. */
		snprintf(key, sizeof(key), "%s(", s->v[i].address.s);
		if (strstr(d->outcome_unknown_list, key))
			continue;
		add_outcome_unknown(d, s->v[i].address.s, s->v[i].seq, "not restored earlier");
	}
}

void recovery_finish(struct recovery *rec)
{
	recover_crashed(rec->d, rec);
	free(rec->list);
	rec->list = NULL;
	rec->n = 0;
	list_left_devices(rec->d);
}
