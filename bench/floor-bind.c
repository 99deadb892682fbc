/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The physical floor of one bind, as one process run so bench/run can
 * interleave it with the peer tools: the sysfs writes the broker makes
 * (driver_override, the old driver's unbind, drivers_probe), one readlink of
 * the driver link, and the journal's two fdatasyncs (intent before the first
 * write, result after) on a file in JOURNAL_DIR. Prints the in-process time in
 * microseconds (process start-up excluded), exit 1 when the link is not DRIVER.
 *
 *   floor-bind SYSFS_ROOT DEVICE DRIVER OLD_DRIVER JOURNAL_DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int write_at(int dirfd, const char *path, const char *value)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

static int record(int fd, const char *line)
{
	return write(fd, line, strlen(line)) == (ssize_t)strlen(line) && fdatasync(fd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	char path[512], link[512];
	struct timespec t0, t1;

	if (argc != 6) {
		fprintf(stderr, "usage: %s SYSFS_ROOT DEVICE DRIVER OLD_DRIVER JOURNAL_DIR\n", argv[0]);
		return 2;
	}
	const char *dev = argv[2], *driver = argv[3], *old = argv[4];
	int root = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dfd = open(argv[5], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int jfd = dfd < 0 ? -1
	                  : openat(dfd, "floor.journal", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (root < 0 || jfd < 0)
		return 2;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (record(jfd, "intent bind\n") < 0)
		return 1;
	snprintf(path, sizeof(path), "bus/pci/devices/%s/driver_override", dev);
	if (write_at(root, path, driver) < 0)
		return 1;
	snprintf(path, sizeof(path), "bus/pci/drivers/%s/unbind", old);
	if (write_at(root, path, dev) < 0)
		return 1;
	if (write_at(root, "bus/pci/drivers_probe", dev) < 0)
		return 1;
	snprintf(path, sizeof(path), "bus/pci/devices/%s/driver", dev);
	ssize_t n = readlinkat(root, path, link, sizeof(link) - 1);
	if (n <= 0)
		return 1;
	link[n] = '\0';
	if (record(jfd, "result bound\n") < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	const char *base = strrchr(link, '/');
	printf("%.1f\n", (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3);
	return base && strcmp(base + 1, driver) == 0 ? 0 : 1;
}
