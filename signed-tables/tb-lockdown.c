/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lockdown rule for tables: under integrity or confidentiality only signed
 * tables count; an administrator's unsigned local table counts only without lockdown
 * and only when bindbroker.conf allows unsigned tables.
 */
#include <errno.h>

#include "tb-internal.h"

static const char *posture_name(enum bb_posture p)
{
	switch (p) {
	case BB_POSTURE_NONE:
		return "none";
	case BB_POSTURE_INTEGRITY:
		return "integrity";
	case BB_POSTURE_CONFIDENTIALITY:
		return "confidentiality";
	}
	return "unknown";
}

bool bb_table_counts(bool is_signed, enum bb_posture posture, bool config_allows_unsigned,
                     struct bb_reason *why)
{
	if (is_signed)
		return true;
	if (posture != BB_POSTURE_NONE) {
		tb_fail(why, BB_CHECK_LOCKDOWN, -EPERM,
		        "unsigned table does not count under lockdown (%s)", posture_name(posture));
		return false;
	}
	if (!config_allows_unsigned) {
		tb_fail(why, BB_CHECK_LOCKDOWN, -EPERM,
		        "unsigned table does not count: bindbroker.conf does not allow unsigned "
		        "tables");
		return false;
	}
	return true;
}
