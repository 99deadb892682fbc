/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Peer identity. The pid from SO_PEERCRED alone can be recycled the moment
 * the peer dies, so everything read from /proc is tied to a pidfd: read while
 * the pidfd says the process is alive, the data belongs to that process.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <selinux/selinux.h>

#include "bb-fileio.h"
#include "bb-macro.h"
#include "peer.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5; glibc 2.36 headers predate it */
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#define CAP_SYS_ADMIN_BIT 21

static int open_proc_dir(pid_t pid)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

/* Field 22 of stat: counted after the last ')', since the command name may hold anything. */
static int parse_start_time(const char *stat, uint64_t *ret)
{
	const char *p = strrchr(stat, ')');
	char *end;

	if (!p)
		return -EBADMSG;
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EBADMSG;
	}
	errno = 0;
	*ret = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -EBADMSG;
	return 0;
}

static int start_time_at(int procfd, uint64_t *ret)
{
	char buf[1024];
	int r = bb_read_attr_at(procfd, "stat", buf, sizeof(buf));

	return r < 0 ? r : parse_start_time(buf, ret);
}

int bb_peer_read_start_time(pid_t pid, uint64_t *ret)
{
	_cleanup_close_ int procfd = open_proc_dir(pid);

	if (procfd < 0)
		return procfd;
	return start_time_at(procfd, ret);
}

/* 1 alive, 0 exited (a zombie counts as exited). */
static int pidfd_alive(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r = poll(&p, 1, 0);

	if (r < 0)
		return negative_errno();
	return r == 0;
}

static int read_u32_at(int procfd, const char *name, uint32_t *ret)
{
	char buf[32], *end;
	unsigned long v;
	int r = bb_read_attr_at(procfd, name, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || *end || v > UINT32_MAX)
		return -EBADMSG;
	*ret = (uint32_t)v;
	return 0;
}

/* Effective CAP_SYS_ADMIN from the CapEff line of status. */
static int cap_sys_admin_at(int procfd, bool *ret)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	const char *line;
	int r;

	r = bb_read_file_at(procfd, "status", 16384, &data, &len);
	if (r < 0)
		return r;
	line = strstr(data, "\nCapEff:");
	if (!line)
		return -EBADMSG;
	*ret = (strtoull(line + strlen("\nCapEff:"), NULL, 16) >> CAP_SYS_ADMIN_BIT) & 1;
	return 0;
}

/*
 * Without ptrace access to the peer (a hardened unit has no CAP_SYS_PTRACE, and a
 * root peer holds capabilities we lack), ns/user cannot be opened. uid_map can be
 * read: the initial namespace maps every uid to itself. A child namespace maps
 * like that only if a process already privileged in ours made it so.
 */
static int uid_map_is_initial(int procfd)
{
	char buf[256];
	unsigned long inside, outside, count;
	int r = bb_read_attr_at(procfd, "uid_map", buf, sizeof(buf));

	if (r < 0)
		return r;
	if (sscanf(buf, "%lu %lu %lu", &inside, &outside, &count) != 3)
		return -EBADMSG;
	return !strchr(buf, '\n') && inside == 0 && outside == 0 && count == 4294967295UL;
}

/*
 * Whether the peer lives in our user namespace and ours is the initial one (it
 * has no parent we could see). A capability held in a child namespace is no
 * capability over the host's devices.
 */
