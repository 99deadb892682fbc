/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's posture for `bindbroker status`: are the raw doors to device
 * binding (driver_override, new_id, bind, drivers_probe written by any root
 * process) closed, so that the broker is the one way left?
 *
 * Two locks close them together: the shipped SELinux module, loaded and
 * enforced, keeps every domain but bindbrokerd_t off the bind files; kernel
 * lockdown keeps root from going around SELinux (unsigned modules, /dev/mem,
 * raw PCI config and BARs). Either alone closes the doors only partly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bb-lockdown.h"

typedef enum bb_selinux_mode {
	BB_SELINUX_DISABLED,
	BB_SELINUX_PERMISSIVE,
	BB_SELINUX_ENFORCING,
} bb_selinux_mode;

typedef enum bb_module_state {
	BB_MODULE_ABSENT,  /* the loaded policy has no bindbrokerd_t */
	BB_MODULE_LOADED,  /* it has */
	BB_MODULE_UNKNOWN, /* SELinux off, or the policy could not be asked */
} bb_module_state;

typedef struct bb_host_posture {
	bb_lockdown lockdown;
	bb_selinux_mode selinux;
	bb_module_state module;
	const char *closed; /* "yes", "partly", "no" */
	char why[512];      /* one line: what is open and what closes it */
} bb_host_posture;

/* The SELinux half of the posture, asked of the running kernel through libselinux. */
void bb_posture_read_selinux(bb_selinux_mode *mode, bb_module_state *module);

/* Fills P->closed and P->why from its three inputs. */
void bb_posture_verdict(bb_host_posture *p);

const char *bb_selinux_mode_to_string(bb_selinux_mode m);
const char *bb_module_state_to_string(bb_module_state m);
