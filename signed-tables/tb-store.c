/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The installed-table store: opening it, re-verifying what was installed before a
 * restart, the set of loaded tables and its (vendor, device) index.
 *
 * On disk: STATE/tables/NAME.KEYID.signed holds the .minisig text (4 lines) followed
 * by the table bytes, so one atomic rename replaces table and signature together.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "bb-fileio.h"
#include "bb-log.h"
#include "tb-internal.h"

void bb_tables_free(struct bb_tables *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_loaded; i++)
		bb_table_free(t->loaded[i].table);
	free(t->loaded);
	free(t->index);
	bb_trust_free(t->trust);
	if (t->state_dfd >= 0)
		close(t->state_dfd);
	if (t->tables_dfd >= 0)
		close(t->tables_dfd);
	free(t);
}

static bool same_slot(const struct tb_loaded *a, const struct tb_loaded *b)
{
	return a->is_signed == b->is_signed && streq(a->table->name, b->table->name) &&
	       !memcmp(a->keyid, b->keyid, BB_KEYID_LEN);
}

static int index_cmp(const void *a, const void *b)
{
	const struct tb_index_item *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/*
 * Merges the entries of loaded[SLOT] into the sorted index (dropping that slot's old
 * items first when it was replaced): the new table's items are sorted alone, then one
 * linear merge, instead of re-sorting every table's items on each install.
 */
static int index_merge(struct bb_tables *t, size_t slot, bool replaced)
{
	const struct bb_table *tb = t->loaded[slot].table;
	size_t n_new = tb->n_entries, n_old = 0, i = 0, j = 0, k = 0;
	_cleanup_free_ struct tb_index_item *add = NULL;
	struct tb_index_item *idx;

	add = malloc((n_new ? n_new : 1) * sizeof(*add));
	idx = malloc((t->n_index + n_new ? t->n_index + n_new : 1) * sizeof(*idx));
	if (!add || !idx) {
		/* The old index may name entries the replaced table no longer has: none covers. */
		free(idx);
		if (replaced) {
			free(t->index);
			t->index = NULL;
			t->n_index = 0;
		}
		return -ENOMEM;
	}
	for (size_t e = 0; e < n_new; e++)
		add[e] = (struct tb_index_item){
		    .id = (uint32_t)tb->entries[e].vendor << 16 | tb->entries[e].device,
		    .table = (uint32_t)slot,
		    .entry = (uint32_t)e,
		};
	qsort(add, n_new, sizeof(*add), index_cmp);
	/* The old items, in place, without the replaced slot's. */
	for (size_t e = 0; e < t->n_index; e++)
		if (!replaced || t->index[e].table != slot)
			t->index[n_old++] = t->index[e];
	while (i < n_old && j < n_new)
		idx[k++] = index_cmp(&t->index[i], &add[j]) <= 0 ? t->index[i++] : add[j++];
	while (i < n_old)
		idx[k++] = t->index[i++];
	while (j < n_new)
		idx[k++] = add[j++];
	free(t->index);
	t->index = idx;
	t->n_index = k;
	return 0;
}

/* Adds or replaces L's slot; the index is merged unless the caller rebuilds it once for many. */
static int put_table(struct bb_tables *t, struct tb_loaded *l, bool reindex)
{
	for (size_t i = 0; i < t->n_loaded; i++)
		if (same_slot(&t->loaded[i], l)) {
			bb_table_free(t->loaded[i].table);
			t->loaded[i] = *l;
			l->table = NULL;
			return reindex ? index_merge(t, i, true) : 0;
		}
	struct tb_loaded *n = realloc(t->loaded, (t->n_loaded + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	t->loaded = n;
	t->loaded[t->n_loaded++] = *l;
	l->table = NULL;
	return reindex ? index_merge(t, t->n_loaded - 1, false) : 0;
}

int tb_tables_put(struct bb_tables *t, struct tb_loaded *l)
{
	return put_table(t, l, true);
}

int tb_tables_reindex(struct bb_tables *t)
{
	size_t n = 0, k = 0;
	struct tb_index_item *idx;

	for (size_t i = 0; i < t->n_loaded; i++)
		n += t->loaded[i].table->n_entries;
	idx = malloc((n ? n : 1) * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_loaded; i++) {
		const struct bb_table *tb = t->loaded[i].table;
		for (size_t j = 0; j < tb->n_entries; j++)
			idx[k++] = (struct tb_index_item){
			    .id = (uint32_t)tb->entries[j].vendor << 16 | tb->entries[j].device,
			    .table = (uint32_t)i,
			    .entry = (uint32_t)j,
			};
	}
	qsort(idx, n, sizeof(*idx), index_cmp);
	free(t->index);
	t->index = idx;
	t->n_index = n;
	return 0;
}

/* Splits an installed bundle: the first four lines are the signature file. */
static int split_bundle(const char *data, size_t len, size_t *sig_len)
{
	size_t pos = 0;
	for (int i = 0; i < 4; i++) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		if (!nl)
			return -EBADMSG;
		pos = (size_t)(nl - data) + 1;
	}
	*sig_len = pos;
	return 0;
}

/* Re-verifies one installed file; on success it joins the loaded set. */
static int load_installed(struct bb_tables *t, const char *fname, struct bb_reason *why)
{
	_cleanup_free_ char *data = NULL;
	struct tb_loaded l = {0};
	char expect[BB_TABLE_NAME_MAX + 32], id[17];
	uint64_t highest;
	size_t len, sig_len;
	int r;

	r = tb_read_file(t->tables_dfd, fname, BB_TABLE_MAX_SIZE + BB_SIGFILE_MAX, &data, &len,
	                 why);
	if (r < 0)
		return r;
	if (split_bundle(data, len, &sig_len) < 0)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "%s: truncated installed table",
		               fname);
	r = tb_verify_signed(t->trust, data + sig_len, len - sig_len, data, sig_len, fname, &l,
	                     why);
	if (r < 0)
		return r;
	_cleanup_(bb_table_freep) struct bb_table *table = l.table;
	bb_keyid_hex(l.keyid, id);
	snprintf(expect, sizeof(expect), "%s.%s" TB_SIGNED_SUFFIX, table->name, id);
	if (!streq(expect, fname))
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
		               "%s: holds table %s signed by %s; its name should be %s", fname,
		               table->name, id, expect);
	r = bb_rollback_get(t->state_dfd, table->name, l.keyid, &highest);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "rollback state of %s: %s", table->name,
		               strerror(-r));
	if (table->serial < highest)
		return tb_fail(why, BB_CHECK_ROLLBACK, -ESTALE,
		               "%s: serial %llu is lower than %llu, accepted before", fname,
		               (unsigned long long)table->serial, (unsigned long long)highest);
	if (table->serial > highest) {
		/* Installed, but the state write did not happen (crash between the two). */
		r = bb_rollback_put(t->state_dfd, table->name, l.keyid, table->serial);
		if (r < 0)
			return tb_fail(why, BB_CHECK_IO, r, "rollback state of %s: %s", table->name,
			               strerror(-r));
	}
	l.table = TAKE_PTR(table);
	r = put_table(t, &l, false); /* load_all indexes once, after every table is in */
	bb_table_free(l.table);
	return r;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static int load_all(struct bb_tables *t, unsigned *skipped)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int fd;

	fd = openat(t->tables_dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return negative_errno();
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct bb_reason why = {0};
		if (de->d_name[0] == '.' || len <= strlen(TB_SIGNED_SUFFIX) ||
		    strcmp(de->d_name + len - strlen(TB_SIGNED_SUFFIX), TB_SIGNED_SUFFIX) != 0)
			continue;
		int r = load_installed(t, de->d_name, &why);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			log_warning("installed table %s skipped: %s: %s", de->d_name,
			            bb_check_name(why.check), why.msg);
			(*skipped)++;
		}
	}
	return tb_tables_reindex(t);
}

