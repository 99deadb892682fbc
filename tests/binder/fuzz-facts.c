/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The readers of kernel-published text: link shapes, /proc/net/route,
 * /proc/mounts, /proc/swaps and modules.alias. The first byte picks the reader.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bb-log.h"
#include "broker.h"
#include "proc-facts.h"
#include "sysfs-path.h"
#include "vfio-alias.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, out[BB_SYSFS_PATH_MAX];

	bb_log_set_max_priority(LOG_CRIT);
	if (size < 1 || size > 65536)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		if (bb_link_below_root(text, 3, "devices/", "0000:01:00.0", out, sizeof(out)) ==
		        0 &&
		    (strncmp(out, "devices/", 8) != 0 || !bb_path_is_clean(out)))
			__builtin_trap();
		break;
	case 1:
		bb_route_text_has_default(text, "eth0");
		break;
	case 2:
		bb_mounts_text_uses(text, "nvme0n1");
		break;
	case 3:
		bb_swaps_text_uses(text, "sda");
		break;
	case 4:
		if (bb_vfio_alias_best(text,
		                       "vfio_pci:v000015B3d0000101Esv000015B3sd00000047bc02sc00i00",
		                       out, 65) == 0 &&
		    !bb_valid_driver_name(out))
			__builtin_trap();
		break;
	case 5:
		if (bb_resolve_link("class/block", text, out, sizeof(out)) == 0 &&
		    !bb_path_is_clean(out))
			__builtin_trap();
		break;
	}
	free(text);
	return 0;
}
