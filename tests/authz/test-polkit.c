/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bb_polkit_check and bb_authz_decide against polkit on a private bus, set up
 * by polkit-env.sh (BB_AUTHZ_MODE real|mock|absent). Requesters are real
 * processes started under setpriv as other uids.
 */
#include <errno.h>
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

#include <systemd/sd-bus.h>

#include "authz-test-lib.h"
#include "authz.h"
#include "bb-macro.h"

#define NOBODY 65534
#define DAEMON 1

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

typedef struct Asked {
	int r;
	char reason[512];
} Asked;

/* Starts a peer as UID, asks polkit ACTION with DETAILS for it, stops the peer. */
static Asked ask_as(uid_t uid, const char *fifo, const char *action, const BbPolkitDetails *details,
                    uint64_t timeout_usec)
{
	TestPeer tp;
	BbPeerIdentity p;
	Asked a = {0};

	assert_int_equal(test_peer_start(listen_fd, peer_exe, sock, fifo, uid, uid, NULL, &tp), 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, 0, &p), 0);
	a.r = bb_polkit_check(&p, action, details, timeout_usec, a.reason, sizeof(a.reason));
	test_peer_stop(&tp);
	bb_peer_done(&p);
	return a;
}

static const BbPolkitDetails nic = {
    .device = "0000:00:19.0",
    .driver = "vfio-pci",
    .vendor = "0x8086",
    .device_id = "0x10d3",
    .class = "0x020000",
};

/* --- the real polkitd with test-rules.js --- */

static void test_real_rule_allows_nobody_vfio_pci(void **state)
{
	Asked a;
	(void)state;

	a = ask_as(NOBODY, NULL, "io.bindbroker.bind", &nic, 0);
	assert_int_equal(a.r, 1);
}

static void test_real_rule_denies_nobody_other_driver(void **state)
{
	BbPolkitDetails d = nic;
	Asked a;
	(void)state;

	d.driver = "mlx5_vfio_pci";
	a = ask_as(NOBODY, NULL, "io.bindbroker.bind", &d, 0);
	assert_int_equal(a.r, 0);
	assert_non_null(strstr(a.reason, "polkit denied io.bindbroker.bind to uid 65534"));
}

static void test_real_rule_denies_other_uid(void **state)
{
	Asked a;
	(void)state;

	a = ask_as(DAEMON, NULL, "io.bindbroker.bind", &nic, 0);
	assert_int_equal(a.r, 0);
	assert_non_null(strstr(a.reason, "polkit denied"));
}

static void test_real_rule_reads_class_vendor_device_id(void **state)
{
	BbPolkitDetails gpu = nic;
	Asked a;
	(void)state;

	a = ask_as(DAEMON, NULL, "io.bindbroker.quarantine", &nic, 0);
	assert_int_equal(a.r, 1);
	gpu.class = "0x030000";
	a = ask_as(DAEMON, NULL, "io.bindbroker.quarantine", &gpu, 0);
	assert_int_equal(a.r, 0);
	gpu = nic;
	gpu.device_id = "0x1533";
	a = ask_as(DAEMON, NULL, "io.bindbroker.quarantine", &gpu, 0);
	assert_int_equal(a.r, 0);
	/* Without details the rule cannot match. */
	a = ask_as(DAEMON, NULL, "io.bindbroker.quarantine", NULL, 0);
	assert_int_equal(a.r, 0);
}

static void test_real_unregistered_action_is_denied(void **state)
{
	Asked a;
	(void)state;

	a = ask_as(NOBODY, NULL, "io.bindbroker.no-such-action", &nic, 0);
	assert_true(a.r < 0);
	assert_non_null(strstr(a.reason, "polkit is unavailable"));
}

static void test_real_challenge_is_denied(void **state)
{
	BbPolkitDetails d = nic;
	Asked a;
	(void)state;

	d.device = "0000:00:0f.0";
	a = ask_as(NOBODY, NULL, "io.bindbroker.bind", &d, 0);
	assert_int_equal(a.r, 0);
	assert_non_null(strstr(a.reason, "interactive authentication"));
}

