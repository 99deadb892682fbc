/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What reading a simulated file returns, in the kernel's own formats: PCI
 * attributes ("0x10de\n"), modalias, config space, lockdown, and the /proc facts
 * (.simsys/proc/net/route, mounts, swaps). Callers hold m->lock.
 */
#pragma once

#include <stddef.h>

#include "simsys-model.h"
#include "simsys-tree.h"

/* Renders file NODE into a new buffer (*RET, *RET_LEN; binary for config). */
int sim_attr_render(struct sim_machine *m, const struct sim_node *node, char **ret,
                    size_t *ret_len);

/* Fills the 256 bytes of D's config space: ids, class, header type, bridge bus numbers. */
void sim_attr_config(const struct sim_machine *m, const struct sim_device *d,
                     unsigned char cfg[256]);

/* The text a read of .simsys/control returns: one line per accepted command. */
extern const char sim_control_help[];
