/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The model as a sysfs tree, without FUSE: which paths exist with which modes,
 * what directories list, where links point (each target resolved textually
 * against its directory must land on the node it names), and file contents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bb-macro.h"
#include "simsys-attrs.h"
#include "simsys-control.h"
#include "simsys-core.h"
#include "simsys-topology.h"
#include "simsys-tree.h"

static const char machine_json[] =
    "{\"lockdown\": \"integrity\", \"drivers\": ["
    " {\"name\": \"pcieport\", \"ids\": [{\"class\": \"060400\"}]},"
    " {\"name\": \"nvidia\", \"ids\": [{\"vendor\": \"10de\"}]},"
    " {\"name\": \"nvme\", \"ids\": [{\"class\": \"010802\"}]},"
    " {\"name\": \"vfio-pci\", \"override_only\": true}],"
    "\"devices\": ["
    " {\"address\": \"0000:00:01.0\", \"vendor\": \"8086\", \"device\": \"1901\", \"class\": "
    "\"060400\", \"iommu_group\": 1},"
    " {\"address\": \"0000:01:00.0\", \"vendor\": \"1000\", \"device\": \"c010\", \"class\": "
    "\"060400\","
    "  \"parent\": \"0000:00:01.0\", \"iommu_group\": 1},"
    " {\"address\": \"0000:02:00.0\", \"vendor\": \"10de\", \"device\": \"2330\", "
    "\"subsystem_vendor\": \"10de\","
    "  \"subsystem_device\": \"16c1\", \"class\": \"030200\", \"revision\": \"a1\", "
    "\"iommu_group\": 7,"
    "  \"parent\": \"0000:01:00.0\", \"numa_node\": 1},"
    " {\"address\": \"0000:03:00.0\", \"vendor\": \"1a03\", \"device\": \"2000\", \"class\": "
    "\"030000\","
    "  \"boot_vga\": true, \"net\": [{\"name\": \"eno1\", \"default_route\": true}, {\"name\": "
    "\"eno2\"}]},"
    " {\"address\": \"0001:40:00.0\", \"vendor\": \"144d\", \"device\": \"a80a\", \"class\": "
    "\"010802\","
    "  \"block\": [{\"name\": \"nvme0n1\", \"partitions\": [{\"name\": \"nvme0n1p1\", \"mounts\": "
    "[\"/\"]},"
    "   {\"name\": \"nvme0n1p2\", \"swap\": true}]}, {\"name\": \"sdb\", \"mounts\": [\"/data\"]}]}"
    "]}";

static struct sim_machine *m;

static int setup(void **state)
{
	char err[512];

	(void)state;
	if (sim_topology_parse(machine_json, strlen(machine_json), &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "topology: %s\n", err);
		return -1;
	}
	pthread_mutex_lock(&m->lock);
	sim_probe_all(m);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pthread_mutex_unlock(&m->lock);
	sim_machine_free(m);
	return 0;
}

static struct sim_node node(const char *path)
{
	struct sim_node n;
	int r = sim_tree_lookup(m, path, &n);

	if (r < 0)
		fail_msg("%s: %s", path, strerror(-r));
	return n;
}

static char *content(const char *path)
{
	struct sim_node n = node(path);
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(sim_attr_render(m, &n, &data, &len), 0);
	assert_int_equal(strlen(data), len);
	return data;
}

static void assert_content(const char *path, const char *want)
{
	char *got = content(path);
	if (!streq(got, want))
		fail_msg("%s reads \"%s\", want \"%s\"", path, got, want);
	free(got);
}

