/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decides one request: built-in checks, then the rules in order, first match wins, no match
 * denies. Rules are first matched without bookkeeping; the one that fires is matched again
 * while recording each fact it looks at, so the explanation costs nothing for the others.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "policy-internal.h"

void eval_record_fact(struct eval_ctx *ctx, const char *name, const char *fmt, ...)
{
	struct bb_policy_decision *d = ctx->d;
	struct bb_policy_fact_used *fact = NULL;
	va_list ap;

	if (!d)
		return;
	for (size_t i = 0; i < d->n_facts; i++)
		if (streq(d->facts[i].name, name))
			return; /* each fact once, with the value it had */
	if (d->n_facts >= BB_POLICY_MAX_FACTS_USED)
		return;
	fact = &d->facts[d->n_facts++];
	policy_copy(fact->name, sizeof(fact->name), name);
	va_start(ap, fmt);
	if (streq(fmt, "%s")) { /* most facts: a string as it is (NULL as glibc prints it) */
		const char *v = va_arg(ap, const char *);

		policy_copy(fact->value, sizeof(fact->value), v ? v : "(null)");
	} else {
		vsnprintf(fact->value, sizeof(fact->value), fmt, ap);
	}
	va_end(ap);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static const char *str_or_none(const char *s)
{
	return s && *s ? s : "(none)";
}

void policy_driver_normalize(const char *s, char *buf, size_t size)
{
	/* modprobe's rule: "vfio-pci" and "vfio_pci" name the same thing. */
	policy_copy(buf, size, s);
	for (char *c = buf; *c; c++)
		if (*c == '-')
			*c = '_';
}

bool policy_driver_match(const char *pattern, const char *driver)
{
	char p[BB_POLICY_MAX_WORD + 1], d[BB_POLICY_MAX_WORD + 1];

	policy_driver_normalize(pattern, p, sizeof(p));
	policy_driver_normalize(driver, d, sizeof(d));
	return fnmatch(p, d, 0) == 0;
}

static bool glob_match(const struct cond *c, const char *s)
{
	return c->glob.literal ? streq(c->glob.pattern, s) : fnmatch(c->glob.pattern, s, 0) == 0;
}

bool bb_policy_driver_is_vfio(const char *driver)
{
	return driver && (policy_driver_match("vfio_pci", driver) ||
	                  policy_driver_match("*_vfio_pci", driver));
}

static bool cmp(enum cmp_op op, uint32_t a, uint32_t b)
{
	switch (op) {
	case CMP_EQ:
		return a == b;
	case CMP_NE:
		return a != b;
	case CMP_LT:
		return a < b;
	case CMP_LE:
		return a <= b;
	case CMP_GT:
		return a > b;
	case CMP_GE:
		return a >= b;
	}
	return false;
}

static void record_mounts(struct eval_ctx *ctx)
{
	const struct bb_policy_facts *f = ctx->f;
	char buf[256] = "";
	size_t used = 0;

	if (!ctx->d)
		return;
	for (size_t i = 0; i < f->n_block_children; i++) {
		const struct bb_policy_block_child *b = &f->block_children[i];
		for (size_t j = 0; j < b->n_mountpoints; j++)
			used += (size_t)snprintf(
			    buf + used, used < sizeof(buf) ? sizeof(buf) - used : 0, "%s%s on %s",
			    used ? ", " : "", str_or_none(b->name), b->mountpoints[j]);
		if (b->swap)
			used += (size_t)snprintf(
			    buf + used, used < sizeof(buf) ? sizeof(buf) - used : 0, "%s%s is swap",
			    used ? ", " : "", str_or_none(b->name));
		if (used >= sizeof(buf))
			break;
	}
	eval_record(ctx, "mounts", "%s", used ? buf : "(none)");
}

static bool backs_mount(struct eval_ctx *ctx, const char *pattern)
{
	const struct bb_policy_facts *f = ctx->f;

	record_mounts(ctx);
	for (size_t i = 0; i < f->n_block_children; i++) {
		const struct bb_policy_block_child *b = &f->block_children[i];
		if (!pattern && b->swap)
			return true;
		for (size_t j = 0; j < b->n_mountpoints; j++)
			if (!pattern || fnmatch(pattern, b->mountpoints[j], 0) == 0)
				return true;
	}
	return false;
}

static bool backs_swap(struct eval_ctx *ctx)
{
	record_mounts(ctx);
	for (size_t i = 0; i < ctx->f->n_block_children; i++)
		if (ctx->f->block_children[i].swap)
			return true;
	return false;
}

static bool default_route(struct eval_ctx *ctx)
{
	const struct bb_policy_facts *f = ctx->f;

	for (size_t i = 0; i < f->n_net_children; i++)
		if (f->net_children[i].default_route) {
			eval_record(ctx, "default_route", "via %s",
			            str_or_none(f->net_children[i].name));
			return true;
		}
	eval_record(ctx, "default_route", "no");
	return false;
}

static bool signed_table(struct eval_ctx *ctx)
{
	const struct bb_policy_facts *f = ctx->f;
	char *table = ctx->cache->table;
	size_t size = sizeof(ctx->cache->table);

	if (ctx->cache->table_covered < 0) {
		table[0] = '\0';
		if (f->table_lookup) {
			int r = f->table_lookup(f->driver, table, size, f->table_lookup_userdata);
			ctx->cache->table_covered = r > 0;
			if (r < 0)
				snprintf(table, size, "lookup failed: %s", strerror(-r));
		} else {
			ctx->cache->table_covered = f->signed_table_covered;
			if (f->signed_table_name)
				snprintf(table, size, "%s", f->signed_table_name);
		}
	}
	bool covered = ctx->cache->table_covered > 0;
	if (covered)
		eval_record(ctx, "signed_table", "%s covers %s for %s", str_or_none(table),
		            f->address, f->driver);
	else
		eval_record(ctx, "signed_table", "none for %s%s%s", f->driver, table[0] ? ": " : "",
		            table);
	return covered;
}

static bool requester_in_group(struct eval_ctx *ctx, const char *group)
{
	const struct bb_policy_facts *f = ctx->f;
	char buf[256] = "";
	size_t used = 0;
	bool found = false;

	for (size_t i = 0; i < f->n_group_names; i++) {
		if (f->group_names[i] && streq(f->group_names[i], group))
			found = true;
		if (used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
			                         used ? "," : "", str_or_none(f->group_names[i]));
	}
	eval_record(ctx, "groups", "%s", used ? buf : "(none)");
	return found;
}

static bool match_cond(struct eval_ctx *ctx, const struct cond *c);

static bool match_all(struct eval_ctx *ctx, const struct cond *c)
{
	for (size_t i = 0; i < c->list.n; i++)
		if (!match_cond(ctx, c->list.items[i]))
			return false;
	return true;
}

static bool match_cond(struct eval_ctx *ctx, const struct cond *c)
{
	const struct bb_policy_facts *f = ctx->f;

	switch (c->kind) {
	case COND_AND:
		return match_all(ctx, c);
	case COND_OR:
		for (size_t i = 0; i < c->list.n; i++)
			if (match_cond(ctx, c->list.items[i]))
				return true;
		return false;
	case COND_NOT:
		return !match_cond(ctx, c->child);
	case COND_VENDOR:
		eval_record(ctx, "vendor", "0x%04x", f->vendor);
		return f->vendor == c->id;
	case COND_DEVICE:
		eval_record(ctx, "device", "0x%04x", f->device);
		return f->device == c->id;
	case COND_SUBSYSTEM_VENDOR:
		eval_record(ctx, "subsystem_vendor", "0x%04x", f->subsystem_vendor);
		return f->subsystem_vendor == c->id;
	case COND_SUBSYSTEM_DEVICE:
		eval_record(ctx, "subsystem_device", "0x%04x", f->subsystem_device);
		return f->subsystem_device == c->id;
	case COND_REVISION:
		eval_record(ctx, "revision", "0x%02x", f->revision);
		return f->revision == c->id;
	case COND_CLASS: {
		uint32_t cls = f->class_code & 0xffffff;
		eval_record(ctx, "class", "0x%06x", cls);
		if (c->cls.mask)
			return (cls & c->cls.mask) == c->cls.lo;
		uint32_t v = cls >> c->cls.shift;
		return v >= c->cls.lo && v <= c->cls.hi;
	}
	case COND_ADDRESS:
		eval_record(ctx, "address", "%s", f->address);
		return glob_match(c, f->address);
	case COND_IOMMU_GROUP:
		eval_record(ctx, "iommu_group", "%d", f->iommu_group);
		return f->iommu_group >= 0 &&
		       cmp(c->num.op, (uint32_t)f->iommu_group, c->num.value);
	case COND_IOMMU_GROUP_SIZE:
		eval_record(ctx, "iommu_group_size", "%zu", f->n_group_members);
		return cmp(c->num.op, (uint32_t)f->n_group_members, c->num.value);
	case COND_BOOT_VGA:
		eval_record(ctx, "boot_vga", "%s", yes_no(f->boot_vga));
		return f->boot_vga;
	case COND_BRIDGE:
		eval_record(ctx, "bridge", "%s", yes_no(f->is_bridge));
		return f->is_bridge;
	case COND_ENDPOINT:
		eval_record(ctx, "endpoint", "%s", yes_no(f->is_endpoint));
		return f->is_endpoint;
	case COND_BACKS_MOUNT:
		return backs_mount(ctx, c->glob.pattern);
	case COND_BACKS_SWAP:
		return backs_swap(ctx);
	case COND_DEFAULT_ROUTE:
		return default_route(ctx);
	case COND_SIGNED_TABLE:
		return signed_table(ctx);
	case COND_DRIVER:
		eval_record(ctx, "driver", "%s", f->driver);
		return glob_match(c, ctx->cache->driver);
	case COND_USER:
		eval_record(ctx, "user", "%s (uid %u)", str_or_none(f->user_name),
		            (unsigned)f->uid);
		if (c->user.name)
			return f->user_name && streq(f->user_name, c->user.name);
		return f->uid == c->user.uid;
	case COND_GROUP:
		return requester_in_group(ctx, c->name);
	case COND_SELINUX_TYPE:
		eval_record(ctx, "selinux_type", "%s", str_or_none(f->selinux_type));
		return f->selinux_type && streq(f->selinux_type, c->name);
	case COND_LOCKDOWN:
		eval_record(ctx, "lockdown", "%s", bb_policy_lockdown_to_string(f->lockdown));
		/* Levels are ordered: confidentiality includes integrity's restrictions. */
		if (c->lockdown == BB_POLICY_LOCKDOWN_NONE)
			return f->lockdown == BB_POLICY_LOCKDOWN_NONE;
		return f->lockdown >= c->lockdown;
	case COND_GROUP_BIND:
		eval_record(ctx, "group_bind", "%s", yes_no(f->group_bind));
		return f->group_bind;
	}
	return false;
}

static void decision_init(struct bb_policy_decision *d, const struct bb_policy_facts *f)
{
	memset(d, 0, offsetof(struct bb_policy_decision, facts));
	d->verdict = BB_POLICY_DENY;
	policy_copy(d->device, sizeof(d->device), f->address);
	policy_copy(d->driver, sizeof(d->driver), f->driver);
}

int bb_policy_evaluate(const struct bb_policy *p, const struct bb_policy_facts *f,
                       struct bb_policy_decision *d)
{
	struct eval_cache cache = {.table_covered = -1};

	if (!f || !d || !f->address || !f->driver)
		return -EINVAL;
	decision_init(d, f);
	policy_driver_normalize(f->driver, cache.driver, sizeof(cache.driver));

	if (policy_builtin_checks(f, d))
		return 0;

	for (size_t i = 0; p && i < p->n_rules; i++) {
		const struct rule *rule = &p->rules[i];
		struct eval_ctx quiet = {.f = f, .cache = &cache};

		if (rule->need_vendor >= 0 && rule->need_vendor != f->vendor)
			continue;
		if (rule->need_device >= 0 && rule->need_device != f->device)
			continue;
		if (!match_cond(&quiet, rule->cond))
			continue;

		struct eval_ctx loud = {.f = f, .d = d, .cache = &cache};
		(void)match_cond(&loud, rule->cond);
		d->verdict = rule->verdict;
		d->source = BB_POLICY_SOURCE_RULE;
		d->line = rule->line;
		policy_copy(d->file, sizeof(d->file), p->files[rule->file]);
		policy_copy(d->rule_text, sizeof(d->rule_text), rule->text);
		snprintf(d->reason, sizeof(d->reason), "%s by %s:%u: %.200s",
		         rule->verdict == BB_POLICY_ALLOW ? "allowed" : "denied", d->file, d->line,
		         d->rule_text);
		return 0;
	}

	d->verdict = BB_POLICY_DENY;
	d->source = BB_POLICY_SOURCE_NO_MATCH;
	snprintf(d->reason, sizeof(d->reason), "no rule matched");
	return 0;
}
