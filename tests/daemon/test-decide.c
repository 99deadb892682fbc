/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decide(): the facts the daemon builds from a device and a requester, decided
 * by the shipped default policy (compiled in, as the daemon has it): each
 * refusal names its rule file:line, signed-table coverage comes through the
 * callback, release is always allowed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decide.h"

extern const char bb_default_policy[];
extern const size_t bb_default_policy_size;

static struct bb_policy *policy;

/* The line of the default policy that starts with TEXT (for file:line expectations). */
static unsigned line_of(const char *text)
{
	unsigned line = 1;

	for (const char *p = bb_default_policy; *p; p++) {
		if ((p == bb_default_policy || p[-1] == '\n') &&
		    strncmp(p, text, strlen(text)) == 0)
			return line;
		if (*p == '\n')
			line++;
	}
	fail_msg("no line starts with %s", text);
	return 0;
}

static char *expect_rule(const char *text)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "default:%u", line_of(text));
	return buf;
}

static struct bb_device *nic(void)
{
	static struct bb_device dev;

	memset(&dev, 0, sizeof(dev));
	strcpy(dev.address.s, "0000:18:00.1");
	dev.vendor = 0x15b3;
	dev.device = 0x101e;
	dev.class_code = 0x020000;
	strcpy(dev.driver, "mlx5_core");
	dev.boot_vga = -1;
	dev.iommu_group = 30;
	dev.n_group = 1;
	dev.group[0].address = dev.address;
	dev.group[0].class_code = dev.class_code;
	strcpy(dev.group[0].driver, "mlx5_core");
	return &dev;
}

static char admin_group[] = "bindbroker-admin";
static char *admin_groups[] = {admin_group};

static struct bb_requester admin = {
    .uid = 1000, .user = "alice", .groups = admin_groups, .n_groups = 1, .loginuid = 1000};
static struct bb_requester stranger = {.uid = 1001, .user = "bob", .loginuid = 1001};

static int covered;
static int coverage(const struct bb_device *dev, const char *driver, bb_lockdown lockdown,
                    char *table, size_t size, void *userdata)
{
	(void)dev, (void)lockdown, (void)userdata;
	if (!covered || strcmp(driver, "mlx5_vfio_pci") != 0)
		return 0;
	snprintf(table, size, "mlx5-vfio");
	return 1;
}

static struct bb_decision run(BbAction action, const struct bb_device *dev, const char *driver,
                              const struct bb_requester *rq)
{
	struct bb_decide_input in = {
	    .action = action,
	    .device = dev,
	    .driver = driver,
	    .lockdown = BB_LOCKDOWN_INTEGRITY,
	    .requester = rq,
	    .policy = policy,
	    .coverage = coverage,
	};
	struct bb_decision d;

	assert_int_equal(decide(&in, &d), 0);
	return d;
}

static void test_admin_may_bind_nic_to_vfio_pci(void **state)
{
	struct bb_decision d = run(BB_ACTION_BIND, nic(), "vfio-pci", &admin);
	(void)state;

	assert_true(d.allowed);
	assert_string_equal(d.rule, expect_rule("allow driver vfio-pci class 0x02"));
	assert_non_null(d.policy);
	assert_non_null(strstr(d.reason, "0000:18:00.1"));
	decision_done(&d);

	d = run(BB_ACTION_BIND, nic(), "vfio-pci", &stranger);
	assert_false(d.allowed);
	assert_string_equal(d.rule, "no-match");
	decision_done(&d);
}

static void test_variant_needs_signed_table(void **state)
{
	struct bb_decision d;
	(void)state;

	covered = 0;
	d = run(BB_ACTION_BIND, nic(), "mlx5_vfio_pci", &admin);
	assert_false(d.allowed);
	assert_string_equal(d.rule, expect_rule("deny driver *_vfio_pci"));
	decision_done(&d);

	covered = 1;
	d = run(BB_ACTION_BIND, nic(), "mlx5_vfio_pci", &stranger);
	assert_true(d.allowed);
	assert_string_equal(d.rule, expect_rule("allow driver *_vfio_pci if signed-table"));
	assert_string_equal(d.table, "mlx5-vfio");
	decision_done(&d);
	covered = 0;
}

static void test_host_devices_refused(void **state)
{
	struct bb_device *dev = nic();
	struct bb_decision d;
	(void)state;

	dev->boot_vga = 1;
	d = run(BB_ACTION_BIND, dev, "vfio-pci", &admin);
	assert_false(d.allowed);
	assert_string_equal(d.rule, expect_rule("deny boot-vga"));
	decision_done(&d);

	dev = nic();
	dev->n_block = 1;
	strcpy(dev->block[0].name, "nvme0n1");
	dev->block[0].mounted = true;
	d = run(BB_ACTION_BIND, dev, "vfio-pci", &admin);
	assert_false(d.allowed);
	assert_string_equal(d.rule, expect_rule("deny backs-mount"));
	decision_done(&d);

	dev = nic();
	dev->n_net = 1;
	strcpy(dev->net[0].name, "eno1");
	dev->net[0].default_route = true;
	d = run(BB_ACTION_QUARANTINE, dev, NULL, &admin);
	assert_false(d.allowed);
	assert_string_equal(d.rule, expect_rule("deny carries-default-route"));
	decision_done(&d);

	/* A root port: class 0x0604 is a bridge header, never an endpoint. */
	dev = nic();
	dev->class_code = 0x060400;
	d = run(BB_ACTION_BIND, dev, "vfio-pci", &admin);
	assert_false(d.allowed);
	assert_string_equal(d.rule, expect_rule("deny bridge"));
	decision_done(&d);

	/* A root complex event collector has a type 0 header but is no endpoint either. */
	dev->class_code = 0x080700;
	d = run(BB_ACTION_BIND, dev, "vfio-pci", &admin);
	assert_false(d.allowed);
	assert_string_equal(d.rule, expect_rule("deny not endpoint"));
	decision_done(&d);
}

static void test_group_viability_builtin(void **state)
{
	struct bb_device *dev = nic();
	struct bb_decision d;
	(void)state;

	dev->n_group = 2;
	strcpy(dev->group[1].address.s, "0000:18:00.0");
	dev->group[1].class_code = 0x020000;
	strcpy(dev->group[1].driver, "mlx5_core");
	d = run(BB_ACTION_BIND, dev, "vfio-pci", &admin);
	assert_false(d.allowed);
	assert_string_equal(d.rule, "iommu-group-viability");
	decision_done(&d);
}

static void test_release_always_allowed(void **state)
{
	struct bb_device *dev = nic();
	struct bb_decision d;
	(void)state;

	dev->boot_vga = 1;
	d = run(BB_ACTION_RELEASE, dev, NULL, &stranger);
	assert_true(d.allowed);
	assert_string_equal(d.rule, "release-to-host");
	assert_null(d.policy);
	decision_done(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_admin_may_bind_nic_to_vfio_pci),
	    cmocka_unit_test(test_variant_needs_signed_table),
	    cmocka_unit_test(test_host_devices_refused),
	    cmocka_unit_test(test_group_viability_builtin),
	    cmocka_unit_test(test_release_always_allowed),
	};
	struct bb_policy_error err;
	int r;

	if (bb_policy_parse_string("default", bb_default_policy, bb_default_policy_size, &policy,
	                           &err) < 0) {
		fprintf(stderr, "default policy: %s\n", err.text);
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bb_policy_unref(policy);
	return r;
}
