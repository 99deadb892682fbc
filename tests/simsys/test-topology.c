/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The topology parser: what a valid file becomes, and every refusal with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bb-macro.h"
#include "simsys-topology.h"

static const char valid[] =
    "{ \"lockdown\": \"integrity\",\n"
    "  \"drivers\": [\n"
    "    {\"name\": \"pcieport\", \"ids\": [{\"class\": \"060400\", \"class_mask\": "
    "\"ffff00\"}]},\n"
    "    {\"name\": \"nvidia\", \"module\": \"nvidia\", \"loaded\": true, \"probe\": \"slow:20\",\n"
    "     \"ids\": [{\"vendor\": \"10de\", \"class\": \"030000\", \"class_mask\": \"ff0000\"}]},\n"
    "    {\"name\": \"vfio-pci\", \"override_only\": true},\n"
    "    {\"name\": \"mlx5_vfio_pci\", \"loaded\": false, \"override_only\": true, \"probe\": "
    "\"fail\",\n"
    "     \"ids\": [{\"vendor\": \"15b3\", \"device\": \"101e\", \"subsystem_vendor\": \"15B3\",\n"
    "               \"subsystem_device\": \"0001\", \"class\": \"020000\"}]}\n"
    "  ],\n"
    "  \"devices\": [\n"
    "    {\"address\": \"0000:00:01.0\", \"vendor\": \"8086\", \"device\": \"1901\", \"class\": "
    "\"060400\"},\n"
    "    {\"address\": \"0000:01:00.0\", \"vendor\": \"10DE\", \"device\": \"2330\",\n"
    "     \"subsystem_vendor\": \"10de\", \"subsystem_device\": \"16c1\", \"class\": \"030000\",\n"
    "     \"revision\": \"a1\", \"iommu_group\": 12, \"boot_vga\": true, \"numa_node\": 1,\n"
    "     \"parent\": \"0000:00:01.0\",\n"
    "     \"net\": [{\"name\": \"eth0\", \"default_route\": true}],\n"
    "     \"block\": [{\"name\": \"nvme0n1\", \"mounts\": [\"/\", \"/home\"], \"swap\": true}]},\n"
    "    {\"address\": \"0000:02:00.0\", \"vendor\": \"15b3\", \"device\": \"101e\", \"class\": "
    "\"020000\"}\n"
    "  ]\n"
    "}\n";

static struct sim_machine *parse_ok(const char *json)
{
	struct sim_machine *m = NULL;
	char err[512] = "";
	int r = sim_topology_parse(json, strlen(json), &m, err, sizeof(err));

	if (r < 0)
		fail_msg("unexpected refusal: %s", err);
	assert_non_null(m);
	return m;
}

