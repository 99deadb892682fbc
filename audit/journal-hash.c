/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 through OpenSSL EVP: the record chain and the RFC 6962 Merkle tree. */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "journal-internal.h"

/*
 * One fetched SHA-256 and one context per thread, reused: an implicit fetch
 * and a context allocation per call cost more than hashing a short record.
 */
static _Thread_local EVP_MD *sha256_md;
static _Thread_local EVP_MD_CTX *sha256_ctx;

/* SHA-256 over up to three byte ranges. */
static int sha256_parts(const void *a, size_t alen, const void *b, size_t blen, const void *c,
                        size_t clen, uint8_t out[HASH_LEN])
{
	unsigned int outlen = 0;

	if (!sha256_md) {
		sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (!sha256_md)
			return -EIO;
	}
	if (!sha256_ctx) {
		sha256_ctx = EVP_MD_CTX_new();
		if (!sha256_ctx)
			return -ENOMEM;
	}
	if (EVP_DigestInit_ex(sha256_ctx, sha256_md, NULL) != 1 ||
	    (alen && EVP_DigestUpdate(sha256_ctx, a, alen) != 1) ||
	    (blen && EVP_DigestUpdate(sha256_ctx, b, blen) != 1) ||
	    (clen && EVP_DigestUpdate(sha256_ctx, c, clen) != 1) ||
	    EVP_DigestFinal_ex(sha256_ctx, out, &outlen) != 1 || outlen != HASH_LEN)
		return -EIO;
	return 0;
}

int hash_sha256(const void *data, size_t len, uint8_t out[HASH_LEN])
{
	return sha256_parts(data, len, NULL, 0, NULL, 0, out);
}

int hash_chain(const uint8_t prev[HASH_LEN], const void *body, size_t len, uint8_t out[HASH_LEN])
{
	return sha256_parts(prev, HASH_LEN, body, len, NULL, 0, out);
}

/* RFC 6962 section 2.1: leaves and interior nodes hash under different prefixes. */
int hash_leaf(const void *data, size_t len, uint8_t out[HASH_LEN])
{
	static const uint8_t leaf_prefix = 0x00;
	return sha256_parts(&leaf_prefix, 1, data, len, NULL, 0, out);
}

static int hash_node(const uint8_t left[HASH_LEN], const uint8_t right[HASH_LEN],
                     uint8_t out[HASH_LEN])
{
	static const uint8_t node_prefix = 0x01;
	return sha256_parts(&node_prefix, 1, left, HASH_LEN, right, HASH_LEN, out);
}

/*
 * The stack holds one perfect subtree per set bit of size. Appending a leaf is
 * binary increment: merge equal-sized subtrees at the top while the carry runs.
 */
int merkle_append(struct merkle *m, const uint8_t leaf[HASH_LEN])
{
	uint8_t cur[HASH_LEN];
	int r;

	if (m->size == UINT64_MAX)
		return -EOVERFLOW;
	memcpy(cur, leaf, HASH_LEN);
	for (uint64_t s = m->size; s & 1; s >>= 1) {
		r = hash_node(m->stack[m->n - 1], cur, cur);
		if (r < 0)
			return r;
		m->n--;
	}
	memcpy(m->stack[m->n++], cur, HASH_LEN);
	m->size++;
	return 0;
}

/*
 * RFC 6962 MTH splits at the largest power of two below the size, so the head
 * is the subtrees folded from the smallest (rightmost) to the largest.
 */
int merkle_root(const struct merkle *m, uint8_t out[HASH_LEN])
{
	uint8_t cur[HASH_LEN];
	int r;

	if (m->n == 0)
		return hash_sha256(NULL, 0, out);
	memcpy(cur, m->stack[m->n - 1], HASH_LEN);
	for (unsigned i = m->n - 1; i > 0; i--) {
		r = hash_node(m->stack[i - 1], cur, cur);
		if (r < 0)
			return r;
	}
	memcpy(out, cur, HASH_LEN);
	return 0;
}
