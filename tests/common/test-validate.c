/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "bb-validate.h"

static void test_pci_address_accepts_canonical(void **state)
{
	(void)state;
	assert_true(bb_valid_pci_address("0000:03:00.0"));
	assert_true(bb_valid_pci_address("ffff:ff:1f.7"));
	assert_true(bb_valid_pci_address("0000:AB:1F.0"));
}

static void test_pci_address_refuses_hostile(void **state)
{
	static const char *bad[] = {
		"",	       "../../",	"0000:03:00.0\n", "0000:03:00.0 ", "0000:03:00",
		"000:03:00.0", "0000:03:00.00", "0000:03:20.0",   "0000:03:00.8",   "0000-03-00.0",
		"g000:03:00.0", "0000:03:00.0/../x",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(bb_valid_pci_address(bad[i]));
	assert_false(bb_valid_pci_address(NULL));
}

static void test_driver_name(void **state)
{
	char long_name[66];
	(void)state;
	assert_true(bb_valid_driver_name("vfio-pci"));
	assert_true(bb_valid_driver_name("mlx5_vfio_pci"));
	assert_false(bb_valid_driver_name(""));
	assert_false(bb_valid_driver_name("vfio-pci\n"));
	assert_false(bb_valid_driver_name("../vfio"));
	assert_false(bb_valid_driver_name("a b"));
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	assert_false(bb_valid_driver_name(long_name));
	long_name[64] = '\0';
	assert_true(bb_valid_driver_name(long_name));
}

static void test_normalize(void **state)
{
	char a[] = "0000:AB:1F.0";
	(void)state;
	bb_pci_address_normalize(a);
	assert_string_equal(a, "0000:ab:1f.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pci_address_accepts_canonical),
		cmocka_unit_test(test_pci_address_refuses_hostile),
		cmocka_unit_test(test_driver_name),
		cmocka_unit_test(test_normalize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
