/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key pairs: generation with OpenSSL, a random minisign key id, and wiping. */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "tb-internal.h"

int bb_keygen(struct bb_seckey *ret)
{
	int r;

	if (RAND_bytes(ret->keyid, sizeof(ret->keyid)) != 1)
		return -EIO;
	r = tb_ed25519_generate(ret->seed, ret->pk);
	if (r < 0)
		bb_seckey_wipe(ret);
	return r;
}

void bb_seckey_pubkey(const struct bb_seckey *sk, struct bb_pubkey *ret)
{
	memcpy(ret->keyid, sk->keyid, sizeof(ret->keyid));
	memcpy(ret->pk, sk->pk, sizeof(ret->pk));
}

void bb_seckey_wipe(struct bb_seckey *sk)
{
	OPENSSL_cleanse(sk, sizeof(*sk));
}
