/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The posture verdict (broker/daemon/posture.c) over every combination of its
 * inputs: closed only with SELinux enforcing the loaded module and lockdown on;
 * partly with one of the two; no with neither. Also the SELinux reading on
 * this host, checked against selinuxfs directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "posture.h"

static const char *verdict(bb_lockdown l, bb_selinux_mode s, bb_module_state m, char *why,
                           size_t size)
{
	bb_host_posture p = {.lockdown = l, .selinux = s, .module = m};

	bb_posture_verdict(&p);
	assert_true(strlen(p.why) > 20);
	if (why)
		snprintf(why, size, "%s", p.why);
	return p.closed;
}

static void test_every_combination(void **state)
{
	(void)state;
	for (int l = BB_LOCKDOWN_UNSUPPORTED; l <= BB_LOCKDOWN_CONFIDENTIALITY; l++)
		for (int s = BB_SELINUX_DISABLED; s <= BB_SELINUX_ENFORCING; s++)
			for (int m = BB_MODULE_ABSENT; m <= BB_MODULE_UNKNOWN; m++) {
				bool locked =
				    l == BB_LOCKDOWN_INTEGRITY || l == BB_LOCKDOWN_CONFIDENTIALITY;
				bool fenced = s == BB_SELINUX_ENFORCING && m == BB_MODULE_LOADED;
				const char *want = locked && fenced   ? "yes"
				                   : locked || fenced ? "partly"
				                                      : "no";
				assert_string_equal(verdict(l, s, m, NULL, 0), want);
			}
}

static void test_reasons(void **state)
{
	char why[512];
	(void)state;

	assert_string_equal(verdict(BB_LOCKDOWN_INTEGRITY, BB_SELINUX_DISABLED, BB_MODULE_UNKNOWN,
	                            why, sizeof(why)),
	                    "partly");
	assert_non_null(strstr(why, "SELinux is disabled"));
	assert_non_null(strstr(why, "integrity"));
	verdict(BB_LOCKDOWN_NONE, BB_SELINUX_PERMISSIVE, BB_MODULE_LOADED, why, sizeof(why));
	assert_non_null(strstr(why, "permissive"));
	verdict(BB_LOCKDOWN_NONE, BB_SELINUX_ENFORCING, BB_MODULE_ABSENT, why, sizeof(why));
	assert_non_null(strstr(why, "not loaded"));
	verdict(BB_LOCKDOWN_CONFIDENTIALITY, BB_SELINUX_ENFORCING, BB_MODULE_LOADED, why,
	        sizeof(why));
	assert_non_null(strstr(why, "only bindbrokerd_t"));
	assert_non_null(strstr(why, "confidentiality"));
	verdict(BB_LOCKDOWN_NONE, BB_SELINUX_ENFORCING, BB_MODULE_LOADED, why, sizeof(why));
	assert_non_null(strstr(why, "without lockdown"));
}

/* What libselinux says here agrees with selinuxfs: no enforce file means disabled. */
static void test_this_host(void **state)
{
	bb_selinux_mode mode;
	bb_module_state module;
	(void)state;

	bb_posture_read_selinux(&mode, &module);
	if (access("/sys/fs/selinux/enforce", F_OK) != 0) {
		assert_int_equal(mode, BB_SELINUX_DISABLED);
		assert_int_equal(module, BB_MODULE_UNKNOWN);
	} else {
		assert_true(mode == BB_SELINUX_PERMISSIVE || mode == BB_SELINUX_ENFORCING);
	}
	assert_string_equal(bb_selinux_mode_to_string(BB_SELINUX_ENFORCING), "enforcing");
	assert_string_equal(bb_module_state_to_string(BB_MODULE_LOADED), "loaded");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_combination),
	    cmocka_unit_test(test_reasons),
	    cmocka_unit_test(test_this_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
