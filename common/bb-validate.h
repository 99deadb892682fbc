/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strict syntax for the two names a requester hands over. Both are checked
 * before any file is opened, so nothing built from them can leave its folder.
 */
#pragma once

#include <stdbool.h>

#define BB_PCI_ADDRESS_LEN 12 /* "DDDD:BB:DD.F" */
#define BB_DRIVER_NAME_MAX 64

/* "DDDD:BB:DD.F", lowercase or uppercase hex, fixed widths, device <= 0x1f, function <= 7. */
bool bb_valid_pci_address(const char *s);

/* [A-Za-z0-9_-]{1,64}. */
bool bb_valid_driver_name(const char *s);

/* Lowercases a valid PCI address in place, the form sysfs uses. */
void bb_pci_address_normalize(char *s);
