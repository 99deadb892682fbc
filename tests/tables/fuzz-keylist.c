/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the key list parser (reached through bb_keylist_verify with no signatures:
 * parsing runs first, then the threshold check refuses). */
#include <stdint.h>
#include <stdlib.h>

#include "bb-tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_trust *current = NULL;
	struct bb_keylist kl = {0};
	struct bb_reason why = {0};

	if (bb_trust_new(&current) < 0)
		return 0;
	/* Without signatures nothing may ever be accepted. */
	if (bb_keylist_verify(current, 0, 1, (const char *)data, size, NULL, NULL, 0, &kl, &why) ==
	    0)
		abort();
	if (!why.msg[0])
		abort();
	bb_trust_free(current);
	return 0;
}
