/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 through OpenSSL EVP: the record chain and the RFC 6962 Merkle tree. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "journal-internal.h"

/*
 * One fetched SHA-256 and one context per thread, reused: an implicit fetch
 * and a context allocation per call cost more than hashing a short record.
 * The daemon appends from worker threads, so each thread's pair is freed by a
 * thread-exit destructor (a thread-local pointer alone would leak at exit).
 */
struct sha256_cache {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_error;

static void cache_free(void *p)
{
	struct sha256_cache *c = p;

	EVP_MD_CTX_free(c->ctx);
	EVP_MD_free(c->md);
	free(c);
}

static void cache_key_create(void)
{
	cache_key_error = pthread_key_create(&cache_key, cache_free);
}

static struct sha256_cache *cache_get(void)
{
	struct sha256_cache *c;

	if (pthread_once(&cache_once, cache_key_create) != 0 || cache_key_error != 0)
		return NULL;
	c = pthread_getspecific(cache_key);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	c->ctx = EVP_MD_CTX_new();
	if (!c->md || !c->ctx || pthread_setspecific(cache_key, c) != 0) {
		cache_free(c);
		return NULL;
	}
	return c;
}

/* SHA-256 over up to three byte ranges. */
static int sha256_parts(const void *a, size_t alen, const void *b, size_t blen, const void *c,
                        size_t clen, uint8_t out[HASH_LEN])
{
	struct sha256_cache *cache = cache_get();
	unsigned int outlen = 0;

	if (!cache)
		return -ENOMEM;
	if (EVP_DigestInit_ex(cache->ctx, cache->md, NULL) != 1 ||
	    (alen && EVP_DigestUpdate(cache->ctx, a, alen) != 1) ||
	    (blen && EVP_DigestUpdate(cache->ctx, b, blen) != 1) ||
	    (clen && EVP_DigestUpdate(cache->ctx, c, clen) != 1) ||
	    EVP_DigestFinal_ex(cache->ctx, out, &outlen) != 1 || outlen != HASH_LEN)
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
