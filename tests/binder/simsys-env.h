/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helpers for the binder on simsys (see simsys-env.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "broker.h"

struct env {
	char mnt[64];
	char state[64];
	bb_sysfs *s;
	bb_modules *m;
	bb_binder *b;
	char steps[1024];     /* names the observer saw, space separated */
	const char *refuse;   /* step name the observer refuses */
	const char *act_on;   /* step name before which ACT is written ... */
	const char *act;      /* ... to .simsys/control, */
	const char *act_path; /* ... or to this file below the mount (a racing writer) */
	const char *act2;     /* a second control command after ACT (e.g. remove, then add) */
	bool act_rollback;    /* ACT before a rollback/restore step named ACT_ON, too */
};

/* Reads the environment; 0 to go on, 77 to skip (no simsys), 2 on bad usage. */
int sim_init(int argc, char **argv);

/* cmocka set-up/tear-down: mount a fresh simsys, open sysfs, modules and a binder; unmount. */
int sim_setup(void **state);
int sim_teardown(void **state);

/* A whole file below the mount, NUL-terminated (caller frees), or NULL. */
char *sim_slurp(const struct env *e, const char *rel);

/* The driver of ADDR by its link ("" when unbound); a static buffer. */
const char *sim_link_driver(const struct env *e, const char *addr);

/* The driver_override text of ADDR, newline included; a static buffer. */
const char *sim_override_of(const struct env *e, const char *addr);

/* Writes VALUE to REL below the mount as a test harness (not the broker) would. */
void sim_write(const struct env *e, const char *rel, const char *value);

/* Writes one command to .simsys/control; asserts it was taken. */
void sim_control(const struct env *e, const char *cmd);

/* Length of .simsys/log now; the log lines written since then (caller frees). */
size_t sim_log_len(const struct env *e);
char *sim_log_since(const struct env *e, size_t from);

/* Number of writes since FROM to paths ending in SUFFIX. */
int sim_writes_to(const struct env *e, size_t from, const char *suffix);

/* Fails the test on any write since FROM to anything but driver_override, unbind, drivers_probe. */
void sim_assert_only_allowed_writes(const struct env *e, size_t from);

/* A failed operation left ADDR on DRIVER with its override cleared, and said so. */
void sim_assert_restored(const struct env *e, const struct bb_bind_result *r, const char *addr,
                         const char *driver);