static void test_valid(void **state)
{
	struct sim_machine *m = parse_ok(valid);
	struct sim_driver *drv;
	struct sim_device *d;

	(void)state;
	assert_int_equal(m->lockdown, SIM_LOCKDOWN_INTEGRITY);
	assert_int_equal(m->n_drivers, 4);
	assert_int_equal(m->n_devices, 3);
	assert_true(m->autoprobe);

	drv = sim_find_driver(m, "vfio-pci");
	assert_non_null(drv);
	assert_string_equal(drv->module, "vfio_pci"); /* default: name with '-' -> '_' */
	assert_true(drv->loaded);
	assert_true(drv->override_only);
	assert_int_equal(drv->n_ids, 0);

	drv = sim_find_driver(m, "nvidia");
	assert_int_equal(drv->probe, SIM_PROBE_SLOW);
	assert_int_equal(drv->probe_ms, 20);
	assert_int_equal(drv->n_ids, 1);
	assert_int_equal(drv->ids[0].vendor, 0x10de);
	assert_int_equal(drv->ids[0].device, SIM_ANY);
	assert_int_equal(drv->ids[0].class, 0x030000);
	assert_int_equal(drv->ids[0].class_mask, 0xff0000);

	drv = sim_find_driver(m, "mlx5_vfio_pci");
	assert_false(drv->loaded);
	assert_int_equal(drv->probe, SIM_PROBE_FAIL);
	assert_int_equal(drv->ids[0].subvendor, 0x15b3);
	assert_int_equal(drv->ids[0].class_mask, 0xffffff); /* class given, mask defaults */

	d = sim_find_device(m, "0000:01:00.0");
	assert_non_null(d);
	assert_int_equal(d->vendor, 0x10de);
	assert_int_equal(d->subdevice, 0x16c1);
	assert_int_equal(d->class, 0x030000);
	assert_int_equal(d->revision, 0xa1);
	assert_int_equal(d->iommu_group, 12);
	assert_true(d->boot_vga);
	assert_int_equal(d->numa_node, 1);
	assert_ptr_equal(d->parent, sim_find_device(m, "0000:00:01.0"));
	assert_int_equal(d->n_net, 1);
	assert_string_equal(d->net[0].name, "eth0");
	assert_true(d->net[0].default_route);
	assert_int_equal(d->n_block, 1);
	assert_int_equal(d->block[0].n_mounts, 2);
	assert_string_equal(d->block[0].mounts[1], "/home");
	assert_true(d->block[0].swap);
	assert_null(d->driver); /* nothing binds before the boot probe */
	assert_null(d->override);

	d = sim_find_device(m, "0000:02:00.0");
	assert_int_equal(d->iommu_group, -1);
	assert_int_equal(d->numa_node, -1);
	assert_int_equal(d->revision, 0);
	assert_null(d->parent);
	sim_machine_free(m);
}

static void test_empty_and_uppercase(void **state)
{
	struct sim_machine *m = parse_ok("{}");

	(void)state;
	assert_int_equal(m->n_devices, 0);
	assert_int_equal(m->lockdown, SIM_LOCKDOWN_NONE);
	sim_machine_free(m);

	m = parse_ok(
	    "{\"lockdown\": \"unsupported\", \"devices\": [{\"address\": \"000A:0B:1F.7\", "
	    "\"vendor\": \"abcd\", \"device\": \"ef01\", \"class\": \"ffffff\"}]}  \n");
	assert_int_equal(m->lockdown, SIM_LOCKDOWN_UNSUPPORTED);
	assert_non_null(sim_find_device(m, "000a:0b:1f.7")); /* stored as sysfs writes it */
	assert_int_equal(m->devices[0]->domain, 0xa);
	assert_int_equal(m->devices[0]->slot, 0x1f);
	assert_int_equal(m->devices[0]->func, 7);
	sim_machine_free(m);
}

struct refusal {
	const char *json;
	const char *message; /* a part of the error the parser must give */
};

#define DEV(extra)                                                                                 \
	"{\"devices\": [{\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", \"device\": "        \
	"\"2330\", \"class\": \"030000\"" extra "}]}"
#define DRV(extra) "{\"drivers\": [{\"name\": \"nvidia\"" extra "}]}"

