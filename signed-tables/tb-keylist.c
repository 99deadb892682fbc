/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key rotation and revocation, a minimal version of TUF's root rotation.
 *
 * A key list names the complete new trust store:
 *   format: bindbroker-keylist 1
 *   version: 4
 *   threshold: 2
 *
 *   key mlx RWS...                (base64 of a minisign public key)
 *   scope mlx vendor 15b3
 *   scope mlx driver mlx5_vfio_pci
 *   key root-a RWS...
 *   scope root-a admin
 * It is accepted only if: its version is greater than the current one; at least the
 * current threshold of current admin keys signed it (the old root vouches); at least its
 * own threshold of its admin keys signed it (the new root can act); and every key that
 * is new in it signed it (proof of possession). Each signature is a minisign
 * signature file over the exact key list bytes. Keys absent from the list are revoked.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <dirent.h>

#include "bb-fileio.h"
#include "tb-internal.h"

#define KEYLIST_MAX_SIZE     (256 * 1024)
#define KEYLIST_MAX_KEYS     256
#define KEYLIST_MAX_SIGS     64
#define KEYLIST_VERSION_FILE "keylist.version"

struct pending_key {
	char name[BB_TABLE_NAME_MAX + 1];
	struct bb_pubkey key;
	char *scope;
	size_t scope_len;
};

static int append(struct pending_key *k, const char *text, size_t len)
{
	char *n = realloc(k->scope, k->scope_len + len + 2);
	if (!n)
		return -ENOMEM;
	memcpy(n + k->scope_len, text, len);
	n[k->scope_len + len] = '\n';
	n[k->scope_len + len + 1] = '\0';
	k->scope = n;
	k->scope_len += len + 1;
	return 0;
}

static int header(struct tb_lines *l, const char *key, char *val, size_t size,
                  struct bb_reason *why)
{
	const char *line;
	size_t len, klen = strlen(key);
	int r = tb_next_line(l, &line, &len);

	if (r <= 0 || len <= klen + 2 || memcmp(line, key, klen) != 0 || line[klen] != ':' ||
	    line[klen + 1] != ' ' || len - klen - 2 >= size)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "keylist:%u: expected '%s: ...'",
		               l->lineno, key);
	memcpy(val, line + klen + 2, len - klen - 2);
	val[len - klen - 2] = '\0';
	return 0;
}

static int parse_number(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 18 || (s[0] == '0' && n > 1))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = v;
	return 0;
}

static struct pending_key *find_pending(struct pending_key *keys, size_t n, const char *name,
                                        size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(keys[i].name) == len && !memcmp(keys[i].name, name, len))
			return &keys[i];
	return NULL;
}

static int parse_keylist(const char *data, size_t len, struct bb_keylist *ret,
                         struct bb_reason *why)
{
	struct tb_lines l = {.data = data, .len = len};
	struct pending_key *keys = NULL;
	size_t n = 0;
	char val[64];
	uint64_t num;
	const char *line;
	size_t llen;
	int r;

	if (len > KEYLIST_MAX_SIZE || memchr(data, '\0', len) || memchr(data, '\r', len))
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
		               "keylist: oversized, or holds NUL or carriage return");
	if ((r = header(&l, "format", val, sizeof(val), why)) < 0)
		return r;
	if (!streq(val, "bindbroker-keylist 1"))
		return tb_fail(why, BB_CHECK_SYNTAX, -EPROTONOSUPPORT,
		               "keylist:1: unknown format '%s' (want bindbroker-keylist 1)", val);
	if ((r = header(&l, "version", val, sizeof(val), why)) < 0)
		return r;
	if (parse_number(val, &num) < 0 || num == 0)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "keylist:2: bad version");
	ret->version = num;
	if ((r = header(&l, "threshold", val, sizeof(val), why)) < 0)
		return r;
	if (parse_number(val, &num) < 0 || num == 0 || num > KEYLIST_MAX_KEYS)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "keylist:3: bad threshold");
	ret->threshold = (unsigned)num;
	r = tb_next_line(&l, &line, &llen);
	if (r <= 0 || llen != 0)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
		               "keylist:4: a blank line must end the header");

	while ((r = tb_next_line(&l, &line, &llen)) > 0) {
		const char *sp1 = memchr(line, ' ', llen), *name, *rest;
		size_t nlen;
		if (!sp1)
			goto bad;
		name = sp1 + 1;
		const char *sp2 = memchr(name, ' ', llen - (size_t)(name - line));
		if (!sp2)
			goto bad;
		nlen = (size_t)(sp2 - name);
		rest = sp2 + 1;
		size_t rlen = llen - (size_t)(rest - line);
		if (!tb_valid_name(name, nlen))
			goto bad;
		if (sp1 - line == 3 && !memcmp(line, "key", 3)) {
			char pubtext[128];
			if (find_pending(keys, n, name, nlen) || n >= KEYLIST_MAX_KEYS || rlen > 64)
				goto bad;
			struct pending_key *nk = realloc(keys, (n + 1) * sizeof(*nk));
			if (!nk) {
				r = -ENOMEM;
				goto out;
			}
			keys = nk;
			memset(&keys[n], 0, sizeof(keys[n]));
			memcpy(keys[n].name, name, nlen);
			snprintf(pubtext, sizeof(pubtext), "untrusted comment: k\n%.*s\n",
			         (int)rlen, rest);
			n++;
			if (bb_pubkey_parse(pubtext, strlen(pubtext), "keylist", &keys[n - 1].key,
			                    NULL) < 0)
				goto bad;
		} else if (sp1 - line == 5 && !memcmp(line, "scope", 5)) {
			struct pending_key *k = find_pending(keys, n, name, nlen);
			if (!k)
				goto bad;
			r = append(k, rest, rlen);
			if (r < 0)
				goto out;
		} else {
			goto bad;
		}
	}
	if (r < 0)
		goto bad;
	r = bb_trust_new(&ret->trust);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (!keys[i].scope) {
			r = tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "keylist: key %s has no scope",
			            keys[i].name);
			break;
		}
		r = bb_trust_add(ret->trust, keys[i].name, &keys[i].key, keys[i].scope,
		                 keys[i].scope_len, why);
	}
	goto out;
