/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decision step (DESIGN §2 step 6): the device's facts, the requester, the
 * lockdown posture and signed-table coverage, decided by the device-class
 * policy (policy/bb-policy.h). decide() is a function of its input: the daemon
 * hands in the current policy and a table-coverage callback.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "bb-policy.h"
#include "broker.h"

typedef enum BbAction {
	BB_ACTION_BIND,
	BB_ACTION_RELEASE,
	BB_ACTION_QUARANTINE,
} BbAction;

/* Who asks, as policy and audit see it; gathered once per request (requester.c). */
struct bb_requester {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	uint32_t loginuid; /* 4294967295 = unset */
	char user[64];     /* "" when the uid has no name */
	char **groups;     /* names of every group the user is in */
	size_t n_groups;
	char *context;          /* SELinux peer context, NULL when SELinux is off */
	char selinux_type[128]; /* its type, "" when none */
};

struct bb_decision {
	bool allowed;
	char rule[300];             /* stable: "FILE:LINE", a built-in check, "no-match", ... */
	char reason[600];           /* one sentence naming the device and what decided */
	char table[65];             /* the signed table that covered the device, "" */
	struct json_object *policy; /* owned: bb_policy_decision_to_json(); NULL for daemon rules */
};

/* Signed-table coverage of DEV for DRIVER (as bb_policy_table_lookup_fn, with the device). */
typedef int (*bb_coverage_fn)(const struct bb_device *dev, const char *driver, bb_lockdown lockdown,
                              char *table, size_t size, void *userdata);

struct bb_decide_input {
	BbAction action;
	const struct bb_device *device;
	const char *driver; /* target driver of a bind, NULL otherwise */
	bb_lockdown lockdown;
	bool group_bind;
	const struct bb_requester *requester;
	const struct bb_policy *policy; /* NULL: an empty policy, which denies */
	bb_coverage_fn coverage;        /* NULL: nothing is covered */
	void *coverage_userdata;
};

/*
 * Decides IN into RET (RET->policy to be put with decision_done). Release is
 * always allowed ("release-to-host": it gives the device back to the host).
 * Quarantine is decided by the policy with the driver name
 * "bindbroker-quarantine" (BB_QUARANTINE_OVERRIDE). Returns 0 or -ENOMEM/-EINVAL.
 */
int decide(const struct bb_decide_input *in, struct bb_decision *ret);
void decision_done(struct bb_decision *d);
/* Moves SRC into DST (DST's old content is dropped). */
void decision_move(struct bb_decision *dst, struct bb_decision *src);

const char *bb_action_to_string(BbAction a);

/* {allowed, rule, reason, policy?}: a new object. */
struct json_object *decision_to_json(const struct bb_decision *d);

/* requester.c: the peer's user, groups, loginuid and SELinux context. */
struct BbPeer;
int requester_init(const struct BbPeer *peer, struct bb_requester *ret);
/* The same, with the user and groups from a cache of a few seconds (Check only, advisory). */
int requester_init_cached(const struct BbPeer *peer, struct bb_requester *ret);
void requester_done(struct bb_requester *r);
