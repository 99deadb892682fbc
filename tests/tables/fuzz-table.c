/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the table parser must refuse or accept any bytes without crashing, and an
 * accepted table must satisfy the invariants the rest of the code relies on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bb-tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_table *t = NULL;
	struct bb_reason why;

	if (bb_table_parse((const char *)data, size, "fuzz", &t, &why) < 0) {
		if (why.msg[0] == '\0' || why.check == BB_CHECK_NONE)
			abort(); /* every refusal names its reason */
		return 0;
	}
	static uint8_t listed[65536];

	if (t->n_entries == 0 || t->n_drivers == 0 || t->expires <= t->issued || t->serial == 0 ||
	    t->n_vendors == 0 || t->n_vendors > BB_TABLE_MAX_VENDORS || t->vendors[0] != t->vendor)
		abort();
	/* Every vendor once; every entry under one of them (the multi-vendor form). */
	memset(listed, 0, sizeof(listed));
	for (size_t i = 0; i < t->n_vendors; i++) {
		if (listed[t->vendors[i]])
			abort();
		listed[t->vendors[i]] = 1;
	}
	for (size_t i = 0; i < t->n_entries; i++)
		if (!listed[t->entries[i].vendor] || !t->entries[i].comment ||
		    (t->entries[i].has_rev && t->entries[i].rev_lo > t->entries[i].rev_hi))
			abort();
	bb_table_free(t);
	return 0;
}
