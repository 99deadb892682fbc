/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reader of a PCI device's uevent file (ids, class, modalias in one read): any
 * bytes are refused or give a device whose modalias is a NUL-terminated "pci:..." that
 * fits, for the address the input was read as.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_device *d;
	bb_address a;
	char *text;

	if (size >= BB_UEVENT_MAX)
		return 0;
	text = malloc(size + 1);
	d = malloc(sizeof(*d));
	if (!text || !d || bb_address_parse("0000:18:00.1", &a) < 0) {
		free(text);
		free(d);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	memset(d, 0, sizeof(*d));
	if (bb_parse_pci_uevent(text, &a, d) == 0) {
		size_t n = strnlen(d->modalias, sizeof(d->modalias));

		if (n == sizeof(d->modalias) || strncmp(d->modalias, "pci:", 4) != 0 ||
		    d->class_code > 0xffffff)
			__builtin_trap();
	}
	free(text);
	free(d);
	return 0;
}
