/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The evaluator: the meaning of the example lines, the class and comparison
 * semantics, the built-in checks (deny-list, IOMMU group viability) and explanations.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "bb-policy.h"
#include "bb-macro.h"
#include "policy-test-util.h"

static struct bb_policy *compile(const char *text)
{
	struct bb_policy *p = NULL;
	struct bb_policy_error err = {};

	if (bb_policy_parse_string("t.rules", text, strlen(text), &p, &err) < 0)
		fail_msg("'%s' did not parse: %s", text, err.text);
	return p;
}

/* The verdict of TEXT (one policy) for facts F. */
static enum bb_policy_verdict verdict_of(const char *text, const struct bb_policy_facts *f)
{
	struct bb_policy *p = compile(text);
	struct bb_policy_decision d;

	assert_int_equal(bb_policy_evaluate(p, f, &d), 0);
	bb_policy_unref(p);
	return d.verdict;
}

#define assert_allows(text, f) assert_int_equal(verdict_of((text), (f)), BB_POLICY_ALLOW)
#define assert_denies(text, f) assert_int_equal(verdict_of((text), (f)), BB_POLICY_DENY)

static void test_example_boot_vga(void **state)
{
	/* "deny boot-vga": never rebind the boot VGA device, whatever comes after. */
	const char *policy = "deny boot-vga\nallow";
	struct bb_policy_facts vga = gpu_server_facts(DEV_BMC_VGA, "vfio-pci");
	struct bb_policy_facts gpu = gpu_server_facts(DEV_GPU7, "vfio-pci");
	(void)state;
	gpu.group_bind = true;
	assert_denies(policy, &vga);
	assert_allows(policy, &gpu);
}

static void test_example_bridge_class(void **state)
{
	/* "deny class 0x060000/0xff0000": no bridge of any kind (base class 0x06). */
	const char *policy = "deny class 0x060000/0xff0000\nallow";
	struct bb_policy_facts host = gpu_server_facts(DEV_HOST_BRIDGE, "pci-stub");
	struct bb_policy_facts port = gpu_server_facts(DEV_ROOT_PORT, "pci-stub");
	struct bb_policy_facts nic = gpu_server_facts(DEV_NIC_SPARE, "pci-stub");
	(void)state;
	assert_denies(policy, &host);
	assert_denies(policy, &port);
	assert_allows(policy, &nic);
}

static void test_example_wheel_network(void **state)
{
	/* Members of wheel may hand network devices to vfio-pci; nothing else matches. */
	const char *policy = "allow driver vfio-pci class 0x020000/0xff0000 group wheel";
	static const char *const wheel[] = {"users", "wheel"};
	struct bb_policy_facts f = gpu_server_facts(DEV_NIC_SPARE, "vfio-pci");
	(void)state;

	f.group_names = wheel;
	assert_allows(policy, &f);
	f.driver = "vfio_pci"; /* the module's spelling names the same driver */
	assert_allows(policy, &f);
	f.driver = "mlx5_vfio_pci";
	assert_denies(policy, &f);
	f.driver = "vfio-pci";
	as_plain_user(&f);
	assert_denies(policy, &f);
	f = gpu_server_facts(DEV_ACCEL, "vfio-pci");
	f.group_names = wheel;
	assert_denies(policy, &f);
}

static int covers_mlx5(const char *driver, char *table, size_t size, void *userdata)
{
	int *calls = userdata;
	(*calls)++;
	if (strcmp(driver, "mlx5_vfio_pci") != 0)
		return 0;
	snprintf(table, size, "nvidia-networking-2026");
	return 1;
}

static void test_example_signed_table(void **state)
{
	/* "allow driver * if signed-table": any driver a valid signed table lists. */
	const char *policy = "allow driver * if signed-table";
	struct bb_policy_facts f = gpu_server_facts(DEV_CX6, "mlx5_vfio_pci");
	int calls = 0;
	(void)state;

	assert_denies(policy, &f); /* neither callback nor precomputed coverage */
	f.signed_table_covered = true;
	f.signed_table_name = "fleet";
	assert_allows(policy, &f);

	f.signed_table_covered = false;
	f.table_lookup = covers_mlx5;
	f.table_lookup_userdata = &calls;
	assert_allows(policy, &f);
	f.driver = "mlx4_core";
	assert_denies(policy, &f);
	assert_int_equal(calls, 2); /* once per decision, however often rules ask */
}

