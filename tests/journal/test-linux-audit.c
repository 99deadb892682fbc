/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * USER_DEVICE records reach the real kernel and Debian's ausearch reads them:
 * a listener on NETLINK_AUDIT's multicast group AUDIT_NLGRP_READLOG captures
 * each record the kernel emits, writes it in audit.log form
 * ("type=USER_DEVICE msg=audit(SECS.MS:SERIAL): ..."), and `ausearch -m
 * USER_DEVICE -if FILE` must find and interpret op, device and res.
 *
 * Needs root (CAP_AUDIT_READ, CAP_AUDIT_WRITE, CAP_AUDIT_CONTROL). Exits 77
 * only where the kernel has no audit (no NETLINK_AUDIT, or a user namespace).
 * The kernel drops user records while audit is disabled (enabled 0), so the
 * test enables it for its run and puts the old value back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <libaudit.h>
#include <linux/audit.h>
#include <linux/netlink.h>

#include "bb-linux-audit.h"

#define DEV "0000:01:00.0"

static int listener = -1;
static int control = -1;
static int enabled_before = -1;

static int kernel_enabled(int fd)
{
	struct audit_reply rep;

	if (audit_request_status(fd) < 0)
		return -1;
	for (int i = 0; i < 20; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		if (audit_get_reply(fd, &rep, GET_REPLY_NONBLOCKING, 0) > 0 &&
		    rep.type == AUDIT_GET)
			return (int)rep.status->enabled;
	}
	return -1;
}

static void restore_enabled(void)
{
	if (control >= 0 && enabled_before == 0)
		audit_set_enabled(control, 0);
}

/* Waits for the kernel's USER_DEVICE record that carries MARKER; returns its text. */
static char *capture(const char *marker)
{
	static char buf[16384];
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = {.fd = listener, .events = POLLIN};
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 10)
			fail_msg("no USER_DEVICE record with %s from the kernel in 10 s", marker);
		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = recv(listener, buf, sizeof(buf) - 1, 0);
		assert_true(n > 0);
		if (!NLMSG_OK(h, (size_t)n) || h->nlmsg_type != AUDIT_USER_DEVICE)
			continue;
		size_t len = h->nlmsg_len - NLMSG_HDRLEN;
		char *text = NLMSG_DATA(h);
		text[len] = '\0';
		if (strstr(text, marker))
			return text;
	}
}

static void run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
}

/* The message part msg='...' must not carry fields the kernel owns. */
static void assert_no_kernel_field_names(const char *record)
{
	static const char *owned[] = {" uid=", " pid=", " auid=", " ses=", " subj=",
	                              "'uid=", "'pid=", "'auid=", "'ses=", "'subj="};
	const char *msg = strstr(record, "msg='");

	assert_non_null(msg);
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (strstr(msg, owned[i]))
			fail_msg("message names the kernel's field %s: %s", owned[i], msg);
}

