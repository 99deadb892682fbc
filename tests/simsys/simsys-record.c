/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>

#include "simsys-record.h"

int sim_record(const char *sysfs_root, FILE *out)
{
	(void)out;
	fprintf(stderr, "bindbroker-simsys: record %s: not implemented yet\n", sysfs_root);
	return -ENOSYS;
}
