/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio variant choice through libkmod over a modules dir that the real depmod
 * wrote (make-modules-fixture.sh): once reading modules.alias, once with only
 * libkmod's binary indexes (the text file hidden), which must agree.
 */
#include <dirent.h>
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

#include "bb-log.h"
#include "broker.h"

static const char *modules_dir;
static char index_only_dir[] = "/tmp/bb-kmod-index-XXXXXX";

static void check_choices(const char *dir)
{
	static const struct {
		const char *modalias, *driver;
	} cases[] = {
	    {"pci:v000015B3d0000101Esv000015B3sd00000016bc02sc00i00", "mlx5_vfio_pci"},
	    {"pci:v000015B3d00001017sv000015B3sd00000020bc02sc00i00",
	     "fixture_vendorwide_vfio_pci"},
	    {"pci:v000010DEd00002342sv000010DEsd000016EBbc03sc02i00", "nvgrace_gpu_vfio_pci"},
	    {"pci:v000010DEd00002330sv000010DEsd000016C1bc03sc02i00", "vfio-pci"},
	    {"pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00", "vfio-pci"},
	};
	bb_modules *m = NULL;
	char buf[BB_DRIVER_NAME_MAX + 1];

	assert_int_equal(bb_modules_new(dir, &m), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    bb_modules_best_vfio_driver(m, cases[i].modalias, buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].driver);
	}
	/* Driver name to module name through libkmod's modules.dep index. */
	assert_int_equal(bb_modules_driver_module(m, "vfio-pci", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio_pci");
	assert_int_equal(bb_modules_driver_module(m, "nvgrace-gpu-vfio-pci", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "nvgrace_gpu_vfio_pci");
	bb_modules_free(m);
}

static void test_alias_text(void **state)
{
	(void)state;
	check_choices(modules_dir);
}

static void test_index_only(void **state)
{
	(void)state;
	check_choices(index_only_dir);
}

/* A view of the modules dir without modules.alias: links to everything else. */
static int setup(void **state)
{
	DIR *d;
	struct dirent *de;

	(void)state;
	if (!mkdtemp(index_only_dir))
		return -1;
	d = opendir(modules_dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char target[4096], link[4096];

		if (de->d_name[0] == '.' || strcmp(de->d_name, "modules.alias") == 0)
			continue;
		snprintf(target, sizeof(target), "%s/%s", modules_dir, de->d_name);
		snprintf(link, sizeof(link), "%s/%s", index_only_dir, de->d_name);
		if (symlink(target, link) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

static int teardown(void **state)
{
	char cmd[4200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", index_only_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alias_text),
	    cmocka_unit_test(test_index_only),
	};
	if (argc != 2) {
		fprintf(stderr, "usage: %s MODULES_DIR\n", argv[0]);
		return 2;
	}
	modules_dir = argv[1];
	bb_log_set_max_priority(LOG_CRIT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
