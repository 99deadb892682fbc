/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bb-device.h"
#include "bb-fileio.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "children.h"
#include "pinned-device.h"
#include "sysfs-path.h"

/* Parses "0x" followed by exactly WIDTH hex digits. */
static int parse_hex_attr(const char *s, unsigned width, uint32_t *ret)
{
	uint32_t v = 0;

	if (strlen(s) != 2 + width || s[0] != '0' || s[1] != 'x')
		return -EBADMSG;
	for (unsigned i = 2; i < 2 + width; i++) {
		char c = s[i];
		int d = (c >= '0' && c <= '9')   ? c - '0'
		        : (c >= 'a' && c <= 'f') ? c - 'a' + 10
		        : (c >= 'A' && c <= 'F') ? c - 'A' + 10
		                                 : -1;
		if (d < 0)
			return -EBADMSG;
		v = v * 16 + (uint32_t)d;
	}
	*ret = v;
	return 0;
}

static int read_hex(int dfd, const bb_address *a, const char *name, unsigned width, uint32_t *ret)
{
	char buf[32];
	int r;

	r = bb_sysfs_read_attr_at(dfd, name, buf, sizeof(buf));
	if (r >= 0)
		r = parse_hex_attr(buf, width, ret);
	if (r < 0)
		return log_error_errno(r, "%s: cannot read %s: %m", a->s, name);
	return 0;
}

int bb_device_read_driver_at(int dfd, const bb_address *a, int depth, char *buf, size_t size)
{
	char link[BB_SYSFS_PATH_MAX], path[BB_SYSFS_PATH_MAX];
	const char *name;
	int r;

	r = bb_readlink_at(dfd, "driver", link, sizeof(link));
	if (r == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "%s: cannot read the driver link: %m", a->s);
	r = bb_link_below_root(link, (unsigned)depth, "bus/pci/drivers/", NULL, path, sizeof(path));
	name = r < 0 ? "" : bb_path_basename(path);
	if (r < 0 || bb_path_depth(path) != 4 || !bb_valid_driver_name(name))
		return log_error_errno(EBADMSG, "%s: driver link has an unexpected shape: %s", a->s,
		                       link);
	if (strlen(name) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, name);
	return 0;
}

/* The ids, class, revision and modalias through the directory DFD: uevent and revision. */
static int read_ids_quietly(int dfd, const bb_address *a, struct bb_device *d)
{
	char text[BB_UEVENT_MAX], rev[32];
	int r;

	d->address = *a;
	/*
	 * One read of uevent gives the ids, class and modalias together (the kernel formats
	 * them from the same device in one call), where six reads did before.
	 */
	r = bb_sysfs_read_attr_at(dfd, "uevent", text, sizeof(text));
	if (r < 0)
		return r;
	r = bb_parse_pci_uevent(text, a, d);
	if (r < 0)
		return r;
	r = bb_sysfs_read_attr_at(dfd, "revision", rev, sizeof(rev));
	if (r < 0)
		return r;
	return bb_parse_revision(rev, &d->revision);
}

int bb_parse_revision(const char *text, uint8_t *ret)
{
	uint32_t v;
	int r = parse_hex_attr(text, 2, &v);

	if (r < 0)
		return r;
	*ret = (uint8_t)v;
	return 0;
}

/* The ids, class and revision: what tells one device from another at the same address. */
static int read_ids_at(int dfd, const bb_address *a, struct bb_device *d)
{
	int r = read_ids_quietly(dfd, a, d);

	if (r < 0)
		return log_error_errno(r, "%s: cannot read its ids (uevent, revision): %m", a->s);
	return 0;
}

/* Exactly WIDTH hex digits (WIDTH 0: 1 to 6), either case, as the kernel's %04X / %X. */
static bool parse_hex_n(const char *s, size_t len, size_t width, uint32_t *ret)
{
	uint32_t v = 0;

	if (width ? len != width : (len < 1 || len > 6))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int dg = (c >= '0' && c <= '9')   ? c - '0'
		         : (c >= 'a' && c <= 'f') ? c - 'a' + 10
		         : (c >= 'A' && c <= 'F') ? c - 'A' + 10
		                                  : -1;
		if (dg < 0)
			return false;
		v = v * 16 + (uint32_t)dg;
	}
	*ret = v;
	return true;
}