static void test_example_one_id_one_user(void **state)
{
	const char *policy = "allow driver vfio-pci vendor 0x8086 device 0x10d3 user root";
	struct bb_policy_facts f = gpu_server_facts(DEV_NIC_SPARE, "vfio-pci");
	(void)state;

	f.device = 0x10d3;
	f.user_name = "root";
	f.uid = 0;
	assert_allows(policy, &f);
	f.device = 0x1521;
	assert_denies(policy, &f);
	f.device = 0x10d3;
	f.user_name = "alice";
	f.uid = 1000;
	assert_denies(policy, &f);
	/* by number: uid 0 whatever its name */
	f.uid = 0;
	f.user_name = "toor";
	assert_allows("allow user 0", &f);
	assert_denies("allow user root", &f);
}

static void test_class_forms(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_NVME, "vfio-pci"); /* 0x010802 */
	(void)state;
	f.block_children = NULL, f.n_block_children = 0;

	assert_allows("allow class 0x01", &f);
	assert_allows("allow class 0x0108", &f);
	assert_allows("allow class 0x010802", &f);
	assert_denies("allow class 0x010801", &f);
	assert_allows("allow class 0x0100-0x01ff", &f);
	assert_allows("allow class 0x0108-0x0108", &f);
	assert_denies("allow class 0x0600-0x06ff", &f);
	assert_denies("allow class 0x0109-0x01ff", &f);
	assert_allows("allow class 0x00-0x01", &f);
	assert_allows("allow class 0x010800/0xffff00", &f);
	assert_denies("allow class 0x010000/0xffff00", &f);
	assert_allows("allow class 0x010000/0xff0000", &f);
	assert_allows("allow class 0x010800-0x0108ff", &f);
}

static void test_operators(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_GPU0, "vfio-pci"); /* group of 3 */
	(void)state;
	f.group_bind = true;

	assert_allows("allow iommu-group-size 3", &f);
	assert_allows("allow iommu-group-size > 2", &f);
	assert_allows("allow iommu-group-size >=3", &f);
	assert_denies("allow iommu-group-size < 3", &f);
	assert_denies("allow iommu-group-size != 3", &f);
	assert_allows("allow iommu-group 30", &f);
	assert_allows("allow address 0000:18:00.*", &f);
	assert_denies("allow address 0000:18:00.1", &f);
	assert_allows("allow address 0000:18:00.0", &f);
	assert_allows("allow not boot-vga", &f);
	assert_allows("allow not not not boot-vga", &f);
	assert_denies("allow not not boot-vga", &f);
	assert_allows("allow boot-vga or vendor 0x10de", &f);
	assert_allows("allow vendor 0x1002 device 0x1 or vendor 0x10de device 0x2204", &f);
	assert_denies("allow vendor 0x10de (device 0x1 or boot-vga)", &f);
	assert_allows("allow vendor 0x10de (device 0x1 or not boot-vga)", &f);
	assert_allows("allow group-bind", &f);
	assert_allows("allow selinux-type sysadm_t", &f);
	assert_denies("allow selinux-type unconfined_t", &f);
	/* '-' and '_' are one character in driver names, on both sides; hex is caseless */
	assert_allows("allow driver vfio_pci", &f);
	assert_allows("allow driver v*-p?i", &f);
	assert_allows("allow address 0000:18:00.0 vendor 0x10DE", &f);
	assert_allows("allow address 0000:1[0-9]:00.0", &f);
	f.driver = "mlx5_vfio_pci";
	assert_allows("allow driver mlx5-vfio-pci", &f);
	assert_allows("allow driver *-vfio-pci", &f);
	assert_denies("allow driver vfio-pci", &f);
	f.driver = "vfio-pci";
	/* the id pre-filter keeps the meaning of every form */
	assert_denies("allow vendor 0x10de vendor 0x1002", &f);
	assert_allows("allow vendor 0x10de vendor 0x10de device 0x2204", &f);
	assert_allows("allow vendor 0x1002 or vendor 0x10de", &f);
	assert_denies("allow not vendor 0x10de", &f);
	assert_allows("allow not vendor 0x1002 device 0x2204", &f);
	assert_denies("allow device 0x2205 (vendor 0x10de)", &f);
	/* first match wins */
	assert_denies("deny vendor 0x10de\nallow", &f);
	assert_allows("allow vendor 0x10de\ndeny", &f);
	/* no match denies */
	assert_denies("allow vendor 0x1002", &f);
}

