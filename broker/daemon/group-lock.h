/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Serializes acting requests per IOMMU group: two requests touching the same
 * group run one after the other, requests on other groups run side by side.
 * A request on every device (apply) excludes all others. Devices without an
 * IOMMU group are keyed by their address.
 */
#pragma once

#include <stdbool.h>

#include "broker.h"

typedef struct BbGroupHold {
	char key[48]; /* "IOMMU group N", "device DDDD:BB:DD.F", "all devices"; "" = none */
} BbGroupHold;

/*
 * Takes the lock for ADDRESS's IOMMU group (ADDRESS NULL = every group),
 * waiting while another request holds it. An invalid or absent device takes
 * its address as the key. Returns 0.
 */
int bb_group_lock(bb_sysfs *sysfs, const char *address, BbGroupHold *ret);
void bb_group_unlock(BbGroupHold *hold);
