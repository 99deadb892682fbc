/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-fileio.h"
#include "bb-macro.h"
#include "bb-validate.h"
#include "simsys-topology.h"

static void json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

static void device_freep(struct sim_device **d)
{
	sim_device_free(*d);
}

static void machine_freep(struct sim_machine **m)
{
	sim_machine_free(*m);
}

_printf_(3, 4) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Refuses any key of O that is not in ALLOWED (NULL-terminated). */
static int check_keys(json_object *o, const char *ctx, const char *const *allowed, char *err,
                      size_t errlen)
{
	json_object_object_foreach(o, key, val)
	{
		bool ok = false;
		(void)val;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = streq(key, allowed[i]);
		if (!ok)
			return fail(err, errlen, "%s: unknown key \"%.64s\"", ctx, key);
	}
	return 0;
}

static const char *type_name(json_object *o)
{
	return json_type_to_name(json_object_get_type(o));
}

static int get_string(json_object *o, const char *ctx, const char *key, bool required,
                      const char **ret, char *err, size_t errlen)
{
	json_object *v;

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			return fail(err, errlen, "%s: missing key \"%s\"", ctx, key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return fail(err, errlen, "%s.%s: expected a string, got %s", ctx, key,
		            type_name(v));
	*ret = json_object_get_string(v);
	if (strlen(*ret) != (size_t)json_object_get_string_len(v))
		return fail(err, errlen, "%s.%s: contains a NUL byte", ctx, key);
	return 1;
}

static int get_bool(json_object *o, const char *ctx, const char *key, bool *ret, char *err,
                    size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return fail(err, errlen, "%s.%s: expected true or false, got %s", ctx, key,
		            type_name(v));
	*ret = json_object_get_boolean(v);
	return 1;
}

static int get_int(json_object *o, const char *ctx, const char *key, int64_t min, int64_t max,
                   int *ret, char *err, size_t errlen)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return fail(err, errlen, "%s.%s: expected an integer, got %s", ctx, key,
		            type_name(v));
	errno = 0;
	x = json_object_get_int64(v);
	if (errno != 0 || x < min || x > max)
		return fail(err, errlen, "%s.%s: %s out of range %lld..%lld", ctx, key,
		            json_object_to_json_string(v), (long long)min, (long long)max);
	*ret = (int)x;
	return 1;
}

static int get_array(json_object *o, const char *ctx, const char *key, size_t max,
                     json_object **ret, char *err, size_t errlen)
{
	json_object *v;

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return fail(err, errlen, "%s%s%s: expected an array, got %s", ctx, *ctx ? "." : "",
		            key, type_name(v));
	if (json_object_array_length(v) > max)
		return fail(err, errlen, "%s%s%s: more than %zu entries", ctx, *ctx ? "." : "", key,
		            max);
	*ret = v;
	return 1;
}

/* Exactly WIDTH hex digits, no 0x. Absent keys keep *RET. */
static int get_hex(json_object *o, const char *ctx, const char *key, int width, bool required,
                   uint32_t *ret, char *err, size_t errlen)
{
	const char *s;
	uint32_t v = 0;
	int r;

	r = get_string(o, ctx, key, required, &s, err, errlen);
	if (r <= 0)
		return r;
	if ((int)strlen(s) != width)
		goto bad;
	for (int i = 0; i < width; i++) {
		char c = s[i];
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			goto bad;
		v = (v << 4) | (uint32_t)d;
	}
	*ret = v;
	return 1;
bad:
	return fail(err, errlen, "%s.%s: expected %d hex digits without 0x, got \"%.32s\"", ctx,
	            key, width, s);
}

static bool valid_name(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || streq(s, ".") || streq(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || (extra && strchr(extra, c))))
			return false;
	}
	return true;
}

static bool valid_mount_path(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SIM_MOUNT_PATH_MAX || s[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '\\')
			return false;
	return true;
}

/* ---- drivers ------------------------------------------------------------------------------ */

