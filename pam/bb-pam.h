/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PAM account-stack authorizer. bindbroker asks the "bindbroker" service's
 * account stack (pam_acct_mgmt only: no password, no session) whether a user
 * may rebind devices. The conversation is non-interactive: a module that wants
 * to prompt gets PAM_CONV_ERR, which counts as a denial.
 *
 * libpam is not thread-safe across handles in every module, so callers run
 * every bb_pam_* call on one thread (the daemon's authorization worker).
 */
#pragma once

#include <stddef.h>

#define BB_PAM_SERVICE "bindbroker"

struct bb_pam_request {
	const char *service; /* NULL = BB_PAM_SERVICE */
	const char *confdir; /* NULL = the system's /etc/pam.d; tests pass a private one */
	const char *user;    /* the requester's login name */
	const char *ruser;   /* optional: who asks on the user's behalf */
	const char *tty;     /* optional */
};

enum bb_pam_verdict {
	BB_PAM_DENIED = 0,
	BB_PAM_ALLOWED = 1,
};

/*
 * Runs the account stack. Returns BB_PAM_ALLOWED or BB_PAM_DENIED; on a denial
 * REASON (size bytes) says why, with PAM's own error text and any message the
 * stack sent. Returns a negative errno when PAM could not run at all (which the
 * caller must treat as a denial too).
 */
int bb_pam_authorize(const struct bb_pam_request *req, char *reason, size_t size);
