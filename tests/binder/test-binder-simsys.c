/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The restricted binder on the simulated machine: every test mounts a fresh
 * simsys (tests/binder/topology-binder.json) on a temp dir, drives the binder
 * through the library, and checks the outcome from outside the library: the
 * driver links and driver_override as simsys shows them, and .simsys/log,
 * which records every write to a bind file.
 * Environment: BB_SIMSYS (the simsys program), BB_TOPOLOGY, and the modules
 * dir (real depmod output over fixture modules) as argv[1].
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bb-log.h"
#include "broker.h"
#include "pinned-device.h"
#include "simsys-env.h"

/* --- tests --- */

static void test_facts(void **state)
{
	struct env *e = *state;
	struct bb_device d;
	bb_lockdown l;

	assert_true(bb_sysfs_is_simsys(e->s));
	assert_int_equal(bb_device_read(e->s, "0000:01:00.0", &d), 0);
	assert_int_equal(d.vendor, 0x8086);
	assert_int_equal(d.subsystem_device, 0xa01f);
	assert_string_equal(d.driver, "e1000e");
	assert_int_equal(d.iommu_group, 1);
	assert_int_equal(d.n_group, 3);
	assert_string_equal(d.group[0].address.s, "0000:00:01.0");
	assert_true(d.group[0].bridge);
	assert_string_equal(d.group[0].driver, "pcieport");
	assert_int_equal(d.n_net, 1);
	assert_string_equal(d.net[0].name, "eth1");
	assert_true(d.net[0].default_route);
	assert_int_equal(bb_device_read(e->s, "0000:01:00.1", &d), 0);
	assert_false(d.net[0].default_route);
	assert_int_equal(bb_device_read(e->s, "0000:03:00.0", &d), 0);
	assert_string_equal(d.driver, "nvme");
	assert_int_equal(d.n_block, 1);
	assert_true(d.block[0].mounted);
	assert_int_equal(bb_device_read(e->s, "0000:04:00.0", &d), 0);
	assert_string_equal(d.driver, "");

	assert_int_equal(bb_lockdown_read(e->s, &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_INTEGRITY);
	sim_control(e, "lockdown confidentiality");
	assert_int_equal(bb_lockdown_read(e->s, &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_CONFIDENTIALITY);

	bb_address *list = NULL;
	size_t n = 0;
	assert_int_equal(bb_sysfs_list_devices(e->s, &list, &n), 0);
	assert_int_equal(n, 8);
	free(list);
}

static void test_bind(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = sim_log_len(e);

	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	assert_int_equal(r.failure, BB_FAIL_NONE);
	assert_string_equal(r.old_driver, "e1000e");
	assert_string_equal(r.new_driver, "vfio-pci");
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "vfio-pci");
	assert_string_equal(sim_override_of(e, "0000:01:00.0"), "vfio-pci\n");
	assert_string_equal(e->steps, "override unbind probe ");
	assert_int_equal(sim_writes_to(e, from, "0000:01:00.0/driver_override"), 1);
	assert_int_equal(sim_writes_to(e, from, "bus/pci/drivers/e1000e/unbind"), 1);
	assert_int_equal(sim_writes_to(e, from, "bus/pci/drivers_probe"), 1);
	/* The sibling function is untouched. */
	assert_string_equal(sim_link_driver(e, "0000:01:00.1"), "e1000e");
	sim_assert_only_allowed_writes(e, from);

	/* Again: nothing to do, nothing written. */
	from = sim_log_len(e);
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	assert_int_equal(sim_log_len(e), from);

	/* An unbound device: no unbind step. */
	e->steps[0] = '\0';
	assert_int_equal(bb_binder_bind(e->b, "0000:04:00.0", "vfio-pci", &r), 0);
	assert_string_equal(r.old_driver, "");
	assert_string_equal(sim_link_driver(e, "0000:04:00.0"), "vfio-pci");
	assert_string_equal(e->steps, "override probe ");
}

static void test_bind_loads_module(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	struct stat st;
	char path[128];
	size_t from = sim_log_len(e);

	snprintf(path, sizeof(path), "%s/module/mlx5_vfio_pci", e->mnt);
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(bb_binder_bind(e->b, "0000:02:00.0", "mlx5_vfio_pci", &r), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_string_equal(e->steps, "load-module override unbind probe ");
	assert_string_equal(sim_link_driver(e, "0000:02:00.0"), "mlx5_vfio_pci");
	sim_assert_only_allowed_writes(e, from);
}

static void test_probe_fail(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = sim_log_len(e);
	int rc;

	sim_control(e, "fail-probe vfio-pci");
	rc = bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r);
	assert_true(rc < 0);
	assert_int_equal(rc, r.error);
	assert_int_equal(r.failure, BB_FAIL_NOT_BOUND);
	sim_assert_restored(e, &r, "0000:01:00.0", "e1000e");
	assert_non_null(strstr(r.message, "rolled back to e1000e"));
	assert_string_equal(e->steps, "override unbind probe !restore-override !probe ");
	sim_assert_only_allowed_writes(e, from);
}

static void test_slow_unbind(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;

	sim_control(e, "slow-unbind e1000e 400");
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "vfio-pci");
	sim_control(e, "slow-probe e1000e 400");
	assert_int_equal(bb_binder_release(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(r.new_driver, "e1000e");
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "e1000e");
}

/* The bind stopped at STEP because the device changed, and said so. */
static void assert_stopped_by_swap(const struct bb_bind_result *r, const char *step)
{
	assert_int_equal(r->failure, BB_FAIL_DEVICE_CHANGED);
	assert_int_equal(r->error, -ENODEV);
	assert_string_equal(r->failed_step, step);
	/* A rollback, when one was due, did not pretend to reach the old device. */
	assert_true(!r->rollback_attempted || !r->rollback_ok);
	assert_non_null(strstr(r->message, "removed or replaced"));
}

/* A newcomer at ADDR that the broker never wrote to: autoprobed to DRIVER, no override. */
static void assert_newcomer_untouched(const struct env *e, size_t from, const char *addr,
                                      const char *driver, int overrides, int probes)
{
	assert_string_equal(sim_link_driver(e, addr), driver);
	assert_string_equal(sim_override_of(e, addr), "(null)\n");
	assert_int_equal(sim_writes_to(e, from, "driver_override"), overrides);
	assert_int_equal(sim_writes_to(e, from, "drivers_probe"), probes);
	sim_assert_only_allowed_writes(e, from);
}

#define NEWCOMER                                                                                   \
	"{\"address\": \"0000:01:00.0\", \"vendor\": \"8086\", \"device\": \"10d3\", "             \
	"\"subsystem_vendor\": \"8086\", \"subsystem_device\": \"beef\", \"class\": \"020000\", "  \
	"\"revision\": \"00\", \"iommu_group\": 1, \"parent\": \"0000:00:01.0\"}"
/* The same ids as 0000:01:00.0: only the instance (a fresh directory) tells them apart. */
#define TWIN                                                                                       \
	"{\"address\": \"0000:01:00.0\", \"vendor\": \"8086\", \"device\": \"10d3\", "             \
	"\"subsystem_vendor\": \"8086\", \"subsystem_device\": \"a01f\", \"class\": \"020000\", "  \
	"\"revision\": \"00\", \"iommu_group\": 1, \"parent\": \"0000:00:01.0\"}"

static void test_swapped_mid_bind(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = sim_log_len(e);
	char *ids;

	/* Same address, same driver match, other subsystem ids: another card, swapped in during
	 * the unbind (before it returns). Neither drivers_probe nor the rollback's override
	 * write may reach it. */
	sim_control(e, "swap-on-unbind 0000:01:00.0 " NEWCOMER);
	assert_true(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r) < 0);
	assert_stopped_by_swap(&r, "probe");
	assert_true(r.rollback_attempted);
	ids = sim_slurp(e, "bus/pci/devices/0000:01:00.0/subsystem_device");
	assert_string_equal(ids, "0xbeef\n"); /* simsys did swap */
	free(ids);
	assert_newcomer_untouched(e, from, "0000:01:00.0", "e1000e", 1, 0);
	assert_int_equal(sim_writes_to(e, from, "unbind"), 1);
}

