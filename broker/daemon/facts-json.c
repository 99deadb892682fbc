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

	json_object_object_add(o, "address", json_object_new_string(dev->address.s));
	json_object_object_add(o, "vendor", hex(dev->vendor, 4));
	json_object_object_add(o, "device", hex(dev->device, 4));
	json_object_object_add(o, "subsystem_vendor", hex(dev->subsystem_vendor, 4));
	json_object_object_add(o, "subsystem_device", hex(dev->subsystem_device, 4));
	json_object_object_add(o, "class", hex(dev->class_code, 6));
	json_object_object_add(o, "revision", hex(dev->revision, 2));
	json_object_object_add(o, "modalias", json_object_new_string(dev->modalias));
	json_object_object_add(o, "driver", opt_string(dev->driver));
	/* An override that is no valid driver name is shown as such, never echoed raw. */
	json_object_object_add(o, "driver_override",
	                       dev->override_unusual ? json_object_new_string("(unusual)")
	                                             : opt_string(dev->driver_override));
	json_object_object_add(o, "boot_vga",
	                       dev->boot_vga < 0 ? NULL : json_object_new_boolean(dev->boot_vga));
	json_object_object_add(o, "iommu_group",
	                       dev->iommu_group < 0 ? NULL : json_object_new_int(dev->iommu_group));

	for (size_t i = 0; i < dev->n_group && i < BB_MAX_GROUP_MEMBERS; i++) {
		const struct bb_group_member *m = &dev->group[i];
		struct json_object *mo = json_object_new_object();

		json_object_object_add(mo, "address", json_object_new_string(m->address.s));
		json_object_object_add(mo, "driver", opt_string(m->driver));
		json_object_object_add(mo, "class", hex(m->class_code, 6));
		json_object_object_add(mo, "bridge", json_object_new_boolean(m->bridge));
		json_object_array_add(group, mo);
	}
	for (size_t i = 0; i < dev->n_net && i < BB_MAX_CHILDREN; i++) {
		struct json_object *no = json_object_new_object();

		json_object_object_add(no, "name", json_object_new_string(dev->net[i].name));
		json_object_object_add(no, "default_route",
		                       json_object_new_boolean(dev->net[i].default_route));
		json_object_array_add(net, no);
	}
	for (size_t i = 0; i < dev->n_block && i < BB_MAX_CHILDREN; i++) {
		struct json_object *bo = json_object_new_object();

		json_object_object_add(bo, "name", json_object_new_string(dev->block[i].name));
		json_object_object_add(bo, "mounted",
		                       json_object_new_boolean(dev->block[i].mounted));
		json_object_object_add(bo, "swap", json_object_new_boolean(dev->block[i].swap));
		json_object_array_add(block, bo);
	}
	json_object_object_add(o, "group", group);
	json_object_object_add(o, "net", net);
	json_object_object_add(o, "block", block);
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

	json_object_object_add(o, "device", json_object_new_string(r->address.s));
	json_object_object_add(o, "target", opt_string(r->target));
	json_object_object_add(o, "old_driver", opt_string(r->old_driver));
	json_object_object_add(o, "new_driver", opt_string(r->new_driver));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(
	    o, "failure", ok ? NULL : json_object_new_string(bb_failure_to_string(r->failure)));
	json_object_object_add(o, "failed_step", opt_string(r->failed_step));
	json_object_object_add(o, "error",
	                       r->error < 0 ? json_object_new_string(strerror(-r->error)) : NULL);
	json_object_object_add(o, "rollback_attempted",
	                       json_object_new_boolean(r->rollback_attempted));
	json_object_object_add(o, "rollback_ok", json_object_new_boolean(r->rollback_ok));
	json_object_object_add(o, "message", json_object_new_string(r->message));
	return o;
}
