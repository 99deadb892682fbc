/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device model: what the broker knows about one PCI device, read from
 * sysfs (and /proc for the facts about its net and block children).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bb-sysfs.h"

#define BB_MODALIAS_MAX      128
#define BB_MAX_GROUP_MEMBERS 64
#define BB_MAX_CHILDREN      32
#define BB_CHILD_NAME_MAX    64

/* One device of an IOMMU group. driver is "" when none is bound. */
struct bb_group_member {
	bb_address address;
	char driver[BB_DRIVER_NAME_MAX + 1];
	uint32_t class_code;
	bool bridge; /* PCI/host bridge: may stay on its driver in a vfio group */
};

/* A network interface under the device. */
struct bb_net_child {
	char name[BB_CHILD_NAME_MAX];
	bool default_route; /* /proc/net/route has a default route through it */
};

/* A block device (or partition) under the device. */
#define BB_MOUNTPOINTS_MAX   4   /* mount points kept per block child (more: mounted stays true) */
#define BB_MOUNTPOINT_LEN    128 /* longer mount points are kept cut, never matched by a pattern */

struct bb_block_child {
	char name[BB_CHILD_NAME_MAX];
	bool mounted; /* /proc/mounts has a filesystem on it */
	size_t n_mountpoints;
	char mountpoints[BB_MOUNTPOINTS_MAX][BB_MOUNTPOINT_LEN]; /* where, for backs-mount PATH */
	bool swap;    /* /proc/swaps lists it */
	bool held;    /* device-mapper/md holds it (holders/); their mounts and swap count above */
};

struct bb_device {
	bb_address address;
	uint16_t vendor, device, subsystem_vendor, subsystem_device;
	uint32_t class_code; /* 24 bits: base, sub, prog-if */
	uint8_t revision;
	char modalias[BB_MODALIAS_MAX];
	char driver[BB_DRIVER_NAME_MAX + 1];          /* "" when unbound */
	char driver_override[BB_DRIVER_NAME_MAX + 1]; /* "" when "(null)" */
	bool override_unusual; /* override set but not a valid driver name (shown as "") */
	int boot_vga;          /* -1 no such attribute, 0, 1 */
	int iommu_group;       /* -1 when the device has no IOMMU group */
	size_t n_group;
	struct bb_group_member group[BB_MAX_GROUP_MEMBERS]; /* includes the device itself */
	size_t n_net;
	struct bb_net_child net[BB_MAX_CHILDREN];
	size_t n_block;
	struct bb_block_child block[BB_MAX_CHILDREN];
};

#define BB_UEVENT_MAX 4096 /* a sysfs attribute is at most a page; the kernel's uevent buffer 2 KiB */

/*
 * Parses TEXT (changed in place), a PCI device's uevent file as the kernel writes it
 * (PCI_ID, PCI_SUBSYS_ID, PCI_CLASS, PCI_SLOT_NAME, MODALIAS, each once; other keys such
 * as DRIVER are left alone: the driver comes from the link, whose shape is checked),
 * into RET's ids, class and modalias. PCI_SLOT_NAME must be ADDRESS. 0 or -EBADMSG.
 */
int bb_parse_pci_uevent(char *text, const bb_address *address, struct bb_device *ret);

/* Parses a revision attribute ("0xNN") into RET. 0 or -EBADMSG. */
int bb_parse_revision(const char *text, uint8_t *ret);

/* Reads every fact of the device at ADDRESS into RET (validated first; -ENODEV if absent). */
int bb_device_read(bb_sysfs *s, const char *address, struct bb_device *ret);

/*
 * The same through a device already held (pinned-device.h), so that what is read and
 * what is acted on later are one device; -ENODEV once it went away.
 */
struct bb_pinned_device;
int bb_device_read_pinned(bb_sysfs *s, struct bb_pinned_device *pin, struct bb_device *ret);

/* Reads only ids, class, revision, modalias, driver and override (no group, no children). */
int bb_device_read_basic(bb_sysfs *s, const bb_address *address, struct bb_device *ret);

/* The same through the device's directory DFD, DEPTH components below the root. */
int bb_device_read_basic_at(int dfd, int depth, const bb_address *address, struct bb_device *ret);

/*
 * Reads the `driver` link of the device whose directory is DFD, DEPTH levels below the
 * root (the link's shape is checked against that depth): the name, or "" when unbound.
 */
int bb_device_read_driver_at(int dfd, const bb_address *address, int depth, char *buf,
                             size_t size);

/* Reads the current driver's name into BUF ("" when unbound). */
int bb_device_read_driver(bb_sysfs *s, const bb_address *address, char *buf, size_t size);

/* True when the device's class makes it a bridge (0x0600, 0x0604, 0x0609). */
bool bb_class_is_bridge(uint32_t class_code);

/* True for vfio-pci and its variants (names ending in "vfio_pci" / "vfio-pci"). */
bool bb_driver_is_vfio(const char *driver);

/* True when A and B are the same hardware (vendor, device, subsystem ids, class, revision). */
bool bb_device_same_identity(const struct bb_device *a, const struct bb_device *b);
