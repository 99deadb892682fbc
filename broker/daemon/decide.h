/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decision step (DESIGN §2 step 6). Today a fixed stub that keeps the
 * host's own devices safe; the policy issue replaces decide() with the
 * device-class rule evaluator, signed tables and the lockdown posture.
 */
#pragma once

#include <stdbool.h>

#include <json-c/json.h>

#include "broker.h"

typedef enum BbAction {
	BB_ACTION_BIND,
	BB_ACTION_RELEASE,
	BB_ACTION_QUARANTINE,
} BbAction;

struct bb_decision {
	bool allowed;
	const char *rule; /* the rule that fired, a stable name */
	char reason[256]; /* one sentence naming the device and why */
};

struct bb_decide_input {
	BbAction action;
	const struct bb_device *device;
	const char *driver; /* target driver of a bind, NULL otherwise */
	bb_lockdown lockdown;
};

/*
 * Decides whether IN may happen. Release is always allowed. Bind and
 * quarantine refuse bridges of every kind (host, PCI, ISA: base class 0x06),
 * the boot VGA device, devices backing a mounted filesystem or swap, and
 * devices carrying the default route; everything else is "default-allow".
 */
void decide(const struct bb_decide_input *in, struct bb_decision *ret);

const char *bb_action_to_string(BbAction a);

struct json_object *decision_to_json(const struct bb_decision *d);
