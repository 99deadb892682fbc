/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The restricted binder: the only code that changes which driver holds a
 * device. It writes nothing but the device's driver_override, the current
 * driver's unbind and bus/pci/drivers_probe (never new_id, remove_id, another
 * driver's bind or drivers_autoprobe), reads the outcome back from the driver
 * link, and rolls back to the original driver on any failure.
 * Those writes name the device by its address, so before each one (rollback
 * included) the binder checks, through the device directory it opened at the
 * start, that the same device still sits there; if not it stops with
 * BB_FAIL_DEVICE_CHANGED and writes nothing more to that address.
 * One operation at a time: a binder is not thread-safe, and the caller keeps
 * other writers off the device (the daemon serializes requests).
 */
#pragma once

#include <stdbool.h>

#include "bb-device.h"
#include "bb-modules.h"
#include "bb-sysfs.h"

/* Override that names no driver: keeps every driver off a quarantined device. */
#define BB_QUARANTINE_OVERRIDE "bindbroker-quarantine"

typedef enum bb_failure {
	BB_FAIL_NONE = 0,
	BB_FAIL_INVALID,        /* bad address or driver name; nothing was touched */
	BB_FAIL_NO_DEVICE,      /* no device at that address */
	BB_FAIL_MODULE,         /* the driver's module could not be found or loaded */
	BB_FAIL_OBSERVER,       /* the step observer refused a step (e.g. journal write failed) */
	BB_FAIL_OVERRIDE,       /* writing driver_override failed */
	BB_FAIL_UNBIND,         /* writing the current driver's unbind failed */
	BB_FAIL_PROBE,          /* writing drivers_probe failed */
	BB_FAIL_NOT_BOUND,      /* no driver bound within the timeout (probe failed) */
	BB_FAIL_WRONG_DRIVER,   /* another driver than the target holds the device */
	BB_FAIL_DEVICE_CHANGED, /* the device vanished or another one sits at the address */
	BB_FAIL_STILL_BOUND,    /* quarantine: a driver still holds the device */
	BB_FAIL_GROUP,          /* group bind: another member failed, this one was rolled back */
} bb_failure;

/* One sysfs write the binder is about to make, handed to the observer. */
struct bb_step {
	const char *name;    /* "load-module", "override", "unbind", "probe", "clear-override" */
	const char *address; /* the device */
	const char *path;    /* the file below the sysfs root, or the module name */
	const char *value;   /* what will be written */
	bool rollback;       /* part of undoing a failed operation */
};

/*
 * Called before each write. A negative return stops the operation before that
 * write (forward steps are then rolled back; rollback steps are not skipped).
 */
typedef int (*bb_step_observer)(const struct bb_step *step, void *userdata);

struct bb_binder_options {
	unsigned verify_timeout_ms; /* bounded wait for the driver link (0 = 5000) */
	unsigned poll_interval_ms;  /* between reads of the link (0 = 10) */
	bb_step_observer observer;  /* may be NULL */
	void *userdata;
};

/* Outcome of one bind/release/quarantine of one device. */
struct bb_bind_result {
	bb_address address;
	char target[BB_DRIVER_NAME_MAX + 1]; /* the driver asked for ("" for release/quarantine) */
	char old_driver[BB_DRIVER_NAME_MAX + 1]; /* before ("" = none) */
	char new_driver[BB_DRIVER_NAME_MAX + 1]; /* after, rollback included ("" = none) */
	bb_failure failure;                      /* BB_FAIL_NONE on success */
	const char *failed_step;                 /* step name that failed, or NULL */
	int error;                               /* negative errno of the failure, 0 on success */
	bool rollback_attempted;
	bool rollback_ok; /* original driver back and override cleared */
	int rollback_error;
	char message[256]; /* one line for humans: what failed and how the rollback went */
};

typedef struct bb_binder bb_binder;

/* Creates a binder over S and M (M may be NULL on simsys); both must outlive it. */
int bb_binder_new(bb_sysfs *s, bb_modules *m, const struct bb_binder_options *opts,
                  bb_binder **ret);

/* Frees the binder; returns NULL. Accepts NULL. */
bb_binder *bb_binder_free(bb_binder *b);

/* The sysfs context the binder works on. */
bb_sysfs *bb_binder_sysfs(const bb_binder *b);

/*
 * Binds ADDRESS to DRIVER: load module, override, unbind the current driver,
 * drivers_probe, verify the link, compare ids. On failure rolls back. Returns 0
 * or the negative errno also stored in RET->error; RET is always filled.
 */
int bb_binder_bind(bb_binder *b, const char *address, const char *driver,
                   struct bb_bind_result *ret);

/*
 * The same for a device the caller has just read (bb_device_read or
 * bb_device_read_basic, under the same serialization): BEFORE's address, ids,
 * driver and override are taken as the state to bind from and to roll back
 * to, instead of a read of its own. PIN (may be NULL) is the device as the
 * caller held it for that read (bb_device_read_pinned): the binder works
 * through it, and the caller closes it after. The writes, the read-back and
 * the identity check after the probe are the same as bb_binder_bind's.
 */
struct bb_pinned_device;
int bb_binder_bind_known(bb_binder *b, struct bb_pinned_device *pin,
                         const struct bb_device *before, const char *driver,
                         struct bb_bind_result *ret);

/*
 * Clears the override, unbinds the current driver and reprobes; RET->new_driver
 * is what the host picked ("" = none, not a failure). A device with no override
 * on a non-vfio driver is left alone.
 */
int bb_binder_release(bb_binder *b, const char *address, struct bb_bind_result *ret);

/* Release from the caller's read of the device, as bb_binder_bind_known. */
int bb_binder_release_known(bb_binder *b, struct bb_pinned_device *pin,
                            const struct bb_device *before, struct bb_bind_result *ret);

/* Overrides to BB_QUARANTINE_OVERRIDE, unbinds, verifies no driver holds the device. */
int bb_binder_quarantine(bb_binder *b, const char *address, struct bb_bind_result *ret);

/* Quarantine from the caller's read of the device, as bb_binder_bind_known. */
int bb_binder_quarantine_known(bb_binder *b, struct bb_pinned_device *pin,
                               const struct bb_device *before, struct bb_bind_result *ret);

/*
 * Puts ADDRESS back to a state recorded earlier (crash recovery from a journal
 * intent with no result): override OLD_OVERRIDE ("" = cleared), whatever
 * driver holds it unbound, reprobe, OLD_DRIVER ("" = none) verified. The same
 * steps as a rollback (observer sees them with rollback = true).
 */
int bb_binder_restore(bb_binder *b, const char *address, const char *old_driver,
                      const char *old_override, struct bb_bind_result *ret);

/* Outcome of a group bind: one result per endpoint (bridges skipped). */
struct bb_group_result {
	int iommu_group;
	size_t n;
	struct bb_bind_result members[BB_MAX_GROUP_MEMBERS];
	bb_failure failure; /* first failure, BB_FAIL_NONE on success */
	bool rollback_ok;   /* every member back to its original driver */
	char message[256];
};

/*
 * Binds every non-bridge member of ADDRESS's IOMMU group to DRIVER, or (DRIVER
 * NULL) to each member's best vfio variant, as one unit: if one fails, all go back.
 */
int bb_binder_bind_group(bb_binder *b, const char *address, const char *driver,
                         struct bb_group_result *ret);

/* Human name of a failure ("probe failed", ...). */
const char *bb_failure_to_string(bb_failure f);