static int parse_id(json_object *o, const char *ctx, struct sim_id *id, char *err, size_t errlen)
{
	static const char *const keys[] = {
	    "vendor",     "device", "subsystem_vendor", "subsystem_device", "class",
	    "class_mask", NULL};
	int r, has_class, has_mask;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, errlen, "%s: expected an object, got %s", ctx, type_name(o));
	r = check_keys(o, ctx, keys, err, errlen);
	if (r < 0)
		return r;
	*id = (struct sim_id){SIM_ANY, SIM_ANY, SIM_ANY, SIM_ANY, 0, 0};
	if ((r = get_hex(o, ctx, "vendor", 4, false, &id->vendor, err, errlen)) < 0 ||
	    (r = get_hex(o, ctx, "device", 4, false, &id->device, err, errlen)) < 0 ||
	    (r = get_hex(o, ctx, "subsystem_vendor", 4, false, &id->subvendor, err, errlen)) < 0 ||
	    (r = get_hex(o, ctx, "subsystem_device", 4, false, &id->subdevice, err, errlen)) < 0)
		return r;
	has_class = get_hex(o, ctx, "class", 6, false, &id->class, err, errlen);
	if (has_class < 0)
		return has_class;
	has_mask = get_hex(o, ctx, "class_mask", 6, false, &id->class_mask, err, errlen);
	if (has_mask < 0)
		return has_mask;
	if (has_mask && !has_class)
		return fail(err, errlen, "%s.class_mask: given without \"class\"", ctx);
	if (has_class && !has_mask)
		id->class_mask = 0xffffff;
	return 0;
}

static int parse_probe(const char *s, const char *ctx, struct sim_driver *drv, char *err,
                       size_t errlen)
{
	if (streq(s, "ok")) {
		drv->probe = SIM_PROBE_OK;
	} else if (streq(s, "fail")) {
		drv->probe = SIM_PROBE_FAIL;
	} else if (strncmp(s, "slow:", 5) == 0) {
		const char *p = s + 5;
		unsigned ms = 0;
		if (!*p || strlen(p) > 5)
			goto bad;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				goto bad;
			ms = ms * 10 + (unsigned)(*p - '0');
		}
		if (ms < 1 || ms > 60000)
			goto bad;
		drv->probe = SIM_PROBE_SLOW;
		drv->probe_ms = ms;
	} else {
		goto bad;
	}
	return 0;
bad:
	return fail(err, errlen,
	            "%s.probe: expected \"ok\", \"fail\" or \"slow:MS\" (1..60000), got \"%.32s\"",
	            ctx, s);
}