int bb_tables_open(int keys_dfd, int state_dfd, struct bb_tables **ret, unsigned *ret_skipped,
                   struct bb_reason *why)
{
	_cleanup_(bb_tables_freep) struct bb_tables *t = NULL;
	unsigned skipped = 0;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
	t->state_dfd = t->tables_dfd = -1;
	/* No keys.d at all: nothing is trusted, installed tables will all be skipped. */
	r = keys_dfd < 0 ? bb_trust_new(&t->trust) : bb_trust_load_at(keys_dfd, &t->trust, why);
	if (r < 0)
		return r;
	t->state_dfd = fcntl(state_dfd, F_DUPFD_CLOEXEC, 3);
	if (t->state_dfd < 0)
		return tb_fail(why, BB_CHECK_IO, negative_errno(), "state dir: %m");
	if (mkdirat(t->state_dfd, TB_TABLES_DIR, 0700) < 0 && errno != EEXIST)
		return tb_fail(why, BB_CHECK_IO, negative_errno(),
		               "state dir: cannot create tables/: %m");
	t->tables_dfd = bb_open_dir_at(t->state_dfd, TB_TABLES_DIR);
	if (t->tables_dfd < 0)
		return tb_fail(why, BB_CHECK_IO, t->tables_dfd,
		               "state dir: cannot open tables/: %s", strerror(-t->tables_dfd));
	r = load_all(t, &skipped);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "state dir tables/: %s", strerror(-r));
	if (ret_skipped)
		*ret_skipped = skipped;
	*ret = TAKE_PTR(t);
	return 0;
}

size_t bb_tables_count(const struct bb_tables *t)
{
	return t->n_loaded;
}

int bb_tables_info(const struct bb_tables *t, size_t i, int64_t now, struct bb_table_info *ret)
{
	const struct tb_loaded *l;

	if (i >= t->n_loaded)
		return -ERANGE;
	l = &t->loaded[i];
	*ret = (struct bb_table_info){
	    .name = l->table->name,
	    .signer_name = l->is_signed ? l->signer_name : "(unsigned local)",
	    .is_signed = l->is_signed,
	    .serial = l->table->serial,
	    .issued = l->table->issued,
	    .expires = l->table->expires,
	    .n_entries = l->table->n_entries,
	    .n_drivers = l->table->n_drivers,
	    .drivers = (const char(*)[BB_TABLE_DRIVER_MAX + 1]) l->table->drivers,
	    .expired = now >= l->table->expires,
	};
	if (l->is_signed)
		bb_keyid_hex(l->keyid, ret->signer_id);
	else
		snprintf(ret->signer_id, sizeof(ret->signer_id), "-");
	return 0;
}