static void test_swapped_before_override(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = sim_log_len(e);

	/* Swapped after the facts were read, while the observer (the daemon's durable intent)
	 * ran: nothing at all is written to the address. */
	e->act_on = "override";
	e->act = "remove-device 0000:01:00.0";
	e->act2 = "add-device " NEWCOMER;
	assert_true(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r) < 0);
	assert_stopped_by_swap(&r, "override");
	assert_false(r.rollback_attempted);
	assert_non_null(strstr(r.message, "nothing was changed"));
	assert_newcomer_untouched(e, from, "0000:01:00.0", "e1000e", 0, 0);
	assert_int_equal(sim_writes_to(e, from, "unbind"), 0);
}

static void test_twin_swapped_before_unbind(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = sim_log_len(e);

	/* An identical card: the ids match, the stale directory of the first one does not. */
	e->act_on = "unbind";
	e->act = "remove-device 0000:01:00.0";
	e->act2 = "add-device " TWIN;
	assert_true(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r) < 0);
	assert_stopped_by_swap(&r, "unbind");
	assert_true(r.rollback_attempted);
	/* Our one override write went to the first card, which is gone; the twin got none. */
	assert_newcomer_untouched(e, from, "0000:01:00.0", "e1000e", 1, 0);
	assert_int_equal(sim_writes_to(e, from, "unbind"), 0);
}

