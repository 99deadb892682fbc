/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "bb-macro.h"

static const char *const mode_names[] = {
    [BB_AUTHZ_POLKIT] = "polkit",
    [BB_AUTHZ_PAM] = "pam",
    [BB_AUTHZ_POLKIT_PAM] = "polkit+pam",
};

int bb_authz_mode_from_string(const char *s, BbAuthzMode *ret)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(mode_names); i++)
		if (streq(s, mode_names[i])) {
			*ret = (BbAuthzMode)i;
			return 0;
		}
	return -EINVAL;
}

const char *bb_authz_mode_to_string(BbAuthzMode mode)
{
	return (size_t)mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

bool bb_authz_peer_is_admin(const BbPeerIdentity *peer)
{
	return peer->uid == 0 && peer->cap_sys_admin && peer->pidfd >= 0;
}

static int ask_pam(const BbAuthzConfig *cfg, const BbPeerIdentity *peer, char *reason, size_t size)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	struct bb_pam_request req = {.service = cfg->pam_service, .confdir = cfg->pam_confdir};
	int r;

	if (!cfg->pam) {
		snprintf(reason, size, "PAM is not available in this broker");
		return -ENXIO;
	}
	r = getpwuid_r(peer->uid, &pw, buf, sizeof(buf), &found);
	if (r != 0 || !found) {
		snprintf(reason, size, "uid %u has no user name, so PAM cannot be asked",
		         (unsigned)peer->uid);
		return r ? -r : -ENOENT;
	}
	req.user = pw.pw_name;
	return bb_pam_worker_ask(cfg->pam, &req, reason, size);
}

int bb_authz_decide(const BbAuthzConfig *cfg, const BbPeerIdentity *peer, const BbAuthzRequest *req,
                    BbAuthzResult *ret)
{
	char why[BB_AUTHZ_REASON_MAX];
	int r;

	*ret = (BbAuthzResult){.allowed = false, .authority = bb_authz_mode_to_string(cfg->mode)};
	if (!req->acting) {
		*ret = (BbAuthzResult){.allowed = true, .authority = "read-only"};
		return 0;
	}
	if (!req->action || (size_t)cfg->mode >= ARRAY_SIZE(mode_names)) {
		snprintf(ret->reason, sizeof(ret->reason), "no authorization action or mode");
		return -EINVAL;
	}
	if (bb_authz_peer_is_admin(peer)) {
		ret->allowed = true;
		ret->authority = "root";
		snprintf(ret->reason, sizeof(ret->reason),
		         "uid 0 with CAP_SYS_ADMIN in the initial user namespace");
		return 0;
	}
	if (peer->pidfd < 0) {
		snprintf(ret->reason, sizeof(ret->reason),
		         "the requesting process (pid %d) could not be pinned", (int)peer->pid);
		return 0;
	}

	if (cfg->mode == BB_AUTHZ_POLKIT || cfg->mode == BB_AUTHZ_POLKIT_PAM) {
		r = bb_polkit_check(peer, req->action, &req->details, cfg->polkit_timeout_usec, why,
		                    sizeof(why));
		if (r != 1) {
			snprintf(ret->reason, sizeof(ret->reason), "%s", why);
			return 0;
		}
	}
	if (cfg->mode == BB_AUTHZ_PAM || cfg->mode == BB_AUTHZ_POLKIT_PAM) {
		r = ask_pam(cfg, peer, why, sizeof(why));
		if (r != BB_PAM_ALLOWED) {
			snprintf(ret->reason, sizeof(ret->reason), "%s", why);
			return 0;
		}
		/* The stack took its time: a yes for a vanished process counts for nobody. */
		if (bb_peer_still_alive(peer) != 1) {
			snprintf(ret->reason, sizeof(ret->reason),
			         "the requesting process (pid %d) exited before PAM answered",
			         (int)peer->pid);
			return 0;
		}
	}
	ret->allowed = true;
	snprintf(ret->reason, sizeof(ret->reason), "%s allowed %s for uid %u",
	         bb_authz_mode_to_string(cfg->mode), req->action, (unsigned)peer->uid);
	return 0;
}
