/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Re-applying the persistent overrides at boot and on hot-add, and keeping a
 * hot-added device out of host drivers when it lands in a group vfio holds.
 */
#include <stdlib.h>
#include <string.h>

#include "bb-log.h"
#include "bb-macro.h"
#include "bb-overrides.h"

int bb_device_joins_vfio_group(bb_sysfs *s, const char *address, bool *ret)
{
	_cleanup_free_ struct bb_device *d = malloc(sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	r = bb_device_read(s, address, d);
	if (r < 0)
		return r;
	*ret = false;
	if (bb_driver_is_vfio(d->driver))
		return 0;
	for (size_t i = 0; i < d->n_group; i++)
		if (!streq(d->group[i].address.s, d->address.s) &&
		    bb_driver_is_vfio(d->group[i].driver))
			*ret = true;
	return 0;
}

static struct bb_apply_item *add_item(struct bb_apply_report *rep, const bb_address *a, int act)
{
	struct bb_apply_item *it = &rep->items[rep->n++];

	memset(it, 0, sizeof(*it));
	it->address = *a;
	it->action = act;
	return it;
}

static int apply_one(bb_binder *b, bb_sysfs *s, const struct bb_override_entry *e,
                     bb_apply_check check, void *userdata, struct bb_apply_report *rep)
{
	struct bb_device d;
	struct bb_apply_item *it;
	int r;

	r = bb_device_read_basic(s, &e->address, &d);
	if (r == -ENODEV) {
		add_item(rep, &e->address, BB_APPLY_ABSENT);
		return 0;
	}
	if (r >= 0 && streq(d.driver, e->driver) && streq(d.driver_override, e->driver)) {
		add_item(rep, &e->address, BB_APPLY_ALREADY);
		return 0;
	}
	if (check && check(e, userdata) < 0) {
		add_item(rep, &e->address, BB_APPLY_SKIPPED);
		return 0;
	}
	it = add_item(rep, &e->address, BB_APPLY_BOUND);
	r = bb_binder_bind(b, e->address.s, e->driver, &it->result);
	if (r < 0) {
		it->action = BB_APPLY_FAILED;
		rep->failed++;
	}
	return 0;
}

int bb_overrides_apply(bb_binder *b, const struct bb_overrides *o, const char *only,
                       bb_apply_check check, void *userdata, struct bb_apply_report *rep)
{
	bb_sysfs *s = bb_binder_sysfs(b);
	bb_address a;
	const struct bb_override_entry *e;
	struct bb_apply_item *it;
	bool joins = false;
	int r;

	rep->n = 0;
	rep->failed = 0;
	if (!only) {
		for (size_t i = 0; i < o->n; i++)
			apply_one(b, s, &o->entries[i], check, userdata, rep);
		return rep->failed ? -EIO : 0;
	}

	if (bb_address_parse(only, &a) < 0)
		return -EINVAL;
	e = bb_overrides_find(o, a.s);
	if (e) {
		apply_one(b, s, e, check, userdata, rep);
		return rep->failed ? -EIO : 0;
	}
	r = bb_device_joins_vfio_group(s, a.s, &joins);
	if (r < 0)
		return r;
	if (!joins)
		return 0;
	/* A host driver on it would break the isolation vfio relies on: hold it until an operator
	 * decides. */
	it = add_item(rep, &a, BB_APPLY_QUARANTINED);
	r = bb_binder_quarantine(b, a.s, &it->result);
	if (r < 0) {
		it->action = BB_APPLY_FAILED;
		rep->failed++;
		return -EIO;
	}
	log_notice("%s joined an IOMMU group held by vfio; quarantined until an operator decides",
	           a.s);
	return 0;
}
