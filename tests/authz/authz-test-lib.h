/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: a listening socket and requesting peers started under setpriv as any uid. */
#pragma once

#include <sys/types.h>

typedef struct TestPeer {
	pid_t pid;   /* the peer process (setpriv execs into authz-peer) */
	int conn_fd; /* our accepted end of its connection */
} TestPeer;

/* A listening socket in a fresh 0755 temp dir; returns its fd and fills PATH (108 bytes). */
int test_listen(char *dir, char *path);
/*
 * Starts PEER_EXE SOCK [FIFO] as UID:GID through setpriv and accepts its connection.
 * BOUNDING (e.g. "-sys_admin") narrows the capability bounding set; NULL keeps it.
 */
int test_peer_start(int listen_fd, const char *peer_exe, const char *sock, const char *fifo,
                    uid_t uid, gid_t gid, const char *bounding, TestPeer *ret);
/* Starts ARGV (a peer that connects to our socket) and accepts its connection. */
int test_peer_exec(int listen_fd, char *const argv[], TestPeer *ret);
/* Closes our end and reaps the peer; returns its wait status. */
int test_peer_stop(TestPeer *p);
/* Removes the temp dir made by test_listen. */
void test_cleanup_dir(const char *dir);
