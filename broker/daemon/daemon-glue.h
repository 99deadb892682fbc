/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How the daemon holds its libraries: policy (policy-glue.c), signed tables
 * (tables-glue.c), the write-ahead journal (journal-glue.c) and Linux audit
 * (audit-glue.c). Each is set up at start; a failure there stops the start.
 */
#pragma once

#include "daemon.h"
#include "decide.h"

/* policy-glue.c */
int daemon_policy_init(BbDaemon *d);
/* A new policy from policy.d (or the built-in one naming CFG's admin-group); the one in use
 * is not touched. ERR: file:line:col: message. SOURCE: the directory or "built-in". */
int daemon_policy_build(BbDaemon *d, const BbConfig *cfg, struct bb_policy **ret, char *source,
                        size_t source_size, char *err, size_t errsz);
/* Puts FRESH (taken) in place of the policy in use, under policy_lock. The caller holds
 * reload_lock exclusively. */
void daemon_policy_swap(BbDaemon *d, struct bb_policy *fresh, const char *source);
/* The log line, policy-reload record and audit event of a reload that swapped a policy in. */
void daemon_policy_note_reload(BbDaemon *d, size_t n_rules, size_t n_files, const char *source);
/* ReloadPolicy: the policy alone, built and swapped; the old one stays on error. */
int daemon_policy_reload(BbDaemon *d, size_t *ret_rules, size_t *ret_files, char *err,
                         size_t errsz);
void daemon_policy_free(BbDaemon *d);

/* tables-glue.c */
int daemon_tables_init(BbDaemon *d);
/*
 * A new table store from keys.d (every file checked on its fd before it is parsed, see
 * bb_config_open_checked) and the installed tables; the one in use is not touched. ERR
 * names the file and why.
 */
int daemon_tables_build(BbDaemon *d, struct bb_tables **ret, unsigned *ret_skipped, char *err,
                        size_t errsz);
void daemon_tables_free(BbDaemon *d);
/*
 * From the poll loop: a table found expired gets one table-expired record (its name, serial
 * and signer), once in the journal's life, also when it expired while the daemon was down.
 * Looks at most once a second.
 */
void daemon_tables_tick(BbDaemon *d);
void daemon_tables_expiry_free(BbDaemon *d);

/* reload.c: hold the configuration, policy and tables of one generation (reload_lock shared). */
void daemon_settings_hold(BbDaemon *d);
void daemon_settings_release(BbDaemon *d);
/* The authorization settings in force, copied under the hold. */
BbAuthzConfig daemon_authz_config(BbDaemon *d);
/* SIGHUP: configuration, policy and tables together, or none (ERR names the file). */
int bb_daemon_reload_all(BbDaemon *d, char *err, size_t errsz);

/*
 * crash-recovery.c: the intents a crash left without result. recovery_read_state is the
 * journal's read_state callback while it opens (USERDATA a struct recovery, which collects
 * them); recovery_finish then journals each device found on its new or old state, or
 * restores the old one (a recovery intent and result each), and lists what it could not
 * restore as outcome-unknown for status.
 */
struct crashed;
struct recovery {
	BbDaemon *d;
	size_t n;
	struct crashed *list;
};
int recovery_read_state(const struct bb_record *intent, char *driver, size_t size, void *userdata);
void recovery_finish(struct recovery *rec);

/*
 * journal-glue.c: open and close. Opening recovers (crash-recovery.c); only a failed restore
 * stays outcome-unknown in status. Needs d->sysfs, d->modules, d->config and the audit glue.
 */
int daemon_journal_init(BbDaemon *d);
void daemon_journal_close(BbDaemon *d);
/* A checkpoint when one is due by time; called from the poll loop. */
void daemon_journal_tick(BbDaemon *d);

/* 0 when acting may go on; else an AuditUnavailable reply naming why and -EIO. */
int journal_ready(BbDaemon *d, BbReply *reply);

/* One record (refuse, table-install, policy-reload) under the journal lock; failures logged. */
int journal_note(BbDaemon *d, enum bb_record_type type, const struct bb_kv *kv, size_t n,
                 uint64_t *ret_seq);

/* A journal value from free text: characters outside the record charset become '_'. */
void journal_value(const char *in, char *out, size_t size);

/*
 * One acting request: the binder's step observer appends a durable intent for
 * each device before its first write; act_finish() appends each one's result.
 */
#define ACT_MAX_INTENTS (BB_OVERRIDES_MAX + 1)
struct act_intent {
	bb_address address;
	uint64_t seq;
	char old_driver[BB_DRIVER_NAME_MAX + 1];
};
struct act_ctx {
	BbDaemon *d;
	const char *op; /* bind, release, quarantine, apply */
	const struct bb_requester *rq;
	const char *rule;              /* the rule that allowed it */
	const char *table;             /* the signed table that covered it, NULL */
	const char *target;            /* the target driver, NULL: per device from members */
	struct json_object *members;   /* Verdicts with per-device "driver" (may be NULL) */
	const struct bb_device *known; /* facts read for the decision (NULL): the intent's */
	int group;                     /* IOMMU group of a whole-group bind, else -1 */
	size_t group_members;          /* the members such a bind binds (all or none) */
	int error;                     /* the journal error that stopped the binder */
	size_t n;
	struct act_intent intents[ACT_MAX_INTENTS];
};
/* Makes A the calling thread's current request (the observer finds it there). */
void act_begin(struct act_ctx *a, BbDaemon *d, const char *op, const struct bb_requester *rq,
               const char *rule, const char *target, struct json_object *members);
/* A's durable intent for ADDRESS, appended now (once per device; the observer calls it
 * before a device's first write). STEP may be NULL. 0 or the journal's error. */
int act_intent(struct act_ctx *a, const char *address, const struct bb_step *step);
/* The binder's step observer (userdata: the daemon). */
int journal_step_observer(const struct bb_step *step, void *userdata);
/*
 * Appends the result of every intent of A (matched by address in RESULTS), all
 * durable before it returns, and ends A. *RET_SEQ: the last result's seq (or,
 * with no intent, the seq of a plain result-less note: none, UINT64_MAX).
 */
int act_finish(struct act_ctx *a, const struct bb_bind_result *results, size_t n,
               uint64_t *ret_seq);

/* audit-glue.c */
int daemon_audit_init(BbDaemon *d);
void daemon_audit_free(BbDaemon *d);
/* One USER_DEVICE record; RQ may be NULL (the daemon itself). */
int daemon_audit_event(BbDaemon *d, const struct bb_requester *rq, const char *op,
                       const struct bb_device *dev, const char *old_driver, const char *new_driver,
                       const char *table, const char *rule, const char *reason, bool success);
int daemon_audit_simple(BbDaemon *d, const struct bb_requester *rq, const char *op,
                        const char *reason, bool success);
/* A result of the binder as one USER_DEVICE record (DEV, when it is that device: its ids). */
int daemon_audit_result(BbDaemon *d, const struct bb_requester *rq, const char *op,
                        const struct bb_bind_result *res, const struct bb_device *dev,
                        const char *table, const char *rule);

/* The JSON status parts. */
struct json_object *daemon_policy_status(BbDaemon *d);
struct json_object *daemon_tables_status(BbDaemon *d);
struct json_object *daemon_journal_status(BbDaemon *d);
struct json_object *daemon_audit_status(BbDaemon *d);
