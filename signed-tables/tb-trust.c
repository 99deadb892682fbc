/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The trust store: keys.d/NAME.pub (a minisign public key) is trusted only with a
 * keys.d/NAME.scope beside it, which lists what the key may speak for:
 *   vendor 15b3            a PCI vendor id (repeatable)
 *   driver mlx5_vfio_pci   a driver name (repeatable)
 *   admin                  may sign key lists (rotation)
 * '#' starts a comment line; blank lines are ignored; anything else is refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "bb-fileio.h"
#include "bb-validate.h"
#include "tb-internal.h"

#define SCOPE_FILE_MAX 65536
#define TRUST_MAX_KEYS 1024

struct unscoped {
	char name[BB_TABLE_NAME_MAX + 1];
	uint8_t keyid[BB_KEYID_LEN];
};

struct bb_trust {
	struct bb_trusted_key *keys;
	size_t n_keys;
	struct unscoped *unscoped;
	size_t n_unscoped;
};

int bb_trust_new(struct bb_trust **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

void bb_trust_free(struct bb_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_keys; i++) {
		free(t->keys[i].vendors);
		free(t->keys[i].drivers);
	}
	free(t->keys);
	free(t->unscoped);
	free(t);
}

size_t bb_trust_count(const struct bb_trust *t)
{
	return t->n_keys;
}

const struct bb_trusted_key *bb_trust_get(const struct bb_trust *t, size_t i)
{
	return i < t->n_keys ? &t->keys[i] : NULL;
}

