/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OpenSSL 3 calls: BLAKE2B-512 prehash and Ed25519 (pure, EVP_DigestSign/Verify). */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tb-internal.h"

static void evp_md_ctx_freep(EVP_MD_CTX **c)
{
	EVP_MD_CTX_free(*c);
}

static void evp_pkey_freep(EVP_PKEY **k)
{
	EVP_PKEY_free(*k);
}

int tb_blake2b512(const void *data, size_t len, uint8_t out[64])
{
	_cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_MD *md;
	unsigned int n = 0;
	int ok;

	if (!ctx)
		return -ENOMEM;
	md = EVP_MD_fetch(NULL, "BLAKE2B-512", NULL);
	if (!md)
		return -EOPNOTSUPP;
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, data, len) == 1 &&
	     EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 64;
	EVP_MD_free(md);
	return ok ? 0 : -EIO;
}

int tb_ed25519_verify(const uint8_t pk[32], const uint8_t sig[64], const void *msg, size_t len)
{
	_cleanup_(evp_pkey_freep) EVP_PKEY *key = NULL;
	_cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = NULL;

	key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, 32);
	if (!key)
		return -EKEYREJECTED; /* not a point on the curve */
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) != 1)
		return -EIO;
	return EVP_DigestVerify(ctx, sig, 64, msg, len) == 1 ? 0 : -EKEYREJECTED;
}

int tb_ed25519_sign(const uint8_t seed[32], const void *msg, size_t len, uint8_t sig[64])
{
	_cleanup_(evp_pkey_freep) EVP_PKEY *key = NULL;
	_cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = NULL;
	size_t sig_len = 64;

	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	if (!key)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &sig_len, msg, len) != 1 || sig_len != 64)
		return -EIO;
	return 0;
}

int tb_ed25519_public(const uint8_t seed[32], uint8_t pk[32])
{
	_cleanup_(evp_pkey_freep) EVP_PKEY *key = NULL;
	size_t n = 32;

	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	if (!key)
		return -EINVAL;
	if (EVP_PKEY_get_raw_public_key(key, pk, &n) != 1 || n != 32)
		return -EIO;
	return 0;
}

int tb_ed25519_generate(uint8_t seed[32], uint8_t pk[32])
{
	_cleanup_(evp_pkey_freep) EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	size_t n = 32, m = 32;

	if (!key)
		return -EIO;
	if (EVP_PKEY_get_raw_private_key(key, seed, &n) != 1 || n != 32 ||
	    EVP_PKEY_get_raw_public_key(key, pk, &m) != 1 || m != 32)
		return -EIO;
	return 0;
}
