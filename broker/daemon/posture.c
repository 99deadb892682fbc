/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether the raw doors to device binding are closed on this host (see posture.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <selinux/context.h>
#include <selinux/selinux.h>

#include "posture.h"

/* The shipped module's domain (selinux/bindbroker.te); its presence in the loaded policy. */
#define BROKER_TYPE        "bindbrokerd_t"
#define BROKER_CONTEXT     "system_u:system_r:" BROKER_TYPE
#define BROKER_CONTEXT_MLS BROKER_CONTEXT ":s0"

static bool running_as_broker_domain(void)
{
	char *con = NULL;
	context_t c;
	bool yes = false;

	if (getcon(&con) < 0)
		return false;
	c = context_new(con);
	if (c) {
		const char *type = context_type_get(c);
		yes = type && strcmp(type, BROKER_TYPE) == 0;
		context_free(c);
	}
	freecon(con);
	return yes;
}

void bb_posture_read_selinux(bb_selinux_mode *mode, bb_module_state *module)
{
	int enforce;

	*mode = BB_SELINUX_DISABLED;
	*module = BB_MODULE_UNKNOWN;
	if (is_selinux_enabled() <= 0)
		return;
	enforce = security_getenforce();
	*mode = enforce == 1 ? BB_SELINUX_ENFORCING : BB_SELINUX_PERMISSIVE;
	/* Running in the module's domain proves it loaded, without asking selinuxfs. */
	if (running_as_broker_domain()) {
		*module = BB_MODULE_LOADED;
		return;
	}
	/*
	 * The kernel accepts a context only when its type is in the loaded policy:
	 * this asks the policy in force, not the module store on disk (an installed
	 * but unloaded or disabled module would fool a look at semodule -l). Needs
	 * security:check_context; a denial leaves the answer unknown.
	 */
	if (security_check_context(is_selinux_mls_enabled() > 0 ? BROKER_CONTEXT_MLS
	                                                        : BROKER_CONTEXT) == 0)
		*module = BB_MODULE_LOADED;
	else if (errno == EINVAL)
		*module = BB_MODULE_ABSENT;
}

void bb_posture_verdict(bb_host_posture *p)
{
	bool locked =
	    p->lockdown == BB_LOCKDOWN_INTEGRITY || p->lockdown == BB_LOCKDOWN_CONFIDENTIALITY;
	bool fenced = p->selinux == BB_SELINUX_ENFORCING && p->module == BB_MODULE_LOADED;
	const char *selinux_part;

	if (p->selinux == BB_SELINUX_DISABLED)
		selinux_part =
		    "SELinux is disabled, so any root process may write driver_override, "
		    "new_id and bind";
	else if (p->module == BB_MODULE_ABSENT)
		selinux_part =
		    "the bindbroker SELinux module is not loaded, so no rule keeps other "
		    "domains off driver_override, new_id and bind";
	else if (p->module == BB_MODULE_UNKNOWN)
		selinux_part = "the loaded SELinux policy could not be asked for bindbrokerd_t, so "
		               "the bind files count as open";
	else if (p->selinux == BB_SELINUX_PERMISSIVE)
		selinux_part = "SELinux is permissive, so the module's rules only log writes of "
		               "driver_override, new_id and bind";
	else
		selinux_part =
		    "SELinux enforces the bindbroker module: only bindbrokerd_t may write "
		    "the bind files";

	if (locked && fenced) {
		p->closed = "yes";
		snprintf(p->why, sizeof(p->why),
		         "%s, and lockdown (%s) keeps root from going around "
		         "it",
		         selinux_part, bb_lockdown_to_string(p->lockdown));
	} else if (fenced) {
		p->closed = "partly";
		snprintf(p->why, sizeof(p->why),
		         "%s, but without lockdown root can go around it "
		         "(unsigned modules, /dev/mem, raw PCI access)",
		         selinux_part);
	} else if (locked) {
		p->closed = "partly";
		snprintf(p->why, sizeof(p->why),
		         "lockdown (%s) refuses unsigned modules and raw PCI "
		         "access, but %s",
		         bb_lockdown_to_string(p->lockdown), selinux_part);
	} else {
		p->closed = "no";
		snprintf(p->why, sizeof(p->why), "%s, and lockdown is %s", selinux_part,
		         bb_lockdown_to_string(p->lockdown));
	}
}

const char *bb_selinux_mode_to_string(bb_selinux_mode m)
{
	switch (m) {
	case BB_SELINUX_DISABLED:
		return "disabled";
	case BB_SELINUX_PERMISSIVE:
		return "permissive";
	case BB_SELINUX_ENFORCING:
		return "enforcing";
	}
	return "unknown";
}

const char *bb_module_state_to_string(bb_module_state m)
{
	switch (m) {
	case BB_MODULE_ABSENT:
		return "absent";
	case BB_MODULE_LOADED:
		return "loaded";
	case BB_MODULE_UNKNOWN:
		break;
	}
	return "unknown";
}
