/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The decision stub: fixed rules that keep the host's own devices out of reach. */
#include <stdarg.h>
#include <stdio.h>

#include "bb-macro.h"
#include "decide.h"

static void verdict(struct bb_decision *ret, bool allowed, const char *rule, const char *fmt, ...)
    _printf_(4, 5);

static void verdict(struct bb_decision *ret, bool allowed, const char *rule, const char *fmt, ...)
{
	va_list ap;

	ret->allowed = allowed;
	ret->rule = rule;
	va_start(ap, fmt);
	vsnprintf(ret->reason, sizeof(ret->reason), fmt, ap);
	va_end(ap);
}

static const char *bridge_kind(unsigned subclass)
{
	switch (subclass) {
	case 0x00:
		return "host bridge";
	case 0x01:
		return "ISA bridge";
	case 0x04:
	case 0x09:
		return "PCI bridge";
	default:
		return "bridge";
	}
}

const char *bb_action_to_string(BbAction a)
{
	switch (a) {
	case BB_ACTION_BIND:
		return "bind";
	case BB_ACTION_RELEASE:
		return "release";
	case BB_ACTION_QUARANTINE:
		return "quarantine";
	}
	return "?";
}

void decide(const struct bb_decide_input *in, struct bb_decision *ret)
{
	const struct bb_device *dev = in->device;
	const char *addr = dev->address.s;
	const char *act = bb_action_to_string(in->action);

	/* Handing a device back to the host's own matching takes nothing from the host. */
	if (in->action == BB_ACTION_RELEASE) {
		verdict(ret, true, "release-to-host", "%s goes back to the host's own driver",
		        addr);
		return;
	}
	/* Every bridge class (base class 0x06), not only those the binder skips in a group. */
	if (bb_class_is_bridge(dev->class_code) || (dev->class_code >> 16) == 0x06) {
		unsigned sub = (dev->class_code >> 8) & 0xff;
		bool host = sub == 0x00;

		verdict(ret, false, host ? "host-bridge" : "bridge",
		        "%s is a %s (class %06x): taking it from its driver would cut off the "
		        "devices behind it",
		        addr, bridge_kind(sub), (unsigned)dev->class_code);
		return;
	}
	if (dev->boot_vga == 1) {
		verdict(ret, false, "boot-vga",
		        "%s is the boot VGA device (the console); refusing to %s it", addr, act);
		return;
	}
	for (size_t i = 0; i < dev->n_block; i++) {
		if (dev->block[i].mounted) {
			verdict(ret, false, "backs-mount",
			        "%s backs a mounted filesystem (%s); refusing to %s it", addr,
			        dev->block[i].name, act);
			return;
		}
		if (dev->block[i].swap) {
			verdict(ret, false, "backs-swap",
			        "%s backs active swap (%s); refusing to %s it", addr,
			        dev->block[i].name, act);
			return;
		}
	}
	for (size_t i = 0; i < dev->n_net; i++) {
		if (dev->net[i].default_route) {
			verdict(ret, false, "default-route",
			        "%s carries the default route (%s); refusing to %s it", addr,
			        dev->net[i].name, act);
			return;
		}
	}
	if (in->action == BB_ACTION_BIND)
		verdict(ret, true, "default-allow", "no rule refuses binding %s to %s", addr,
		        in->driver ? in->driver : "its vfio driver");
	else
		verdict(ret, true, "default-allow", "no rule refuses quarantining %s", addr);
}

struct json_object *decision_to_json(const struct bb_decision *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "allowed", json_object_new_boolean(d->allowed));
	json_object_object_add(o, "rule", json_object_new_string(d->rule));
	json_object_object_add(o, "reason", json_object_new_string(d->reason));
	return o;
}