static void test_lockdown_levels(void **state)
{
	struct bb_policy_facts f = gpu_server_facts(DEV_ACCEL, "vfio-pci");
	(void)state;

	f.lockdown = BB_POLICY_LOCKDOWN_NONE;
	assert_allows("allow lockdown none", &f);
	assert_denies("allow lockdown integrity", &f);
	f.lockdown = BB_POLICY_LOCKDOWN_INTEGRITY;
	assert_denies("allow lockdown none", &f);
	assert_allows("allow lockdown integrity", &f);
	assert_denies("allow lockdown confidentiality", &f);
	f.lockdown = BB_POLICY_LOCKDOWN_CONFIDENTIALITY;
	assert_allows("allow lockdown integrity", &f); /* confidentiality includes integrity */
	assert_allows("allow lockdown confidentiality", &f);
}

static void test_mounts_and_routes(void **state)
{
	struct bb_policy_facts nvme = gpu_server_facts(DEV_NVME, "vfio-pci");
	struct bb_policy_facts nic = gpu_server_facts(DEV_NIC_ROUTE, "vfio-pci");
	struct bb_policy_facts spare = gpu_server_facts(DEV_NIC_SPARE, "vfio-pci");
	static const struct bb_policy_block_child swap_only[] = {{"sda2", NULL, 0, true}};
	(void)state;

	assert_allows("allow backs-mount", &nvme);
	assert_allows("allow backs-mount /", &nvme);
	assert_allows("allow backs-mount /boot/*", &nvme);
	assert_denies("allow backs-mount /srv", &nvme);
	assert_allows("allow backs-swap", &nvme);
	nvme.block_children = swap_only;
	nvme.n_block_children = 1;
	assert_allows("allow backs-mount", &nvme); /* without a path: any mount or swap */
	assert_denies("allow backs-mount /", &nvme);
	assert_allows("allow carries-default-route", &nic);
	assert_denies("allow carries-default-route", &spare);
}

static void test_builtin_denylist(void **state)
{
	_cleanup_policy_ struct bb_policy *p = compile("allow");
	struct bb_policy_facts f = gpu_server_facts(DEV_QAT, "vfio-pci");
	static const struct bb_policy_device_id own[] = {{0x10de, 0x2204, "test entry"}};
	struct bb_policy_decision d;
	(void)state;

	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_DENY);
	assert_int_equal(d.source, BB_POLICY_SOURCE_BUILTIN);
	assert_string_equal(d.builtin, "vfio-denylist");
	assert_non_null(
	    strstr(d.reason, "8086:37c8 (Intel QAT C62X) is on the vfio-pci deny-list"));
	assert_string_equal(decision_fact(&d, "device"), "0x37c8");

	/* a host driver is no business of the deny-list */
	f.driver = "qat_c62x";
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_ALLOW);

	/* every id of the kernel's list is refused for vfio drivers */
	assert_int_equal(bb_policy_vfio_denylist_size, 8);
	for (size_t i = 0; i < bb_policy_vfio_denylist_size; i++) {
		f.driver = "vfio-pci";
		f.vendor = bb_policy_vfio_denylist[i].vendor;
		f.device = bb_policy_vfio_denylist[i].device;
		assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
		assert_string_equal(d.builtin, "vfio-denylist");
	}

	/* the broker may hand its own list */
	f = gpu_server_facts(DEV_GPU7, "vfio-pci");
	f.group_bind = true;
	f.deny_list = own;
	f.n_deny_list = 1;
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_string_equal(d.builtin, "vfio-denylist");
	f.n_deny_list = 0;
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_ALLOW);
}

