/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private: the net and block devices that belong to a PCI device, and what
 * /proc says about them (default route, mounts, swap), including block
 * devices reached through device-mapper/md holders and NVMe namespaces that
 * native multipath places under devices/virtual/nvme-subsystem.
 */
#pragma once

#include "bb-device.h"

/* Fills D's net[] and block[] for the device at DEVPATH (below the sysfs root). */
int bb_read_children(bb_sysfs *s, const char *devpath, struct bb_device *d);
