/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The overrides file: strict parsing with positions, atomic save, load round trip. */
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

static struct bb_overrides o;

static int parse(const char *s, char *err)
{
	return bb_overrides_parse(s, strlen(s), &o, err, 256);
}

static void test_parse_good(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(parse("", err), 0);
	assert_int_equal(o.n, 0);
	assert_int_equal(parse("0000:01:00.0 vfio-pci\n0000:41:00.1 mlx5_vfio_pci\n", err), 0);
	assert_int_equal(o.n, 2);
	assert_string_equal(o.entries[1].address.s, "0000:41:00.1");
	assert_string_equal(o.entries[1].driver, "mlx5_vfio_pci");
	assert_non_null(bb_overrides_find(&o, "0000:41:00.1"));
	assert_non_null(bb_overrides_find(&o, "0000:41:00.1"));
	assert_null(bb_overrides_find(&o, "0000:41:00.2"));
	assert_null(bb_overrides_find(&o, "../../x"));
}

static void test_parse_bad(void **state)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
	    {"0000:01:00.0 vfio-pci", "overrides:1:22: line does not end in a newline"},
	    {"0000:01:00.0 vfio-pci\n\n", "overrides:2:1: expected \"DDDD:BB:DD.F DRIVER\""},
	    {"0000:01:00.0 vfio-pci\n0000:0g:00.0 vfio-pci\n",
	     "overrides:2:1: invalid device address"},
	    {"0000:0A:00.0 vfio-pci\n", "overrides:1:7: device address must be lowercase"},
	    {"0000:01:00.0  vfio-pci\n", "overrides:1:14: invalid driver name"},
	    {"0000:01:00.0\tvfio-pci\n", "overrides:1:13: expected one space after the address"},
	    {"0000:01:00.0 ../../x\n", "overrides:1:14: invalid driver name"},
	    {"0000:01:00.0 vfio-pci \n", "overrides:1:14: invalid driver name"},
	    {"# comment here is refused\n", "overrides:1:1: invalid device address"},
	    {"0000:01:00.0 vfio-pci\n0000:01:00.0 e1000e\n",
	     "overrides:2:1: device 0000:01:00.0 listed twice"},
	    {"0000:01:00.0 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	     "overrides:1:14: driver name longer than 64"},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].text, err), -EBADMSG);
		assert_string_equal(err, bad[i].err);
	}
	/* A NUL inside a driver name. */
	assert_int_equal(bb_overrides_parse("0000:01:00.0 vfio\0pci\n", 22, &o, err, sizeof(err)),
	                 -EBADMSG);
}

static void test_limits(void **state)
{
	size_t size = (BB_OVERRIDES_MAX + 1) * 22 + 1;
	char *text = malloc(size), err[256];
	size_t len = 0;

	(void)state;
	assert_non_null(text);
	for (unsigned i = 0; i <= BB_OVERRIDES_MAX; i++)
		len += (size_t)sprintf(text + len, "%04x:%02x:00.0 vfio\n", i / 256, i % 256);
	assert_int_equal(bb_overrides_parse(text, len, &o, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "overrides:1025:1: more than 1024 entries");
	free(text);

	text = calloc(1, BB_OVERRIDES_MAX_SIZE + 2);
	assert_int_equal(bb_overrides_parse(text, BB_OVERRIDES_MAX_SIZE + 1, &o, err, sizeof(err)),
	                 -E2BIG);
	free(text);
}

static void test_save_load(void **state)
{
	char dir[] = "/tmp/bb-overrides-XXXXXX", err[256], *text = NULL;
	int dfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);

	/* Absent file = no overrides. */
	assert_int_equal(bb_overrides_load(dfd, &o, err, sizeof(err)), 0);
	assert_int_equal(o.n, 0);

	assert_int_equal(bb_overrides_record(dfd, "0000:01:00.0", "vfio-pci"), 0);
	assert_int_equal(bb_overrides_record(dfd, "0000:41:00.0", "mlx5_vfio_pci"), 0);
	assert_int_equal(bb_overrides_record(dfd, "0000:01:00.0", "nvgrace_gpu_vfio_pci"), 0);
	assert_int_equal(bb_read_file_at(dfd, "overrides", 4096, &text, NULL), 0);
	assert_string_equal(text,
	                    "0000:01:00.0 nvgrace_gpu_vfio_pci\n0000:41:00.0 mlx5_vfio_pci\n");
	free(text);

	assert_int_equal(bb_overrides_forget(dfd, "0000:01:00.0"), 0);
	assert_int_equal(bb_overrides_forget(dfd, "0000:01:00.0"), 0); /* absent is fine */
	assert_int_equal(bb_overrides_load(dfd, &o, err, sizeof(err)), 0);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.entries[0].driver, "mlx5_vfio_pci");

	/* Bad input never reaches the file. */
	assert_int_equal(bb_overrides_record(dfd, "0000:01:00.0\n", "vfio-pci"), -EINVAL);
	assert_int_equal(bb_overrides_record(dfd, "0000:01:00.0", "vfio-pci\nx"), -EINVAL);
	assert_int_equal(bb_overrides_set(&o, "../../", "vfio-pci"), -EINVAL);

	/* A corrupt file is reported with its position, not silently dropped. */
	assert_int_equal(bb_write_file_atomic_at(dfd, "overrides", "garbage\n", 8, 0644), 0);
	assert_int_equal(bb_overrides_load(dfd, &o, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "overrides:1:1: expected \"DDDD:BB:DD.F DRIVER\"");
	assert_int_equal(bb_overrides_record(dfd, "0000:01:00.0", "vfio-pci"), -EBADMSG);

	unlinkat(dfd, "overrides", 0);
	close(dfd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_save_load),
	};
	bb_log_set_max_priority(LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
