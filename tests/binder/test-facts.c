/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Link shape checks and the /proc fact readers, on fixed texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bb-log.h"
#include "broker.h"
#include "proc-facts.h"
#include "sysfs-path.h"

static void test_link_shape(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(bb_link_below_root("../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0",
	                                    3, "devices/", "0000:01:00.0", buf, sizeof(buf)),
	                 0);
	assert_string_equal(buf, "devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	/* Wrong depth, wrong tree, wrong tail, escapes, doubled slashes, absolute. */
	assert_int_equal(bb_link_below_root("../../devices/pci0000:00/0000:01:00.0", 3, "devices/",
	                                    "0000:01:00.0", buf, sizeof(buf)),
	                 -EBADMSG);
	assert_int_equal(bb_link_below_root("../../../etc/0000:01:00.0", 3, "devices/",
	                                    "0000:01:00.0", buf, sizeof(buf)),
	                 -EBADMSG);
	assert_int_equal(bb_link_below_root("../../../devices/pci0000:00/0000:01:00.1", 3,
	                                    "devices/", "0000:01:00.0", buf, sizeof(buf)),
	                 -EBADMSG);
	assert_int_equal(bb_link_below_root("../../../devices/pci0000:00/x0000:01:00.0", 3,
	                                    "devices/", "0000:01:00.0", buf, sizeof(buf)),
	                 -EBADMSG);
	assert_int_equal(bb_link_below_root("../../../devices/../../0000:01:00.0", 3, "devices/",
	                                    "0000:01:00.0", buf, sizeof(buf)),
	                 -EBADMSG);
	assert_int_equal(bb_link_below_root("../../../devices//0000:01:00.0", 3, "devices/",
	                                    "0000:01:00.0", buf, sizeof(buf)),
	                 -EBADMSG);
	assert_int_equal(bb_link_below_root("/sys/devices/0000:01:00.0", 0, "devices/",
	                                    "0000:01:00.0", buf, sizeof(buf)),
	                 -EBADMSG);
	assert_int_equal(bb_resolve_link("devices/virtual/nvme-subsystem/nvme-subsys0",
	                                 "../../../pci0000:00/0000:3d:00.0/nvme/nvme0", buf,
	                                 sizeof(buf)),
	                 0);
	assert_string_equal(buf, "devices/pci0000:00/0000:3d:00.0/nvme/nvme0");
	assert_int_equal(bb_resolve_link("class/block", "../../../etc", buf, sizeof(buf)),
	                 -EBADMSG);
	assert_int_equal(bb_resolve_link("class/block", "/etc", buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(bb_resolve_link("class/block", "../..", buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(bb_resolve_link("class/block", "..//x", buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(bb_resolve_link("class/../block", "x", buf, sizeof(buf)), -EBADMSG);
	assert_false(bb_path_is_clean("a/./b"));
	assert_false(bb_path_is_clean("a/b/"));
	assert_true(bb_path_is_clean("kernel/iommu_groups/12"));
}

static void test_route(void **state)
{
	static const char route[] =
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
	    "eth0\t0002A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
	    "eth1\t0000A8C0\t00000000\t0001\t0\t0\t100\t0000FFFF\t0\t0\t0\n"
	    "eth2\t00000000\t0102A8C0\t0002\t0\t0\t100\t00000000\t0\t0\t0\n";

	(void)state;
	assert_true(bb_route_text_has_default(route, "eth0"));
	assert_false(bb_route_text_has_default(route, "eth1"));
	assert_false(bb_route_text_has_default(route, "eth2")); /* not up */
	assert_false(bb_route_text_has_default(route, "eth"));
	assert_false(bb_route_text_has_default("", "eth0"));
}

static void test_mounts_swaps(void **state)
{
	static const char mounts[] = "sysfs /sys sysfs rw 0 0\n"
	                             "/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n"
	                             "/dev/sdb /data xfs rw 0 0\n";
	static const char swaps[] =
	    "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
	    "/dev/sda3                               partition\t1000\t0\t-2\n"
	    "/swapfile                               file\t\t1000\t0\t-3\n";

	(void)state;
	assert_true(bb_mounts_text_uses(mounts, "nvme0n1"));
	assert_true(bb_mounts_text_uses(mounts, "nvme0n1p2"));
	assert_false(bb_mounts_text_uses(mounts, "nvme0n1p1"));
	assert_false(bb_mounts_text_uses(mounts, "nvme0"));
	assert_true(bb_mounts_text_uses(mounts, "sdb"));
	assert_false(bb_mounts_text_uses(mounts, "sd"));
	assert_true(bb_swaps_text_uses(swaps, "sda"));
	assert_false(bb_swaps_text_uses(swaps, "sdb"));
	assert_false(bb_swaps_text_uses(swaps, "Filename"));
	assert_false(bb_dev_path_is_block("/dev/sda1x", "sda"));
	assert_false(bb_dev_path_is_block("/dev/nvme0n1p", "nvme0n1"));
	assert_false(bb_dev_path_is_block("/tmp/sda", "sda"));
}

static void test_names(void **state)
{
	bb_address a;

	(void)state;
	assert_true(bb_driver_is_vfio("vfio-pci"));
	assert_true(bb_driver_is_vfio("mlx5_vfio_pci"));
	assert_false(bb_driver_is_vfio("e1000e"));
	assert_false(bb_driver_is_vfio("vfio"));
	assert_true(bb_class_is_bridge(0x060400));
	assert_true(bb_class_is_bridge(0x060000));
	assert_false(bb_class_is_bridge(0x060100));
	assert_false(bb_class_is_bridge(0x030000));
	assert_int_equal(bb_address_parse("0000:0A:1f.7", &a), 0);
	assert_string_equal(a.s, "0000:0a:1f.7");
	assert_int_equal(bb_address_parse("0000:03:00.0\n", &a), -EINVAL);
	assert_int_equal(bb_address_parse("../../", &a), -EINVAL);
}

static void collect(const char *mountpoint, void *userdata)
{
	char *out = userdata;
	strcat(out, mountpoint);
	strcat(out, "|");
}

static void test_mountpoints(void **state)
{
	const char *mounts = "/dev/nvme0n1p2 / ext4 rw 0 0\n"
			     "/dev/nvme0n1p1 /boot/efi vfat rw 0 0\n"
			     "/dev/nvme0n1p3 /srv/with\\040space xfs rw 0 0\n"
			     "/dev/sda1 /data ext4 rw 0 0\n";
	char out[256] = "";

	(void)state;
	assert_int_equal(bb_mounts_text_foreach(mounts, "nvme0n1p3", collect, out), 1);
	assert_string_equal(out, "/srv/with space|"); /* octal escape decoded */
	out[0] = '\0';
	assert_int_equal(bb_mounts_text_foreach(mounts, "sdb1", collect, out), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link_shape),
	    cmocka_unit_test(test_route),
	    cmocka_unit_test(test_mounts_swaps),
	    cmocka_unit_test(test_mountpoints),
	    cmocka_unit_test(test_names),
	};
	bb_log_set_max_priority(LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
