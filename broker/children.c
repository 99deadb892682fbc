/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "children.h"
#include "proc-facts.h"
#include "sysfs-path.h"

#define NVME_SUBSYS_DIR "devices/virtual/nvme-subsystem/"
#define HOLDER_DEPTH    4

/* The /proc texts, each read once and only when a child needs it (most devices have none). */
struct proc_texts {
	bool route_read, block_read;
	char *route, *mounts, *swaps;
};

/* A missing /proc file leaves the fact false; the warning says so. */
static char *read_proc(bb_sysfs *s, const char *name)
{
	char *text = NULL;
	int r = bb_read_proc_file(bb_sysfs_proc_fd(s), name, &text);
	if (r < 0)
		log_warning_errno(r, "Cannot read proc %s: %m", name);
	return text;
}

/*
 * PATH lies below DEVPATH and not below another PCI device further down (a
 * bridge's children's interfaces are not the bridge's own).
 */
static bool own_child(const char *devpath, const char *path)
{
	size_t dlen = strlen(devpath);

	if (strncmp(path, devpath, dlen) != 0 || path[dlen] != '/')
		return false;
	for (const char *p = path + dlen + 1; *p;) {
		const char *e = strchrnul(p, '/');
		char part[BB_PCI_ADDRESS_LEN + 1];

		if (e - p == BB_PCI_ADDRESS_LEN) {
			memcpy(part, p, BB_PCI_ADDRESS_LEN);
			part[BB_PCI_ADDRESS_LEN] = '\0';
			if (bb_valid_pci_address(part))
				return false;
		}
		p = *e ? e + 1 : e;
	}
	return true;
}

/* Reads link NAME in the directory DFD (DIRPATH below the root) and resolves it to a clean path. */
static int resolve_link_at(int dfd, const char *dirpath, const char *name, char *buf, size_t size)
{
	char link[BB_SYSFS_PATH_MAX];
	int r;

	r = bb_readlink_at(dfd, name, link, sizeof(link));
	if (r < 0)
		return r;
	return bb_resolve_link(dirpath, link, buf, size);
}

/*
 * Native NVMe multipath: class/block/nvme0n1 points to
 * devices/virtual/nvme-subsystem/nvme-subsysN/nvme0n1, and that subsystem dir
 * links to its controllers. The namespace is ours when one of them is.
 */
static bool nvme_subsystem_child(bb_sysfs *s, const char *devpath, const char *path)
{
	char subsys[BB_SYSFS_PATH_MAX], target[BB_SYSFS_PATH_MAX];
	const char *slash;
	bool ours = false;
	DIR *dir;
	struct dirent *de;
	int fd;

	if (strncmp(path, NVME_SUBSYS_DIR, strlen(NVME_SUBSYS_DIR)) != 0)
		return false;
	slash = strchr(path + strlen(NVME_SUBSYS_DIR), '/');
	if (!slash || (size_t)(slash - path) >= sizeof(subsys))
		return false;
	memcpy(subsys, path, (size_t)(slash - path));
	subsys[slash - path] = '\0';
	fd = bb_open_path_at(bb_sysfs_root_fd(s), subsys);
	if (fd < 0)
		return false;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return false;
	}
	while (!ours && (de = readdir(dir)))
		if ((de->d_type == DT_LNK || de->d_type == DT_UNKNOWN) &&
		    strncmp(de->d_name, "nvme", 4) == 0 &&
		    resolve_link_at(dirfd(dir), subsys, de->d_name, target, sizeof(target)) == 0)
			ours = own_child(devpath, target);
	closedir(dir);
	return ours;
}

static void keep_mountpoint(const char *mountpoint, void *userdata)
{
	struct bb_block_child *c = userdata;

	c->mounted = true;
	if (c->n_mountpoints < BB_MOUNTPOINTS_MAX)
		snprintf(c->mountpoints[c->n_mountpoints++], BB_MOUNTPOINT_LEN, "%s", mountpoint);
}

static void usage_by_name(const struct proc_texts *t, const char *name, struct bb_block_child *c)
{
	if (t->mounts)
		bb_mounts_text_foreach(t->mounts, name, keep_mountpoint, c);
	if (t->swaps && bb_swaps_text_uses(t->swaps, name))
		c->swap = true;
}

/*
 * What uses the block device at PATH: a mount or swap on it or a partition of
 * it, or on a device-mapper/md device holding it (/dev/dm-0, /dev/mapper/NAME,
 * /dev/md0), followed down to HOLDER_DEPTH levels.
 */
