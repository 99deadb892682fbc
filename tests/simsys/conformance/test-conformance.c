/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Conformance of simsys with tests/simsys/SPEC.md and with the kernel driver core
 * (drivers/pci/pci-driver.c, drivers/base). One test per semantic, named after it.
 * Every test mounts conformance.json afresh on a temporary directory; never the real /sys.
 *
 * Devices of conformance.json and who binds them at boot:
 *   0000:00:01.0 1af4:1000 (eth0, default route) hostdrv    0000:00:02.0 1af4:1000 hostdrv
 *   0000:01:00.0 144d:a80a class 010802 under bridge 00:1c.0   classdrv (class match)
 *   0000:02:00.0 8086:1572 sub 8086:0007  subdrv              0000:02:00.1 sub 8086:0000 none
 *   0000:03:00.0 15b3 class 020000 maskdrv   03:00.1 class 020700 maskdrv   03:00.2 030000 none
 *   0000:04:00.0 1234:0001 failer (probe fails) -> fallback
 *   0000:05:00.0 1b36:0001 none      0000:05:00.1 1b36:0002 latemod (not loaded at boot)
 *   vfio-pci (override_only, any id), variant_vfio_pci (override_only, not loaded),
 *   newiddrv (no ids)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
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
#include "simsys-harness.h"

#define DEV_A      "0000:00:01.0"
#define DEV_B      "0000:00:02.0"
#define DEV_NVME   "0000:01:00.0"
#define DEV_BRIDGE "0000:00:1c.0"
#define DEV_SUB    "0000:02:00.0"
#define DEV_NOSUB  "0000:02:00.1"
#define DEV_MASK0  "0000:03:00.0"
#define DEV_MASK1  "0000:03:00.1"
#define DEV_MASKX  "0000:03:00.2"
#define DEV_FAIL   "0000:04:00.0"
#define DEV_LONE   "0000:05:00.0"
#define DEV_LATE   "0000:05:00.1"
#define DEV_TWIN   "0000:06:00.0"

#define TWIN_JSON                                                                                  \
	"{\"address\": \"" DEV_TWIN "\", \"vendor\": \"1b36\", \"device\": \"0001\", "             \
	"\"class\": \"ff0000\", \"iommu_group\": 20}"

static void assert_file_eq(const char *rel, const char *want)
{
	_cleanup_free_ char *got = mread(rel);
	if (!got)
		fail_msg("cannot read %s: %m", rel);
	if (!streq(got, want))
		fail_msg("%s reads '%s', expected '%s'", rel, got, want);
}

static void assert_matches(const char *rel, const char *pattern)
{
	_cleanup_free_ char *got = mread(rel);
	regex_t re;
	if (!got)
		fail_msg("cannot read %s: %m", rel);
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	int r = regexec(&re, got, 0, NULL, 0);
	regfree(&re);
	if (r != 0)
		fail_msg("%s reads '%s', does not match %s", rel, got, pattern);
}

static char *devfile(const char *bdf, const char *name)
{
	char *p;
	if (asprintf(&p, "bus/pci/devices/%s/%s", bdf, name) < 0)
		abort();
	return p;
}

static char *drvfile(const char *drv, const char *name)
{
	char *p;
	if (asprintf(&p, "bus/pci/drivers/%s/%s", drv, name) < 0)
		abort();
	return p;
}

static int set_override(const char *bdf, const char *value)
{
	_cleanup_free_ char *p = devfile(bdf, "driver_override");
	return mwrite(p, value);
}

static int drv_write(const char *drv, const char *file, const char *value)
{
	_cleanup_free_ char *p = drvfile(drv, file);
	return mwrite(p, value);
}

static int drivers_probe(const char *bdf)
{
	return mwrite("bus/pci/drivers_probe", bdf);
}

/* ---- layout ---------------------------------------------------------------------------- */

static void test_bus_device_link_resolves_into_nested_devices_tree(void **state)
{
	(void)state;
	_cleanup_free_ char *link = mpath("bus/pci/devices/" DEV_NVME);
	_cleanup_free_ char *want = mpath("devices/pci0000:00/" DEV_BRIDGE "/" DEV_NVME);
	_cleanup_free_ char *want_top = mpath("devices/pci0000:00/" DEV_A);
	_cleanup_free_ char *link_top = mpath("bus/pci/devices/" DEV_A);
	char target[PATH_MAX], resolved[PATH_MAX];
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = 0;
	assert_string_equal(target, "../../../devices/pci0000:00/" DEV_BRIDGE "/" DEV_NVME);
	assert_non_null(realpath(link, resolved));
	assert_string_equal(resolved, want);
	assert_non_null(realpath(link_top, resolved));
	assert_string_equal(resolved, want_top);
	/* subsystem link of a nested device points back at bus/pci */
	_cleanup_free_ char *sub = mpath("bus/pci/devices/" DEV_NVME "/subsystem");
	_cleanup_free_ char *bus = mpath("bus/pci");
	assert_non_null(realpath(sub, resolved));
	assert_string_equal(resolved, bus);
}

static void test_device_attributes_have_kernel_formats(void **state)
{
	(void)state;
	assert_file_eq("bus/pci/devices/" DEV_A "/vendor", "0x1af4\n");
	assert_file_eq("bus/pci/devices/" DEV_A "/device", "0x1000\n");
	assert_file_eq("bus/pci/devices/" DEV_A "/subsystem_vendor", "0x1af4\n");
	assert_file_eq("bus/pci/devices/" DEV_A "/subsystem_device", "0x0001\n");
	assert_file_eq("bus/pci/devices/" DEV_A "/class", "0x020000\n");
	assert_file_eq("bus/pci/devices/" DEV_A "/revision", "0x01\n");
	assert_file_eq("bus/pci/devices/" DEV_A "/driver_override", "(null)\n");
	assert_file_eq("bus/pci/devices/" DEV_A "/numa_node", "0\n");
	/* defaults: numa_node -1, subsystem ids 0000, revision 00 */
	assert_file_eq("bus/pci/devices/" DEV_B "/numa_node", "-1\n");
	assert_file_eq("bus/pci/devices/" DEV_B "/subsystem_vendor", "0x0000\n");
	assert_file_eq("bus/pci/devices/" DEV_B "/revision", "0x00\n");
	assert_file_eq("bus/pci/devices/" DEV_NVME "/modalias",
	               "pci:v0000144Dd0000A80Asv0000144Dsd0000A801bc01sc08i02\n");
	assert_file_eq("bus/pci/devices/0000:00:03.0/boot_vga", "1\n");
	/* boot_vga exists only for display-class devices */
	assert_false(mexists("bus/pci/devices/" DEV_A "/boot_vga"));
}

static void test_config_space_header_carries_ids_and_class(void **state)
{
	(void)state;
	_cleanup_free_ char *p = mpath("bus/pci/devices/" DEV_NVME "/config");
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	uint8_t cfg[512];
	size_t n = fread(cfg, 1, sizeof(cfg), f);
	fclose(f);
	assert_int_equal(n, 256);
	assert_int_equal(cfg[0] | cfg[1] << 8, 0x144d);
	assert_int_equal(cfg[2] | cfg[3] << 8, 0xa80a);
	assert_int_equal(cfg[9], 0x02);  /* prog-if */
	assert_int_equal(cfg[10], 0x08); /* subclass */
	assert_int_equal(cfg[11], 0x01); /* base class */
	assert_int_equal(cfg[0x2c] | cfg[0x2d] << 8, 0x144d);
	assert_int_equal(cfg[0x2e] | cfg[0x2f] << 8, 0xa801);
	/* config is read-only */
	assert_int_not_equal(mwrite("bus/pci/devices/" DEV_NVME "/config", "x"), 0);
}

