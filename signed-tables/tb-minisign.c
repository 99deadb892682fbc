/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * minisign key and signature files, read and written.
 *
 *   public key:  "untrusted comment: ..." / base64("Ed" keyid[8] pk[32])
 *   secret key:  "untrusted comment: ..." / base64("Ed" kdf[2] "B2" salt[32] ops[8] mem[8]
 *                keyid[8] sk[64] chk[32]), chk = BLAKE2b-256("Ed" keyid sk)
 *   signature:   "untrusted comment: ..." / base64("ED" keyid[8] sig[64]) /
 *                "trusted comment: ..." / base64(global_sig[64])
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <string.h>

#include "tb-internal.h"

#define PUBKEY_BIN_LEN 42
#define SECKEY_BIN_LEN 158
#define SIG_BIN_LEN    74

static const char untrusted_prefix[] = "untrusted comment: ";
static const char trusted_prefix[] = "trusted comment: ";

void bb_keyid_hex(const uint8_t keyid[BB_KEYID_LEN], char out[17])
{
	static const char hex[] = "0123456789ABCDEF";
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hex[keyid[7 - i] >> 4];
		out[2 * i + 1] = hex[keyid[7 - i] & 15];
	}
	out[16] = '\0';
}

static const char *origin_or_default(const char *origin)
{
	return origin ? origin : "<input>";
}

/* Reads one line that must start with PREFIX; the rest is bounded comment text. */
static int comment_line(struct tb_lines *l, const char *origin, const char *prefix, size_t max,
                        const char **ret, size_t *ret_len, struct bb_reason *why)
{
	size_t plen = strlen(prefix), len;
	const char *line;
	long bad;
	int r;

	r = tb_next_line(l, &line, &len);
	if (r == 0)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
		               "%s:%u: truncated: expected \"%s...\"", origin, l->lineno + 1,
		               prefix);
	if (r < 0)
		return tb_fail(why, BB_CHECK_SYNTAX, r, "%s:%u: line does not end in a newline",
		               origin, l->lineno);
	if (len < plen || memcmp(line, prefix, plen) != 0)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "%s:%u:1: expected \"%s\"", origin,
		               l->lineno, prefix);
	if (len - plen > max)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
		               "%s:%u: comment longer than %zu bytes", origin, l->lineno, max);
	bad = tb_text_bad_offset(line + plen, len - plen);
	if (bad >= 0)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
		               "%s:%u:%zu: control character or invalid UTF-8 in comment", origin,
		               l->lineno, plen + (size_t)bad + 1);
	*ret = line + plen;
	*ret_len = len - plen;
	return 0;
}

/* Reads one line holding exactly the canonical base64 of OUT_LEN bytes. */
static int base64_line(struct tb_lines *l, const char *origin, const char *what, uint8_t *out,
                       size_t out_len, struct bb_reason *why)
{
	const char *line;
	size_t len;
	int r;

	r = tb_next_line(l, &line, &len);
	if (r == 0)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "%s:%u: truncated: %s missing",
		               origin, l->lineno + 1, what);
	if (r < 0)
		return tb_fail(why, BB_CHECK_SYNTAX, r, "%s:%u: line does not end in a newline",
		               origin, l->lineno);
	if (len != tb_base64_encoded_len(out_len))
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
		               "%s:%u: %s: expected %zu base64 characters, got %zu", origin,
		               l->lineno, what, tb_base64_encoded_len(out_len), len);
	if (tb_base64_decode(line, len, out, out_len) < 0)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "%s:%u: %s: invalid base64", origin,
		               l->lineno, what);
	return 0;
}

static int expect_end(struct tb_lines *l, const char *origin, struct bb_reason *why)
{
	if (l->pos != l->len)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
		               "%s:%u: trailing garbage after the last line", origin,
		               l->lineno + 1);
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/*
 * The shape both minisign key files share: an untrusted comment, one base64 line
 * of WHAT ("public key", "secret key") into BIN, nothing after, and the "Ed" tag.
 */
static int key_file_lines(const char *data, size_t len, const char *origin, const char *what,
                          uint8_t *bin, size_t binlen, struct bb_reason *why)
{
	struct tb_lines l = {.data = data, .len = len};
	const char *c;
	size_t clen;
	int r;

	if (len > BB_KEYFILE_MAX)
		return tb_fail(why, BB_CHECK_SYNTAX, -EFBIG, "%s: key file larger than %d bytes",
		               origin, BB_KEYFILE_MAX);
	r = comment_line(&l, origin, untrusted_prefix, BB_UNTRUSTED_COMMENT_MAX, &c, &clen, why);
	if (r < 0)
		return r;
	r = base64_line(&l, origin, what, bin, binlen, why);
	if (r < 0)
		return r;
	r = expect_end(&l, origin, why);
	if (r < 0)
		return r;
	if (memcmp(bin, "Ed", 2) != 0)
		return tb_fail(why, BB_CHECK_ALGORITHM, -EPROTONOSUPPORT,
		               "%s:2: unknown %s algorithm (want \"Ed\")", origin, what);
	return 0;
}

