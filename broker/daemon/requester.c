/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The requester of one call as policy and audit see it: user name and groups
 * (getpwuid_r, getgrouplist), the audit login uid (/proc/PID/loginuid) and,
 * when SELinux is enabled, the peer's context (getpeercon) and its type.
 *
 * Check (advisory, read-only) may take the user name and groups from a small
 * cache: NSS re-reads /etc/group on every getgrouplist(), the largest part of
 * a check. An entry lives GROUP_CACHE_TTL_MS and only while /etc/passwd and
 * /etc/group are the files it was read from (inode, size, mtime). Acting calls
 * never use it: their decision always sees the groups as NSS has them now.
 */
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <selinux/selinux.h>

#include "daemon.h"
#include "decide.h"

#define GROUPS_MAX 256

static uint32_t read_loginuid(pid_t pid)
{
	char path[64], buf[32] = "";
	unsigned long v;
	char *end;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/loginuid", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return UINT32_MAX;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || v > UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)v;
}

/* "user:role:type:level" -> type */
static void context_type(const char *context, char *buf, size_t size)
{
	const char *p = context;

	buf[0] = '\0';
	for (int i = 0; i < 2 && p; i++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	if (p) {
		size_t n = strcspn(p, ":");

		if (n < size) {
			memcpy(buf, p, n);
			buf[n] = '\0';
		}
	}
}

static int add_group_names(struct bb_requester *r, const char *user, gid_t gid)
{
	gid_t gids[GROUPS_MAX];
	int n = GROUPS_MAX;
	char buf[4096];

	if (getgrouplist(user, gid, gids, &n) < 0)
		n = GROUPS_MAX; /* more groups than we look at: the first GROUPS_MAX count */
	r->groups = calloc((size_t)n, sizeof(char *));
	if (!r->groups)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct group gr, *res = NULL;

		if (getgrgid_r(gids[i], &gr, buf, sizeof(buf), &res) != 0 || !res)
			continue;
		r->groups[r->n_groups] = strdup(gr.gr_name);
		if (!r->groups[r->n_groups])
			return -ENOMEM;
		r->n_groups++;
	}
	return 0;
}

/* The user name and group names of RET->uid, from NSS now. */
static int read_user(struct bb_requester *ret)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(ret->uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return 0;
	snprintf(ret->user, sizeof(ret->user), "%s", pw.pw_name);
	return add_group_names(ret, pw.pw_name, pw.pw_gid);
}

/* ---- the cache of Check --------------------------------------------------------------------- */

#define GROUP_CACHE_SIZE   16
#define GROUP_CACHE_TTL_MS 2000

struct file_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct group_cache_entry {
	bool used;
	uid_t uid;
	uint64_t read_ms;
	struct file_stamp passwd, group;
	char user[64];
	char **groups;
	size_t n_groups;
};

static pthread_mutex_t group_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct group_cache_entry group_cache[GROUP_CACHE_SIZE];
static size_t group_cache_next;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void stamp_of(const char *path, struct file_stamp *ret)
{
	struct stat st;

	*ret = (struct file_stamp){0};
	if (stat(path, &st) == 0)
		*ret = (struct file_stamp){st.st_dev, st.st_ino, st.st_size, st.st_mtim};
}