static const struct refusal refusals[] = {
    {"", "unexpected end of input"},
    {"{\"devices\": [", "unexpected end of input"},
    {"{\"devices\": []} x", "1:17"},
    {"[]", "top level: expected an object, got array"},
    {"{\"device\": []}", "top level: unknown key \"device\""},
    {"{\"lockdown\": \"partial\"}", "lockdown: expected none"},
    {"{\"lockdown\": 1}", "top level.lockdown: expected a string, got int"},
    {"{\"devices\": {}}", "devices: expected an array, got object"},
    {"{\"devices\": [1]}", "devices[0]: expected an object, got int"},
    {DEV(", \"colour\": \"red\""), "devices[0]: unknown key \"colour\""},
    {"{\"devices\": [{\"vendor\": \"10de\", \"device\": \"2330\", \"class\": \"030000\"}]}",
     "devices[0]: missing key \"address\""},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"device\": \"2330\", \"class\": "
     "\"030000\"}]}",
     "devices[0]: missing key \"vendor\""},
    {"{\"devices\": [{\"address\": \"0000:1:00.0\", \"vendor\": \"10de\", \"device\": \"2330\", "
     "\"class\": \"030000\"}]}",
     "devices[0].address: \"0000:1:00.0\" is not a PCI address"},
    {"{\"devices\": [{\"address\": \"0000:01:20.0\", \"vendor\": \"10de\", \"device\": \"2330\", "
     "\"class\": \"030000\"}]}",
     "devices[0].address"},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"vendor\": \"10d\", \"device\": \"2330\", "
     "\"class\": \"030000\"}]}",
     "devices[0].vendor: expected 4 hex digits without 0x, got \"10d\""},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"vendor\": \"0x10de\", \"device\": \"2330\", "
     "\"class\": \"030000\"}]}",
     "devices[0].vendor: expected 4 hex digits"},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"vendor\": \"10dg\", \"device\": \"2330\", "
     "\"class\": \"030000\"}]}",
     "devices[0].vendor"},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"vendor\": 4318, \"device\": \"2330\", "
     "\"class\": \"030000\"}]}",
     "devices[0].vendor: expected a string, got int"},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", \"device\": \"2330\", "
     "\"class\": \"0300\"}]}",
     "devices[0].class: expected 6 hex digits"},
    {DEV(", \"revision\": \"1\""), "devices[0].revision: expected 2 hex digits"},
    {DEV(", \"iommu_group\": \"12\""), "devices[0].iommu_group: expected an integer, got string"},
    {DEV(", \"iommu_group\": -1"), "devices[0].iommu_group: -1 out of range"},
    {DEV(", \"iommu_group\": 1.5"), "devices[0].iommu_group: expected an integer, got double"},
    {DEV(", \"iommu_group\": 99999999999999999999"), "devices[0].iommu_group"},
    {DEV(", \"numa_node\": 5000"), "devices[0].numa_node: 5000 out of range"},
    {DEV(", \"boot_vga\": 1"), "devices[0].boot_vga: expected true or false, got int"},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", \"device\": \"2330\", "
     "\"class\": \"020000\", \"boot_vga\": true}]}",
     "devices[0].boot_vga: true on a device of class 020000"},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", \"device\": \"2330\", "
     "\"class\": \"030200\", \"boot_vga\": true}]}",
     "devices[0].boot_vga: true on a device of class 030200 (not VGA, 0300xx)"},
    {DEV(", \"driver\": \"nvidia\""), "devices[0]: unknown key \"driver\""},
    {DEV(", \"parent\": \"0000:00:01.0\""), "devices[0].parent: unknown device 0000:00:01.0"},
    {DEV(", \"parent\": \"0000:01:00.0\""), "devices[0].parent: a device cannot be its own parent"},
    {"{\"devices\": [{\"address\": \"0000:00:02.0\", \"vendor\": \"8086\", \"device\": \"1234\", "
     "\"class\": \"020000\"}, {\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", \"device\": "
     "\"2330\", \"class\": \"030000\", \"parent\": \"0000:00:02.0\"}]}",
     "devices[1].parent: 0000:00:02.0 is not a PCI bridge"},
    {"{\"devices\": [{\"address\": \"0000:00:01.0\", \"vendor\": \"8086\", \"device\": \"1234\", "
     "\"class\": \"060400\", \"parent\": \"0000:00:02.0\"}, {\"address\": \"0000:00:02.0\", "
     "\"vendor\": \"8086\", \"device\": \"1234\", \"class\": \"060400\", \"parent\": "
     "\"0000:00:01.0\"}]}",
     "devices[0].parent: chain deeper than 32 or a cycle"},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", \"device\": \"2330\", "
     "\"class\": \"030000\"}, {\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", \"device\": "
     "\"2331\", \"class\": \"030000\"}]}",
     "devices[1].address: duplicate 0000:01:00.0 (also devices[0])"},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", \"device\": \"2330\", "
     "\"class\": \"030000\"}, {\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", \"device\": "
     "\"2331\", \"class\": \"030000\"}]}",
     "duplicate"},
    {DEV(", \"net\": [{\"name\": \"eth0\"}, {\"name\": \"eth0\"}]"),
     "devices[0].net[1]: duplicate interface eth0"},
    {DEV(", \"net\": [{\"name\": \"eth/0\"}]"),
     "devices[0].net[0].name: \"eth/0\" is not an interface name"},
    {DEV(", \"net\": [{\"name\": \"a-very-long-interface\"}]"), "devices[0].net[0].name"},
    {DEV(", \"net\": [{\"name\": \"eth0\", \"mtu\": 1500}]"),
     "devices[0].net[0]: unknown key \"mtu\""},
    {DEV(", \"net\": [{\"name\": \"eth0\", \"default_route\": \"yes\"}]"),
     "devices[0].net[0].default_route: expected true or false"},
    {DEV(", \"block\": [{\"name\": \"..\"}]"), "devices[0].block[0].name: \"..\" is not a block"},
    {DEV(", \"block\": [{\"name\": \"sda\", \"mounts\": [\"home\"]}]"),
     "devices[0].block[0].mounts[0]: \"home\" is not an absolute path"},
    {DEV(", \"block\": [{\"name\": \"sda\", \"mounts\": [\"/my home\"]}]"),
     "devices[0].block[0].mounts[0]"},
    {DEV(", \"block\": [{\"name\": \"sda\", \"mounts\": [7]}]"),
     "devices[0].block[0].mounts[0]: expected a string, got int"},
    {DEV(", \"block\": [{\"name\": \"sda\", \"swap\": null}]"), "devices[0].block[0].swap"},
    {DEV(", \"block\": [{\"name\": \"sda\", \"partitions\": [{\"name\": \"sdb1\"}]}]"),
     "devices[0].block[0].partitions[0].name: \"sdb1\" is not a partition of sda"},
    {DEV(", \"block\": [{\"name\": \"nvme0n1\", \"partitions\": [{\"name\": \"nvme0n11\"}]}]"),
     "devices[0].block[0].partitions[0].name: \"nvme0n11\" is not a partition of nvme0n1"},
    {DEV(", \"block\": [{\"name\": \"sda\", \"partitions\": [{\"name\": \"sda0\"}]}]"),
     "is not a partition of sda"},
    {DEV(", \"block\": [{\"name\": \"sda\", \"partitions\": [{\"name\": \"sda1\", "
         "\"partitions\": []}]}]"),
     "devices[0].block[0].partitions[0]: unknown key \"partitions\""},
    {DEV(", \"block\": [{\"name\": \"sda\", \"partitions\": [{\"name\": \"sda1\"}, "
         "{\"name\": \"sda1\"}]}]"),
     "devices[0].block[0]: duplicate block device sda1"},
    {DEV(", \"block\": [{\"name\": \"sda\", \"partitions\": [{\"name\": \"sda1\", "
         "\"mounts\": [\"x\"]}]}]"),
     "devices[0].block[0].partitions[0].mounts[0]"},
    {"{\"drivers\": [{\"module\": \"x\"}]}", "drivers[0]: missing key \"name\""},
    {"{\"drivers\": [{\"name\": \"bad name\"}]}",
     "drivers[0].name: \"bad name\" is not a driver name"},
    {"{\"drivers\": [{\"name\": \"../x\"}]}", "drivers[0].name"},
    {DRV(", \"module\": \"a/b\""), "drivers[0].module"},
    {DRV(", \"loaded\": \"yes\""), "drivers[0].loaded: expected true or false, got string"},
    {DRV(", \"probe\": \"maybe\""), "drivers[0].probe: expected \"ok\", \"fail\" or \"slow:MS\""},
    {DRV(", \"probe\": \"slow:0\""), "drivers[0].probe"},
    {DRV(", \"probe\": \"slow:99999\""), "drivers[0].probe"},
    {DRV(", \"probe\": \"slow:\""), "drivers[0].probe"},
    {DRV(", \"ids\": {}"), "drivers[0].ids: expected an array, got object"},
    {DRV(", \"ids\": [{\"vendor\": \"10de\", \"subclass\": \"03\"}]"),
     "drivers[0].ids[0]: unknown key \"subclass\""},
    {DRV(", \"ids\": [{\"class_mask\": \"ff0000\"}]"),
     "drivers[0].ids[0].class_mask: given without \"class\""},
    {DRV(", \"ids\": [{\"device\": \"12345\"}]"),
     "drivers[0].ids[0].device: expected 4 hex digits"},
    {DRV(", \"ids\": [\"10de\"]"), "drivers[0].ids[0]: expected an object, got string"},
    {DRV(", \"override_only\": 0"), "drivers[0].override_only: expected true or false"},
    {DRV(", \"colour\": 1"), "drivers[0]: unknown key \"colour\""},
    {"{\"drivers\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"a\"}]}",
     "drivers[2].name: duplicate a (also drivers[0])"},
    {"{\"devices\": [{\"address\": \"0000:01:00.0\", \"address\": 5}]}",
     "1:42: duplicate key \"address\""},
    {"{\"lockdown\": \"none\",\n \"lockdown\": \"integrity\"}", "2:2: duplicate key \"lockdown\""},
    {DRV(", \"loaded\": false, \"loaded\": true"), "duplicate key \"loaded\""},
    {"{\"lockdown\": \"none\\u0000x\"}", "lockdown: contains a NUL byte"},
};

