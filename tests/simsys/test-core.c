/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The driver-core rules on the model, without FUSE: matching, boot probe, the
 * store handlers and their error codes, new_id/remove_id, module load/unload,
 * hot add/remove, swap-on-unbind and a held probe that other threads overtake.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bb-macro.h"
#include "simsys-control.h"
#include "simsys-core.h"
#include "simsys-topology.h"

static const char machine_json[] =
    "{\"drivers\": ["
    " {\"name\": \"pcieport\", \"ids\": [{\"class\": \"060400\", \"class_mask\": \"ffff00\"}]},"
    " {\"name\": \"nvidia\", \"ids\": [{\"vendor\": \"10de\", \"class\": \"030000\", "
    "\"class_mask\": \"ff0000\"}]},"
    " {\"name\": \"nouveau\", \"ids\": [{\"vendor\": \"10de\", \"class\": \"030000\", "
    "\"class_mask\": \"ff0000\"}]},"
    " {\"name\": \"snd_hda_intel\", \"ids\": [{\"vendor\": \"10de\", \"class\": \"040300\"}]},"
    " {\"name\": \"e1000e\", \"ids\": [{\"vendor\": \"8086\", \"device\": \"10d3\"}]},"
    " {\"name\": \"mlx5_core\", \"ids\": [{\"vendor\": \"15b3\", \"device\": \"101e\"}]},"
    " {\"name\": \"vfio-pci\", \"override_only\": true},"
    " {\"name\": \"mlx5_vfio_pci\", \"override_only\": true,"
    "  \"ids\": [{\"vendor\": \"15b3\", \"device\": \"101e\"}]},"
    " {\"name\": \"broken\", \"probe\": \"fail\", \"ids\": [{\"vendor\": \"1af4\"}]},"
    " {\"name\": \"virtio-pci\", \"ids\": [{\"vendor\": \"1af4\"}]},"
    " {\"name\": \"ixgbe\", \"loaded\": false, \"ids\": [{\"vendor\": \"8086\", \"device\": "
    "\"10fb\"}]}"
    "],"
    "\"devices\": ["
    " {\"address\": \"0000:00:01.0\", \"vendor\": \"8086\", \"device\": \"1901\", \"class\": "
    "\"060400\"},"
    " {\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", \"device\": \"2330\", \"class\": "
    "\"030200\","
    "  \"iommu_group\": 1, \"parent\": \"0000:00:01.0\"},"
    " {\"address\": \"0000:01:00.1\", \"vendor\": \"10de\", \"device\": \"22a3\", \"class\": "
    "\"040300\","
    "  \"iommu_group\": 1, \"parent\": \"0000:00:01.0\"},"
    " {\"address\": \"0000:02:00.0\", \"vendor\": \"8086\", \"device\": \"10d3\", \"class\": "
    "\"020000\"},"
    " {\"address\": \"0000:03:00.0\", \"vendor\": \"15b3\", \"device\": \"101e\", \"class\": "
    "\"020000\"},"
    " {\"address\": \"0000:04:00.0\", \"vendor\": \"1af4\", \"device\": \"1000\", \"class\": "
    "\"020000\"},"
    " {\"address\": \"0000:05:00.0\", \"vendor\": \"8086\", \"device\": \"10fb\", \"class\": "
    "\"020000\"},"
    " {\"address\": \"0000:06:00.0\", \"vendor\": \"1234\", \"device\": \"5678\", \"class\": "
    "\"ff0000\"}"
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
	m = NULL;
	return 0;
}

static struct sim_device *dev(const char *addr)
{
	struct sim_device *d = sim_find_device(m, addr);
	assert_non_null(d);
	return d;
}

static struct sim_driver *drv(const char *name)
{
	struct sim_driver *d = sim_find_driver(m, name);
	assert_non_null(d);
	return d;
}

/* The bound driver's name, or "" when unbound. */
static const char *bound(const char *addr)
{
	struct sim_device *d = dev(addr);
	return d->driver ? d->driver->name : "";
}

static int w(int (*fn)(struct sim_machine *, struct sim_driver *, const char *, size_t),
             const char *driver, const char *value)
{
	return fn(m, drv(driver), value, strlen(value));
}

