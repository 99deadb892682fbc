/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Peer identity from real connections: peers started under setpriv as other
 * uids, with and without CAP_SYS_ADMIN, through SO_PEERPIDFD and through the
 * pidfd_open fallback; a peer that exits is seen as gone.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "authz-test-lib.h"
#include "peer.h"

static const char *peer_exe;
static char dir[64], sock[108];
static int listen_fd = -1;

static int setup(void **state)
{
	(void)state;
	listen_fd = test_listen(dir, sock);
	return listen_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(listen_fd);
	test_cleanup_dir(dir);
	return 0;
}

static void check_peer(uid_t uid, const char *bounding, unsigned flags, bool want_admin)
{
	TestPeer tp;
	BbPeerIdentity p;
	uint64_t st;

	assert_int_equal(test_peer_start(listen_fd, peer_exe, sock, NULL, uid, uid, bounding, &tp),
	                 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, flags, &p), 0);
	assert_int_equal(p.pid, tp.pid);
	assert_int_equal(p.uid, uid);
	assert_int_equal(p.gid, uid);
	assert_true(p.pidfd >= 0);
	assert_int_equal(p.pidfd_from_socket, !(flags & BB_PEER_NO_SO_PEERPIDFD));
	assert_int_equal(bb_peer_read_start_time(tp.pid, &st), 0);
	assert_true(st == p.start_time);
	assert_int_equal(p.cap_sys_admin, want_admin);
	assert_int_equal(bb_peer_still_alive(&p), 1);

	/* Closing our end makes the peer leave; its pidfd says so. */
	assert_int_equal(test_peer_stop(&tp), 0);
	assert_int_equal(bb_peer_still_alive(&p), 0);
	bb_peer_done(&p);
	assert_int_equal(p.pidfd, -1);
}

static void test_unprivileged_peer(void **state)
{
	(void)state;
	check_peer(65534, NULL, 0, false);
}

static void test_unprivileged_peer_pidfd_open_fallback(void **state)
{
	(void)state;
	check_peer(1, NULL, BB_PEER_NO_SO_PEERPIDFD, false);
}

static void test_root_peer_is_admin(void **state)
{
	(void)state;
	check_peer(0, NULL, 0, true);
}

static void test_root_without_cap_sys_admin_is_not_admin(void **state)
{
	(void)state;
	check_peer(0, "-sys_admin", 0, false);
}

static void test_root_by_uid_map_is_admin(void **state)
{
	(void)state;
	check_peer(0, NULL, BB_PEER_NO_NS_FD, true);
}

/* "root" in a user namespace of its own (unshare -U -r maps it to uid 0 here, with every
 * capability in there): not the host's administrator, by either way of looking. */
static void check_userns_root(unsigned flags)
{
	char *argv[] = {"unshare", "-U", "-r", (char *)peer_exe, sock, NULL};
	TestPeer tp;
	BbPeerIdentity p;

	assert_int_equal(test_peer_exec(listen_fd, argv, &tp), 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, flags, &p), 0);
	assert_int_equal(p.uid, 0);
	assert_false(p.cap_sys_admin);
	test_peer_stop(&tp);
	bb_peer_done(&p);
}

static void test_root_in_a_child_user_namespace_is_not_admin(void **state)
{
	(void)state;
	check_userns_root(0);
	check_userns_root(BB_PEER_NO_NS_FD);
}

static void test_loginuid_and_sessionid_are_the_peers(void **state)
{
	TestPeer tp;
	BbPeerIdentity p;
	char path[64], buf[32];
	FILE *f;
	(void)state;

	assert_int_equal(test_peer_start(listen_fd, peer_exe, sock, NULL, 65534, 65534, NULL, &tp),
	                 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, 0, &p), 0);
	/* Inherited from us (setpriv keeps them): compare with what /proc says of the peer. */
	snprintf(path, sizeof(path), "/proc/%d/loginuid", (int)tp.pid);
	f = fopen(path, "r");
	if (f) {
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		assert_int_equal(p.loginuid, (uint32_t)strtoul(buf, NULL, 10));
	} else {
		assert_int_equal(p.loginuid, BB_PEER_UNSET_ID);
	}
	snprintf(path, sizeof(path), "/proc/%d/sessionid", (int)tp.pid);
	f = fopen(path, "r");
	if (f) {
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		assert_int_equal(p.sessionid, (uint32_t)strtoul(buf, NULL, 10));
	}
	test_peer_stop(&tp);
	bb_peer_done(&p);
}

static void test_peer_gone_before_identification(void **state)
{
	TestPeer tp;
	BbPeerIdentity p;
	int r;
	(void)state;

	assert_int_equal(test_peer_start(listen_fd, peer_exe, sock, NULL, 65534, 65534, NULL, &tp),
	                 0);
	kill(tp.pid, SIGKILL);
	/* Reaped: its pid is free. Only SO_PEERPIDFD can still name it, as a dead process. */
	{
		int fd = tp.conn_fd;

		tp.conn_fd = -1;
		test_peer_stop(&tp);
		r = bb_peer_from_socket(fd, BB_PEER_NO_SO_PEERPIDFD, &p);
		assert_true(r == -ESRCH || r == -ENOENT);
		r = bb_peer_from_socket(fd, 0, &p);
		assert_true(r < 0);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unprivileged_peer),
	    cmocka_unit_test(test_unprivileged_peer_pidfd_open_fallback),
	    cmocka_unit_test(test_root_peer_is_admin),
	    cmocka_unit_test(test_root_without_cap_sys_admin_is_not_admin),
	    cmocka_unit_test(test_root_by_uid_map_is_admin),
	    cmocka_unit_test(test_root_in_a_child_user_namespace_is_not_admin),
	    cmocka_unit_test(test_loginuid_and_sessionid_are_the_peers),
	    cmocka_unit_test(test_peer_gone_before_identification),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test-peer AUTHZ_PEER\n");
		return 2;
	}
	if (geteuid() != 0) {
		printf("SKIP: needs root to start peers as other uids\n");
		return 77;
	}
	peer_exe = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
