/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Topology JSON (SPEC.md) -> model. Strict: unknown keys, wrong types, bad hex
 * widths, duplicates, unknown or non-bridge parents and anything over the limits
 * are refused with a message that names the key and the array index, e.g.
 * "devices[3].vendor: expected 4 hex digits without 0x, got \"10d\"".
 */
#pragma once

#include <stddef.h>

#include "simsys-model.h"

/*
 * Parses a whole topology (LEN bytes, need not be NUL-terminated). On success
 * *RET is a machine with drivers and devices in file order, parents linked, no
 * device bound yet (call sim_probe_all for the boot probe). On failure returns
 * -EINVAL (or -ENOMEM, -E2BIG) and writes the reason to ERR.
 */
int sim_topology_parse(const char *data, size_t len, struct sim_machine **ret, char *err,
                       size_t errlen);

/* Reads PATH (at most SIM_MAX_TOPOLOGY_BYTES) and parses it; ERR gets "PATH: reason". */
int sim_topology_load(const char *path, struct sim_machine **ret, char *err, size_t errlen);

/*
 * Parses one device object (as in devices[]) for add-device / swap-on-unbind;
 * CONTEXT prefixes error messages. Checks that its net/block names are not used by
 * another device of M (M may be NULL). With INHERIT (swap-on-unbind) the object may
 * leave out address, parent, iommu_group and numa_node, which then come from
 * INHERIT; a given address must equal INHERIT's. The parent is not resolved here.
 */
int sim_topology_parse_device(const char *json, size_t len, const char *context,
                              const struct sim_machine *m, const struct sim_device *inherit,
                              struct sim_device **ret, char *err, size_t errlen);
