/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record on a synthetic sysfs tree built in a temporary directory (plain files,
 * directories and links; nothing mounted): what it records, what it skips, and
 * that its output is a topology the parser accepts and the boot probe rebinds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "bb-macro.h"
#include "simsys-core.h"
#include "simsys-record.h"
#include "simsys-topology.h"

static char root[64];

_printf_(1, 2) static const char *p(const char *fmt, ...)
{
	static char buf[4][PATH_MAX + 128];
	static int i;
	char rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, rel);
	return buf[i];
}

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(tmp, 0755);
		*s = '/';
	}
	mkdir(tmp, 0755);
}

static void put(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(value, f);
	fclose(f);
}

static void link_to(const char *target, const char *path)
{
	assert_int_equal(symlink(target, path), 0);
}

/* A PCI device directory with the attributes record reads. */
static void device(const char *path, const char *vendor, const char *dev, const char *class)
{
	char dir[PATH_MAX];

	/* p() hands out rotating buffers: keep our own copy of the relative path */
	snprintf(dir, sizeof(dir), "%s", path + strlen(root) + 1);
	mkdirs(path);
	put(p("%s/vendor", dir), vendor);
	put(p("%s/device", dir), dev);
	put(p("%s/subsystem_vendor", dir), "0x0000\n");
	put(p("%s/subsystem_device", dir), "0x0000\n");
	put(p("%s/class", dir), class);
	put(p("%s/revision", dir), "0x01\n");
	put(p("%s/numa_node", dir), "-1\n");
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/simsys-record-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	mkdirs(p("bus/pci/devices"));
	mkdirs(p("bus/pci/drivers"));
	mkdirs(p("class/net"));
	mkdirs(p("class/block"));
	mkdirs(p("kernel/iommu_groups/5/devices"));
	mkdirs(p("kernel/security"));
	put(p("kernel/security/lockdown"), "none [integrity] confidentiality\n");
	/* bridge 00:01.0 with a NIC below it; an NVMe disk with partitions on 00:02.0 */
	device(p("devices/pci0000:00/0000:00:01.0"), "0x8086\n", "0x1901\n", "0x060400\n");
	device(p("devices/pci0000:00/0000:00:01.0/0000:01:00.0"), "0x8086\n", "0x10d3\n",
	       "0x020000\n");
	device(p("devices/pci0000:00/0000:00:02.0"), "0x144d\n", "0xa80a\n", "0x010802\n");
	/* a twin of the NIC, unbound */
	device(p("devices/pci0000:00/0000:00:03.0"), "0x8086\n", "0x10d3\n", "0x020000\n");
	/* a VGA device and a 3D controller */
	device(p("devices/pci0000:00/0000:00:04.0"), "0x1a03\n", "0x2000\n", "0x030000\n");
	put(p("devices/pci0000:00/0000:00:04.0/boot_vga"), "1\n");
	device(p("devices/pci0000:00/0000:00:05.0"), "0x10de\n", "0x2330\n", "0x030200\n");
	/* garbage in an attribute: the device is skipped, record goes on */
	device(p("devices/pci0000:00/0000:00:06.0"), "0xzzzz\n", "0x0001\n", "0x020000\n");
	link_to("../../../devices/pci0000:00/0000:00:01.0", p("bus/pci/devices/0000:00:01.0"));
	link_to("../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0",
	        p("bus/pci/devices/0000:01:00.0"));
	link_to("../../../devices/pci0000:00/0000:00:02.0", p("bus/pci/devices/0000:00:02.0"));
	link_to("../../../devices/pci0000:00/0000:00:03.0", p("bus/pci/devices/0000:00:03.0"));
	link_to("../../../devices/pci0000:00/0000:00:04.0", p("bus/pci/devices/0000:00:04.0"));
	link_to("../../../devices/pci0000:00/0000:00:05.0", p("bus/pci/devices/0000:00:05.0"));
	link_to("../../../devices/pci0000:00/0000:00:06.0", p("bus/pci/devices/0000:00:06.0"));
	/* a VMD-style domain (5 hex digits) that a topology cannot name */
	device(p("devices/pci10000:e0/10000:e0:1d.0"), "0x8086\n", "0x1234\n", "0x010802\n");
	link_to("../../../devices/pci10000:e0/10000:e0:1d.0", p("bus/pci/devices/10000:e0:1d.0"));
	/* drivers: e1000e (module), nvme built in (no module link), vfio-pci holding nothing */
	mkdirs(p("bus/pci/drivers/e1000e"));
	mkdirs(p("module/e1000e"));
	link_to("../../../../module/e1000e", p("bus/pci/drivers/e1000e/module"));
	link_to("../../../../bus/pci/drivers/e1000e",
	        p("devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver"));
	mkdirs(p("bus/pci/drivers/nvme"));
	link_to("../../../bus/pci/drivers/nvme", p("devices/pci0000:00/0000:00:02.0/driver"));
	mkdirs(p("bus/pci/drivers/vfio-pci"));
	link_to("../../../../kernel/iommu_groups/5",
	        p("devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu_group"));
	/* eth0 one level down (virtio-style), a disk with two partitions */
	mkdirs(p("devices/pci0000:00/0000:00:01.0/0000:01:00.0/virtio0/net/eth0"));
	link_to("../../devices/pci0000:00/0000:00:01.0/0000:01:00.0/virtio0/net/eth0",
	        p("class/net/eth0"));
	mkdirs(p("devices/pci0000:00/0000:00:02.0/nvme/nvme0/nvme0n1/nvme0n1p1"));
	mkdirs(p("devices/pci0000:00/0000:00:02.0/nvme/nvme0/nvme0n1/nvme0n1p2"));
	put(p("devices/pci0000:00/0000:00:02.0/nvme/nvme0/nvme0n1/nvme0n1p1/partition"), "1\n");
	put(p("devices/pci0000:00/0000:00:02.0/nvme/nvme0/nvme0n1/nvme0n1p2/partition"), "2\n");
	link_to("../../devices/pci0000:00/0000:00:02.0/nvme/nvme0/nvme0n1",
	        p("class/block/nvme0n1"));
	link_to("../../devices/pci0000:00/0000:00:02.0/nvme/nvme0/nvme0n1/nvme0n1p1",
	        p("class/block/nvme0n1p1"));
	link_to("../../devices/pci0000:00/0000:00:02.0/nvme/nvme0/nvme0n1/nvme0n1p2",
	        p("class/block/nvme0n1p2"));
	/* the /proc facts as a simsys mount carries them */
	mkdirs(p(".simsys/proc/net"));
	put(p(".simsys/proc/net/route"),
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n");
	put(p(".simsys/proc/mounts"), "proc /proc proc rw 0 0\n/dev/nvme0n1p2 / ext4 rw 0 0\n"
	                              "/dev/nvme0n1p1 /boot/efi vfat rw 0 0\n"
	                              "/dev/nvme0n1p2 /my\\040home ext4 rw 0 0\n");
	put(p(".simsys/proc/swaps"), "Filename\tType\tSize\tUsed\tPriority\n"
	                             "/dev/nvme0n1p1 partition 1 0 -2\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	/* a plain temporary directory, nothing mounted below it */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_record_synthetic_tree(void **state)
{
	char *out = NULL, err[512];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct sim_machine *m = NULL;
	struct sim_device *d;

	(void)state;
	assert_non_null(f);
	assert_int_equal(sim_record(root, f), 0);
	fclose(f);
	if (sim_topology_parse(out, len, &m, err, sizeof(err)) < 0)
		fail_msg("recorded topology refused: %s\n%s", err, out);
	assert_int_equal(m->lockdown, SIM_LOCKDOWN_INTEGRITY);
	/* 7 devices: the garbled one and the 5-digit domain are skipped */
	assert_int_equal(m->n_devices, 6);
	assert_null(sim_find_device(m, "0000:00:06.0"));
	d = sim_find_device(m, "0000:01:00.0");
	assert_non_null(d);
	assert_non_null(d->parent);
	assert_string_equal(d->parent->address, "0000:00:01.0");
	assert_int_equal(d->iommu_group, 5);
	assert_int_equal(d->n_net, 1);
	assert_string_equal(d->net[0].name, "eth0");
	assert_true(d->net[0].default_route);
	d = sim_find_device(m, "0000:00:02.0");
	assert_int_equal(d->n_block, 1);
	assert_string_equal(d->block[0].name, "nvme0n1");
	assert_int_equal(d->block[0].n_mounts, 0);
	assert_int_equal(d->block[0].n_parts, 2);
	assert_string_equal(d->block[0].parts[0].name, "nvme0n1p1");
	assert_true(d->block[0].parts[0].swap);
	assert_int_equal(d->block[0].parts[0].n_mounts, 1);
	assert_string_equal(d->block[0].parts[0].mounts[0], "/boot/efi");
	/* an escaped mount point (\040) cannot be held and is left out */
	assert_int_equal(d->block[0].parts[1].n_mounts, 1);
	assert_string_equal(d->block[0].parts[1].mounts[0], "/");
	assert_true(sim_find_device(m, "0000:00:04.0")->boot_vga);
	assert_false(sim_find_device(m, "0000:00:05.0")->boot_vga);
	/* drivers: module from the link, built-in ones by the default, vfio-pci override_only */
	assert_string_equal(sim_find_driver(m, "e1000e")->module, "e1000e");
	assert_string_equal(sim_find_driver(m, "nvme")->module, "nvme");
	assert_true(sim_find_driver(m, "vfio-pci")->override_only);
	assert_int_equal(sim_find_driver(m, "vfio-pci")->n_ids, 0);
	/* the boot probe rebinds what was bound; the unbound twin is taken too (warned) */
	pthread_mutex_lock(&m->lock);
	sim_probe_all(m);
	pthread_mutex_unlock(&m->lock);
	assert_string_equal(sim_find_device(m, "0000:01:00.0")->driver->name, "e1000e");
	assert_string_equal(sim_find_device(m, "0000:00:02.0")->driver->name, "nvme");
	assert_null(sim_find_device(m, "0000:00:04.0")->driver);
	assert_string_equal(sim_find_device(m, "0000:00:03.0")->driver->name, "e1000e");
	sim_machine_free(m);
	free(out);
}

static void test_record_missing_root(void **state)
{
	char path[128];
	FILE *f = fopen("/dev/null", "w");

	(void)state;
	snprintf(path, sizeof(path), "%s/nonexistent", root);
	assert_int_equal(sim_record(path, f), -ENOENT);
	snprintf(path, sizeof(path), "%s/kernel", root); /* a directory without bus/pci */
	assert_int_equal(sim_record(path, f), -ENOENT);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_record_synthetic_tree, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_record_missing_root, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
