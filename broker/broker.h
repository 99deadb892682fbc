/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker library's one door: the sysfs context, the device model, the
 * lockdown posture, kernel modules and vfio variant choice, the restricted
 * binder and persistent overrides. Link with broker_dep.
 */
#pragma once

#include "bb-sysfs.h"     /* bb_sysfs: root dirfd, device lookup, enumeration */
#include "bb-device.h"    /* struct bb_device: ids, class, driver, group, children */
#include "bb-lockdown.h"  /* kernel/security/lockdown */
#include "bb-modules.h"   /* libkmod: module of a driver, load, best vfio variant */
#include "bb-binder.h"    /* bind / release / quarantine / group bind with rollback */
#include "pinned-device.h" /* a device held for one operation: its directory and uevent */
#include "bb-overrides.h" /* state dir `overrides`: load, save, apply */