static int scope_line(struct bb_trusted_key *k, const char *origin, unsigned lineno,
                      const char *line, size_t len, struct bb_reason *why)
{
	char value[BB_TABLE_DRIVER_MAX + 1];
	uint32_t v;

	if (len == 5 && !memcmp(line, "admin", 5)) {
		if (k->admin)
			goto dup;
		k->admin = true;
		return 0;
	}
	if (k->n_vendors + k->n_drivers >= BB_SCOPE_MAX_ITEMS)
		return tb_fail(why, BB_CHECK_SYNTAX, -E2BIG, "%s:%u: more than %d scope lines",
		               origin, lineno, BB_SCOPE_MAX_ITEMS);
	if (len == 11 && !memcmp(line, "vendor ", 7)) {
		if (!tb_parse_hex(line + 7, 4, &v))
			goto bad;
		for (size_t i = 0; i < k->n_vendors; i++)
			if (k->vendors[i] == v)
				goto dup;
		uint16_t *n = realloc(k->vendors, (k->n_vendors + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		k->vendors = n;
		k->vendors[k->n_vendors++] = (uint16_t)v;
		return 0;
	}
	if (len > 7 && len - 7 <= BB_TABLE_DRIVER_MAX && !memcmp(line, "driver ", 7)) {
		memcpy(value, line + 7, len - 7);
		value[len - 7] = '\0';
		if (!bb_valid_driver_name(value))
			goto bad;
		for (size_t i = 0; i < k->n_drivers; i++)
			if (streq(k->drivers[i], value))
				goto dup;
		char(*n)[BB_TABLE_DRIVER_MAX + 1] =
		    realloc(k->drivers, (k->n_drivers + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		k->drivers = n;
		memcpy(k->drivers[k->n_drivers++], value, len - 7 + 1);
		return 0;
	}
bad:
	return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
	               "%s:%u:1: expected 'vendor VVVV' (lowercase hex), 'driver NAME' or 'admin'",
	               origin, lineno);
dup:
	return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "%s:%u:1: duplicate scope line", origin,
	               lineno);
}

int bb_trust_add(struct bb_trust *t, const char *name, const struct bb_pubkey *key,
                 const char *scope_text, size_t scope_len, struct bb_reason *why)
{
	struct bb_trusted_key k = {0};
	struct tb_lines l = {.data = scope_text, .len = scope_len};
	char origin[BB_TABLE_NAME_MAX + 16];
	const char *line;
	size_t len;
	int r;

	if (!tb_valid_name(name, strlen(name)))
		return tb_fail(why, BB_CHECK_SYNTAX, -EINVAL, "invalid key name '%s'", name);
	snprintf(origin, sizeof(origin), "%s.scope", name);
	if (scope_len > SCOPE_FILE_MAX)
		return tb_fail(why, BB_CHECK_SYNTAX, -EFBIG, "%s: larger than %d bytes", origin,
		               SCOPE_FILE_MAX);
	if (memchr(scope_text, '\0', scope_len) || memchr(scope_text, '\r', scope_len))
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "%s: NUL or carriage return",
		               origin);
	for (size_t i = 0; i < t->n_keys; i++)
		if (!memcmp(t->keys[i].key.keyid, key->keyid, BB_KEYID_LEN) ||
		    streq(t->keys[i].name, name))
			return tb_fail(why, BB_CHECK_SYNTAX, -EEXIST,
			               "key %s: same name or key id as key %s", name,
			               t->keys[i].name);
	if (t->n_keys >= TRUST_MAX_KEYS)
		return tb_fail(why, BB_CHECK_SYNTAX, -E2BIG, "more than %d trusted keys",
		               TRUST_MAX_KEYS);
	snprintf(k.name, sizeof(k.name), "%s", name);
	k.key = *key;
	while ((r = tb_next_line(&l, &line, &len)) > 0) {
		if (len == 0 || line[0] == '#')
			continue;
		r = scope_line(&k, origin, l.lineno, line, len, why);
		if (r < 0)
			goto fail;
	}
	if (r < 0) {
		r = tb_fail(why, BB_CHECK_SYNTAX, r, "%s:%u: last line does not end in a newline",
		            origin, l.lineno);
		goto fail;
	}
	struct bb_trusted_key *n = realloc(t->keys, (t->n_keys + 1) * sizeof(*n));
	if (!n) {
		r = -ENOMEM;
		goto fail;
	}
	t->keys = n;
	t->keys[t->n_keys++] = k;
	return 0;
fail:
	free(k.vendors);
	free(k.drivers);
	return r;
}

static int add_unscoped(struct bb_trust *t, const char *name, const struct bb_pubkey *key)
{
	struct unscoped *n = realloc(t->unscoped, (t->n_unscoped + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	t->unscoped = n;
	snprintf(n[t->n_unscoped].name, sizeof(n->name), "%s", name);
	memcpy(n[t->n_unscoped].keyid, key->keyid, BB_KEYID_LEN);
	t->n_unscoped++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static int load_one(struct bb_trust *t, int keys_dfd, const char *stem, struct bb_reason *why)
{
	char pubname[BB_TABLE_NAME_MAX + 8], scopename[BB_TABLE_NAME_MAX + 8];
	_cleanup_free_ char *scope = NULL;
	struct bb_pubkey key;
	size_t len;
	int r;

	snprintf(pubname, sizeof(pubname), "%s.pub", stem);
	snprintf(scopename, sizeof(scopename), "%s.scope", stem);
	r = bb_pubkey_load_at(keys_dfd, pubname, &key, why);
	if (r < 0)
		return r;
	r = bb_read_file_at(keys_dfd, scopename, SCOPE_FILE_MAX, &scope, &len);
	if (r == -ENOENT)
		return add_unscoped(t, stem, &key); /* no scope: known, but not trusted */
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "%s: cannot read: %s", scopename, strerror(-r));
	return bb_trust_add(t, stem, &key, scope, len, why);
}

int bb_trust_load_at(int keys_dfd, struct bb_trust **ret, struct bb_reason *why)
{
	_cleanup_(bb_trust_freep) struct bb_trust *t = NULL;
	_cleanup_(closedirp) DIR *d = NULL;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	int fd, r = 0;

	if (bb_trust_new(&t) < 0)
		return -ENOMEM;
	fd = openat(keys_dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		r = negative_errno();
		if (fd >= 0)
			close(fd);
		return tb_fail(why, BB_CHECK_IO, r, "keys.d: cannot open: %s", strerror(-r));
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".pub") != 0 || de->d_name[0] == '.')
			continue;
		if (!tb_valid_name(de->d_name, len - 4)) {
			r = tb_fail(why, BB_CHECK_SYNTAX, -EINVAL,
			            "keys.d/%s: key names are [a-z0-9._-], up to %d characters",
			            de->d_name, BB_TABLE_NAME_MAX);
			goto out;
		}
		if (n >= TRUST_MAX_KEYS) {
			r = tb_fail(why, BB_CHECK_SYNTAX, -E2BIG, "keys.d: more than %d keys",
			            TRUST_MAX_KEYS);
			goto out;
		}
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strndup(de->d_name, len - 4))) {
			if (nn)
				names = nn;
			r = -ENOMEM;
			goto out;
		}
		names = nn;
		n++;
	}
	if (n) /* names is NULL when keys.d holds no key */
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && r >= 0; i++)
		r = load_one(t, keys_dfd, names[i], why);
	for (size_t i = 0; i < t->n_unscoped && r >= 0; i++)
		for (size_t j = 0; j < t->n_keys; j++)
			if (!memcmp(t->unscoped[i].keyid, t->keys[j].key.keyid, BB_KEYID_LEN))
				r = tb_fail(why, BB_CHECK_SYNTAX, -EEXIST,
				            "keys.d: %s.pub and %s.pub share a key id",
				            t->unscoped[i].name, t->keys[j].name);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(t);
	return 0;
}