int bb_pubkey_parse(const char *data, size_t len, const char *origin, struct bb_pubkey *ret,
                    struct bb_reason *why)
{
	uint8_t bin[PUBKEY_BIN_LEN];
	int r;

	origin = origin_or_default(origin);
	r = key_file_lines(data, len, origin, "public key", bin, sizeof(bin), why);
	if (r < 0)
		return r;
	memcpy(ret->keyid, bin + 2, BB_KEYID_LEN);
	memcpy(ret->pk, bin + 2 + BB_KEYID_LEN, BB_ED25519_PK_LEN);
	return 0;
}

static void seckey_checksum(const uint8_t keyid[8], const uint8_t sk[64], uint8_t chk[32])
{
	struct tb_blake2b s;

	tb_blake2b_init(&s, 32);
	tb_blake2b_update(&s, "Ed", 2);
	tb_blake2b_update(&s, keyid, 8);
	tb_blake2b_update(&s, sk, 64);
	tb_blake2b_final(&s, chk);
}

int bb_seckey_parse(const char *data, size_t len, const char *origin, struct bb_seckey *ret,
                    struct bb_reason *why)
{
	uint8_t bin[SECKEY_BIN_LEN] = {0}, chk[32], pk[32];
	const uint8_t *keyid, *sk;
	int r;

	origin = origin_or_default(origin);
	r = key_file_lines(data, len, origin, "secret key", bin, sizeof(bin), why);
	if (r < 0)
		goto out; /* bin may hold part of the key: wiped below */
	if (memcmp(bin + 2, "Sc", 2) == 0) {
		r = tb_fail(why, BB_CHECK_ALGORITHM, -EOPNOTSUPP,
		            "%s: secret key is encrypted with a password (scrypt); bindbroker "
		            "reads only unencrypted keys (minisign -G -W, bindbroker keygen)",
		            origin);
		goto out;
	}
	if (bin[2] != 0 || bin[3] != 0) {
		r = tb_fail(why, BB_CHECK_ALGORITHM, -EPROTONOSUPPORT,
		            "%s:2: unknown key derivation algorithm", origin);
		goto out;
	}
	if (memcmp(bin + 4, "B2", 2) != 0) {
		r = tb_fail(why, BB_CHECK_ALGORITHM, -EPROTONOSUPPORT,
		            "%s:2: unknown checksum algorithm (want \"B2\")", origin);
		goto out;
	}
	keyid = bin + 6 + 32 + 8 + 8;
	sk = keyid + 8;
	seckey_checksum(keyid, sk, chk);
	if (CRYPTO_memcmp(chk, sk + 64, 32) != 0) {
		r = tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "%s: secret key checksum mismatch",
		            origin);
		goto out;
	}
	/* The seed must give the public half stored beside it. */
	r = tb_ed25519_public(sk, pk);
	if (r < 0 || CRYPTO_memcmp(pk, sk + 32, 32) != 0) {
		r = tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
		            "%s: secret key does not match its public half", origin);
		goto out;
	}
	memcpy(ret->keyid, keyid, 8);
	memcpy(ret->seed, sk, 32);
	memcpy(ret->pk, sk + 32, 32);
	r = 0;
out:
	OPENSSL_cleanse(bin, sizeof(bin));
	return r;
}

int bb_minisig_parse(const char *data, size_t len, const char *origin, struct bb_minisig *ret,
                     struct bb_reason *why)
{
	struct tb_lines l = {.data = data, .len = len};
	uint8_t bin[SIG_BIN_LEN];
	const char *c;
	size_t clen;
	int r;

	origin = origin_or_default(origin);
	if (len > BB_SIGFILE_MAX)
		return tb_fail(why, BB_CHECK_SYNTAX, -EFBIG,
		               "%s: signature file larger than %d bytes", origin, BB_SIGFILE_MAX);
	r = comment_line(&l, origin, untrusted_prefix, BB_UNTRUSTED_COMMENT_MAX, &c, &clen, why);
	if (r < 0)
		return r;
	r = base64_line(&l, origin, "signature", bin, sizeof(bin), why);
	if (r < 0)
		return r;
	if (memcmp(bin, "Ed", 2) == 0)
		return tb_fail(why, BB_CHECK_ALGORITHM, -EPROTONOSUPPORT,
		               "%s:2: legacy signature (\"Ed\", not prehashed) refused; sign with "
		               "minisign's default prehashed mode",
		               origin);
	if (memcmp(bin, "ED", 2) != 0)
		return tb_fail(why, BB_CHECK_ALGORITHM, -EPROTONOSUPPORT,
		               "%s:2: unknown signature algorithm (want \"ED\")", origin);
	memcpy(ret->keyid, bin + 2, 8);
	memcpy(ret->sig, bin + 10, 64);
	r = comment_line(&l, origin, trusted_prefix, BB_TRUSTED_COMMENT_MAX, &c, &clen, why);
	if (r < 0)
		return r;
	memcpy(ret->trusted_comment, c, clen);
	ret->trusted_comment[clen] = '\0';
	r = base64_line(&l, origin, "global signature", ret->global_sig, 64, why);
	if (r < 0)
		return r;
	r = expect_end(&l, origin, why);
	if (r < 0)
		return r;
	if (all_zero(ret->sig, 64) || all_zero(ret->global_sig, 64))
		return tb_fail(why, BB_CHECK_SIGNATURE, -EKEYREJECTED,
		               "bad signature: %s holds an all-zero signature", origin);
	return 0;
}

