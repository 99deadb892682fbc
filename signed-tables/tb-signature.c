/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signing and verifying a buffer the minisign way (prehashed "ED"): the signature is
 * Ed25519 over BLAKE2b-512(data); the global signature is Ed25519 over
 * signature || trusted comment, so the comment cannot be swapped.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <string.h>

#include "tb-internal.h"

static int global_message(const uint8_t sig[64], const char *tc, uint8_t **ret, size_t *ret_len)
{
	size_t tlen = strlen(tc);
	uint8_t *m = malloc(64 + tlen);

	if (!m)
		return -ENOMEM;
	memcpy(m, sig, 64);
	memcpy(m + 64, tc, tlen);
	*ret = m;
	*ret_len = 64 + tlen;
	return 0;
}

int bb_sign_buffer(const struct bb_seckey *sk, const void *data, size_t len,
                   const char *trusted_comment, struct bb_minisig *ret, struct bb_reason *why)
{
	_cleanup_free_ uint8_t *gm = NULL;
	size_t tlen = strlen(trusted_comment), gm_len;
	uint8_t hash[64];
	int r;

	if (tlen > BB_TRUSTED_COMMENT_MAX || tb_text_bad_offset(trusted_comment, tlen) >= 0)
		return tb_fail(why, BB_CHECK_SYNTAX, -EINVAL,
		               "trusted comment too long or holds control characters");
	r = tb_blake2b512(data, len, hash);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "BLAKE2b-512 failed");
	memcpy(ret->keyid, sk->keyid, 8);
	r = tb_ed25519_sign(sk->seed, hash, sizeof(hash), ret->sig);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "Ed25519 signing failed");
	memcpy(ret->trusted_comment, trusted_comment, tlen + 1);
	r = global_message(ret->sig, ret->trusted_comment, &gm, &gm_len);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "out of memory");
	r = tb_ed25519_sign(sk->seed, gm, gm_len, ret->global_sig);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "Ed25519 signing failed");
	return 0;
}

int bb_verify_buffer(const struct bb_pubkey *key, const struct bb_minisig *sig, const void *data,
                     size_t len, struct bb_reason *why)
{
	_cleanup_free_ uint8_t *gm = NULL;
	uint8_t hash[64];
	size_t gm_len;
	char want[17], got[17];
	int r;

	if (memcmp(key->keyid, sig->keyid, 8) != 0) {
		bb_keyid_hex(key->keyid, want);
		bb_keyid_hex(sig->keyid, got);
		return tb_fail(why, BB_CHECK_SIGNATURE, -EKEYREJECTED,
		               "wrong key: signed by key %s, verifying with key %s", got, want);
	}
	r = tb_blake2b512(data, len, hash);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "BLAKE2b-512 failed");
	r = tb_ed25519_verify(key->pk, sig->sig, hash, sizeof(hash));
	if (r == -EKEYREJECTED)
		return tb_fail(why, BB_CHECK_SIGNATURE, r,
		               "bad signature: the file does not match its signature");
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "Ed25519 verification failed to run");
	r = global_message(sig->sig, sig->trusted_comment, &gm, &gm_len);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "out of memory");
	r = tb_ed25519_verify(key->pk, sig->global_sig, gm, gm_len);
	if (r == -EKEYREJECTED)
		return tb_fail(why, BB_CHECK_SIGNATURE, r,
		               "bad signature: the trusted comment does not match its global "
		               "signature");
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "Ed25519 verification failed to run");
	return 0;
}
