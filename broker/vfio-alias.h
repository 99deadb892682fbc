/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private: choosing a vfio variant from modules.alias text. */
#pragma once

#include <stddef.h>

#define BB_MODULES_ALIAS_MAX (32 * 1024 * 1024)

/*
 * Walks TEXT (modules.alias: "alias PATTERN MODULE" lines) for patterns that
 * start with "vfio_pci:" and match KEY ("vfio_pci:v...d...sv..."), and writes
 * the module of the most specific one (fewest '*'; ties: smallest name) to
 * BUF. Lines that are not well-formed alias lines are skipped. -ENOENT if none.
 */
int bb_vfio_alias_best(const char *text, const char *key, char *buf, size_t size);

/* Number of wildcard characters ('*', '?', '[') in an alias pattern. */
unsigned bb_vfio_alias_wildcards(const char *pattern);