static void test_file_modes_like_sysfs(void **state)
{
	(void)state;
	static const char *const files[] = {"bind", "unbind", "new_id", "remove_id"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *rel = drvfile("hostdrv", files[i]);
		_cleanup_free_ char *p = mpath(rel);
		struct stat st;
		assert_int_equal(lstat(p, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0200);
	}
	static const struct {
		const char *rel;
		unsigned mode;
	} modes[] = {
	    {"bus/pci/drivers_probe", 0200},
	    {"bus/pci/drivers_autoprobe", 0644},
	    {"bus/pci/rescan", 0200},
	    {"bus/pci/devices/" DEV_A "/driver_override", 0644},
	    {"bus/pci/devices/" DEV_A "/vendor", 0444},
	    {"bus/pci/devices/" DEV_A "/config",
	     0444}, /* SPEC: read-only here (0644 on a real kernel) */
	};
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		_cleanup_free_ char *p = mpath(modes[i].rel);
		struct stat st;
		if (lstat(p, &st) < 0)
			fail_msg("%s: %m", modes[i].rel);
		if ((st.st_mode & 07777) != modes[i].mode)
			fail_msg("%s has mode %04o, expected %04o", modes[i].rel,
			         st.st_mode & 07777, modes[i].mode);
	}
	assert_int_equal(mwrite("bus/pci/rescan", "1"), 0);
	assert_true(mexists("module/vfio_pci/refcnt"));
	_cleanup_free_ char *mod = mpath("bus/pci/drivers/vfio-pci/module");
	_cleanup_free_ char *want = mpath("module/vfio_pci");
	char resolved[PATH_MAX];
	assert_non_null(realpath(mod, resolved));
	assert_string_equal(resolved, want);
	assert_file_eq("module/vfio_pci/initstate", "live\n");
}

static void test_each_write_is_one_store_at_any_offset(void **state)
{
	(void)state;
	/* a write longer than a page is cut to one page and reports a page written */
	static char big[5000];
	memset(big, '1', sizeof(big));
	_cleanup_free_ char *rescan = mpath("bus/pci/rescan");
	_cleanup_close_ int rfd = open(rescan, O_WRONLY);
	assert_true(rfd >= 0);
	assert_int_equal(write(rfd, big, sizeof(big)), 4096);
	/* sysfs ignores the file position: a second write on the same fd is a new store */
	_cleanup_free_ char *p = mpath("bus/pci/drivers/hostdrv/unbind");
	_cleanup_close_ int fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, DEV_A "\n", 13), 13);
	assert_int_equal(write(fd, DEV_B, 12), 12);
	ASSERT_UNBOUND_FROM(DEV_A, "hostdrv");
	ASSERT_UNBOUND_FROM(DEV_B, "hostdrv");
	/* the shell's way: open with O_TRUNC|O_CREAT on the existing attribute */
	_cleanup_free_ char *b = mpath("bus/pci/drivers/hostdrv/bind");
	_cleanup_close_ int fd2 = open(b, O_WRONLY | O_TRUNC | O_CREAT, 0644);
	assert_true(fd2 >= 0);
	assert_int_equal(write(fd2, DEV_A, 12), 12);
	ASSERT_BOUND(DEV_A, "hostdrv");
}

static void test_attribute_reads_at_any_offset(void **state)
{
	(void)state;
	_cleanup_free_ char *p = mpath("bus/pci/devices/" DEV_NVME "/modalias");
	_cleanup_close_ int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	char one[64] = {0};
	size_t n = 0;
	/* byte by byte, as a careless reader would */
	while (n < sizeof(one) - 1 && read(fd, one + n, 1) == 1)
		n++;
	assert_string_equal(one, "pci:v0000144Dd0000A80Asv0000144Dsd0000A801bc01sc08i02\n");
	char tail[16] = {0};
	assert_int_equal(pread(fd, tail, 6, 46), 6);
	assert_string_equal(tail, "sc08i0");
	assert_int_equal(pread(fd, tail, sizeof(tail), 4096), 0);
	_cleanup_free_ char *cfg = mpath("bus/pci/devices/" DEV_NVME "/config");
	_cleanup_close_ int cfd = open(cfg, O_RDONLY);
	assert_true(cfd >= 0);
	uint8_t sub[4];
	assert_int_equal(pread(cfd, sub, 4, 0x2c), 4);
	assert_int_equal(sub[0] | sub[1] << 8, 0x144d);
	assert_int_equal(sub[2] | sub[3] << 8, 0xa801);
	assert_int_equal(pread(cfd, sub, 4, 256), 0);
}

static void test_iommu_group_links_both_ways(void **state)
{
	(void)state;
	char resolved[PATH_MAX], dev[PATH_MAX];
	_cleanup_free_ char *g = mpath("bus/pci/devices/" DEV_SUB "/iommu_group");
	_cleanup_free_ char *want = mpath("kernel/iommu_groups/6");
	assert_non_null(realpath(g, resolved));
	assert_string_equal(resolved, want);
	_cleanup_free_ char *m0 = mpath("kernel/iommu_groups/6/devices/" DEV_SUB);
	_cleanup_free_ char *d0 = mpath("bus/pci/devices/" DEV_SUB);
	assert_non_null(realpath(m0, resolved));
	assert_non_null(realpath(d0, dev));
	assert_string_equal(resolved, dev);
	assert_true(mexists("kernel/iommu_groups/6/devices/" DEV_NOSUB));
	assert_false(mexists("kernel/iommu_groups/6/devices/" DEV_A));
}

static void test_net_and_block_children_and_class_links(void **state)
{
	(void)state;
	char resolved[PATH_MAX], dev[PATH_MAX];
	_cleanup_free_ char *cn = mpath("class/net/eth0");
	_cleanup_free_ char *da = mpath("bus/pci/devices/" DEV_A);
	assert_non_null(realpath(cn, resolved));
	assert_non_null(realpath(da, dev));
	strcat(dev, "/net/eth0");
	assert_string_equal(resolved, dev);
	assert_true(mexists("bus/pci/devices/" DEV_A "/net/eth0/address"));
	assert_true(mexists("bus/pci/devices/" DEV_A "/net/eth0/operstate"));
	assert_matches("class/net/eth0/address", "^([0-9a-f]{2}:){5}[0-9a-f]{2}\n$");
	assert_matches("class/net/eth0/operstate", "^(up|down|unknown)\n$");
	assert_matches("class/block/nvme0n1/dev", "^[0-9]+:[0-9]+\n$");

	_cleanup_free_ char *cb = mpath("class/block/nvme0n1");
	_cleanup_free_ char *dn = mpath("bus/pci/devices/" DEV_NVME);
	assert_non_null(realpath(cb, resolved));
	assert_non_null(realpath(dn, dev));
	/* the block device lives below the controller (nvme/nvmeX/NAME or block/NAME) */
	assert_true(strncmp(resolved, dev, strlen(dev)) == 0);
	assert_true(strstr(resolved, "/nvme0n1") != NULL);
	_cleanup_free_ char *devno = NULL;
	if (asprintf(&devno, "%s/dev", resolved) < 0)
		abort();
	struct stat st;
	assert_int_equal(stat(devno, &st), 0);
}

/* Does TEXT have a line whose first whitespace-separated field is exactly FIELD? */
static bool has_line_starting(const char *text, const char *field)
{
	size_t n = strlen(field);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, field, n) == 0 && (l[n] == ' ' || l[n] == '\t'))
			return true;
	return false;
}

static void test_partitions_below_their_disk(void **state)
{
	(void)state;
	char part[PATH_MAX], disk[PATH_MAX];
	_cleanup_free_ char *cp = mpath("class/block/nvme0n1p1");
	_cleanup_free_ char *cd = mpath("class/block/nvme0n1");
	assert_non_null(realpath(cp, part));
	assert_non_null(realpath(cd, disk));
	strcat(disk, "/nvme0n1p1");
	assert_string_equal(part, disk);
	assert_file_eq("class/block/nvme0n1p1/partition", "1\n");
	assert_file_eq("class/block/nvme0n1p2/partition", "2\n");
	assert_matches("class/block/nvme0n1p2/dev", "^[0-9]+:[0-9]+\n$");
	/* a whole disk has no partition file */
	assert_false(mexists("class/block/nvme0n1/partition"));
}

static void test_uevent_like_pci_uevent(void **state)
{
	(void)state;
	assert_file_eq(
	    "bus/pci/devices/" DEV_A "/uevent",
	    "DRIVER=hostdrv\nPCI_CLASS=20000\nPCI_ID=1AF4:1000\nPCI_SUBSYS_ID=1AF4:0001\n"
	    "PCI_SLOT_NAME=0000:00:01.0\n"
	    "MODALIAS=pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00\n");
	/* no DRIVER= line while unbound */
	_cleanup_free_ char *u = mread("bus/pci/devices/" DEV_LONE "/uevent");
	assert_non_null(u);
	assert_true(strncmp(u, "PCI_CLASS=FF0000\n", 17) == 0);
	assert_null(strstr(u, "DRIVER="));
}