/* Resolves link PATH's target textually against the link's directory. */
static void resolve(const char *path, char *out, size_t size)
{
	struct sim_node n = node(path);
	char target[1024], buf[2048];
	char *parts[128];
	size_t np = 0;

	assert_int_equal(n.type, SIM_NODE_LINK);
	assert_int_equal(sim_tree_link_target(m, &n, target, sizeof(target)), 0);
	snprintf(buf, sizeof(buf), "%s/../%s", path, target);
	for (char *save = NULL, *tok = strtok_r(buf, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (streq(tok, ".."))
			np = np ? np - 1 : 0;
		else if (!streq(tok, "."))
			parts[np++] = tok;
	}
	out[0] = '\0';
	for (size_t i = 0; i < np; i++) {
		strncat(out, "/", size - strlen(out) - 1);
		strncat(out, parts[i], size - strlen(out) - 1);
	}
}

static void assert_link(const char *path, const char *want)
{
	char got[2048];

	resolve(path, got, sizeof(got));
	if (!streq(got, want))
		fail_msg("%s resolves to %s, want %s", path, got, want);
	/* and the target exists as a directory of the tree */
	assert_int_equal(node(got).type, SIM_NODE_DIR);
}

#define GPU "/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0"

static void test_layout_and_links(void **state)
{
	(void)state;
	assert_link("/bus/pci/devices/0000:02:00.0", GPU);
	assert_link("/bus/pci/devices/0001:40:00.0", "/devices/pci0001:40/0001:40:00.0");
	assert_link(GPU "/driver", "/bus/pci/drivers/nvidia");
	assert_link(GPU "/iommu_group", "/kernel/iommu_groups/7");
	assert_link(GPU "/subsystem", "/bus/pci");
	assert_link("/bus/pci/drivers/nvidia/0000:02:00.0", GPU);
	assert_link("/bus/pci/drivers/nvidia/module", "/module/nvidia");
	assert_link("/bus/pci/drivers/vfio-pci/module", "/module/vfio_pci");
	assert_link("/module/vfio_pci/drivers/pci:vfio-pci", "/bus/pci/drivers/vfio-pci");
	assert_link("/kernel/iommu_groups/1/devices/0000:01:00.0",
	            "/devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	assert_link("/class/net/eno2", "/devices/pci0000:03/0000:03:00.0/net/eno2");
	assert_link("/devices/pci0000:03/0000:03:00.0/net/eno1/device",
	            "/devices/pci0000:03/0000:03:00.0");
	assert_link("/class/block/nvme0n1", "/devices/pci0001:40/0001:40:00.0/nvme/nvme0/nvme0n1");
	assert_link("/class/block/nvme0n1p2",
	            "/devices/pci0001:40/0001:40:00.0/nvme/nvme0/nvme0n1/nvme0n1p2");
	assert_link("/class/block/sdb", "/devices/pci0001:40/0001:40:00.0/block/sdb");
	/* no driver link while unbound, no group link without a group */
	struct sim_node n;
	assert_int_equal(sim_tree_lookup(m, "/devices/pci0000:03/0000:03:00.0/driver", &n),
	                 -ENOENT);
	assert_int_equal(sim_tree_lookup(m, "/devices/pci0000:03/0000:03:00.0/iommu_group", &n),
	                 -ENOENT);
	assert_int_equal(sim_tree_lookup(m, "/bus/pci/devices/0000:02:00.0/vendor", &n), -ENOTDIR);
	assert_int_equal(sim_tree_lookup(m, "/devices/pci0000:02", &n), -ENOENT);
	assert_int_equal(sim_tree_lookup(m, "/bus/pci/drivers/nvidia/../nvidia", &n), -ENOENT);
}

static void test_modes(void **state)
{
	(void)state;
	assert_int_equal(node("/").perm, 0755);
	assert_int_equal(node(GPU).perm, 0755);
	assert_int_equal(node(GPU "/vendor").perm, 0444);
	assert_int_equal(node(GPU "/driver_override").perm, 0644);
	assert_int_equal(node("/bus/pci/drivers/nvidia/bind").perm, 0200);
	assert_int_equal(node("/bus/pci/drivers/nvidia/unbind").perm, 0200);
	assert_int_equal(node("/bus/pci/drivers/nvidia/new_id").perm, 0200);
	assert_int_equal(node("/bus/pci/drivers/nvidia/remove_id").perm, 0200);
	assert_int_equal(node("/bus/pci/drivers_probe").perm, 0200);
	assert_int_equal(node("/bus/pci/drivers_autoprobe").perm, 0644);
	assert_int_equal(node(GPU "/driver").perm, 0777);
	assert_int_equal(node("/kernel/security/lockdown").type, SIM_NODE_FILE);
}

static void test_contents(void **state)
{
	char *cfg = NULL;
	size_t len = 0;
	struct sim_node n;

	(void)state;
	assert_content(GPU "/vendor", "0x10de\n");
	assert_content(GPU "/class", "0x030200\n");
	assert_content(GPU "/revision", "0xa1\n");
	assert_content(GPU "/numa_node", "1\n");
	assert_content(GPU "/modalias", "pci:v000010DEd00002330sv000010DEsd000016C1bc03sc02i00\n");
	assert_content(GPU "/driver_override", "(null)\n");
	/* a 3D controller (0302xx) has no boot_vga, as pci_is_vga() decides */
	assert_int_equal(sim_tree_lookup(m, GPU "/boot_vga", &n), -ENOENT);
	assert_content("/devices/pci0000:03/0000:03:00.0/boot_vga", "1\n");
	assert_int_equal(sim_tree_lookup(m, "/devices/pci0001:40/0001:40:00.0/boot_vga", &n),
	                 -ENOENT);
	assert_content("/kernel/security/lockdown", "none [integrity] confidentiality\n");
	assert_content("/bus/pci/drivers_autoprobe", "1\n");
	assert_content("/devices/pci0001:40/0001:40:00.0/nvme/nvme0/nvme0n1/nvme0n1p2/partition",
	               "2\n");
	/* config: ids little-endian, class, header type 1 with bus numbers for a bridge */
	n = node("/devices/pci0000:00/0000:00:01.0/config");
	assert_int_equal(sim_attr_render(m, &n, &cfg, &len), 0);
	assert_int_equal(len, 256);
	assert_int_equal((unsigned char)cfg[0], 0x86);
	assert_int_equal((unsigned char)cfg[1], 0x80);
	assert_int_equal((unsigned char)cfg[0x0b], 0x06);
	assert_int_equal((unsigned char)cfg[0x0a], 0x04);
	assert_int_equal((unsigned char)cfg[0x0e], 0x01);
	assert_int_equal((unsigned char)cfg[0x19], 0x01); /* secondary */
	assert_int_equal((unsigned char)cfg[0x1a], 0x02); /* subordinate: the GPU's bus 2 */
	free(cfg);
	/* the /proc facts */
	char *route = content("/.simsys/proc/net/route");
	assert_non_null(strstr(route, "\neno1\t00000000\t"));
	assert_null(strstr(route, "\neno2\t00000000\t"));
	assert_non_null(strstr(route, "\neno2\t"));
	free(route);
	char *mounts = content("/.simsys/proc/mounts");
	assert_non_null(strstr(mounts, "\n/dev/nvme0n1p1 / ext4 "));
	assert_non_null(strstr(mounts, "\n/dev/sdb /data ext4 "));
	free(mounts);
	char *swaps = content("/.simsys/proc/swaps");
	assert_non_null(strstr(swaps, "\n/dev/nvme0n1p2 "));
	free(swaps);
}

struct names {
	char buf[4096];
};

static int collect(void *userdata, const char *name, const struct sim_node *child)
{
	struct names *n = userdata;
	(void)child;
	strncat(n->buf, name, sizeof(n->buf) - strlen(n->buf) - 2);
	strcat(n->buf, " ");
	return 0;
}

static const char *list(const char *path)
{
	static struct names n;
	struct sim_node dir = node(path);

	n.buf[0] = '\0';
	assert_int_equal(sim_tree_list(m, &dir, collect, &n), 0);
	return n.buf;
}

static void test_listings_follow_state(void **state)
{
	const char *unbind = "0000:02:00.0";

	(void)state;
	assert_string_equal(list("/"), "bus devices kernel module class .simsys ");
	assert_string_equal(list("/devices"), "pci0000:00 pci0000:03 pci0001:40 ");
	assert_string_equal(list("/kernel/iommu_groups"), "1 7 ");
	assert_string_equal(list("/bus/pci/drivers"), "pcieport nvidia nvme vfio-pci ");
	assert_string_equal(list("/module"), "pcieport nvidia nvme vfio_pci ");
	assert_string_equal(list("/bus/pci/drivers/nvidia"),
	                    "bind unbind new_id remove_id module 0000:02:00.0 ");
	assert_non_null(strstr(list(GPU), "driver iommu_group"));
	/* unbind: the links go from both sides */
	assert_int_equal(sim_store_unbind(m, sim_find_driver(m, "nvidia"), unbind, strlen(unbind)),
	                 0);
	assert_string_equal(list("/bus/pci/drivers/nvidia"),
	                    "bind unbind new_id remove_id module ");
	assert_null(strstr(list(GPU), "driver "));
	/* an unloaded module disappears with its drivers */
	char err[256];
	assert_int_equal(sim_control_exec(m, "unload-module nvme", 18, err, sizeof(err)), 0);
	assert_string_equal(list("/module"), "pcieport nvidia vfio_pci ");
	assert_string_equal(list("/bus/pci/drivers"), "pcieport nvidia vfio-pci ");
	/* lockdown unsupported: no file */
	m->lockdown = SIM_LOCKDOWN_UNSUPPORTED;
	assert_string_equal(list("/kernel/security"), "");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_layout_and_links),
	    T(test_modes),
	    T(test_contents),
	    T(test_listings_follow_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
