/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A device held for the length of one operation: its sysfs directory and its
 * open uevent file. When the device is removed or replaced at its address,
 * the kernel's nodes behind both go stale: reads through the held uevent give
 * ENODEV and lookups under the directory ENOENT, so a newcomer never answers
 * for the device the operation started with. Each check of it is one read of
 * the held file (a single round trip on FUSE) instead of a walk from the root.
 */
#pragma once

#include "bb-device.h"
#include "sysfs-path.h"

struct bb_pinned_device {
	bb_address address;
	int dirfd;    /* O_PATH directory handle */
	int ueventfd; /* uevent, open for reading */
	int depth;    /* components of the directory's path below the root */
	char path[BB_SYSFS_PATH_MAX]; /* "devices/.../BDF" */
};

#define BB_PINNED_DEVICE_INIT {.dirfd = -1, .ueventfd = -1}

/*
 * Resolves ADDRESS (bus/pci/devices/BDF, shape checked) and holds the device.
 * -ENODEV when there is no such device.
 */
int bb_pinned_device_open(bb_sysfs *s, const bb_address *address, struct bb_pinned_device *ret);

/* Closes what P holds; safe on an initialised, never opened or already closed one. */
void bb_pinned_device_close(struct bb_pinned_device *p);

/*
 * Reads the ids, class and modalias through the held uevent (not the revision:
 * that needs its own file, see bb_pinned_device_read_revision). -ENODEV when the
 * device went away; -EBADMSG when the text is not a uevent of this address.
 */
int bb_pinned_device_read_ids(struct bb_pinned_device *p, struct bb_device *ret);

/* Reads the revision into RET->revision. */
int bb_pinned_device_read_revision(struct bb_pinned_device *p, struct bb_device *ret);

/*
 * The driver bound now ("" when none), then one read of the held uevent: an
 * answer is given only while the device is still the held one (-ENODEV otherwise).
 * IDS (may be NULL) gets what that read says, as bb_pinned_device_read_ids.
 */
int bb_pinned_device_read_driver(struct bb_pinned_device *p, char *buf, size_t size,
                                 struct bb_device *ids);
