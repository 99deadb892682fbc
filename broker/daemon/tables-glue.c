/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signed id tables (signed-tables/bb-tables.h): the trust store CONFIG/keys.d
 * (missing: nothing is trusted) and the installed tables in STATE/tables,
 * opened at start; the policy's signed-table condition asks for coverage here
 * with the lockdown posture and bindbroker.conf's allow-unsigned-local-tables.
 * The store is not thread-safe: every use holds tables_lock. Every file in
 * keys.d is checked on its open fd (owner, mode) before the store parses any.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon-glue.h"
#include "daemon.h"
#include "evaluate.h"

/*
 * Opens CONFIG/keys.d and checks it and every entry in it on an fd of its own before the
 * trust store reads any (bb_config_open_checked). The store then reads the entries by name
 * below this fd: the directory is root's (or ours) and nobody else may write it, so the
 * names cannot be swapped between the check and the read. -ENOENT: no keys.d.
 */
static int keys_dir_open_checked(BbDaemon *d, char *err, size_t errsz)
{
	_cleanup_close_ int cfd = -1, kfd = -1;
	char path[600];
	DIR *dh;
	struct dirent *de;
	int fd, r = 0;

	cfd = bb_config_open_checked(AT_FDCWD, d->opts.config_dir, d->opts.config_dir, true, err,
	                             errsz);
	if (cfd < 0)
		return cfd;
	snprintf(path, sizeof(path), "%s/keys.d", d->opts.config_dir);
	kfd = bb_config_open_checked(cfd, "keys.d", path, true, err, errsz);
	if (kfd < 0)
		return kfd;
	fd = fcntl(kfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || !(dh = fdopendir(fd))) {
		r = negative_errno();
		if (fd >= 0)
			close(fd);
		snprintf(err, errsz, "%s: cannot read: %s", path, strerror(-r));
		return r;
	}
	while ((errno = 0, de = readdir(dh))) {
		char entry[900];
		int efd;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		snprintf(entry, sizeof(entry), "%s/%s", path, de->d_name);
		efd = bb_config_open_checked(kfd, de->d_name, entry, de->d_type == DT_DIR, err,
		                             errsz);
		if (efd == -ENOENT) /* removed meanwhile: the store will not see it either */
			continue;
		if (efd < 0) {
			r = efd;
			break;
		}
		close(efd);
	}
	if (r == 0 && errno) {
		r = negative_errno();
		snprintf(err, errsz, "%s: cannot read: %s", path, strerror(-r));
	}
	closedir(dh);
	return r < 0 ? r : TAKE_FD(kfd);
}

int daemon_tables_build(BbDaemon *d, struct bb_tables **ret, unsigned *ret_skipped, char *err,
                        size_t errsz)
{
	_cleanup_close_ int keys_fd = -1;
	struct bb_reason why = {0};
	int r;

	keys_fd = keys_dir_open_checked(d, err, errsz);
	if (keys_fd < 0 && keys_fd != -ENOENT)
		return keys_fd;
	r = bb_tables_open(keys_fd, d->state_fd, ret, ret_skipped, &why);
	if (r < 0) {
		/* The store names keys.d files relative to keys.d, its own state as "state dir". */
		if (strncmp(why.msg, "state dir", 9) == 0)
			snprintf(err, errsz, "%s: %s (%s check)", d->opts.state_dir, why.msg,
			         bb_check_name(why.check));
		else
			snprintf(err, errsz, "%s/%s%s (%s check)", d->opts.config_dir,
			         strncmp(why.msg, "keys.d", 6) == 0 ? "" : "keys.d/", why.msg,
			         bb_check_name(why.check));
	}
	return r;
}

int daemon_tables_init(BbDaemon *d)
{
	char err[1024];
	int r;

	r = daemon_tables_build(d, &d->tables, &d->tables_skipped, err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "signed tables not loaded: %s", err);
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
