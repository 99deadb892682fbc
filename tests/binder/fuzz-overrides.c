/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bb-log.h"
#include "broker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whatever parses must hold only valid entries. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bb_overrides o;
	char err[256];

	bb_log_set_max_priority(LOG_CRIT);
	if (bb_overrides_parse((const char *)data, size, &o, err, sizeof(err)) == 0) {
		if (o.n > BB_OVERRIDES_MAX)
			__builtin_trap();
		for (size_t i = 0; i < o.n; i++)
			if (!bb_valid_pci_address(o.entries[i].address.s) ||
			    !bb_valid_driver_name(o.entries[i].driver))
				__builtin_trap();
	} else if (strncmp(err, "overrides:", 10) != 0) {
		__builtin_trap();
	}
	return 0;
}
