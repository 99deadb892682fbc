/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's policy: CONFIG/policy.d, loaded with the daemon's euid as the
 * trusted owner. When that directory is missing or holds no *.rules file, the
 * shipped default policy (policy/default.d/50-default.rules) is used: it is
 * compiled into the daemon, so no install path has to be resolved and no file
 * another user could write is ever read. Reloads (SIGHUP, ReloadPolicy) build
 * a whole new policy and swap it in; on any error the old one stays.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "daemon-glue.h"
#include "evaluate.h"

extern const char bb_default_policy[];
extern const size_t bb_default_policy_size;

#define DEFAULT_POLICY_NAME "built-in/50-default.rules"

/* 1 when DIR has a NAME.rules entry, 0 when not or missing, negative errno otherwise. */
static int dir_has_rules(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	int found = 0;

	if (!dh)
		return errno == ENOENT ? 0 : negative_errno();
	while ((de = readdir(dh))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] != '.' && n > 6 && streq(de->d_name + n - 6, ".rules")) {
			found = 1;
			break;
		}
	}
	closedir(dh);
	return found;
}

static int policy_build(BbDaemon *d, struct bb_policy **ret, char *source, size_t source_size,
                        struct bb_policy_error *err)
{
	struct bb_policy_load_options lo = {.trusted_uid = geteuid()};
	char dir[512];
	int r;

	snprintf(dir, sizeof(dir), "%s/policy.d", d->opts.config_dir);
	r = dir_has_rules(dir);
	if (r < 0) {
		*err = (struct bb_policy_error){0};
		snprintf(err->text, sizeof(err->text), "%s: %s", dir, strerror(-r));
		return r;
	}
	if (r > 0) {
		r = bb_policy_load_dir(dir, &lo, ret, err);
		if (r >= 0)
			snprintf(source, source_size, "%s", dir);
		return r;
	}
	r = bb_policy_parse_string(DEFAULT_POLICY_NAME, bb_default_policy, bb_default_policy_size,
	                           ret, err);
	if (r >= 0)
		snprintf(source, source_size, "built-in");
	return r;
}

int daemon_policy_init(BbDaemon *d)
{
	struct bb_policy_error err;
	int r;

	r = policy_build(d, &d->policy, d->policy_source, sizeof(d->policy_source), &err);
	if (r < 0)
		return log_error_errno(r, "policy not loaded: %s", err.text);
	log_info("policy: %zu rules from %zu files (%s)", bb_policy_rule_count(d->policy),
	         bb_policy_file_count(d->policy), d->policy_source);
	return 0;
}

struct bb_policy *daemon_policy_get(BbDaemon *d)
{
	struct bb_policy *p;

	pthread_mutex_lock(&d->policy_lock);
	p = bb_policy_ref(d->policy);
	pthread_mutex_unlock(&d->policy_lock);
	return p;
}

int daemon_policy_reload(BbDaemon *d, size_t *ret_rules, size_t *ret_files, char *err, size_t errsz)
{
	struct bb_policy *fresh = NULL, *old;
	struct bb_policy_error perr;
	char source[512], rules[24], files[24];
	int r;

	r = policy_build(d, &fresh, source, sizeof(source), &perr);
	if (r < 0) {
		snprintf(err, errsz, "%s", perr.text);
		log_error("policy reload failed, keeping the previous policy: %s", perr.text);
		journal_note(d, BB_REC_REFUSE,
		             (const struct bb_kv[]){{"op", "policy-reload"}, {"check", "syntax"}},
		             2, NULL);
		return r;
	}
	pthread_mutex_lock(&d->policy_lock);
	old = d->policy;
	d->policy = fresh;
	snprintf(d->policy_source, sizeof(d->policy_source), "%s", source);
	pthread_mutex_unlock(&d->policy_lock);
	bb_policy_unref(old);

	*ret_rules = bb_policy_rule_count(fresh);
	*ret_files = bb_policy_file_count(fresh);
	snprintf(rules, sizeof(rules), "%zu", *ret_rules);
	snprintf(files, sizeof(files), "%zu", *ret_files);
	log_notice("policy reloaded: %s rules from %s files (%s)", rules, files, source);
	journal_note(d, BB_REC_POLICY_RELOAD,
	             (const struct bb_kv[]){{"rules", rules}, {"files", files}}, 2, NULL);
	daemon_audit_simple(d, NULL, "policy-reload", NULL, true);
	return 0;
}

void daemon_policy_free(BbDaemon *d)
{
	d->policy = bb_policy_unref(d->policy);
}
