/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every rule of the shipped default policy (policy/default.d/50-default.rules) against
 * the devices of a GPU server, loaded through the loader as the daemon would.
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
#include <cmocka.h>

#include "bb-fileio.h"
#include "bb-macro.h"
#include "bb-policy.h"
#include "policy-test-util.h"

static struct bb_policy *policy;
static char *policy_text;
static char tmpdir[] = "/tmp/bb-policy-default-XXXXXX";
static char rules_path[256];

static int setup(void **state)
{
	_cleanup_close_ int src = -1, dfd = -1;
	struct bb_policy_error err = {};
	size_t len;
	(void)state;

	src = open(POLICY_DEFAULT_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0 || bb_read_file_at(src, "50-default.rules", 1 << 20, &policy_text, &len) < 0)
		return -1;
	/* A private copy with the owner and mode the loader insists on. */
	if (!mkdtemp(tmpdir))
		return -1;
	dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || bb_write_file_atomic_at(dfd, "50-default.rules", policy_text, len, 0644) < 0)
		return -1;
	snprintf(rules_path, sizeof(rules_path), "%s/50-default.rules", tmpdir);
	struct bb_policy_load_options opts = {.trusted_uid = getuid()};
	if (bb_policy_load_dir(tmpdir, &opts, &policy, &err) < 0) {
		fprintf(stderr, "%s\n", err.text);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bb_policy_unref(policy);
	unlink(rules_path);
	rmdir(tmpdir);
	free(policy_text);
	return 0;
}

/* The line number of the rule that starts with RULE in the shipped file. */
static unsigned line_of(const char *rule)
{
	unsigned line = 1;
	size_t n = strlen(rule);

	for (const char *s = policy_text; *s; line++) {
		const char *nl = strchr(s, '\n');
		if (strncmp(s, rule, n) == 0 && (s[n] == ' ' || s[n] == '\n' || s[n] == '\0'))
			return line;
		if (!nl)
			break;
		s = nl + 1;
	}
	fail_msg("rule '%s' is not in the default policy", rule);
	return 0;
}

static void assert_rule(const struct bb_policy_facts *f, enum bb_policy_verdict verdict,
                        const char *rule)
{
	struct bb_policy_decision d;

	assert_int_equal(bb_policy_evaluate(policy, f, &d), 0);
	if (d.source != BB_POLICY_SOURCE_RULE || strcmp(d.rule_text, rule) != 0)
		fail_msg("%s -> %s: expected '%s', got %s '%s' (%s)", f->address, f->driver, rule,
		         bb_policy_source_to_string(d.source), d.rule_text, d.reason);
	assert_int_equal(d.verdict, verdict);
	assert_string_equal(d.file, rules_path);
	assert_int_equal(d.line, line_of(rule));
}

static void assert_builtin(const struct bb_policy_facts *f, const char *check)
{
	struct bb_policy_decision d;

	assert_int_equal(bb_policy_evaluate(policy, f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_DENY);
	assert_int_equal(d.source, BB_POLICY_SOURCE_BUILTIN);
	assert_string_equal(d.builtin, check);
}

static void assert_no_match(const struct bb_policy_facts *f)
{
	struct bb_policy_decision d;

	assert_int_equal(bb_policy_evaluate(policy, f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_DENY);
	assert_int_equal(d.source, BB_POLICY_SOURCE_NO_MATCH);
}

static void test_bridges(void **state)
{
	struct bb_policy_facts f;
	(void)state;

	f = gpu_server_facts(DEV_ROOT_PORT, "vfio-pci");
	assert_rule(&f, BB_POLICY_DENY, "deny bridge");
	/* alone, the ASPEED bridge's group is not viable (its VGA stays on ast): built-in */
	f = gpu_server_facts(DEV_BMC_BRIDGE, "vfio-pci");
	assert_builtin(&f, "iommu-group-viability");
	f.group_bind = true;
	assert_rule(&f, BB_POLICY_DENY, "deny bridge");
	f.group_bind = false;
	f.driver = "pci-stub";
	assert_rule(&f, BB_POLICY_DENY, "deny bridge");
	/* a host bridge has a type 0 header: the class rule catches it */
	f = gpu_server_facts(DEV_HOST_BRIDGE, "vfio-pci");
	assert_rule(&f, BB_POLICY_DENY, "deny class 0x06");
	f.driver = "pci-stub";
	assert_rule(&f, BB_POLICY_DENY, "deny class 0x06");
}

static void test_non_endpoint(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_RCEC, "vfio-pci");
	(void)state;
	assert_rule(&f, BB_POLICY_DENY, "deny not endpoint");
}

static void test_boot_vga(void **state)
{
	/* The ASPEED shares its group with its bridge only: viable, so the rule decides. */
	struct bb_policy_facts f = gpu_server_facts(DEV_BMC_VGA, "vfio-pci");
	(void)state;
	assert_rule(&f, BB_POLICY_DENY, "deny boot-vga");
	f.group_bind = true;
	assert_rule(&f, BB_POLICY_DENY, "deny boot-vga");
}

static void test_boot_disk(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_NVME, "vfio-pci");
	static const struct bb_policy_block_child swap_only[] = {{"nvme0n1p3", NULL, 0, true}};
	static const struct bb_policy_block_child unused[] = {{"nvme0n1", NULL, 0, false}};
	struct bb_policy_decision d;
	(void)state;

	assert_rule(&f, BB_POLICY_DENY, "deny backs-mount");
	assert_int_equal(bb_policy_evaluate(policy, &f, &d), 0);
	assert_non_null(strstr(decision_fact(&d, "mounts"), "nvme0n1p2 on /"));
	f.block_children = swap_only;
	f.n_block_children = 1;
	assert_rule(&f, BB_POLICY_DENY, "deny backs-mount");
	/* a storage controller with idle disks falls to the end: no rule allows class 0x01 */
	f.block_children = unused;
	assert_no_match(&f);
}