static void test_pinned_device_goes_stale(void **state)
{
	struct env *e = *state;
	struct bb_pinned_device pin = BB_PINNED_DEVICE_INIT, again = BB_PINNED_DEVICE_INIT;
	struct bb_device ids;
	char drv[BB_DRIVER_NAME_MAX + 1];
	bb_address a;

	assert_int_equal(bb_address_parse("0000:01:00.0", &a), 0);
	assert_int_equal(bb_pinned_device_open(e->s, &a, &pin), 0);
	assert_string_equal(pin.path, "devices/pci0000:00/0000:00:01.0/0000:01:00.0");
	assert_int_equal(bb_pinned_device_read_ids(&pin, &ids), 0);
	assert_int_equal(ids.vendor, 0x8086);
	assert_int_equal(ids.device, 0x10d3);
	assert_int_equal(bb_pinned_device_read_revision(&pin, &ids), 0);
	assert_int_equal(bb_pinned_device_read_driver(&pin, drv, sizeof(drv), NULL), 0);
	assert_string_equal(drv, "e1000e");

	/* An identical card replaces it: the held one answers nothing any more, not even
	 * "no driver"; a fresh open finds the twin. */
	sim_control(e, "remove-device 0000:01:00.0");
	sim_control(e, "add-device " TWIN);
	assert_int_equal(bb_pinned_device_read_ids(&pin, &ids), -ENODEV);
	assert_int_equal(bb_pinned_device_read_driver(&pin, drv, sizeof(drv), &ids), -ENODEV);
	assert_true(bb_pinned_device_read_revision(&pin, &ids) < 0);
	assert_int_equal(bb_pinned_device_open(e->s, &a, &again), 0);
	assert_int_equal(bb_pinned_device_read_ids(&again, &ids), 0);
	assert_int_equal(ids.device, 0x10d3);
	bb_pinned_device_close(&again);
	bb_pinned_device_close(&pin);
	bb_pinned_device_close(&pin); /* twice is harmless */

	assert_int_equal(bb_address_parse("0000:09:00.0", &a), 0);
	assert_int_equal(bb_pinned_device_open(e->s, &a, &pin), -ENODEV);
}