static int parse_driver(json_object *o, size_t index, struct sim_driver **ret, char *err,
                        size_t errlen)
{
	static const char *const keys[] = {"name",          "module", "loaded", "ids",
	                                   "override_only", "probe",  NULL};
	struct sim_driver *drv;
	const char *name, *module, *probe;
	json_object *ids;
	char ctx[64];
	int r;

	snprintf(ctx, sizeof(ctx), "drivers[%zu]", index);
	if (!json_object_is_type(o, json_type_object))
		return fail(err, errlen, "%s: expected an object, got %s", ctx, type_name(o));
	if ((r = check_keys(o, ctx, keys, err, errlen)) < 0 ||
	    (r = get_string(o, ctx, "name", true, &name, err, errlen)) < 0 ||
	    (r = get_string(o, ctx, "module", false, &module, err, errlen)) < 0 ||
	    (r = get_string(o, ctx, "probe", false, &probe, err, errlen)) < 0 ||
	    (r = get_array(o, ctx, "ids", SIM_MAX_IDS, &ids, err, errlen)) < 0)
		return r;
	if (!bb_valid_driver_name(name))
		return fail(err, errlen,
		            "%s.name: \"%.64s\" is not a driver name ([A-Za-z0-9_-]{1,64})", ctx,
		            name);
	if (module && !bb_valid_driver_name(module))
		return fail(err, errlen,
		            "%s.module: \"%.64s\" is not a module name ([A-Za-z0-9_-]{1,64})", ctx,
		            module);

	drv = calloc(1, sizeof(*drv));
	if (!drv)
		return -ENOMEM;
	drv->loaded = true;
	drv->name = strdup(name);
	drv->module = strdup(module ? module : name);
	if (!drv->name || !drv->module) {
		sim_driver_free(drv);
		return -ENOMEM;
	}
	/* Module names use '_' where driver names often use '-' (vfio-pci is in vfio_pci). */
	if (!module)
		for (char *c = drv->module; *c; c++)
			if (*c == '-')
				*c = '_';
	if ((r = get_bool(o, ctx, "loaded", &drv->loaded, err, errlen)) < 0 ||
	    (r = get_bool(o, ctx, "override_only", &drv->override_only, err, errlen)) < 0 ||
	    (probe && (r = parse_probe(probe, ctx, drv, err, errlen)) < 0))
		goto out;
	if (ids) {
		size_t n = json_object_array_length(ids);
		drv->ids = calloc(n ? n : 1, sizeof(*drv->ids));
		if (!drv->ids) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			char ictx[128];
			snprintf(ictx, sizeof(ictx), "%s.ids[%zu]", ctx, i);
			r = parse_id(json_object_array_get_idx(ids, i), ictx, &drv->ids[i], err,
			             errlen);
			if (r < 0)
				goto out;
			drv->n_ids++;
		}
	}
	*ret = drv;
	return 0;
out:
	sim_driver_free(drv);
	return r;
}

/* ---- devices ------------------------------------------------------------------------------ */

static int parse_net(json_object *arr, const char *ctx, struct sim_device *d, char *err,
                     size_t errlen)
{
	static const char *const keys[] = {"name", "default_route", NULL};
	size_t n = json_object_array_length(arr);

	d->net = calloc(n ? n : 1, sizeof(*d->net));
	if (!d->net)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		const char *name;
		char nctx[160];
		int r;

		snprintf(nctx, sizeof(nctx), "%s.net[%zu]", ctx, i);
		if (!json_object_is_type(o, json_type_object))
			return fail(err, errlen, "%s: expected an object, got %s", nctx,
			            type_name(o));
		if ((r = check_keys(o, nctx, keys, err, errlen)) < 0 ||
		    (r = get_string(o, nctx, "name", true, &name, err, errlen)) < 0)
			return r;
		if (!valid_name(name, 15, "."))
			return fail(
			    err, errlen,
			    "%s.name: \"%.32s\" is not an interface name ([A-Za-z0-9_.-]{1,15})",
			    nctx, name);
		d->net[i].name = strdup(name);
		if (!d->net[i].name)
			return -ENOMEM;
		d->n_net++;
		if ((r = get_bool(o, nctx, "default_route", &d->net[i].default_route, err,
		                  errlen)) < 0)
			return r;
	}
	return 0;
}

static int parse_block_array(json_object *arr, const char *ctx, const char *key, const char *disk,
                             struct sim_block **ret, size_t *ret_n, char *err, size_t errlen);

