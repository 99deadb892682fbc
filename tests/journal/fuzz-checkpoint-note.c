/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzzes the strict C2SP checkpoint note parser (journal-internal.h) and base64. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct checkpoint_parsed p;
	char err[200], again[JOURNAL_CHECKPOINT_MAX];
	int r, len;

	r = checkpoint_note_parse((const char *)data, size, &p, err, sizeof(err));
	if (r != 0 && r != -EBADMSG)
		abort();
	if (r == 0) {
		/* What parses re-renders to the very same bytes: one canonical form. */
		len = checkpoint_note(p.origin, p.size, p.root, p.sig_b64, again, sizeof(again));
		if (len != (int)size || memcmp(again, data, size) != 0)
			abort();
	}
	return 0;
}