bad:
	r = tb_fail(
	    why, BB_CHECK_SYNTAX, -EBADMSG,
	    "keylist:%u: expected 'key NAME PUBKEY' or 'scope NAME vendor|driver|admin ...' "
	    "(NAME declared once, before its scope)",
	    l.lineno);
out:
	for (size_t i = 0; i < n; i++)
		free(keys[i].scope);
	free(keys);
	return r;
}

void bb_keylist_done(struct bb_keylist *kl)
{
	bb_trust_free(kl->trust);
	kl->trust = NULL;
}

/* Which keys signed: a bit per key of a store. */
static int count_signers(const struct bb_trust *t, const struct bb_minisig *sigs, size_t n_sigs,
                         const char *data, size_t len, bool *signed_by, bool admins_only)
{
	int count = 0;
	for (size_t i = 0; i < bb_trust_count(t); i++) {
		const struct bb_trusted_key *k = bb_trust_get(t, i);
		signed_by[i] = false;
		for (size_t j = 0; j < n_sigs; j++)
			if (!memcmp(sigs[j].keyid, k->key.keyid, BB_KEYID_LEN) &&
			    bb_verify_buffer(&k->key, &sigs[j], data, len, NULL) == 0)
				signed_by[i] = true;
		if (signed_by[i] && (!admins_only || k->admin))
			count++;
	}
	return count;
}

int bb_keylist_verify(const struct bb_trust *current, uint64_t current_version,
                      unsigned current_threshold, const char *data, size_t len,
                      const char *const *sigs, const size_t *sig_lens, size_t n_sigs,
                      struct bb_keylist *ret, struct bb_reason *why)
{
	_cleanup_free_ struct bb_minisig *parsed = NULL;
	_cleanup_free_ bool *cur_signed = NULL, *new_signed = NULL;
	struct bb_keylist kl = {0};
	int r, n;

