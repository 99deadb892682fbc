/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker library on the shipped GPU server topology
 * (tests/topologies/gpu-server.json): every device readable, the facts policy
 * needs, a GPU with its audio function passed through as one IOMMU group, a
 * ConnectX VF to its variant driver, a failed probe rolled back, all released.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker.h"
#include "simsys-env.h"

static void test_every_device(void **state)
{
	struct env *e = *state;
	bb_address *list = NULL;
	struct bb_device d;
	bb_lockdown l;
	size_t n = 0;
	int vga = 0;

	assert_int_equal(bb_sysfs_list_devices(e->s, &list, &n), 0);
	assert_int_equal(n, 42);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(bb_device_read(e->s, list[i].s, &d), 0);
		assert_true(d.iommu_group >= 0);
		assert_true(d.n_group >= 1);
		vga += d.boot_vga == 1;
	}
	free(list);
	assert_int_equal(vga, 1);

	assert_int_equal(bb_device_read(e->s, "0000:11:00.0", &d), 0);
	assert_int_equal(d.boot_vga, 1);
	assert_string_equal(d.driver, "ast");
	assert_int_equal(bb_device_read(e->s, "0000:12:00.0", &d), 0);
	assert_true(d.n_block == 1 && d.block[0].mounted);
	assert_int_equal(bb_device_read(e->s, "0000:18:00.0", &d), 0);
	assert_true(d.n_net == 1 && d.net[0].default_route);
	assert_int_equal(bb_device_read(e->s, "0000:18:00.1", &d), 0);
	assert_true(d.n_net == 1 && !d.net[0].default_route);
	assert_int_equal(bb_device_read(e->s, "0000:03:00.0", &d), 0);
	assert_string_equal(d.driver, "nvidia");
	assert_int_equal(d.n_group, 2);
	assert_string_equal(d.group[1].address.s, "0000:03:00.1");
	assert_string_equal(d.group[1].driver, "snd_hda_intel");

	assert_int_equal(bb_lockdown_read(e->s, &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_INTEGRITY);
}

static void test_passthrough_and_release(void **state)
{
	struct env *e = *state;
	struct bb_group_result g;
	struct bb_bind_result r;
	struct bb_device d;
	char best[BB_DRIVER_NAME_MAX + 1];
	size_t from = sim_log_len(e);

	/* GPU + its audio function: one group, both to vfio (H100 has no variant driver). */
	assert_int_equal(bb_binder_bind_group(e->b, "0000:03:00.0", NULL, &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(sim_link_driver(e, "0000:03:00.0"), "vfio-pci");
	assert_string_equal(sim_link_driver(e, "0000:03:00.1"), "vfio-pci");
	assert_string_equal(sim_link_driver(e, "0000:04:00.0"), "nvidia"); /* another group */

	/* The ConnectX VF: its variant is chosen from the aliases and its module loaded. */
	assert_int_equal(bb_device_read(e->s, "0000:87:00.2", &d), 0);
	assert_int_equal(bb_modules_best_vfio_driver(e->m, d.modalias, best, sizeof(best)), 0);
	assert_string_equal(best, "mlx5_vfio_pci");
	assert_int_equal(bb_binder_bind(e->b, "0000:87:00.2", best, &r), 0);
	assert_string_equal(sim_link_driver(e, "0000:87:00.2"), "mlx5_vfio_pci");
	/* The PF is no VF: plain vfio-pci. */
	assert_int_equal(bb_device_read(e->s, "0000:87:00.0", &d), 0);
	assert_int_equal(bb_modules_best_vfio_driver(e->m, d.modalias, best, sizeof(best)), 0);
	assert_string_equal(best, "vfio-pci");

	/* A NIC whose vfio probe fails comes back to i40e. */
	sim_control(e, "fail-probe vfio-pci");
	assert_true(bb_binder_bind(e->b, "0000:18:00.1", "vfio-pci", &r) < 0);
	assert_int_equal(r.failure, BB_FAIL_NOT_BOUND);
	sim_assert_restored(e, &r, "0000:18:00.1", "i40e");

	/* Release all: the host's drivers take them back. */
	assert_int_equal(bb_binder_release(e->b, "0000:03:00.0", &r), 0);
	assert_string_equal(r.new_driver, "nvidia");
	assert_int_equal(bb_binder_release(e->b, "0000:03:00.1", &r), 0);
	assert_string_equal(r.new_driver, "snd_hda_intel");
	assert_int_equal(bb_binder_release(e->b, "0000:87:00.2", &r), 0);
	assert_string_equal(r.new_driver, "mlx5_core");
	sim_assert_only_allowed_writes(e, from);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_every_device, sim_setup, sim_teardown),
	    cmocka_unit_test_setup_teardown(test_passthrough_and_release, sim_setup, sim_teardown),
	};
	int r = sim_init(argc, argv);

	if (r != 0)
		return r;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
