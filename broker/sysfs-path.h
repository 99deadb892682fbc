/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private: checks the shape of a link the kernel publishes in sysfs. */
#pragma once

#include <stddef.h>

#define BB_SYSFS_PATH_MAX  1024
#define BB_SYSFS_DEPTH_MAX 32

/* How many components PATH ("a/b/c": 3) has: its depth below the root. */
int bb_path_depth(const char *path);

/*
 * LINK is relative ("../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0").
 * Checks it climbs exactly UP levels (to the sysfs root), then starts with
 * PREFIX, has no "." / ".." / empty parts, and (TAIL non-NULL) ends in "/TAIL".
 * Writes the path below the root to BUF. -EBADMSG when the shape is wrong.
 */
int bb_link_below_root(const char *link, unsigned up, const char *prefix, const char *tail,
                       char *buf, size_t size);

/* True when PATH is a clean relative path: no "." / ".." / empty parts, <= depth limit. */
int bb_path_is_clean(const char *path);

/*
 * Resolves the relative link LINK found in directory BASE (a clean path below
 * the root) to a clean path below the root in BUF. Absolute links and links
 * that climb above the root are refused (-EBADMSG).
 */
int bb_resolve_link(const char *base, const char *link, char *buf, size_t size);
