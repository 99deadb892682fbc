/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's policy: CONFIG/policy.d, loaded with the daemon's euid as the
 * trusted owner. When that directory is missing or holds no *.rules file, the
 * shipped default policy (policy/default.d/50-default.rules) is used: it is
 * compiled into the daemon, so no install path has to be resolved and no file
 * another user could write is ever read. Its group rules name bindbroker.conf's
 * admin-group. Reloads (SIGHUP with configuration and tables: reload.c;
 * ReloadPolicy alone) build a whole new policy and swap it in; on any error the
 * old one stays.
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

#define DEFAULT_ADMIN_GROUP "bindbroker-admin"

/* The built-in text with its admin group ("group bindbroker-admin") renamed to GROUP. */
static char *default_policy_for(const char *group, size_t *ret_len)
{
	static const char token[] = "group " DEFAULT_ADMIN_GROUP;
	const char *src = bb_default_policy, *end = bb_default_policy + bb_default_policy_size;
	size_t n = 0, glen = strlen(group), cap;
	char *out;

	/* Every occurrence may grow by the difference of the names. */
	cap = bb_default_policy_size + 1 +
	      (glen > strlen(DEFAULT_ADMIN_GROUP) ? glen - strlen(DEFAULT_ADMIN_GROUP) : 0) *
	          (bb_default_policy_size / sizeof(token) + 1);
	out = malloc(cap);
	if (!out)
		return NULL;
	while (src < end) {
		const char *hit = memmem(src, (size_t)(end - src), token, sizeof(token) - 1);
		const char *after = hit ? hit + sizeof(token) - 1 : NULL;

		/* Only the whole word: the next character ends it. */
		while (hit && after < end && !strchr(" \t\n#", *after)) {
			hit = memmem(after, (size_t)(end - after), token, sizeof(token) - 1);
			after = hit ? hit + sizeof(token) - 1 : NULL;
		}
		if (!hit) {
			memcpy(out + n, src, (size_t)(end - src));
			n += (size_t)(end - src);
			break;
		}
		memcpy(out + n, src, (size_t)(hit - src));
		n += (size_t)(hit - src);
		n += (size_t)sprintf(out + n, "group %s", group);
		src = after;
	}
	out[n] = '\0';
	*ret_len = n;
	return out;
}

int daemon_policy_build(BbDaemon *d, const BbConfig *cfg, struct bb_policy **ret, char *source,
                        size_t source_size, char *err, size_t errsz)
{
	struct bb_policy_load_options lo = {.trusted_uid = geteuid()};
	struct bb_policy_error perr = {0};
	_cleanup_free_ char *text = NULL;
	char dir[512];
	size_t len;
	int r;

	snprintf(dir, sizeof(dir), "%s/policy.d", d->opts.config_dir);
	r = dir_has_rules(dir);
	if (r < 0) {
		snprintf(err, errsz, "%s: %s", dir, strerror(-r));
		return r;
	}
	if (r > 0) {
		r = bb_policy_load_dir(dir, &lo, ret, &perr);
		if (r < 0)
			snprintf(err, errsz, "%s", perr.text);
		else
			snprintf(source, source_size, "%s", dir);
		return r;
	}
	text = default_policy_for(cfg->admin_group, &len);
	if (!text) {
		snprintf(err, errsz, "%s: out of memory", DEFAULT_POLICY_NAME);
		return -ENOMEM;
	}
	r = bb_policy_parse_string(DEFAULT_POLICY_NAME, text, len, ret, &perr);
	if (r < 0)
		snprintf(err, errsz, "%s", perr.text);
	else
		snprintf(source, source_size, "built-in");
	return r;
}

int daemon_policy_init(BbDaemon *d)
{
	char err[600];
	int r;

	r = daemon_policy_build(d, &d->config, &d->policy, d->policy_source,
	                        sizeof(d->policy_source), err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "policy not loaded: %s", err);
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

void daemon_policy_swap(BbDaemon *d, struct bb_policy *fresh, const char *source)
{
	struct bb_policy *old;

	pthread_mutex_lock(&d->policy_lock);
	old = d->policy;
	d->policy = fresh;
	snprintf(d->policy_source, sizeof(d->policy_source), "%s", source);
	pthread_mutex_unlock(&d->policy_lock);
	bb_policy_unref(old);
}

void daemon_policy_note_reload(BbDaemon *d, size_t n_rules, size_t n_files, const char *source)
{
	char rules[24], files[24];

	snprintf(rules, sizeof(rules), "%zu", n_rules);
	snprintf(files, sizeof(files), "%zu", n_files);
	log_notice("policy reloaded: %s rules from %s files (%s)", rules, files, source);
	journal_note(d, BB_REC_POLICY_RELOAD,
	             (const struct bb_kv[]){{"rules", rules}, {"files", files}}, 2, NULL);
	daemon_audit_simple(d, NULL, "policy-reload", NULL, true);
}

int daemon_policy_reload(BbDaemon *d, size_t *ret_rules, size_t *ret_files, char *err, size_t errsz)
{
	struct bb_policy *fresh = NULL;
	char source[512];
	int r;

	/* One reload at a time: the configuration (admin-group) cannot change under us. */
	pthread_mutex_lock(&d->reload_mutex);
	r = daemon_policy_build(d, &d->config, &fresh, source, sizeof(source), err, errsz);
	if (r < 0) {
		pthread_mutex_unlock(&d->reload_mutex);
		log_error("policy reload failed, keeping the previous policy: %s", err);
		journal_note(d, BB_REC_REFUSE,
		             (const struct bb_kv[]){{"op", "policy-reload"}, {"check", "syntax"}},
		             2, NULL);
		return r;
	}
	*ret_rules = bb_policy_rule_count(fresh);
	*ret_files = bb_policy_file_count(fresh);
	pthread_rwlock_wrlock(&d->reload_lock);
	daemon_policy_swap(d, fresh, source);
	pthread_rwlock_unlock(&d->reload_lock);
	pthread_mutex_unlock(&d->reload_mutex);
	/* Counts were taken above: after the swap another reload may free FRESH. */
	daemon_policy_note_reload(d, *ret_rules, *ret_files, source);
	return 0;
}

void daemon_policy_free(BbDaemon *d)
{
	d->policy = bb_policy_unref(d->policy);
}
