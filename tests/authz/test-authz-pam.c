/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PAM path of the decision: real libpam through pam_start_confdir with
 * stacks in a private dir (pam_permit, pam_deny, pam_succeed_if), asked on the
 * PAM thread, for requesters started under setpriv as other uids.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "authz-test-lib.h"
#include "authz.h"

#define NOBODY 65534
#define DAEMON 1

static const char *peer_exe;
static char dir[64], sock[108], confdir[128];
static int listen_fd = -1;
static BbPamWorker *worker;

static void write_stack(const char *service, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", confdir, service);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	listen_fd = test_listen(dir, sock);
	if (listen_fd < 0)
		return -1;
	snprintf(confdir, sizeof(confdir), "%s/pam.d", dir);
	if (mkdir(confdir, 0755) < 0)
		return -1;
	/* The shipped service's shape: nobody may, everyone else may not. */
	write_stack("bindbroker", "account requisite pam_succeed_if.so quiet uid eq 65534\n"
	                          "account required pam_permit.so\n");
	write_stack("deny-all", "account required pam_deny.so\n");
	write_stack("permit-all", "account required pam_permit.so\n");
	return bb_pam_worker_start(&worker);
}

static int teardown(void **state)
{
	(void)state;
	bb_pam_worker_stop(worker);
	close(listen_fd);
	test_cleanup_dir(dir);
	return 0;
}

static BbAuthzResult decide_as(uid_t uid, const char *bounding, BbAuthzMode mode,
                               const char *service)
{
	BbAuthzConfig cfg = {
	    .mode = mode, .pam_service = service, .pam_confdir = confdir, .pam = worker};
	BbAuthzRequest req = {.action = "io.bindbroker.bind",
	                      .acting = true,
	                      .details = {.device = "0000:00:19.0", .driver = "vfio-pci"}};
	BbAuthzResult res;
	TestPeer tp;
	BbPeerIdentity p;

	assert_int_equal(test_peer_start(listen_fd, peer_exe, sock, NULL, uid, uid, bounding, &tp),
	                 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, 0, &p), 0);
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	test_peer_stop(&tp);
	bb_peer_done(&p);
	return res;
}

static void test_pam_stack_allows_nobody(void **state)
{
	BbAuthzResult res;
	(void)state;

	res = decide_as(NOBODY, NULL, BB_AUTHZ_PAM, NULL);
	assert_true(res.allowed);
	assert_string_equal(res.authority, "pam");
}

static void test_pam_stack_denies_daemon(void **state)
{
	BbAuthzResult res;
	(void)state;

	res = decide_as(DAEMON, NULL, BB_AUTHZ_PAM, NULL);
	assert_false(res.allowed);
	assert_string_equal(res.authority, "pam");
	assert_non_null(strstr(res.reason, "PAM account stack bindbroker denied user daemon"));
}

static void test_pam_deny_stack_denies_root_without_cap_sys_admin(void **state)
{
	BbAuthzResult res;
	(void)state;

	res = decide_as(0, "-sys_admin", BB_AUTHZ_PAM, "deny-all");
	assert_false(res.allowed);
	assert_non_null(strstr(res.reason, "denied user root"));
	/* With CAP_SYS_ADMIN, root is not asked: the deny stack does not matter. */
	res = decide_as(0, NULL, BB_AUTHZ_PAM, "deny-all");
	assert_true(res.allowed);
	assert_string_equal(res.authority, "root");
}

static void test_pam_missing_service_is_denied(void **state)
{
	BbAuthzResult res;
	(void)state;

	/* No such file in the confdir: libpam falls back to "other", absent here too. */
	res = decide_as(NOBODY, NULL, BB_AUTHZ_PAM, "no-such-service");
	assert_false(res.allowed);
}

static void test_uid_without_a_name_is_denied(void **state)
{
	BbAuthzResult res;
	(void)state;

	res = decide_as(4242, NULL, BB_AUTHZ_PAM, "permit-all");
	assert_false(res.allowed);
	assert_non_null(strstr(res.reason, "uid 4242 has no user name"));
}

static void test_polkit_plus_pam_needs_both(void **state)
{
	char *saved =
	    strdup(getenv("DBUS_SYSTEM_BUS_ADDRESS") ? getenv("DBUS_SYSTEM_BUS_ADDRESS") : "");
	char addr[160];
	BbAuthzResult res;
	(void)state;

	/* PAM alone would say yes; polkit cannot be reached: denied. */
	snprintf(addr, sizeof(addr), "unix:path=%s/no-bus-here", dir);
	setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
	res = decide_as(NOBODY, NULL, BB_AUTHZ_POLKIT_PAM, "permit-all");
	if (*saved)
		setenv("DBUS_SYSTEM_BUS_ADDRESS", saved, 1);
	else
		unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	free(saved);
	assert_false(res.allowed);
	assert_string_equal(res.authority, "polkit+pam");
	assert_non_null(strstr(res.reason, "polkit is unavailable"));
}

typedef struct Asker {
	uid_t uid;
	int allowed;
} Asker;

static void *ask_thread(void *arg)
{
	Asker *a = arg;
	struct bb_pam_request req = {.confdir = confdir,
	                             .user = a->uid == NOBODY ? "nobody" : "daemon"};
	char reason[256];

	for (int i = 0; i < 20; i++)
		if (bb_pam_worker_ask(worker, &req, reason, sizeof(reason)) == BB_PAM_ALLOWED)
			a->allowed++;
	return NULL;
}

static void test_worker_answers_many_askers(void **state)
{
	Asker askers[6];
	pthread_t t[6];
	(void)state;

	for (int i = 0; i < 6; i++) {
		askers[i] = (Asker){.uid = i % 2 ? NOBODY : DAEMON};
		assert_int_equal(pthread_create(&t[i], NULL, ask_thread, &askers[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(askers[i].allowed, askers[i].uid == NOBODY ? 20 : 0);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pam_stack_allows_nobody),
	    cmocka_unit_test(test_pam_stack_denies_daemon),
	    cmocka_unit_test(test_pam_deny_stack_denies_root_without_cap_sys_admin),
	    cmocka_unit_test(test_pam_missing_service_is_denied),
	    cmocka_unit_test(test_uid_without_a_name_is_denied),
	    cmocka_unit_test(test_polkit_plus_pam_needs_both),
	    cmocka_unit_test(test_worker_answers_many_askers),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test-authz-pam AUTHZ_PEER\n");
		return 2;
	}
	if (geteuid() != 0) {
		printf("SKIP: needs root to start peers as other uids\n");
		return 77;
	}
	peer_exe = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
