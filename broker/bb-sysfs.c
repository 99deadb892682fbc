/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "bb-sysfs.h"
#include "sysfs-path.h"

/*
 * Directories every request passes through, opened once (O_PATH) so that a
 * path below one starts there: each component is a lookup (on FUSE a round
 * trip), and these never go away while sysfs is mounted.
 */
enum kept_dir { KEPT_DEVICES, KEPT_DRIVERS, KEPT_BUS_PCI, KEPT_CLASS, KEPT_IOMMU_GROUPS, KEPT_MAX };

static const char *const kept_paths[KEPT_MAX] = {
    [KEPT_DEVICES] = "bus/pci/devices",
    [KEPT_DRIVERS] = "bus/pci/drivers",
    [KEPT_BUS_PCI] = "bus/pci",
    [KEPT_CLASS] = "class",
    [KEPT_IOMMU_GROUPS] = "kernel/iommu_groups",
};

struct bb_sysfs {
	int root_fd;
	int proc_fd;
	int kept[KEPT_MAX]; /* -1 when absent at open time (looked up each time then) */
	int lockdown_fd;    /* kernel/security/lockdown, open for reading, or -1 */
	bool simsys;
	char *root_path;
};

#define SIMSYS_CONTROL "control"

static bool detect_simsys(int root_fd)
{
	_cleanup_close_ int dfd = bb_open_dir_at(root_fd, ".simsys");
	struct stat st;

	if (dfd < 0)
		return false;
	return fstatat(dfd, SIMSYS_CONTROL, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* securityfs regenerates the file on each read from its start: one open serves them all. */
static int open_lockdown(int root_fd)
{
	_cleanup_close_ int dfd = bb_open_anchor_at(root_fd, "kernel/security");
	int fd;

	if (dfd < 0)
		return -1;
	fd = openat(dfd, "lockdown", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	return fd < 0 ? -1 : fd;
}

int bb_sysfs_open(const char *root, const char *proc_root, bb_sysfs **ret)
{
	_cleanup_free_ bb_sysfs *s = NULL;
	_cleanup_close_ int root_fd = -1, proc_fd = -1;

	if (!root)
		root = "/sys";
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return log_error_errno(errno, "Cannot open sysfs root %s: %m", root);

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->simsys = detect_simsys(root_fd);

	if (proc_root)
		proc_fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (s->simsys)
		proc_fd = bb_open_path_at(root_fd, ".simsys/proc");
	else
		proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		return log_error_errno(proc_fd < -1 ? proc_fd : errno,
		                       "Cannot open the proc root of %s: %m", root);

	s->root_path = strdup(root);
	if (!s->root_path)
		return -ENOMEM;
	for (size_t i = 0; i < KEPT_MAX; i++) {
		int fd = bb_open_anchor_at(root_fd, kept_paths[i]);

		s->kept[i] = fd < 0 ? -1 : fd;
	}
	s->lockdown_fd = open_lockdown(root_fd);
	s->root_fd = TAKE_FD(root_fd);
	s->proc_fd = TAKE_FD(proc_fd);
	*ret = TAKE_PTR(s);
	return 0;
}

bb_sysfs *bb_sysfs_free(bb_sysfs *s)
{
	if (!s)
		return NULL;
	closep(&s->root_fd);
	closep(&s->proc_fd);
	for (size_t i = 0; i < KEPT_MAX; i++)
		if (s->kept[i] >= 0)
			closep(&s->kept[i]);
	if (s->lockdown_fd >= 0)
		closep(&s->lockdown_fd);
	free(s->root_path);
	free(s);
	return NULL;
}

int bb_sysfs_root_fd(const bb_sysfs *s)
{
	return s->root_fd;
}

int bb_sysfs_proc_fd(const bb_sysfs *s)
{
	return s->proc_fd;
}

const char *bb_sysfs_root_path(const bb_sysfs *s)
{
	return s->root_path;
}

bool bb_sysfs_is_simsys(const bb_sysfs *s)
{
	return s->simsys;
}

int bb_address_parse(const char *address, bb_address *ret)
{
	if (!bb_valid_pci_address(address))
		return -EINVAL;
	memcpy(ret->s, address, BB_PCI_ADDRESS_LEN + 1);
	bb_pci_address_normalize(ret->s);
	return 0;
}

/*
 * Walks PATH one component at a time, never following links. Components that
 * only anchor the next lookup are opened O_PATH: on sysfs (and FUSE) that
 * costs one lookup, where a full open of a directory also opens and releases
 * it. The last one is opened fully unless ANCHOR (then it serves only as a
 * dirfd for *at() calls, not for reading the directory).
 */
static int open_path(int dirfd, const char *path, bool anchor)
{
	char buf[BB_SYSFS_PATH_MAX];
	_cleanup_close_ int fd = -1;
	char *save = NULL, *part;
	unsigned depth = 0;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (part = strtok_r(buf, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		bool last = *save == '\0';
		int next;

		if (streq(part, ".") || streq(part, "..") || ++depth > BB_SYSFS_DEPTH_MAX)
			return -EINVAL;
		if (last && !anchor)
			next = bb_open_dir_at(fd >= 0 ? fd : dirfd, part);
		else {
			next = openat(fd >= 0 ? fd : dirfd, part,
			              O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (next < 0)
				next = negative_errno();
		}
		if (next < 0)
			return next;
		closep(&fd);
		fd = next;
	}
	if (fd < 0)
		return -EINVAL;
	return TAKE_FD(fd);
}

int bb_open_path_at(int dirfd, const char *path)
{
	return open_path(dirfd, path, false);
}

int bb_open_anchor_at(int dirfd, const char *path)
{
	return open_path(dirfd, path, true);
}

int bb_sysfs_device_path(bb_sysfs *s, const bb_address *address, char *buf, size_t size)
{
	char link[BB_SYSFS_PATH_MAX];
	_cleanup_close_ int looked_up = -1;
	int devices_fd = s->kept[KEPT_DEVICES], r;

	if (devices_fd < 0) {
		/* Not there at open time (a tree still being built): look it up each time. */
		devices_fd = looked_up = bb_open_anchor_at(s->root_fd, "bus/pci/devices");
		if (devices_fd < 0)
			return devices_fd;
	}
	r = bb_readlink_at(devices_fd, address->s, link, sizeof(link));
	if (r == -ENOENT)
		return -ENODEV;
	if (r < 0)
		return r;
	/* bus/pci/devices/BDF -> ../../../devices/.../BDF */
	r = bb_link_below_root(link, 3, "devices/", address->s, buf, size);
	if (r < 0)
		return log_error_errno(r, "%s: bus/pci/devices link has an unexpected shape: %s",
		                       address->s, link);
	return 0;
}

int bb_sysfs_open_device_path(bb_sysfs *s, const bb_address *address, char *path, size_t size)
{
	int r = bb_sysfs_device_path(s, address, path, size), fd;

	if (r < 0)
		return r;
	fd = bb_open_anchor_at(s->root_fd, path);
	return fd == -ENOENT ? -ENODEV : fd;
}

int bb_sysfs_open_device(bb_sysfs *s, const bb_address *address, int *ret_fd)
{
	char path[BB_SYSFS_PATH_MAX];
	int fd = bb_sysfs_open_device_path(s, address, path, sizeof(path));

	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

static int address_cmp(const void *a, const void *b)
{
	return strcmp(((const bb_address *)a)->s, ((const bb_address *)b)->s);
}

int bb_sysfs_list_devices(bb_sysfs *s, bb_address **ret, size_t *ret_n)
{
	_cleanup_free_ bb_address *list = NULL;
	DIR *d;
	struct dirent *de;
	size_t n = 0, cap = 0;
	int fd;

	fd = bb_open_path_at(s->root_fd, "bus/pci/devices");
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return negative_errno();
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!bb_valid_pci_address(de->d_name)) {
			log_warning("Ignoring bus/pci/devices/%s: not a PCI address", de->d_name);
			continue;
		}
		if (n == BB_MAX_DEVICES) {
			closedir(d);
			return log_error_errno(E2BIG, "More than %d PCI devices", BB_MAX_DEVICES);
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			bb_address *nl = reallocarray(list, ncap, sizeof(*list));
			if (!nl) {
				closedir(d);
				return -ENOMEM;
			}
			list = nl;
			cap = ncap;
		}
		bb_address_parse(de->d_name, &list[n++]);
	}
	closedir(d);
	if (n > 0)
		qsort(list, n, sizeof(*list), address_cmp);
	*ret = TAKE_PTR(list);
	*ret_n = n;
	return 0;
}

bool bb_sysfs_driver_present(bb_sysfs *s, const char *name)
{
	_cleanup_close_ int looked_up = -1, fd = -1;
	int drivers_fd = s->kept[KEPT_DRIVERS];

	if (!bb_valid_driver_name(name))
		return false;
	if (drivers_fd < 0) {
		drivers_fd = looked_up = bb_open_anchor_at(s->root_fd, "bus/pci/drivers");
		if (drivers_fd < 0)
			return false;
	}
	fd = openat(drivers_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd >= 0;
}

int bb_sysfs_write(bb_sysfs *s, const char *path, const char *value)
{
	_cleanup_free_ char *dir = strdup(path);
	_cleanup_close_ int fd = -1;
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		return bb_write_attr_at(s->root_fd, path, value);
	*slash = '\0';
	/* drivers_probe and the drivers' unbind files: from the kept bus/pci and its drivers. */
	if (streq(dir, "bus/pci") && s->kept[KEPT_BUS_PCI] >= 0)
		return bb_write_attr_at(s->kept[KEPT_BUS_PCI], slash + 1, value);
	fd = bb_sysfs_open_anchor(s, dir);
	if (fd < 0)
		return fd;
	return bb_write_attr_at(fd, slash + 1, value);
}

/*
 * The kept directory PATH lies in or below, with the rest of PATH after it ("" when
 * PATH is that directory), or -1 when none.
 */
static int kept_below(const bb_sysfs *s, const char *path, const char **rest)
{
	for (size_t i = 0; i < KEPT_MAX; i++) {
		size_t n = strlen(kept_paths[i]);

		if (s->kept[i] < 0 || strncmp(path, kept_paths[i], n) != 0 ||
		    (path[n] != '\0' && path[n] != '/'))
			continue;
		*rest = path[n] == '/' ? path + n + 1 : "";
		return s->kept[i];
	}
	return -1;
}

static int open_below(bb_sysfs *s, const char *path, bool anchor)
{
	const char *rest;
	int dfd = kept_below(s, path, &rest), fd;

	if (dfd < 0)
		return anchor ? bb_open_anchor_at(s->root_fd, path) : bb_open_path_at(s->root_fd, path);
	if (*rest)
		return anchor ? bb_open_anchor_at(dfd, rest) : bb_open_path_at(dfd, rest);
	/* The kept directory itself: a handle of our own (the caller closes it). */
	fd = anchor ? fcntl(dfd, F_DUPFD_CLOEXEC, 3) : openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

int bb_sysfs_open_dir(bb_sysfs *s, const char *path)
{
	return open_below(s, path, false);
}

int bb_sysfs_open_anchor(bb_sysfs *s, const char *path)
{
	return open_below(s, path, true);
}

int bb_sysfs_lockdown_fd(const bb_sysfs *s)
{
	return s->lockdown_fd;
}

int bb_sysfs_read_attr_at(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

	if (fd < 0)
		return negative_errno();
	return bb_pread_attr(fd, buf, size);
}