static void test_vanished_mid_bind(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = sim_log_len(e);

	/* The card is pulled after the unbind, before drivers_probe. */
	e->act_on = "probe";
	e->act = "remove-device 0000:01:00.1";
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.1", "vfio-pci", &r), -ENODEV);
	assert_stopped_by_swap(&r, "probe");
	/* Nothing to restore, and the result says so instead of claiming success. */
	assert_true(r.rollback_attempted);
	assert_int_equal(sim_writes_to(e, from, "drivers_probe"), 0);
	sim_assert_only_allowed_writes(e, from);
}

static void test_racing_override(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;

	/* Someone else rewrites the override between our unbind and probe: e1000e wins. */
	e->act_on = "probe";
	e->act_path = "bus/pci/devices/0000:01:00.0/driver_override";
	e->act = "e1000e";
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), -EBUSY);
	assert_int_equal(r.failure, BB_FAIL_WRONG_DRIVER);
	sim_assert_restored(e, &r, "0000:01:00.0", "e1000e");
}

static void test_module_missing(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = sim_log_len(e);

	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "nosuch_vfio_pci", &r), -ENOENT);
	assert_int_equal(r.failure, BB_FAIL_MODULE);
	assert_false(r.rollback_attempted);
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "e1000e");
	assert_string_equal(sim_override_of(e, "0000:01:00.0"), "(null)\n");
	assert_int_equal(sim_writes_to(e, from, "driver_override"), 0);
	assert_int_equal(sim_writes_to(e, from, "unbind"), 0);
	assert_int_equal(sim_writes_to(e, from, "drivers_probe"), 0);
}

static void test_bad_input_touches_nothing(void **state)
{
	static const char *const addrs[] = {
	    "../../",
	    "0000:03:00.0\n",
	    "0000:0g:00.0",
	    "0000:01:00.0/../../..",
	    "0000:01:00.00",
	    "000:01:00.0",
	    "0000:01:20.0",
	    "0000:01:00.8",
	    "",
	    "0000:01:00.0 vfio-pci",
	    "00000000000000000000000000000000000000000000000000000"};
	static const char *const drivers[] = {
	    "../../",
	    "vfio-pci\n",
	    "vfio-pci\nx",
	    "vfio pci",
	    "",
	    "vfio/pci",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    BB_QUARANTINE_OVERRIDE,
	    "(null)"};
	struct env *e = *state;
	struct bb_bind_result r;
	struct bb_group_result g;
	size_t from = sim_log_len(e);
	char *before = sim_slurp(e, ".simsys/log"), *after;

	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		assert_int_equal(bb_binder_bind(e->b, addrs[i], "vfio-pci", &r), -EINVAL);
		assert_int_equal(r.failure, BB_FAIL_INVALID);
		assert_int_equal(bb_binder_release(e->b, addrs[i], &r), -EINVAL);
		assert_int_equal(bb_binder_quarantine(e->b, addrs[i], &r), -EINVAL);
		assert_int_equal(bb_binder_bind_group(e->b, addrs[i], "vfio-pci", &g), -EINVAL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
		assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", drivers[i], &r), -EINVAL);
		assert_int_equal(r.failure, BB_FAIL_INVALID);
		assert_int_equal(bb_binder_bind_group(e->b, "0000:01:00.0", drivers[i], &g),
		                 -EINVAL);
	}
	/* A host driver is no group-bind target. */
	assert_int_equal(bb_binder_bind_group(e->b, "0000:01:00.0", "e1000e", &g), -EINVAL);
	assert_int_equal(sim_log_len(e), from);
	after = sim_slurp(e, ".simsys/log");
	assert_string_equal(before, after);
	assert_string_equal(e->steps, "");
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "e1000e");
	free(before);
	free(after);
}

