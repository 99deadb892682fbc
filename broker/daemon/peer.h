/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who is on the other end of a connection: SO_PEERCRED uid/gid/pid, a pidfd
 * pinned to that very process, its start time, the SELinux peer context, the
 * audit loginuid and sessionid, and whether it is root with CAP_SYS_ADMIN in
 * the initial user namespace. Taken once, at accept time.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BB_PEER_UNSET_ID    ((uint32_t)-1) /* loginuid/sessionid never set (4294967295) */
#define BB_PEER_CONTEXT_MAX 256

typedef struct BbPeerIdentity {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int pidfd;              /* -1 when none could be pinned: such a peer is never authorized */
	bool pidfd_from_socket; /* SO_PEERPIDFD, not pidfd_open on the pid */
	uint64_t start_time;    /* clock ticks since boot, /proc/PID/stat field 22 */
	uint32_t loginuid;      /* BB_PEER_UNSET_ID when unset */
	uint32_t sessionid;     /* BB_PEER_UNSET_ID when unset */
	bool cap_sys_admin;     /* effective CAP_SYS_ADMIN, in the initial user namespace */
	char scontext[BB_PEER_CONTEXT_MAX]; /* "" when SELinux is off or gave nothing */
} BbPeerIdentity;

enum {
	BB_PEER_NO_SO_PEERPIDFD = 1 << 0, /* tests: take the pidfd_open fallback */
	BB_PEER_NO_NS_FD = 1 << 1,        /* tests: judge the user namespace by uid_map */
};

/* Fills RET for the peer of connected AF_UNIX socket FD. RET owns a pidfd; see bb_peer_done. */
int bb_peer_from_socket(int fd, unsigned flags, BbPeerIdentity *ret);
/* 1 while the pinned process is alive and still the same (start time); 0 gone; <0 error. */
int bb_peer_still_alive(const BbPeerIdentity *p);
/* Releases the pidfd; P may be reused afterwards. */
void bb_peer_done(BbPeerIdentity *p);
/* /proc/PID/stat field 22 of PID, read through the proc dir fd PROC_PID_FD (or by pid if -1). */
int bb_peer_read_start_time(pid_t pid, uint64_t *ret);