static int override(const char *addr, const char *value)
{
	return sim_store_driver_override(m, dev(addr), value, strlen(value));
}

static int probe(const char *value)
{
	return sim_store_drivers_probe(m, value, strlen(value));
}

static int control(const char *cmd)
{
	char err[512];
	return sim_control_exec(m, cmd, strlen(cmd), err, sizeof(err));
}

static void test_boot_probe(void **state)
{
	(void)state;
	assert_string_equal(bound("0000:00:01.0"), "pcieport");
	/* class 030200 matches 030000/ff0000; the first driver in order wins. */
	assert_string_equal(bound("0000:01:00.0"), "nvidia");
	assert_string_equal(bound("0000:01:00.1"), "snd_hda_intel");
	assert_string_equal(bound("0000:02:00.0"), "e1000e");
	/* override_only variant never matches without an override. */
	assert_string_equal(bound("0000:03:00.0"), "mlx5_core");
	/* "broken" matches first, fails its probe, the next driver takes it. */
	assert_string_equal(bound("0000:04:00.0"), "virtio-pci");
	/* ixgbe is not loaded. */
	assert_string_equal(bound("0000:05:00.0"), "");
	assert_string_equal(bound("0000:06:00.0"), "");
}

static void test_id_matching(void **state)
{
	struct sim_device d = {.vendor = 0x10de,
	                       .device = 0x2330,
	                       .subvendor = 0x10de,
	                       .subdevice = 0x16c1,
	                       .class = 0x030200};
	struct sim_id any = {SIM_ANY, SIM_ANY, SIM_ANY, SIM_ANY, 0, 0};
	struct sim_id id;

	(void)state;
	assert_true(sim_id_matches(&any, &d));
	id = any;
	id.subdevice = 0x16c2;
	assert_false(sim_id_matches(&id, &d));
	id = any;
	id.class = 0x030000;
	id.class_mask = 0xffffff;
	assert_false(sim_id_matches(&id, &d));
	id.class_mask = 0xff0000;
	assert_true(sim_id_matches(&id, &d));
	id = any;
	id.vendor = 0x8086;
	assert_false(sim_id_matches(&id, &d));
}

static void test_override_flow(void **state)
{
	(void)state;
	/* The broker's sequence: override, unbind the current driver, probe. */
	assert_int_equal(override("0000:01:00.0", "vfio-pci\n"), 0);
	assert_string_equal(dev("0000:01:00.0")->override, "vfio-pci");
	assert_string_equal(bound("0000:01:00.0"), "nvidia"); /* writing it binds nothing */
	assert_int_equal(w(sim_store_unbind, "nvidia", "0000:01:00.0\n"), 0);
	assert_string_equal(bound("0000:01:00.0"), "");
	assert_int_equal(probe("0000:01:00.0\n"), 0);
	assert_string_equal(bound("0000:01:00.0"), "vfio-pci");
	/* And back: clear, unbind, probe. */
	assert_int_equal(override("0000:01:00.0", "\n"), 0);
	assert_null(dev("0000:01:00.0")->override);
	assert_int_equal(w(sim_store_unbind, "vfio-pci", "0000:01:00.0"), 0);
	assert_int_equal(probe("0000:01:00.0"), 0);
	assert_string_equal(bound("0000:01:00.0"), "nvidia");
}

