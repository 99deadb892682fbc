/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lockdown parser accepts exactly what the kernel prints and refuses the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bb-log.h"
#include "broker.h"

static int parse(const char *s, bb_lockdown *l)
{
	return bb_lockdown_parse(s, strlen(s), l);
}

static void test_levels(void **state)
{
	bb_lockdown l = BB_LOCKDOWN_UNSUPPORTED;

	(void)state;
	assert_int_equal(parse("[none] integrity confidentiality\n", &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_NONE);
	assert_int_equal(parse("none [integrity] confidentiality\n", &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_INTEGRITY);
	assert_int_equal(parse("none integrity [confidentiality]", &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_CONFIDENTIALITY);
	assert_string_equal(bb_lockdown_to_string(BB_LOCKDOWN_UNSUPPORTED), "unsupported");
	assert_string_equal(bb_lockdown_to_string(BB_LOCKDOWN_INTEGRITY), "integrity");
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "none integrity confidentiality\n",     /* none active */
	    "[none] [integrity] confidentiality\n", /* two active */
	    "[none]  integrity confidentiality\n",  /* double space */
	    "[none] integrity confidentiality\n\n", /* two newlines */
	    "[none] integrity confidentiality x\n", /* trailing word */
	    "[none] integrity\n",                   /* missing level */
	    "integrity [none] confidentiality\n",   /* order */
	    "[none integrity confidentiality\n",    /* unclosed */
	    "[NONE] integrity confidentiality\n",   /* case */
	    " [none] integrity confidentiality\n",  /* leading space */
	};
	bb_lockdown l = BB_LOCKDOWN_INTEGRITY;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &l), -EBADMSG);
		assert_int_equal(l, BB_LOCKDOWN_INTEGRITY); /* untouched */
	}
	/* An embedded NUL is not the end of the text. */
	assert_int_equal(bb_lockdown_parse("[none] integrity confidentiality\0x", 34, &l),
	                 -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_levels),
	    cmocka_unit_test(test_refused),
	};
	bb_log_set_max_priority(LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
