/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target choice and decision for one request (see evaluate.c). */
#pragma once

#include "daemon.h"
#include "decide.h"

struct bb_evaluation {
	char driver[BB_DRIVER_NAME_MAX + 1]; /* target of the named device ("" unless bind) */
	struct bb_decision decision;         /* the first denial, else the device's verdict */
	bb_address denied_device;            /* whose verdict DECISION is */
	struct json_object *members;         /* owned: one Verdict per device considered */
};

/* DRIVER, or the best vfio variant for DEV's modalias (vfio-pci as the catch-all). */
int choose_target(BbDaemon *d, const struct bb_device *dev, const char *driver, char *buf,
                  size_t size);

/*
 * Decides ACTION for DEV and, with GROUP, for every endpoint of its IOMMU group.
 * LOCKDOWN: the posture read with DEV's facts (Check's snapshot), NULL = read it now.
 */
int evaluate_request(BbDaemon *d, const struct bb_requester *rq, BbAction action,
                     const struct bb_device *dev, const char *driver, bool group,
                     const bb_lockdown *lockdown, struct bb_evaluation *ret);

void evaluation_done(struct bb_evaluation *e);

/* An io.bindbroker.Broker.Denied reply naming the device, rule and reason. */
int reply_denied(BbReply *reply, const struct bb_evaluation *e);

/* policy-glue.c: the current policy, referenced (bb_policy_unref when done). */
struct bb_policy *daemon_policy_get(BbDaemon *d);
/* tables-glue.c: signed-table coverage for decide(). */
int daemon_table_coverage(const struct bb_device *dev, const char *driver, bb_lockdown lockdown,
                          char *table, size_t size, void *userdata);