static void test_override_rules(void **state)
{
	(void)state;
	/* A name of no driver keeps every driver off; drivers_probe still succeeds. */
	assert_int_equal(override("0000:02:00.0", "none"), 0);
	assert_int_equal(w(sim_store_unbind, "e1000e", "0000:02:00.0"), 0);
	assert_int_equal(probe("0000:02:00.0"), 0);
	assert_string_equal(bound("0000:02:00.0"), "");
	/* bind by the host driver is refused while the override names another. */
	assert_int_equal(w(sim_store_bind, "e1000e", "0000:02:00.0"), -ENODEV);
	/* An override admits its driver even with no matching id (pci_device_id_any). */
	assert_int_equal(override("0000:02:00.0", "mlx5_core"), 0);
	assert_int_equal(probe("0000:02:00.0"), 0);
	assert_string_equal(bound("0000:02:00.0"), "mlx5_core");
	/* The variant driver binds through an override to it. */
	assert_int_equal(override("0000:03:00.0", "mlx5_vfio_pci"), 0);
	assert_int_equal(w(sim_store_unbind, "mlx5_core", "0000:03:00.0"), 0);
	assert_int_equal(probe("0000:03:00.0"), 0);
	assert_string_equal(bound("0000:03:00.0"), "mlx5_vfio_pci");
	/* Only the first line counts; "" clears too. */
	assert_int_equal(override("0000:05:00.0", "abc\ndef"), 0);
	assert_string_equal(dev("0000:05:00.0")->override, "abc");
	assert_int_equal(sim_store_driver_override(m, dev("0000:05:00.0"), "", 0), 0);
	assert_null(dev("0000:05:00.0")->override);
}

static void test_override_only_ids_need_override(void **state)
{
	(void)state;
	/* With mlx5_core gone, only the variant's static id fits 15b3:101e: it must not bind. */
	assert_int_equal(control("unload-module mlx5_core"), 0);
	assert_string_equal(bound("0000:03:00.0"), "");
	assert_int_equal(probe("0000:03:00.0"), 0);
	assert_string_equal(bound("0000:03:00.0"), "");
	assert_false(sim_driver_matches(drv("mlx5_vfio_pci"), dev("0000:03:00.0")));
	assert_int_equal(w(sim_store_bind, "mlx5_vfio_pci", "0000:03:00.0"), -ENODEV);
	/* A dynamic id needs no override, even on an override_only driver. */
	assert_int_equal(w(sim_store_new_id, "mlx5_vfio_pci", "15b3 101e"), 0);
	assert_string_equal(bound("0000:03:00.0"), "mlx5_vfio_pci");
}

static void test_override_length(void **state)
{
	char *big = malloc(5000);

	(void)state;
	assert_non_null(big);
	memset(big, 'a', 5000);
	assert_int_equal(sim_store_driver_override(m, dev("0000:06:00.0"), big, 4095), -EINVAL);
	assert_int_equal(sim_store_driver_override(m, dev("0000:06:00.0"), big, 5000), -EINVAL);
	assert_null(dev("0000:06:00.0")->override);
	assert_int_equal(sim_store_driver_override(m, dev("0000:06:00.0"), big, 4094), 0);
	assert_int_equal(strlen(dev("0000:06:00.0")->override), 4094);
	free(big);
}

static void test_store_errors(void **state)
{
	(void)state;
	assert_int_equal(probe("0000:09:00.0"), -ENODEV);
	assert_int_equal(probe("0000:01:00.0 "), -ENODEV); /* only a newline is forgiven */
	assert_int_equal(probe("0000:01:00.0\n\n"), -ENODEV);
	assert_int_equal(probe("0000:01:00.0"), 0); /* bound already: nothing to do */
	/* unbind by a driver that does not hold the device. */
	assert_int_equal(w(sim_store_unbind, "nouveau", "0000:01:00.0"), -ENODEV);
	assert_int_equal(w(sim_store_unbind, "nvidia", "0000:09:00.0"), -ENODEV);
	assert_string_equal(bound("0000:01:00.0"), "nvidia");
	/* bind: matching but bound -> EBUSY; not matching -> ENODEV. */
	assert_int_equal(w(sim_store_bind, "nouveau", "0000:01:00.0"), -EBUSY);
	assert_int_equal(w(sim_store_bind, "e1000e", "0000:01:00.0"), -ENODEV);
	assert_int_equal(w(sim_store_bind, "vfio-pci", "0000:06:00.0"), -ENODEV);
	/* bind to an unbound matching device works, skipping other drivers' claims. */
	assert_int_equal(w(sim_store_unbind, "nvidia", "0000:01:00.0"), 0);
	assert_int_equal(w(sim_store_bind, "nouveau", "0000:01:00.0"), 0);
	assert_string_equal(bound("0000:01:00.0"), "nouveau");
	/* bind whose probe fails returns its error and leaves the device unbound. */
	assert_int_equal(w(sim_store_unbind, "virtio-pci", "0000:04:00.0"), 0);
	assert_int_equal(w(sim_store_bind, "broken", "0000:04:00.0"), -ENODEV);
	assert_string_equal(bound("0000:04:00.0"), "");
}