static int in_initial_userns(int procfd, unsigned flags)
{
	_cleanup_close_ int peer_ns = -1, own_ns = -1, parent = -1;
	struct stat a, b;

	own_ns = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (own_ns < 0)
		return negative_errno();
	parent = ioctl(own_ns, NS_GET_PARENT);
	if (parent >= 0)
		return 0; /* we are not in the initial namespace ourselves */
	if (errno != EPERM)
		return negative_errno();
	if (!(flags & BB_PEER_NO_NS_FD))
		peer_ns = openat(procfd, "ns/user", O_RDONLY | O_CLOEXEC);
	if (peer_ns < 0) {
		if ((flags & BB_PEER_NO_NS_FD) || errno == EACCES || errno == EPERM)
			return uid_map_is_initial(procfd);
		return negative_errno();
	}
	if (fstat(peer_ns, &a) < 0 || fstat(own_ns, &b) < 0)
		return negative_errno();
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The pid a pidfd refers to, from its fdinfo (Linux 5.4+): guards against a mixed-up fd. */
static int pidfd_pid(int pidfd, pid_t *ret)
{
	char path[64], buf[2048];
	const char *line;
	int r;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	r = bb_read_attr_at(AT_FDCWD, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	line = strstr(buf, "\nPid:");
	if (!line)
		return -EBADMSG;
	*ret = (pid_t)strtol(line + strlen("\nPid:"), NULL, 10);
	return 0;
}

/*
 * Without SO_PEERPIDFD: open a pidfd on the pid and make sure the process did
 * not change while we did (same start time before and after). A pid recycled
 * before the first read cannot be told apart; SO_PEERPIDFD closes that window.
 */
static int pidfd_open_checked(pid_t pid, int *ret_pidfd)
{
	_cleanup_close_ int pidfd = -1;
	uint64_t before, after;
	int r;

	r = bb_peer_read_start_time(pid, &before);
	if (r < 0)
		return r;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return negative_errno();
	r = bb_peer_read_start_time(pid, &after);
	if (r < 0)
		return r;
	if (before != after)
		return -ESRCH;
	(void)fcntl(pidfd, F_SETFD, FD_CLOEXEC);
	*ret_pidfd = TAKE_FD(pidfd);
	return 0;
}

int bb_peer_from_socket(int fd, unsigned flags, BbPeerIdentity *ret)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	BbPeerIdentity p = {
	    .pidfd = -1, .loginuid = BB_PEER_UNSET_ID, .sessionid = BB_PEER_UNSET_ID};
	_cleanup_close_ int procfd = -1;
	char *con = NULL;
	pid_t pinned;
	int pidfd = -1, r;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return negative_errno();
	p.pid = cred.pid;
	p.uid = cred.uid;
	p.gid = cred.gid;
	if (p.pid <= 0)
		return -ESRCH; /* a peer in another pid namespace we cannot see */

	if (!(flags & BB_PEER_NO_SO_PEERPIDFD)) {
		len = sizeof(pidfd);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0)
			p.pidfd_from_socket = true;
		else if (errno != ENOPROTOOPT && errno != EINVAL)
			return negative_errno();
		else
			pidfd = -1;
	}
	if (pidfd < 0) {
		r = pidfd_open_checked(p.pid, &pidfd);
		if (r < 0)
			return r;
	}
	p.pidfd = pidfd;

	r = pidfd_pid(p.pidfd, &pinned);
	if (r >= 0 && pinned != p.pid)
		r = -ESRCH;
	if (r >= 0)
		r = procfd = open_proc_dir(p.pid);
	if (r >= 0)
		r = start_time_at(procfd, &p.start_time);
	if (r >= 0) {
		/* Both exist only with audit support; their absence leaves them unset. */
		if (read_u32_at(procfd, "loginuid", &p.loginuid) < 0)
			p.loginuid = BB_PEER_UNSET_ID;
		if (read_u32_at(procfd, "sessionid", &p.sessionid) < 0)
			p.sessionid = BB_PEER_UNSET_ID;
		r = cap_sys_admin_at(procfd, &p.cap_sys_admin);
	}
	if (r >= 0 && p.cap_sys_admin) {
		/* ns/user needs ptrace access to the peer: what cannot be seen is not trusted. */
		p.cap_sys_admin = in_initial_userns(procfd, flags) == 1;
	}
	/* What we read is the pinned process's only if it is still alive now. */
	if (r >= 0) {
		r = pidfd_alive(p.pidfd);
		if (r == 0)
			r = -ESRCH;
	}
	if (r < 0) {
		bb_peer_done(&p);
		return r;
	}

	if (getpeercon(fd, &con) == 0) {
		snprintf(p.scontext, sizeof(p.scontext), "%s", con);
		freecon(con);
	}
	*ret = p;
	return 0;
}

int bb_peer_still_alive(const BbPeerIdentity *p)
{
	uint64_t now;
	int r;

	if (p->pidfd < 0)
		return 0;
	r = pidfd_alive(p->pidfd);
	if (r <= 0)
		return r;
	r = bb_peer_read_start_time(p->pid, &now);
	if (r == -ENOENT || r == -ESRCH)
		return 0;
	if (r < 0)
		return r;
	return now == p->start_time;
}

void bb_peer_done(BbPeerIdentity *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
}
