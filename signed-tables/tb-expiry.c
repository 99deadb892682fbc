/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Freshness: a table counts only between its issued and expires times (freeze defence). */
#include <errno.h>

#include "tb-internal.h"

int tb_check_expiry(const struct bb_table *t, int64_t now, struct bb_reason *why)
{
	char when[32];

	if (now >= t->expires) {
		bb_time_format(t->expires, when);
		return tb_fail(why, BB_CHECK_EXPIRY, -EKEYEXPIRED, "table %s expired at %s",
		               t->name, when);
	}
	if (now < t->issued) {
		bb_time_format(t->issued, when);
		return tb_fail(why, BB_CHECK_EXPIRY, -EKEYEXPIRED,
		               "table %s is not valid before %s (issued in the future)", t->name,
		               when);
	}
	return 0;
}
