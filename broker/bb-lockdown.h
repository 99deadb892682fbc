/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel lockdown posture (kernel/security/lockdown). */
#pragma once

#include <stddef.h>

#include "bb-sysfs.h"

typedef enum bb_lockdown {
	BB_LOCKDOWN_UNSUPPORTED, /* the file is absent: the kernel has no lockdown LSM */
	BB_LOCKDOWN_NONE,
	BB_LOCKDOWN_INTEGRITY,
	BB_LOCKDOWN_CONFIDENTIALITY,
} bb_lockdown;

/*
 * Parses the file's text ("none [integrity] confidentiality\n"): known words
 * only, exactly one in brackets, single spaces, at most one trailing newline.
 * -EBADMSG with a message naming the column when malformed.
 */
int bb_lockdown_parse(const char *text, size_t len, bb_lockdown *ret);

/* Reads the posture of the machine behind S; absent file = BB_LOCKDOWN_UNSUPPORTED. */
int bb_lockdown_read(bb_sysfs *s, bb_lockdown *ret);

/* "unsupported", "none", "integrity", "confidentiality". */
const char *bb_lockdown_to_string(bb_lockdown l);
