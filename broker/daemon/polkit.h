/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * polkit over sd-bus (no GLib): CheckAuthorization on
 * org.freedesktop.PolicyKit1.Authority for a peer, without interaction, with a
 * hard deadline. Anything but a clear yes for a peer that is still alive is a
 * denial: polkit absent, hanging, failing, dismissed or asking to authenticate.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "peer.h"

#define BB_POLKIT_TIMEOUT_USEC (25ULL * 1000000ULL)

/* What JS rules may read through action.lookup(); NULL entries are left out. */
typedef struct BbPolkitDetails {
	const char *device;
	const char *driver;
	const char *vendor;
	const char *device_id;
	const char *class;
} BbPolkitDetails;

/*
 * Asks polkit whether PEER may do ACTION (e.g. "io.bindbroker.bind"). The
 * subject is unix-process {pidfd, uid} where polkitd takes it (124+), else
 * {pid, start-time, uid}; a yes counts only if PEER's pidfd still refers to the
 * same live process afterwards. TIMEOUT_USEC 0 = BB_POLKIT_TIMEOUT_USEC.
 * Returns 1 allowed, 0 denied, or a negative errno when polkit could not be
 * asked (which callers must treat as denied); REASON (SIZE bytes) says why.
 */
int bb_polkit_check(const BbPeerIdentity *peer, const char *action, const BbPolkitDetails *details,
                    uint64_t timeout_usec, char *reason, size_t size);