/* "XXXX:YYYY" */
static bool parse_id_pair(const char *s, size_t len, uint16_t *x, uint16_t *y)
{
	uint32_t a, b;

	if (len != 9 || s[4] != ':' || !parse_hex_n(s, 4, 4, &a) || !parse_hex_n(s + 5, 4, 4, &b))
		return false;
	*x = (uint16_t)a;
	*y = (uint16_t)b;
	return true;
}

int bb_parse_pci_uevent(char *text, const bb_address *a, struct bb_device *d)
{
	enum { K_ID, K_SUBSYS, K_CLASS, K_SLOT, K_MODALIAS, K_MAX };
	static const char *const keys[K_MAX] = {"PCI_ID", "PCI_SUBSYS_ID", "PCI_CLASS",
	                                        "PCI_SLOT_NAME", "MODALIAS"};
	bool seen[K_MAX] = {false};
	char *line = text;

	while (*line) {
		char *nl = strchr(line, '\n'), *eq;
		size_t vlen;
		int k = -1;

		if (nl)
			*nl = '\0';
		eq = strchr(line, '=');
		if (!eq)
			return -EBADMSG;
		*eq = '\0';
		vlen = strlen(eq + 1);
		for (int i = 0; i < K_MAX; i++)
			if (streq(line, keys[i]))
				k = i;
		if (k >= 0) {
			const char *v = eq + 1;
			uint32_t cls;

			if (seen[k])
				return -EBADMSG;
			seen[k] = true;
			switch (k) {
			case K_ID:
				if (!parse_id_pair(v, vlen, &d->vendor, &d->device))
					return -EBADMSG;
				break;
			case K_SUBSYS:
				if (!parse_id_pair(v, vlen, &d->subsystem_vendor,
				                   &d->subsystem_device))
					return -EBADMSG;
				break;
			case K_CLASS:
				if (!parse_hex_n(v, vlen, 0, &cls))
					return -EBADMSG;
				d->class_code = cls;
				break;
			case K_SLOT:
				/* Another device's uevent (or a renamed one) is not this device. */
				if (!streq(v, a->s))
					return -EBADMSG;
				break;
			case K_MODALIAS:
				if (vlen >= sizeof(d->modalias) || strncmp(v, "pci:", 4) != 0)
					return -EBADMSG;
				memcpy(d->modalias, v, vlen + 1);
				break;
			}
		}
		/* Other keys (the kernel may add some) are not ours to judge. */
		if (!nl)
			break;
		line = nl + 1;
	}
	for (int i = 0; i < K_MAX; i++)
		if (!seen[i])
			return -EBADMSG;
	return 0;
}

/* The override and the driver link: what the basic facts add to the identity. */
static int read_binding_at(int dfd, int depth, const bb_address *a, struct bb_device *d)
{
	char buf[BB_ATTR_MAX];
	int r;

	r = bb_sysfs_read_attr_at(dfd, "driver_override", buf, sizeof(buf));
	if (r < 0)
		return log_error_errno(r, "%s: cannot read driver_override: %m", a->s);
	d->override_unusual = false;
	if (streq(buf, "(null)"))
		d->driver_override[0] = '\0';
	else if (bb_valid_driver_name(buf))
		strcpy(d->driver_override, buf);
	else {
		d->driver_override[0] = '\0';
		d->override_unusual = true;
	}

	return bb_device_read_driver_at(dfd, a, depth, d->driver, sizeof(d->driver));
}

static int read_basic_at(int dfd, int depth, const bb_address *a, struct bb_device *d)
{
	int r = read_ids_at(dfd, a, d);

	return r < 0 ? r : read_binding_at(dfd, depth, a, d);
}