static void test_autoprobe(void **state)
{
	const char *hot = "add-device {\"address\": \"0000:07:00.0\", \"vendor\": \"8086\", "
	                  "\"device\": \"10d3\", \"class\": \"020000\"}";

	(void)state;
	assert_int_equal(sim_store_drivers_autoprobe(m, "0\n", 2), 0);
	assert_false(m->autoprobe);
	/* pci_bus_add_device attaches a hot-added device whatever autoprobe says (tests/vm). */
	assert_int_equal(control(hot), 0);
	assert_string_equal(bound("0000:07:00.0"), "e1000e");
	/* ... but a newly registered driver does not probe while autoprobe is off. */
	assert_int_equal(control("load-module ixgbe"), 0);
	assert_string_equal(bound("0000:05:00.0"), "");
	assert_int_equal(probe("0000:05:00.0"), 0); /* drivers_probe still works */
	assert_string_equal(bound("0000:05:00.0"), "ixgbe");
	assert_int_equal(sim_store_drivers_autoprobe(m, "1", 1), 0);
	assert_true(m->autoprobe);
	assert_int_equal(sim_store_drivers_autoprobe(m, "x", 1), 0); /* not '0': on */
	assert_true(m->autoprobe);
}

static void test_vfio_probe_refuses_bridges(void **state)
{
	(void)state;
	/* vfio_pci_core_register_device takes only type-0 headers (found by tests/vm). */
	assert_string_equal(bound("0000:00:01.0"), "pcieport");
	assert_int_equal(override("0000:00:01.0", "vfio-pci"), 0);
	assert_int_equal(w(sim_store_unbind, "pcieport", "0000:00:01.0"), 0);
	assert_int_equal(probe("0000:00:01.0"), 0); /* success with nothing bound */
	assert_string_equal(bound("0000:00:01.0"), "");
	assert_int_equal(w(sim_store_bind, "vfio-pci", "0000:00:01.0"), -EINVAL);
	assert_string_equal(bound("0000:00:01.0"), "");
	assert_int_equal(override("0000:00:01.0", "\n"), 0);
	assert_int_equal(probe("0000:00:01.0"), 0);
	assert_string_equal(bound("0000:00:01.0"), "pcieport");
}

static void test_new_id(void **state)
{
	const char *twin = "add-device {\"address\": \"0000:08:00.0\", \"vendor\": \"8086\", "
	                   "\"device\": \"10fb\", \"class\": \"020000\"}";

	(void)state;
	assert_int_equal(w(sim_store_new_id, "vfio-pci", "8086"), -EINVAL);
	assert_int_equal(w(sim_store_new_id, "vfio-pci", "zz 10fb"), -EINVAL);
	assert_int_equal(w(sim_store_new_id, "vfio-pci", ""), -EINVAL);
	/* new_id on vfio-pci binds the unbound device of that id (dynamic ids need no
	 * override), and later a hot-added twin is grabbed too: the 2014 race. */
	assert_int_equal(w(sim_store_new_id, "vfio-pci", "8086 10fb\n"), 0);
	assert_string_equal(bound("0000:05:00.0"), "vfio-pci");
	assert_int_equal(drv("vfio-pci")->n_dynids, 1);
	assert_int_equal(w(sim_store_new_id, "vfio-pci", "0x8086 0x10fb"), -EEXIST);
	assert_int_equal(control(twin), 0);
	assert_string_equal(bound("0000:08:00.0"), "vfio-pci");
	/* A device already bound elsewhere is not taken. */
	assert_int_equal(w(sim_store_new_id, "vfio-pci", "8086 10d3"), 0);
	assert_string_equal(bound("0000:02:00.0"), "e1000e");
	/* An id the driver's static table already matches is a duplicate. */
	assert_int_equal(w(sim_store_new_id, "e1000e", "8086 10d3"), -EEXIST);
	/* With subsystem ids and class: the dummy device is checked with them. */
	assert_int_equal(w(sim_store_new_id, "e1000e", "8086 10d3 1028 0001 020000 ffffff"),
	                 -EEXIST);
	/* remove_id: absent -> ENODEV; present -> gone, binding stays. */
	assert_int_equal(w(sim_store_remove_id, "vfio-pci", "1234 5678"), -ENODEV);
	assert_int_equal(w(sim_store_remove_id, "vfio-pci", "8086"), -EINVAL);
	assert_int_equal(w(sim_store_remove_id, "vfio-pci", "8086 10fb"), 0);
	assert_int_equal(w(sim_store_remove_id, "vfio-pci", "8086 10fb"), -ENODEV);
	assert_int_equal(drv("vfio-pci")->n_dynids, 1);
	assert_string_equal(bound("0000:05:00.0"), "vfio-pci");
}

