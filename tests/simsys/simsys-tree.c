/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-macro.h"
#include "simsys-tree.h"

#define EMIT(name_, ...)                                                                           \
	do {                                                                                       \
		struct sim_node _n = {__VA_ARGS__};                                                \
		int _r = cb(userdata, (name_), &_n);                                               \
		if (_r)                                                                            \
			return _r;                                                                 \
	} while (0)

#define DIR_(w)     .type = SIM_NODE_DIR, .what = (w), .perm = 0755
#define FILE_(w, p) .type = SIM_NODE_FILE, .what = (w), .perm = (p)
#define LINK_(w)    .type = SIM_NODE_LINK, .what = (w), .perm = 0777

int sim_nvme_ctrl(const char *name)
{
	unsigned ctrl, ns;
	int end = 0;

	if (sscanf(name, "nvme%un%u%n", &ctrl, &ns, &end) == 2 && name[end] == '\0' &&
	    ctrl < 100000)
		return (int)ctrl;
	return -1;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

/* Sorted distinct values KEY(d) over live devices (KEY < 0 skipped). Caller frees. */
static unsigned *distinct_keys(struct sim_machine *m, long (*key)(const struct sim_device *),
                               size_t *ret_n)
{
	unsigned *v = calloc(m->n_devices + 1, sizeof(*v));
	size_t n = 0, out = 0;

	if (!v)
		return NULL;
	for (size_t i = 0; i < m->n_devices; i++) {
		long k = key(m->devices[i]);
		if (k >= 0)
			v[n++] = (unsigned)k;
	}
	qsort(v, n, sizeof(*v), cmp_uint);
	for (size_t i = 0; i < n; i++)
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	*ret_n = out;
	return v;
}

static long group_key(const struct sim_device *d)
{
	return d->iommu_group;
}

static long root_bus_key(const struct sim_device *d)
{
	return d->parent ? -1 : (long)(d->domain << 8 | d->bus);
}

static bool has_nvme(const struct sim_device *d)
{
	for (size_t i = 0; i < d->n_block; i++)
		if (sim_nvme_ctrl(d->block[i].name) >= 0)
			return true;
	return false;
}

static bool has_plain_block(const struct sim_device *d)
{
	for (size_t i = 0; i < d->n_block; i++)
		if (sim_nvme_ctrl(d->block[i].name) < 0)
			return true;
	return false;
}

/* Is DRV the first loaded driver of its module (the one that names module/MOD)? */
static bool first_of_module(struct sim_machine *m, const struct sim_driver *drv)
{
	for (size_t i = 0; i < m->n_drivers; i++) {
		const struct sim_driver *o = m->drivers[i];
		if (o == drv)
			return true;
		if (o->loaded && streq(o->module, drv->module))
			return false;
	}
	return false;
}

static int list_device(struct sim_machine *m, struct sim_device *d, sim_tree_cb cb, void *userdata)
{
	EMIT("vendor", FILE_(F_VENDOR, 0444), .dev = d);
	EMIT("device", FILE_(F_DEVICE, 0444), .dev = d);
	EMIT("subsystem_vendor", FILE_(F_SUBVENDOR, 0444), .dev = d);
	EMIT("subsystem_device", FILE_(F_SUBDEVICE, 0444), .dev = d);
	EMIT("class", FILE_(F_CLASS, 0444), .dev = d);
	EMIT("revision", FILE_(F_REVISION, 0444), .dev = d);
	EMIT("modalias", FILE_(F_MODALIAS, 0444), .dev = d);
	EMIT("driver_override", FILE_(F_OVERRIDE, 0644), .dev = d);
	if (sim_device_is_vga(d))
		EMIT("boot_vga", FILE_(F_BOOT_VGA, 0444), .dev = d);
	EMIT("numa_node", FILE_(F_NUMA, 0444), .dev = d);
	EMIT("config", FILE_(F_CONFIG, 0444), .dev = d);
	EMIT("irq", FILE_(F_IRQ, 0444), .dev = d);
	EMIT("resource", FILE_(F_RESOURCE, 0444), .dev = d);
	EMIT("uevent", FILE_(F_UEVENT, 0644), .dev = d);
	if (sim_device_linked_driver(d))
		EMIT("driver", LINK_(L_DEV_DRIVER), .dev = d);
	if (d->iommu_group >= 0)
		EMIT("iommu_group", LINK_(L_DEV_GROUP), .dev = d);
	EMIT("subsystem", LINK_(L_DEV_SUBSYSTEM), .dev = d);
	if (d->n_net)
		EMIT("net", DIR_(D_DEV_NET), .dev = d);
	if (has_nvme(d))
		EMIT("nvme", DIR_(D_DEV_NVME), .dev = d);
	if (has_plain_block(d))
		EMIT("block", DIR_(D_DEV_BLOCK), .dev = d);
	for (size_t i = 0; i < m->n_devices; i++)
		if (m->devices[i]->parent == d)
			EMIT(m->devices[i]->address, DIR_(D_DEV), .dev = m->devices[i]);
	return 0;
}

int sim_tree_list(struct sim_machine *m, const struct sim_node *dir, sim_tree_cb cb, void *userdata)
{
	struct sim_device *d = dir->dev;
	char name[80];

	switch (dir->what) {
	case D_ROOT:
		EMIT("bus", DIR_(D_BUS));
		EMIT("devices", DIR_(D_DEVICES));
		EMIT("kernel", DIR_(D_KERNEL));
		EMIT("module", DIR_(D_MODULES));
		EMIT("class", DIR_(D_CLASS));
		EMIT(".simsys", DIR_(D_SIMSYS));
		return 0;
	case D_DEVICES: {
		size_t n = 0;
		_cleanup_free_ unsigned *roots = distinct_keys(m, root_bus_key, &n);
		if (!roots)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "pci%04x:%02x", roots[i] >> 8,
			         roots[i] & 0xff);
			EMIT(name, DIR_(D_PCIROOT), .domain = roots[i] >> 8,
			     .bus = roots[i] & 0xff);
		}
		return 0;
	}
	case D_PCIROOT:
		for (size_t i = 0; i < m->n_devices; i++) {
			struct sim_device *c = m->devices[i];
			if (!c->parent && c->domain == dir->domain && c->bus == dir->bus)
				EMIT(c->address, DIR_(D_DEV), .dev = c);
		}
		return 0;
	case D_DEV:
		return list_device(m, d, cb, userdata);
	case D_DEV_NET:
		for (size_t i = 0; i < d->n_net; i++)
			EMIT(d->net[i].name, DIR_(D_NET), .dev = d, .idx = i);
		return 0;
	case D_NET:
		EMIT("address", FILE_(F_NET_ADDRESS, 0444), .dev = d, .idx = dir->idx);
		EMIT("operstate", FILE_(F_NET_OPERSTATE, 0444), .dev = d, .idx = dir->idx);
		EMIT("device", LINK_(L_NET_DEVICE), .dev = d, .idx = dir->idx);
		return 0;
	case D_DEV_NVME:
		for (size_t i = 0; i < d->n_block; i++) {
			int ctrl = sim_nvme_ctrl(d->block[i].name);
			bool seen = false;
			if (ctrl < 0)
				continue;
			for (size_t j = 0; j < i && !seen; j++)
				seen = sim_nvme_ctrl(d->block[j].name) == ctrl;
			if (seen)
				continue;
			snprintf(name, sizeof(name), "nvme%d", ctrl);
			EMIT(name, DIR_(D_NVME_CTRL), .dev = d, .ctrl = ctrl);
		}
		return 0;
	case D_NVME_CTRL:
		for (size_t i = 0; i < d->n_block; i++)
			if (sim_nvme_ctrl(d->block[i].name) == dir->ctrl)
				EMIT(d->block[i].name, DIR_(D_BLK), .dev = d, .idx = i);
		return 0;
	case D_DEV_BLOCK:
		for (size_t i = 0; i < d->n_block; i++)
			if (sim_nvme_ctrl(d->block[i].name) < 0)
				EMIT(d->block[i].name, DIR_(D_BLK), .dev = d, .idx = i);
		return 0;
	case D_BLK:
		EMIT("dev", FILE_(F_BLK_DEV, 0444), .dev = d, .idx = dir->idx);
		for (size_t p = 0; p < d->block[dir->idx].n_parts; p++)
			EMIT(d->block[dir->idx].parts[p].name, DIR_(D_PART), .dev = d,
			     .idx = dir->idx, .part = p + 1);
		return 0;
	case D_PART:
		EMIT("dev", FILE_(F_BLK_DEV, 0444), .dev = d, .idx = dir->idx, .part = dir->part);
		EMIT("partition", FILE_(F_PARTITION, 0444), .dev = d, .idx = dir->idx,
		     .part = dir->part);
		return 0;
	case D_BUS:
		EMIT("pci", DIR_(D_BUS_PCI));
		return 0;
	case D_BUS_PCI:
		EMIT("devices", DIR_(D_BUS_DEVICES));
		EMIT("drivers", DIR_(D_DRIVERS));
		EMIT("drivers_probe", FILE_(F_DRIVERS_PROBE, 0200));
		EMIT("drivers_autoprobe", FILE_(F_AUTOPROBE, 0644));
		EMIT("rescan", FILE_(F_RESCAN, 0200));
		return 0;
	case D_BUS_DEVICES:
		for (size_t i = 0; i < m->n_devices; i++)
			EMIT(m->devices[i]->address, LINK_(L_BUS_DEV), .dev = m->devices[i]);
		return 0;
	case D_DRIVERS:
		for (size_t i = 0; i < m->n_drivers; i++)
			if (m->drivers[i]->loaded)
				EMIT(m->drivers[i]->name, DIR_(D_DRV), .drv = m->drivers[i]);
		return 0;
	case D_DRV:
		EMIT("bind", FILE_(F_BIND, 0200), .drv = dir->drv);
		EMIT("unbind", FILE_(F_UNBIND, 0200), .drv = dir->drv);
		EMIT("new_id", FILE_(F_NEW_ID, 0200), .drv = dir->drv);
		EMIT("remove_id", FILE_(F_REMOVE_ID, 0200), .drv = dir->drv);
		EMIT("module", LINK_(L_DRV_MODULE), .drv = dir->drv);
		for (size_t i = 0; i < m->n_devices; i++)
			if (sim_device_linked_driver(m->devices[i]) == dir->drv)
				EMIT(m->devices[i]->address, LINK_(L_DRV_DEV), .drv = dir->drv,
				     .dev = m->devices[i]);
		return 0;
	case D_KERNEL:
		EMIT("iommu_groups", DIR_(D_GROUPS));
		EMIT("security", DIR_(D_SECURITY));
		return 0;
	case D_GROUPS: {
		size_t n = 0;
		_cleanup_free_ unsigned *groups = distinct_keys(m, group_key, &n);
		if (!groups)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "%u", groups[i]);
			EMIT(name, DIR_(D_GROUP), .group = (int)groups[i]);
		}
		return 0;
	}
	case D_GROUP:
		EMIT("devices", DIR_(D_GROUP_DEVICES), .group = dir->group);
		return 0;
	case D_GROUP_DEVICES:
		for (size_t i = 0; i < m->n_devices; i++)
			if (m->devices[i]->iommu_group == dir->group)
				EMIT(m->devices[i]->address, LINK_(L_GROUP_DEV),
				     .dev = m->devices[i]);
		return 0;
	case D_SECURITY:
		if (m->lockdown != SIM_LOCKDOWN_UNSUPPORTED)
			EMIT("lockdown", FILE_(F_LOCKDOWN, 0644));
		return 0;
	case D_MODULES:
		for (size_t i = 0; i < m->n_drivers; i++) {
			struct sim_driver *drv = m->drivers[i];
			if (drv->loaded && first_of_module(m, drv))
				EMIT(drv->module, DIR_(D_MODULE), .drv = drv,
				     .module = drv->module);
		}
		return 0;
	case D_MODULE:
		EMIT("refcnt", FILE_(F_REFCNT, 0444), .module = dir->module);
		EMIT("initstate", FILE_(F_INITSTATE, 0444), .module = dir->module);
		EMIT("drivers", DIR_(D_MODULE_DRIVERS), .module = dir->module);
		return 0;
	case D_MODULE_DRIVERS:
		for (size_t i = 0; i < m->n_drivers; i++) {
			struct sim_driver *drv = m->drivers[i];
			if (drv->loaded && streq(drv->module, dir->module)) {
				snprintf(name, sizeof(name), "pci:%s", drv->name);
				EMIT(name, LINK_(L_MODULE_DRIVER), .drv = drv,
				     .module = dir->module);
			}
		}
		return 0;
	case D_CLASS:
		EMIT("net", DIR_(D_CLASS_NET));
		EMIT("block", DIR_(D_CLASS_BLOCK));
		return 0;
	case D_CLASS_NET:
		for (size_t i = 0; i < m->n_devices; i++)
			for (size_t j = 0; j < m->devices[i]->n_net; j++)
				EMIT(m->devices[i]->net[j].name, LINK_(L_CLASS_NET),
				     .dev = m->devices[i], .idx = j);
		return 0;
	case D_CLASS_BLOCK:
		for (size_t i = 0; i < m->n_devices; i++) {
			struct sim_device *o = m->devices[i];
			for (size_t j = 0; j < o->n_block; j++)
				for (size_t p = 0; p <= o->block[j].n_parts; p++)
					EMIT(p ? o->block[j].parts[p - 1].name : o->block[j].name,
					     LINK_(L_CLASS_BLOCK), .dev = o, .idx = j, .part = p);
		}
		return 0;
	case D_SIMSYS:
		EMIT("control", FILE_(F_CONTROL, 0644));
		EMIT("log", FILE_(F_LOG, 0444));
		EMIT("proc", DIR_(D_PROC));
		return 0;
	case D_PROC:
		EMIT("net", DIR_(D_PROC_NET));
		EMIT("mounts", FILE_(F_MOUNTS, 0444));
		EMIT("swaps", FILE_(F_SWAPS, 0444));
		return 0;
	case D_PROC_NET:
		EMIT("route", FILE_(F_ROUTE, 0444));
		return 0;
	default:
		return -ENOTDIR;
	}
}