static void test_observer_refuses(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;

	e->refuse = "unbind";
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), -EROFS);
	assert_int_equal(r.failure, BB_FAIL_OBSERVER);
	assert_string_equal(r.failed_step, "unbind");
	sim_assert_restored(e, &r, "0000:01:00.0", "e1000e");
	assert_string_equal(e->steps, "override unbind !restore-override ");
}

static void test_group_bind(void **state)
{
	struct env *e = *state;
	struct bb_group_result g;
	size_t from = sim_log_len(e);

	assert_int_equal(bb_binder_bind_group(e->b, "0000:01:00.1", NULL, &g), 0);
	assert_int_equal(g.iommu_group, 1);
	assert_int_equal(g.n, 2); /* the bridge is skipped */
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "vfio-pci");
	assert_string_equal(sim_link_driver(e, "0000:01:00.1"), "vfio-pci");
	assert_string_equal(sim_link_driver(e, "0000:00:01.0"), "pcieport");
	sim_assert_only_allowed_writes(e, from);

	/* Group 5 with variants chosen per member: e1000e -> vfio-pci, mlx5 VF -> mlx5_vfio_pci. */
	assert_int_equal(bb_binder_bind_group(e->b, "0000:05:00.0", NULL, &g), 0);
	assert_string_equal(sim_link_driver(e, "0000:05:00.0"), "vfio-pci");
	assert_string_equal(sim_link_driver(e, "0000:05:00.1"), "mlx5_vfio_pci");
}

static void test_group_rollback(void **state)
{
	struct env *e = *state;
	struct bb_group_result g;
	size_t from = sim_log_len(e);

	/* 05:00.0 binds first, then 05:00.1's variant fails to probe: both go back. */
	sim_control(e, "load-module mlx5_vfio_pci");
	sim_control(e, "fail-probe mlx5_vfio_pci");
	assert_true(bb_binder_bind_group(e->b, "0000:05:00.0", NULL, &g) < 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.failure, BB_FAIL_NOT_BOUND);
	assert_true(g.rollback_ok);
	assert_int_equal(g.members[0].failure, BB_FAIL_GROUP);
	assert_int_equal(g.members[1].failure, BB_FAIL_NOT_BOUND);
	sim_assert_restored(e, &g.members[0], "0000:05:00.0", "e1000e");
	sim_assert_restored(e, &g.members[1], "0000:05:00.1", "mlx5_core");
	assert_non_null(strstr(g.message, "every member rolled back"));
	sim_assert_only_allowed_writes(e, from);
}

static void test_release(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;

	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	assert_int_equal(bb_binder_release(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(r.old_driver, "vfio-pci");
	assert_string_equal(r.new_driver, "e1000e");
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "e1000e");
	assert_string_equal(sim_override_of(e, "0000:01:00.0"), "(null)\n");

	/* On vfio-pci with no override (someone else's doing): release still hands it back. */
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	/* The test itself writes the override away, as a stray tool would. */
	sim_write(e, "bus/pci/devices/0000:01:00.0/driver_override", "\n");
	assert_string_equal(sim_override_of(e, "0000:01:00.0"), "(null)\n");
	assert_int_equal(bb_binder_release(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(r.new_driver, "e1000e");
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "e1000e");

	/* A device no host driver wants: released to no driver, which is reported, not failed. */
	assert_int_equal(bb_binder_bind(e->b, "0000:04:00.0", "vfio-pci", &r), 0);
	assert_int_equal(bb_binder_release(e->b, "0000:04:00.0", &r), 0);
	assert_string_equal(r.new_driver, "");
	assert_string_equal(sim_link_driver(e, "0000:04:00.0"), "");
}

static void test_restore(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from;

	/* As after a crash between the journal's intent and result: put the recorded state back. */
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	e->steps[0] = '\0';
	assert_int_equal(bb_binder_restore(e->b, "0000:01:00.0", "e1000e", "", &r), 0);
	assert_string_equal(r.old_driver, "vfio-pci");
	assert_string_equal(r.new_driver, "e1000e");
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "e1000e");
	assert_string_equal(sim_override_of(e, "0000:01:00.0"), "(null)\n");
	assert_string_equal(e->steps, "!restore-override !unbind !probe ");

	/* Restoring "no driver" with an override that keeps it so. */
	assert_int_equal(bb_binder_restore(e->b, "0000:01:00.0", "", BB_QUARANTINE_OVERRIDE, &r),
	                 0);
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "");

	/* Bad names touch nothing. */
	from = sim_log_len(e);
	assert_int_equal(bb_binder_restore(e->b, "0000:01:00.0", "e1000e\n", "", &r), -EINVAL);
	assert_int_equal(bb_binder_restore(e->b, "0000:01:00.0", "", "../x", &r), -EINVAL);
	assert_int_equal(sim_log_len(e), from);
}