static void test_builtin_group_viability(void **state)
{
	_cleanup_policy_ struct bb_policy *p = compile("allow");
	struct bb_policy_facts f = gpu_server_facts(DEV_GPU7, "vfio-pci");
	struct bb_policy_decision d;
	struct bb_policy_group_member members[3];
	(void)state;

	/* the GPU alone: its audio function stays on snd_hda_intel */
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_DENY);
	assert_int_equal(d.source, BB_POLICY_SOURCE_BUILTIN);
	assert_string_equal(d.builtin, "iommu-group-viability");
	assert_string_equal(d.reason, "IOMMU group 37 is not viable for vfio-pci: 0000:db:00.1 "
	                              "(class 0x040300) stays on host driver snd_hda_intel; bind "
	                              "the whole group instead");
	assert_string_equal(decision_fact(&d, "group_member"), "0000:db:00.1 driver snd_hda_intel");

	/* a group bind is viable */
	f.group_bind = true;
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_ALLOW);

	/* once the audio function is on vfio-pci (or no driver, or pci-stub), the GPU may go */
	f.group_bind = false;
	memcpy(members, gpu7_group, sizeof(gpu7_group));
	f.group_members = members;
	const char *safe[] = {"vfio-pci", "", NULL, "pci-stub", "mlx5_vfio_pci"};
	for (size_t i = 0; i < ARRAY_SIZE(safe); i++) {
		members[1].driver = safe[i];
		assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
		assert_int_equal(d.verdict, BB_POLICY_ALLOW);
	}

	/* bridges in the group are ignored, as the kernel does: GPU0 has a switch port */
	f = gpu_server_facts(DEV_GPU0, "vfio-pci");
	memcpy(members, gpu0_group, sizeof(gpu0_group));
	members[2].driver = "vfio-pci";
	f.group_members = members;
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_ALLOW);
	members[0].is_bridge = false; /* the same port, were it an endpoint, breaks the group */
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_string_equal(d.builtin, "iommu-group-viability");

	/* not a vfio driver: the group does not matter */
	f = gpu_server_facts(DEV_GPU7, "nouveau");
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_ALLOW);

	/* no IOMMU group at all */
	f = gpu_server_facts(DEV_ACCEL, "vfio-pci");
	f.iommu_group = -1;
	f.group_members = NULL, f.n_group_members = 0;
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_string_equal(d.builtin, "no-iommu-group");
}

