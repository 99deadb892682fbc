/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The loader: lexical order across files, errors that name dir/file:line:col, refusal of
 * files and directories someone other than the trusted owner could write, all-or-nothing
 * loading (the previous policy stays), and a 10,000-rule file.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bb-macro.h"
#include "bb-policy.h"
#include "policy-test-util.h"

struct fixture {
	char dir[64];
	struct bb_policy_load_options opts;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/bb-policy-load-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	fx->opts.trusted_uid = getuid();
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static void write_rules(struct fixture *fx, const char *name, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0); /* whatever the umask says */
	close(fd);
}

static struct bb_policy *load_ok(struct fixture *fx)
{
	struct bb_policy *p = NULL;
	struct bb_policy_error err = {};

	if (bb_policy_load_dir(fx->dir, &fx->opts, &p, &err) < 0)
		fail_msg("load failed: %s", err.text);
	return p;
}

/* The load fails with EXPECTED_R and the error text "<dir>" EXPECTED_SUFFIX. */
static void assert_load_fails(struct fixture *fx, int expected_r, const char *expected_suffix)
{
	struct bb_policy *p = (struct bb_policy *)0x1;
	struct bb_policy_error err = {};
	char expected[512];

	assert_int_equal(bb_policy_load_dir(fx->dir, &fx->opts, &p, &err), expected_r);
	assert_ptr_equal(p, (struct bb_policy *)0x1);
	snprintf(expected, sizeof(expected), "%s%s", fx->dir, expected_suffix);
	assert_string_equal(err.text, expected);
}

static struct bb_policy_decision decide(struct bb_policy *p, const struct bb_policy_facts *f)
{
	struct bb_policy_decision d;

	assert_int_equal(bb_policy_evaluate(p, f, &d), 0);
	return d;
}

static void test_lexical_order(void **state)
{
	struct fixture *fx = *state;
	struct bb_policy_facts f = gpu_server_facts(DEV_ACCEL, "vfio-pci");
	struct bb_policy_decision d;
	char expected[256];
	(void)state;

	write_rules(fx, "50-default.rules", "deny\n", 0644);
	write_rules(fx, "10-site.rules", "# site\nallow vendor 0x1da3\n", 0600);
	/* not rules files: ignored */
	write_rules(fx, "README", "this is not a rule\n", 0644);
	write_rules(fx, ".hidden.rules", "broken (\n", 0644);
	write_rules(fx, "20-x.rules~", "broken (\n", 0644);
	write_rules(fx, "x.rules.bak", "broken (\n", 0644);

	_cleanup_policy_ struct bb_policy *p = load_ok(fx);
	assert_int_equal(bb_policy_file_count(p), 2);
	assert_int_equal(bb_policy_rule_count(p), 2);
	d = decide(p, &f);
	assert_int_equal(d.verdict, BB_POLICY_ALLOW);
	snprintf(expected, sizeof(expected), "%s/10-site.rules", fx->dir);
	assert_string_equal(d.file, expected);
	assert_int_equal(d.line, 2);

	/* "0" sorts before "1": an earlier file takes precedence */
	write_rules(fx, "05-first.rules", "deny vendor 0x1da3 # hold the accelerators\n", 0644);
	_cleanup_policy_ struct bb_policy *p2 = load_ok(fx);
	d = decide(p2, &f);
	assert_int_equal(d.verdict, BB_POLICY_DENY);
	assert_string_equal(d.rule_text, "deny vendor 0x1da3");
	snprintf(expected, sizeof(expected), "%s/05-first.rules", fx->dir);
	assert_string_equal(d.file, expected);

	/* a device neither matches: the last file's catch-all */
	f = gpu_server_facts(DEV_NIC_SPARE, "vfio-pci");
	d = decide(p2, &f);
	assert_int_equal(d.verdict, BB_POLICY_DENY);
	assert_int_equal(d.source, BB_POLICY_SOURCE_RULE);
	assert_string_equal(d.rule_text, "deny");
}

static void test_parse_error_keeps_previous(void **state)
{
	struct fixture *fx = *state;
	struct bb_policy_facts f = gpu_server_facts(DEV_ACCEL, "vfio-pci");

	write_rules(fx, "10-a.rules", "allow vendor 0x1da3\n", 0644);
	struct bb_policy *current = load_ok(fx);

	/* a later file breaks on line 3: nothing of the new set applies */
	write_rules(fx, "20-b.rules", "deny boot-vga\n\nallow driver vfio-pci clas 0x02\n", 0644);
	assert_load_fails(fx, -EINVAL, "/20-b.rules:3:23: unknown condition 'clas'");
	assert_int_equal(decide(current, &f).verdict, BB_POLICY_ALLOW);
	assert_int_equal(bb_policy_rule_count(current), 1);

	/* the broken file fixed: the reload goes through and is swapped in by the caller */
	write_rules(fx, "20-b.rules", "deny vendor 0x1da3\n", 0644);
	write_rules(fx, "10-a.rules", "deny boot-vga\n", 0644);
	struct bb_policy *fresh = load_ok(fx);
	bb_policy_unref(current);
	current = fresh;
	assert_int_equal(decide(current, &f).verdict, BB_POLICY_DENY);
	bb_policy_unref(current);
}

