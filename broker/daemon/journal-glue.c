/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The write-ahead journal of STATE/journal (audit/bb-journal.h) as the daemon
 * uses it: an intent record durable before the first sysfs write of each
 * device (the binder's step observer), a result record durable before the
 * reply, refusals, table installs and policy reloads. The handle is used by
 * one thread at a time (journal_lock). A journal that fails a write or an
 * fsync, or that was found tampered with at start, stops every acting call;
 * read-only calls go on.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon-glue.h"
#include "daemon.h"

#define JOURNAL_DIR    "journal"
#define JOURNAL_KEY    "journal.key"
#define MIN_SIZE(a, b) ((a) < (b) ? (a) : (b))

/* The request the calling thread is acting for (the observer's way to its context). */
static _Thread_local struct act_ctx *current_act;

void journal_value(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = in; p && *p && n + 1 < size && n < BB_JOURNAL_VALUE_MAX; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || strchr("._:,/@+=-", c);
		out[n++] = ok ? c : '_';
	}
	if (n == 0 && size > 1)
		out[n++] = '-';
	out[n] = '\0';
}

int daemon_journal_init(BbDaemon *d)
{
	struct recovery rec = {.d = d};
	struct bb_journal_options jo = {
	    .key_dirfd = d->state_fd,
	    .key_path = JOURNAL_KEY,
	    .checkpoint_every = d->config.checkpoint_every_records,
	    .checkpoint_secs = d->config.checkpoint_every_seconds,
	    .read_state = recovery_read_state,
	    .userdata = &rec,
	    .append_only = true, /* chattr +a where the file system has it (status says) */
	};
	struct bb_journal_problem problem = {0};
	int r;

	r = bb_journal_open(d->state_fd, JOURNAL_DIR, &jo, &d->journal, &problem);
	if (r == -EBADMSG) {
		snprintf(d->journal_problem, sizeof(d->journal_problem),
		         "the journal %s/%s is damaged or tampered with at seq %" PRIu64
		         " (byte %" PRIu64 "): %s; acting is refused until an operator repairs it",
		         d->opts.state_dir, JOURNAL_DIR, problem.seq, problem.offset, problem.what);
		log_error("%s", d->journal_problem);
		d->journal = NULL;
		free(rec.list);
		return 0; /* read-only calls keep working */
	}
	if (r < 0)
		free(rec.list);
	if (r == -EBUSY)
		return log_error_errno(r, "another broker holds the journal %s/%s: %m",
		                       d->opts.state_dir, JOURNAL_DIR);
	if (r < 0)
		return log_error_errno(r, "cannot open the journal %s/%s: %m", d->opts.state_dir,
		                       JOURNAL_DIR);
	recovery_finish(&rec);
	if (d->outcome_unknown)
		log_warning("recovery: %u intent(s) of unknown outcome left for an operator: %s",
		            d->outcome_unknown, d->outcome_unknown_list);
	log_info("journal %s/%s: next seq %" PRIu64, d->opts.state_dir, JOURNAL_DIR,
	         bb_journal_next_seq(d->journal));
	return 0;
}

void daemon_journal_close(BbDaemon *d)
{
	int r;

	if (!d->journal)
		return;
	pthread_mutex_lock(&d->journal_lock);
	r = bb_journal_close(d->journal);
	d->journal = NULL;
	pthread_mutex_unlock(&d->journal_lock);
	if (r < 0)
		log_error_errno(r, "closing the journal (final checkpoint): %m");
}