static bool stamp_eq(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static char **copy_names(char *const *names, size_t n)
{
	char **copy = calloc(n ? n : 1, sizeof(char *));

	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		copy[i] = strdup(names[i]);
		if (!copy[i]) {
			while (i-- > 0)
				free(copy[i]);
			free(copy);
			return NULL;
		}
	}
	return copy;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

/* 1 when RET's user and groups came from the cache, 0 when not there (or stale). */
static int cache_lookup(struct bb_requester *ret, const struct file_stamp *passwd,
                        const struct file_stamp *group, uint64_t now)
{
	int found = 0;

	pthread_mutex_lock(&group_cache_lock);
	for (size_t i = 0; i < GROUP_CACHE_SIZE; i++) {
		struct group_cache_entry *e = &group_cache[i];

		if (!e->used || e->uid != ret->uid || now - e->read_ms >= GROUP_CACHE_TTL_MS ||
		    !stamp_eq(&e->passwd, passwd) || !stamp_eq(&e->group, group))
			continue;
		ret->groups = copy_names(e->groups, e->n_groups);
		if (!ret->groups) {
			found = -ENOMEM;
			break;
		}
		ret->n_groups = e->n_groups;
		snprintf(ret->user, sizeof(ret->user), "%s", e->user);
		found = 1;
		break;
	}
	pthread_mutex_unlock(&group_cache_lock);
	return found;
}

static void cache_store(const struct bb_requester *rq, const struct file_stamp *passwd,
                        const struct file_stamp *group, uint64_t read_ms)
{
	char **groups = copy_names(rq->groups, rq->n_groups);
	struct group_cache_entry *e = NULL;

	if (!groups)
		return;
	pthread_mutex_lock(&group_cache_lock);
	for (size_t i = 0; i < GROUP_CACHE_SIZE && !e; i++)
		if (group_cache[i].used && group_cache[i].uid == rq->uid)
			e = &group_cache[i];
	if (!e)
		e = &group_cache[group_cache_next++ % GROUP_CACHE_SIZE];
	free_names(e->groups, e->n_groups);
	*e = (struct group_cache_entry){.used = true,
	                                .uid = rq->uid,
	                                .read_ms = read_ms,
	                                .passwd = *passwd,
	                                .group = *group,
	                                .groups = groups,
	                                .n_groups = rq->n_groups};
	snprintf(e->user, sizeof(e->user), "%s", rq->user);
	pthread_mutex_unlock(&group_cache_lock);
}

/* From the cache when fresh, else from NSS (and then cached). */
static int read_user_cached(struct bb_requester *ret)
{
	struct file_stamp passwd, group;
	uint64_t now = mono_ms();
	int r;

	/* Stamped before reading: a change during the read makes the entry stale at once. */
	stamp_of("/etc/passwd", &passwd);
	stamp_of("/etc/group", &group);
	r = cache_lookup(ret, &passwd, &group, now);
	if (r != 0)
		return r < 0 ? r : 0;
	r = read_user(ret);
	if (r >= 0)
		cache_store(ret, &passwd, &group, now);
	return r;
}

/* ---- the requester ----------------------------------------------------------------------------
 */

static int requester_make(const BbPeer *peer, bool cached, struct bb_requester *ret)
{
	int r;

	*ret = (struct bb_requester){
	    .uid = peer->uid, .gid = peer->gid, .pid = peer->pid, .loginuid = UINT32_MAX};
	/* The identity pinned at accept time; reading /proc by pid now could name another process.
	 */
	if (peer->id.pidfd >= 0)
		ret->loginuid = peer->id.loginuid;
	else if (peer->pid > 0)
		ret->loginuid = read_loginuid(peer->pid);
	r = cached ? read_user_cached(ret) : read_user(ret);
	if (r < 0) {
		requester_done(ret);
		return r;
	}
	if (peer->id.scontext[0]) {
		ret->context = strdup(peer->id.scontext);
		if (!ret->context) {
			requester_done(ret);
			return -ENOMEM;
		}
		context_type(peer->id.scontext, ret->selinux_type, sizeof(ret->selinux_type));
	} else if (peer->fd >= 0 && is_selinux_enabled() > 0) {
		char *con = NULL;

		if (getpeercon(peer->fd, &con) == 0 && con) {
			ret->context = strdup(con);
			context_type(con, ret->selinux_type, sizeof(ret->selinux_type));
			freecon(con);
		}
	}
	return 0;
}

int requester_init(const BbPeer *peer, struct bb_requester *ret)
{
	return requester_make(peer, false, ret);
}

int requester_init_cached(const BbPeer *peer, struct bb_requester *ret)
{
	return requester_make(peer, true, ret);
}

void requester_done(struct bb_requester *r)
{
	for (size_t i = 0; i < r->n_groups; i++)
		free(r->groups[i]);
	free(r->groups);
	free(r->context);
	r->groups = NULL;
	r->context = NULL;
	r->n_groups = 0;
}