static void test_every_op_reaches_ausearch(void **state)
{
	static const char *ops[] = {"bind",   "release",       "quarantine",
	                            "refuse", "table-install", "policy-reload"};
	char logpath[] = "/tmp/bb-audit-log-XXXXXX";
	char cmd[256], out[16384], marker[64];
	struct bb_audit *a;
	int fd;

	(void)state;
	assert_int_equal(bb_audit_open(BB_AUDIT_REQUIRED, &a), 0);
	assert_true(bb_audit_available(a));
	fd = mkstemp(logpath);
	assert_true(fd >= 0);

	for (size_t i = 0; i < 6; i++) {
		snprintf(marker, sizeof(marker), "bbtest-%ld-%zu", (long)getpid(), i);
		struct bb_audit_event e = {
		    .op = ops[i],
		    .device = DEV,
		    .old_driver = "e1000e",
		    .new_driver = i == 2 ? NULL : "vfio-pci",
		    .vendor_device = "8086:10d3",
		    .table = marker,
		    .rule = "nic-passthrough",
		    .reason = i == 3 ? "class-denied" : NULL,
		    .has_requester = true,
		    .req_uid = 0,
		    .req_auid = 0,
		    .req_pid = 4242,
		    .req_context = "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023",
		    .success = i % 2 == 0,
		};
		assert_int_equal(bb_audit_log(a, &e), 0);
		char *rec = capture(marker);
		assert_no_kernel_field_names(rec);
		dprintf(fd, "type=USER_DEVICE msg=%s\n", rec);
	}
	close(fd);
	bb_audit_close(a);

	/* CSV: EVENT,...,ACTION (op),RESULT (res),OBJ_PRIME (device). */
	snprintf(cmd, sizeof(cmd), "ausearch -m USER_DEVICE -if %s --format csv 2>&1", logpath);
	run(cmd, out, sizeof(out));
	for (size_t i = 0; i < 6; i++) {
		char want[128];
		snprintf(want, sizeof(want), ",USER_DEVICE,");
		assert_non_null(strstr(out, want));
		snprintf(want, sizeof(want), ",%s,%s,%s,", ops[i],
		         i % 2 == 0 ? "success" : "failed", DEV);
		if (!strstr(out, want))
			fail_msg("ausearch csv lacks '%s':\n%s", want, out);
	}

	/* Interpreted: our fields by name, the requester's ids turned into user names. */
	snprintf(cmd, sizeof(cmd), "ausearch -m USER_DEVICE -if %s -i 2>&1", logpath);
	run(cmd, out, sizeof(out));
	for (size_t i = 0; i < 6; i++) {
		char want[160];
		snprintf(want, sizeof(want), "msg='op=%s device=" DEV " old-driver=\"e1000e\"",
		         ops[i]);
		if (!strstr(out, want))
			fail_msg("ausearch -i lacks '%s':\n%s", want, out);
	}
	assert_non_null(strstr(out, "suid=root sauid=root spid=4242"));
	assert_non_null(strstr(out, "res=success"));
	assert_non_null(strstr(out, "res=failed"));
	assert_non_null(strstr(out, "reason=\"class-denied\""));
	if (getenv("BB_AUDIT_KEEP_LOG"))
		fprintf(stderr, "audit.log kept: %s\n", logpath);
	else
		unlink(logpath);
}