void daemon_journal_tick(BbDaemon *d)
{
	struct timespec ts;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&d->journal_lock);
	if (d->journal && !bb_journal_failed(d->journal))
		r = bb_journal_tick(d->journal,
		                    (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	pthread_mutex_unlock(&d->journal_lock);
	if (r < 0)
		log_error_errno(r, "journal checkpoint failed: %m");
}

int journal_ready(BbDaemon *d, BbReply *reply)
{
	bool failed;

	pthread_mutex_lock(&d->journal_lock);
	failed = d->journal && bb_journal_failed(d->journal);
	pthread_mutex_unlock(&d->journal_lock);
	if (!d->journal) {
		reply_error_reason(reply, BB_DAEMON_ERROR_AUDIT_UNAVAILABLE, "%s",
		                   d->journal_problem[0] ? d->journal_problem
		                                         : "the journal is not open");
		return -EIO;
	}
	if (atomic_load(&d->audit_failed)) {
		reply_error_reason(reply, BB_DAEMON_ERROR_AUDIT_UNAVAILABLE,
		                   "audit = required and Linux audit refused a record; nothing is "
		                   "done until bindbrokerd is restarted");
		return -EIO;
	}
	if (failed) {
		reply_error_reason(
		    reply, BB_DAEMON_ERROR_AUDIT_UNAVAILABLE,
		    "the journal %s/%s failed a write or fsync; nothing is done until "
		    "bindbrokerd is restarted",
		    d->opts.state_dir, JOURNAL_DIR);
		return -EIO;
	}
	return 0;
}

int journal_note(BbDaemon *d, enum bb_record_type type, const struct bb_kv *kv, size_t n,
                 uint64_t *ret_seq)
{
	int r;

	pthread_mutex_lock(&d->journal_lock);
	r = d->journal ? bb_journal_append(d->journal, type, kv, n, ret_seq) : -EIO;
	pthread_mutex_unlock(&d->journal_lock);
	if (r < 0)
		log_error_errno(r, "journal: cannot append a %s record: %m",
		                bb_record_type_name(type));
	return r;
}

void act_begin(struct act_ctx *a, BbDaemon *d, const char *op, const struct bb_requester *rq,
               const char *rule, const char *target, struct json_object *members)
{
	a->d = d;
	a->op = op;
	a->rq = rq;
	a->rule = rule;
	a->target = target && *target ? target : NULL;
	a->members = members;
	a->table = NULL;
	a->known = NULL;
	a->group = -1;
	a->group_members = 0;
	a->error = 0;
	a->n = 0;
	current_act = a;
}

/* KEY of the Verdict of ADDRESS in A's members, or NULL. */
static const char *member_field(const struct act_ctx *a, const char *address, const char *key)
{
	for (size_t i = 0; a->members && i < json_object_array_length(a->members); i++) {
		struct json_object *m = json_object_array_get_idx(a->members, i), *v;

		if (json_object_object_get_ex(m, "device", &v) &&
		    streq(json_object_get_string(v), address) &&
		    json_object_object_get_ex(m, key, &v) && json_object_get_string(v))
			return json_object_get_string(v);
	}
	return NULL;
}

/* The target of the step's device: the request's driver, else its Verdict's, else the override. */
static const char *act_target(const struct act_ctx *a, const char *address,
                              const struct bb_step *step)
{
	const char *t;

	if (a->target)
		return a->target;
	t = member_field(a, address, "driver");
	if (t)
		return t;
	if (step && streq(step->name, "override") && step->value && *step->value != '\n')
		return step->value;
	return NULL;
}

/* Appends A's durable intent for ADDRESS (once per device); STEP may be NULL. */
int act_intent(struct act_ctx *a, const char *address, const struct bb_step *step)
{
	BbDaemon *d = a->d;
	_cleanup_free_ struct bb_device *dev = NULL;
	struct bb_kv kv[13];
	char uid[16], pid[16], auid[16], rule[BB_JOURNAL_VALUE_MAX + 1], group[16], members[16];
	char override[BB_DRIVER_NAME_MAX + 1] = "";
	const char *target;
	size_t n = 0;
	bb_address addr;
	uint64_t seq;
	int r;

	for (size_t i = 0; i < a->n; i++)
		if (streq(a->intents[i].address.s, address))
			return 0;
	if (a->n >= ACT_MAX_INTENTS)
		return -E2BIG;
	r = bb_address_parse(address, &addr);
	if (r < 0)
		return r;
	/* The facts the decision was made on (read under the same group lock), else read now. */
	if (!a->known || !streq(a->known->address.s, addr.s)) {
		dev = malloc(sizeof(*dev));
		if (!dev)
			return -ENOMEM;
		r = bb_device_read_basic(d->sysfs, &addr, dev);
		if (r < 0)
			return r;
	}
	const struct bb_device *before = dev ? dev : a->known;

	kv[n++] = (struct bb_kv){"device", addr.s};
	kv[n++] = (struct bb_kv){"op", a->op};
	if (before->driver[0])
		kv[n++] = (struct bb_kv){"old-driver", before->driver};
	if (before->driver_override[0]) {
		journal_value(before->driver_override, override, sizeof(override));
		kv[n++] = (struct bb_kv){"old-override", override};
	}
	target = act_target(a, addr.s, step);
	if (target)
		kv[n++] = (struct bb_kv){"target", target};
	if (a->rq) {
		snprintf(uid, sizeof(uid), "%u", (unsigned)a->rq->uid);
		snprintf(pid, sizeof(pid), "%d", (int)a->rq->pid);
		kv[n++] = (struct bb_kv){"uid", uid};
		kv[n++] = (struct bb_kv){"pid", pid};
		if (a->rq->loginuid != UINT32_MAX) {
			snprintf(auid, sizeof(auid), "%u", a->rq->loginuid);
			kv[n++] = (struct bb_kv){"auid", auid};
		}
	}
	if (a->rule || member_field(a, addr.s, "rule")) {
		journal_value(a->rule ?: member_field(a, addr.s, "rule"), rule, sizeof(rule));
		kv[n++] = (struct bb_kv){"rule", rule};
	}
	if (a->table && *a->table)
		kv[n++] = (struct bb_kv){"table", a->table};
	/* A whole-group bind: crash recovery undoes all of it unless every member got there. */
	if (a->group >= 0) {
		snprintf(group, sizeof(group), "%d", a->group);
		snprintf(members, sizeof(members), "%zu", a->group_members);
		kv[n++] = (struct bb_kv){"group", group};
		kv[n++] = (struct bb_kv){"group-members", members};
	}

	pthread_mutex_lock(&d->journal_lock);
	r = d->journal ? bb_journal_append_intent(d->journal, kv, n, &seq) : -EIO;
	pthread_mutex_unlock(&d->journal_lock);
	if (r < 0) {
		a->error = r;
		return log_error_errno(r, "journal: intent for %s not durable, not acting: %m",
		                       addr.s);
	}
	a->intents[a->n].address = addr;
	a->intents[a->n].seq = seq;
	snprintf(a->intents[a->n].old_driver, sizeof(a->intents[a->n].old_driver), "%s",
	         before->driver);
	a->n++;
	return 0;
}

/* Every sysfs write is logged once its device's durable intent (the first write's) is there. */
int journal_step_observer(const struct bb_step *step, void *userdata)
{
	struct act_ctx *a = current_act;
	char value[64];
	size_t len = 0;
	(void)userdata;

	/* The value as written, on one line: "\n" (which clears an override) shown escaped. */
	for (const char *p = step->value; p && *p && len + 3 < sizeof(value); p++) {
		if (*p == '\n') {
			value[len++] = '\\';
			value[len++] = 'n';
		} else {
			value[len++] = (unsigned char)*p < 0x20 ? '?' : *p;
		}
	}
	value[len] = '\0';

	/* Undoing a failed step belongs to the intent already written: never hold it up. */
	if (!step->rollback) {
		int r;

		if (!a) {
			log_error("refusing a write to %s outside of a journaled request",
			          step->path);
			return -EPERM;
		}
		r = act_intent(a, step->address, step);
		if (r < 0)
			return r; /* not written: no "<-" line for it */
	}
	log_info("%s%s %s: %s <- %s", step->rollback ? "rollback " : "", step->name, step->address,
	         step->path, value);
	return 0;
}

static const struct bb_bind_result *find_result(const struct bb_bind_result *results, size_t n,
                                                const char *address)
{
	for (size_t i = 0; i < n; i++)
		if (streq(results[i].address.s, address))
			return &results[i];
	return NULL;
}

#define RESULT_KV 6
int act_finish(struct act_ctx *a, const struct bb_bind_result *results, size_t n, uint64_t *ret_seq)
{
	BbDaemon *d = a->d;
	_cleanup_free_ struct bb_journal_entry *e = NULL;
	_cleanup_free_ struct bb_kv *kv = NULL;
	_cleanup_free_ char(*failure)[64] = NULL;
	int r = 0;

	current_act = NULL;
	*ret_seq = UINT64_MAX;
	if (a->n == 0)
		return 0;
	e = calloc(a->n, sizeof(*e));
	kv = calloc(a->n * RESULT_KV, sizeof(*kv));
	failure = calloc(a->n, sizeof(*failure));
	if (!e || !kv || !failure)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		const struct bb_bind_result *res = find_result(results, n, a->intents[i].address.s);
		struct bb_kv *k = &kv[i * RESULT_KV];
		size_t m = 0;

		k[m++] = (struct bb_kv){"device", a->intents[i].address.s};
		if (!res) {
			k[m++] = (struct bb_kv){"outcome", "not-reported"};
		} else {
			k[m++] = (struct bb_kv){"outcome",
			                        res->failure == BB_FAIL_NONE ? "ok" : "failed"};
			if (res->new_driver[0])
				k[m++] = (struct bb_kv){"new-driver", res->new_driver};
			if (res->failure != BB_FAIL_NONE) {
				journal_value(bb_failure_to_string(res->failure), failure[i],
				              sizeof(failure[i]));
				k[m++] = (struct bb_kv){"failure", failure[i]};
			}
			k[m++] = (struct bb_kv){"rollback", !res->rollback_attempted ? "none"
			                                    : res->rollback_ok       ? "ok"
			                                                             : "failed"};
		}
		e[i] = (struct bb_journal_entry){
		    .type = BB_REC_RESULT, .intent_seq = a->intents[i].seq, .kv = k, .n = m};
	}
	pthread_mutex_lock(&d->journal_lock);
	for (size_t off = 0; off < a->n && r >= 0; off += BB_JOURNAL_GROUP_MAX) {
		size_t chunk = MIN_SIZE(a->n - off, (size_t)BB_JOURNAL_GROUP_MAX);

		r = d->journal ? bb_journal_append_group(d->journal, e + off, chunk) : -EIO;
		if (r >= 0)
			*ret_seq = e[off + chunk - 1].seq;
	}
	pthread_mutex_unlock(&d->journal_lock);
	if (r < 0)
		return log_error_errno(r, "journal: result records not durable: %m");
	return 0;
}

struct json_object *daemon_journal_status(BbDaemon *d)
{
	struct json_object *o = json_object_new_object();
	char dir[600];
	bool failed;
	uint64_t next = 0;

	pthread_mutex_lock(&d->journal_lock);
	failed = !d->journal || bb_journal_failed(d->journal);
	if (d->journal)
		next = bb_journal_next_seq(d->journal);
	pthread_mutex_unlock(&d->journal_lock);
	snprintf(dir, sizeof(dir), "%s/%s", d->opts.state_dir, JOURNAL_DIR);
	json_object_object_add(o, "dir", json_object_new_string(dir));
	json_object_object_add(o, "next_seq", json_object_new_int64((int64_t)next));
	json_object_object_add(o, "failed", json_object_new_boolean(failed));
	json_object_object_add(o, "problem",
	                       d->journal_problem[0] ? json_object_new_string(d->journal_problem)
	                                             : NULL);
	json_object_object_add(o, "outcome_unknown", json_object_new_int((int)d->outcome_unknown));
	json_object_object_add(
	    o, "outcome_unknown_devices",
	    d->outcome_unknown_list[0] ? json_object_new_string(d->outcome_unknown_list) : NULL);
	return o;
}