/* RET as "no group, no boot_vga attribute", nothing read yet. */
static void clear_device(const bb_address *address, struct bb_device *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->iommu_group = -1;
	ret->boot_vga = -1;
	ret->address = *address;
}

/* Clears RET and opens the device's directory. */
static int open_device(bb_sysfs *s, const bb_address *address, struct bb_device *ret,
                       int *ret_depth)
{
	char path[BB_SYSFS_PATH_MAX];
	int dfd;

	clear_device(address, ret);
	dfd = bb_sysfs_open_device_path(s, address, path, sizeof(path));
	if (dfd >= 0)
		*ret_depth = bb_path_depth(path);
	return dfd;
}

int bb_device_read_basic(bb_sysfs *s, const bb_address *address, struct bb_device *ret)
{
	_cleanup_close_ int dfd = -1;
	int depth = 0;

	dfd = open_device(s, address, ret, &depth);
	if (dfd < 0)
		return dfd;
	return read_basic_at(dfd, depth, address, ret);
}

int bb_device_read_basic_at(int dfd, int depth, const bb_address *address, struct bb_device *ret)
{
	clear_device(address, ret);
	return read_basic_at(dfd, depth, address, ret);
}

int bb_device_read_driver(bb_sysfs *s, const bb_address *address, char *buf, size_t size)
{
	char path[BB_SYSFS_PATH_MAX];
	_cleanup_close_ int dfd = -1;

	dfd = bb_sysfs_open_device_path(s, address, path, sizeof(path));
	if (dfd < 0)
		return dfd;
	return bb_device_read_driver_at(dfd, address, bb_path_depth(path), buf, size);
}

bool bb_class_is_bridge(uint32_t class_code)
{
	uint32_t cls = class_code >> 8;
	return cls == 0x0600 || cls == 0x0604 || cls == 0x0609;
}

bool bb_driver_is_vfio(const char *driver)
{
	size_t n = strlen(driver);

	if (n < 8)
		return false;
	return streq(driver + n - 8, "vfio_pci") || streq(driver + n - 8, "vfio-pci");
}

bool bb_device_same_identity(const struct bb_device *a, const struct bb_device *b)
{
	return a->vendor == b->vendor && a->device == b->device &&
	       a->subsystem_vendor == b->subsystem_vendor &&
	       a->subsystem_device == b->subsystem_device && a->class_code == b->class_code &&
	       a->revision == b->revision;
}

/* What a group member contributes to the group facts: class and driver. */
static int read_member(bb_sysfs *s, const bb_address *a, struct bb_device *m)
{
	char path[BB_SYSFS_PATH_MAX];
	_cleanup_close_ int dfd = -1;
	int r;

	dfd = bb_sysfs_open_device_path(s, a, path, sizeof(path));
	if (dfd < 0)
		return dfd;
	r = read_hex(dfd, a, "class", 6, &m->class_code);
	if (r < 0)
		return r;
	return bb_device_read_driver_at(dfd, a, bb_path_depth(path), m->driver, sizeof(m->driver));
}

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bb_group_member *)a)->address.s,
	              ((const struct bb_group_member *)b)->address.s);
}

