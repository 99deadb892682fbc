/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide(): each refusal rule, its reason text, and what it lets through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decide.h"

static struct bb_device *nic(void)
{
	static struct bb_device dev;

	memset(&dev, 0, sizeof(dev));
	strcpy(dev.address.s, "0000:18:00.1");
	dev.vendor = 0x8086;
	dev.device = 0x1572;
	dev.class_code = 0x020000;
	strcpy(dev.driver, "i40e");
	dev.boot_vga = -1;
	dev.iommu_group = 30;
	return &dev;
}

static struct bb_decision run(BbAction action, const struct bb_device *dev, const char *driver)
{
	struct bb_decide_input in = {
	    .action = action, .device = dev, .driver = driver, .lockdown = BB_LOCKDOWN_NONE};
	struct bb_decision d;

	memset(&d, 0xa5, sizeof(d)); /* every field must be written */
	decide(&in, &d);
	return d;
}

static void test_plain_nic_allowed(void **state)
{
	struct bb_decision d = run(BB_ACTION_BIND, nic(), "vfio-pci");
	(void)state;

	assert_true(d.allowed);
	assert_string_equal(d.rule, "default-allow");
	assert_string_equal(d.reason, "no rule refuses binding 0000:18:00.1 to vfio-pci");
	d = run(BB_ACTION_QUARANTINE, nic(), NULL);
	assert_true(d.allowed);
}

static void test_bridges_refused(void **state)
{
	struct bb_device *dev = nic();
	struct bb_decision d;
	(void)state;

	dev->class_code = 0x060000;
	d = run(BB_ACTION_BIND, dev, "vfio-pci");
	assert_false(d.allowed);
	assert_string_equal(d.rule, "host-bridge");
	assert_non_null(strstr(d.reason, "0000:18:00.1 is a host bridge (class 060000)"));

	dev->class_code = 0x060400;
	d = run(BB_ACTION_QUARANTINE, dev, NULL);
	assert_false(d.allowed);
	assert_string_equal(d.rule, "bridge");
	assert_non_null(strstr(d.reason, "PCI bridge"));

	/* An ISA bridge (the chipset's LPC) is refused too, though the binder's group walk
	 * does not count it as a bridge. */
	dev->class_code = 0x060100;
	d = run(BB_ACTION_BIND, dev, "vfio-pci");
	assert_false(d.allowed);
	assert_string_equal(d.rule, "bridge");
	assert_non_null(strstr(d.reason, "ISA bridge (class 060100)"));

	dev->class_code = 0x058000; /* a memory controller is not a bridge */
	assert_true(run(BB_ACTION_BIND, dev, "vfio-pci").allowed);
}

static void test_boot_vga_refused(void **state)
{
	struct bb_device *dev = nic();
	struct bb_decision d;
	(void)state;

	dev->class_code = 0x030000;
	dev->boot_vga = 0;
	assert_true(run(BB_ACTION_BIND, dev, "vfio-pci").allowed);
	dev->boot_vga = 1;
	d = run(BB_ACTION_BIND, dev, "vfio-pci");
	assert_false(d.allowed);
	assert_string_equal(d.rule, "boot-vga");
	assert_string_equal(
	    d.reason, "0000:18:00.1 is the boot VGA device (the console); refusing to bind it");
}

static void test_host_storage_and_route_refused(void **state)
{
	struct bb_device *dev = nic();
	struct bb_decision d;
	(void)state;

	dev->n_block = 2;
	strcpy(dev->block[0].name, "nvme0n1");
	strcpy(dev->block[1].name, "nvme0n1p2");
	dev->block[1].swap = true;
	d = run(BB_ACTION_QUARANTINE, dev, NULL);
	assert_false(d.allowed);
	assert_string_equal(d.rule, "backs-swap");
	assert_non_null(strstr(d.reason, "nvme0n1p2"));
	assert_non_null(strstr(d.reason, "refusing to quarantine"));

	dev->block[0].mounted = true; /* the first child that backs anything is named */
	d = run(BB_ACTION_BIND, dev, "vfio-pci");
	assert_string_equal(d.rule, "backs-mount");
	assert_non_null(strstr(d.reason, "mounted filesystem (nvme0n1)"));

	dev = nic();
	dev->n_net = 2;
	strcpy(dev->net[0].name, "eno2");
	strcpy(dev->net[1].name, "eno1");
	assert_true(run(BB_ACTION_BIND, dev, "vfio-pci").allowed);
	dev->net[1].default_route = true;
	d = run(BB_ACTION_BIND, dev, "vfio-pci");
	assert_false(d.allowed);
	assert_string_equal(d.rule, "default-route");
	assert_non_null(strstr(d.reason, "default route (eno1)"));
}

static void test_release_always_allowed(void **state)
{
	struct bb_device *dev = nic();
	struct bb_decision d;
	(void)state;

	/* Giving a device back to the host takes nothing from it, even the boot disk. */
	dev->n_block = 1;
	strcpy(dev->block[0].name, "nvme0n1");
	dev->block[0].mounted = true;
	d = run(BB_ACTION_RELEASE, dev, NULL);
	assert_true(d.allowed);
	assert_string_equal(d.rule, "release-to-host");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_nic_allowed),
	    cmocka_unit_test(test_bridges_refused),
	    cmocka_unit_test(test_boot_vga_refused),
	    cmocka_unit_test(test_host_storage_and_route_refused),
	    cmocka_unit_test(test_release_always_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
