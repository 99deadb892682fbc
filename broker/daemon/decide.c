/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The decision: facts of one device and one requester, decided by the policy. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-macro.h"
#include "decide.h"
#include "json-text.h"

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

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

static enum bb_policy_lockdown policy_lockdown(bb_lockdown l)
{
	switch (l) {
	case BB_LOCKDOWN_INTEGRITY:
		return BB_POLICY_LOCKDOWN_INTEGRITY;
	case BB_LOCKDOWN_CONFIDENTIALITY:
		return BB_POLICY_LOCKDOWN_CONFIDENTIALITY;
	default:
		return BB_POLICY_LOCKDOWN_NONE;
	}
}

/* Header type 1 (PCI-to-PCI, incl. root and switch ports) or 2 (CardBus), by class. */
static bool class_is_bridge_header(uint32_t class_code)
{
	uint32_t sub = class_code >> 8;

	return sub == 0x0604 || sub == 0x0607 || sub == 0x0609;
}

/*
 * sysfs has no PCIe port type without config space, so the class stands in:
 * bridges and ports (0x0604/0x0607/0x0609), host bridges (0x0600) and root
 * complex event collectors (0x0807) are not endpoints.
 */
static bool class_is_endpoint(uint32_t class_code)
{
	uint32_t sub = class_code >> 8;

	return !class_is_bridge_header(class_code) && sub != 0x0600 && sub != 0x0807;
}

struct coverage_ctx {
	const struct bb_decide_input *in;
	char *table_out;
	size_t table_size;
};

static int coverage_cb(const char *driver, char *table, size_t size, void *userdata)
{
	struct coverage_ctx *c = userdata;
	int r;

	if (!c->in->coverage)
		return 0;
	r = c->in->coverage(c->in->device, driver, c->in->lockdown, table, size,
	                    c->in->coverage_userdata);
	if (r > 0)
		snprintf(c->table_out, c->table_size, "%s", table);
	return r;
}

/* Appending to a fixed buffer, cut as snprintf cuts (a sentence per decision, no formats). */
struct text {
	char *buf;
	size_t size, used; /* used < size */
};

static void text_add(struct text *t, const char *s)
{
	size_t n = strnlen(s, t->size - 1 - t->used);

	memcpy(t->buf + t->used, s, n);
	t->used += n;
	t->buf[t->used] = '\0';
}

static void verdict(struct bb_decision *ret, bool allowed, const char *rule, const char *fmt, ...)
    _printf_(4, 5);

static void verdict(struct bb_decision *ret, bool allowed, const char *rule, const char *fmt, ...)
{
	va_list ap;

	ret->allowed = allowed;
	snprintf(ret->rule, sizeof(ret->rule), "%s", rule);
	va_start(ap, fmt);
	vsnprintf(ret->reason, sizeof(ret->reason), fmt, ap);
	va_end(ap);
}

/*
 * A reply carries the policy's explanation twice (decision and members) and
 * a denied bind once more: printed once, then kept with the object, which
 * nobody changes after decide(). Out of memory: printed each time by json-c.
 */
static void policy_text_keep(struct json_object *policy)
{
	JsonText t = {0};

	json_text_object(&t, policy);
	if (t.oom || !t.buf) {
		json_text_done(&t);
		return;
	}
	json_object_set_serializer(policy, json_object_userdata_to_json_string, t.buf,
	                           json_object_free_userdata);
}

