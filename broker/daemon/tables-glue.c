/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signed id tables (signed-tables/bb-tables.h): the trust store CONFIG/keys.d
 * (missing: nothing is trusted) and the installed tables in STATE/tables,
 * opened at start; the policy's signed-table condition asks for coverage here
 * with the lockdown posture and bindbroker.conf's allow-unsigned-local-tables.
 * The store is not thread-safe: every use holds tables_lock.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon-glue.h"
#include "daemon.h"
#include "evaluate.h"

int daemon_tables_init(BbDaemon *d)
{
	_cleanup_close_ int keys_fd = -1;
	struct bb_reason why = {0};
	char path[600];
	int r;

	snprintf(path, sizeof(path), "%s/keys.d", d->opts.config_dir);
	keys_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (keys_fd < 0 && errno != ENOENT)
		return log_error_errno(errno, "cannot open %s: %m", path);
	if (keys_fd < 0)
		log_info("no %s: no table signer is trusted", path);
	r = bb_tables_open(keys_fd, d->state_fd, &d->tables, &d->tables_skipped, &why);
	if (r < 0)
		return log_error_errno(r, "signed tables not loaded (%s): %s",
		                       bb_check_name(why.check), why.msg);
	if (d->tables_skipped)
		log_warning("%u installed table(s) failed re-verification and are not used",
		            d->tables_skipped);
	log_info("signed tables: %zu installed", bb_tables_count(d->tables));
	return 0;
}

void daemon_tables_free(BbDaemon *d)
{
	bb_tables_free(d->tables);
	d->tables = NULL;
}

static enum bb_posture posture_of(bb_lockdown l)
{
	switch (l) {
	case BB_LOCKDOWN_INTEGRITY:
		return BB_POSTURE_INTEGRITY;
	case BB_LOCKDOWN_CONFIDENTIALITY:
		return BB_POSTURE_CONFIDENTIALITY;
	default:
		return BB_POSTURE_NONE;
	}
}

int daemon_table_coverage(const struct bb_device *dev, const char *driver, bb_lockdown lockdown,
                          char *table, size_t size, void *userdata)
{
	BbDaemon *d = userdata;
	struct bb_device_query q = {
	    .vendor = dev->vendor,
	    .device = dev->device,
	    .subvendor = dev->subsystem_vendor,
	    .subdevice = dev->subsystem_device,
	    .class_code = dev->class_code,
	    .revision = dev->revision,
	    .driver = driver,
	    .now = (int64_t)time(NULL),
	    .posture = posture_of(lockdown),
	    .allow_unsigned = d->config.allow_unsigned_local_tables,
	};
	struct bb_table_match m;
	struct bb_reason why = {0};
	int r;

	if (!d->tables)
		return 0;
	pthread_mutex_lock(&d->tables_lock);
	r = bb_tables_lookup(d->tables, &q, &m, &why);
	if (r > 0)
		snprintf(table, size, "%s", m.table.name);
	pthread_mutex_unlock(&d->tables_lock);
	if (r == 0)
		log_debug("%s for %s: no signed table: %s", dev->address.s, driver, why.msg);
	return r;
}

struct json_object *daemon_tables_status(BbDaemon *d)
{
	struct json_object *o = json_object_new_object();
	int64_t now = (int64_t)time(NULL);
	size_t n = 0, expired = 0;

	pthread_mutex_lock(&d->tables_lock);
	if (d->tables) {
		n = bb_tables_count(d->tables);
		for (size_t i = 0; i < n; i++) {
			struct bb_table_info info;

			if (bb_tables_info(d->tables, i, now, &info) >= 0 && info.expired)
				expired++;
		}
	}
	pthread_mutex_unlock(&d->tables_lock);
	json_object_object_add(o, "count", json_object_new_int((int)n));
	json_object_object_add(o, "expired", json_object_new_int((int)expired));
	json_object_object_add(o, "skipped", json_object_new_int((int)d->tables_skipped));
	return o;
}