	if (n_sigs > KEYLIST_MAX_SIGS)
		return tb_fail(why, BB_CHECK_SYNTAX, -E2BIG, "more than %d signatures",
		               KEYLIST_MAX_SIGS);
	if (current_threshold == 0)
		return tb_fail(why, BB_CHECK_THRESHOLD, -EINVAL, "threshold must be at least 1");
	r = parse_keylist(data, len, &kl, why);
	if (r < 0)
		goto fail;
	if (kl.version <= current_version) {
		r = tb_fail(why, BB_CHECK_ROLLBACK, -ESTALE,
		            "key list version %" PRIu64 " not greater than %" PRIu64, kl.version,
		            current_version);
		goto fail;
	}
	parsed = calloc(n_sigs ? n_sigs : 1, sizeof(*parsed));
	cur_signed = calloc(bb_trust_count(current) + 1, sizeof(bool));
	new_signed = calloc(bb_trust_count(kl.trust) + 1, sizeof(bool));
	if (!parsed || !cur_signed || !new_signed) {
		r = tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n_sigs; i++) {
		r = bb_minisig_parse(sigs[i], sig_lens[i], "keylist.minisig", &parsed[i], why);
		if (r < 0)
			goto fail;
	}
	n = count_signers(current, parsed, n_sigs, data, len, cur_signed, true);
	if ((unsigned)n < current_threshold) {
		r = tb_fail(why, BB_CHECK_THRESHOLD, -EPERM,
		            "key list signed by %d of the current admin keys, %u needed", n,
		            current_threshold);
		goto fail;
	}
	n = count_signers(kl.trust, parsed, n_sigs, data, len, new_signed, true);
	if ((unsigned)n < kl.threshold) {
		r = tb_fail(why, BB_CHECK_THRESHOLD, -EPERM,
		            "key list signed by %d of its own admin keys, %u needed", n,
		            kl.threshold);
		goto fail;
	}
	for (size_t i = 0; i < bb_trust_count(kl.trust); i++) {
		const struct bb_trusted_key *k = bb_trust_get(kl.trust, i);
		const struct bb_trusted_key *old = bb_trust_find(current, k->key.keyid, NULL);
		char id[17];
		bb_keyid_hex(k->key.keyid, id);
		if (old && memcmp(old->key.pk, k->key.pk, BB_ED25519_PK_LEN) != 0) {
			r = tb_fail(why, BB_CHECK_THRESHOLD, -EPERM,
			            "key %s reuses key id %s of a different current key", k->name,
			            id);
			goto fail;
		}
		if (!old && !new_signed[i]) {
			r = tb_fail(why, BB_CHECK_THRESHOLD, -EPERM,
			            "new key %s (%s) did not sign the key list", k->name, id);
			goto fail;
		}
	}
	*ret = kl;
	return 0;
fail:
	bb_keylist_done(&kl);
	return r;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Revocation: NAME.scope goes first, so an interrupted removal leaves an untrusted key. */
static int remove_stale(const struct bb_keylist *kl, int dfd)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(d = fdopendir(fd))) {
		int r = negative_errno();
		if (fd >= 0)
			close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		bool listed = false;
		if (len < 7 || strcmp(de->d_name + len - 6, ".scope") != 0)
			continue;
		for (size_t i = 0; i < bb_trust_count(kl->trust); i++) {
			const char *name = bb_trust_get(kl->trust, i)->name;
			if (strlen(name) == len - 6 && !memcmp(name, de->d_name, len - 6))
				listed = true;
		}
		if (!listed && unlinkat(dfd, de->d_name, 0) < 0)
			return negative_errno();
	}
	return 0;
}

int bb_keylist_write_keys_at(const struct bb_keylist *kl, int dfd, struct bb_reason *why)
{
	char fname[BB_TABLE_NAME_MAX + 16], buf[32];
	int r;

	r = remove_stale(kl, dfd);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "keys.d: cannot revoke old keys: %s",
		               strerror(-r));
	for (size_t i = 0; i < bb_trust_count(kl->trust); i++) {
		const struct bb_trusted_key *k = bb_trust_get(kl->trust, i);
		_cleanup_free_ char *pub = NULL, *scope = NULL;
		size_t len = 0;
		FILE *f;

		r = bb_pubkey_format(&k->key, &pub);
		if (r < 0)
			return tb_fail(why, BB_CHECK_IO, r, "out of memory");
		f = open_memstream(&scope, &len);
		if (!f)
			return tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
		fprintf(f, "# written from key list version %" PRIu64 "\n", kl->version);
		if (k->admin)
			fputs("admin\n", f);
		for (size_t j = 0; j < k->n_vendors; j++)
			fprintf(f, "vendor %04x\n", k->vendors[j]);
		for (size_t j = 0; j < k->n_drivers; j++)
			fprintf(f, "driver %s\n", k->drivers[j]);
		fclose(f);
		snprintf(fname, sizeof(fname), "%s.pub", k->name);
		r = bb_write_file_atomic_at(dfd, fname, pub, strlen(pub), 0644);
		if (r >= 0) {
			snprintf(fname, sizeof(fname), "%s.scope", k->name);
			r = bb_write_file_atomic_at(dfd, fname, scope, len, 0644);
		}
		if (r < 0)
			return tb_fail(why, BB_CHECK_IO, r, "keys.d/%s: %s", fname, strerror(-r));
	}
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", kl->version);
	r = bb_write_file_atomic_at(dfd, KEYLIST_VERSION_FILE, buf, strlen(buf), 0644);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "keys.d/" KEYLIST_VERSION_FILE ": %s",
		               strerror(-r));
	return 0;
}

int bb_keylist_version_at(int dfd, uint64_t *ret)
{
	char buf[32];
	int r = bb_read_attr_at(dfd, KEYLIST_VERSION_FILE, buf, sizeof(buf));

	if (r == -ENOENT) {
		*ret = 0;
		return 0;
	}
	if (r < 0)
		return r;
	return parse_number(buf, ret) < 0 ? -EBADMSG : 0;
}