struct find_ctx {
	const char *name;
	size_t len;
	struct sim_node *found;
};

static int find_cb(void *userdata, const char *name, const struct sim_node *child)
{
	struct find_ctx *f = userdata;

	if (strlen(name) != f->len || memcmp(name, f->name, f->len) != 0)
		return 0;
	*f->found = *child;
	return 1;
}

/*
 * Direct lookups for the directories that hold one entry per device, so a path
 * costs O(devices) instead of a sorted listing per component. Each answers
 * exactly as the enumerator above would. 1 found, 0 absent, -1 not handled here.
 */
static int lookup_fast(struct sim_machine *m, const struct sim_node *dir, const char *name,
                       size_t len, struct sim_node *ret)
{
	char buf[16];
	struct sim_device *d;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	switch (dir->what) {
	case D_DEVICES: {
		unsigned domain, bus;
		int end = 0;
		if (sscanf(buf, "pci%4x:%2x%n", &domain, &bus, &end) != 2 || buf[end] || len != 10)
			return -1;
		for (size_t i = 0; i < m->n_devices; i++) {
			d = m->devices[i];
			if (!d->parent && d->domain == domain && d->bus == bus) {
				char canon[16];
				snprintf(canon, sizeof(canon), "pci%04x:%02x", domain, bus);
				if (!streq(canon, buf))
					return 0;
				*ret = (struct sim_node){DIR_(D_PCIROOT), .domain = domain,
				                         .bus = bus};
				return 1;
			}
		}
		return 0;
	}
	case D_PCIROOT:
	case D_DEV:
	case D_BUS_DEVICES:
	case D_GROUP_DEVICES:
	case D_DRV:
		if (len != 12)
			return -1;
		d = sim_find_device(m, buf);
		if (!d)
			return dir->what == D_DEV || dir->what == D_DRV ? -1 : 0;
		if (dir->what == D_PCIROOT && !d->parent && d->domain == dir->domain &&
		    d->bus == dir->bus)
			*ret = (struct sim_node){DIR_(D_DEV), .dev = d};
		else if (dir->what == D_DEV && d->parent == dir->dev)
			*ret = (struct sim_node){DIR_(D_DEV), .dev = d};
		else if (dir->what == D_BUS_DEVICES)
			*ret = (struct sim_node){LINK_(L_BUS_DEV), .dev = d};
		else if (dir->what == D_GROUP_DEVICES && d->iommu_group == dir->group)
			*ret = (struct sim_node){LINK_(L_GROUP_DEV), .dev = d};
		else if (dir->what == D_DRV && sim_device_linked_driver(d) == dir->drv)
			*ret = (struct sim_node){LINK_(L_DRV_DEV), .drv = dir->drv, .dev = d};
		else
			return 0;
		return 1;
	default:
		return -1;
	}
}

