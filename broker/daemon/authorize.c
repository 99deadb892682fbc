/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who may make acting calls. Until the authorization issue brings polkit and
 * PAM, only root peers (SO_PEERCRED uid 0) may; read-only calls never come here.
 */
#include "daemon.h"

int bb_daemon_authorize(const BbPeer *peer, const char *method, BbReply *reply)
{
	if (peer->uid == 0)
		return 0;
	reply_error_reason(reply, BB_BROKER_ERROR_PERMISSION_DENIED,
	                   "%s needs root: uid %u is not authorized (no authorization service "
	                   "is configured yet)",
	                   method, (unsigned)peer->uid);
	return -EPERM;
}
