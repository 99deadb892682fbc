/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON forms of Device and Outcome (see the IDL in common/varlink). */
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "json-text.h"

static struct json_object *hex(unsigned value, int width)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%0*x", width, value);
	return json_object_new_string(buf);
}

/* KEY is a literal not yet in O: neither copied nor looked up. */
static void add_new(struct json_object *o, const char *key, struct json_object *value)
{
	json_object_object_add_ex(o, key, value,
	                          JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

/* "" means none: JSON null. */
static struct json_object *opt_string(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

struct json_object *device_to_json(const struct bb_device *dev)
{
	struct json_object *o = json_object_new_object();
	struct json_object *group = json_object_new_array();
	struct json_object *net = json_object_new_array();
	struct json_object *block = json_object_new_array();

	add_new(o, "address", json_object_new_string(dev->address.s));
	add_new(o, "vendor", hex(dev->vendor, 4));
	add_new(o, "device", hex(dev->device, 4));
	add_new(o, "subsystem_vendor", hex(dev->subsystem_vendor, 4));
	add_new(o, "subsystem_device", hex(dev->subsystem_device, 4));
	add_new(o, "class", hex(dev->class_code, 6));
	add_new(o, "revision", hex(dev->revision, 2));
	add_new(o, "modalias", json_object_new_string(dev->modalias));
	add_new(o, "driver", opt_string(dev->driver));
	/* An override that is no valid driver name is shown as such, never echoed raw. */
	add_new(o, "driver_override",
	                       dev->override_unusual ? json_object_new_string("(unusual)")
	                                             : opt_string(dev->driver_override));
	add_new(o, "boot_vga",
	                       dev->boot_vga < 0 ? NULL : json_object_new_boolean(dev->boot_vga));
	add_new(o, "iommu_group",
	                       dev->iommu_group < 0 ? NULL : json_object_new_int(dev->iommu_group));

	for (size_t i = 0; i < dev->n_group && i < BB_MAX_GROUP_MEMBERS; i++) {
		const struct bb_group_member *m = &dev->group[i];
		struct json_object *mo = json_object_new_object();

		add_new(mo, "address", json_object_new_string(m->address.s));
		add_new(mo, "driver", opt_string(m->driver));
		add_new(mo, "class", hex(m->class_code, 6));
		add_new(mo, "bridge", json_object_new_boolean(m->bridge));
		json_object_array_add(group, mo);
	}
	for (size_t i = 0; i < dev->n_net && i < BB_MAX_CHILDREN; i++) {
		struct json_object *no = json_object_new_object();

		add_new(no, "name", json_object_new_string(dev->net[i].name));
		add_new(no, "default_route",
		                       json_object_new_boolean(dev->net[i].default_route));
		json_object_array_add(net, no);
	}
	for (size_t i = 0; i < dev->n_block && i < BB_MAX_CHILDREN; i++) {
		struct json_object *bo = json_object_new_object();

		add_new(bo, "name", json_object_new_string(dev->block[i].name));
		add_new(bo, "mounted",
		                       json_object_new_boolean(dev->block[i].mounted));
		add_new(bo, "swap", json_object_new_boolean(dev->block[i].swap));
		json_object_array_add(block, bo);
	}
	add_new(o, "group", group);
	add_new(o, "net", net);
	add_new(o, "block", block);
	return o;
}

/* The same as text; keep the two in step (test-json-text compares them). */
static void hex_text(JsonText *t, unsigned value, int width)
{
	static const char digits[] = "0123456789abcdef";
	char buf[10];

	buf[0] = '"';
	for (int i = 0; i < width; i++)
		buf[1 + i] = digits[(value >> (4 * (width - 1 - i))) & 0xf];
	buf[1 + width] = '"';
	if (width > 8 || value >> (4 * width) != 0) { /* wider than the field: as printf has it */
		char wide[16];

		snprintf(wide, sizeof(wide), "%0*x", width, value);
		json_text_string(t, wide);
		return;
	}
	json_text_raw(t, buf, (size_t)width + 2);
}

void device_to_json_text(JsonText *t, const struct bb_device *dev)
{
	json_text_lit(t, "{\"address\":");
	json_text_string(t, dev->address.s);
	json_text_lit(t, ",\"vendor\":");
	hex_text(t, dev->vendor, 4);
	json_text_lit(t, ",\"device\":");
	hex_text(t, dev->device, 4);
	json_text_lit(t, ",\"subsystem_vendor\":");
	hex_text(t, dev->subsystem_vendor, 4);
	json_text_lit(t, ",\"subsystem_device\":");
	hex_text(t, dev->subsystem_device, 4);
	json_text_lit(t, ",\"class\":");
	hex_text(t, dev->class_code, 6);
	json_text_lit(t, ",\"revision\":");
	hex_text(t, dev->revision, 2);
	json_text_lit(t, ",\"modalias\":");
	json_text_string(t, dev->modalias);
	json_text_lit(t, ",\"driver\":");
	json_text_string_or_null(t, dev->driver);
	json_text_lit(t, ",\"driver_override\":");
	if (dev->override_unusual)
		json_text_string(t, "(unusual)");
	else
		json_text_string_or_null(t, dev->driver_override);
	json_text_lit(t, ",\"boot_vga\":");
	if (dev->boot_vga < 0)
		json_text_lit(t, "null");
	else
		json_text_bool(t, dev->boot_vga);
	json_text_lit(t, ",\"iommu_group\":");
	if (dev->iommu_group < 0)
		json_text_lit(t, "null");
	else
		json_text_int(t, dev->iommu_group);
	json_text_lit(t, ",\"group\":[");
	for (size_t i = 0; i < dev->n_group && i < BB_MAX_GROUP_MEMBERS; i++) {
		const struct bb_group_member *m = &dev->group[i];

		json_text_lit(t, i ? ",{\"address\":" : "{\"address\":");
		json_text_string(t, m->address.s);
		json_text_lit(t, ",\"driver\":");
		json_text_string_or_null(t, m->driver);
		json_text_lit(t, ",\"class\":");
		hex_text(t, m->class_code, 6);
		json_text_lit(t, ",\"bridge\":");
		json_text_bool(t, m->bridge);
		json_text_lit(t, "}");
	}
	json_text_lit(t, "],\"net\":[");
	for (size_t i = 0; i < dev->n_net && i < BB_MAX_CHILDREN; i++) {
		json_text_lit(t, i ? ",{\"name\":" : "{\"name\":");
		json_text_string(t, dev->net[i].name);
		json_text_lit(t, ",\"default_route\":");
		json_text_bool(t, dev->net[i].default_route);
		json_text_lit(t, "}");
	}
	json_text_lit(t, "],\"block\":[");
	for (size_t i = 0; i < dev->n_block && i < BB_MAX_CHILDREN; i++) {
		json_text_lit(t, i ? ",{\"name\":" : "{\"name\":");
		json_text_string(t, dev->block[i].name);
		json_text_lit(t, ",\"mounted\":");
		json_text_bool(t, dev->block[i].mounted);
		json_text_lit(t, ",\"swap\":");
		json_text_bool(t, dev->block[i].swap);
		json_text_lit(t, "}");
	}
	json_text_lit(t, "]}");
}

struct json_object *outcome_to_json(const struct bb_bind_result *r)
{
	struct json_object *o = json_object_new_object();
	bool ok = r->failure == BB_FAIL_NONE;

	add_new(o, "device", json_object_new_string(r->address.s));
	add_new(o, "target", opt_string(r->target));
	add_new(o, "old_driver", opt_string(r->old_driver));
	add_new(o, "new_driver", opt_string(r->new_driver));
	add_new(o, "ok", json_object_new_boolean(ok));
	add_new(
	    o, "failure", ok ? NULL : json_object_new_string(bb_failure_to_string(r->failure)));
	add_new(o, "failed_step", opt_string(r->failed_step));
	add_new(o, "error",
	                       r->error < 0 ? json_object_new_string(strerror(-r->error)) : NULL);
	add_new(o, "rollback_attempted",
	                       json_object_new_boolean(r->rollback_attempted));
	add_new(o, "rollback_ok", json_object_new_boolean(r->rollback_ok));
	add_new(o, "message", json_object_new_string(r->message));
	return o;
}
