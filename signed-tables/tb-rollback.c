/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Anti-rollback state: for each (table name, signer key id) the highest serial ever
 * accepted, one small file per pair under STATE/rollback/, replaced atomically, so a
 * refusal of an older table survives a restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "bb-fileio.h"
#include "tb-internal.h"

static int state_name(const char *table_name, const uint8_t keyid[BB_KEYID_LEN], char *buf,
                      size_t size)
{
	char id[17];

	if (!tb_valid_name(table_name, strlen(table_name)))
		return -EINVAL;
	bb_keyid_hex(keyid, id);
	snprintf(buf, size, "%s.%s", table_name, id);
	return 0;
}

static int open_rollback_dir(int state_dfd, bool create)
{
	int fd = bb_open_dir_at(state_dfd, TB_ROLLBACK_DIR);
	if (fd == -ENOENT && create) {
		if (mkdirat(state_dfd, TB_ROLLBACK_DIR, 0700) < 0 && errno != EEXIST)
			return negative_errno();
		fd = bb_open_dir_at(state_dfd, TB_ROLLBACK_DIR);
	}
	return fd;
}

int bb_rollback_get(int state_dfd, const char *table_name, const uint8_t keyid[BB_KEYID_LEN],
                    uint64_t *ret)
{
	_cleanup_close_ int dfd = -1;
	char name[BB_TABLE_NAME_MAX + 24], buf[32];
	uint64_t v = 0;
	int r;

	r = state_name(table_name, keyid, name, sizeof(name));
	if (r < 0)
		return r;
	dfd = open_rollback_dir(state_dfd, false);
	if (dfd == -ENOENT) {
		*ret = 0;
		return 0;
	}
	if (dfd < 0)
		return dfd;
	r = bb_read_attr_at(dfd, name, buf, sizeof(buf));
	if (r == -ENOENT) {
		*ret = 0;
		return 0;
	}
	if (r < 0)
		return r;
	/* Our own file, but still parsed strictly: a damaged state must not read as 0. */
	if (r == 0 || r > 19 || (buf[0] == '0' && r > 1))
		return -EBADMSG;
	for (int i = 0; i < r; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EBADMSG;
		v = v * 10 + (uint64_t)(buf[i] - '0');
	}
	*ret = v;
	return 0;
}

int bb_rollback_put(int state_dfd, const char *table_name, const uint8_t keyid[BB_KEYID_LEN],
                    uint64_t serial)
{
	_cleanup_close_ int dfd = -1;
	char name[BB_TABLE_NAME_MAX + 24], buf[32];
	int r, n;

	r = state_name(table_name, keyid, name, sizeof(name));
	if (r < 0)
		return r;
	dfd = open_rollback_dir(state_dfd, true);
	if (dfd < 0)
		return dfd;
	n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", serial);
	return bb_write_file_atomic_at(dfd, name, buf, (size_t)n, 0600);
}
