/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rule grammar: what parses, and the exact file:line:col error of what does not. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bb-policy.h"

static int parse(const char *text, size_t len, struct bb_policy **ret, struct bb_policy_error *err)
{
	memset(err, 0, sizeof(*err));
	return bb_policy_parse_string("t.rules", text, len, ret, err);
}

static void assert_parses(const char *text, size_t rules)
{
	struct bb_policy *p = NULL;
	struct bb_policy_error err;
	int r = parse(text, strlen(text), &p, &err);

	if (r < 0)
		fail_msg("'%s' did not parse: %s", text, err.text);
	assert_int_equal(bb_policy_rule_count(p), rules);
	bb_policy_unref(p);
}

static void assert_refused_len(const char *text, size_t len, int expected_r, const char *message)
{
	struct bb_policy *p = (struct bb_policy *)0x1; /* must stay untouched */
	struct bb_policy_error err;
	int r = parse(text, len, &p, &err);

	if (r >= 0)
		fail_msg("'%.60s' parsed, expected: %s", text, message);
	assert_int_equal(r, expected_r);
	assert_ptr_equal(p, (struct bb_policy *)0x1);
	assert_string_equal(err.text, message);
}

static void assert_refused(const char *text, const char *message)
{
	assert_refused_len(text, strlen(text), -EINVAL, message);
}

static void test_issue_examples_parse(void **state)
{
	(void)state;
	assert_parses("deny boot-vga", 1);
	assert_parses("deny class 0x060000/0xff0000", 1);
	assert_parses("allow driver vfio-pci class 0x020000/0xff0000 group wheel", 1);
	assert_parses("allow driver * if signed-table", 1);
	assert_parses("allow driver vfio-pci vendor 0x8086 device 0x10d3 user root", 1);
}

static void test_valid_forms(void **state)
{
	(void)state;
	assert_parses("", 0);
	assert_parses("# only a comment\n\n   \t\n", 0);
	assert_parses("deny", 1);
	assert_parses("allow", 1);
	assert_parses("deny boot-vga   # the console\r\n", 1);
	assert_parses("deny class 0x0600-0x06ff", 1);
	assert_parses("deny class 0x06", 1);
	assert_parses("deny class 0x00-0x01", 1);
	assert_parses("deny class 0x010802", 1);
	assert_parses("allow subsystem-vendor 0x10de subsystem-device 0x1454 revision 0xa1", 1);
	assert_parses("allow address 0000:03:00.0", 1);
	assert_parses("allow address 0000:03:00.*", 1);
	assert_parses("allow address 0000:0[3-4]:00.?", 1);
	assert_parses("allow iommu-group-size 2", 1);
	assert_parses("allow iommu-group-size <= 2", 1);
	assert_parses("allow iommu-group-size >=2 iommu-group != 7", 1);
	assert_parses("deny backs-mount", 1);
	assert_parses("deny backs-mount /", 1);
	assert_parses("deny backs-mount \"/srv/my data\" or backs-swap", 1);
	assert_parses("deny backs-mount /var/* group wheel", 1);
	assert_parses("deny carries-default-route", 1);
	assert_parses("allow driver *_vfio_pci and signed-table", 1);
	assert_parses("allow user 0", 1);
	assert_parses("allow user root group wheel selinux-type sysadm_t", 1);
	assert_parses("allow group \"bindbroker-admin\"", 1);
	assert_parses("allow lockdown none", 1);
	assert_parses("allow lockdown integrity", 1);
	assert_parses("allow lockdown confidentiality", 1);
	assert_parses("deny not endpoint", 1);
	assert_parses("deny bridge or class 0x06", 1);
	assert_parses(
	    "allow driver vfio-pci (class 0x02 or class 0x03) not (vendor 0x8086 device 0x0435)",
	    1);
	assert_parses("allow driver vfio-pci group-bind", 1);
	assert_parses("deny boot-vga\nallow driver * if signed-table\n\n# end\ndeny", 3);
	/* Keywords are only keywords where a condition starts: a group may be named "if". */
	assert_parses("allow group if", 1);
}

