/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel modules through libkmod against a modules dir (--modules-dir):
 * resolving the module of a driver, loading it, and choosing the best vfio
 * variant driver for a device from the `vfio_pci:` aliases depmod writes.
 */
#pragma once

#include <stddef.h>

#include "bb-sysfs.h"

typedef struct bb_modules bb_modules;

#define BB_MODULE_NAME_MAX 64

/* Opens libkmod on MODULES_DIR (NULL = /lib/modules/$(uname -r)). */
int bb_modules_new(const char *modules_dir, bb_modules **ret);

/* Releases the libkmod context; returns NULL. Accepts NULL. */
bb_modules *bb_modules_free(bb_modules *m);

/* The module that provides DRIVER ("vfio-pci" -> "vfio_pci"): libkmod lookup, else the name with
 * dashes as underscores. */
int bb_modules_driver_module(bb_modules *m, const char *driver, char *buf, size_t size);

/*
 * Makes DRIVER present on S: nothing if bus/pci/drivers/DRIVER exists; else
 * loads its module (libkmod probe_insert; on simsys the `load-module MOD`
 * control command, the test seam) and checks the driver appeared. M may be
 * NULL on simsys. -ENOENT when no module provides it.
 */
int bb_modules_ensure_driver(bb_sysfs *s, bb_modules *m, const char *driver);

/*
 * The best vfio driver for a device's MODALIAS ("pci:v...d...sv...sd...bc..sc..i.."):
 * the `vfio_pci:` alias with the fewest wildcards that matches, else "vfio-pci".
 * Writes the driver name to BUF. M may be NULL (then always "vfio-pci").
 */
int bb_modules_best_vfio_driver(bb_modules *m, const char *modalias, char *buf, size_t size);