static int read_group(bb_sysfs *s, int dfd, int depth, struct bb_device *d)
{
	char link[BB_SYSFS_PATH_MAX], path[BB_SYSFS_PATH_MAX];
	const char *num;
	_cleanup_close_ int gfd = -1;
	char *end;
	long n;
	DIR *dir;
	struct dirent *de;
	int r;

	r = bb_readlink_at(dfd, "iommu_group", link, sizeof(link));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_error_errno(r, "%s: cannot read iommu_group: %m", d->address.s);
	r = bb_link_below_root(link, (unsigned)depth, "kernel/iommu_groups/", NULL, path,
	                       sizeof(path));
	if (r < 0)
		path[0] = '\0';
	num = bb_path_basename(path);
	errno = 0;
	n = strtol(num, &end, 10);
	if (r < 0 || bb_path_depth(path) != 3 || *num == '\0' || *end != '\0' || errno != 0 || n < 0 ||
	    n > 1000000 || (num[0] == '0' && num[1] != '\0'))
		return log_error_errno(EBADMSG, "%s: iommu_group link has an unexpected shape: %s",
		                       d->address.s, link);
	d->iommu_group = (int)n;

	strncat(path, "/devices", sizeof(path) - strlen(path) - 1);
	gfd = bb_sysfs_open_dir(s, path);
	if (gfd < 0)
		return log_error_errno(gfd, "%s: cannot open %s: %m", d->address.s, path);
	dir = fdopendir(gfd);
	if (!dir)
		return negative_errno();
	gfd = -1;
	r = 0;
	while ((de = readdir(dir))) {
		struct bb_device m;
		struct bb_group_member *gm;

		if (de->d_name[0] == '.')
			continue;
		if (!bb_valid_pci_address(de->d_name)) {
			r = log_error_errno(EBADMSG, "IOMMU group %d lists %s: not a PCI address",
			                    d->iommu_group, de->d_name);
			break;
		}
		if (d->n_group == BB_MAX_GROUP_MEMBERS) {
			r = log_error_errno(E2BIG, "IOMMU group %d has more than %d members",
			                    d->iommu_group, BB_MAX_GROUP_MEMBERS);
			break;
		}
		gm = &d->group[d->n_group];
		bb_address_parse(de->d_name, &gm->address);
		/* The device itself was just read; other members need only class and driver. */
		if (streq(gm->address.s, d->address.s)) {
			m.class_code = d->class_code;
			strcpy(m.driver, d->driver);
		} else {
			r = read_member(s, &gm->address, &m);
			if (r < 0)
				break;
		}
		strcpy(gm->driver, m.driver);
		gm->class_code = m.class_code;
		gm->bridge = bb_class_is_bridge(m.class_code);
		d->n_group++;
	}
	closedir(dir);
	/* readdir order is the file system's; callers (group bind) want a stable one. */
	if (r >= 0)
		qsort(d->group, d->n_group, sizeof(d->group[0]), member_cmp);
	return r;
}

int bb_device_read_pinned(bb_sysfs *s, struct bb_pinned_device *pin, struct bb_device *ret)
{
	const bb_address *a = &pin->address;
	char buf[16];
	int r;

	clear_device(a, ret);
	r = bb_pinned_device_read_ids(pin, ret);
	if (r >= 0)
		r = bb_pinned_device_read_revision(pin, ret);
	if (r < 0)
		return log_error_errno(r, "%s: cannot read its ids (uevent, revision): %m", a->s);
	r = read_binding_at(pin->dirfd, pin->depth, a, ret);
	if (r < 0)
		return r;
	r = bb_sysfs_read_attr_at(pin->dirfd, "boot_vga", buf, sizeof(buf));
	if (r >= 0) {
		if (!streq(buf, "0") && !streq(buf, "1"))
			return log_error_errno(EBADMSG, "%s: boot_vga is neither 0 nor 1", a->s);
		ret->boot_vga = buf[0] == '1';
	} else if (r != -ENOENT)
		return log_error_errno(r, "%s: cannot read boot_vga: %m", a->s);

	r = read_group(s, pin->dirfd, pin->depth, ret);
	if (r < 0)
		return r;

	r = bb_read_children(s, pin->path, ret);
	return r < 0 ? r : 0;
}

int bb_device_read(bb_sysfs *s, const char *address, struct bb_device *ret)
{
	struct bb_pinned_device pin = BB_PINNED_DEVICE_INIT;
	bb_address a = {{0}};
	int r;

	clear_device(&a, ret);
	if (bb_address_parse(address, &a) < 0)
		return log_error_errno(EINVAL, "Invalid device address (want DDDD:BB:DD.F)");
	r = bb_pinned_device_open(s, &a, &pin);
	if (r >= 0)
		r = bb_device_read_pinned(s, &pin, ret);
	bb_pinned_device_close(&pin);
	return r;
}
