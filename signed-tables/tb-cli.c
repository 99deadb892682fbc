/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the client runs offline: keygen, table sign, table verify. Paths, not dirfds. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/crypto.h>
#include <string.h>
#include <sys/stat.h>

#include "bb-fileio.h"
#include "tb-internal.h"

int tb_write_path(const char *path, const void *data, size_t len, unsigned mode, bool excl,
                  struct bb_reason *why)
{
	_cleanup_free_ char *d = strdup(path), *b = strdup(path);
	_cleanup_close_ int dfd = -1;
	const char *base;
	struct stat st;
	int r;

	if (!d || !b)
		return -ENOMEM;
	base = basename(b);
	if (!*base || streq(base, ".") || streq(base, ".."))
		return tb_fail(why, BB_CHECK_IO, -EINVAL, "%s: not a file name", path);
	dfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return tb_fail(why, BB_CHECK_IO, negative_errno(), "%s: cannot open its folder: %m",
		               path);
	if (excl && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return tb_fail(why, BB_CHECK_IO, -EEXIST, "%s exists; not overwriting it", path);
	r = bb_write_file_atomic_at(dfd, base, data, len, (mode_t)mode);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "%s: cannot write: %s", path, strerror(-r));
	return 0;
}

int bb_cli_keygen(const char *pub_path, const char *sec_path, struct bb_reason *why)
{
	struct bb_seckey sk;
	struct bb_pubkey pk;
	_cleanup_free_ char *pub_text = NULL;
	char *sec_text = NULL;
	struct stat st;
	int r;

	if (stat(pub_path, &st) == 0 || stat(sec_path, &st) == 0)
		return tb_fail(why, BB_CHECK_IO, -EEXIST, "%s or %s exists; not overwriting keys",
		               pub_path, sec_path);
	r = bb_keygen(&sk);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "key generation failed");
	bb_seckey_pubkey(&sk, &pk);
	r = bb_seckey_format(&sk, &sec_text);
	bb_seckey_wipe(&sk);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "out of memory");
	r = tb_write_path(sec_path, sec_text, strlen(sec_text), 0600, true, why);
	OPENSSL_cleanse(sec_text, strlen(sec_text));
	free(sec_text);
	if (r < 0)
		return r;
	r = bb_pubkey_format(&pk, &pub_text);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "out of memory");
	return tb_write_path(pub_path, pub_text, strlen(pub_text), 0644, true, why);
}

static int sig_path(const char *file, char **ret, struct bb_reason *why)
{
	if (asprintf(ret, "%s.minisig", file) < 0)
		return tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
	return 0;
}

int bb_cli_sign(const char *file, const char *seckey_path, int64_t now, struct bb_reason *why)
{
	_cleanup_(bb_table_freep) struct bb_table *t = NULL;
	_cleanup_free_ char *data = NULL, *out = NULL, *sigfile = NULL, *tc = NULL, *b = NULL;
	struct bb_minisig *sig = NULL;
	struct bb_seckey sk;
	size_t len;
	int r;

	r = tb_read_file(AT_FDCWD, file, BB_TABLE_MAX_SIZE, &data, &len, why);
	if (r < 0)
		return r;
	/* Signing a table that bindbroker would refuse helps nobody. */
	r = bb_table_parse(data, len, file, &t, why);
	if (r < 0)
		return r;
	r = bb_seckey_load_at(AT_FDCWD, seckey_path, &sk, why);
	if (r < 0)
		return r;
	b = strdup(file);
	if (!b ||
	    asprintf(&tc, "timestamp:%lld\tfile:%s\thashed", (long long)now, basename(b)) < 0) {
		bb_seckey_wipe(&sk);
		return tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
	}
	sig = calloc(1, sizeof(*sig));
	if (!sig) {
		bb_seckey_wipe(&sk);
		return tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
	}
	r = bb_sign_buffer(&sk, data, len, tc, sig, why);
	bb_seckey_wipe(&sk);
	if (r >= 0)
		r = bb_minisig_format(sig, &out);
	free(sig);
	if (r < 0)
		return r == -ENOMEM ? tb_fail(why, BB_CHECK_IO, r, "out of memory") : r;
	r = sig_path(file, &sigfile, why);
	if (r < 0)
		return r;
	return tb_write_path(sigfile, out, strlen(out), 0644, false, why);
}

int bb_cli_verify(const char *file, const char *pubkey_path, int64_t now, struct bb_table **ret,
                  struct bb_reason *why)
{
	_cleanup_(bb_table_freep) struct bb_table *t = NULL;
	_cleanup_free_ char *data = NULL, *sigtext = NULL, *sigfile = NULL;
	_cleanup_free_ struct bb_minisig *sig = NULL;
	struct bb_pubkey pk;
	size_t len, sig_len;
	int r;

	r = bb_pubkey_load_at(AT_FDCWD, pubkey_path, &pk, why);
	if (r < 0)
		return r;
	r = sig_path(file, &sigfile, why);
	if (r < 0)
		return r;
	r = tb_read_file(AT_FDCWD, sigfile, BB_SIGFILE_MAX, &sigtext, &sig_len, why);
	if (r < 0)
		return r;
	sig = calloc(1, sizeof(*sig));
	if (!sig)
		return tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
	r = bb_minisig_parse(sigtext, sig_len, sigfile, sig, why);
	if (r < 0)
		return r;
	r = tb_read_file(AT_FDCWD, file, BB_TABLE_MAX_SIZE, &data, &len, why);
	if (r < 0)
		return r;
	r = bb_verify_buffer(&pk, sig, data, len, why);
	if (r < 0)
		return r;
	r = bb_table_parse(data, len, file, &t, why);
	if (r < 0)
		return r;
	r = tb_check_expiry(t, now, why);
	if (r < 0)
		return r;
	if (ret)
		*ret = TAKE_PTR(t);
	return 0;
}