/* One disk (DISK NULL) or one partition of DISK. */
static int parse_block_item(json_object *o, const char *bctx, const char *disk, struct sim_block *b,
                            char *err, size_t errlen)
{
	static const char *const disk_keys[] = {"name", "mounts", "swap", "partitions", NULL};
	static const char *const part_keys[] = {"name", "mounts", "swap", NULL};
	json_object *mounts, *parts = NULL;
	const char *name;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, errlen, "%s: expected an object, got %s", bctx, type_name(o));
	if ((r = check_keys(o, bctx, disk ? part_keys : disk_keys, err, errlen)) < 0 ||
	    (r = get_string(o, bctx, "name", true, &name, err, errlen)) < 0 ||
	    (r = get_array(o, bctx, "mounts", SIM_MAX_MOUNTS, &mounts, err, errlen)) < 0 ||
	    (!disk &&
	     (r = get_array(o, bctx, "partitions", SIM_MAX_PARTS, &parts, err, errlen)) < 0))
		return r;
	if (!disk && !valid_name(name, 31, NULL))
		return fail(err, errlen,
		            "%s.name: \"%.32s\" is not a block device name ([A-Za-z0-9_-]{1,31})",
		            bctx, name);
	if (disk && !sim_valid_partition_name(name, disk))
		return fail(err, errlen,
		            "%s.name: \"%.32s\" is not a partition of %s (%s<N> or %sp<N>)", bctx,
		            name, disk, disk, disk);
	b->name = strdup(name);
	if (!b->name)
		return -ENOMEM;
	if ((r = get_bool(o, bctx, "swap", &b->swap, err, errlen)) < 0)
		return r;
	if (mounts) {
		b->mounts = calloc(json_object_array_length(mounts) + 1, sizeof(char *));
		if (!b->mounts)
			return -ENOMEM;
		for (size_t j = 0; j < json_object_array_length(mounts); j++) {
			json_object *mp = json_object_array_get_idx(mounts, j);
			const char *s;
			if (!json_object_is_type(mp, json_type_string))
				return fail(err, errlen,
				            "%s.mounts[%zu]: expected a string, got %s", bctx, j,
				            type_name(mp));
			s = json_object_get_string(mp);
			if (strlen(s) != (size_t)json_object_get_string_len(mp) ||
			    !valid_mount_path(s))
				return fail(err, errlen,
				            "%s.mounts[%zu]: \"%.64s\" is not an absolute path of "
				            "printable characters without spaces (<= %d)",
				            bctx, j, s, SIM_MOUNT_PATH_MAX);
			b->mounts[j] = strdup(s);
			if (!b->mounts[j])
				return -ENOMEM;
			b->n_mounts++;
		}
	}
	if (parts)
		return parse_block_array(parts, bctx, "partitions", b->name, &b->parts, &b->n_parts,
		                         err, errlen);
	return 0;
}

static int parse_block_array(json_object *arr, const char *ctx, const char *key, const char *disk,
                             struct sim_block **ret, size_t *ret_n, char *err, size_t errlen)
{
	size_t n = json_object_array_length(arr);