static void test_default_route(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_NIC_ROUTE, "vfio-pci");
	struct bb_policy_decision d;
	(void)state;

	assert_rule(&f, BB_POLICY_DENY, "deny carries-default-route");
	assert_int_equal(bb_policy_evaluate(policy, &f, &d), 0);
	assert_string_equal(decision_fact(&d, "default_route"), "via eno1");
}

static void test_spare_nic(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_NIC_SPARE, "vfio-pci");
	(void)state;

	assert_rule(&f, BB_POLICY_ALLOW, "allow driver vfio-pci class 0x02 group bindbroker-admin");
	as_plain_user(&f);
	assert_no_match(&f);
}

static void test_eight_gpus(void **state)
{
	static const char *const buses[] = {"18", "2a", "3b", "5d", "9a", "ab", "ba", "db"};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(buses); i++) {
		char gpu[16], audio[16];
		struct bb_policy_group_member members[2];
		struct bb_policy_facts f = gpu_server_facts(DEV_GPU7, "vfio-pci");

		snprintf(gpu, sizeof(gpu), "0000:%s:00.0", buses[i]);
		snprintf(audio, sizeof(audio), "0000:%s:00.1", buses[i]);
		members[0] = (struct bb_policy_group_member){gpu, 0x030000, "nvidia", false};
		members[1] =
		    (struct bb_policy_group_member){audio, 0x040300, "snd_hda_intel", false};
		f.address = gpu;
		f.iommu_group = 30 + (int)i;
		f.group_members = members;

		/* alone: its audio function keeps the group on the host */
		assert_builtin(&f, "iommu-group-viability");
		/* with its group: the GPU as display, the audio function along with it */
		f.group_bind = true;
		assert_rule(&f, BB_POLICY_ALLOW,
		            "allow driver vfio-pci class 0x03 group bindbroker-admin");
		f.address = audio;
		f.class_code = 0x040300;
		f.vendor = 0x10de, f.device = 0x1aef;
		assert_rule(&f, BB_POLICY_ALLOW,
		            "allow driver vfio-pci class 0x0403 group-bind group bindbroker-admin");
		/* the audio function alone is no passthrough device */
		f.group_bind = false;
		members[0].driver = "vfio-pci";
		assert_no_match(&f);
		/* a non-admin gets nothing */
		f.group_bind = true;
		as_plain_user(&f);
		assert_no_match(&f);
	}
}

static void test_3d_controller(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_GPU7, "vfio-pci");
	(void)state;
	f.class_code = 0x030200; /* a 3D controller (H100-like) */
	f.group_bind = true;
	assert_rule(&f, BB_POLICY_ALLOW, "allow driver vfio-pci class 0x03 group bindbroker-admin");
}

static void test_accelerator(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_ACCEL, "vfio-pci");
	(void)state;
	assert_rule(&f, BB_POLICY_ALLOW, "allow driver vfio-pci class 0x12 group bindbroker-admin");
}

static void test_variant_needs_signed_table(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_CX6, "mlx5_vfio_pci");
	struct bb_policy_decision d;
	(void)state;

	assert_rule(&f, BB_POLICY_DENY, "deny driver *_vfio_pci");
	f.signed_table_covered = true;
	f.signed_table_name = "nvidia-networking";
	assert_rule(&f, BB_POLICY_ALLOW, "allow driver *_vfio_pci if signed-table");
	assert_int_equal(bb_policy_evaluate(policy, &f, &d), 0);
	assert_string_equal(decision_fact(&d, "signed_table"),
	                    "nvidia-networking covers 0000:41:00.0 for mlx5_vfio_pci");
	/* any requester: the vendor's signature is the authority here */
	as_plain_user(&f);
	assert_rule(&f, BB_POLICY_ALLOW, "allow driver *_vfio_pci if signed-table");
	/* plain vfio-pci for the same NIC: the admin rule */
	f = gpu_server_facts(DEV_CX6, "vfio-pci");
	assert_rule(&f, BB_POLICY_ALLOW, "allow driver vfio-pci class 0x02 group bindbroker-admin");
}

static void test_denylisted(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_QAT, "vfio-pci");
	(void)state;
	assert_builtin(&f, "vfio-denylist");
}

static void test_host_driver_not_granted(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_GPU7, "nouveau");
	(void)state;
	assert_no_match(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bridges),       cmocka_unit_test(test_non_endpoint),
	    cmocka_unit_test(test_boot_vga),      cmocka_unit_test(test_boot_disk),
	    cmocka_unit_test(test_default_route), cmocka_unit_test(test_spare_nic),
	    cmocka_unit_test(test_eight_gpus),    cmocka_unit_test(test_3d_controller),
	    cmocka_unit_test(test_accelerator),   cmocka_unit_test(test_variant_needs_signed_table),
	    cmocka_unit_test(test_denylisted),    cmocka_unit_test(test_host_driver_not_granted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