static void test_invalid_forms(void **state)
{
	(void)state;
	assert_refused("permit driver x",
	               "t.rules:1:1: a rule starts with 'allow' or 'deny', not 'permit'");
	assert_refused("allow vendorr 0x8086", "t.rules:1:7: unknown condition 'vendorr'");
	assert_refused("allow vendor", "t.rules:1:13: 'vendor' needs a 16-bit hex id like 0x8086");
	assert_refused("allow vendor 8086",
	               "t.rules:1:14: 'vendor' needs a 16-bit hex id like 0x8086, not '8086'");
	assert_refused("allow vendor 0x18086",
	               "t.rules:1:14: 'vendor' needs a 16-bit hex id like 0x8086, not '0x18086'");
	assert_refused(
	    "allow vendor \"0x8086\"",
	    "t.rules:1:14: 'vendor' needs a 16-bit hex id like 0x8086, not a quoted string");
	assert_refused("allow revision 0x100",
	               "t.rules:1:16: 'revision' needs an 8-bit hex value like 0xa1, not '0x100'");
	assert_refused("deny class 0x0600/0xff0000",
	               "t.rules:1:12: class 0x000600 has bits outside its mask 0xff0000");
	assert_refused("deny class 0x060000/0x000000",
	               "t.rules:1:12: class mask 0x000000 matches every device; leave the "
	               "condition out instead");
	assert_refused("deny class 0x123",
	               "t.rules:1:12: class '0x123' has 3 hex digits; use 2 (base class), 4 (with "
	               "subclass) or 6 (with programming interface)");
	assert_refused(
	    "deny class 0x06ff-0x0600",
	    "t.rules:1:12: class range '0x06ff-0x0600' is empty: its start is above its end");
	assert_refused("deny class 0x06-0x0600",
	               "t.rules:1:12: class range '0x06-0x0600' mixes 2 and 4 hex digits");
	assert_refused("deny class bridge",
	               "t.rules:1:12: 'bridge' is not a hex class like 0x0300");
	assert_refused("allow address 0000:03:20.0",
	               "t.rules:1:15: '0000:03:20.0' is not a valid PCI address (DDDD:BB:DD.F)");
	assert_refused("allow address 0000/03", "t.rules:1:15: '0000/03' is not a device address "
	                                        "or glob (letters, digits and : . _ - * ? [ ] !)");
	assert_refused("allow driver vfio/pci", "t.rules:1:14: 'vfio/pci' is not a driver name or "
	                                        "glob ([A-Za-z0-9_-] and * ?, at most 64)");
	assert_refused("allow driver vfio-pci (vendor 0x8086", "t.rules:1:23: '(' is never closed");
	assert_refused("allow driver vfio-pci vendor 0x8086)",
	               "t.rules:1:36: ')' without a matching '('");
	assert_refused("allow ()", "t.rules:1:8: empty parentheses");
	assert_refused("allow driver x or", "t.rules:1:16: 'or' needs a condition after it");
	assert_refused("allow or driver x", "t.rules:1:7: 'or' needs a condition before it");
	assert_refused("allow driver x if", "t.rules:1:18: 'if' needs a condition after it");
	assert_refused("allow not", "t.rules:1:10: 'not' needs a condition after it");
	assert_refused("allow (not)", "t.rules:1:11: 'not' needs a condition after it");
	assert_refused("allow lockdown maximum", "t.rules:1:16: 'lockdown' needs one of none, "
	                                         "integrity, confidentiality, not 'maximum'");
	assert_refused("allow user -x", "t.rules:1:12: '-x' is not a valid name for 'user' "
	                                "([A-Za-z0-9_.-], at most 32, not starting with '-')");
	assert_refused("allow user 99999999999", "t.rules:1:12: '99999999999' is not a valid uid");
	assert_refused("allow group wheel,adm",
	               "t.rules:1:13: 'wheel,adm' is not a valid name for 'group' ([A-Za-z0-9_.-], "
	               "at most 32, not starting with '-')");
	assert_refused("allow selinux-type sysadm-t",
	               "t.rules:1:20: 'sysadm-t' is not an SELinux type ([A-Za-z0-9_])");
	assert_refused("allow iommu-group-size > x", "t.rules:1:26: 'x' is not a decimal number");
	assert_refused("allow iommu-group-size >",
	               "t.rules:1:25: 'iommu-group-size' needs a number after '>'");
	assert_refused("allow iommu-group-size 2000000",
	               "t.rules:1:24: number '2000000' is above 1000000");
	assert_refused("allow backs-mount \"relative\"",
	               "t.rules:1:19: mount point 'relative' is not an absolute path");
	assert_refused("allow group \"wheel", "t.rules:1:13: unterminated quoted string");
	assert_refused(
	    "allow group \"a\\nb\"",
	    "t.rules:1:15: unknown escape in quoted string (only \\\" and \\\\ are allowed)");
	assert_refused("allow group \"x\"y",
	               "t.rules:1:16: a quoted string must be followed by a blank");
	assert_refused("allow group x\"y\"", "t.rules:1:14: a quoted string must follow a blank");
	assert_refused("allow driver x\x01",
	               "t.rules:1:15: control character 0x01 is not allowed outside comments");
	assert_refused("allow driver caf\xc3\xa9",
	               "t.rules:1:17: non-ASCII byte 0xc3 is not allowed outside comments");
	assert_refused("deny boot-vga allow",
	               "t.rules:1:15: 'allow' may only start a rule (one rule per line)");
	assert_refused("allow \"x\"", "t.rules:1:7: expected a condition, not a quoted string");
	assert_refused("# fine\n\nallow driver *\ndeny foo\n",
	               "t.rules:4:6: unknown condition 'foo'");
	/* Comments may hold UTF-8; the error is still on the right line and column. */
	assert_refused("deny boot-vga # café\n  allow  bogus",
	               "t.rules:2:10: unknown condition 'bogus'");
}