static int format_lines(char **ret, const char *comment1, const uint8_t *bin1, size_t len1,
                        const char *comment2, const uint8_t *bin2, size_t len2)
{
	size_t n = strlen(comment1) + tb_base64_encoded_len(len1) + 4;
	char *b, *p;

	if (comment2)
		n += strlen(comment2) + tb_base64_encoded_len(len2) + 2;
	b = malloc(n + 1);
	if (!b)
		return -ENOMEM;
	p = stpcpy(b, comment1);
	*p++ = '\n';
	tb_base64_encode(bin1, len1, p);
	p += strlen(p);
	*p++ = '\n';
	if (comment2) {
		p = stpcpy(p, comment2);
		*p++ = '\n';
		tb_base64_encode(bin2, len2, p);
		p += strlen(p);
		*p++ = '\n';
	}
	*p = '\0';
	*ret = b;
	return 0;
}

int bb_pubkey_format(const struct bb_pubkey *key, char **ret)
{
	uint8_t bin[PUBKEY_BIN_LEN];
	char comment[64], id[17];

	bb_keyid_hex(key->keyid, id);
	snprintf(comment, sizeof(comment), "%sminisign public key %s", untrusted_prefix, id);
	memcpy(bin, "Ed", 2);
	memcpy(bin + 2, key->keyid, 8);
	memcpy(bin + 10, key->pk, 32);
	return format_lines(ret, comment, bin, sizeof(bin), NULL, NULL, 0);
}

int bb_seckey_format(const struct bb_seckey *key, char **ret)
{
	uint8_t bin[SECKEY_BIN_LEN] = {0};
	uint8_t *keyid = bin + 6 + 32 + 8 + 8, *sk = keyid + 8;
	char comment[80];
	int r;

	/* Unencrypted: kdf "\0\0", zero salt and limits, as minisign -G -W writes. */
	memcpy(bin, "Ed", 2);
	memcpy(bin + 4, "B2", 2);
	memcpy(keyid, key->keyid, 8);
	memcpy(sk, key->seed, 32);
	memcpy(sk + 32, key->pk, 32);
	seckey_checksum(keyid, sk, sk + 64);
	snprintf(comment, sizeof(comment), "%sbindbroker unencrypted secret key", untrusted_prefix);
	r = format_lines(ret, comment, bin, sizeof(bin), NULL, NULL, 0);
	OPENSSL_cleanse(bin, sizeof(bin));
	return r;
}

int bb_minisig_format(const struct bb_minisig *sig, char **ret)
{
	uint8_t bin[SIG_BIN_LEN];
	char comment[80], id[17];
	_cleanup_free_ char *tc = NULL;

	bb_keyid_hex(sig->keyid, id);
	snprintf(comment, sizeof(comment), "%ssignature from bindbroker secret key %s",
	         untrusted_prefix, id);
	if (asprintf(&tc, "%s%s", trusted_prefix, sig->trusted_comment) < 0)
		return -ENOMEM;
	memcpy(bin, "ED", 2);
	memcpy(bin + 2, sig->keyid, 8);
	memcpy(bin + 10, sig->sig, 64);
	return format_lines(ret, comment, bin, sizeof(bin), tc, sig->global_sig, 64);
}

int bb_pubkey_load_at(int dirfd, const char *name, struct bb_pubkey *ret, struct bb_reason *why)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r = tb_read_file(dirfd, name, BB_KEYFILE_MAX, &data, &len, why);
	if (r < 0)
		return r;
	return bb_pubkey_parse(data, len, name, ret, why);
}

int bb_seckey_load_at(int dirfd, const char *name, struct bb_seckey *ret, struct bb_reason *why)
{
	char *data = NULL;
	size_t len = 0;
	int r = tb_read_file(dirfd, name, BB_KEYFILE_MAX, &data, &len, why);
	if (r < 0)
		return r;
	r = bb_seckey_parse(data, len, name, ret, why);
	OPENSSL_cleanse(data, len);
	free(data);
	return r;
}
