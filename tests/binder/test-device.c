/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device model on a hand-built sysfs tree in a temp dir (plain files and
 * links, no driver-core behaviour: reading only). Covers the facts, the link
 * shape checks and the refusals.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bb-log.h"
#include "broker.h"

static char root[] = "/tmp/bb-device-XXXXXX";
static char proc[4200];
static bb_sysfs *s;

#define BRIDGE "devices/pci0000:00/0000:00:01.0"
#define NIC    BRIDGE "/0000:01:00.0"
#define FN1    BRIDGE "/0000:01:00.1"

static void mkdirs(const char *rel)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
}

static void put(const char *rel, const char *text)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void ln(const char *target, const char *rel)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void device(const char *dir, const char *vendor, const char *dev, const char *cls,
                   const char *modalias, const char *override)
{
	char p[512];

	mkdirs(dir);
#define ATTR(name, val)                                                                            \
	snprintf(p, sizeof(p), "%s/%s", dir, name);                                                \
	put(p, val)
	ATTR("vendor", vendor);
	ATTR("device", dev);
	ATTR("subsystem_vendor", "0x8086\n");
	ATTR("subsystem_device", "0x0000\n");
	ATTR("class", cls);
	ATTR("revision", "0x01\n");
	ATTR("modalias", modalias);
	ATTR("driver_override", override);
#undef ATTR
	/* uevent as the kernel writes it (pci_uevent); a bound device gets DRIVER= too. */
	{
		char text[512];
		const char *slot = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;

		snprintf(text, sizeof(text),
		         "PCI_CLASS=%lX\nPCI_ID=%04lX:%04lX\nPCI_SUBSYS_ID=8086:0000\n"
		         "PCI_SLOT_NAME=%s\nMODALIAS=%.*s\n",
		         strtoul(cls, NULL, 16), strtoul(vendor, NULL, 16), strtoul(dev, NULL, 16),
		         slot, (int)strcspn(modalias, "\n"), modalias);
		snprintf(p, sizeof(p), "%s/uevent", dir);
		put(p, text);
	}
}