const struct bb_trusted_key *bb_trust_find(const struct bb_trust *t,
                                           const uint8_t keyid[BB_KEYID_LEN], struct bb_reason *why)
{
	char id[17];

	for (size_t i = 0; i < t->n_keys; i++)
		if (!memcmp(t->keys[i].key.keyid, keyid, BB_KEYID_LEN))
			return &t->keys[i];
	bb_keyid_hex(keyid, id);
	for (size_t i = 0; i < t->n_unscoped; i++)
		if (!memcmp(t->unscoped[i].keyid, keyid, BB_KEYID_LEN)) {
			tb_fail(why, BB_CHECK_TRUST, -ENOKEY,
			        "untrusted key %s: keys.d/%s.pub has no %s.scope", id,
			        t->unscoped[i].name, t->unscoped[i].name);
			return NULL;
		}
	tb_fail(why, BB_CHECK_TRUST, -ENOKEY, "untrusted key %s: not in keys.d", id);
	return NULL;
}

/* KEY's vendors as a bitmap: a table may name thousands of vendors, a scope as many. */
static void key_vendor_bits(const struct bb_trusted_key *k, uint64_t bits[65536 / 64])
{
	memset(bits, 0, 65536 / 8);
	for (size_t i = 0; i < k->n_vendors; i++)
		bits[k->vendors[i] / 64] |= UINT64_C(1) << (k->vendors[i] % 64);
}

static bool has_vendor(const uint64_t bits[65536 / 64], uint16_t v)
{
	return bits[v / 64] & (UINT64_C(1) << (v % 64));
}

static bool key_has_driver(const struct bb_trusted_key *k, const char *d)
{
	for (size_t i = 0; i < k->n_drivers; i++)
		if (streq(k->drivers[i], d))
			return true;
	return false;
}

int bb_trust_check_scope(const struct bb_trusted_key *key, const struct bb_table *table,
                         struct bb_reason *why)
{
	_cleanup_free_ uint64_t *bits = malloc(65536 / 8);

	if (!bits)
		return tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
	key_vendor_bits(key, bits);
	if (!has_vendor(bits, table->vendor))
		return tb_fail(why, BB_CHECK_SCOPE, -EPERM,
		               "key outside scope: vendor %04x (table %s, key %s)", table->vendor,
		               table->name, key->name);
	/* A multi-vendor table: the signer must be trusted for every vendor it names. */
	for (size_t i = 0; i < table->n_vendors; i++)
		if (!has_vendor(bits, table->vendors[i]))
			return tb_fail(why, BB_CHECK_SCOPE, -EPERM,
			               "key outside scope: vendor %04x (table %s, key %s)",
			               table->vendors[i], table->name, key->name);
	for (size_t i = 0; i < table->n_entries; i++)
		if (!has_vendor(bits, table->entries[i].vendor))
			return tb_fail(why, BB_CHECK_SCOPE, -EPERM,
			               "key outside scope: vendor %04x (table %s line %u, key %s)",
			               table->entries[i].vendor, table->name,
			               table->entries[i].line, key->name);
	for (size_t i = 0; i < table->n_drivers; i++)
		if (!key_has_driver(key, table->drivers[i]))
			return tb_fail(why, BB_CHECK_SCOPE, -EPERM,
			               "key outside scope: driver %s (table %s, key %s)",
			               table->drivers[i], table->name, key->name);
	return 0;
}
