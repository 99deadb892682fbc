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

struct bb_sysfs {
	int root_fd;
	int proc_fd;
	int devices_fd; /* O_PATH bus/pci/devices, kept: every request resolves a device there */
	int bus_pci_fd; /* O_PATH bus/pci, kept: drivers and drivers_probe are below it */
	int drivers_fd; /* O_PATH bus/pci/drivers, kept: driver checks and unbind files */
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
	s->devices_fd = bb_open_anchor_at(root_fd, "bus/pci/devices");
	s->bus_pci_fd = bb_open_anchor_at(root_fd, "bus/pci");
	s->drivers_fd = bb_open_anchor_at(root_fd, "bus/pci/drivers");
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
	if (s->devices_fd >= 0)
		closep(&s->devices_fd);
	if (s->bus_pci_fd >= 0)
		closep(&s->bus_pci_fd);
	if (s->drivers_fd >= 0)
		closep(&s->drivers_fd);
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
	_cleanup_close_ int devices_fd = -1;
	int r;

	if (s->devices_fd < 0) {
		/* Not there at open time (a tree still being built): look it up each time. */
		devices_fd = bb_open_anchor_at(s->root_fd, "bus/pci/devices");
		if (devices_fd < 0)
			return devices_fd;
	}
	r = bb_readlink_at(s->devices_fd >= 0 ? s->devices_fd : devices_fd, address->s, link,
	                   sizeof(link));
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

int bb_sysfs_open_device(bb_sysfs *s, const bb_address *address, int *ret_fd)
{
	char path[BB_SYSFS_PATH_MAX];
	int r, fd;

	r = bb_sysfs_device_path(s, address, path, sizeof(path));
	if (r < 0)
		return r;
	fd = bb_open_anchor_at(s->root_fd, path);
	if (fd == -ENOENT)
		return -ENODEV;
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
	_cleanup_close_ int drivers_fd = -1, fd = -1;

	if (!bb_valid_driver_name(name))
		return false;
	if (s->drivers_fd < 0) {
		drivers_fd = bb_open_anchor_at(s->root_fd, "bus/pci/drivers");
		if (drivers_fd < 0)
			return false;
	}
	fd = openat(s->drivers_fd >= 0 ? s->drivers_fd : drivers_fd, name,
	            O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
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
	/* drivers_probe and the drivers' unbind files: start from the kept bus/pci. */
	if (s->bus_pci_fd >= 0 && streq(dir, "bus/pci"))
		return bb_write_attr_at(s->bus_pci_fd, slash + 1, value);
	if (s->drivers_fd >= 0 && strncmp(dir, "bus/pci/drivers/", 16) == 0)
		fd = bb_open_anchor_at(s->drivers_fd, dir + 16);
	else if (s->bus_pci_fd >= 0 && strncmp(dir, "bus/pci/", 8) == 0)
		fd = bb_open_anchor_at(s->bus_pci_fd, dir + 8);
	else
		fd = bb_open_anchor_at(s->root_fd, dir);
	if (fd < 0)
		return fd;
	return bb_write_attr_at(fd, slash + 1, value);
}

int bb_sysfs_read_attr_at(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (size < 2)
		return -EINVAL;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	do
		n = pread(fd, buf, size, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	return bb_sysfs_attr_text(buf, (size_t)n, size);
}

int bb_sysfs_attr_text(char *buf, size_t len, size_t size)
{
	/* A full buffer may be a cut value: refuse it rather than judge half of it. */
	if (len >= size)
		return -EFBIG;
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	return (int)len;
}