static void test_real_peer_exited_before_the_answer(void **state)
{
	BbPolkitDetails d = nic;
	Asked a;
	(void)state;

	/* The rule says yes only after the requester has left. */
	d.device = "0000:00:0e.0";
	a = ask_as(NOBODY, getenv("BB_AUTHZ_FIFO"), "io.bindbroker.bind", &d, 0);
	assert_int_equal(a.r, 0);
	assert_non_null(strstr(a.reason, "exited before polkit answered"));
}

static void test_real_decide_polkit_mode(void **state)
{
	BbAuthzConfig cfg = {.mode = BB_AUTHZ_POLKIT};
	BbAuthzRequest req = {.action = "io.bindbroker.bind", .acting = true, .details = nic};
	BbAuthzResult res;
	TestPeer tp;
	BbPeerIdentity p;
	(void)state;

	assert_int_equal(
	    test_peer_start(listen_fd, peer_exe, sock, NULL, NOBODY, NOBODY, NULL, &tp), 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, 0, &p), 0);
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	assert_true(res.allowed);
	assert_string_equal(res.authority, "polkit");
	req.details.driver = "nouveau";
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	assert_false(res.allowed);
	/* Read-only calls ask nobody, even for a driver the rule refuses. */
	req.acting = false;
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	assert_true(res.allowed);
	assert_string_equal(res.authority, "read-only");
	test_peer_stop(&tp);
	bb_peer_done(&p);
}

static void test_real_root_is_not_asked(void **state)
{
	BbAuthzConfig cfg = {.mode = BB_AUTHZ_POLKIT};
	/* No rule allows anyone to bind to "nouveau": root with CAP_SYS_ADMIN still may. */
	BbAuthzRequest req = {.action = "io.bindbroker.bind", .acting = true, .details = nic};
	BbAuthzResult res;
	TestPeer tp;
	BbPeerIdentity p;
	(void)state;

	req.details.driver = "nouveau";
	assert_int_equal(test_peer_start(listen_fd, peer_exe, sock, NULL, 0, 0, NULL, &tp), 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, 0, &p), 0);
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	assert_true(res.allowed);
	assert_string_equal(res.authority, "root");
	test_peer_stop(&tp);
	bb_peer_done(&p);

	/*
	 * Root without CAP_SYS_ADMIN is not the broker's administrator: polkit is
	 * asked (and polkitd itself always says yes to uid 0, whatever the rules).
	 */
	assert_int_equal(test_peer_start(listen_fd, peer_exe, sock, NULL, 0, 0, "-sys_admin", &tp),
	                 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, 0, &p), 0);
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	assert_string_equal(res.authority, "polkit");
	assert_true(res.allowed);
	test_peer_stop(&tp);
	bb_peer_done(&p);
}