	*ret = calloc(n ? n : 1, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char bctx[200];
		int r;

		snprintf(bctx, sizeof(bctx), "%s.%s[%zu]", ctx, key, i);
		/* Counted before parsing, so a half-filled entry is freed with the device. */
		(*ret_n)++;
		r = parse_block_item(json_object_array_get_idx(arr, i), bctx, disk, &(*ret)[i], err,
		                     errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_address(const char *s, const char *ctx, const char *key, char out[13], char *err,
                         size_t errlen)
{
	if (!bb_valid_pci_address(s))
		return fail(err, errlen, "%s.%s: \"%.32s\" is not a PCI address DDDD:BB:DD.F", ctx,
		            key, s);
	memcpy(out, s, 13);
	bb_pci_address_normalize(out);
	return 0;
}

static int parse_device_obj(json_object *o, const char *ctx, const struct sim_device *inherit,
                            struct sim_device **ret, char *err, size_t errlen)
{
	static const char *const keys[] = {
	    "address",  "vendor",      "device",   "subsystem_vendor", "subsystem_device", "class",
	    "revision", "iommu_group", "boot_vga", "numa_node",        "parent",           "net",
	    "block",    NULL};
	_cleanup_(device_freep) struct sim_device *d = NULL;
	const char *address, *parent;
	json_object *net, *block;
	uint32_t v;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, errlen, "%s: expected an object, got %s", ctx, type_name(o));
	if ((r = check_keys(o, ctx, keys, err, errlen)) < 0 ||
	    (r = get_string(o, ctx, "address", !inherit, &address, err, errlen)) < 0 ||
	    (r = get_string(o, ctx, "parent", false, &parent, err, errlen)) < 0 ||
	    (r = get_array(o, ctx, "net", SIM_MAX_NET, &net, err, errlen)) < 0 ||
	    (r = get_array(o, ctx, "block", SIM_MAX_BLOCK, &block, err, errlen)) < 0)
		return r;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->iommu_group = -1;
	d->numa_node = -1;
	if (address) {
		r = parse_address(address, ctx, "address", d->address, err, errlen);
		if (r < 0)
			return r;
		if (inherit && !streq(d->address, inherit->address))
			return fail(err, errlen,
			            "%s.address: %s differs from the device it replaces (%s)", ctx,
			            d->address, inherit->address);
	} else {
		memcpy(d->address, inherit->address, sizeof(d->address));
	}
	sscanf(d->address, "%x:%x:%x.%x", &d->domain, &d->bus, &d->slot, &d->func);
	if (parent) {
		char paddr[13];
		r = parse_address(parent, ctx, "parent", paddr, err, errlen);
		if (r < 0)
			return r;
		if (streq(paddr, d->address))
			return fail(err, errlen, "%s.parent: a device cannot be its own parent",
			            ctx);
		d->parent_address = strdup(paddr);
		if (!d->parent_address)
			return -ENOMEM;
	} else if (inherit && inherit->parent_address) {
		d->parent_address = strdup(inherit->parent_address);
		if (!d->parent_address)
			return -ENOMEM;
	}
	if (inherit) {
		d->iommu_group = inherit->iommu_group;
		d->numa_node = inherit->numa_node;
	}

	if ((r = get_hex(o, ctx, "vendor", 4, true, &v, err, errlen)) < 0)
		return r;
	d->vendor = (uint16_t)v;
	if ((r = get_hex(o, ctx, "device", 4, true, &v, err, errlen)) < 0)
		return r;
	d->device = (uint16_t)v;
	v = 0;
	if ((r = get_hex(o, ctx, "subsystem_vendor", 4, false, &v, err, errlen)) < 0)
		return r;
	d->subvendor = (uint16_t)v;
	v = 0;
	if ((r = get_hex(o, ctx, "subsystem_device", 4, false, &v, err, errlen)) < 0)
		return r;
	d->subdevice = (uint16_t)v;
	if ((r = get_hex(o, ctx, "class", 6, true, &d->class, err, errlen)) < 0)
		return r;
	v = 0;
	if ((r = get_hex(o, ctx, "revision", 2, false, &v, err, errlen)) < 0)
		return r;
	d->revision = (uint8_t)v;
	if ((r = get_int(o, ctx, "iommu_group", 0, SIM_MAX_GROUP, &d->iommu_group, err, errlen)) <
	        0 ||
	    (r = get_int(o, ctx, "numa_node", -1, 1023, &d->numa_node, err, errlen)) < 0 ||
	    (r = get_bool(o, ctx, "boot_vga", &d->boot_vga, err, errlen)) < 0)
		return r;
	if (d->boot_vga && !sim_device_is_vga(d))
		return fail(err, errlen,
		            "%s.boot_vga: true on a device of class %06x (not VGA, 0300xx)", ctx,
		            d->class);
	if (net && (r = parse_net(net, ctx, d, err, errlen)) < 0)
		return r;
	if (block && (r = parse_block_array(block, ctx, "block", NULL, &d->block, &d->n_block, err,
	                                    errlen)) < 0)
		return r;
	*ret = TAKE_PTR(d);
	return 0;
}

/* Interface and block names are global (class/net, class/block). */
static int check_child_names(const struct sim_machine *m, const struct sim_device *d,
                             const struct sim_device *skip, const char *ctx, char *err,
                             size_t errlen)
{
	for (size_t i = 0; i < d->n_net; i++) {
		for (size_t j = 0; j < i; j++)
			if (streq(d->net[i].name, d->net[j].name))
				return fail(err, errlen, "%s.net[%zu]: duplicate interface %s", ctx,
				            i, d->net[i].name);
		for (size_t k = 0; m && k < m->n_devices; k++) {
			const struct sim_device *o = m->devices[k];
			if (o == skip || o == d)
				continue;
			for (size_t j = 0; j < o->n_net; j++)
				if (streq(d->net[i].name, o->net[j].name))
					return fail(err, errlen,
					            "%s.net[%zu]: interface %s already on %s", ctx,
					            i, d->net[i].name, o->address);
		}
	}
	/* Disks and partitions share one namespace (class/block, /dev). */
	for (size_t i = 0; i < d->n_block; i++) {
		for (size_t pi = 0; pi <= d->block[i].n_parts; pi++) {
			const char *name =
			    pi == 0 ? d->block[i].name : d->block[i].parts[pi - 1].name;
			for (size_t j = 0; j <= i; j++)
				for (size_t pj = 0; pj <= d->block[j].n_parts; pj++) {
					const char *other = pj == 0
					                        ? d->block[j].name
					                        : d->block[j].parts[pj - 1].name;
					if ((j < i || pj < pi) && streq(name, other))
						return fail(
						    err, errlen,
						    "%s.block[%zu]: duplicate block device %s", ctx,
						    i, name);
				}
			for (size_t k = 0; m && k < m->n_devices; k++) {
				const struct sim_device *o = m->devices[k];
				if (o == skip || o == d)
					continue;
				for (size_t j = 0; j < o->n_block; j++)
					for (size_t pj = 0; pj <= o->block[j].n_parts; pj++) {
						const char *other =
						    pj == 0 ? o->block[j].name
						            : o->block[j].parts[pj - 1].name;
						if (streq(name, other))
							return fail(
							    err, errlen,
							    "%s.block[%zu]: block device %s "
							    "already on %s",
							    ctx, i, name, o->address);
					}
			}
		}
	}
	return 0;
}

/* ---- whole documents ---------------------------------------------------------------------- */

static void line_col(const char *data, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (data[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

#define MAX_OBJECT_KEYS 64
#define SIM_JSON_DEPTH  64 /* SPEC: JSON depth 64; a topology needs 6 */

/*
 * json-c keeps the last of duplicate keys silently; a strict parser refuses them.
 * Runs on text json-c accepted, so only strings, nesting and separators matter.
 * Keys are compared as written (an escaped spelling of the same key is not caught).
 */
static int check_duplicate_keys(const char *data, size_t len, char *err, size_t errlen)
{
	struct frame {
		bool object, expect_key;
		size_t n, start[MAX_OBJECT_KEYS], klen[MAX_OBJECT_KEYS];
	};
	_cleanup_free_ struct frame *stack = calloc(SIM_JSON_DEPTH + 1, sizeof(*stack));
	size_t depth = 0, line, col;

	if (!stack)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		struct frame *top = depth ? &stack[depth - 1] : NULL;
		char c = data[i];

		if (c == '{' || c == '[') {
			if (depth >= SIM_JSON_DEPTH)
				return fail(err, errlen, "nested deeper than %d", SIM_JSON_DEPTH);
			stack[depth++] = (struct frame){.object = c == '{', .expect_key = c == '{'};
		} else if (c == '}' || c == ']') {
			if (depth)
				depth--;
		} else if (c == ',') {
			if (top && top->object)
				top->expect_key = true;
		} else if (c == '"') {
			size_t start = ++i;
			while (i < len && data[i] != '"')
				i += data[i] == '\\' ? 2 : 1;
			if (i >= len)
				break; /* unterminated: json-c would have refused it */
			if (!top || !top->object || !top->expect_key)
				continue;
			top->expect_key = false;
			for (size_t k = 0; k < top->n; k++) {
				if (top->klen[k] == i - start &&
				    memcmp(data + top->start[k], data + start, i - start) == 0) {
					line_col(data, start - 1, &line, &col);
					return fail(err, errlen, "%zu:%zu: duplicate key \"%.*s\"",
					            line, col,
					            (int)(i - start < 64 ? i - start : 64),
					            data + start);
				}
			}
			if (top->n >= MAX_OBJECT_KEYS) {
				line_col(data, start - 1, &line, &col);
				return fail(err, errlen, "%zu:%zu: more than %d keys in one object",
				            line, col, MAX_OBJECT_KEYS);
			}
			top->start[top->n] = start;
			top->klen[top->n++] = i - start;
		}
	}
	return 0;
}

static int parse_json(const char *data, size_t len, json_object **ret, char *err, size_t errlen)
{
	struct json_tokener *tok;
	json_object *o;
	enum json_tokener_error jerr;
	size_t line = 1, col = 1, off;
	int r;

	if (len > SIM_MAX_TOPOLOGY_BYTES)
		return fail(err, errlen, "larger than %u bytes", SIM_MAX_TOPOLOGY_BYTES);
	if (memchr(data, '\0', len))
		return fail(err, errlen, "contains a NUL byte");
	tok = json_tokener_new_ex(SIM_JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, data, (int)len);
	jerr = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	if (!o || jerr != json_tokener_success || off != len) {
		/* Trailing whitespace after a complete document is fine; anything else is not. */
		size_t rest = off;
		while (o && jerr == json_tokener_success && rest < len &&
		       strchr(" \t\r\n", data[rest]))
			rest++;
		if (o && jerr == json_tokener_success && rest == len)
			goto parsed;
		/* Point at the offending character: the trailing data, or where parsing stopped. */
		if (o && jerr == json_tokener_success)
			off = rest;
		line_col(data, off < len ? off : len, &line, &col);
		json_object_put(o);
		fail(err, errlen, "%zu:%zu: %s", line, col,
		     jerr == json_tokener_continue  ? "unexpected end of input (truncated?)"
		     : jerr != json_tokener_success ? json_tokener_error_desc(jerr)
		                                    : "trailing data after the document");
		json_tokener_free(tok);
		return -EINVAL;
	}
parsed:
	json_tokener_free(tok);
	r = check_duplicate_keys(data, len, err, errlen);
	if (r < 0) {
		json_object_put(o);
		return r;
	}
	*ret = o;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted copy of names to find duplicates; reports the later index. */
static int check_unique(char **names, size_t n, const char *what, const char *key, char *err,
                        size_t errlen)
{
	_cleanup_free_ const char **sorted = calloc(n ? n : 1, sizeof(*sorted));

	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, names, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	for (size_t i = 1; i < n; i++) {
		if (!streq(sorted[i], sorted[i - 1]))
			continue;
		size_t first = SIZE_MAX, second = SIZE_MAX;
		for (size_t j = 0; j < n; j++) {
			if (!streq(names[j], sorted[i]))
				continue;
			if (first == SIZE_MAX)
				first = j;
			else if (second == SIZE_MAX)
				second = j;
		}
		return fail(err, errlen, "%s[%zu].%s: duplicate %s (also %s[%zu])", what, second,
		            key, sorted[i], what, first);
	}
	return 0;
}

int sim_topology_parse(const char *data, size_t len, struct sim_machine **ret, char *err,
                       size_t errlen)
{
	static const char *const keys[] = {"lockdown", "drivers", "devices", NULL};
	_cleanup_json_ json_object *root = NULL;
	_cleanup_(machine_freep) struct sim_machine *m = NULL;
	_cleanup_free_ char **names = NULL;
	json_object *drivers, *devices;
	const char *lockdown;
	int r;

	r = parse_json(data, len, &root, err, errlen);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return fail(err, errlen, "top level: expected an object, got %s", type_name(root));
	if ((r = check_keys(root, "top level", keys, err, errlen)) < 0 ||
	    (r = get_string(root, "top level", "lockdown", false, &lockdown, err, errlen)) < 0 ||
	    (r = get_array(root, "", "drivers", SIM_MAX_DRIVERS, &drivers, err, errlen)) < 0 ||
	    (r = get_array(root, "", "devices", SIM_MAX_DEVICES, &devices, err, errlen)) < 0)
		return r;

	m = sim_machine_new();
	if (!m)
		return -ENOMEM;
	if (lockdown && sim_lockdown_from_string(lockdown, &m->lockdown) < 0)
		return fail(err, errlen,
		            "lockdown: expected none, integrity, confidentiality or unsupported, "
		            "got \"%.32s\"",
		            lockdown);

	for (size_t i = 0; drivers && i < json_object_array_length(drivers); i++) {
		struct sim_driver *drv = NULL;
		r = parse_driver(json_object_array_get_idx(drivers, i), i, &drv, err, errlen);
		if (r < 0)
			return r;
		r = sim_machine_add_driver(m, drv);
		if (r < 0) {
			sim_driver_free(drv);
			return r;
		}
	}
	names = calloc(m->n_drivers + (devices ? json_object_array_length(devices) : 0) + 1,
	               sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_drivers; i++)
		names[i] = m->drivers[i]->name;
	r = check_unique(names, m->n_drivers, "drivers", "name", err, errlen);
	if (r < 0)
		return r;

	for (size_t i = 0; devices && i < json_object_array_length(devices); i++) {
		struct sim_device *d = NULL;
		char ctx[64];
		snprintf(ctx, sizeof(ctx), "devices[%zu]", i);
		r = parse_device_obj(json_object_array_get_idx(devices, i), ctx, NULL, &d, err,
		                     errlen);
		if (r < 0)
			return r;
		r = sim_machine_add_device(m, d);
		if (r < 0) {
			sim_device_free(d);
			return r;
		}
	}
	for (size_t i = 0; i < m->n_devices; i++)
		names[i] = m->devices[i]->address;
	r = check_unique(names, m->n_devices, "devices", "address", err, errlen);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_devices; i++) {
		char ctx[64];
		snprintf(ctx, sizeof(ctx), "devices[%zu]", i);
		/* Each pair is checked once: only against devices before this one. */
		struct sim_machine view = {.devices = m->devices, .n_devices = i};
		r = check_child_names(&view, m->devices[i], NULL, ctx, err, errlen);
		if (r < 0)
			return r;
	}
	r = sim_machine_link_parents(m, err, errlen);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

int sim_topology_load(const char *path, struct sim_machine **ret, char *err, size_t errlen)
{
	_cleanup_free_ char *data = NULL;
	char inner[512];
	size_t len = 0;
	int r;

	r = bb_read_file_at(AT_FDCWD, path, SIM_MAX_TOPOLOGY_BYTES, &data, &len);
	if (r == -EFBIG) {
		snprintf(err, errlen, "%s: larger than %u bytes", path, SIM_MAX_TOPOLOGY_BYTES);
		return -E2BIG;
	}
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = sim_topology_parse(data, len, ret, inner, sizeof(inner));
	if (r < 0)
		snprintf(err, errlen, "%s: %s", path, r == -EINVAL ? inner : strerror(-r));
	return r;
}

int sim_topology_parse_device(const char *json, size_t len, const char *context,
                              const struct sim_machine *m, const struct sim_device *inherit,
                              struct sim_device **ret, char *err, size_t errlen)
{
	_cleanup_json_ json_object *o = NULL;
	struct sim_device *d = NULL;
	int r;

	r = parse_json(json, len, &o, err, errlen);
	if (r < 0)
		return r;
	r = parse_device_obj(o, context, inherit, &d, err, errlen);
	if (r < 0)
		return r;
	r = check_child_names(m, d, inherit, context, err, errlen);
	if (r < 0) {
		sim_device_free(d);
		return r;
	}
	*ret = d;
	return 0;
}
