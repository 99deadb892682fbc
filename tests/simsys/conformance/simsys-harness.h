/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Harness for the simsys conformance suite: mounts bindbroker-simsys on a
 * fresh temporary directory for each test and offers file access relative to
 * that mount, plus assertions on driver links (readlink and realpath both).
 * The program comes from $BB_SIMSYS, the topology from $BB_CONF_TOPOLOGY.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The current mount point (absolute, already resolved). */
extern char simsys_mnt[];

/* cmocka setup/teardown: mount the conformance topology / unmount and remove. */
int simsys_setup(void **state);
int simsys_teardown(void **state);

/* Mount / unmount explicitly (setup and teardown use these). */
int simsys_mount(const char *topology);
int simsys_umount(void);

/* Run argv, return its exit status (or -1 if it did not exit normally). */
int run_program(char *const argv[]);

/* MOUNT/rel in a freshly allocated string (never NULL; aborts on OOM). */
char *mpath(const char *rel);

/* write(2) the whole of value to MOUNT/rel in one call: 0 or -errno (-EIO on a short write). */
int mwrite(const char *rel, const char *value);
int mwrite_len(const char *rel, const char *value, size_t len);

/* Whole content of MOUNT/rel (malloc'd) or NULL with errno set. */
char *mread(const char *rel);

/* Does MOUNT/rel exist (lstat)? */
bool mexists(const char *rel);

/* Driver bound to BDF according to its driver link, or NULL. */
char *bound_driver(const char *bdf);

/*
 * Assert BDF is bound to drv: the device's driver link reads ../…/bus/pci/drivers/DRV, resolves
 * to MOUNT/bus/pci/drivers/DRV, and drivers/DRV/BDF resolves back to the device directory.
 */
void assert_bound_to(const char *bdf, const char *drv, const char *file, int line);
/* Assert BDF has no driver link, and that drv (if given) holds no BDF link. */
void assert_unbound(const char *bdf, const char *drv, const char *file, int line);
/* Assert drv does not hold BDF (no drivers/DRV/BDF link, driver link not naming DRV). */
void assert_not_held(const char *bdf, const char *drv, const char *file, int line);

#define ASSERT_BOUND(bdf, drv)        assert_bound_to(bdf, drv, __FILE__, __LINE__)
#define ASSERT_UNBOUND(bdf)           assert_unbound(bdf, NULL, __FILE__, __LINE__)
#define ASSERT_UNBOUND_FROM(bdf, drv) assert_unbound(bdf, drv, __FILE__, __LINE__)
#define ASSERT_NOT_HELD(bdf, drv)     assert_not_held(bdf, drv, __FILE__, __LINE__)

/* Send one control command (.simsys/control): 0 or -errno. */
int control(const char *cmd);

/* Last line of .simsys/log (malloc'd) or NULL. */
char *last_log_line(void);
