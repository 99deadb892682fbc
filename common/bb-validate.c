/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "bb-validate.h"

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

bool bb_valid_pci_address(const char *s)
{
	static const char shape[] = "hhhh:hh:hh.h";

	if (!s || strlen(s) != BB_PCI_ADDRESS_LEN)
		return false;
	for (size_t i = 0; i < BB_PCI_ADDRESS_LEN; i++) {
		if (shape[i] == 'h' ? !is_hex(s[i]) : s[i] != shape[i])
			return false;
	}
	/* Slot is 5 bits, function 3 bits: 0000:00:20.0 or 0000:00:00.8 do not exist. */
	if (hex_value(s[8]) * 16 + hex_value(s[9]) > 0x1f)
		return false;
	return hex_value(s[11]) <= 7;
}

bool bb_valid_driver_name(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > BB_DRIVER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

void bb_pci_address_normalize(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'F')
			*s = (char)(*s - 'A' + 'a');
}