static void test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
		struct sim_machine *m = NULL;
		char err[512] = "";
		int r = sim_topology_parse(refusals[i].json, strlen(refusals[i].json), &m, err,
		                           sizeof(err));
		if (r != -EINVAL || m != NULL)
			fail_msg("case %zu accepted (r=%d): %s", i, r, refusals[i].json);
		if (!strstr(err, refusals[i].message))
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err,
			         refusals[i].message);
	}
}

/* {"drivers": [{"name": "d0", "module": "m0"}, ...]} with N drivers. */
static char *many_drivers(int n)
{
	size_t cap = 64 + (size_t)n * 48;
	char *s = malloc(cap);
	size_t off = 0;

	assert_non_null(s);
	off += (size_t)snprintf(s + off, cap - off, "{\"drivers\": [");
	for (int i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, cap - off,
		                        "%s{\"name\": \"d%d\", \"module\": \"m%d\"}", i ? "," : "",
		                        i, i);
	snprintf(s + off, cap - off, "]}");
	return s;
}

static void test_limits(void **state)
{
	struct sim_machine *m = NULL;
	char err[512];
	char *s;
	int r;

	(void)state;
	/* 4096 devices are accepted, 4097 are not. */
	{
		size_t cap = 4200 * 120;
		char *doc = malloc(cap);
		size_t off = 0;
		assert_non_null(doc);
		off += (size_t)snprintf(doc + off, cap - off, "{\"devices\": [");
		for (int i = 0; i < 4097; i++)
			off += (size_t)snprintf(
			    doc + off, cap - off,
			    "%s{\"address\": \"%04x:%02x:%02x.0\", \"vendor\": "
			    "\"8086\", \"device\": \"1234\", \"class\": \"020000\"}",
			    i ? "," : "", i / 256, i % 256, 0);
		snprintf(doc + off, cap - off, "]}");
		r = sim_topology_parse(doc, strlen(doc), &m, err, sizeof(err));
		assert_int_equal(r, -EINVAL);
		assert_non_null(strstr(err, "devices: more than 4096 entries"));
		/* Drop the last entry: exactly 4096 parse. */
		char *last = strrchr(doc, '{');
		strcpy(last - 1, "]}");
		r = sim_topology_parse(doc, strlen(doc), &m, err, sizeof(err));
		assert_int_equal(r, 0);
		assert_int_equal(m->n_devices, 4096);
		sim_machine_free(m);
		m = NULL;
		free(doc);
	}
	/* 513 drivers. */
	s = many_drivers(513);
	r = sim_topology_parse(s, strlen(s), &m, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err, "drivers: more than 512 entries"));
	free(s);
	/* 65 ids. */
	{
		char doc[8192];
		size_t off = (size_t)snprintf(doc, sizeof(doc),
		                              "{\"drivers\": [{\"name\": \"x\", \"ids\": [");
		for (int i = 0; i < 65; i++)
			off += (size_t)snprintf(doc + off, sizeof(doc) - off,
			                        "%s{\"device\": \"%04x\"}", i ? "," : "", i);
		snprintf(doc + off, sizeof(doc) - off, "]}]}");
		r = sim_topology_parse(doc, strlen(doc), &m, err, sizeof(err));
		assert_int_equal(r, -EINVAL);
		assert_non_null(strstr(err, "drivers[0].ids: more than 64 entries"));
	}
	/* Over 1 MiB, even as whitespace. */
	{
		size_t big = SIM_MAX_TOPOLOGY_BYTES + 1;
		char *doc = malloc(big);
		assert_non_null(doc);
		memset(doc, ' ', big);
		doc[0] = '{';
		doc[big - 1] = '}';
		r = sim_topology_parse(doc, big, &m, err, sizeof(err));
		assert_int_equal(r, -EINVAL);
		assert_non_null(strstr(err, "larger than"));
		free(doc);
	}
	/* Deep nesting of JSON itself is refused by the tokenizer depth. */
	{
		char doc[400];
		memset(doc, '[', 200);
		memset(doc + 200, ']', 200);
		r = sim_topology_parse(doc, sizeof(doc), &m, err, sizeof(err));
		assert_int_equal(r, -EINVAL);
	}
	assert_null(m);
}

