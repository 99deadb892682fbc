/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PAM authorizer against real libpam and real modules (pam_permit,
 * pam_deny, pam_succeed_if), with stacks in a private config dir through
 * pam_start_confdir: nothing under /etc/pam.d is read or changed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bb-pam.h"

static char confdir[] = "/tmp/bb-pam-XXXXXX";

static void write_stack(const char *service, const char *text)
{
	char path[128];
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
	if (!mkdtemp(confdir))
		return -1;
	write_stack("permit", "account required pam_permit.so\n");
	write_stack("deny", "account required pam_deny.so\n");
	write_stack("root-only", "account requisite pam_succeed_if.so quiet uid eq 0\n"
				 "account required pam_permit.so\n");
	write_stack("in-root-group", "account requisite pam_succeed_if.so user ingroup root\n"
				     "account required pam_permit.so\n");
	write_stack("missing-module", "account required pam_bindbroker_nonexistent.so\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[64];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", confdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int ask(const char *service, const char *user, char *reason, size_t size)
{
	struct bb_pam_request req = { .service = service, .confdir = confdir, .user = user };
	return bb_pam_authorize(&req, reason, size);
}

static void test_permit_allows(void **state)
{
	char reason[256];
	(void)state;
	assert_int_equal(ask("permit", "nobody", reason, sizeof(reason)), BB_PAM_ALLOWED);
	assert_string_equal(reason, "");
}

static void test_deny_denies_with_reason(void **state)
{
	char reason[256];
	(void)state;
	assert_int_equal(ask("deny", "root", reason, sizeof(reason)), BB_PAM_DENIED);
	assert_non_null(strstr(reason, "PAM account stack deny denied user root"));
}

static void test_succeed_if_reads_the_user(void **state)
{
	char reason[256];
	(void)state;
	assert_int_equal(ask("root-only", "root", reason, sizeof(reason)), BB_PAM_ALLOWED);
	assert_int_equal(ask("root-only", "nobody", reason, sizeof(reason)), BB_PAM_DENIED);
	assert_int_equal(ask("in-root-group", "root", reason, sizeof(reason)), BB_PAM_ALLOWED);
	assert_int_equal(ask("in-root-group", "nobody", reason, sizeof(reason)), BB_PAM_DENIED);
}

static void test_broken_or_absent_stack_denies(void **state)
{
	char reason[256];
	int r;
	(void)state;
	/* A service with no file falls back to "other" only if the confdir has one: it has not. */
	r = ask("no-such-service", "root", reason, sizeof(reason));
	assert_true(r == BB_PAM_DENIED || r < 0);
	assert_int_not_equal(r, BB_PAM_ALLOWED);
	assert_int_not_equal(ask("missing-module", "root", reason, sizeof(reason)), BB_PAM_ALLOWED);
}

static void test_bad_user_names_refused_before_pam(void **state)
{
	char reason[256];
	(void)state;
	assert_int_equal(ask("permit", "", reason, sizeof(reason)), -EINVAL);
	assert_int_equal(ask("permit", "root\nother", reason, sizeof(reason)), -EINVAL);
	assert_int_equal(ask("permit", "-rf", reason, sizeof(reason)), -EINVAL);
	assert_string_equal(reason, "invalid user name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permit_allows),
		cmocka_unit_test(test_deny_denies_with_reason),
		cmocka_unit_test(test_succeed_if_reads_the_user),
		cmocka_unit_test(test_broken_or_absent_stack_denies),
		cmocka_unit_test(test_bad_user_names_refused_before_pam),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