static void block_usage(bb_sysfs *s, const struct proc_texts *t, const char *path, const char *name,
                        unsigned depth, struct bb_block_child *c)
{
	char holders[BB_SYSFS_PATH_MAX], hpath[BB_SYSFS_PATH_MAX], sub[BB_SYSFS_PATH_MAX];
	char dmname[BB_CHILD_NAME_MAX];
	_cleanup_close_ int dmfd = -1;
	DIR *dir;
	struct dirent *de;
	int fd;

	usage_by_name(t, name, c);
	if (depth >= HOLDER_DEPTH ||
	    snprintf(holders, sizeof(holders), "%s/holders", path) >= (int)sizeof(holders))
		return;
	fd = bb_open_path_at(bb_sysfs_root_fd(s), holders);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= BB_CHILD_NAME_MAX)
			continue;
		c->held = true;
		if (resolve_link_at(dirfd(dir), holders, de->d_name, hpath, sizeof(hpath)) < 0)
			continue;
		/* device-mapper publishes the /dev/mapper name in dm/name. */
		if (snprintf(sub, sizeof(sub), "%s/dm", hpath) < (int)sizeof(sub)) {
			dmfd = bb_open_anchor_at(bb_sysfs_root_fd(s), sub);
			if (dmfd >= 0 && bb_sysfs_read_attr_at(dmfd, "name", dmname, sizeof(dmname)) > 0)
				usage_by_name(t, dmname, c);
			closep(&dmfd);
			dmfd = -1;
		}
		block_usage(s, t, hpath, de->d_name, depth + 1, c);
	}
	closedir(dir);
}

static void need_route(bb_sysfs *s, struct proc_texts *t)
{
	if (!t->route_read)
		t->route = read_proc(s, "net/route");
	t->route_read = true;
}

static void need_block_usage(bb_sysfs *s, struct proc_texts *t)
{
	if (!t->block_read) {
		t->mounts = read_proc(s, "mounts");
		t->swaps = read_proc(s, "swaps");
	}
	t->block_read = true;
}

static int read_class(bb_sysfs *s, const char *devpath, const char *klass, struct proc_texts *t,
                      struct bb_device *d)
{
	char cpath[64], path[BB_SYSFS_PATH_MAX];
	bool block = streq(klass, "block");
	DIR *dir;
	struct dirent *de;
	int fd, r = 0;

	snprintf(cpath, sizeof(cpath), "class/%s", klass);
	fd = bb_sysfs_open_dir(s, cpath);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return log_error_errno(fd, "Cannot open %s: %m", cpath);
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return negative_errno();
	}
	while ((de = readdir(dir))) {
		const char *name = de->d_name;

		if (name[0] == '.' || strlen(name) >= BB_CHILD_NAME_MAX)
			continue;
		/* The directory's own fd: one lookup per entry, no reopening. */
		if (resolve_link_at(dirfd(dir), cpath, name, path, sizeof(path)) < 0 ||
		    strcmp(bb_path_basename(path), name) != 0 || strncmp(path, "devices/", 8) != 0)
			continue;
		if (!own_child(devpath, path) && !(block && nvme_subsystem_child(s, devpath, path)))
			continue;
		if ((block ? d->n_block : d->n_net) == BB_MAX_CHILDREN) {
			r = log_error_errno(E2BIG, "%s: more than %d %s children", d->address.s,
			                    BB_MAX_CHILDREN, klass);
			break;
		}
		if (block) {
			struct bb_block_child *c = &d->block[d->n_block++];

			memset(c, 0, sizeof(*c));
			strcpy(c->name, name);
			need_block_usage(s, t);
			block_usage(s, t, path, name, 0, c);
		} else {
			struct bb_net_child *c = &d->net[d->n_net++];

			strcpy(c->name, name);
			need_route(s, t);
			c->default_route = t->route && bb_route_text_has_default(t->route, name);
		}
	}
	closedir(dir);
	return r;
}

int bb_read_children(bb_sysfs *s, const char *devpath, struct bb_device *d)
{
	struct proc_texts t = {0};
	int r;

	r = read_class(s, devpath, "net", &t, d);
	if (r >= 0)
		r = read_class(s, devpath, "block", &t, d);
	free(t.route);
	free(t.mounts);
	free(t.swaps);
	return r;
}