int sim_tree_lookup(struct sim_machine *m, const char *path, struct sim_node *ret)
{
	struct sim_node cur = {DIR_(D_ROOT)};
	const char *p = path;

	for (;;) {
		struct find_ctx f;
		struct sim_node next;
		int r;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		f.name = p;
		f.len = strcspn(p, "/");
		f.found = &next;
		if (cur.type != SIM_NODE_DIR)
			return -ENOTDIR;
		r = lookup_fast(m, &cur, f.name, f.len, &next);
		if (r < 0)
			r = sim_tree_list(m, &cur, find_cb, &f);
		if (r < 0)
			return r;
		if (r == 0)
			return -ENOENT;
		cur = next;
		p += f.len;
	}
	*ret = cur;
	return 0;
}

/* "devices/pciDDDD:BB/<ancestors>/<address>"; returns its number of components. */
static int device_path(const struct sim_device *d, char *buf, size_t size)
{
	const struct sim_device *chain[SIM_MAX_DEPTH + 2];
	const struct sim_device *root = d;
	size_t n = 0, off;
	int w;

	for (const struct sim_device *p = d; p && n < ARRAY_SIZE(chain); p = p->parent)
		chain[n++] = root = p;
	w = snprintf(buf, size, "devices/pci%04x:%02x", root->domain, root->bus);
	if (w < 0 || (size_t)w >= size)
		return -ENAMETOOLONG;
	off = (size_t)w;
	for (size_t i = n; i-- > 0;) {
		w = snprintf(buf + off, size - off, "/%s", chain[i]->address);
		if (w < 0 || (size_t)w >= size - off)
			return -ENAMETOOLONG;
		off += (size_t)w;
	}
	return (int)n + 2;
}