static void test_module_drivers_link_and_net_device_link(void **state)
{
	(void)state;
	char resolved[PATH_MAX], want[PATH_MAX];
	_cleanup_free_ char *ml = mpath("module/vfio_pci/drivers/pci:vfio-pci");
	_cleanup_free_ char *md = mpath("bus/pci/drivers/vfio-pci");
	assert_non_null(realpath(ml, resolved));
	assert_string_equal(resolved, md);
	_cleanup_free_ char *nl = mpath("class/net/eth0/device");
	_cleanup_free_ char *dl = mpath("bus/pci/devices/" DEV_A);
	assert_non_null(realpath(nl, resolved));
	assert_non_null(realpath(dl, want));
	assert_string_equal(resolved, want);
}

static void test_open_modes_refused_like_kernfs(void **state)
{
	(void)state;
	/* no store: opening for writing fails with EACCES; a 0200 file cannot be read */
	_cleanup_free_ char *v = mpath("bus/pci/devices/" DEV_A "/vendor");
	_cleanup_free_ char *b = mpath("bus/pci/drivers/hostdrv/bind");
	errno = 0;
	assert_int_equal(open(v, O_WRONLY), -1);
	assert_int_equal(errno, EACCES);
	errno = 0;
	assert_int_equal(open(b, O_RDONLY), -1);
	assert_int_equal(errno, EACCES);
	/* nothing can be created */
	_cleanup_free_ char *n = mpath("bus/pci/devices/" DEV_A "/new_file");
	assert_int_equal(open(n, O_WRONLY | O_CREAT, 0644), -1);
	assert_false(mexists("bus/pci/devices/" DEV_A "/new_file"));
}

static void test_proc_facts_in_proc_formats(void **state)
{
	(void)state;
	_cleanup_free_ char *route = mread(".simsys/proc/net/route");
	assert_non_null(route);
	assert_true(strncmp(route, "Iface\tDestination\tGateway", 25) == 0);
	assert_non_null(strstr(route, "\neth0\t00000000\t"));
	assert_null(strstr(route, "\neth1\t00000000\t"));
	_cleanup_free_ char *mounts = mread(".simsys/proc/mounts");
	assert_non_null(mounts);
	assert_non_null(strstr(mounts, "/dev/nvme0n1 / "));
	_cleanup_free_ char *swaps = mread(".simsys/proc/swaps");
	assert_non_null(swaps);
	assert_true(strncmp(swaps, "Filename", 8) == 0);
	assert_true(has_line_starting(swaps, "/dev/nvme0n2"));
	assert_true(has_line_starting(swaps, "/dev/nvme0n1p2"));
	assert_false(has_line_starting(swaps, "/dev/nvme0n1"));
	assert_non_null(strstr(mounts, "\n/dev/nvme0n1p1 /boot "));
	assert_non_null(strstr(mounts, "\n/dev/nvme0n1p1 /boot/efi "));
}

static void test_lockdown_file_format(void **state)
{
	(void)state;
	assert_file_eq("kernel/security/lockdown", "[none] integrity confidentiality\n");
	assert_int_equal(control("lockdown integrity"), 0);
	assert_file_eq("kernel/security/lockdown", "none [integrity] confidentiality\n");
	assert_int_equal(control("lockdown confidentiality"), 0);
	assert_file_eq("kernel/security/lockdown", "none integrity [confidentiality]\n");
	assert_int_equal(control("lockdown bogus"), -EINVAL);
	assert_file_eq("kernel/security/lockdown", "none integrity [confidentiality]\n");
}

static void test_lockdown_unsupported_has_no_file(void **state)
{
	(void)state;
	/* remount with a topology that says "unsupported" */
	static const char topo[] =
	    "{\"lockdown\": \"unsupported\", \"drivers\": [], \"devices\": "
	    "[{\"address\": \"0000:00:00.0\", \"vendor\": \"8086\", \"device\": \"29c0\", "
	    "\"class\": \"060000\", \"iommu_group\": 0}]}";
	assert_int_equal(simsys_umount(), 0);
	char path[] = "/tmp/simsys-conf-topo-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	ssize_t n = write(fd, topo, sizeof(topo) - 1);
	close(fd);
	int r = n == (ssize_t)sizeof(topo) - 1 ? simsys_mount(path) : -1;
	unlink(path);
	assert_int_equal(r, 0);
	assert_true(mexists("bus/pci/devices/0000:00:00.0"));
	assert_false(mexists("kernel/security/lockdown"));
}

/* ---- boot probe and matching ------------------------------------------------------------- */

static void test_boot_probe_binds_by_vendor_device_id(void **state)
{
	(void)state;
	ASSERT_BOUND(DEV_A, "hostdrv");
	ASSERT_BOUND(DEV_B, "hostdrv");
	ASSERT_UNBOUND(DEV_LONE);
}

static void test_driver_link_depth_correct_for_nested_device(void **state)
{
	(void)state;
	ASSERT_BOUND(DEV_NVME, "classdrv");
	_cleanup_free_ char *p = mpath("bus/pci/devices/" DEV_NVME "/driver");
	char target[PATH_MAX];
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = 0;
	/* devices/pci0000:00/BRIDGE/DEV/driver -> up four levels to the root */
	assert_string_equal(target, "../../../../bus/pci/drivers/classdrv");
}

static void test_class_match_with_full_mask(void **state)
{
	(void)state;
	ASSERT_BOUND(DEV_NVME, "classdrv");
	/* class 060400 bridge is not class 010802 */
	ASSERT_UNBOUND(DEV_BRIDGE);
}

static void test_class_mask_compares_only_masked_bits(void **state)
{
	(void)state;
	ASSERT_BOUND(DEV_MASK0, "maskdrv"); /* 020000 & ff0000 */
	ASSERT_BOUND(DEV_MASK1, "maskdrv"); /* 020700 & ff0000 */
	ASSERT_UNBOUND(DEV_MASKX);          /* 030000: base class differs */
}

static void test_subsystem_ids_must_match_when_given(void **state)
{
	(void)state;
	ASSERT_BOUND(DEV_SUB, "subdrv");
	ASSERT_UNBOUND(DEV_NOSUB);
	assert_int_equal(drv_write("subdrv", "bind", DEV_NOSUB), -ENODEV);
	ASSERT_UNBOUND(DEV_NOSUB);
}

static void test_probe_failure_falls_through_to_next_driver(void **state)
{
	(void)state;
	/* failer matches first but its probe fails (-ENODEV); fallback is tried next */
	ASSERT_BOUND(DEV_FAIL, "fallback");
	ASSERT_NOT_HELD(DEV_FAIL, "failer");
}

static void test_topology_slow_probe_binds_at_boot(void **state)
{
	(void)state;
	ASSERT_BOUND("0000:07:00.0", "slowdrv");
}

static void test_probe_walks_drivers_in_registration_order(void **state)
{
	(void)state;
	/* newiddrv (registered after hostdrv) gets the same id: a new device goes to hostdrv */
	assert_int_equal(drv_write("newiddrv", "new_id", "1af4 1000"), 0);
	assert_int_equal(control("add-device {\"address\": \"" DEV_TWIN "\", \"vendor\": "
	                         "\"1af4\", \"device\": \"1000\", \"class\": \"020000\", "
	                         "\"iommu_group\": 20}"),
	                 0);
	ASSERT_BOUND(DEV_TWIN, "hostdrv");
	/* a module loaded later registers at the end: after unload+load, newiddrv comes first */
	assert_int_equal(control("unload-module hostdrv"), 0);
	ASSERT_UNBOUND(DEV_A);
	assert_int_equal(drivers_probe(DEV_A), 0);
	ASSERT_BOUND(DEV_A, "newiddrv");
	/* DEV_B was left unbound: the reloaded hostdrv's driver_attach takes it */
	assert_int_equal(control("load-module hostdrv"), 0);
	ASSERT_BOUND(DEV_A, "newiddrv");
	ASSERT_BOUND(DEV_B, "hostdrv");
	/* a hot-added twin now meets newiddrv first */
	assert_int_equal(control("remove-device " DEV_TWIN), 0);
	assert_int_equal(control("add-device {\"address\": \"" DEV_TWIN "\", \"vendor\": "
	                         "\"1af4\", \"device\": \"1000\", \"class\": \"020000\", "
	                         "\"iommu_group\": 20}"),
	                 0);
	ASSERT_BOUND(DEV_TWIN, "newiddrv");
}