/* The driver core's line in a bound device's uevent. */
static void uevent_driver(const char *dir, const char *driver)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/uevent", root, dir);
	f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "DRIVER=%s\n", driver);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	mkdirs("bus/pci/devices");
	mkdirs("bus/pci/drivers/e1000e");
	mkdirs("bus/pci/drivers/pcieport");
	mkdirs("kernel/iommu_groups/1/devices");
	mkdirs("kernel/security");
	mkdirs("class/net");
	mkdirs("class/block");
	mkdirs("etc/evil/0000:02:00.0");
	put("kernel/security/lockdown", "none [integrity] confidentiality\n");

	device(BRIDGE, "0x8086\n", "0x1901\n", "0x060400\n",
	       "pci:v00008086d00001901sv00008086sd00000000bc06sc04i00\n", "(null)\n");
	ln("../../../bus/pci/drivers/pcieport", BRIDGE "/driver");
	uevent_driver(BRIDGE, "pcieport");
	ln("../../../kernel/iommu_groups/1", BRIDGE "/iommu_group");

	device(NIC, "0x8086\n", "0x10d3\n", "0x020000\n",
	       "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00\n", "(null)\n");
	ln("../../../../bus/pci/drivers/e1000e", NIC "/driver");
	uevent_driver(NIC, "e1000e");
	ln("../../../../kernel/iommu_groups/1", NIC "/iommu_group");
	mkdirs(NIC "/net/eth0");
	mkdirs(NIC "/nvme/nvme0/nvme0n1");
	ln("../../" NIC "/net/eth0", "class/net/eth0");
	ln("../../" NIC "/nvme/nvme0/nvme0n1", "class/block/nvme0n1");
	/* A link that points elsewhere is not a child. */
	ln("../../devices/virtual/net/lo", "class/net/lo");

	device(FN1, "0x8086\n", "0x10d3\n", "0x020000\n",
	       "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00\n", "vfio-pci\n");
	ln("../../../../kernel/iommu_groups/1", FN1 "/iommu_group");
	put(FN1 "/boot_vga", "0\n");

	device("etc/evil/0000:02:00.0", "0x8086\n", "0x10d3\n", "0x020000\n",
	       "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00\n", "(null)\n");

	ln("../../../" BRIDGE, "bus/pci/devices/0000:00:01.0");
	ln("../../../" NIC, "bus/pci/devices/0000:01:00.0");
	ln("../../../" FN1, "bus/pci/devices/0000:01:00.1");
	ln("../../../etc/evil/0000:02:00.0", "bus/pci/devices/0000:02:00.0");
	ln("../../../../" BRIDGE, "kernel/iommu_groups/1/devices/0000:00:01.0");
	ln("../../../../" NIC, "kernel/iommu_groups/1/devices/0000:01:00.0");
	ln("../../../../" FN1, "kernel/iommu_groups/1/devices/0000:01:00.1");

	/* An NVMe controller with native multipath: its namespace lives under nvme-subsystem,
	 * and the root filesystem sits on LVM (dm-0) on partition 3. */
	device("devices/pci0000:00/0000:03:00.0", "0x144d\n", "0xa808\n", "0x010802\n",
	       "pci:v0000144Dd0000A808sv00008086sd00000000bc01sc08i02\n", "(null)\n");
	mkdirs("devices/pci0000:00/0000:03:00.0/nvme/nvme1");
	ln("../../../devices/pci0000:00/0000:03:00.0", "bus/pci/devices/0000:03:00.0");
	mkdirs("devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1/nvme1n1p3/holders");
	mkdirs("devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1/nvme1n1p1");
	ln("../../../pci0000:00/0000:03:00.0/nvme/nvme1",
	   "devices/virtual/nvme-subsystem/nvme-subsys1/nvme1");
	ln("../../devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1", "class/block/nvme1n1");
	ln("../../devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1/nvme1n1p3",
	   "class/block/nvme1n1p3");
	ln("../../devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1/nvme1n1p1",
	   "class/block/nvme1n1p1");
	mkdirs("devices/virtual/block/dm-0/dm");
	put("devices/virtual/block/dm-0/dm/name", "vg-root\n");
	ln("../../devices/virtual/block/dm-0", "class/block/dm-0");
	ln("../../../../../block/dm-0",
	   "devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1/nvme1n1p3/holders/dm-0");
	/* Another subsystem whose controller is not ours. */
	mkdirs("devices/virtual/nvme-subsystem/nvme-subsys2/nvme2n1");
	ln("../../devices/virtual/nvme-subsystem/nvme-subsys2/nvme2n1", "class/block/nvme2n1");

	mkdirs("proc/net");
	put("proc/net/route",
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n");
	/* As in the real /proc, mounts is a link (to self/mounts). */
	mkdirs("proc/self");
	put("proc/self/mounts", "/dev/nvme0n1p2 /data ext4 rw 0 0\n"
	                        "/dev/mapper/vg-root / ext4 rw 0 0\n"
	                        "/dev/nvme1n1p1 /boot/efi vfat rw 0 0\n");
	ln("self/mounts", "proc/mounts");
	put("proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
	snprintf(proc, sizeof(proc), "%s/proc", root);
	return bb_sysfs_open(root, proc, &s);
}

static int teardown(void **state)
{
	char cmd[4300];

	(void)state;
	s = bb_sysfs_free(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_facts(void **state)
{
	struct bb_device d;

	(void)state;
	assert_false(bb_sysfs_is_simsys(s));
	assert_int_equal(bb_device_read(s, "0000:01:00.0", &d), 0);
	assert_int_equal(d.vendor, 0x8086);
	assert_int_equal(d.device, 0x10d3);
	assert_int_equal(d.class_code, 0x020000);
	assert_int_equal(d.revision, 1);
	assert_string_equal(d.modalias, "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00");
	assert_string_equal(d.driver, "e1000e");
	assert_string_equal(d.driver_override, "");
	assert_int_equal(d.boot_vga, -1);
	assert_int_equal(d.iommu_group, 1);
	assert_int_equal(d.n_group, 3);
	for (size_t i = 0; i < d.n_group; i++) {
		const struct bb_group_member *m = &d.group[i];
		if (streq(m->address.s, "0000:00:01.0")) {
			assert_true(m->bridge);
			assert_string_equal(m->driver, "pcieport");
		} else if (streq(m->address.s, "0000:01:00.1")) {
			assert_false(m->bridge);
			assert_string_equal(m->driver, "");
		} else {
			assert_string_equal(m->address.s, "0000:01:00.0");
			assert_string_equal(m->driver, "e1000e");
		}
	}
	assert_int_equal(d.n_net, 1);
	assert_string_equal(d.net[0].name, "eth0");
	assert_true(d.net[0].default_route);
	assert_int_equal(d.n_block, 1);
	assert_string_equal(d.block[0].name, "nvme0n1");
	assert_true(d.block[0].mounted);
	assert_false(d.block[0].swap);

	assert_int_equal(bb_device_read(s, "0000:01:00.1", &d), 0);
	assert_string_equal(d.driver, "");
	assert_string_equal(d.driver_override, "vfio-pci");
	assert_int_equal(d.boot_vga, 0);
	assert_int_equal(d.n_net, 0);

	/* The bridge: its children's interfaces are not its own. */
	assert_int_equal(bb_device_read(s, "0000:00:01.0", &d), 0);
	assert_int_equal(d.n_net, 0);
	assert_int_equal(d.n_block, 0);
	assert_true(bb_class_is_bridge(d.class_code));
}

static void test_nvme_multipath_and_holders(void **state)
{
	struct bb_device d;
	bool p1 = false, p3 = false, whole = false;

	(void)state;
	assert_int_equal(bb_device_read(s, "0000:03:00.0", &d), 0);
	assert_int_equal(d.n_block, 3); /* nvme1n1, p1, p3; not dm-0, not nvme2n1 */
	for (size_t i = 0; i < d.n_block; i++) {
		const struct bb_block_child *c = &d.block[i];

		if (streq(c->name, "nvme1n1p3")) {
			p3 = true;
			assert_true(c->held);
			assert_true(c->mounted); /* / on /dev/mapper/vg-root */
		} else if (streq(c->name, "nvme1n1p1")) {
			p1 = true;
			assert_false(c->held);
			assert_true(c->mounted);
		} else {
			assert_string_equal(c->name, "nvme1n1");
			whole = true;
			assert_true(c->mounted); /* through its partition p1 */
			assert_false(c->held);
		}
	}
	assert_true(p1 && p3 && whole);
}

static void test_refusals(void **state)
{
	struct bb_device d;
	bb_address a;
	int fd = -1;

	(void)state;
	assert_int_equal(bb_device_read(s, "../../etc", &d), -EINVAL);
	assert_int_equal(bb_device_read(s, "0000:01:00.0\n", &d), -EINVAL);
	assert_int_equal(bb_device_read(s, "0000:01:00.0/../..", &d), -EINVAL);
	assert_int_equal(bb_device_read(s, "0000:01:0g.0", &d), -EINVAL);
	assert_int_equal(bb_device_read(s, "00000:01:00.0", &d), -EINVAL);
	assert_int_equal(bb_device_read(s, "0000:05:00.0", &d), -ENODEV);
	/* The bus link leads out of devices/: refused before anything there is opened. */
	assert_int_equal(bb_device_read(s, "0000:02:00.0", &d), -EBADMSG);
	bb_address_parse("0000:02:00.0", &a);
	assert_int_equal(bb_sysfs_open_device(s, &a, &fd), -EBADMSG);
	assert_int_equal(fd, -1);
}

/* The one-read identity: the kernel's uevent of a PCI device, and what is refused. */
static void test_uevent(void **state)
{
	static const char good[] = "DRIVER=i40e\nPCI_CLASS=20000\nPCI_ID=8086:1572\n"
	                           "PCI_SUBSYS_ID=8086:0000\nPCI_SLOT_NAME=0000:18:00.1\n"
	                           "MODALIAS=pci:v00008086d00001572sv00008086sd00000000bc02sc00i00";
	static const char *const bad[] = {
	    "PCI_CLASS=20000\nPCI_ID=8086:1572\nPCI_SUBSYS_ID=8086:0000\n"
	    "PCI_SLOT_NAME=0000:18:00.1", /* no MODALIAS */
	    "PCI_CLASS=20000\nPCI_ID=8086:1572\nPCI_SUBSYS_ID=8086:0000\n"
	    "PCI_SLOT_NAME=0000:18:00.2\nMODALIAS=pci:v1", /* another device's */
	    "PCI_CLASS=20000\nPCI_ID=8086:1572\nPCI_ID=8086:1573\nPCI_SUBSYS_ID=8086:0000\n"
	    "PCI_SLOT_NAME=0000:18:00.1\nMODALIAS=pci:v1", /* twice */
	    "PCI_CLASS=1234567\nPCI_ID=8086:1572\nPCI_SUBSYS_ID=8086:0000\n"
	    "PCI_SLOT_NAME=0000:18:00.1\nMODALIAS=pci:v1", /* class wider than 24 bits */
	    "PCI_CLASS=20000\nPCI_ID=8086:15720\nPCI_SUBSYS_ID=8086:0000\n"
	    "PCI_SLOT_NAME=0000:18:00.1\nMODALIAS=pci:v1", /* id not 4 digits */
	    "PCI_CLASS=20000\nPCI_ID=8086:1572\nPCI_SUBSYS_ID=8086:0000\n"
	    "PCI_SLOT_NAME=0000:18:00.1\nMODALIAS=usb:v1", /* not a PCI modalias */
	    "PCI_CLASS=20000\nPCI_ID=8086:1572\ngarbage\nPCI_SUBSYS_ID=8086:0000\n"
	    "PCI_SLOT_NAME=0000:18:00.1\nMODALIAS=pci:v1", /* not KEY=VALUE */
	};
	struct bb_device d;
	bb_address a;
	char text[BB_UEVENT_MAX];

	(void)state;
	assert_int_equal(bb_address_parse("0000:18:00.1", &a), 0);
	memset(&d, 0, sizeof(d));
	strcpy(text, good);
	assert_int_equal(bb_parse_pci_uevent(text, &a, &d), 0);
	assert_int_equal(d.vendor, 0x8086);
	assert_int_equal(d.device, 0x1572);
	assert_int_equal(d.subsystem_vendor, 0x8086);
	assert_int_equal(d.subsystem_device, 0);
	assert_int_equal(d.class_code, 0x020000);
	assert_string_equal(d.modalias, "pci:v00008086d00001572sv00008086sd00000000bc02sc00i00");
	assert_string_equal(d.driver, ""); /* DRIVER= is not taken: the link is */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(text, bad[i]);
		assert_int_equal(bb_parse_pci_uevent(text, &a, &d), -EBADMSG);
	}

	/* Through the tree: the ids come from uevent, the driver from the link. */
	assert_int_equal(bb_device_read(s, "0000:01:00.0", &d), 0);
	assert_int_equal(d.device, 0x10d3);
	assert_int_equal(d.class_code, 0x020000);
	assert_string_equal(d.driver, "e1000e");
	assert_int_equal(d.revision, 1);
}

static void test_bad_driver_link(void **state)
{
	struct bb_device d;
	char path[4300];

	(void)state;
	snprintf(path, sizeof(path), "%s/%s/driver", root, FN1);
	assert_int_equal(symlink("/etc", path), 0);
	assert_int_equal(bb_device_read(s, "0000:01:00.1", &d), -EBADMSG);
	unlink(path);
	assert_int_equal(symlink("../../../../bus/pci/drivers/../../../etc", path), 0);
	assert_int_equal(bb_device_read(s, "0000:01:00.1", &d), -EBADMSG);
	unlink(path);
	assert_int_equal(bb_device_read(s, "0000:01:00.1", &d), 0);

	/* The same for iommu_group. */
	snprintf(path, sizeof(path), "%s/%s/iommu_group", root, FN1);
	unlink(path);
	assert_int_equal(symlink("../../../../kernel/iommu_groups/../../etc", path), 0);
	assert_int_equal(bb_device_read(s, "0000:01:00.1", &d), -EBADMSG);
	unlink(path);
	assert_int_equal(symlink("../../../../kernel/iommu_groups/01", path), 0);
	assert_int_equal(bb_device_read(s, "0000:01:00.1", &d), -EBADMSG);
	unlink(path);
	assert_int_equal(symlink("../../../../kernel/iommu_groups/1", path), 0);
	assert_int_equal(bb_device_read(s, "0000:01:00.1", &d), 0);
	assert_int_equal(d.iommu_group, 1);
}

static void test_list_and_lockdown(void **state)
{
	bb_sysfs *other = NULL;
	bb_address *list = NULL;
	bb_lockdown l;
	size_t n = 0;
	char path[4300];

	(void)state;
	assert_int_equal(bb_sysfs_list_devices(s, &list, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(list[0].s, "0000:00:01.0");
	assert_string_equal(list[3].s, "0000:02:00.0");
	assert_string_equal(list[4].s, "0000:03:00.0");
	free(list);

	assert_int_equal(bb_lockdown_read(s, &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_INTEGRITY);
	/* The file is held from bb_sysfs_open on: a level raised later is read through it. */
	put("kernel/security/lockdown", "none integrity [confidentiality]\n");
	assert_int_equal(bb_lockdown_read(s, &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_CONFIDENTIALITY);

	/* A kernel without the lockdown LSM has no file when the context opens. */
	snprintf(path, sizeof(path), "%s/kernel/security/lockdown", root);
	unlink(path);
	assert_int_equal(bb_sysfs_open(root, proc, &other), 0);
	assert_int_equal(bb_lockdown_read(other, &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_UNSUPPORTED);
	other = bb_sysfs_free(other);
	put("kernel/security/lockdown", "[none] integrity confidentiality\n");
	assert_int_equal(bb_sysfs_open(root, proc, &other), 0);
	assert_int_equal(bb_lockdown_read(other, &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_NONE);
	bb_sysfs_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_facts),    cmocka_unit_test(test_nvme_multipath_and_holders),
	    cmocka_unit_test(test_refusals), cmocka_unit_test(test_bad_driver_link),
	    cmocka_unit_test(test_uevent),   cmocka_unit_test(test_list_and_lockdown),
	};
	bb_log_set_max_priority(LOG_CRIT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
