/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "bb-macro.h"
#include "bb-validate.h"
#include "simsys-model.h"
#include "simsys-record.h"

#define REC_PROC_MAX (4u << 20)

/* One PCI device as read from the tree. */
struct rec_dev {
	char address[13];
	char path[PATH_MAX]; /* its real directory */
	unsigned vendor, device, subvendor, subdevice, class, revision;
	int iommu_group, numa_node, boot_vga; /* boot_vga -1: no file */
	char driver[BB_DRIVER_NAME_MAX + 1];
	int parent; /* index into the device array or -1 */
	json_object *net, *block;
};

struct rec_ctx {
	const char *root;
	int root_fd;
	struct rec_dev *devs;
	size_t n_devs;
	char *route, *mounts, *swaps; /* /proc facts, NULL when not found */
};

static void warn(const char *fmt, ...) _printf_(1, 2);
static void warn(const char *fmt, ...)
{
	va_list ap;

	fputs("bindbroker-simsys record: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int read_hex(int dirfd, const char *name, unsigned max, unsigned *ret)
{
	char buf[64], *end;
	unsigned long v;
	int r = bb_read_attr_at(dirfd, name, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(buf, &end, 16);
	if (errno || end == buf || *end || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static int read_int(int dirfd, const char *name, int *ret)
{
	char buf[64], *end;
	long v;
	int r = bb_read_attr_at(dirfd, name, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || *end || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* Reads a /proc-style file into a new buffer; NULL when absent or unreadable. */
static char *read_whole(int dirfd, const char *path)
{
	char *data = NULL;
	size_t len;

	if (bb_read_file_at(dirfd, path, REC_PROC_MAX, &data, &len) < 0)
		return NULL;
	return data;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of DIR's entries (without . and ..). */
static int list_dir(int dirfd, const char *path, char ***ret, size_t *ret_n)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		char **grown;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[n] = strdup(de->d_name);
		if (!names[n])
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_name);
	*ret = names;
	*ret_n = n;
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static bool valid_child_name(const char *s, size_t max, bool dots)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || streq(s, ".") || streq(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || (dots && c == '.')))
			return false;
	}
	return true;
}

static int read_device(struct rec_ctx *c, const char *address, struct rec_dev *d)
{
	char link[PATH_MAX], rel[64];
	_cleanup_close_ int fd = -1;
	int r;

	memset(d, 0, sizeof(*d));
	snprintf(d->address, sizeof(d->address), "%s", address);
	d->iommu_group = -1;
	d->numa_node = -1;
	d->boot_vga = -1;
	d->parent = -1;
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", address);
	/* The entry is a link into devices/: following it here is the point. */
	fd = openat(c->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	{
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(proc, d->path, sizeof(d->path) - 1);
		if (n < 0)
			return negative_errno();
		d->path[n] = '\0';
	}
	if ((r = read_hex(fd, "vendor", 0xffff, &d->vendor)) < 0 ||
	    (r = read_hex(fd, "device", 0xffff, &d->device)) < 0 ||
	    (r = read_hex(fd, "class", 0xffffff, &d->class)) < 0)
		return r;
	(void)read_hex(fd, "subsystem_vendor", 0xffff, &d->subvendor);
	(void)read_hex(fd, "subsystem_device", 0xffff, &d->subdevice);
	(void)read_hex(fd, "revision", 0xff, &d->revision);
	(void)read_int(fd, "numa_node", &d->numa_node);
	if (d->numa_node < -1 || d->numa_node > 1023)
		d->numa_node = -1;
	if (read_int(fd, "boot_vga", &d->boot_vga) < 0)
		d->boot_vga = -1;
	r = bb_readlink_at(fd, "iommu_group", link, sizeof(link));
	if (r > 0) {
		char *end;
		long g = strtol(bb_path_basename(link), &end, 10);
		if (*end == '\0' && g >= 0 && g <= SIM_MAX_GROUP)
			d->iommu_group = (int)g;
	}
	r = bb_readlink_at(fd, "driver", link, sizeof(link));
	if (r > 0 && bb_valid_driver_name(bb_path_basename(link)))
		snprintf(d->driver, sizeof(d->driver), "%s", bb_path_basename(link));
	else if (r > 0)
		warn("%s: driver %s has a name simsys cannot hold, recorded unbound", address,
		     bb_path_basename(link));

	d->net = json_object_new_array();
	d->block = json_object_new_array();
	if (!d->net || !d->block)
		return -ENOMEM;
	return 0;
}

/* Whether IFACE carries a default route (Destination and Mask both 0). */
static bool has_default_route(const char *route, const char *iface)
{
	const char *line = route;

	if (!route)
		return false;
	line = strchr(line, '\n'); /* skip the header */
	while (line && *++line) {
		char name[32], dest[16], gw[16], flags[16], refcnt[16], use[16], metric[16],
		    mask[16];
		if (sscanf(line, "%31s %15s %15s %15s %15s %15s %15s %15s", name, dest, gw, flags,
		           refcnt, use, metric, mask) == 8 &&
		    streq(name, iface) && streq(dest, "00000000") && streq(mask, "00000000"))
			return true;
		line = strchr(line, '\n');
	}
	return false;
}

/* The recorded device whose directory holds the class entry REL ("class/net/eth0"). */
static struct rec_dev *owner_of(struct rec_ctx *c, const char *rel, bool *partition)
{
	char real[PATH_MAX], proc[64];
	struct rec_dev *owner = NULL;
	size_t best = 0;
	ssize_t len;
	int fd, pfd;

	fd = openat(c->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	len = readlink(proc, real, sizeof(real) - 1);
	pfd = openat(fd, "partition", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	*partition = pfd >= 0;
	if (pfd >= 0)
		close(pfd);
	close(fd);
	if (len < 0)
		return NULL;
	real[len] = '\0';
	/* The deepest device whose directory contains it (net may sit below virtioN/). */
	for (size_t j = 0; j < c->n_devs; j++) {
		size_t pl = strlen(c->devs[j].path);
		if (pl > best && strncmp(real, c->devs[j].path, pl) == 0 && real[pl] == '/') {
			owner = &c->devs[j];
			best = pl;
		}
	}
	return owner;
}

static void add_net(struct rec_ctx *c)
{
	char **names = NULL;
	size_t n = 0;

	if (list_dir(c->root_fd, "class/net", &names, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char rel[PATH_MAX];
		struct rec_dev *d;
		bool partition;
		json_object *o;

		snprintf(rel, sizeof(rel), "class/net/%s", names[i]);
		d = owner_of(c, rel, &partition);
		if (!d)
			continue;
		if (!valid_child_name(names[i], 15, true)) {
			warn("%s: interface %s skipped (name)", d->address, names[i]);
			continue;
		}
		if (json_object_array_length(d->net) >= SIM_MAX_NET) {
			warn("%s: more than %d interfaces, %s skipped", d->address, SIM_MAX_NET,
			     names[i]);
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(names[i]));
		if (has_default_route(c->route, names[i]))
			json_object_object_add(o, "default_route", json_object_new_boolean(true));
		json_object_array_add(d->net, o);
	}
	free_names(names, n);
}

/* Adds "mounts" and "swap" for /dev/NAME from the /proc facts. */
static void block_facts(struct rec_ctx *c, const char *name, json_object *o)
{
	json_object *mounts = json_object_new_array();
	char dev[64];

	snprintf(dev, sizeof(dev), "/dev/%s", name);
	for (const char *line = c->mounts; line && *line;) {
		char source[256], target[SIM_MOUNT_PATH_MAX + 1];
		/* Mount points with escaped characters (\040) cannot be held: skipped. */
		if (sscanf(line, "%255s %256s", source, target) == 2 && streq(source, dev) &&
		    target[0] == '/' && !strchr(target, '\\') &&
		    json_object_array_length(mounts) < SIM_MAX_MOUNTS)
			json_object_array_add(mounts, json_object_new_string(target));
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (json_object_array_length(mounts) > 0)
		json_object_object_add(o, "mounts", mounts);
	else
		json_object_put(mounts);
	for (const char *line = c->swaps ? strchr(c->swaps, '\n') : NULL; line && *++line;) {
		char source[256];
		if (sscanf(line, "%255s", source) == 1 && streq(source, dev)) {
			json_object_object_add(o, "swap", json_object_new_boolean(true));
			break;
		}
		line = strchr(line, '\n');
	}
}

/* The partitions of DISK: its subdirectories that have a "partition" file. */
static json_object *partitions_of(struct rec_ctx *c, const char *disk)
{
	json_object *parts = json_object_new_array();
	char **names = NULL, rel[PATH_MAX];
	size_t n = 0;

	snprintf(rel, sizeof(rel), "class/block/%s", disk);
	if (list_dir(c->root_fd, rel, &names, &n) < 0)
		return parts;
	for (size_t i = 0; i < n; i++) {
		char prel[PATH_MAX];
		json_object *o;
		int fd;

		if (!sim_valid_partition_name(names[i], disk))
			continue;
		snprintf(prel, sizeof(prel), "class/block/%s/%s/partition", disk, names[i]);
		fd = openat(c->root_fd, prel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		close(fd);
		if (json_object_array_length(parts) >= SIM_MAX_PARTS) {
			warn("%s: more than %d partitions, %s skipped", disk, SIM_MAX_PARTS,
			     names[i]);
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(names[i]));
		block_facts(c, names[i], o);
		json_object_array_add(parts, o);
	}
	free_names(names, n);
	return parts;
}

/* class/block entries that are whole disks below a PCI device go to that device. */
static void add_blocks(struct rec_ctx *c)
{
	char **names = NULL;
	size_t n = 0;

	if (list_dir(c->root_fd, "class/block", &names, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char rel[PATH_MAX];
		struct rec_dev *owner;
		bool partition;
		json_object *o, *parts;

		snprintf(rel, sizeof(rel), "class/block/%s", names[i]);
		owner = owner_of(c, rel, &partition);
		/* Partitions are recorded inside their disk. */
		if (!owner || partition)
			continue;
		if (!valid_child_name(names[i], 31, false)) {
			warn("%s: block device %s skipped (name)", owner->address, names[i]);
			continue;
		}
		if (json_object_array_length(owner->block) >= SIM_MAX_BLOCK) {
			warn("%s: more than %d block devices, %s skipped", owner->address,
			     SIM_MAX_BLOCK, names[i]);
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(names[i]));
		block_facts(c, names[i], o);
		parts = partitions_of(c, names[i]);
		if (json_object_array_length(parts) > 0)
			json_object_object_add(o, "partitions", parts);
		else
			json_object_put(parts);
		json_object_array_add(owner->block, o);
	}
	free_names(names, n);
}

static void hex_field(json_object *o, const char *key, unsigned v, int width)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%0*x", width, v);
	json_object_object_add(o, key, json_object_new_string(buf));
}

static json_object *device_json(const struct rec_ctx *c, const struct rec_dev *d)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "address", json_object_new_string(d->address));
	hex_field(o, "vendor", d->vendor, 4);
	hex_field(o, "device", d->device, 4);
	hex_field(o, "subsystem_vendor", d->subvendor, 4);
	hex_field(o, "subsystem_device", d->subdevice, 4);
	hex_field(o, "class", d->class, 6);
	hex_field(o, "revision", d->revision, 2);
	if (d->iommu_group >= 0)
		json_object_object_add(o, "iommu_group", json_object_new_int(d->iommu_group));
	if (d->boot_vga >= 0 && ((d->class >> 8) == 0x0300 || (d->class >> 8) == 0x0001))
		json_object_object_add(o, "boot_vga", json_object_new_boolean(d->boot_vga == 1));
	json_object_object_add(o, "numa_node", json_object_new_int(d->numa_node));
	if (d->parent >= 0)
		json_object_object_add(o, "parent",
		                       json_object_new_string(c->devs[d->parent].address));
	if (json_object_array_length(d->net))
		json_object_object_add(o, "net", json_object_get(d->net));
	if (json_object_array_length(d->block))
		json_object_object_add(o, "block", json_object_get(d->block));
	return o;
}

static bool is_vfio_driver(const char *name)
{
	size_t n = strlen(name);
	return streq(name, "vfio-pci") || (n > 9 && streq(name + n - 9, "_vfio_pci"));
}

/* Same vendor, device and subsystem ids: a topology cannot tell such twins apart. */
static bool twins(const struct rec_dev *a, const struct rec_dev *b)
{
	return a->vendor == b->vendor && a->device == b->device && a->subvendor == b->subvendor &&
	       a->subdevice == b->subdevice;
}

/*
 * bus/pci/drivers/NAME with one exact id per device it holds, so the boot probe
 * binds the same devices again. A vfio driver that holds devices got them through
 * an override or new_id, which a topology cannot state: it is recorded with plain
 * ids for them (not override_only), which reproduces the binding.
 */
static json_object *driver_json(struct rec_ctx *c, const char *name)
{
	json_object *o = json_object_new_object(), *ids = json_object_new_array();
	char rel[PATH_MAX], link[PATH_MAX];
	_cleanup_close_ int fd = -1;
	const char *module = name;

	json_object_object_add(o, "name", json_object_new_string(name));
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s", name);
	fd = openat(c->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Built-in drivers have no module link; their module is named after them. */
	if (fd >= 0 && bb_readlink_at(fd, "module", link, sizeof(link)) > 0 &&
	    bb_valid_driver_name(bb_path_basename(link)))
		module = bb_path_basename(link);
	/* Without a module link (built in) the topology's default applies: '-' -> '_'. */
	if (module != name)
		json_object_object_add(o, "module", json_object_new_string(module));
	for (size_t i = 0; i < c->n_devs; i++) {
		const struct rec_dev *d = &c->devs[i];
		bool dup = false;
		json_object *id;

		if (!streq(d->driver, name))
			continue;
		for (size_t j = 0; j < c->n_devs; j++) {
			const struct rec_dev *e = &c->devs[j];
			if (j < i && streq(e->driver, name) && twins(d, e))
				dup = true;
			if (j != i && !streq(e->driver, name) && twins(d, e))
				warn("%s (%s) and %s (%s) have the same ids: both will bind to the "
				     "first matching driver",
				     d->address, name, e->address,
				     e->driver[0] ? e->driver : "unbound");
		}
		if (dup)
			continue;
		if (json_object_array_length(ids) >= SIM_MAX_IDS) {
			warn("driver %s: more than %d distinct ids, %s skipped", name, SIM_MAX_IDS,
			     d->address);
			continue;
		}
		id = json_object_new_object();
		hex_field(id, "vendor", d->vendor, 4);
		hex_field(id, "device", d->device, 4);
		hex_field(id, "subsystem_vendor", d->subvendor, 4);
		hex_field(id, "subsystem_device", d->subdevice, 4);
		json_object_array_add(ids, id);
	}
	if (is_vfio_driver(name) && json_object_array_length(ids) == 0)
		json_object_object_add(o, "override_only", json_object_new_boolean(true));
	json_object_object_add(o, "ids", ids);
	return o;
}

static const char *lockdown_of(struct rec_ctx *c)
{
	static const char *const levels[] = {"none", "integrity", "confidentiality"};
	char buf[128];

	if (bb_read_attr_at(c->root_fd, "kernel/security/lockdown", buf, sizeof(buf)) < 0)
		return "unsupported";
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		char want[40];
		snprintf(want, sizeof(want), "[%s]", levels[i]);
		if (strstr(buf, want))
			return levels[i];
	}
	return "unsupported";
}

static void load_proc_facts(struct rec_ctx *c)
{
	char real[PATH_MAX];
	bool is_sys = realpath(c->root, real) && streq(real, "/sys");

	/* A simsys mount carries its own /proc facts; the real /sys goes with /proc. */
	c->route = read_whole(c->root_fd, ".simsys/proc/net/route");
	c->mounts = read_whole(c->root_fd, ".simsys/proc/mounts");
	c->swaps = read_whole(c->root_fd, ".simsys/proc/swaps");
	if (is_sys) {
		/* The files themselves, not the links /proc/mounts -> self/mounts (O_NOFOLLOW). */
		if (!c->route)
			c->route = read_whole(AT_FDCWD, "/proc/self/net/route");
		if (!c->mounts)
			c->mounts = read_whole(AT_FDCWD, "/proc/self/mounts");
		if (!c->swaps)
			c->swaps = read_whole(AT_FDCWD, "/proc/swaps");
	}
}

int sim_record(const char *sysfs_root, FILE *out)
{
	struct rec_ctx c = {.root = sysfs_root, .root_fd = -1};
	json_object *top = NULL, *drivers, *devices;
	char **names = NULL, **drv_names = NULL;
	size_t n = 0, n_drv = 0;
	int r;

	c.root_fd = open(sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.root_fd < 0) {
		r = negative_errno();
		warn("%s: %s", sysfs_root, strerror(-r));
		return r;
	}
	r = list_dir(c.root_fd, "bus/pci/devices", &names, &n);
	if (r < 0) {
		warn("%s/bus/pci/devices: %s", sysfs_root, strerror(-r));
		goto out;
	}
	load_proc_facts(&c);
	c.devs = calloc(n ? n : 1, sizeof(*c.devs));
	if (!c.devs) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!bb_valid_pci_address(names[i])) {
			warn("bus/pci/devices/%s: not a PCI address, skipped", names[i]);
			continue;
		}
		if (c.n_devs >= SIM_MAX_DEVICES) {
			warn("more than %d devices, the rest skipped", SIM_MAX_DEVICES);
			break;
		}
		r = read_device(&c, names[i], &c.devs[c.n_devs]);
		if (r < 0) {
			warn("bus/pci/devices/%s: %s, skipped", names[i], strerror(-r));
			json_object_put(c.devs[c.n_devs].net);
			json_object_put(c.devs[c.n_devs].block);
			continue;
		}
		c.n_devs++;
	}
	/* Parents: the directory above, when it is a recorded bridge. */
	for (size_t i = 0; i < c.n_devs; i++) {
		char up[PATH_MAX], *slash;
		snprintf(up, sizeof(up), "%s", c.devs[i].path);
		slash = strrchr(up, '/');
		if (!slash)
			continue;
		*slash = '\0';
		for (size_t j = 0; j < c.n_devs; j++)
			if (j != i && streq(c.devs[j].path, up) && (c.devs[j].class >> 8) == 0x0604)
				c.devs[i].parent = (int)j;
	}
	add_net(&c);
	add_blocks(&c);

	top = json_object_new_object();
	json_object_object_add(top, "lockdown", json_object_new_string(lockdown_of(&c)));
	drivers = json_object_new_array();
	if (list_dir(c.root_fd, "bus/pci/drivers", &drv_names, &n_drv) == 0) {
		for (size_t i = 0; i < n_drv; i++) {
			if (!bb_valid_driver_name(drv_names[i])) {
				warn("driver %s skipped (name)", drv_names[i]);
				continue;
			}
			if (json_object_array_length(drivers) >= SIM_MAX_DRIVERS) {
				warn("more than %d drivers, the rest skipped", SIM_MAX_DRIVERS);
				break;
			}
			json_object_array_add(drivers, driver_json(&c, drv_names[i]));
		}
	}
	json_object_object_add(top, "drivers", drivers);
	devices = json_object_new_array();
	for (size_t i = 0; i < c.n_devs; i++)
		json_object_array_add(devices, device_json(&c, &c.devs[i]));
	json_object_object_add(top, "devices", devices);
	fprintf(out, "%s\n",
	        json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
	                                                JSON_C_TO_STRING_SPACED |
	                                                JSON_C_TO_STRING_NOSLASHESCAPE));
	r = fflush(out) == 0 ? 0 : -EIO;
out:
	json_object_put(top);
	for (size_t i = 0; i < c.n_devs; i++) {
		json_object_put(c.devs[i].net);
		json_object_put(c.devs[i].block);
	}
	free(c.devs);
	free_names(names, n);
	free_names(drv_names, n_drv);
	free(c.route);
	free(c.mounts);
	free(c.swaps);
	close(c.root_fd);
	return r;
}