static void test_unloaded_driver_has_no_dir_and_never_matches(void **state)
{
	(void)state;
	assert_false(mexists("bus/pci/drivers/latemod"));
	assert_false(mexists("module/latemod"));
	assert_false(mexists("bus/pci/drivers/variant_vfio_pci"));
	ASSERT_UNBOUND(DEV_LATE);
	assert_int_equal(drivers_probe(DEV_LATE), 0);
	ASSERT_UNBOUND(DEV_LATE);
}

/* ---- unbind / bind ----------------------------------------------------------------------- */

static void test_unbind_held_device_removes_both_links(void **state)
{
	(void)state;
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A "\n"), 0);
	ASSERT_UNBOUND_FROM(DEV_A, "hostdrv");
	ASSERT_BOUND(DEV_B, "hostdrv");
}

static void test_unbind_not_held_is_enodev(void **state)
{
	(void)state;
	/* bound, but to another driver */
	assert_int_equal(drv_write("classdrv", "unbind", DEV_A), -ENODEV);
	ASSERT_BOUND(DEV_A, "hostdrv");
	/* not bound at all */
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_LONE), -ENODEV);
	/* no such device */
	assert_int_equal(drv_write("hostdrv", "unbind", "0000:7f:00.0"), -ENODEV);
}

static void test_bind_unbound_matching_device_creates_links(void **state)
{
	(void)state;
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	ASSERT_UNBOUND(DEV_A);
	assert_int_equal(drv_write("hostdrv", "bind", DEV_A "\n"), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
}

static void test_bind_nonmatching_is_enodev(void **state)
{
	(void)state;
	assert_int_equal(drv_write("hostdrv", "bind", DEV_LONE), -ENODEV);
	ASSERT_UNBOUND(DEV_LONE);
	assert_int_equal(drv_write("hostdrv", "bind", "0000:7f:00.0"), -ENODEV);
}

static void test_bind_already_bound_is_ebusy(void **state)
{
	(void)state;
	/* hostdrv matches DEV_B, which it already holds */
	assert_int_equal(drv_write("hostdrv", "bind", DEV_B), -EBUSY);
	ASSERT_BOUND(DEV_B, "hostdrv");
	/* a matching driver other than the holder: also EBUSY (device already has a driver) */
	assert_int_equal(set_override(DEV_A, "newiddrv"), 0);
	assert_int_equal(drv_write("newiddrv", "bind", DEV_A), -EBUSY);
	ASSERT_BOUND(DEV_A, "hostdrv");
	/* a non-matching driver is refused before the busy check: ENODEV */
	assert_int_equal(drv_write("classdrv", "bind", DEV_B), -ENODEV);
}

static void test_bind_refused_when_override_names_other_driver(void **state)
{
	(void)state;
	assert_int_equal(set_override(DEV_A, "vfio-pci"), 0);
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(drv_write("hostdrv", "bind", DEV_A), -ENODEV);
	ASSERT_UNBOUND(DEV_A);
}

static void test_bind_probe_failure_returns_error(void **state)
{
	(void)state;
	assert_int_equal(drv_write("fallback", "unbind", DEV_FAIL), 0);
	int r = drv_write("failer", "bind", DEV_FAIL);
	assert_true(r == -ENODEV || r == -ENXIO);
	ASSERT_UNBOUND(DEV_FAIL);
}

/* ---- driver_override --------------------------------------------------------------------- */

static void test_override_write_neither_binds_nor_unbinds(void **state)
{
	(void)state;
	assert_int_equal(set_override(DEV_A, "vfio-pci\n"), 0);
	assert_file_eq("bus/pci/devices/" DEV_A "/driver_override", "vfio-pci\n");
	ASSERT_BOUND(DEV_A, "hostdrv");
	assert_int_equal(set_override(DEV_LONE, "vfio-pci"), 0);
	ASSERT_UNBOUND(DEV_LONE);
}

static void test_override_admits_named_driver_via_drivers_probe(void **state)
{
	(void)state;
	assert_int_equal(set_override(DEV_A, "vfio-pci\n"), 0);
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(drivers_probe(DEV_A), 0);
	ASSERT_BOUND(DEV_A, "vfio-pci");
	ASSERT_NOT_HELD(DEV_A, "hostdrv");
}

static void test_override_admits_named_driver_without_id_match(void **state)
{
	(void)state;
	/* hostdrv has no id for 1b36:0001: the override alone admits it (pci_device_id_any) */
	assert_int_equal(set_override(DEV_LONE, "hostdrv"), 0);
	assert_int_equal(drivers_probe(DEV_LONE), 0);
	ASSERT_BOUND(DEV_LONE, "hostdrv");
	/* and through bind as well */
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_LONE), 0);
	assert_int_equal(drv_write("hostdrv", "bind", DEV_LONE), 0);
	ASSERT_BOUND(DEV_LONE, "hostdrv");
}

static void test_override_excludes_other_matching_drivers(void **state)
{
	(void)state;
	/* DEV_B matches hostdrv by id, but the override names classdrv */
	assert_int_equal(set_override(DEV_B, "classdrv"), 0);
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_B), 0);
	assert_int_equal(drivers_probe(DEV_B), 0);
	ASSERT_BOUND(DEV_B, "classdrv");
}

static void test_override_nonexistent_name_keeps_every_driver_off(void **state)
{
	(void)state;
	assert_int_equal(set_override(DEV_A, "none\n"), 0);
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(drivers_probe(DEV_A), 0); /* success, although nothing binds */
	ASSERT_UNBOUND(DEV_A);
	assert_int_equal(drv_write("hostdrv", "bind", DEV_A), -ENODEV);
	assert_int_equal(drv_write("vfio-pci", "bind", DEV_A), -ENODEV);
	ASSERT_UNBOUND(DEV_A);
}