int sim_tree_device_path(const struct sim_device *d, char *buf, size_t size)
{
	int r = device_path(d, buf, size);
	return r < 0 ? r : 0;
}

int sim_tree_link_target(struct sim_machine *m, const struct sim_node *node, char *buf, size_t size)
{
	char target[1024], dpath[768];
	int depth, w = 0, r;
	size_t off = 0;

	(void)m;
	switch (node->what) {
	case L_DEV_DRIVER:
	case L_DEV_GROUP:
	case L_DEV_SUBSYSTEM:
		r = device_path(node->dev, dpath, sizeof(dpath));
		if (r < 0)
			return r;
		depth = r;
		if (node->what == L_DEV_DRIVER)
			w = snprintf(target, sizeof(target), "bus/pci/drivers/%s",
			             node->dev->driver ? node->dev->driver->name : "");
		else if (node->what == L_DEV_GROUP)
			w = snprintf(target, sizeof(target), "kernel/iommu_groups/%d",
			             node->dev->iommu_group);
		else
			w = snprintf(target, sizeof(target), "bus/pci");
		break;
	case L_BUS_DEV:
	case L_DRV_DEV:
	case L_GROUP_DEV:
		r = device_path(node->dev, target, sizeof(target));
		if (r < 0)
			return r;
		depth = node->what == L_BUS_DEV ? 3 : 4;
		break;
	case L_DRV_MODULE:
		depth = 4;
		w = snprintf(target, sizeof(target), "module/%s", node->drv->module);
		break;
	case L_MODULE_DRIVER:
		depth = 3;
		w = snprintf(target, sizeof(target), "bus/pci/drivers/%s", node->drv->name);
		break;
	case L_NET_DEVICE:
		/* BDF/net/IFACE/device -> ../../../BDF, the kernel's shortest relative form. */
		depth = 3;
		w = snprintf(target, sizeof(target), "%s", node->dev->address);
		break;
	case L_CLASS_NET:
	case L_CLASS_BLOCK: {
		r = device_path(node->dev, dpath, sizeof(dpath));
		if (r < 0)
			return r;
		depth = 2;
		if (node->what == L_CLASS_NET) {
			w = snprintf(target, sizeof(target), "%s/net/%s", dpath,
			             node->dev->net[node->idx].name);
		} else {
			const struct sim_block *b = &node->dev->block[node->idx];
			int ctrl = sim_nvme_ctrl(b->name);
			if (ctrl >= 0)
				w = snprintf(target, sizeof(target), "%s/nvme/nvme%d/%s", dpath,
				             ctrl, b->name);
			else
				w = snprintf(target, sizeof(target), "%s/block/%s", dpath, b->name);
			if (node->part && w >= 0 && (size_t)w < sizeof(target))
				w += snprintf(target + w, sizeof(target) - (size_t)w, "/%s",
				              b->parts[node->part - 1].name);
		}
		break;
	}
	default:
		return -EINVAL;
	}
	if (w < 0 || (size_t)w >= sizeof(target))
		return -ENAMETOOLONG;
	for (int i = 0; i < depth; i++) {
		if (off + 3 >= size)
			return -ENAMETOOLONG;
		memcpy(buf + off, "../", 3);
		off += 3;
	}
	w = snprintf(buf + off, size - off, "%s", target);
	if (w < 0 || (size_t)w >= size - off)
		return -ENAMETOOLONG;
	return 0;
}