static void test_swapped_mid_restore(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from;

	/* Crash recovery's restore: the device is swapped after the restored override was
	 * written, before the unbind; the newcomer gets neither the unbind nor drivers_probe. */
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	from = sim_log_len(e);
	e->act_on = "unbind";
	e->act_rollback = true;
	e->act = "remove-device 0000:01:00.0";
	e->act2 = "add-device " NEWCOMER;
	assert_true(bb_binder_restore(e->b, "0000:01:00.0", "e1000e", "", &r) < 0);
	assert_false(r.rollback_ok);
	assert_int_equal(r.error, -ENODEV);
	assert_int_equal(sim_writes_to(e, from, "unbind"), 0);
	assert_int_equal(sim_writes_to(e, from, "drivers_probe"), 0);
	assert_int_equal(sim_writes_to(e, from, "driver_override"), 1); /* the old device's */
	assert_string_equal(sim_override_of(e, "0000:01:00.0"), "(null)\n");
}

static void test_quarantine(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = sim_log_len(e);

	assert_int_equal(bb_binder_quarantine(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(r.old_driver, "e1000e");
	assert_string_equal(r.new_driver, "");
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "");
	assert_string_equal(sim_override_of(e, "0000:01:00.0"), BB_QUARANTINE_OVERRIDE "\n");
	/* A reprobe by anyone keeps it driverless. */
	sim_control(e, "load-module e1000e");
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "");
	sim_assert_only_allowed_writes(e, from);

	assert_int_equal(bb_binder_release(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "e1000e");
}

static void test_persist_and_apply(void **state)
{
	struct env *e = *state;
	struct bb_overrides *o = malloc(sizeof(*o));
	struct bb_apply_report *rep = malloc(sizeof(*rep));
	char err[256];
	int sfd = open(e->state, O_RDONLY | O_DIRECTORY), rc;

	assert_true(sfd >= 0);
	assert_int_equal(bb_overrides_record(sfd, "0000:01:00.0", "vfio-pci"), 0);
	assert_int_equal(bb_overrides_record(sfd, "0000:02:00.0", "mlx5_vfio_pci"), 0);
	assert_int_equal(bb_overrides_record(sfd, "0000:07:00.0", "vfio-pci"), 0);
	assert_int_equal(bb_overrides_load(sfd, o, err, sizeof(err)), 0);
	rc = bb_overrides_apply(e->b, o, NULL, NULL, NULL, rep);
	for (size_t i = 0; rc < 0 && i < rep->n; i++)
		if (rep->items[i].action == BB_APPLY_FAILED)
			fail_msg("apply: %s", rep->items[i].result.message);
	assert_int_equal(rc, 0);
	assert_int_equal(rep->n, 3);
	assert_int_equal(rep->items[0].action, BB_APPLY_BOUND);
	assert_int_equal(rep->items[2].action, BB_APPLY_ABSENT);
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "vfio-pci");
	assert_string_equal(sim_link_driver(e, "0000:02:00.0"), "mlx5_vfio_pci");
	/* Idempotent. */
	assert_int_equal(bb_overrides_apply(e->b, o, NULL, NULL, NULL, rep), 0);
	assert_int_equal(rep->items[0].action, BB_APPLY_ALREADY);

	/* A device hot-added into group 1, which vfio holds: the host grabs it, apply takes it
	 * away. */
	sim_control(e,
	            "add-device {\"address\": \"0000:01:00.2\", \"vendor\": \"8086\", \"device\": "
	            "\"10d3\", \"subsystem_vendor\": \"8086\", \"subsystem_device\": \"a01f\", "
	            "\"class\": \"020000\", \"revision\": \"00\", \"iommu_group\": 1, \"parent\": "
	            "\"0000:00:01.0\"}");
	assert_string_equal(sim_link_driver(e, "0000:01:00.2"), "e1000e");
	rc = bb_overrides_apply(e->b, o, "0000:01:00.2", NULL, NULL, rep);
	if (rc < 0)
		fail_msg("apply: %s", rep->n ? rep->items[0].result.message : "no items");
	assert_int_equal(rep->n, 1);
	assert_int_equal(rep->items[0].action, BB_APPLY_QUARANTINED);
	assert_string_equal(sim_link_driver(e, "0000:01:00.2"), "");
	assert_string_equal(sim_override_of(e, "0000:01:00.2"), BB_QUARANTINE_OVERRIDE "\n");
	/* A hot-added device in a group nobody passed through is left alone. */
	assert_int_equal(bb_overrides_apply(e->b, o, "0000:03:00.0", NULL, NULL, rep), 0);
	assert_int_equal(rep->n, 0);
	assert_string_equal(sim_link_driver(e, "0000:03:00.0"), "nvme");
	close(sfd);
	free(o);
	free(rep);
}

