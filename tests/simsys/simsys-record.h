/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record: reads a real sysfs tree (SYSFS_ROOT, e.g. /sys) and prints a topology
 * that reproduces it. Read-only: every file is opened O_RDONLY|O_NOFOLLOW and
 * nothing is ever written. Bound drivers are recorded as drivers with an id for
 * exactly the devices they hold, so the boot probe binds them again.
 * The /proc facts (default routes, mounts, swaps) come from SYSFS_ROOT/.simsys/proc
 * when it exists (a simsys mount) and from /proc when SYSFS_ROOT is /sys.
 */
#pragma once

#include <stdio.h>

int sim_record(const char *sysfs_root, FILE *out);
