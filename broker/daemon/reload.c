/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIGHUP: bindbroker.conf, the policy and the signed-table store are built
 * beside the ones in use; only when all three load are they swapped in, all
 * at once, so no request sees a mix of old and new. A failure keeps all three
 * old ones and is logged once, naming the file (and line). Settings a running
 * daemon cannot change (threads, the journal, Linux audit, the binder's
 * timeout, the limits) are kept and logged as taking effect at restart.
 */
#include <string.h>

#include "daemon-glue.h"
#include "daemon.h"

void daemon_settings_hold(BbDaemon *d)
{
	pthread_rwlock_rdlock(&d->reload_lock);
}

void daemon_settings_release(BbDaemon *d)
{
	pthread_rwlock_unlock(&d->reload_lock);
}

BbAuthzConfig daemon_authz_config(BbDaemon *d)
{
	BbAuthzConfig c;

	daemon_settings_hold(d);
	c = d->authz;
	daemon_settings_release(d);
	return c;
}

/* Logs each setting of FRESH that differs from OLD but applies only at start, and keeps OLD's. */
static void keep_restart_only(const BbConfig *old, BbConfig *fresh, bool audit_from_config)
{
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
	    {"bind-verify-timeout-ms", offsetof(BbConfig, bind_verify_timeout_ms)},
	    {"checkpoint-every-records", offsetof(BbConfig, checkpoint_every_records)},
	    {"checkpoint-every-seconds", offsetof(BbConfig, checkpoint_every_seconds)},
	    {"max-clients", offsetof(BbConfig, limits.max_clients)},
	    {"max-clients-per-uid", offsetof(BbConfig, limits.max_clients_per_uid)},
	    {"max-requests-per-uid", offsetof(BbConfig, limits.max_requests_per_uid)},
	    {"workers", offsetof(BbConfig, limits.workers)},
	    {"idle-timeout-ms", offsetof(BbConfig, limits.idle_timeout_ms)},
	    {"io-timeout-ms", offsetof(BbConfig, limits.io_timeout_ms)},
	};

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const unsigned *o = (const unsigned *)((const char *)old + fields[i].offset);
		unsigned *n = (unsigned *)((char *)fresh + fields[i].offset);

		if (*o != *n) {
			log_notice("bindbroker.conf: %s = %u takes effect at restart (still %u)",
			           fields[i].name, *n, *o);
			*n = *o;
		}
	}
	/* Linux audit is connected, and its mode fixed, at start. */
	if (old->audit != fresh->audit && audit_from_config)
		log_notice("bindbroker.conf: audit = %s takes effect at restart (still %s)",
		           bb_audit_mode_to_string(fresh->audit),
		           bb_audit_mode_to_string(old->audit));
	fresh->audit = old->audit;
	fresh->audit_set = old->audit_set;
}

static void note_failure(BbDaemon *d, const char *what, const char *err)
{
	log_error("reload failed (%s), keeping the previous configuration, policy and tables: %s",
	          what, err);
	journal_note(d, BB_REC_REFUSE, (const struct bb_kv[]){{"op", "reload"}, {"check", what}}, 2,
	             NULL);
}

int bb_daemon_reload_all(BbDaemon *d, char *err, size_t errsz)
{
	struct bb_policy *policy = NULL, *old_policy;
	struct bb_tables *tables = NULL, *old_tables;
	char source[512];
	unsigned skipped = 0, installs;
	size_t rules, files, n_tables;
	BbAuthzMode mode;
	BbConfig cfg;
	int r;

	pthread_mutex_lock(&d->reload_mutex);
	r = bb_config_load(d->opts.config_dir, &cfg, err, errsz);
	if (r < 0) {
		note_failure(d, "config", err);
		goto out;
	}
	r = bb_authz_mode_from_string(cfg.authorization, &mode);
	if (r < 0) { /* config.c accepts only the three names: a mismatch is ours */
		snprintf(err, errsz, "unknown authorization \"%s\"", cfg.authorization);
		note_failure(d, "config", err);
		goto out;
	}
	keep_restart_only(&d->config, &cfg, d->opts.audit < 0);
	r = daemon_policy_build(d, &cfg, &policy, source, sizeof(source), err, errsz);
	if (r < 0) {
		note_failure(d, "policy", err);
		goto out;
	}
	for (int attempt = 0;; attempt++) {
		pthread_mutex_lock(&d->tables_lock);
		installs = d->tables_installs;
		pthread_mutex_unlock(&d->tables_lock);
		r = daemon_tables_build(d, &tables, &skipped, err, errsz);
		if (r < 0) {
			note_failure(d, "tables", err);
			goto out;
		}

		/* The swap: all three or none, in the lock order of daemon.h. */
		pthread_rwlock_wrlock(&d->reload_lock);
		pthread_mutex_lock(&d->policy_lock);
		pthread_mutex_lock(&d->tables_lock);
		if (d->tables_installs == installs)
			break;
		if (attempt == 3) {
			log_warning("tables were installed during each of 4 reads of the store; "
			            "the newest may be used only after the next reload");
			break;
		}
		/* A table was installed while we read the store: read it again. */
		pthread_mutex_unlock(&d->tables_lock);
		pthread_mutex_unlock(&d->policy_lock);
		pthread_rwlock_unlock(&d->reload_lock);
		bb_tables_free(tables);
		tables = NULL;
	}
	old_policy = d->policy;
	d->policy = policy;
	snprintf(d->policy_source, sizeof(d->policy_source), "%s", source);
	old_tables = d->tables;
	d->tables = tables;
	d->tables_skipped = skipped;
	d->config = cfg;
	d->authz.mode = mode;
	rules = bb_policy_rule_count(policy);
	files = bb_policy_file_count(policy);
	n_tables = bb_tables_count(tables);
	policy = NULL;
	tables = NULL;
	pthread_mutex_unlock(&d->tables_lock);
	pthread_mutex_unlock(&d->policy_lock);
	pthread_rwlock_unlock(&d->reload_lock);

	/* No request holds the old ones any more: tables are used under the hold only, and
	 * policies are referenced. */
	bb_policy_unref(old_policy);
	bb_tables_free(old_tables);
	log_notice("reloaded: configuration (authorization %s, admin-group %s), %zu signed "
	           "table(s)%s",
	           cfg.authorization, cfg.admin_group, n_tables,
	           skipped ? " (some failed re-verification and are not used)" : "");
	daemon_policy_note_reload(d, rules, files, source);
	r = 0;
out:
	pthread_mutex_unlock(&d->reload_mutex);
	bb_policy_unref(policy);
	bb_tables_free(tables);
	return r;
}
