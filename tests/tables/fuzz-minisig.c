/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the minisign signature file parser, then verification of what parsed
 * against a fixed key (which must never accept fuzzed signatures over fuzzed data). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bb-tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char pub[] = "untrusted comment: minisign public key F64C7C1A9A7F0CA8\n"
                          "RWSoDH+aGnxM9pUy2ceb/whhUduOUrjI8Xd7IlNUrAqabQJzxueRXHIT\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_minisig *sig = malloc(sizeof(*sig));
	struct bb_pubkey key;
	struct bb_reason why;

	if (!sig)
		return 0;
	if (bb_pubkey_parse(pub, strlen(pub), "pub", &key, &why) < 0)
		abort();
	if (bb_minisig_parse((const char *)data, size, "fuzz", sig, &why) == 0) {
		if (strlen(sig->trusted_comment) > BB_TRUSTED_COMMENT_MAX)
			abort();
		/* The seed corpus holds minisign's real signature over "hello\n". */
		(void)bb_verify_buffer(&key, sig, "hello\n", 6, &why);
		if (bb_verify_buffer(&key, sig, data, size, &why) == 0)
			abort(); /* a signature file cannot sign itself */
	} else if (why.msg[0] == '\0') {
		abort();
	}
	free(sig);
	return 0;
}
