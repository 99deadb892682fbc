/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Handles kept across a device swap or removal go stale as kernfs nodes do: a
 * broker that opened the device directory before the unbind and the device was
 * replaced at the same address must not write into the new device through it.
 * Mounts $BB_SIMSYS on a temporary directory (never the real /sys).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bb-macro.h"

#define DEV "0000:03:00.0"

static char mnt[64];

static int run(const char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int setup(void **state)
{
	const char *simsys = getenv("BB_SIMSYS"), *topology = getenv("BB_TOPOLOGY");

	(void)state;
	snprintf(mnt, sizeof(mnt), "/tmp/simsys-stale-XXXXXX");
	if (!simsys || !topology || !mkdtemp(mnt))
		return -1;
	const char *argv[] = {simsys, mnt, "--topology", topology, NULL};
	return run(argv) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	/* Lazy: a failed assertion jumps past the fds' cleanup, which would keep it busy. */
	const char *argv[] = {"/usr/bin/fusermount3", "-u", "-z", mnt, NULL};

	(void)state;
	if (run(argv) != 0)
		return -1;
	return rmdir(mnt);
}

static int write_at(int dirfd, const char *name, const char *value)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write(fd, value, strlen(value)) < 0 ? -errno : 0;
}

static void read_at(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
}

static void test_swap_makes_old_handles_stale(void **state)
{
	char path[PATH_MAX], real[PATH_MAX], buf[64];
	_cleanup_close_ int ctl = -1, dirfd = -1, override = -1, vendor = -1, newdir = -1;
	const char swap[] = "swap-on-unbind " DEV " {\"vendor\": \"8086\", \"device\": \"1533\", "
	                    "\"class\": \"020000\"}";

	(void)state;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/" DEV, mnt);
	assert_non_null(realpath(path, real));
	dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);
	override = openat(dirfd, "driver_override", O_WRONLY | O_CLOEXEC);
	vendor = openat(dirfd, "device", O_RDONLY | O_CLOEXEC);
	assert_true(override >= 0 && vendor >= 0);

	snprintf(path, sizeof(path), "%s/.simsys/control", mnt);
	ctl = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(ctl >= 0);
	assert_int_equal(write(ctl, swap, strlen(swap)), (ssize_t)strlen(swap));
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/e1000e/unbind", mnt);
	{
		_cleanup_close_ int u = open(path, O_WRONLY | O_CLOEXEC);
		assert_true(u >= 0);
		assert_int_equal(write(u, DEV, strlen(DEV)), (ssize_t)strlen(DEV));
	}

	/* Through the old handles: ENODEV for open files, ENOENT for lookups. */
	assert_int_equal(write(override, "vfio-pci", 8), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(pread(vendor, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(write_at(dirfd, "driver_override", "vfio-pci"), -ENOENT);

	/* The new device, opened afresh, is untouched and works. */
	newdir = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(newdir >= 0);
	read_at(newdir, "device", buf, sizeof(buf));
	assert_string_equal(buf, "0x1533\n");
	read_at(newdir, "driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "(null)\n");
	assert_int_equal(write_at(newdir, "driver_override", "vfio-pci"), 0);
	read_at(newdir, "driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "vfio-pci\n");
}

static void test_remove_makes_old_handles_stale(void **state)
{
	char path[PATH_MAX], real[PATH_MAX];
	_cleanup_close_ int dirfd = -1, override = -1;
	const char remove[] = "remove-device " DEV;

	(void)state;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/" DEV, mnt);
	assert_non_null(realpath(path, real));
	dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);
	override = openat(dirfd, "driver_override", O_WRONLY | O_CLOEXEC);
	assert_true(override >= 0);
	snprintf(path, sizeof(path), "%s/.simsys/control", mnt);
	{
		_cleanup_close_ int ctl = open(path, O_WRONLY | O_CLOEXEC);
		assert_true(ctl >= 0);
		assert_int_equal(write(ctl, remove, strlen(remove)), (ssize_t)strlen(remove));
	}
	assert_int_equal(write(override, "vfio-pci", 8), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(write_at(dirfd, "driver_override", "vfio-pci"), -ENOENT);
	assert_int_equal(access(real, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_swap_makes_old_handles_stale, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_makes_old_handles_stale, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