static void test_new_id_driver_data(void **state)
{
	(void)state;
	/* With driver_data the duplicate check is skipped, but the value must be one of the
	 * static table's (all 0 here); a driver without a table takes any. */
	assert_int_equal(w(sim_store_new_id, "e1000e", "8086 10d3 ffffffff ffffffff 0 0 1"),
	                 -EINVAL);
	assert_int_equal(w(sim_store_new_id, "e1000e", "8086 10d3 ffffffff ffffffff 0 0 0"), 0);
	assert_int_equal(drv("e1000e")->n_dynids, 1);
	assert_int_equal(w(sim_store_new_id, "vfio-pci", "1234 5678 ffffffff ffffffff 0 0 7"), 0);
	assert_string_equal(bound("0000:06:00.0"), "vfio-pci");
	/* Fields stop at the first that is not hex: "10fb,1" is one field short of a class. */
	assert_int_equal(w(sim_store_new_id, "vfio-pci", "8086 10fb,1"), 0);
	assert_int_equal(drv("vfio-pci")->dynids[1].subvendor, SIM_ANY);
	assert_string_equal(bound("0000:05:00.0"), "vfio-pci");
}

static void test_new_id_ignores_autoprobe(void **state)
{
	(void)state;
	/* pci_add_dynid calls driver_attach whatever drivers_autoprobe says. */
	assert_int_equal(sim_store_drivers_autoprobe(m, "0", 1), 0);
	assert_int_equal(w(sim_store_new_id, "vfio-pci", "1234 5678"), 0);
	assert_string_equal(bound("0000:06:00.0"), "vfio-pci");
}

static void test_fault_injection(void **state)
{
	(void)state;
	assert_int_equal(control("fail-probe e1000e 2"), 0);
	assert_int_equal(w(sim_store_unbind, "e1000e", "0000:02:00.0"), 0);
	assert_int_equal(probe("0000:02:00.0"), 0);
	assert_string_equal(bound("0000:02:00.0"), "");
	assert_int_equal(w(sim_store_bind, "e1000e", "0000:02:00.0"), -ENODEV);
	assert_int_equal(probe("0000:02:00.0"), 0); /* the third probe succeeds */
	assert_string_equal(bound("0000:02:00.0"), "e1000e");
	assert_int_equal(control("fail-probe nosuchdriver"), -EINVAL);
	assert_int_equal(control("fail-probe e1000e -1"), -EINVAL);
	assert_int_equal(control("slow-probe e1000e"), -EINVAL);
	assert_int_equal(control("slow-probe e1000e 5 extra"), -EINVAL);
	assert_int_equal(control("frobnicate"), -EINVAL);
	assert_int_equal(control(""), -EINVAL);
	assert_int_equal(control("lockdown partial"), -EINVAL);
	assert_int_equal(control("lockdown confidentiality\n"), 0);
	assert_int_equal(m->lockdown, SIM_LOCKDOWN_CONFIDENTIALITY);
	/* slow paths complete (no timing asserted, only the outcome). */
	assert_int_equal(control("slow-probe e1000e 1"), 0);
	assert_int_equal(control("slow-unbind e1000e 1"), 0);
	assert_int_equal(w(sim_store_unbind, "e1000e", "0000:02:00.0"), 0);
	assert_int_equal(probe("0000:02:00.0"), 0);
	assert_string_equal(bound("0000:02:00.0"), "e1000e");
}

