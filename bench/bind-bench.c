/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bind + verify latency on a mounted simsys, side by side with the floor: the
 * same three sysfs writes (driver_override, unbind, drivers_probe) and one
 * readlink done by a bare loop. Runs are interleaved so machine noise hits both.
 *
 *   bind-bench SYSFS_ROOT MODULES_DIR DEVICE DRIVER [ROUNDS]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *what, double *v, int n, double floor_median)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	double median = v[n / 2], p99 = v[(n * 99) / 100];
	printf("%-28s median %8.1f us   p99 %8.1f us", what, median, p99);
	if (floor_median > 0)
		printf("   %.2fx floor", median / floor_median);
	printf("\n");
}

static int write_at(int dirfd, const char *path, const char *value)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

/* The floor: what any tool must do at least, with no checks and no verification loop. */
static int raw_bind(int root, const char *dev, const char *driver, const char *old)
{
	char path[256], link[256];
	snprintf(path, sizeof(path), "bus/pci/devices/%s/driver_override", dev);
	if (write_at(root, path, driver) < 0)
		return -1;
	snprintf(path, sizeof(path), "bus/pci/drivers/%s/unbind", old);
	if (write_at(root, path, dev) < 0)
		return -1;
	if (write_at(root, "bus/pci/drivers_probe", dev) < 0)
		return -1;
	snprintf(path, sizeof(path), "bus/pci/devices/%s/driver", dev);
	return readlinkat(root, path, link, sizeof(link)) > 0 ? 0 : -1;
}

static int raw_release(int root, const char *dev, const char *driver)
{
	char path[256];
	snprintf(path, sizeof(path), "bus/pci/devices/%s/driver_override", dev);
	if (write_at(root, path, "\n") < 0)
		return -1;
	snprintf(path, sizeof(path), "bus/pci/drivers/%s/unbind", driver);
	if (write_at(root, path, dev) < 0)
		return -1;
	return write_at(root, "bus/pci/drivers_probe", dev);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s SYSFS_ROOT MODULES_DIR DEVICE DRIVER [ROUNDS]\n", argv[0]);
		return 2;
	}
	const char *root_path = argv[1], *dev = argv[3], *driver = argv[4];
	int rounds = argc > 5 ? atoi(argv[5]) : 200;
	bb_sysfs *s = NULL;
	bb_modules *m = NULL;
	bb_binder *b = NULL;
	struct bb_bind_result res;
	char old[BB_DRIVER_NAME_MAX + 1];

	if (rounds < 10 || rounds > 100000 || bb_sysfs_open(root_path, NULL, &s) < 0 ||
	    bb_modules_new(argv[2], &m) < 0 || bb_binder_new(s, m, NULL, &b) < 0) {
		fprintf(stderr, "bind-bench: cannot open %s / %s\n", root_path, argv[2]);
		return 1;
	}
	/* Warm up and learn the host driver to go back to. */
	if (bb_binder_bind(b, dev, driver, &res) < 0) {
		fprintf(stderr, "bind-bench: first bind failed: %s\n", res.message);
		return 1;
	}
	snprintf(old, sizeof(old), "%s", res.old_driver);
	bb_binder_release(b, dev, &res);

	double *broker = calloc((size_t)rounds, sizeof(double));
	double *floor = calloc((size_t)rounds, sizeof(double));
	int root = bb_sysfs_root_fd(s);
	for (int i = 0; i < rounds; i++) {
		double t0 = now_us();
		if (bb_binder_bind(b, dev, driver, &res) < 0) {
			fprintf(stderr, "bind-bench: bind failed: %s\n", res.message);
			return 1;
		}
		broker[i] = now_us() - t0;
		bb_binder_release(b, dev, &res);

		t0 = now_us();
		if (raw_bind(root, dev, driver, old) < 0) {
			fprintf(stderr, "bind-bench: raw bind failed\n");
			return 1;
		}
		floor[i] = now_us() - t0;
		raw_release(root, dev, driver);
	}
	printf("bind %s -> %s on %s, %d interleaved rounds\n", dev, driver, root_path, rounds);
	report("floor (3 writes + readlink)", floor, rounds, 0); /* sorts floor[] */
	report("bindbroker binder", broker, rounds, floor[rounds / 2]);
	free(broker);
	free(floor);
	bb_binder_free(b);
	bb_modules_free(m);
	bb_sysfs_free(s);
	return 0;
}
