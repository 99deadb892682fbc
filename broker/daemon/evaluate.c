/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Steps 5 and 6 of a request, shared by Check (the dry run) and the acting
 * calls: choose the target driver and run decide() on every device involved,
 * against one policy snapshot (a reload in between does not mix two policies).
 */
#include <string.h>

#include "daemon-glue.h"
#include "daemon.h"
#include "decide.h"
#include "evaluate.h"

int choose_target(BbDaemon *d, const struct bb_device *dev, const char *driver, char *buf,
                  size_t size)
{
	if (driver) {
		if (strlen(driver) >= size)
			return -ENAMETOOLONG;
		strcpy(buf, driver);
		return 0;
	}
	return bb_modules_best_vfio_driver(bb_daemon_modules(d), dev->modalias, buf, size);
}

static struct json_object *member_json(const struct bb_decision *dec, const char *address,
                                       const char *target)
{
	struct json_object *o = decision_to_json(dec);

	json_object_object_add(o, "device", json_object_new_string(address));
	json_object_object_add(o, "driver",
	                       target && *target ? json_object_new_string(target) : NULL);
	return o;
}

static void held_release(BbDaemon **d)
{
	daemon_settings_release(*d);
}

int evaluate_request(BbDaemon *d, const struct bb_requester *rq, BbAction action,
                     const struct bb_device *dev, const char *driver, bool group,
                     const bb_lockdown *lockdown, struct bb_evaluation *ret)
{
	/* Policy, tables and configuration of one generation: a SIGHUP reload waits (reload.c). */
	_cleanup_(held_release) BbDaemon *held = (daemon_settings_hold(d), d);
	_cleanup_policy_ struct bb_policy *policy = daemon_policy_get(d);
	struct bb_decide_input in = {
	    .action = action,
	    .group_bind = group,
	    .requester = rq,
	    .policy = policy,
	    .coverage = daemon_table_coverage,
	    .coverage_userdata = d,
	};
	_cleanup_free_ struct bb_device *member = NULL;
	char target[BB_DRIVER_NAME_MAX + 1] = "";
	int r;

	*ret = (struct bb_evaluation){0};
	ret->members = json_object_new_array();
	if (lockdown) {
		in.lockdown = *lockdown;
	} else {
		r = bb_lockdown_read(d->sysfs, &in.lockdown);
		if (r < 0)
			return r;
	}

	if (action == BB_ACTION_BIND) {
		r = choose_target(d, dev, driver, target, sizeof(target));
		if (r < 0)
			return r;
	}
	strcpy(ret->driver, target);
	in.device = dev;
	in.driver = action == BB_ACTION_BIND ? target : NULL;
	r = decide(&in, &ret->decision);
	if (r < 0)
		return r;
	ret->denied_device = dev->address;
	json_object_array_add(ret->members, member_json(&ret->decision, dev->address.s, target));
	if (!group || !ret->decision.allowed)
		return 0;

	/* A group acts as one unit: every endpoint must pass. Bridges stay where they are. */
	member = malloc(sizeof(*member));
	if (!member)
		return -ENOMEM;
	for (size_t i = 0; i < dev->n_group && i < BB_MAX_GROUP_MEMBERS; i++) {
		const struct bb_group_member *m = &dev->group[i];
		struct bb_decision dec;

		if (m->bridge || streq(m->address.s, dev->address.s))
			continue;
		r = bb_device_read(d->sysfs, m->address.s, member);
		if (r < 0)
			return r;
		target[0] = '\0';
		if (action == BB_ACTION_BIND) {
			r = choose_target(d, member, driver, target, sizeof(target));
			if (r < 0)
				return r;
		}
		in.device = member;
		in.driver = action == BB_ACTION_BIND ? target : NULL;
		r = decide(&in, &dec);
		if (r < 0) {
			decision_done(&dec);
			return r;
		}
		json_object_array_add(ret->members, member_json(&dec, m->address.s, target));
		if (!dec.allowed && ret->decision.allowed) {
			decision_move(&ret->decision, &dec);
			ret->denied_device = m->address;
		}
		decision_done(&dec);
	}
	return 0;
}

void evaluation_done(struct bb_evaluation *e)
{
	json_object_put(e->members);
	e->members = NULL;
	decision_done(&e->decision);
}

int reply_denied(BbReply *reply, const struct bb_evaluation *e)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "device", json_object_new_string(e->denied_device.s));
	json_object_object_add(o, "driver",
	                       e->driver[0] ? json_object_new_string(e->driver) : NULL);
	json_object_object_add(o, "rule", json_object_new_string(e->decision.rule));
	json_object_object_add(o, "reason", json_object_new_string(e->decision.reason));
	if (e->decision.policy)
		json_object_object_add(o, "policy", json_object_get(e->decision.policy));
	return reply_error(reply, BB_BROKER_ERROR_DENIED, o);
}
