/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Installing a table: every check, then one atomic replacement of the installed
 * bundle, then the raised rollback floor. Order matters for crashes: if we die after
 * the bundle is written but before the floor is raised, the loader finds a serial
 * above the floor, re-verifies it and raises the floor itself; the floor is never
 * raised for a table that is not on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "bb-fileio.h"
#include "tb-internal.h"

static int install(struct bb_tables *t, const char *table, size_t table_len, const char *sig,
                   size_t sig_len, int64_t now, const char *origin, struct bb_reason *why)
{
	_cleanup_free_ char *bundle = NULL;
	struct tb_loaded l = {0};
	char fname[BB_TABLE_NAME_MAX + 32], id[17];
	uint64_t highest;
	int r;

	r = tb_verify_signed(t->trust, table, table_len, sig, sig_len, origin, &l, why);
	if (r < 0)
		return r;
	_cleanup_(bb_table_freep) struct bb_table *parsed = l.table;
	r = tb_check_expiry(parsed, now, why);
	if (r < 0)
		return r;
	bb_keyid_hex(l.keyid, id);
	r = bb_rollback_get(t->state_dfd, parsed->name, l.keyid, &highest);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "rollback state of %s: %s", parsed->name,
		               strerror(-r));
	/* The loaded copy counts too, should the state file have been lost. */
	for (size_t i = 0; i < t->n_loaded; i++)
		if (t->loaded[i].is_signed && streq(t->loaded[i].table->name, parsed->name) &&
		    !memcmp(t->loaded[i].keyid, l.keyid, BB_KEYID_LEN) &&
		    t->loaded[i].table->serial > highest)
			highest = t->loaded[i].table->serial;
	if (parsed->serial <= highest)
		return tb_fail(why, BB_CHECK_ROLLBACK, -ESTALE,
		               "serial %llu not greater than %llu, the highest accepted for table "
		               "%s signed by %s",
		               (unsigned long long)parsed->serial, (unsigned long long)highest,
		               parsed->name, id);

	bundle = malloc(sig_len + table_len);
	if (!bundle)
		return tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
	memcpy(bundle, sig, sig_len);
	memcpy(bundle + sig_len, table, table_len);
	snprintf(fname, sizeof(fname), "%s.%s" TB_SIGNED_SUFFIX, parsed->name, id);
	r = bb_write_file_atomic_at(t->tables_dfd, fname, bundle, sig_len + table_len, 0644);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "cannot write tables/%s: %s", fname,
		               strerror(-r));
	r = bb_rollback_put(t->state_dfd, parsed->name, l.keyid, parsed->serial);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "cannot write rollback state for %s: %s",
		               parsed->name, strerror(-r));
	l.table = TAKE_PTR(parsed);
	r = tb_tables_put(t, &l);
	bb_table_free(l.table);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "out of memory");
	return 0;
}

int bb_tables_install(struct bb_tables *t, const char *table, size_t table_len, const char *sig,
                      size_t sig_len, int64_t now, struct bb_reason *why)
{
	return install(t, table, table_len, sig, sig_len, now, "table", why);
}

int bb_tables_install_file(struct bb_tables *t, const char *path, int64_t now,
                           struct bb_reason *why)
{
	_cleanup_free_ char *table = NULL, *sig = NULL, *sigpath = NULL;
	size_t table_len, sig_len;
	int r;

	if (asprintf(&sigpath, "%s.minisig", path) < 0)
		return tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
	r = tb_read_file(AT_FDCWD, path, BB_TABLE_MAX_SIZE, &table, &table_len, why);
	if (r < 0)
		return r;
	r = tb_read_file(AT_FDCWD, sigpath, BB_SIGFILE_MAX, &sig, &sig_len, why);
	if (r < 0)
		return r;
	return install(t, table, table_len, sig, sig_len, now, path, why);
}

int bb_tables_add_local(struct bb_tables *t, const char *table, size_t len, const char *origin,
                        struct bb_reason *why)
{
	struct tb_loaded l = {0};
	int r;

	r = bb_table_parse(table, len, origin, &l.table, why);
	if (r < 0)
		return r;
	l.is_signed = false;
	r = tb_tables_put(t, &l);
	bb_table_free(l.table);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "out of memory");
	return 0;
}
