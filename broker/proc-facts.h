/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private: facts from /proc about a device's children: which interfaces carry
 * the default route (net/route), which block devices back a mount (mounts) or
 * swap (swaps). Each reader is strict about limits and skips lines it cannot use.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define BB_PROC_FILE_MAX (1024 * 1024)

/* True when TEXT (a /proc/net/route) has an up default route through IFACE. */
bool bb_route_text_has_default(const char *text, const char *iface);

/* True when the /proc/mounts TEXT has a filesystem whose source is block device NAME. */
bool bb_mounts_text_uses(const char *text, const char *name);

/*
 * Calls FN with each mount point /proc/mounts TEXT lists for block device NAME
 * (octal escapes such as \040 decoded). Returns how many there were.
 */
size_t bb_mounts_text_foreach(const char *text, const char *name,
			      void (*fn)(const char *mountpoint, void *userdata), void *userdata);

/* True when the /proc/swaps TEXT lists block device NAME. */
bool bb_swaps_text_uses(const char *text, const char *name);

/* True when DEVPATH ("/dev/nvme0n1p2") names NAME or a partition of it. */
bool bb_dev_path_is_block(const char *devpath, const char *name);

/*
 * Reads NAME ("mounts", "net/route") under the proc root PROC_FD into a new
 * NUL-terminated buffer of at most BB_PROC_FILE_MAX bytes. Unlike sysfs
 * attributes these names are constants and /proc publishes them as links
 * (mounts -> self/mounts), so links are followed here.
 */
int bb_read_proc_file(int proc_fd, const char *name, char **ret);
