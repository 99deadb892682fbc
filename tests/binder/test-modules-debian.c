/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio variant choice over the real modules data of Debian 12's kernel
 * (debian-kernel-aliases.sh). argv[1]: the kernel as shipped; argv[2]: the
 * same tree plus a fixture module declaring the alias upstream mlx5_vfio_pci
 * declares (Debian does not build that driver), indexed by the real depmod.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bb-fileio.h"
#include "bb-log.h"
#include "broker.h"

static const char *plain_dir, *variant_dir;

#define CX7_VF  "pci:v000015B3d0000101Esv000015B3sd00000047bc02sc00i00"
#define CX6_PF  "pci:v000015B3d0000101Dsv000015B3sd00000016bc02sc00i00"
#define E1000E  "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00"
#define NV_H100 "pci:v000010DEd00002330sv000010DEsd000016C1bc03sc02i00"

static const char *best(bb_modules *m, const char *modalias)
{
	static char buf[BB_DRIVER_NAME_MAX + 1];
	assert_int_equal(bb_modules_best_vfio_driver(m, modalias, buf, sizeof(buf)), 0);
	return buf;
}

static void test_debian_as_shipped(void **state)
{
	bb_modules *m = NULL;
	char mod[BB_MODULE_NAME_MAX], *alias = NULL;
	int dfd;

	(void)state;
	/* The premise: a real, large alias table whose only vfio_pci: entry is the catch-all. */
	dfd = open(plain_dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(bb_read_file_at(dfd, "modules.alias", 32 << 20, &alias, NULL), 0);
	assert_true(strlen(alias) > 500000);
	assert_non_null(strstr(alias, "alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\n"));
	assert_non_null(strstr(alias, "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"));
	assert_null(strstr(alias, "mlx5_vfio_pci"));
	free(alias);
	close(dfd);

	assert_int_equal(bb_modules_new(plain_dir, &m), 0);
	assert_string_equal(best(m, E1000E), "vfio-pci");
	assert_string_equal(best(m, CX7_VF), "vfio-pci");
	assert_string_equal(best(m, NV_H100), "vfio-pci");
	/* libkmod resolves driver names against the real modules.dep. */
	assert_int_equal(bb_modules_driver_module(m, "vfio-pci", mod, sizeof(mod)), 0);
	assert_string_equal(mod, "vfio_pci");
	assert_int_equal(bb_modules_driver_module(m, "e1000e", mod, sizeof(mod)), 0);
	assert_string_equal(mod, "e1000e");
	assert_int_equal(bb_modules_driver_module(m, "mlx5_core", mod, sizeof(mod)), 0);
	assert_string_equal(mod, "mlx5_core");
	bb_modules_free(m);
}

static void test_debian_with_variant(void **state)
{
	bb_modules *m = NULL;

	(void)state;
	assert_int_equal(bb_modules_new(variant_dir, &m), 0);
	assert_string_equal(best(m, CX7_VF), "mlx5_vfio_pci");
	assert_string_equal(best(m, CX6_PF), "vfio-pci"); /* the variant takes VFs only */
	assert_string_equal(best(m, E1000E), "vfio-pci");
	assert_string_equal(best(m, NV_H100), "vfio-pci");
	bb_modules_free(m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debian_as_shipped),
	    cmocka_unit_test(test_debian_with_variant),
	};
	if (argc != 3) {
		fprintf(stderr, "usage: %s DEBIAN_MODULES_DIR DEBIAN_PLUS_VARIANT_DIR\n", argv[0]);
		return 2;
	}
	plain_dir = argv[1];
	variant_dir = argv[2];
	bb_log_set_max_priority(LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