static void test_override_newline_clears_and_reads_null(void **state)
{
	(void)state;
	assert_int_equal(set_override(DEV_A, "vfio-pci\n"), 0);
	assert_file_eq("bus/pci/devices/" DEV_A "/driver_override", "vfio-pci\n");
	assert_int_equal(set_override(DEV_A, "\n"), 0);
	assert_file_eq("bus/pci/devices/" DEV_A "/driver_override", "(null)\n");
	/* cleared: the host driver matches again by id */
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(drivers_probe(DEV_A), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
}

static void test_override_overlong_is_einval(void **state)
{
	(void)state;
	static char big[8192];
	memset(big, 'a', sizeof(big));
	_cleanup_free_ char *p = devfile(DEV_A, "driver_override");
	assert_int_equal(mwrite_len(p, big, 4096), -EINVAL);
	assert_int_equal(mwrite_len(p, big, sizeof(big)), -EINVAL);
	assert_file_eq("bus/pci/devices/" DEV_A "/driver_override", "(null)\n");
	/* the kernel refuses len >= PAGE_SIZE - 1; 4094 bytes are the most it takes */
	assert_int_equal(mwrite_len(p, big, 4094), 0);
	_cleanup_free_ char *longest = mread(p);
	assert_non_null(longest);
	assert_int_equal(strlen(longest), 4095);
	assert_int_equal(mwrite_len(p, big, 100), 0);
	_cleanup_free_ char *got = mread(p);
	assert_non_null(got);
	assert_int_equal(strlen(got), 101);
}

static void test_override_only_driver_never_matches_without_override(void **state)
{
	(void)state;
	/* vfio-pci's id matches anything, but it is override_only */
	ASSERT_UNBOUND(DEV_LONE);
	assert_int_equal(drivers_probe(DEV_LONE), 0);
	ASSERT_UNBOUND(DEV_LONE);
	assert_int_equal(drv_write("vfio-pci", "bind", DEV_LONE), -ENODEV);
	ASSERT_UNBOUND(DEV_LONE);
	assert_int_equal(set_override(DEV_LONE, "vfio-pci"), 0);
	assert_int_equal(drv_write("vfio-pci", "bind", DEV_LONE), 0);
	ASSERT_BOUND(DEV_LONE, "vfio-pci");
}

static void test_override_to_unloaded_variant_binds_on_load_module(void **state)
{
	(void)state;
	assert_int_equal(set_override(DEV_A, "variant_vfio_pci"), 0);
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(drivers_probe(DEV_A), 0);
	ASSERT_UNBOUND(DEV_A);
	/* driver_register probes every unbound device */
	assert_int_equal(control("load-module variant_vfio_pci"), 0);
	assert_true(mexists("module/variant_vfio_pci"));
	ASSERT_BOUND(DEV_A, "variant_vfio_pci");
	/* its twin DEV_B stays with hostdrv: override_only ids need an override */
	ASSERT_BOUND(DEV_B, "hostdrv");
}

static void test_override_is_per_device_hotplug_twin_not_grabbed(void **state)
{
	(void)state;
	/* the cure of the 2014 race: an override binds one device, a hot-added twin is untouched */
	assert_int_equal(set_override(DEV_LONE, "vfio-pci"), 0);
	assert_int_equal(drivers_probe(DEV_LONE), 0);
	ASSERT_BOUND(DEV_LONE, "vfio-pci");
	assert_int_equal(control("add-device " TWIN_JSON), 0);
	ASSERT_UNBOUND(DEV_TWIN);
	assert_file_eq("bus/pci/devices/" DEV_TWIN "/driver_override", "(null)\n");
}

static void test_override_probe_failure_leaves_device_driverless(void **state)
{
	(void)state;
	/*
	 * What the broker must detect: vfio-pci refuses the device (deny-list, probe error),
	 * drivers_probe still succeeds, and the override keeps the host driver away.
	 */
	assert_int_equal(set_override(DEV_A, "vfio-pci"), 0);
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(control("fail-probe vfio-pci"), 0);
	assert_int_equal(drivers_probe(DEV_A), 0);
	ASSERT_UNBOUND(DEV_A);
	/* rollback: clear the override, probe again, the host driver is back */
	assert_int_equal(set_override(DEV_A, "\n"), 0);
	assert_int_equal(drivers_probe(DEV_A), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
}

static void test_override_truncated_at_first_newline(void **state)
{
	(void)state;
	/* driver_set_override() cuts the value at its first newline */
	assert_int_equal(set_override(DEV_A, "vfio-pci\nhostdrv"), 0);
	assert_file_eq("bus/pci/devices/" DEV_A "/driver_override", "vfio-pci\n");
}

static void test_device_names_compared_exactly_like_sysfs_streq(void **state)
{
	(void)state;
	/* only one trailing newline is forgiven; case, spaces and prefixes are not */
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A " "), -ENODEV);
	assert_int_equal(drv_write("hostdrv", "unbind", "0000:00:01.0\n\n"), -ENODEV);
	assert_int_equal(drv_write("hostdrv", "unbind", "00:01.0"), -ENODEV);
	ASSERT_BOUND(DEV_A, "hostdrv");
	assert_int_equal(drv_write("classdrv", "unbind", "0000:01:00.0"), 0);
	assert_int_equal(drv_write("classdrv", "bind", "0000:01:00.0x"), -ENODEV);
	assert_int_equal(drivers_probe("0000:00:1C.0"), -ENODEV);
	assert_int_equal(drv_write("classdrv", "bind", "0000:01:00.0\n"), 0);
	ASSERT_BOUND(DEV_NVME, "classdrv");
}

/* Waits (bounded, not asserted) until BDF shows a driver link: its probe has started. */
static void wait_for_driver_link(const char *bdf)
{
	for (int i = 0; i < 500; i++) {
		_cleanup_free_ char *d = bound_driver(bdf);
		if (d)
			return;
		usleep(10 * 1000);
	}
}

struct write_job {
	const char *drv;
	const char *file;
	const char *bdf;
	int result;
};

