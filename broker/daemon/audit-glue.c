/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Linux audit (audit/bb-linux-audit.h): one USER_DEVICE record per rebind
 * attempt and per refusal, with the requester's uid, loginuid, pid and SELinux
 * context from the peer. The mode is --audit, else bindbroker.conf's audit=.
 */
#include <stdio.h>
#include <string.h>

#include "daemon-glue.h"
#include "daemon.h"

int daemon_audit_init(BbDaemon *d)
{
	int r;

	d->audit_mode = d->opts.audit >= 0 ? (enum bb_audit_mode)d->opts.audit : d->config.audit;
	r = bb_audit_open(d->audit_mode, &d->audit);
	if (r == -ENOTSUP)
		return log_error_errno(r, "audit = required, but the kernel offers no audit "
		                          "(no audit support, or a user namespace): not starting; "
		                          "use --audit best-effort to run without");
	if (r < 0)
		return log_error_errno(r, "cannot open Linux audit (mode %s): %m",
		                       bb_audit_mode_to_string(d->audit_mode));
	if (d->audit_mode != BB_AUDIT_OFF && !bb_audit_available(d->audit))
		log_warning("Linux audit is unavailable: records go to the journal only");
	else if (bb_audit_kernel_enabled(d->audit) == 0)
		log_warning("Linux audit is disabled in the kernel (auditctl -e 1): it drops "
		            "USER_DEVICE records");
	return 0;
}

void daemon_audit_free(BbDaemon *d)
{
	bb_audit_close(d->audit);
	d->audit = NULL;
}

static void requester_fields(struct bb_audit_event *e, const struct bb_requester *rq)
{
	if (!rq)
		return;
	e->has_requester = true;
	e->req_uid = rq->uid;
	e->req_auid = rq->loginuid;
	e->req_pid = (uint32_t)rq->pid;
	e->req_context = rq->context;
}

/* The rule's file name and line without the directory: audit takes 128 bytes of it. */
static const char *short_rule(const char *rule)
{
	const char *slash = rule ? strrchr(rule, '/') : NULL;

	return slash ? slash + 1 : rule;
}

static int audit_send(BbDaemon *d, struct bb_audit_event *e)
{
	int r;

	e->rule = short_rule(e->rule);
	r = bb_audit_log(d->audit, e);

	if (r == -EINVAL && e->rule) {
		/* A rule name outside audit's charset (an odd file name) must not lose the record.
		 */
		e->rule = NULL;
		r = bb_audit_log(d->audit, e);
	}
	if (r < 0) {
		log_error_errno(r, "Linux audit: cannot send the %s record%s%s: %m", e->op,
		                e->device ? " of " : "", e->device ? e->device : "");
		/* audit = required: what cannot be recorded must not happen again. */
		if (d->audit_mode == BB_AUDIT_REQUIRED)
			atomic_store(&d->audit_failed, true);
	}
	return r;
}

int daemon_audit_event(BbDaemon *d, const struct bb_requester *rq, const char *op,
                       const struct bb_device *dev, const char *old_driver, const char *new_driver,
                       const char *table, const char *rule, const char *reason, bool success)
{
	struct bb_audit_event e = {
	    .op = op,
	    .old_driver = old_driver && *old_driver ? old_driver : NULL,
	    .new_driver = new_driver && *new_driver ? new_driver : NULL,
	    .table = table && *table ? table : NULL,
	    .rule = rule && *rule ? rule : NULL,
	    .reason = reason,
	    .success = success,
	};
	char ids[16];

	if (!d->audit)
		return 0;
	if (dev) {
		e.device = dev->address.s;
		snprintf(ids, sizeof(ids), "%04x:%04x", dev->vendor, dev->device);
		e.vendor_device = ids;
	}
	requester_fields(&e, rq);
	return audit_send(d, &e);
}

int daemon_audit_simple(BbDaemon *d, const struct bb_requester *rq, const char *op,
                        const char *reason, bool success)
{
	struct bb_audit_event e = {.op = op, .reason = reason, .success = success};

	if (!d->audit)
		return 0;
	requester_fields(&e, rq);
	return audit_send(d, &e);
}

int daemon_audit_result(BbDaemon *d, const struct bb_requester *rq, const char *op,
                        const struct bb_bind_result *res, const struct bb_device *dev,
                        const char *table, const char *rule)
{
	char ids[16];
	struct bb_audit_event e = {
	    .op = op,
	    .device = res->address.s,
	    .old_driver = res->old_driver[0] ? res->old_driver : NULL,
	    .new_driver = res->new_driver[0] ? res->new_driver : NULL,
	    .table = table && *table ? table : NULL,
	    .rule = rule && *rule ? rule : NULL,
	    .reason = res->failure == BB_FAIL_NONE ? NULL : "operation-failed",
	    .success = res->failure == BB_FAIL_NONE,
	};

	if (!d->audit)
		return 0;
	if (dev && streq(dev->address.s, res->address.s)) {
		snprintf(ids, sizeof(ids), "%04x:%04x", dev->vendor, dev->device);
		e.vendor_device = ids;
	}
	requester_fields(&e, rq);
	return audit_send(d, &e);
}

struct json_object *daemon_audit_status(BbDaemon *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mode",
	                       json_object_new_string(bb_audit_mode_to_string(d->audit_mode)));
	json_object_object_add(o, "available",
	                       json_object_new_boolean(d->audit && bb_audit_available(d->audit)));
	json_object_object_add(o, "refused",
	                       json_object_new_boolean(atomic_load(&d->audit_failed)));
	return o;
}