int decide(const struct bb_decide_input *in, struct bb_decision *ret)
{
	const struct bb_device *dev = in->device;
	const struct bb_requester *rq = in->requester;
	struct bb_policy_group_member members[BB_MAX_GROUP_MEMBERS];
	struct bb_policy_block_child block[BB_MAX_CHILDREN];
	struct bb_policy_net_child net[BB_MAX_CHILDREN];
	static const char *const unknown_mount[] = {"(mounted)"};
	const char *mountpoints[BB_MAX_CHILDREN][BB_MOUNTPOINTS_MAX];
	_cleanup_free_ struct bb_policy_decision *pd = NULL;
	struct bb_policy_facts f = {0};
	struct coverage_ctx cov = {.in = in};
	int r;

	*ret = (struct bb_decision){0};
	cov.table_out = ret->table;
	cov.table_size = sizeof(ret->table);

	/* Handing a device back to the host's own matching takes nothing from the host. */
	if (in->action == BB_ACTION_RELEASE) {
		verdict(ret, true, "release-to-host", "%s goes back to the host's own driver",
		        dev->address.s);
		return 0;
	}

	f.address = dev->address.s;
	f.vendor = dev->vendor;
	f.device = dev->device;
	f.subsystem_vendor = dev->subsystem_vendor;
	f.subsystem_device = dev->subsystem_device;
	f.class_code = dev->class_code;
	f.revision = dev->revision;
	f.is_bridge = class_is_bridge_header(dev->class_code);
	f.is_endpoint = class_is_endpoint(dev->class_code);
	f.boot_vga = dev->boot_vga == 1;
	f.iommu_group = dev->iommu_group;
	for (size_t i = 0; i < dev->n_group && i < BB_MAX_GROUP_MEMBERS; i++)
		members[i] = (struct bb_policy_group_member){
		    .address = dev->group[i].address.s,
		    .class_code = dev->group[i].class_code,
		    .driver = dev->group[i].driver,
		    .is_bridge = dev->group[i].bridge,
		};
	f.group_members = members;
	f.n_group_members = dev->iommu_group < 0 ? 0 : MIN(dev->n_group, BB_MAX_GROUP_MEMBERS);
	/*
	 * Mount points as /proc/mounts names them. A child mounted more often than the
	 * model keeps, or through a holder (dm/md) whose mounts are not listed, still
	 * reports "(mounted)", so bare backs-mount denies it.
	 */
	for (size_t i = 0; i < dev->n_block && i < BB_MAX_CHILDREN; i++) {
		const struct bb_block_child *c = &dev->block[i];

		for (size_t k = 0; k < c->n_mountpoints; k++)
			mountpoints[i][k] = c->mountpoints[k];
		block[i] = (struct bb_policy_block_child){
		    .name = c->name,
		    .mountpoints = c->n_mountpoints ? mountpoints[i] : c->mounted ? unknown_mount : NULL,
		    .n_mountpoints = c->n_mountpoints ? c->n_mountpoints : c->mounted ? 1 : 0,
		    .swap = c->swap,
		};
	}
	f.block_children = block;
	f.n_block_children = MIN(dev->n_block, BB_MAX_CHILDREN);
	for (size_t i = 0; i < dev->n_net && i < BB_MAX_CHILDREN; i++)
		net[i] = (struct bb_policy_net_child){
		    .name = dev->net[i].name,
		    .default_route = dev->net[i].default_route,
		};
	f.net_children = net;
	f.n_net_children = MIN(dev->n_net, BB_MAX_CHILDREN);
	f.table_lookup = coverage_cb;
	f.table_lookup_userdata = &cov;
	if (rq) {
		f.uid = rq->uid;
		f.user_name = rq->user[0] ? rq->user : NULL;
		f.group_names = (const char *const *)rq->groups;
		f.n_group_names = rq->n_groups;
		f.selinux_type = rq->selinux_type[0] ? rq->selinux_type : NULL;
	} else {
		f.uid = (uid_t)-1;
	}
	f.lockdown = policy_lockdown(in->lockdown);
	f.driver = in->action == BB_ACTION_QUARANTINE ? BB_QUARANTINE_OVERRIDE
	           : in->driver                       ? in->driver
	                                              : "vfio-pci";
	f.group_bind = in->group_bind;

	pd = malloc(sizeof(*pd));
	if (!pd)
		return -ENOMEM;
	r = bb_policy_evaluate(in->policy, &f, pd);
	if (r < 0)
		return r;

	ret->allowed = pd->verdict == BB_POLICY_ALLOW;
	switch (pd->source) {
	case BB_POLICY_SOURCE_RULE:
		snprintf(ret->rule, sizeof(ret->rule), "%s:%u", pd->file, pd->line);
		break;
	case BB_POLICY_SOURCE_BUILTIN:
		text_add(&(struct text){ret->rule, sizeof(ret->rule), 0}, pd->builtin);
		break;
	case BB_POLICY_SOURCE_NO_MATCH:
		text_add(&(struct text){ret->rule, sizeof(ret->rule), 0}, "no-match");
		break;
	}
	/* The device, what decided, and the facts that rule looked at: one sentence. */
	{
		struct text t = {ret->reason, sizeof(ret->reason), 0};

		text_add(&t, dev->address.s);
		text_add(&t, ": ");
		text_add(&t, pd->reason);
		for (size_t i = 0; i < pd->n_facts; i++) {
			text_add(&t, i == 0 ? " (" : "; ");
			text_add(&t, pd->facts[i].name);
			text_add(&t, "=");
			text_add(&t, pd->facts[i].value);
			if (i + 1 == pd->n_facts)
				text_add(&t, ")");
		}
	}
	if (!ret->allowed || pd->source != BB_POLICY_SOURCE_RULE)
		ret->table[0] = '\0';
	ret->policy = bb_policy_decision_to_json(pd);
	if (!ret->policy)
		return -ENOMEM;
	policy_text_keep(ret->policy);
	return 0;
}

void decision_done(struct bb_decision *d)
{
	json_object_put(d->policy);
	d->policy = NULL;
}

void decision_move(struct bb_decision *dst, struct bb_decision *src)
{
	decision_done(dst);
	*dst = *src;
	src->policy = NULL;
}

/* KEY is a literal not yet in O: neither copied nor looked up. */
static void add_new(struct json_object *o, const char *key, struct json_object *value)
{
	json_object_object_add_ex(o, key, value,
	                          JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

struct json_object *decision_to_json(const struct bb_decision *d)
{
	struct json_object *o = json_object_new_object();

	add_new(o, "allowed", json_object_new_boolean(d->allowed));
	add_new(o, "rule", json_object_new_string(d->rule));
	add_new(o, "reason", json_object_new_string(d->reason));
	if (d->policy)
		add_new(o, "policy", json_object_get(d->policy));
	return o;
}

void decision_to_json_text(JsonText *t, const struct bb_decision *d)
{
	json_text_lit(t, d->allowed ? "{\"allowed\":true,\"rule\":" : "{\"allowed\":false,\"rule\":");
	json_text_string(t, d->rule);
	json_text_lit(t, ",\"reason\":");
	json_text_string(t, d->reason);
	if (d->policy) {
		json_text_lit(t, ",\"policy\":");
		json_text_object(t, d->policy);
	}
	json_text_lit(t, "}");
}
