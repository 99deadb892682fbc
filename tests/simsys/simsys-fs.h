/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The FUSE front: presents the machine at MOUNTPOINT and serves requests on
 * several threads (a held probe blocks only its own write). Daemonizes after the
 * mount is live unless FOREGROUND. Returns when unmounted: 0, or a negative errno.
 */
#pragma once

#include <stdbool.h>

#include "simsys-model.h"

int sim_fs_run(struct sim_machine *m, const char *mountpoint, bool foreground, bool debug);