static void test_modules(void **state)
{
	(void)state;
	assert_false(sim_module_loaded(m, "ixgbe"));
	assert_int_equal(control("load-module ixgbe"), 0);
	assert_true(sim_module_loaded(m, "ixgbe"));
	assert_string_equal(bound("0000:05:00.0"), "ixgbe");          /* driver_register attaches */
	assert_ptr_equal(m->drivers[m->n_drivers - 1], drv("ixgbe")); /* registered last */
	/* A reloaded module goes to the end of the probe order: nouveau now wins the GPU. */
	assert_int_equal(control("unload-module nvidia"), 0);
	assert_string_equal(bound("0000:01:00.0"), "");
	assert_false(sim_module_loaded(m, "nvidia"));
	assert_int_equal(probe("0000:01:00.0"), 0);
	assert_string_equal(bound("0000:01:00.0"), "nouveau");
	assert_int_equal(control("load-module nvidia"), 0);
	assert_int_equal(w(sim_store_unbind, "nouveau", "0000:01:00.0"), 0);
	assert_int_equal(probe("0000:01:00.0"), 0);
	assert_string_equal(bound("0000:01:00.0"), "nouveau");
	/* Unload unbinds and removes; dynamic ids of the driver are gone with it. */
	assert_int_equal(w(sim_store_new_id, "ixgbe", "1234 5678"), 0);
	assert_int_equal(control("unload-module ixgbe"), 0);
	assert_string_equal(bound("0000:05:00.0"), "");
	assert_false(drv("ixgbe")->loaded);
	assert_int_equal(drv("ixgbe")->n_dynids, 0);
	assert_false(sim_driver_matches(drv("ixgbe"), dev("0000:05:00.0")));
	assert_int_equal(control("load-module nosuchmodule"), -EINVAL);
	/* vfio-pci lives in module vfio_pci. */
	assert_int_equal(control("unload-module vfio_pci"), 0);
	assert_false(sim_module_loaded(m, "vfio_pci"));
	assert_int_equal(override("0000:06:00.0", "vfio-pci"), 0);
	assert_int_equal(probe("0000:06:00.0"), 0);
	assert_string_equal(bound("0000:06:00.0"), "");
	assert_int_equal(control("load-module vfio_pci"), 0);
	assert_string_equal(bound("0000:06:00.0"), "vfio-pci");
}

static void test_hotplug(void **state)
{
	struct sim_device *bridge = dev("0000:00:01.0"), *gpu = dev("0000:01:00.0");

	(void)state;
	assert_int_equal(control("add-device {\"address\": \"0000:01:00.0\", \"vendor\": \"10de\", "
	                         "\"device\": \"2330\", \"class\": \"030000\"}"),
	                 -EINVAL); /* duplicate address */
	assert_int_equal(control("add-device {\"address\": \"0000:0a:00.0\", \"vendor\": \"10de\", "
	                         "\"device\": \"2330\", \"class\": \"030000\", \"parent\": "
	                         "\"0000:02:00.0\"}"),
	                 -EINVAL); /* parent is not a bridge */
	assert_int_equal(control("add-device {\"address\": \"0000:01:00.2\", \"vendor\": \"10de\", "
	                         "\"device\": \"1ad9\", \"class\": \"0c0330\", \"parent\": "
	                         "\"0000:00:01.0\"}"),
	                 0);
	assert_ptr_equal(dev("0000:01:00.2")->parent, bridge);
	/* Removing the bridge removes what is below it. */
	assert_int_equal(control("remove-device 0000:00:01.0"), 0);
	assert_null(sim_find_device(m, "0000:00:01.0"));
	assert_null(sim_find_device(m, "0000:01:00.0"));
	assert_null(sim_find_device(m, "0000:01:00.2"));
	assert_true(gpu->removed);
	assert_null(gpu->driver);
	assert_int_equal(probe("0000:01:00.0"), -ENODEV);
	assert_int_equal(control("remove-device 0000:00:01.0"), -EINVAL);
}

