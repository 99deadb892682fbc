/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built-in checks that run before any rule and that no rule can override, because the
 * kernel would refuse or misbehave anyway:
 *   vfio-denylist          the device is on the vfio-pci deny-list (known errata);
 *   no-iommu-group         a vfio driver was asked for a device without an IOMMU group;
 *   iommu-group-viability  another endpoint of the group stays on a host driver and the
 *                          request is not a group bind (vfio refuses a group that is not
 *                          viable; bridges are ignored, as the kernel does).
 */
#include <stdio.h>
#include <string.h>

#include "policy-internal.h"

/* From drivers/vfio/pci/vfio_pci.c (vfio_pci_dev_in_denylist) and include/linux/pci_ids.h. */
const struct bb_policy_device_id bb_policy_vfio_denylist[] = {
    {0x8086, 0x0435, "Intel QAT DH895XCC"},
    {0x8086, 0x0443, "Intel QAT DH895XCC VF"},
    {0x8086, 0x19e2, "Intel QAT C3XXX"},
    {0x8086, 0x19e3, "Intel QAT C3XXX VF"},
    {0x8086, 0x37c8, "Intel QAT C62X"},
    {0x8086, 0x37c9, "Intel QAT C62X VF"},
    {0x8086, 0x0b25, "Intel DSA (Sapphire Rapids)"},
    {0x8086, 0x0cfe, "Intel IAA (Sapphire Rapids)"},
};
const size_t bb_policy_vfio_denylist_size = ARRAY_SIZE(bb_policy_vfio_denylist);

static void refuse(struct bb_policy_decision *d, const char *check)
{
	d->verdict = BB_POLICY_DENY;
	d->source = BB_POLICY_SOURCE_BUILTIN;
	policy_copy(d->builtin, sizeof(d->builtin), check);
}

static bool check_denylist(const struct bb_policy_facts *f, struct bb_policy_decision *d)
{
	const struct bb_policy_device_id *list =
	    f->deny_list ? f->deny_list : bb_policy_vfio_denylist;
	size_t n = f->deny_list ? f->n_deny_list : bb_policy_vfio_denylist_size;
	struct eval_ctx ctx = {.f = f, .d = d};

	for (size_t i = 0; i < n; i++) {
		if (list[i].vendor != f->vendor || list[i].device != f->device)
			continue;
		refuse(d, "vfio-denylist");
		snprintf(d->reason, sizeof(d->reason),
		         "device %04x:%04x (%s) is on the vfio-pci deny-list: known errata make "
		         "it unsafe to hand to a vfio driver",
		         f->vendor, f->device, list[i].name ? list[i].name : "unnamed");
		eval_record(&ctx, "vendor", "0x%04x", f->vendor);
		eval_record(&ctx, "device", "0x%04x", f->device);
		eval_record(&ctx, "driver", "%s", f->driver);
		return true;
	}
	return false;
}

/* A group member does not break viability when it has no driver, or vfio/pci-stub holds it. */
static bool member_is_safe(const struct bb_policy_group_member *m)
{
	return !m->driver || !m->driver[0] || bb_policy_driver_is_vfio(m->driver) ||
	       policy_driver_match("pci_stub", m->driver);
}

static bool check_group(const struct bb_policy_facts *f, struct bb_policy_decision *d)
{
	struct eval_ctx ctx = {.f = f, .d = d};

	if (f->iommu_group < 0) {
		refuse(d, "no-iommu-group");
		snprintf(d->reason, sizeof(d->reason),
		         "%s has no IOMMU group, so %s cannot isolate it", f->address, f->driver);
		eval_record(&ctx, "iommu_group", "none");
		eval_record(&ctx, "driver", "%s", f->driver);
		return true;
	}
	if (f->group_bind)
		return false; /* the broker moves every member, each decided on its own */

	for (size_t i = 0; i < f->n_group_members; i++) {
		const struct bb_policy_group_member *m = &f->group_members[i];

		if (!m->address || streq(m->address, f->address) || m->is_bridge ||
		    member_is_safe(m))
			continue;
		refuse(d, "iommu-group-viability");
		snprintf(d->reason, sizeof(d->reason),
		         "IOMMU group %d is not viable for %s: %s (class 0x%06x) stays on host "
		         "driver %s; bind the whole group instead",
		         f->iommu_group, f->driver, m->address, m->class_code & 0xffffff,
		         m->driver);
		eval_record(&ctx, "iommu_group", "%d", f->iommu_group);
		eval_record(&ctx, "iommu_group_size", "%zu", f->n_group_members);
		eval_record(&ctx, "group_member", "%s driver %s", m->address, m->driver);
		eval_record(&ctx, "group_bind", "no");
		eval_record(&ctx, "driver", "%s", f->driver);
		return true;
	}
	return false;
}

bool policy_builtin_checks(const struct bb_policy_facts *f, struct bb_policy_decision *d)
{
	if (!bb_policy_driver_is_vfio(f->driver))
		return false;
	return check_denylist(f, d) || check_group(f, d);
}