static void test_device_object(void **state)
{
	struct sim_machine *m = parse_ok(valid);
	struct sim_device *d = NULL, *old = sim_find_device(m, "0000:01:00.0");
	char err[512];
	const char *same_if = "{\"address\": \"0000:05:00.0\", \"vendor\": \"8086\", \"device\": "
	                      "\"1234\", \"class\": \"020000\", \"net\": [{\"name\": \"eth0\"}]}";
	const char *swap = "{\"vendor\": \"10de\", \"device\": \"2331\", \"class\": \"030200\", "
	                   "\"net\": [{\"name\": \"eth0\"}]}";
	int r;

	(void)state;
	/* add-device: an interface name already on the machine is refused. */
	r = sim_topology_parse_device(same_if, strlen(same_if), "add-device", m, NULL, &d, err,
	                              sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err, "add-device.net[0]: interface eth0 already on 0000:01:00.0"));
	/* add-device needs an address; swap-on-unbind inherits it and the slot's place. */
	r = sim_topology_parse_device(swap, strlen(swap), "add-device", m, NULL, &d, err,
	                              sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err, "missing key \"address\""));
	r = sim_topology_parse_device(swap, strlen(swap), "swap", m, old, &d, err, sizeof(err));
	assert_int_equal(r, 0);
	assert_string_equal(d->address, "0000:01:00.0");
	assert_string_equal(d->parent_address, "0000:00:01.0");
	assert_int_equal(d->iommu_group, 12);
	assert_int_equal(d->device, 0x2331);
	sim_device_free(d);
	r = sim_topology_parse_device(
	    "{\"address\": \"0000:09:00.0\", \"vendor\": \"10de\", "
	    "\"device\": \"1\", \"class\": \"030000\"}",
	    strlen("{\"address\": \"0000:09:00.0\", \"vendor\": \"10de\", "
	           "\"device\": \"1\", \"class\": \"030000\"}"),
	    "swap", m, old, &d, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err, "swap.address: 0000:09:00.0 differs"));
	sim_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),         cmocka_unit_test(test_empty_and_uppercase),
	    cmocka_unit_test(test_refusals),      cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_device_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
