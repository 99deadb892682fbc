/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bb-fileio.h"

static int make_dir(void **state)
{
	char tmpl[] = "/tmp/bb-fileio-XXXXXX";
	char *dir = mkdtemp(tmpl);
	int fd;

	assert_non_null(dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	*state = (void *)(long)fd;
	return 0;
}

static int remove_dir(void **state)
{
	char path[64];
	int fd = (int)(long)*state;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	char cmd[128], target[64];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", target);
		if (system(cmd) != 0)
			return -1;
	}
	close(fd);
	return 0;
}

static void write_raw(int dirfd, const char *name, const char *data, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_read_strips_one_newline(void **state)
{
	int dirfd = (int)(long)*state;
	char buf[16];

	write_raw(dirfd, "vendor", "0x10de\n", 7);
	assert_int_equal(bb_read_attr_at(dirfd, "vendor", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "0x10de");
}

static void test_read_refuses_oversized_and_links(void **state)
{
	int dirfd = (int)(long)*state;
	char buf[8];

	write_raw(dirfd, "big", "0123456789", 10);
	assert_int_equal(bb_read_attr_at(dirfd, "big", buf, sizeof(buf)), -EFBIG);
	assert_int_equal(symlinkat("big", dirfd, "link"), 0);
	assert_int_equal(bb_read_attr_at(dirfd, "link", buf, sizeof(buf)), -ELOOP);
	write_raw(dirfd, "nul", "ab\0cd", 5);
	assert_int_equal(bb_read_attr_at(dirfd, "nul", buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(bb_read_attr_at(dirfd, "missing", buf, sizeof(buf)), -ENOENT);
}

static void test_write_and_atomic_replace(void **state)
{
	int dirfd = (int)(long)*state;
	char buf[32];
	char *data = NULL;
	size_t len = 0;

	write_raw(dirfd, "attr", "", 0);
	assert_int_equal(bb_write_attr_at(dirfd, "attr", "vfio-pci"), 0);
	assert_int_equal(bb_read_attr_at(dirfd, "attr", buf, sizeof(buf)), 8);
	assert_string_equal(buf, "vfio-pci");

	assert_int_equal(bb_write_file_atomic_at(dirfd, "state", "one\n", 4, 0600), 0);
	assert_int_equal(bb_write_file_atomic_at(dirfd, "state", "two\n", 4, 0600), 0);
	assert_int_equal(bb_read_file_at(dirfd, "state", 64, &data, &len), 0);
	assert_int_equal(len, 4);
	assert_string_equal(data, "two\n");
	free(data);
	assert_int_equal(bb_read_file_at(dirfd, "state", 3, &data, &len), -EFBIG);
}

/* A whole-file read grows its buffer past the first 16 KiB and still holds the limit exactly. */
static void test_read_fd_grows_to_the_limit(void **state)
{
	int dirfd = (int)(long)*state;
	const size_t size = 100000;
	char *text = malloc(size), *data = NULL;
	size_t len = 0;
	int fd;

	assert_non_null(text);
	for (size_t i = 0; i < size; i++)
		text[i] = (char)('a' + i % 26);
	assert_int_equal(bb_write_file_atomic_at(dirfd, "big", text, size, 0600), 0);
	fd = openat(dirfd, "big", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);

	assert_int_equal(bb_read_fd(fd, 1 << 20, &data, &len), 0);
	assert_int_equal(len, size);
	assert_memory_equal(data, text, size);
	assert_int_equal(data[len], '\0');
	free(data);
	assert_int_equal(bb_read_fd(fd, size, &data, &len), 0); /* exactly at the limit */
	assert_int_equal(len, size);
	free(data);
	data = NULL;
	assert_int_equal(bb_read_fd(fd, size - 1, &data, &len), -EFBIG);
	assert_null(data);
	assert_int_equal(bb_read_fd(fd, 20000, &data, &len), -EFBIG);
	close(fd);
	free(text);
}

static void test_basename(void **state)
{
	(void)state;
	assert_string_equal(bb_path_basename("../../../bus/pci/drivers/e1000e"), "e1000e");
	assert_string_equal(bb_path_basename("plain"), "plain");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_strips_one_newline, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_read_refuses_oversized_and_links, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(test_write_and_atomic_replace, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_read_fd_grows_to_the_limit, make_dir, remove_dir),
		cmocka_unit_test(test_basename),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