static void test_swap_on_unbind(void **state)
{
	struct sim_device *old = dev("0000:02:00.0"), *new;

	(void)state;
	assert_int_equal(control("swap-on-unbind 0000:02:00.0 {\"vendor\": \"8086\", \"device\": "
	                         "\"10fb\", \"class\": \"020000\"}"),
	                 0);
	assert_int_equal(override("0000:02:00.0", "vfio-pci"), 0);
	assert_int_equal(w(sim_store_unbind, "e1000e", "0000:02:00.0"), 0);
	new = dev("0000:02:00.0");
	assert_ptr_not_equal(new, old);
	assert_true(old->removed);
	assert_int_equal(new->device, 0x10fb);
	assert_null(new->override); /* a new device: the override went with the old one */
	/* The broker's probe now meets the new device: ixgbe is not loaded, nothing binds. */
	assert_int_equal(probe("0000:02:00.0"), 0);
	assert_string_equal(bound("0000:02:00.0"), "");
	assert_null(new->swap_in);
	assert_null(old->swap_in); /* armed once, consumed */
}

/* ---- a held probe: the lock is dropped, other writes overtake it ----------------------- */

static void *probe_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m->lock);
	intptr_t r = probe("0000:02:00.0");
	pthread_mutex_unlock(&m->lock);
	return (void *)r;
}

static void test_held_probe(void **state)
{
	struct sim_device *nic = dev("0000:02:00.0");
	pthread_t t;
	void *ret;

	(void)state;
	assert_int_equal(control("hold-probe e1000e"), 0);
	assert_int_equal(w(sim_store_unbind, "e1000e", "0000:02:00.0"), 0);
	pthread_mutex_unlock(&m->lock);
	assert_int_equal(pthread_create(&t, NULL, probe_thread, NULL), 0);
	pthread_mutex_lock(&m->lock);
	/* Wait (without a clock) until the probe runs: really_probe shows the link first. */
	while (!nic->busy)
		pthread_cond_wait(&m->cond, &m->lock);
	assert_ptr_equal(nic->driver, drv("e1000e"));
	/* Other devices are served meanwhile. */
	assert_int_equal(w(sim_store_unbind, "nvidia", "0000:01:00.0"), 0);
	assert_int_equal(probe("0000:01:00.0"), 0);
	assert_string_equal(bound("0000:01:00.0"), "nvidia");
	/* drivers_probe for the same device sees dev->driver set and returns at once. */
	assert_int_equal(probe("0000:02:00.0"), 0);
	assert_true(nic->busy);
	assert_int_equal(control("release-probe e1000e"), 0);
	pthread_mutex_unlock(&m->lock);
	assert_int_equal(pthread_join(t, &ret), 0);
	pthread_mutex_lock(&m->lock);
	assert_int_equal((intptr_t)ret, 0);
	assert_false(nic->busy);
	assert_string_equal(bound("0000:02:00.0"), "e1000e");
}

static void *override_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m->lock);
	intptr_t r = override("0000:02:00.0", "vfio-pci");
	pthread_mutex_unlock(&m->lock);
	return (void *)r;
}

static void test_held_probe_fails(void **state)
{
	struct sim_device *nic = dev("0000:02:00.0");
	pthread_t t, t2;
	void *ret;

	(void)state;
	assert_int_equal(control("hold-probe e1000e"), 0);
	assert_int_equal(control("fail-probe e1000e"), 0);
	assert_int_equal(w(sim_store_unbind, "e1000e", "0000:02:00.0"), 0);
	pthread_mutex_unlock(&m->lock);
	assert_int_equal(pthread_create(&t, NULL, probe_thread, NULL), 0);
	pthread_mutex_lock(&m->lock);
	while (!nic->busy)
		pthread_cond_wait(&m->cond, &m->lock);
	/* A write to driver_override waits for the device lock, as in the kernel. */
	pthread_mutex_unlock(&m->lock);
	assert_int_equal(pthread_create(&t2, NULL, override_thread, NULL), 0);
	pthread_mutex_lock(&m->lock);
	assert_null(nic->override);
	assert_int_equal(control("release-probe e1000e"), 0);
	pthread_mutex_unlock(&m->lock);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_int_equal((intptr_t)ret, 0); /* drivers_probe succeeds though nothing bound */
	assert_int_equal(pthread_join(t2, &ret), 0);
	assert_int_equal((intptr_t)ret, 0);
	pthread_mutex_lock(&m->lock);
	assert_string_equal(bound("0000:02:00.0"), "");
	assert_string_equal(nic->override, "vfio-pci");
}