static void test_real_polkit_plus_pam(void **state)
{
	char confdir[128], path[160];
	BbPamWorker *w;
	BbAuthzConfig cfg = {.mode = BB_AUTHZ_POLKIT_PAM, .pam_confdir = confdir};
	BbAuthzRequest req = {.action = "io.bindbroker.bind", .acting = true, .details = nic};
	BbAuthzResult res;
	TestPeer tp;
	BbPeerIdentity p;
	FILE *f;
	(void)state;

	snprintf(confdir, sizeof(confdir), "%s/pam.d", dir);
	assert_int_equal(mkdir(confdir, 0755), 0);
	snprintf(path, sizeof(path), "%s/permit", confdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("account required pam_permit.so\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/deny", confdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("account required pam_deny.so\n", f);
	fclose(f);
	assert_int_equal(bb_pam_worker_start(&w), 0);
	cfg.pam = w;

	assert_int_equal(
	    test_peer_start(listen_fd, peer_exe, sock, NULL, NOBODY, NOBODY, NULL, &tp), 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, 0, &p), 0);
	/* polkit yes + PAM yes */
	cfg.pam_service = "permit";
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	assert_true(res.allowed);
	assert_string_equal(res.authority, "polkit+pam");
	/* polkit yes + PAM no */
	cfg.pam_service = "deny";
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	assert_false(res.allowed);
	assert_non_null(strstr(res.reason, "PAM account stack deny denied user nobody"));
	/* polkit no + PAM yes */
	cfg.pam_service = "permit";
	req.details.driver = "nouveau";
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	assert_false(res.allowed);
	assert_non_null(strstr(res.reason, "polkit denied"));
	test_peer_stop(&tp);
	bb_peer_done(&p);
	bb_pam_worker_stop(w);
}

/* --- python3-dbusmock's polkitd template --- */

static void mock_call(const char *member, const char *types, ...)
{
	sd_bus *bus = NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	va_list ap;
	int r;

	assert_int_equal(sd_bus_open_system(&bus), 0);
	r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.PolicyKit1",
	                                   "/org/freedesktop/PolicyKit1/Authority",
	                                   "org.freedesktop.DBus.Mock", member);
	assert_int_equal(r, 0);
	va_start(ap, types);
	r = sd_bus_message_appendv(m, types, ap);
	va_end(ap);
	assert_true(r >= 0);
	r = sd_bus_call(bus, m, 0, &error, &reply);
	if (r < 0)
		fail_msg("%s: %s", member, error.message);
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
}

static void test_mock_default_denies(void **state)
{
	Asked a;
	(void)state;

	mock_call("SetAllowed", "as", 0);
	a = ask_as(NOBODY, NULL, "io.bindbroker.bind", &nic, 0);
	assert_int_equal(a.r, 0);
	assert_non_null(strstr(a.reason, "polkit denied"));
}

static void test_mock_allowed(void **state)
{
	Asked a;
	(void)state;

	mock_call("SetAllowed", "as", 1, "io.bindbroker.bind");
	a = ask_as(NOBODY, NULL, "io.bindbroker.bind", &nic, 0);
	assert_int_equal(a.r, 1);
	a = ask_as(NOBODY, NULL, "io.bindbroker.release", &nic, 0);
	assert_int_equal(a.r, 0);
	mock_call("SetAllowed", "as", 0);
}

static void test_mock_hanging_is_denied_at_the_deadline(void **state)
{
	BbAuthzConfig cfg = {.mode = BB_AUTHZ_POLKIT, .polkit_timeout_usec = 200000};
	BbAuthzRequest req = {.action = "io.bindbroker.bind", .acting = true, .details = nic};
	BbAuthzResult res;
	TestPeer tp;
	BbPeerIdentity p;
	Asked a;
	(void)state;

	/* Even an action the mock would allow: no answer in time is a no. */
	mock_call("SetAllowed", "as", 1, "io.bindbroker.bind");
	mock_call("SimulateHang", "b", 1);
	a = ask_as(NOBODY, NULL, "io.bindbroker.bind", &nic, 200000);
	assert_int_equal(a.r, -ETIMEDOUT);
	assert_non_null(strstr(a.reason, "did not answer in time"));

	assert_int_equal(
	    test_peer_start(listen_fd, peer_exe, sock, NULL, NOBODY, NOBODY, NULL, &tp), 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, 0, &p), 0);
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	assert_false(res.allowed);
	assert_non_null(strstr(res.reason, "did not answer in time"));
	test_peer_stop(&tp);
	bb_peer_done(&p);

	mock_call("SimulateHang", "b", 0);
	mock_call("ReleaseHangingCalls", "");
	mock_call("SetAllowed", "as", 0);
}

static void test_mock_dismissed_is_denied(void **state)
{
	Asked a;
	(void)state;

	/* Replace the template's method: the answer an agent's dismissal produces. */
	mock_call("AddMethod", "sssss", "org.freedesktop.PolicyKit1.Authority",
	          "CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})",
	          "ret = (False, False, {'polkit.dismissed': 'true'})");
	a = ask_as(NOBODY, NULL, "io.bindbroker.bind", &nic, 0);
	assert_int_equal(a.r, 0);
	assert_non_null(strstr(a.reason, "dismissed"));
}

