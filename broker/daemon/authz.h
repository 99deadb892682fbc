/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The authorization decision for one request: read-only calls need nothing;
 * root with CAP_SYS_ADMIN in the initial user namespace is authorized without
 * asking (policy still applies to it); everyone else needs a yes from the
 * configured authority: polkit, the PAM account stack, or both.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pam-worker.h"
#include "peer.h"
#include "polkit.h"

typedef enum BbAuthzMode {
	BB_AUTHZ_POLKIT,
	BB_AUTHZ_PAM,
	BB_AUTHZ_POLKIT_PAM, /* both must say yes */
} BbAuthzMode;

typedef struct BbAuthzConfig {
	BbAuthzMode mode;
	uint64_t polkit_timeout_usec; /* 0 = BB_POLKIT_TIMEOUT_USEC */
	const char *pam_service;      /* NULL = BB_PAM_SERVICE */
	const char *pam_confdir;      /* NULL = /etc/pam.d */
	BbPamWorker *pam;             /* the PAM thread; required when PAM is asked */
} BbAuthzConfig;

typedef struct BbAuthzRequest {
	const char *action; /* polkit action id, e.g. "io.bindbroker.bind" */
	bool acting;        /* false: read-only, nobody is asked */
	BbPolkitDetails details;
} BbAuthzRequest;

#define BB_AUTHZ_REASON_MAX 512

typedef struct BbAuthzResult {
	bool allowed;
	const char *authority;            /* "read-only", "root", "polkit", "pam", "polkit+pam" */
	char reason[BB_AUTHZ_REASON_MAX]; /* why not (or how yes) */
} BbAuthzResult;

/* "polkit", "pam", "polkit+pam" -> mode; -EINVAL for anything else. */
int bb_authz_mode_from_string(const char *s, BbAuthzMode *ret);
const char *bb_authz_mode_to_string(BbAuthzMode mode);
/* Whether PEER counts as the system's administrator (uid 0 + CAP_SYS_ADMIN, initial userns). */
bool bb_authz_peer_is_admin(const BbPeerIdentity *peer);
/* Decides; always fills RET (denied unless a yes came). Returns 0, or -EINVAL on bad input. */
int bb_authz_decide(const BbAuthzConfig *cfg, const BbPeerIdentity *peer, const BbAuthzRequest *req,
                    BbAuthzResult *ret);