static void test_format_and_strict_values(void **state)
{
	char buf[1024];
	struct bb_audit_event e = {
	    .op = "bind",
	    .device = DEV,
	    .old_driver = "e1000e",
	    .new_driver = "vfio-pci",
	    .vendor_device = "8086:10d3",
	    .table = "vendor-nics.table",
	    .rule = "policy.d/10-nic.rules:3",
	    .has_requester = true,
	    .req_uid = 1000,
	    .req_auid = 4294967295u,
	    .req_pid = 77,
	    .req_context = "staff_u:staff_r:staff_t:s0",
	    .success = true,
	};

	(void)state;
	assert_true(bb_audit_format(&e, buf, sizeof(buf)) > 0);
	assert_string_equal(
	    buf, "op=bind device=\"0000:01:00.0\" old-driver=\"e1000e\" "
	         "new-driver=\"vfio-pci\" ids=\"8086:10d3\" "
	         "table=\"vendor-nics.table\" rule=\"policy.d/10-nic.rules:3\" "
	         "suid=1000 sauid=4294967295 spid=77 scontext=\"staff_u:staff_r:staff_t:s0\"");

	struct bb_audit_event bad;
	bad = e, bad.device = "0000:01:00.0 res=success";
	assert_int_equal(bb_audit_format(&bad, buf, sizeof(buf)), -EINVAL);
	bad = e, bad.device = "0000:01:00.0'";
	assert_int_equal(bb_audit_format(&bad, buf, sizeof(buf)), -EINVAL);
	bad = e, bad.new_driver = "../vfio";
	assert_int_equal(bb_audit_format(&bad, buf, sizeof(buf)), -EINVAL);
	bad = e, bad.vendor_device = "8086:10d";
	assert_int_equal(bb_audit_format(&bad, buf, sizeof(buf)), -EINVAL);
	bad = e, bad.req_context = "a b";
	assert_int_equal(bb_audit_format(&bad, buf, sizeof(buf)), -EINVAL);
	bad = e, bad.table = "t\"x";
	assert_int_equal(bb_audit_format(&bad, buf, sizeof(buf)), -EINVAL);
	bad = e, bad.op = "uid=0";
	assert_int_equal(bb_audit_format(&bad, buf, sizeof(buf)), -EINVAL);
	bad = e, bad.op = NULL;
	assert_int_equal(bb_audit_format(&bad, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(bb_audit_format(&e, buf, 40), -ENOBUFS);

	/* Without has_requester no ids are written, and NULL strings are left out. */
	struct bb_audit_event min = {.op = "refuse", .device = DEV};
	assert_true(bb_audit_format(&min, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "op=refuse device=\"0000:01:00.0\"");
}

/* In a user namespace the kernel answers ECONNREFUSED: that is "no audit". */
static void test_user_namespace_means_no_audit(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bb_audit *a;
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(77);
		if (bb_audit_open(BB_AUDIT_REQUIRED, &a) != -ENOTSUP)
			_exit(1);
		if (bb_audit_open(BB_AUDIT_BEST_EFFORT, &a) != 0 || bb_audit_available(a))
			_exit(2);
		struct bb_audit_event e = {.op = "bind", .device = DEV};
		if (bb_audit_log(a, &e) != 0)
			_exit(3);
		bb_audit_close(a);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_modes(void **state)
{
	struct bb_audit *a;

	(void)state;
	assert_int_equal(bb_audit_mode_from_string("required"), BB_AUDIT_REQUIRED);
	assert_int_equal(bb_audit_mode_from_string("best-effort"), BB_AUDIT_BEST_EFFORT);
	assert_int_equal(bb_audit_mode_from_string("off"), BB_AUDIT_OFF);
	assert_int_equal(bb_audit_mode_from_string("yes"), -EINVAL);
	assert_int_equal(bb_audit_open(BB_AUDIT_OFF, &a), 0);
	assert_false(bb_audit_available(a));
	struct bb_audit_event e = {.op = "bind", .device = DEV};
	assert_int_equal(bb_audit_log(a, &e), 0);
	e.device = "bad device";
	assert_int_equal(bb_audit_log(a, &e), -EINVAL); /* checked even when off */
	bb_audit_close(a);
}

int main(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
	                         .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1)};
	int r;

	if (geteuid() != 0) {
		printf("SKIP: needs root (CAP_AUDIT_READ/WRITE/CONTROL)\n");
		return 77;
	}
	if (system("command -v ausearch >/dev/null") != 0) {
		fprintf(stderr, "ausearch missing: install Debian package auditd\n");
		return 1;
	}
	listener = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (listener < 0 && (errno == EPROTONOSUPPORT || errno == EAFNOSUPPORT)) {
		printf("SKIP: this kernel has no audit (NETLINK_AUDIT: %m)\n");
		return 77;
	}
	if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "cannot listen on AUDIT_NLGRP_READLOG: %m\n");
		return 1;
	}
	control = audit_open();
	if (control < 0) {
		printf("SKIP: this kernel has no audit (audit_open: %m)\n");
		return 77;
	}
	r = audit_request_status(control);
	if (r == -ECONNREFUSED) {
		printf("SKIP: in a user namespace, the kernel refuses audit (ECONNREFUSED)\n");
		return 77;
	}
	close(control);
	control = audit_open();
	enabled_before = kernel_enabled(control);
	if (enabled_before == 0) {
		fprintf(stderr, "kernel audit is disabled; enabling it for this test only\n");
		if (audit_set_enabled(control, 1) < 0) {
			fprintf(stderr, "cannot enable kernel audit: %m\n");
			return 1;
		}
		atexit(restore_enabled);
	}

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_op_reaches_ausearch),
	    cmocka_unit_test(test_format_and_strict_values),
	    cmocka_unit_test(test_user_namespace_means_no_audit),
	    cmocka_unit_test(test_modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