/* --- no polkit at all --- */

static void test_absent_polkit_is_denied(void **state)
{
	BbAuthzConfig cfg = {.mode = BB_AUTHZ_POLKIT};
	BbAuthzRequest req = {.action = "io.bindbroker.bind", .acting = true, .details = nic};
	BbAuthzResult res;
	TestPeer tp;
	BbPeerIdentity p;
	Asked a;
	(void)state;

	a = ask_as(NOBODY, NULL, "io.bindbroker.bind", &nic, 0);
	assert_true(a.r < 0);
	assert_non_null(strstr(a.reason, "polkit is unavailable"));

	assert_int_equal(
	    test_peer_start(listen_fd, peer_exe, sock, NULL, NOBODY, NOBODY, NULL, &tp), 0);
	assert_int_equal(bb_peer_from_socket(tp.conn_fd, 0, &p), 0);
	assert_int_equal(bb_authz_decide(&cfg, &p, &req, &res), 0);
	assert_false(res.allowed);
	assert_non_null(strstr(res.reason, "polkit is unavailable"));
	test_peer_stop(&tp);
	bb_peer_done(&p);
}

static void test_no_system_bus_is_denied(void **state)
{
	char *saved = strdup(getenv("DBUS_SYSTEM_BUS_ADDRESS"));
	char addr[160];
	Asked a;
	(void)state;

	snprintf(addr, sizeof(addr), "unix:path=%s/no-bus-here", dir);
	setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
	a = ask_as(NOBODY, NULL, "io.bindbroker.bind", &nic, 0);
	setenv("DBUS_SYSTEM_BUS_ADDRESS", saved, 1);
	free(saved);
	assert_true(a.r < 0);
	assert_non_null(strstr(a.reason, "cannot connect to the system bus"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest real[] = {
	    cmocka_unit_test(test_real_rule_allows_nobody_vfio_pci),
	    cmocka_unit_test(test_real_rule_denies_nobody_other_driver),
	    cmocka_unit_test(test_real_rule_denies_other_uid),
	    cmocka_unit_test(test_real_rule_reads_class_vendor_device_id),
	    cmocka_unit_test(test_real_unregistered_action_is_denied),
	    cmocka_unit_test(test_real_challenge_is_denied),
	    cmocka_unit_test(test_real_peer_exited_before_the_answer),
	    cmocka_unit_test(test_real_decide_polkit_mode),
	    cmocka_unit_test(test_real_root_is_not_asked),
	    cmocka_unit_test(test_real_polkit_plus_pam),
	};
	const struct CMUnitTest mock[] = {
	    cmocka_unit_test(test_mock_default_denies),
	    cmocka_unit_test(test_mock_allowed),
	    cmocka_unit_test(test_mock_hanging_is_denied_at_the_deadline),
	    cmocka_unit_test(test_mock_dismissed_is_denied),
	};
	const struct CMUnitTest absent[] = {
	    cmocka_unit_test(test_absent_polkit_is_denied),
	    cmocka_unit_test(test_no_system_bus_is_denied),
	};
	const char *mode = getenv("BB_AUTHZ_MODE");

	if (argc < 2 || !mode || !getenv("DBUS_SYSTEM_BUS_ADDRESS")) {
		fprintf(stderr, "run through polkit-env.sh\n");
		return 2;
	}
	peer_exe = argv[1];
	if (streq(mode, "real"))
		return cmocka_run_group_tests_name("polkit-real", real, setup, teardown);
	if (streq(mode, "mock"))
		return cmocka_run_group_tests_name("polkit-mock", mock, setup, teardown);
	return cmocka_run_group_tests_name("polkit-absent", absent, setup, teardown);
}