static void test_lockdown_only_rises(void **state)
{
	(void)state;
	assert_int_equal(m->lockdown, SIM_LOCKDOWN_NONE);
	assert_int_equal(sim_store_lockdown(m, "none\n", 5), -EPERM);
	assert_int_equal(sim_store_lockdown(m, "partial", 7), -EINVAL);
	assert_int_equal(sim_store_lockdown(m, "integrity\n", 10), 0);
	assert_int_equal(m->lockdown, SIM_LOCKDOWN_INTEGRITY);
	assert_int_equal(sim_store_lockdown(m, "integrity", 9), -EPERM);
	assert_int_equal(sim_store_lockdown(m, " confidentiality ", 17), 0);
	assert_int_equal(m->lockdown, SIM_LOCKDOWN_CONFIDENTIALITY);
	assert_int_equal(sim_store_lockdown(m, "integrity", 9), -EPERM);
	/* the control file may still set any level (a test seam, not the kernel) */
	assert_int_equal(control("lockdown none"), 0);
	assert_int_equal(m->lockdown, SIM_LOCKDOWN_NONE);
}

static void *unbind_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m->lock);
	intptr_t r = w(sim_store_unbind, "e1000e", "0000:02:00.0");
	pthread_mutex_unlock(&m->lock);
	return (void *)r;
}

static void test_slow_unbind_keeps_dev_driver(void **state)
{
	struct sim_device *nic = dev("0000:02:00.0");
	pthread_t t;
	void *ret;

	(void)state;
	/* Long enough never to end by itself: the test ends it by stopping the machine. */
	assert_int_equal(control("slow-unbind e1000e 600000"), 0);
	pthread_mutex_unlock(&m->lock);
	assert_int_equal(pthread_create(&t, NULL, unbind_thread, NULL), 0);
	pthread_mutex_lock(&m->lock);
	while (!nic->unbinding)
		pthread_cond_wait(&m->cond, &m->lock);
	/* The links are gone, dev->driver is not: drivers_probe returns without probing. */
	assert_null(sim_device_linked_driver(nic));
	assert_ptr_equal(nic->driver, drv("e1000e"));
	assert_int_equal(probe("0000:02:00.0"), 0);
	m->stopping = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	assert_int_equal(pthread_join(t, &ret), 0);
	pthread_mutex_lock(&m->lock);
	assert_int_equal((intptr_t)ret, 0);
	assert_false(nic->unbinding);
	assert_null(nic->driver); /* the probe during the unbind did not rebind it */
}

static void test_log(void **state)
{
	char *esc = sim_log_escape("a\nb\\c\x01", 6);

	(void)state;
	assert_string_equal(esc, "a\\nb\\\\c\\x01");
	free(esc);
	sim_log_append(m, "write bus/pci/drivers_probe x\\n", -19, NULL);
	sim_log_append(m, "control bogus", -22, "unknown\ncommand");
	assert_string_equal(m->log, "1 write bus/pci/drivers_probe x\\n -> -19\n"
	                            "2 control bogus -> -22 # unknown\\ncommand\n");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_boot_probe),
	    T(test_id_matching),
	    T(test_override_flow),
	    T(test_override_rules),
	    T(test_override_only_ids_need_override),
	    T(test_override_length),
	    T(test_store_errors),
	    T(test_vfio_probe_refuses_bridges),
	    T(test_autoprobe),
	    T(test_new_id),
	    T(test_new_id_ignores_autoprobe),
	    T(test_new_id_driver_data),
	    T(test_fault_injection),
	    T(test_modules),
	    T(test_hotplug),
	    T(test_swap_on_unbind),
	    T(test_held_probe),
	    T(test_held_probe_fails),
	    T(test_lockdown_only_rises),
	    T(test_slow_unbind_keeps_dev_driver),
	    T(test_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
