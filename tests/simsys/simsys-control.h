/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The .simsys/control commands (fault injection and machine events), one command
 * per write; see SPEC.md. The caller holds m->lock; commands that probe may drop
 * it while a probe is held or slow.
 */
#pragma once

#include <stddef.h>

#include "simsys-model.h"

/* Largest control write (an add-device JSON object). */
#define SIM_CONTROL_MAX (64 * 1024)

/* Runs one command (BUF, LEN; one trailing newline ignored). 0, or -EINVAL with ERR set. */
int sim_control_exec(struct sim_machine *m, const char *buf, size_t len, char *err, size_t errlen);