static void *write_thread(void *arg)
{
	struct write_job *job = arg;
	__atomic_store_n(&job->result, drv_write(job->drv, job->file, job->bdf), __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_writes_for_a_device_wait_for_its_probe(void **state)
{
	(void)state;
	/* device_lock: an unbind issued while the device's probe runs waits for the probe */
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(control("hold-probe hostdrv"), 0);
	struct write_job bind = {"hostdrv", "bind", DEV_A, 1};
	struct write_job unbind = {"hostdrv", "unbind", DEV_A, 1};
	pthread_t tb, tu;
	assert_int_equal(pthread_create(&tb, NULL, write_thread, &bind), 0);
	wait_for_driver_link(DEV_A);
	assert_int_equal(pthread_create(&tu, NULL, write_thread, &unbind), 0);
	/* not an assertion on time: lets the unbind reach the device lock */
	usleep(200 * 1000);
	int bind_pending = __atomic_load_n(&bind.result, __ATOMIC_SEQ_CST);
	int unbind_pending = __atomic_load_n(&unbind.result, __ATOMIC_SEQ_CST);
	int released = control("release-probe hostdrv");
	assert_int_equal(pthread_join(tb, NULL), 0);
	assert_int_equal(pthread_join(tu, NULL), 0);

	assert_int_equal(released, 0);
	assert_int_equal(bind_pending, 1);
	assert_int_equal(unbind_pending, 1);
	/* the probe completed, then the unbind found the device bound and released it */
	assert_int_equal(bind.result, 0);
	assert_int_equal(unbind.result, 0);
	ASSERT_UNBOUND_FROM(DEV_A, "hostdrv");
}

/* ---- drivers_probe / drivers_autoprobe --------------------------------------------------- */

static void test_drivers_probe_returns_success_with_nothing_bound(void **state)
{
	(void)state;
	_cleanup_free_ char *p = mpath("bus/pci/drivers_probe");
	_cleanup_close_ int fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	/* returns the written length, like the kernel */
	assert_int_equal(write(fd, DEV_LONE "\n", 13), 13);
	ASSERT_UNBOUND(DEV_LONE);
}

static void test_drivers_probe_unknown_device_is_enodev(void **state)
{
	(void)state;
	assert_int_equal(drivers_probe("0000:7f:00.0"), -ENODEV);
}

static void test_drivers_probe_binds_unbound_matching_device(void **state)
{
	(void)state;
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(drivers_probe(DEV_A "\n"), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
	/* bound device: no change, still success */
	assert_int_equal(drivers_probe(DEV_A), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
}

static void test_drivers_autoprobe_off_stops_hotplug_probe(void **state)
{
	(void)state;
	assert_file_eq("bus/pci/drivers_autoprobe", "1\n");
	assert_int_equal(mwrite("bus/pci/drivers_autoprobe", "0\n"), 0);
	assert_file_eq("bus/pci/drivers_autoprobe", "0\n");
	assert_int_equal(control("add-device " TWIN_JSON), 0);
	assert_true(mexists("bus/pci/devices/" DEV_TWIN));
	ASSERT_UNBOUND(DEV_TWIN);
	/* explicit probe and bind still work */
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(drivers_probe(DEV_A), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(drv_write("hostdrv", "bind", DEV_A), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
	assert_int_equal(mwrite("bus/pci/drivers_autoprobe", "1\n"), 0);
	assert_file_eq("bus/pci/drivers_autoprobe", "1\n");
}

static void test_drivers_autoprobe_off_does_not_stop_new_id_attach(void **state)
{
	(void)state;
	/*
	 * The kernel's pci_add_dynid() ends in driver_attach(), which does not look at
	 * drivers_autoprobe (only device add and driver registration do): new_id binds
	 * unbound matching devices even with autoprobe off (SPEC.md says so since FINDINGS.md).
	 */
	assert_int_equal(mwrite("bus/pci/drivers_autoprobe", "0"), 0);
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36 0001"), 0);
	ASSERT_BOUND(DEV_LONE, "newiddrv");
}

/* ---- new_id / remove_id ------------------------------------------------------------------ */

static void test_new_id_probes_unbound_devices(void **state)
{
	(void)state;
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36 0001\n"), 0);
	ASSERT_BOUND(DEV_LONE, "newiddrv");
}

static void test_new_id_does_not_steal_bound_devices(void **state)
{
	(void)state;
	assert_int_equal(drv_write("newiddrv", "new_id", "1af4 1000"), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
	ASSERT_BOUND(DEV_B, "hostdrv");
	/* once released, the dynamic id matches */
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(drv_write("newiddrv", "bind", DEV_A), 0);
	ASSERT_BOUND(DEV_A, "newiddrv");
}

static void test_new_id_duplicate_is_eexist(void **state)
{
	(void)state;
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36 0001"), 0);
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36 0001"), -EEXIST);
}

static void test_new_id_already_matched_by_static_id_is_eexist(void **state)
{
	(void)state;
	/* new_id_store refuses an id the driver already matches (pci_match_device on a dummy) */
	assert_int_equal(drv_write("hostdrv", "new_id", "1af4 1000"), -EEXIST);
}

static void test_new_id_driver_data_like_new_id_store(void **state)
{
	(void)state;
	/* with DATA the EEXIST pre-check is skipped; DATA must be one the static table uses (0) */
	assert_int_equal(drv_write("hostdrv", "new_id", "1af4 1000 ffffffff ffffffff 0 0 0"), 0);
	assert_int_equal(drv_write("hostdrv", "new_id", "1b36 0001 ffffffff ffffffff 0 0 5"),
	                 -EINVAL);
	ASSERT_UNBOUND(DEV_LONE);
	/* a driver without static ids takes any DATA */
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36 0001 ffffffff ffffffff 0 0 5"), 0);
	ASSERT_BOUND(DEV_LONE, "newiddrv");
	/* remove_id needs two fields too */
	assert_int_equal(drv_write("newiddrv", "remove_id", "1b36"), -EINVAL);
	assert_int_equal(drv_write("newiddrv", "remove_id", "1b36 0001"), 0);
}

static void test_new_id_malformed_is_einval(void **state)
{
	(void)state;
	assert_int_equal(drv_write("newiddrv", "new_id", "zzzz"), -EINVAL);
	/* fewer than two fields (an empty write never reaches the kernel, so not that) */
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36"), -EINVAL);
	assert_int_equal(drv_write("newiddrv", "new_id", "\n"), -EINVAL);
	ASSERT_UNBOUND(DEV_LONE);
}

static void test_new_id_with_subsystem_and_class_fields(void **state)
{
	(void)state;
	/* subsystem any (ffffffff), class ff0000 under mask ff0000 */
	assert_int_equal(
	    drv_write("newiddrv", "new_id", "1b36 0001 ffffffff ffffffff ff0000 ff0000"), 0);
	ASSERT_BOUND(DEV_LONE, "newiddrv");
	/* a class that does not match keeps 1b36:0002 off */
	assert_int_equal(
	    drv_write("newiddrv", "new_id", "1b36 0002 ffffffff ffffffff 030000 ff0000"), 0);
	ASSERT_UNBOUND(DEV_LATE);
}

static void test_new_id_dynamic_ids_checked_before_static_override_only(void **state)
{
	(void)state;
	/*
	 * pci_match_device looks at dynamic ids first, and only static ids carry override_only:
	 * new_id on vfio-pci makes it match without any override (the classic
	 * "echo VVVV DDDD > vfio-pci/new_id" usage that the 2014 thread is about).
	 */
	assert_int_equal(drv_write("vfio-pci", "new_id", "1b36 0001"), 0);
	ASSERT_BOUND(DEV_LONE, "vfio-pci");
}

static void test_new_id_hotplug_race_2014(void **state)
{
	(void)state;
	assert_int_equal(drv_write("vfio-pci", "new_id", "1b36 0001"), 0);
	ASSERT_BOUND(DEV_LONE, "vfio-pci");
	/* a twin of the same id, hot-added later, is grabbed too: the id is global */
	assert_int_equal(control("add-device " TWIN_JSON), 0);
	ASSERT_BOUND(DEV_TWIN, "vfio-pci");
}

static void test_new_id_hotplug_twin_grabbed_by_plain_driver(void **state)
{
	(void)state;
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36 0001"), 0);
	assert_int_equal(control("add-device " TWIN_JSON), 0);
	ASSERT_BOUND(DEV_TWIN, "newiddrv");
}

static void test_remove_id_stops_future_matches(void **state)
{
	(void)state;
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36 0001"), 0);
	ASSERT_BOUND(DEV_LONE, "newiddrv");
	assert_int_equal(drv_write("newiddrv", "remove_id", "1b36 0001"), 0);
	/* remove_id does not unbind */
	ASSERT_BOUND(DEV_LONE, "newiddrv");
	assert_int_equal(control("add-device " TWIN_JSON), 0);
	ASSERT_UNBOUND(DEV_TWIN);
	/* adding it again after removal is not a duplicate */
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36 0001"), 0);
	ASSERT_BOUND(DEV_TWIN, "newiddrv");
}

static void test_remove_id_absent_is_enodev(void **state)
{
	(void)state;
	assert_int_equal(drv_write("newiddrv", "remove_id", "1b36 0001"), -ENODEV);
}

/* ---- fault injection (.simsys/control) --------------------------------------------------- */

static void test_control_fail_probe_fails_next_bind_once(void **state)
{
	(void)state;
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(control("fail-probe hostdrv"), 0);
	assert_int_equal(drv_write("hostdrv", "bind", DEV_A), -ENODEV);
	ASSERT_UNBOUND(DEV_A);
	assert_int_equal(drv_write("hostdrv", "bind", DEV_A), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
}

static void test_control_fail_probe_count(void **state)
{
	(void)state;
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(control("fail-probe hostdrv 2"), 0);
	assert_int_equal(drivers_probe(DEV_A), 0); /* success, nothing bound */
	ASSERT_UNBOUND(DEV_A);
	assert_int_equal(drv_write("hostdrv", "bind", DEV_A), -ENODEV);
	ASSERT_UNBOUND(DEV_A);
	assert_int_equal(drivers_probe(DEV_A), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
}

static void test_control_slow_probe_still_binds_synchronously(void **state)
{
	(void)state;
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(control("slow-probe hostdrv 150"), 0);
	assert_int_equal(drv_write("hostdrv", "bind", DEV_A), 0);
	/* bound by the time write() returned */
	ASSERT_BOUND(DEV_A, "hostdrv");
	assert_int_equal(control("slow-unbind hostdrv 150"), 0);
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	ASSERT_UNBOUND(DEV_A);
}

struct bind_job {
	const char *drv;
	const char *bdf;
	int result;
};

static void *bind_thread(void *arg)
{
	struct bind_job *job = arg;
	__atomic_store_n(&job->result, drv_write(job->drv, "bind", job->bdf), __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_control_hold_probe_blocks_only_that_probe(void **state)
{
	(void)state;
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	assert_int_equal(control("hold-probe hostdrv"), 0);
	struct bind_job job = {"hostdrv", DEV_A, 1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, bind_thread, &job), 0);
	/* not an assertion on time: gives the bind thread a chance to reach the held probe */
	usleep(200 * 1000);
	/* other file operations go on while the probe is held; collect, assert after release */
	_cleanup_free_ char *vendor = mread("bus/pci/devices/" DEV_B "/vendor");
	int unbind_b = drv_write("hostdrv", "unbind", DEV_B);
	_cleanup_free_ char *still_b = bound_driver(DEV_B);
	/* a held probe cannot have returned */
	int pending = __atomic_load_n(&job.result, __ATOMIC_SEQ_CST);
	/*
	 * drivers_probe for the device being probed returns at once (dev->driver is set). Only
	 * once the probe has visibly started: otherwise this write would itself be held.
	 */
	wait_for_driver_link(DEV_A);
	_cleanup_free_ char *started = bound_driver(DEV_A);
	int probe_during = started ? drivers_probe(DEV_A) : -ESRCH;
	int released = control("release-probe hostdrv");
	assert_int_equal(pthread_join(t, NULL), 0);

	assert_int_equal(released, 0);
	assert_int_equal(pending, 1);
	assert_int_equal(probe_during, 0);
	assert_non_null(vendor);
	assert_string_equal(vendor, "0x1af4\n");
	assert_int_equal(unbind_b, 0);
	assert_null(still_b);
	assert_int_equal(job.result, 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
}

static void test_control_swap_on_unbind_replaces_device(void **state)
{
	(void)state;
	assert_int_equal(set_override(DEV_A, "vfio-pci"), 0);
	assert_int_equal(control("swap-on-unbind " DEV_A " {\"address\": \"" DEV_A "\", "
	                         "\"vendor\": \"1b36\", \"device\": \"0001\", \"class\": "
	                         "\"ff0000\", \"iommu_group\": 1}"),
	                 0);
	assert_file_eq("bus/pci/devices/" DEV_A "/vendor", "0x1af4\n");
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), 0);
	/* same address, new ids, by the time unbind returned */
	assert_file_eq("bus/pci/devices/" DEV_A "/vendor", "0x1b36\n");
	assert_file_eq("bus/pci/devices/" DEV_A "/device", "0x0001\n");
	ASSERT_UNBOUND_FROM(DEV_A, "hostdrv");
	assert_int_equal(drv_write("hostdrv", "bind", DEV_A), -ENODEV);
	/* a new pci_dev: no override carried over from the old one */
	assert_file_eq("bus/pci/devices/" DEV_A "/driver_override", "(null)\n");
}

static void test_control_load_module_registers_and_probes(void **state)
{
	(void)state;
	ASSERT_UNBOUND(DEV_LATE);
	assert_int_equal(control("load-module latemod"), 0);
	assert_true(mexists("bus/pci/drivers/latemod/bind"));
	assert_file_eq("module/latemod/initstate", "live\n");
	_cleanup_free_ char *mod = mpath("bus/pci/drivers/latemod/module");
	_cleanup_free_ char *want = mpath("module/latemod");
	char resolved[PATH_MAX];
	assert_non_null(realpath(mod, resolved));
	assert_string_equal(resolved, want);
	ASSERT_BOUND(DEV_LATE, "latemod");
}

static void test_control_unload_module_unbinds_and_removes(void **state)
{
	(void)state;
	assert_int_equal(control("unload-module hostdrv"), 0);
	ASSERT_UNBOUND(DEV_A);
	ASSERT_UNBOUND(DEV_B);
	assert_false(mexists("bus/pci/drivers/hostdrv"));
	assert_false(mexists("module/hostdrv"));
	/* loading it again binds them again */
	assert_int_equal(control("load-module hostdrv"), 0);
	ASSERT_BOUND(DEV_A, "hostdrv");
	ASSERT_BOUND(DEV_B, "hostdrv");
}

static void test_control_add_and_remove_device(void **state)
{
	(void)state;
	assert_int_equal(
	    control("add-device {\"address\": \"0000:06:00.0\", \"vendor\": \"1af4\", "
	            "\"device\": \"1000\", \"class\": \"020000\", \"iommu_group\": 30}"),
	    0);
	ASSERT_BOUND(DEV_TWIN, "hostdrv");
	assert_true(mexists("kernel/iommu_groups/30/devices/" DEV_TWIN));
	/* a device without iommu_group has no link */
	assert_int_equal(control("add-device {\"address\": \"0000:06:00.1\", \"vendor\": \"1b36\", "
	                         "\"device\": \"0001\", \"class\": \"ff0000\"}"),
	                 0);
	assert_true(mexists("bus/pci/devices/0000:06:00.1/vendor"));
	assert_false(mexists("bus/pci/devices/0000:06:00.1/iommu_group"));
	assert_int_equal(control("remove-device 0000:06:00.1"), 0);
	assert_int_equal(control("remove-device " DEV_TWIN), 0);
	assert_false(mexists("bus/pci/devices/" DEV_TWIN));
	assert_false(mexists("bus/pci/drivers/hostdrv/" DEV_TWIN));
	/* a duplicate address is refused (a bad command: EINVAL; EEXIST would say it as well) */
	int r = control("add-device {\"address\": \"" DEV_A "\", \"vendor\": \"1af4\", "
	                "\"device\": \"1000\", \"class\": \"020000\", \"iommu_group\": 1}");
	assert_true(r == -EINVAL || r == -EEXIST);
	assert_file_eq("bus/pci/devices/" DEV_A "/vendor", "0x1af4\n");
}

static void test_control_add_device_nests_under_parent_bridge(void **state)
{
	(void)state;
	assert_int_equal(
	    control("add-device {\"address\": \"0000:01:00.1\", \"vendor\": \"144d\", "
	            "\"device\": \"a80a\", \"class\": \"010802\", \"iommu_group\": 31, "
	            "\"parent\": \"" DEV_BRIDGE "\"}"),
	    0);
	_cleanup_free_ char *link = mpath("bus/pci/devices/0000:01:00.1");
	_cleanup_free_ char *want = mpath("devices/pci0000:00/" DEV_BRIDGE "/0000:01:00.1");
	char resolved[PATH_MAX];
	assert_non_null(realpath(link, resolved));
	assert_string_equal(resolved, want);
	ASSERT_BOUND("0000:01:00.1", "classdrv");
	/* a parent that does not exist is refused */
	int r = control("add-device {\"address\": \"0000:09:00.0\", \"vendor\": \"144d\", "
	                "\"device\": \"a80a\", \"class\": \"010802\", \"iommu_group\": 32, "
	                "\"parent\": \"0000:00:1d.0\"}");
	assert_int_equal(r, -EINVAL);
	assert_false(mexists("bus/pci/devices/0000:09:00.0"));
}

static void test_control_remove_bridge_removes_devices_below(void **state)
{
	(void)state;
	assert_int_equal(control("remove-device " DEV_BRIDGE), 0);
	assert_false(mexists("bus/pci/devices/" DEV_BRIDGE));
	assert_false(mexists("bus/pci/devices/" DEV_NVME));
	assert_false(mexists("bus/pci/drivers/classdrv/" DEV_NVME));
	assert_false(mexists("kernel/iommu_groups/5/devices/" DEV_NVME));
	assert_false(mexists("class/block/nvme0n1"));
	assert_int_equal(drivers_probe(DEV_NVME), -ENODEV);
	assert_int_equal(control("remove-device " DEV_BRIDGE), -EINVAL);
}

static void test_control_unload_module_keeps_override_for_reload(void **state)
{
	(void)state;
	assert_int_equal(set_override(DEV_LONE, "vfio-pci"), 0);
	assert_int_equal(drivers_probe(DEV_LONE), 0);
	ASSERT_BOUND(DEV_LONE, "vfio-pci");
	assert_int_equal(control("unload-module vfio_pci"), 0);
	ASSERT_UNBOUND(DEV_LONE);
	assert_false(mexists("bus/pci/drivers/vfio-pci"));
	assert_file_eq("bus/pci/devices/" DEV_LONE "/driver_override", "vfio-pci\n");
	assert_int_equal(control("load-module vfio_pci"), 0);
	ASSERT_BOUND(DEV_LONE, "vfio-pci");
}

static void test_control_bad_command_is_einval_and_logged(void **state)
{
	(void)state;
	assert_int_equal(control("no-such-command x"), -EINVAL);
	_cleanup_free_ char *log = mread(".simsys/log");
	assert_non_null(log);
	assert_non_null(strstr(log, "no-such-command"));
	assert_int_equal(control("fail-probe"), -EINVAL);
	assert_int_equal(control("load-module no_such_module"), -EINVAL);
	assert_int_equal(control("remove-device 0000:7f:00.0"), -EINVAL);
	assert_int_equal(control("add-device {\"address\": "), -EINVAL);
	assert_int_equal(control("slow-probe hostdrv soon"), -EINVAL);
}

static void test_control_read_lists_commands(void **state)
{
	(void)state;
	_cleanup_free_ char *help = mread(".simsys/control");
	assert_non_null(help);
	static const char *const cmds[] = {"fail-probe",     "slow-probe",    "slow-unbind",
	                                   "hold-probe",     "release-probe", "load-module",
	                                   "unload-module",  "add-device",    "remove-device",
	                                   "swap-on-unbind", "lockdown"};
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strstr(help, cmds[i]))
			fail_msg(".simsys/control does not list %s", cmds[i]);
}

/* ---- log ------------------------------------------------------------------------------- */

static void test_log_line_per_bind_write_with_result(void **state)
{
	(void)state;
	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A "\n"), 0);
	_cleanup_free_ char *l1 = last_log_line();
	assert_non_null(l1);
	unsigned long s1, s2;
	char path[512], value[512], res[32];
	if (sscanf(l1, "%lu write %511s %511s -> %31s", &s1, path, value, res) != 4)
		fail_msg("log line '%s' is not '<seq> write <path> <value> -> <rc>'", l1);
	assert_non_null(strstr(path, "bus/pci/drivers/hostdrv/unbind"));
	assert_string_equal(value, DEV_A "\\n");
	assert_string_equal(res, "0");

	assert_int_equal(drv_write("hostdrv", "unbind", DEV_A), -ENODEV);
	_cleanup_free_ char *l2 = last_log_line();
	assert_non_null(l2);
	if (sscanf(l2, "%lu write %511s %511s -> %31s", &s2, path, value, res) != 4)
		fail_msg("log line '%s' malformed", l2);
	assert_true(s2 > s1);
	assert_string_equal(value, DEV_A);
	char want[16];
	snprintf(want, sizeof(want), "-%d", ENODEV);
	assert_string_equal(res, want);

	assert_int_equal(set_override(DEV_B, "vfio-pci\n"), 0);
	_cleanup_free_ char *l3 = last_log_line();
	assert_non_null(l3);
	assert_non_null(strstr(l3, DEV_B "/driver_override vfio-pci\\n -> 0"));
	assert_int_equal(drivers_probe(DEV_LONE), 0);
	_cleanup_free_ char *l4 = last_log_line();
	assert_non_null(l4);
	assert_non_null(strstr(l4, "bus/pci/drivers_probe " DEV_LONE " -> 0"));
	/* values with spaces stay whole; the result is after the last " -> " */
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36 0001\n"), 0);
	_cleanup_free_ char *l5 = last_log_line();
	assert_non_null(l5);
	assert_non_null(strstr(l5, "bus/pci/drivers/newiddrv/new_id 1b36 0001\\n -> 0"));
	assert_int_equal(drv_write("newiddrv", "new_id", "1b36 0001"), -EEXIST);
	_cleanup_free_ char *l6 = last_log_line();
	assert_non_null(l6);
	snprintf(want, sizeof(want), " -> -%d", EEXIST);
	assert_true(strlen(l6) > strlen(want) && streq(l6 + strlen(l6) - strlen(want), want));
}

struct churn_job {
	const char *bdf;
	int rounds;
	int unexpected; /* results other than 0 / the expected race errors */
};

static void *churn_thread(void *arg)
{
	struct churn_job *job = arg;
	for (int i = 0; i < job->rounds; i++) {
		int r = drv_write("hostdrv", (i & 1) ? "bind" : "unbind", job->bdf);
		/* racing writers may find it already bound (EBUSY) or not held (ENODEV) */
		if (r != 0 && r != -EBUSY && r != -ENODEV)
			job->unexpected++;
		r = drivers_probe(job->bdf);
		if (r != 0)
			job->unexpected++;
	}
	return NULL;
}

static void test_concurrent_binds_and_unbinds_keep_links_consistent(void **state)
{
	(void)state;
	struct churn_job jobs[4] = {
	    {DEV_A, 200, 0}, {DEV_A, 200, 0}, {DEV_B, 200, 0}, {DEV_B, 200, 0}};
	pthread_t t[ARRAY_SIZE(jobs)];
	for (size_t i = 0; i < ARRAY_SIZE(jobs); i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn_thread, &jobs[i]), 0);
	for (size_t i = 0; i < ARRAY_SIZE(jobs); i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(jobs[i].unexpected, 0);
	}
	/* every round ends with drivers_probe, so both end up bound, links both ways */
	ASSERT_BOUND(DEV_A, "hostdrv");
	ASSERT_BOUND(DEV_B, "hostdrv");
	/* and the driver directory lists exactly the devices it holds */
	_cleanup_free_ char *dir = mpath("bus/pci/drivers/hostdrv");
	DIR *d = opendir(dir);
	assert_non_null(d);
	int held = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strncmp(e->d_name, "0000:", 5) == 0)
			held++;
	closedir(d);
	assert_int_equal(held, 2);

	/* one log line per write, sequence numbers strictly increasing (a log > 4 KiB) */
	_cleanup_free_ char *log = mread(".simsys/log");
	assert_non_null(log);
	unsigned long prev = 0, lines = 0;
	for (char *line = log; *line;) {
		char *nl = strchr(line, '\n');
		unsigned long seq;
		if (sscanf(line, "%lu ", &seq) != 1)
			fail_msg("log line without sequence number: %.80s", line);
		if (lines > 0 && seq <= prev)
			fail_msg("log sequence %lu after %lu", seq, prev);
		prev = seq;
		lines++;
		if (!nl)
			break;
		line = nl + 1;
	}
	assert_true(lines >= 4 * 200 * 2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, simsys_setup, simsys_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_bus_device_link_resolves_into_nested_devices_tree),
	    T(test_device_attributes_have_kernel_formats),
	    T(test_config_space_header_carries_ids_and_class),
	    T(test_file_modes_like_sysfs),
	    T(test_each_write_is_one_store_at_any_offset),
	    T(test_attribute_reads_at_any_offset),
	    T(test_iommu_group_links_both_ways),
	    T(test_net_and_block_children_and_class_links),
	    T(test_partitions_below_their_disk),
	    T(test_uevent_like_pci_uevent),
	    T(test_module_drivers_link_and_net_device_link),
	    T(test_open_modes_refused_like_kernfs),
	    T(test_proc_facts_in_proc_formats),
	    T(test_lockdown_file_format),
	    T(test_lockdown_unsupported_has_no_file),
	    T(test_boot_probe_binds_by_vendor_device_id),
	    T(test_driver_link_depth_correct_for_nested_device),
	    T(test_class_match_with_full_mask),
	    T(test_class_mask_compares_only_masked_bits),
	    T(test_subsystem_ids_must_match_when_given),
	    T(test_probe_failure_falls_through_to_next_driver),
	    T(test_topology_slow_probe_binds_at_boot),
	    T(test_probe_walks_drivers_in_registration_order),
	    T(test_unloaded_driver_has_no_dir_and_never_matches),
	    T(test_unbind_held_device_removes_both_links),
	    T(test_unbind_not_held_is_enodev),
	    T(test_bind_unbound_matching_device_creates_links),
	    T(test_bind_nonmatching_is_enodev),
	    T(test_bind_already_bound_is_ebusy),
	    T(test_bind_refused_when_override_names_other_driver),
	    T(test_bind_probe_failure_returns_error),
	    T(test_override_write_neither_binds_nor_unbinds),
	    T(test_override_admits_named_driver_via_drivers_probe),
	    T(test_override_admits_named_driver_without_id_match),
	    T(test_override_excludes_other_matching_drivers),
	    T(test_override_nonexistent_name_keeps_every_driver_off),
	    T(test_override_newline_clears_and_reads_null),
	    T(test_override_overlong_is_einval),
	    T(test_override_only_driver_never_matches_without_override),
	    T(test_override_to_unloaded_variant_binds_on_load_module),
	    T(test_override_is_per_device_hotplug_twin_not_grabbed),
	    T(test_override_probe_failure_leaves_device_driverless),
	    T(test_override_truncated_at_first_newline),
	    T(test_device_names_compared_exactly_like_sysfs_streq),
	    T(test_writes_for_a_device_wait_for_its_probe),
	    T(test_drivers_probe_returns_success_with_nothing_bound),
	    T(test_drivers_probe_unknown_device_is_enodev),
	    T(test_drivers_probe_binds_unbound_matching_device),
	    T(test_drivers_autoprobe_off_stops_hotplug_probe),
	    T(test_drivers_autoprobe_off_does_not_stop_new_id_attach),
	    T(test_new_id_probes_unbound_devices),
	    T(test_new_id_does_not_steal_bound_devices),
	    T(test_new_id_duplicate_is_eexist),
	    T(test_new_id_already_matched_by_static_id_is_eexist),
	    T(test_new_id_driver_data_like_new_id_store),
	    T(test_new_id_malformed_is_einval),
	    T(test_new_id_with_subsystem_and_class_fields),
	    T(test_new_id_dynamic_ids_checked_before_static_override_only),
	    T(test_new_id_hotplug_race_2014),
	    T(test_new_id_hotplug_twin_grabbed_by_plain_driver),
	    T(test_remove_id_stops_future_matches),
	    T(test_remove_id_absent_is_enodev),
	    T(test_control_fail_probe_fails_next_bind_once),
	    T(test_control_fail_probe_count),
	    T(test_control_slow_probe_still_binds_synchronously),
	    T(test_control_hold_probe_blocks_only_that_probe),
	    T(test_control_swap_on_unbind_replaces_device),
	    T(test_control_load_module_registers_and_probes),
	    T(test_control_unload_module_unbinds_and_removes),
	    T(test_control_add_and_remove_device),
	    T(test_control_add_device_nests_under_parent_bridge),
	    T(test_control_remove_bridge_removes_devices_below),
	    T(test_control_unload_module_keeps_override_for_reload),
	    T(test_concurrent_binds_and_unbinds_keep_links_consistent),
	    T(test_control_bad_command_is_einval_and_logged),
	    T(test_control_read_lists_commands),
	    T(test_log_line_per_bind_write_with_result),
	};
#undef T
	return cmocka_run_group_tests_name("simsys-conformance", tests, NULL, NULL);
}