static void test_refuses_writable_files(void **state)
{
	struct fixture *fx = *state;

	write_rules(fx, "10-a.rules", "allow\n", 0664);
	assert_load_fails(fx, -EPERM, "/10-a.rules: refused: writable by its group (mode 0664)");
	write_rules(fx, "10-a.rules", "allow\n", 0646);
	assert_load_fails(fx, -EPERM, "/10-a.rules: refused: writable by others (mode 0646)");
	write_rules(fx, "10-a.rules", "allow\n", 0640);
	bb_policy_unref(load_ok(fx));

	/* the directory itself */
	assert_int_equal(chmod(fx->dir, 0775), 0);
	assert_load_fails(fx, -EPERM, ": refused: writable by its group (mode 0775)");
	assert_int_equal(chmod(fx->dir, 0757), 0);
	assert_load_fails(fx, -EPERM, ": refused: writable by others (mode 0757)");
	assert_int_equal(chmod(fx->dir, 0755), 0);
	bb_policy_unref(load_ok(fx));
}

static void test_refuses_foreign_owner(void **state)
{
	struct fixture *fx = *state;
	char path[256], expected[256];

	write_rules(fx, "10-a.rules", "allow\n", 0644);
	/* the trusted uid is a parameter: pretend the broker trusts only uid 4242 */
	fx->opts.trusted_uid = 4242;
	snprintf(expected, sizeof(expected),
	         ": refused: owned by uid %u, not by the trusted uid 4242", (unsigned)getuid());
	assert_load_fails(fx, -EPERM, expected);

	if (getuid() != 0) {
		skip(); /* only root can give the directory away to test the file check */
		return;
	}
	assert_int_equal(chown(fx->dir, 4242, (gid_t)-1), 0);
	assert_load_fails(fx, -EPERM,
	                  "/10-a.rules: refused: owned by uid 0, not by the trusted uid 4242");
	snprintf(path, sizeof(path), "%s/10-a.rules", fx->dir);
	assert_int_equal(chown(path, 4242, (gid_t)-1), 0);
	bb_policy_unref(load_ok(fx));
}

static void test_refuses_links_and_odd_files(void **state)
{
	struct fixture *fx = *state;
	char path[256];

	write_rules(fx, "real.txt", "allow\n", 0644);
	snprintf(path, sizeof(path), "%s/10-link.rules", fx->dir);
	assert_int_equal(symlink("real.txt", path), 0);
	assert_load_fails(fx, -EPERM, "/10-link.rules: refused: a symbolic link");
	assert_int_equal(unlink(path), 0);

	snprintf(path, sizeof(path), "%s/20-dir.rules", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_load_fails(fx, -EPERM, "/20-dir.rules: refused: not a regular file");
	assert_int_equal(rmdir(path), 0);

	/* a file above the size limit is refused before it is read */
	snprintf(path, sizeof(path), "%s/30-huge.rules", fx->dir);
	write_rules(fx, "30-huge.rules", "", 0644);
	assert_int_equal(truncate(path, BB_POLICY_MAX_FILE_SIZE + 1), 0);
	assert_load_fails(fx, -EFBIG, "/30-huge.rules: file larger than 8388608 bytes");
}

static void test_missing_and_empty(void **state)
{
	struct fixture *fx = *state;
	struct bb_policy *p = (struct bb_policy *)0x1;
	struct bb_policy_error err = {};
	struct bb_policy_facts f = gpu_server_facts(DEV_ACCEL, "vfio-pci");
	char missing[128];

	snprintf(missing, sizeof(missing), "%s/none", fx->dir);
	assert_int_equal(bb_policy_load_dir(missing, &fx->opts, &p, &err), -ENOENT);
	assert_ptr_equal(p, (struct bb_policy *)0x1);
	assert_non_null(strstr(err.text, "cannot open directory"));

	/* an empty policy.d denies everything */
	p = load_ok(fx);
	assert_int_equal(bb_policy_rule_count(p), 0);
	struct bb_policy_decision d = decide(p, &f);
	assert_int_equal(d.verdict, BB_POLICY_DENY);
	assert_string_equal(d.reason, "no rule matched");
	bb_policy_unref(p);
}

static void test_ten_thousand_rules(void **state)
{
	struct fixture *fx = *state;
	size_t cap = 100 * 10001, len = 0;
	_cleanup_free_ char *text = malloc(cap);
	struct bb_policy_facts f = gpu_server_facts(DEV_ACCEL, "vfio-pci");

	assert_non_null(text);
	for (unsigned i = 0; i < 10000; i++)
		len += (size_t)snprintf(text + len, cap - len,
		                        "allow driver vfio-pci vendor 0x1da3 device 0x%04x group "
		                        "bindbroker-admin # %u\n",
		                        0x8000 + i, i);
	write_rules(fx, "50-many.rules", text, 0644);

	_cleanup_policy_ struct bb_policy *p = load_ok(fx);
	assert_int_equal(bb_policy_rule_count(p), 10000);
	f.device = 0x8000 + 9999;
	struct bb_policy_decision d = decide(p, &f);
	assert_int_equal(d.verdict, BB_POLICY_ALLOW);
	assert_int_equal(d.line, 10000);
	f.device = 0x1020;
	d = decide(p, &f);
	assert_int_equal(d.source, BB_POLICY_SOURCE_NO_MATCH);
}

static void test_shipped_default_loads(void **state)
{
	struct fixture *fx = *state;
	_cleanup_close_ int src =
	    open(POLICY_DEFAULT_DIR "/50-default.rules", O_RDONLY | O_CLOEXEC);
	char buf[8192];
	ssize_t n;

	assert_true(src >= 0);
	n = read(src, buf, sizeof(buf) - 1);
	assert_true(n > 0 && n < (ssize_t)sizeof(buf) - 1);
	buf[n] = '\0';
	write_rules(fx, "50-default.rules", buf, 0644);
	_cleanup_policy_ struct bb_policy *p = load_ok(fx);
	assert_true(bb_policy_rule_count(p) >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lexical_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_error_keeps_previous, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refuses_writable_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refuses_foreign_owner, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refuses_links_and_odd_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_and_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ten_thousand_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shipped_default_loads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