/* The daemon's entry point: the facts it read for the decision stand in for the binder's read. */
static void test_bind_known(void **state)
{
	struct env *e = *state;
	struct bb_device *dev = malloc(sizeof(*dev));
	struct bb_bind_result r;
	size_t from = sim_log_len(e);

	assert_non_null(dev);
	assert_int_equal(bb_device_read(e->s, "0000:01:00.0", dev), 0);
	assert_int_equal(bb_binder_bind_known(e->b, NULL, dev, "vfio-pci", &r), 0);
	assert_int_equal(r.failure, BB_FAIL_NONE);
	assert_string_equal(r.old_driver, "e1000e");
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "vfio-pci");
	assert_string_equal(e->steps, "override unbind probe ");
	sim_assert_only_allowed_writes(e, from);
	assert_int_equal(bb_binder_release(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "e1000e");

	/* A failed probe rolls back to the known driver. */
	e->steps[0] = '\0';
	from = sim_log_len(e);
	assert_int_equal(bb_device_read(e->s, "0000:01:00.0", dev), 0);
	sim_control(e, "fail-probe vfio-pci");
	assert_true(bb_binder_bind_known(e->b, NULL, dev, "vfio-pci", &r) < 0);
	assert_int_equal(r.failure, BB_FAIL_NOT_BOUND);
	sim_assert_restored(e, &r, "0000:01:00.0", "e1000e");
	sim_assert_only_allowed_writes(e, from);

	/* The known ids are the reference of the swap checks too: another card swapped in during
	 * the unbind is caught before drivers_probe, and nothing reaches it. */
	from = sim_log_len(e);
	assert_int_equal(bb_device_read(e->s, "0000:01:00.0", dev), 0);
	sim_control(e, "swap-on-unbind 0000:01:00.0 " NEWCOMER);
	assert_true(bb_binder_bind_known(e->b, NULL, dev, "vfio-pci", &r) < 0);
	assert_stopped_by_swap(&r, "probe");
	assert_newcomer_untouched(e, from, "0000:01:00.0", "e1000e", 1, 0);
	free(dev);
}

