/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Refusal reasons: every failure names the check that failed. */
#include <stdarg.h>
#include <stdio.h>

#include "tb-internal.h"

int tb_fail(struct bb_reason *why, enum bb_check check, int err, const char *fmt, ...)
{
	if (why) {
		va_list ap;
		why->check = check;
		va_start(ap, fmt);
		vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
		va_end(ap);
	}
	return err < 0 ? err : -err;
}

const char *bb_check_name(enum bb_check check)
{
	static const char *const names[] = {
	    [BB_CHECK_NONE] = "none",           [BB_CHECK_IO] = "io",
	    [BB_CHECK_SYNTAX] = "syntax",       [BB_CHECK_ALGORITHM] = "algorithm",
	    [BB_CHECK_SIGNATURE] = "signature", [BB_CHECK_TRUST] = "trust",
	    [BB_CHECK_SCOPE] = "scope",         [BB_CHECK_EXPIRY] = "expiry",
	    [BB_CHECK_ROLLBACK] = "rollback",   [BB_CHECK_LOCKDOWN] = "lockdown",
	    [BB_CHECK_THRESHOLD] = "threshold", [BB_CHECK_NO_MATCH] = "no-match",
	};
	if ((size_t)check >= ARRAY_SIZE(names) || !names[check])
		return "unknown";
	return names[check];
}
