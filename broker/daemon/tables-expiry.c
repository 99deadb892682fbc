/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Table expiry as a journal event. An expired table stops admitting devices
 * the moment its expiry passes, without anyone acting; the journal gets one
 * table-expired record per table (name and serial), so a review can tell when
 * a device lost its cover. The records already written are read back from the
 * journal at the first look, so a restart does not repeat them, and a table
 * that expired while the daemon was down is recorded at that first look.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon-glue.h"
#include "daemon.h"

#define LOOK_EVERY_MS 1000
#define NOTED_MAX     4096 /* beyond this, expiries are still logged, no longer deduplicated */

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool noted(const BbDaemon *d, const char *key)
{
	for (size_t i = 0; i < d->n_tables_expiry_noted; i++)
		if (streq(d->tables_expiry_noted[i], key))
			return true;
	return false;
}

static int note(BbDaemon *d, const char *key)
{
	char **v;

	if (noted(d, key) || d->n_tables_expiry_noted >= NOTED_MAX)
		return 0;
	v = realloc(d->tables_expiry_noted, (d->n_tables_expiry_noted + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->tables_expiry_noted = v;
	v[d->n_tables_expiry_noted] = strdup(key);
	if (!v[d->n_tables_expiry_noted])
		return -ENOMEM;
	d->n_tables_expiry_noted++;
	return 0;
}

static int collect_noted(const struct bb_record *r, void *userdata)
{
	BbDaemon *d = userdata;
	const char *name = bb_record_get(r, "name"), *serial = bb_record_get(r, "serial");
	char key[160];

	if (r->type != BB_REC_TABLE_EXPIRED || !name || !serial)
		return 0;
	snprintf(key, sizeof(key), "%s %s", name, serial);
	return note(d, key);
}

/* One expired table, copied out from under tables_lock. */
struct expired {
	char name[BB_TABLE_NAME_MAX + 1];
	char signer[BB_TABLE_NAME_MAX + 1];
	uint64_t serial;
	int64_t expires;
};

void daemon_tables_tick(BbDaemon *d)
{
	_cleanup_free_ struct expired *found = NULL;
	int64_t now = (int64_t)time(NULL);
	uint64_t mono = monotonic_ms();
	size_t n = 0;

	if (d->tables_expiry_ms && mono - d->tables_expiry_ms < LOOK_EVERY_MS)
		return;
	d->tables_expiry_ms = mono;
	if (!d->journal)
		return; /* nothing can be recorded; acting is refused anyway */
	if (!d->tables_expiry_loaded) {
		int r = bb_journal_foreach(d->state_fd, "journal", NULL, collect_noted, d);

		if (r < 0)
			log_warning_errno(r, "table expiry: cannot read earlier records: %m");
		d->tables_expiry_loaded = true;
	}

	pthread_mutex_lock(&d->tables_lock);
	if (d->tables) {
		size_t count = bb_tables_count(d->tables);

		found = calloc(count ? count : 1, sizeof(*found));
		for (size_t i = 0; found && i < count; i++) {
			struct bb_table_info info;
			char key[160];

			if (bb_tables_info(d->tables, i, now, &info) < 0 || !info.expired)
				continue;
			snprintf(key, sizeof(key), "%s %" PRIu64, info.name, info.serial);
			if (noted(d, key))
				continue;
			snprintf(found[n].name, sizeof(found[n].name), "%s", info.name);
			snprintf(found[n].signer, sizeof(found[n].signer), "%s", info.signer_name);
			found[n].serial = info.serial;
			found[n].expires = info.expires;
			n++;
		}
	}
	pthread_mutex_unlock(&d->tables_lock);

	/* The journal lock is taken outside tables_lock, as everywhere else. */
	for (size_t i = 0; i < n; i++) {
		char serial[24], expires[32], name[BB_JOURNAL_VALUE_MAX + 1],
		    signer[BB_JOURNAL_VALUE_MAX + 1], key[160];

		snprintf(serial, sizeof(serial), "%" PRIu64, found[i].serial);
		bb_time_format(found[i].expires, expires);
		journal_value(found[i].name, name, sizeof(name));
		journal_value(found[i].signer, signer, sizeof(signer));
		log_notice("signed table %s (serial %s, signed by %s) expired at %s: it admits no "
		           "device any more",
		           found[i].name, serial, found[i].signer, expires);
		if (journal_note(d, BB_REC_TABLE_EXPIRED,
		                 (const struct bb_kv[]){{"name", name},
		                                        {"serial", serial},
		                                        {"key", signer},
		                                        {"expires", expires}},
		                 4, NULL) < 0)
			continue; /* not recorded: try again at the next look */
		snprintf(key, sizeof(key), "%s %s", found[i].name, serial);
		if (note(d, key) < 0)
			log_warning("table expiry: out of memory; %s may be recorded again", key);
	}
}

void daemon_tables_expiry_free(BbDaemon *d)
{
	for (size_t i = 0; i < d->n_tables_expiry_noted; i++)
		free(d->tables_expiry_noted[i]);
	free(d->tables_expiry_noted);
	d->tables_expiry_noted = NULL;
	d->n_tables_expiry_noted = 0;
}
