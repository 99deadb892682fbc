/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AuditShow (the journal's records, read-only) and ReloadPolicy. */
#include <stdio.h>
#include <string.h>

#include "daemon-glue.h"
#include "daemon.h"

#define AUDIT_SHOW_MAX 10000

struct show_ctx {
	struct json_object *ring[AUDIT_SHOW_MAX]; /* the newest AUDIT_SHOW_MAX records */
	size_t n;                                 /* records seen */
};

static int collect(const struct bb_record *r, void *userdata)
{
	struct show_ctx *c = userdata;
	struct json_object *o;
	int k;

	k = bb_record_to_json_object(r, &o);
	if (k < 0)
		return k;
	json_object_put(c->ring[c->n % AUDIT_SHOW_MAX]);
	c->ring[c->n % AUDIT_SHOW_MAX] = o;
	c->n++;
	return 0;
}

int method_audit_show(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	const char *device = bb_varlink_get_string(params, "device");
	const char *since = bb_varlink_get_string(params, "since");
	_cleanup_free_ struct show_ctx *c = calloc(1, sizeof(*c));
	struct bb_journal_filter filter = {0};
	struct json_object *o, *records;
	bb_address addr;
	size_t first;
	int r;
	(void)peer;

	if (!c)
		return -ENOMEM;
	if (device) {
		if (bb_address_parse(device, &addr) < 0)
			return reply_invalid_argument(
			    reply, "device", "invalid device address: expected DDDD:BB:DD.F (hex)");
		filter.device = addr.s;
	}
	if (since) {
		int64_t t;

		if (bb_time_parse(since, &t) < 0 || t < 0)
			return reply_invalid_argument(reply, "since",
			                              "expected a UTC time such as "
			                              "2026-11-22T03:00:00Z");
		filter.since_usec = (uint64_t)t * 1000000u;
	}
	/* Reads the files only: works while the journal is refused for acting, too. */
	r = bb_journal_foreach(d->state_fd, "journal", &filter, collect, c);
	if (r < 0 && r != -ENOENT) {
		for (size_t i = 0; i < AUDIT_SHOW_MAX; i++)
			json_object_put(c->ring[i]);
		return reply_error_reason(
		    reply, BB_BROKER_ERROR_INTERNAL, "reading the journal: %s%s", strerror(-r),
		    r == -EBADMSG ? " (a malformed record; run audit verify)" : "");
	}
	records = json_object_new_array();
	first = c->n > AUDIT_SHOW_MAX ? c->n - AUDIT_SHOW_MAX : 0;
	for (size_t i = first; i < c->n; i++) {
		json_object_array_add(records, c->ring[i % AUDIT_SHOW_MAX]);
		c->ring[i % AUDIT_SHOW_MAX] = NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "records", records);
	return reply_ok(reply, o);
}

int method_reload_policy(BbDaemon *d, const BbPeer *peer, struct json_object *params,
                         BbReply *reply)
{
	struct json_object *o;
	size_t rules, files;
	char err[600];
	int r;
	(void)peer, (void)params;

	if (journal_ready(d, reply) < 0)
		return 0;
	r = daemon_policy_reload(d, &rules, &files, err, sizeof(err));
	if (r < 0) {
		o = json_object_new_object();
		json_object_object_add(o, "reason", json_object_new_string(err));
		return reply_error(reply, BB_DAEMON_ERROR_POLICY, o);
	}
	o = json_object_new_object();
	json_object_object_add(o, "rules", json_object_new_int64((int64_t)rules));
	json_object_object_add(o, "files", json_object_new_int64((int64_t)files));
	return reply_ok(reply, o);
}

struct json_object *daemon_policy_status(BbDaemon *d)
{
	struct json_object *o = json_object_new_object();
	struct bb_policy *p;

	pthread_mutex_lock(&d->policy_lock);
	p = bb_policy_ref(d->policy);
	json_object_object_add(o, "source", json_object_new_string(d->policy_source));
	pthread_mutex_unlock(&d->policy_lock);
	json_object_object_add(o, "rules", json_object_new_int64((int64_t)bb_policy_rule_count(p)));
	json_object_object_add(o, "files", json_object_new_int64((int64_t)bb_policy_file_count(p)));
	bb_policy_unref(p);
	return o;
}
