/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>
#include <stdint.h>

#include "bb-log.h"
#include "broker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bb_lockdown l;

	bb_log_set_max_priority(LOG_CRIT);
	if (bb_lockdown_parse((const char *)data, size, &l) == 0 &&
	    (l < BB_LOCKDOWN_NONE || l > BB_LOCKDOWN_CONFIDENTIALITY))
		__builtin_trap();
	return 0;
}
