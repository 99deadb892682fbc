/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sysfs context: one directory fd of the sysfs root (/sys, or a simsys
 * mount in tests) and the /proc that goes with it. Every other file the broker
 * touches is opened relative to these fds, one component at a time, never
 * following a link; links the kernel publishes (bus/pci/devices/BDF, driver,
 * iommu_group, class/net/...) are read as text and their shape is checked.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bb-validate.h"

typedef struct bb_sysfs bb_sysfs;

/* A PCI address in its fixed-width text form, "dddd:bb:dd.f". */
typedef struct bb_address {
	char s[BB_PCI_ADDRESS_LEN + 1];
} bb_address;

/* Largest number of PCI devices enumerated at once. */
#define BB_MAX_DEVICES 4096

/*
 * Opens the sysfs root ROOT (NULL = "/sys"). PROC_ROOT names the /proc whose
 * net/route, mounts and swaps describe this machine; NULL picks
 * "ROOT/.simsys/proc" when ROOT is a simsys mount, "/proc" otherwise.
 */
int bb_sysfs_open(const char *root, const char *proc_root, bb_sysfs **ret);

/* Closes the context; returns NULL. Accepts NULL. */
bb_sysfs *bb_sysfs_free(bb_sysfs *s);

/* The directory fd of the sysfs root (owned by the context). */
int bb_sysfs_root_fd(const bb_sysfs *s);

/* The directory fd of the proc root (owned by the context). */
int bb_sysfs_proc_fd(const bb_sysfs *s);

/* The root path as given (for messages). */
const char *bb_sysfs_root_path(const bb_sysfs *s);

/* True when the root is a simsys mount (it has .simsys/control). */
bool bb_sysfs_is_simsys(const bb_sysfs *s);

/*
 * Validates ADDRESS (refusing anything but "DDDD:BB:DD.F" before any file is
 * opened) and writes its lowercase form to RET.
 */
int bb_address_parse(const char *address, bb_address *ret);

/*
 * Opens the device directory of a valid ADDRESS: reads bus/pci/devices/BDF,
 * checks the link points into devices/ and ends in BDF, then opens that path
 * under the root without following links, as an O_PATH handle (a dirfd for
 * *at() calls). -ENODEV when there is no such device.
 */
int bb_sysfs_open_device(bb_sysfs *s, const bb_address *address, int *ret_fd);

/* The same, with the device's path below the root into PATH; returns the fd. */
int bb_sysfs_open_device_path(bb_sysfs *s, const bb_address *address, char *path, size_t size);

/* The device's path below the root ("devices/pci0000:00/.../BDF") into BUF. */
int bb_sysfs_device_path(bb_sysfs *s, const bb_address *address, char *buf, size_t size);

/* Opens the directory PATH ("a/b/c", no "." or ".." parts) under DIRFD, no links. */
int bb_open_path_at(int dirfd, const char *path);

/* The same walk, but the result is an O_PATH handle: a dirfd for *at() calls only. */
int bb_open_anchor_at(int dirfd, const char *path);

/*
 * The same walks for PATH below the sysfs root, started from a directory the context
 * keeps open when PATH lies below one (bus/pci/devices, bus/pci/drivers, bus/pci, class,
 * kernel/iommu_groups): fewer lookups. The caller closes the result.
 */
int bb_sysfs_open_dir(bb_sysfs *s, const char *path);
int bb_sysfs_open_anchor(bb_sysfs *s, const char *path);

/*
 * kernel/security/lockdown, opened once for reading (owned by the context; read it
 * with pread from offset 0), or -1 when it was not there at open time.
 */
int bb_sysfs_lockdown_fd(const bb_sysfs *s);

/* Lists every PCI device (bus/pci/devices), sorted; the caller frees *RET. */
int bb_sysfs_list_devices(bb_sysfs *s, bb_address **ret, size_t *ret_n);

/* True when the driver NAME is present (bus/pci/drivers/NAME exists). NAME must be valid. */
bool bb_sysfs_driver_present(bb_sysfs *s, const char *name);

/*
 * Writes VALUE to PATH under the root (bus/pci/drivers_probe, a driver's
 * unbind, ...). The binder's only way to change sysfs besides driver_override.
 */
int bb_sysfs_write(bb_sysfs *s, const char *path, const char *value);

/*
 * Opens the sysfs attribute NAME under DIRFD and reads it with one read (bb_pread_attr:
 * the kernel hands an attribute out whole, so no second read, a round trip on FUSE, is
 * spent on seeing EOF). Returns the length, -EFBIG, -EBADMSG or the open's error.
 */
int bb_sysfs_read_attr_at(int dirfd, const char *name, char *buf, size_t size);