/*
 * Facts read through a held device, then bound through it: a twin swapped in between the
 * read and the bind (the same ids, so a fresh lookup would take it for the device that was
 * judged) gets no write at all.
 */
static void test_bind_pinned(void **state)
{
	struct env *e = *state;
	struct bb_device *dev = malloc(sizeof(*dev));
	struct bb_pinned_device pin = BB_PINNED_DEVICE_INIT;
	struct bb_bind_result r;
	bb_address a;
	size_t from = sim_log_len(e);

	assert_non_null(dev);
	assert_int_equal(bb_address_parse("0000:01:00.0", &a), 0);
	assert_int_equal(bb_pinned_device_open(e->s, &a, &pin), 0);
	assert_int_equal(bb_device_read_pinned(e->s, &pin, dev), 0);
	assert_string_equal(dev->driver, "e1000e");
	assert_int_equal(bb_binder_bind_known(e->b, &pin, dev, "vfio-pci", &r), 0);
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "vfio-pci");
	assert_true(pin.dirfd >= 0); /* still the caller's to close */
	bb_pinned_device_close(&pin);

	/* Release and quarantine from a held read, too. */
	assert_int_equal(bb_pinned_device_open(e->s, &a, &pin), 0);
	assert_int_equal(bb_device_read_pinned(e->s, &pin, dev), 0);
	assert_int_equal(bb_binder_release_known(e->b, &pin, dev, &r), 0);
	assert_string_equal(r.old_driver, "vfio-pci");
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "e1000e");
	bb_pinned_device_close(&pin);
	assert_int_equal(bb_pinned_device_open(e->s, &a, &pin), 0);
	assert_int_equal(bb_device_read_pinned(e->s, &pin, dev), 0);
	assert_int_equal(bb_binder_quarantine_known(e->b, &pin, dev, &r), 0);
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "");
	bb_pinned_device_close(&pin);
	assert_int_equal(bb_binder_release(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(sim_link_driver(e, "0000:01:00.0"), "e1000e");

	from = sim_log_len(e);
	e->steps[0] = '\0';
	assert_int_equal(bb_pinned_device_open(e->s, &a, &pin), 0);
	assert_int_equal(bb_device_read_pinned(e->s, &pin, dev), 0);
	sim_control(e, "remove-device 0000:01:00.0");
	sim_control(e, "add-device " TWIN);
	assert_true(bb_binder_bind_known(e->b, &pin, dev, "vfio-pci", &r) < 0);
	assert_int_equal(r.failure, BB_FAIL_DEVICE_CHANGED);
	assert_non_null(strstr(r.message, "nothing was changed"));
	assert_string_equal(e->steps, "");
	assert_int_equal(sim_writes_to(e, from, "driver_override"), 0);
	assert_int_equal(sim_writes_to(e, from, "unbind"), 0);
	assert_int_equal(sim_writes_to(e, from, "drivers_probe"), 0);
	bb_pinned_device_close(&pin);
	free(dev);
}

int main(int argc, char **argv)
{
#define T(f) cmocka_unit_test_setup_teardown(f, sim_setup, sim_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_facts),
	    T(test_bind),
	    T(test_bind_loads_module),
	    T(test_probe_fail),
	    T(test_slow_unbind),
	    T(test_swapped_mid_bind),
	    T(test_swapped_before_override),
	    T(test_twin_swapped_before_unbind),
	    T(test_pinned_device_goes_stale),
	    T(test_vanished_mid_bind),
	    T(test_racing_override),
	    T(test_module_missing),
	    T(test_bad_input_touches_nothing),
	    T(test_observer_refuses),
	    T(test_group_bind),
	    T(test_group_rollback),
	    T(test_release),
	    T(test_restore),
	    T(test_swapped_mid_restore),
	    T(test_quarantine),
	    T(test_persist_and_apply),
	    T(test_bind_known),
	    T(test_bind_pinned),
	};
	int r = sim_init(argc, argv);

	if (r != 0)
		return r;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