static void test_limits(void **state)
{
	char *text = malloc(BB_POLICY_MAX_FILE_SIZE + 2);
	char expected[128];
	size_t len;
	(void)state;
	assert_non_null(text);
	if (!text) /* for the compiler: cmocka's assert does not tell it the test stops */
		return;

	/* a line one byte too long */
	memset(text, 'a', BB_POLICY_MAX_LINE + 1);
	assert_refused_len(text, BB_POLICY_MAX_LINE + 1, -E2BIG,
	                   "t.rules:1:4097: line longer than 4096 bytes");

	/* 300 tokens in one rule: the 257th is refused */
	len = (size_t)sprintf(text, "deny");
	for (int i = 0; i < 300; i++)
		len += (size_t)sprintf(text + len, " boot-vga");
	snprintf(expected, sizeof(expected), "t.rules:1:%d: more than 256 tokens in one rule",
	         6 + 9 * 255);
	assert_refused_len(text, len, -E2BIG, expected);

	/* 16 nested 'not' are fine, 17 are not */
	len = (size_t)sprintf(text, "deny");
	for (int i = 0; i < 16; i++)
		len += (size_t)sprintf(text + len, " not");
	sprintf(text + len, " boot-vga");
	assert_parses(text, 1);
	len = (size_t)sprintf(text, "deny");
	for (int i = 0; i < 17; i++)
		len += (size_t)sprintf(text + len, " not");
	len += (size_t)sprintf(text + len, " boot-vga");
	assert_refused_len(text, len, -E2BIG, "t.rules:1:70: nesting deeper than 16 levels");

	/* parentheses count as nesting too */
	len = (size_t)sprintf(text, "deny ");
	for (int i = 0; i < 20; i++)
		text[len++] = '(';
	len += (size_t)sprintf(text + len, "boot-vga");
	for (int i = 0; i < 20; i++)
		text[len++] = ')';
	assert_refused_len(text, len, -E2BIG, "t.rules:1:22: nesting deeper than 16 levels");

	/* a word longer than 255 bytes */
	len = (size_t)sprintf(text, "allow group ");
	memset(text + len, 'g', 300);
	len += 300;
	assert_refused_len(text, len, -E2BIG, "t.rules:1:13: word longer than 255 bytes");

	/* NUL is refused even inside a comment */
	assert_refused_len("deny boot-vga # a\0b", 19, -EINVAL,
	                   "t.rules:1:18: a NUL byte is not allowed in a rules file");

	/* a file above the size limit */
	memset(text, '#', BB_POLICY_MAX_FILE_SIZE + 1);
	assert_refused_len(text, BB_POLICY_MAX_FILE_SIZE + 1, -EFBIG,
	                   "t.rules: file larger than 8388608 bytes");
	free(text);
}

static void test_many_rules_in_one_string(void **state)
{
	size_t cap = 64 * 10000, len = 0;
	char *text = malloc(cap);
	(void)state;
	assert_non_null(text);
	for (int i = 0; i < 10000; i++)
		len += (size_t)snprintf(text + len, cap - len,
		                        "allow driver vfio-pci vendor 0x10de device 0x%04x\n", i);
	assert_parses(text, 10000);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_issue_examples_parse),
	    cmocka_unit_test(test_valid_forms),
	    cmocka_unit_test(test_invalid_forms),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_many_rules_in_one_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
