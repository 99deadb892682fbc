/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: minisign public and secret key file parsers, and the scope file parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bb-tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_pubkey pk;
	struct bb_seckey sk;
	struct bb_reason why;
	struct bb_trust *t = NULL;

	if (bb_pubkey_parse((const char *)data, size, "fuzz.pub", &pk, &why) < 0 && !why.msg[0])
		abort();
	if (bb_seckey_parse((const char *)data, size, "fuzz.key", &sk, &why) == 0)
		bb_seckey_wipe(&sk);
	else if (!why.msg[0])
		abort();
	memset(&pk, 0x5a, sizeof(pk));
	if (bb_trust_new(&t) == 0) {
		(void)bb_trust_add(t, "fuzz", &pk, (const char *)data, size, &why);
		bb_trust_free(t);
	}
	return 0;
}