static void test_explanation(void **state)
{
	_cleanup_policy_ struct bb_policy *p =
	    compile("# site policy\n"
	            "deny boot-vga\n"
	            "\n"
	            "deny backs-mount   # the boot disk\n"
	            "allow driver vfio-pci group bindbroker-admin\n");
	struct bb_policy_facts f = gpu_server_facts(DEV_NVME, "vfio-pci");
	struct bb_policy_decision d;
	_cleanup_free_ char *text = NULL;
	struct json_object *j, *v, *rule, *facts;
	(void)state;

	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_DENY);
	assert_int_equal(d.source, BB_POLICY_SOURCE_RULE);
	assert_string_equal(d.file, "t.rules");
	assert_int_equal(d.line, 4);
	assert_string_equal(d.rule_text, "deny backs-mount");
	assert_string_equal(d.reason, "denied by t.rules:4: deny backs-mount");
	/* facts: what the firing rule looked at, and only that */
	assert_int_equal(d.n_facts, 1);
	assert_string_equal(decision_fact(&d, "mounts"),
	                    "nvme0n1p1 on /boot/efi, nvme0n1p2 on /, nvme0n1p3 is swap");
	assert_null(decision_fact(&d, "boot_vga"));

	assert_int_equal(bb_policy_decision_format(&d, &text), 0);
	assert_string_equal(
	    text, "deny 0000:01:00.0 -> vfio-pci\n"
	          "  rule:   t.rules:4: deny backs-mount\n"
	          "  facts:  mounts=nvme0n1p1 on /boot/efi, nvme0n1p2 on /, nvme0n1p3 is swap\n");

	j = bb_policy_decision_to_json(&d);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "deny");
	assert_true(json_object_object_get_ex(j, "source", &v));
	assert_string_equal(json_object_get_string(v), "rule");
	assert_true(json_object_object_get_ex(j, "device", &v));
	assert_string_equal(json_object_get_string(v), "0000:01:00.0");
	assert_true(json_object_object_get_ex(j, "rule", &rule));
	assert_true(json_object_object_get_ex(rule, "file", &v));
	assert_string_equal(json_object_get_string(v), "t.rules");
	assert_true(json_object_object_get_ex(rule, "line", &v));
	assert_int_equal(json_object_get_int(v), 4);
	assert_true(json_object_object_get_ex(rule, "text", &v));
	assert_string_equal(json_object_get_string(v), "deny backs-mount");
	assert_true(json_object_object_get_ex(j, "facts", &facts));
	assert_true(json_object_object_get_ex(facts, "mounts", &v));
	assert_false(json_object_object_get_ex(j, "check", &v));
	json_object_put(j);

	/* an allow names the rule and every fact it used, in the order it used them */
	f = gpu_server_facts(DEV_ACCEL, "vfio-pci");
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_ALLOW);
	assert_int_equal(d.line, 5);
	assert_int_equal(d.n_facts, 2);
	assert_string_equal(d.facts[0].name, "driver");
	assert_string_equal(d.facts[0].value, "vfio-pci");
	assert_string_equal(d.facts[1].name, "groups");
	assert_string_equal(d.facts[1].value, "alice,bindbroker-admin");

	/* no match */
	as_plain_user(&f);
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_DENY);
	assert_int_equal(d.source, BB_POLICY_SOURCE_NO_MATCH);
	assert_string_equal(d.reason, "no rule matched");
	free(text);
	text = NULL;
	assert_int_equal(bb_policy_decision_format(&d, &text), 0);
	assert_string_equal(text, "deny 0000:51:00.0 -> vfio-pci\n  reason: no rule matched\n");
	j = bb_policy_decision_to_json(&d);
	assert_true(json_object_object_get_ex(j, "source", &v));
	assert_string_equal(json_object_get_string(v), "no-match");
	assert_false(json_object_object_get_ex(j, "rule", &v));
	json_object_put(j);

	/* a built-in check: its name and reason in both renderings */
	f = gpu_server_facts(DEV_GPU7, "vfio-pci");
	assert_int_equal(bb_policy_evaluate(p, &f, &d), 0);
	free(text);
	text = NULL;
	assert_int_equal(bb_policy_decision_format(&d, &text), 0);
	assert_non_null(strstr(text, "  check:  built-in iommu-group-viability\n"));
	assert_non_null(strstr(text, "  reason: IOMMU group 37 is not viable"));
	j = bb_policy_decision_to_json(&d);
	assert_true(json_object_object_get_ex(j, "check", &v));
	assert_string_equal(json_object_get_string(v), "iommu-group-viability");
	json_object_put(j);
}

static void test_bad_facts(void **state)
{
	_cleanup_policy_ struct bb_policy *p = compile("allow");
	struct bb_policy_facts f = gpu_server_facts(DEV_ACCEL, NULL);
	struct bb_policy_decision d;
	(void)state;

	assert_int_equal(bb_policy_evaluate(p, &f, &d), -EINVAL);
	f.driver = "vfio-pci";
	f.address = NULL;
	assert_int_equal(bb_policy_evaluate(p, &f, &d), -EINVAL);
	/* no policy at all denies */
	f = gpu_server_facts(DEV_ACCEL, "vfio-pci");
	assert_int_equal(bb_policy_evaluate(NULL, &f, &d), 0);
	assert_int_equal(d.verdict, BB_POLICY_DENY);
	assert_int_equal(d.source, BB_POLICY_SOURCE_NO_MATCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_boot_vga),
	    cmocka_unit_test(test_example_bridge_class),
	    cmocka_unit_test(test_example_wheel_network),
	    cmocka_unit_test(test_example_signed_table),
	    cmocka_unit_test(test_example_one_id_one_user),
	    cmocka_unit_test(test_class_forms),
	    cmocka_unit_test(test_operators),
	    cmocka_unit_test(test_lockdown_levels),
	    cmocka_unit_test(test_mounts_and_routes),
	    cmocka_unit_test(test_builtin_denylist),
	    cmocka_unit_test(test_builtin_group_viability),
	    cmocka_unit_test(test_explanation),
	    cmocka_unit_test(test_bad_facts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
