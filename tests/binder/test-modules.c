/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio variant choice against a small fixture modules dir (modules.alias text
 * only; libkmod's own index lookup is covered by the Debian kernel test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bb-log.h"
#include "broker.h"
#include "vfio-alias.h"

static bb_modules *m;

static const char *best(const char *modalias)
{
	static char buf[BB_DRIVER_NAME_MAX + 1];
	assert_int_equal(bb_modules_best_vfio_driver(m, modalias, buf, sizeof(buf)), 0);
	return buf;
}

static void test_variants(void **state)
{
	(void)state;
	/* ConnectX-6 Dx: the device-exact alias beats the vendor-wide one. */
	assert_string_equal(best("pci:v000015B3d0000101Esv000015B3sd00000016bc02sc00i00"),
	                    "mlx5_vfio_pci");
	/* Another Mellanox device: only the vendor-wide alias matches. */
	assert_string_equal(best("pci:v000015B3d00001017sv000015B3sd00000020bc02sc00i00"),
	                    "fixture_vendorwide_vfio_pci");
	/* Class matters: the GPU alias wants bc03. */
	assert_string_equal(best("pci:v000010DEd00002330sv000010DEsd000016C1bc03sc02i00"),
	                    "nvgrace_gpu_vfio_pci");
	assert_string_equal(best("pci:v000010DEd00002330sv000010DEsd000016C1bc02sc00i00"),
	                    "vfio-pci");
	/* A NIC with a plain pci: alias only falls back to vfio-pci. */
	assert_string_equal(best("pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00"),
	                    "vfio-pci");
	/* An alias naming something that is not a module name is ignored. */
	assert_string_equal(best("pci:v000019E5d0000A255sv000019E5sd00000000bc12sc00i00"),
	                    "vfio-pci");
}

static void test_bad_input(void **state)
{
	char buf[BB_DRIVER_NAME_MAX + 1];

	(void)state;
	assert_int_equal(bb_modules_best_vfio_driver(m, "usb:v1234", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(
	    bb_modules_best_vfio_driver(NULL, "pci:v000015B3d0000101Esv*", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio-pci");
}

static void test_driver_module(void **state)
{
	char buf[BB_MODULE_NAME_MAX];

	(void)state;
	assert_int_equal(bb_modules_driver_module(m, "vfio-pci", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio_pci");
	assert_int_equal(bb_modules_driver_module(NULL, "mlx5_vfio_pci", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "mlx5_vfio_pci");
	assert_int_equal(bb_modules_driver_module(m, "../x", buf, sizeof(buf)), -EINVAL);
}

static void test_alias_text(void **state)
{
	char buf[BB_DRIVER_NAME_MAX + 1];

	(void)state;
	/* Ties on wildcard count go to the smaller name, whatever the order. */
	assert_int_equal(bb_vfio_alias_best("alias vfio_pci:v1* zz_vfio_pci\n"
	                                    "alias vfio_pci:v1* aa_vfio_pci\n",
	                                    "vfio_pci:v12", buf, sizeof(buf)),
	                 0);
	assert_string_equal(buf, "aa_vfio_pci");
	assert_int_equal(bb_vfio_alias_best("alias vfio_pci:v1*\nalias vfio_pci:v1* \n",
	                                    "vfio_pci:v1", buf, sizeof(buf)),
	                 -ENOENT);
	assert_int_equal(bb_vfio_alias_best("", "vfio_pci:v1", buf, sizeof(buf)), -ENOENT);
}

static int setup(void **state)
{
	(void)state;
	return bb_modules_new(MODULES_FIXTURE, &m);
}

static int teardown(void **state)
{
	(void)state;
	m = bb_modules_free(m);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_variants),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_driver_module),
	    cmocka_unit_test(test_alias_text),
	};
	bb_log_set_max_priority(LOG_CRIT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
