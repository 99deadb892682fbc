/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The requester of one call as policy and audit see it: user name and groups
 * (getpwuid_r, getgrouplist), the audit login uid (/proc/PID/loginuid) and,
 * when SELinux is enabled, the peer's context (getpeercon) and its type.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int requester_init(const BbPeer *peer, struct bb_requester *ret)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int r;

	*ret = (struct bb_requester){
	    .uid = peer->uid, .gid = peer->gid, .pid = peer->pid, .loginuid = UINT32_MAX};
	/* The identity pinned at accept time; reading /proc by pid now could name another process.
	 */
	if (peer->id.pidfd >= 0)
		ret->loginuid = peer->id.loginuid;
	else if (peer->pid > 0)
		ret->loginuid = read_loginuid(peer->pid);
	if (getpwuid_r(peer->uid, &pw, buf, sizeof(buf), &res) == 0 && res) {
		snprintf(ret->user, sizeof(ret->user), "%s", pw.pw_name);
		r = add_group_names(ret, pw.pw_name, pw.pw_gid);
		if (r < 0) {
			requester_done(ret);
			return r;
		}
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
