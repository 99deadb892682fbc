/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Persistent desired bindings: the state dir's `overrides` file, one
 * "DDDD:BB:DD.F DRIVER\n" per line, written atomically; and re-applying it
 * (at boot and on hot-add), including keeping a device that joins an IOMMU
 * group in use by vfio away from host drivers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bb-binder.h"

#define BB_OVERRIDES_FILE     "overrides"
#define BB_OVERRIDES_MAX      1024
#define BB_OVERRIDES_MAX_SIZE (64 * 1024)

struct bb_override_entry {
	bb_address address;
	char driver[BB_DRIVER_NAME_MAX + 1];
};

struct bb_overrides {
	size_t n;
	struct bb_override_entry entries[BB_OVERRIDES_MAX];
};

/*
 * Parses TEXT strictly (each line "BDF DRIVER", lowercase hex, one space, "\n"
 * ended, no blank lines or comments, no duplicate address, <= limits).
 * On error returns -EBADMSG/-E2BIG and writes "overrides:LINE:COL: why" to ERR.
 */
int bb_overrides_parse(const char *text, size_t len, struct bb_overrides *ret, char *err,
                       size_t errsize);

/* Loads STATE_DIRFD/overrides (absent file = empty). ERR as for parse. */
int bb_overrides_load(int state_dirfd, struct bb_overrides *ret, char *err, size_t errsize);

/* Writes O to STATE_DIRFD/overrides atomically (temp, fsync, rename, fsync dir), mode 0644. */
int bb_overrides_save(int state_dirfd, const struct bb_overrides *o);

/* Adds or replaces the entry for ADDRESS (both validated). */
int bb_overrides_set(struct bb_overrides *o, const char *address, const char *driver);

/* Removes the entry for ADDRESS; -ENOENT if there was none. */
int bb_overrides_remove(struct bb_overrides *o, const char *address);

/* The entry for ADDRESS, or NULL. */
const struct bb_override_entry *bb_overrides_find(const struct bb_overrides *o,
                                                  const char *address);

/* Load, set, save in one step (for bind --persist). */
int bb_overrides_record(int state_dirfd, const char *address, const char *driver);

/* Load, remove, save in one step (release/quarantine of a persisted device); absent is fine. */
int bb_overrides_forget(int state_dirfd, const char *address);

/*
 * Called before each entry is applied; a negative return skips that entry
 * (the daemon runs its policy/table checks here). May be NULL.
 */
typedef int (*bb_apply_check)(const struct bb_override_entry *e, void *userdata);

/* What apply did to one device. */
struct bb_apply_item {
	bb_address address;
	enum {
		BB_APPLY_ALREADY,
		BB_APPLY_BOUND,
		BB_APPLY_FAILED,
		BB_APPLY_SKIPPED,
		BB_APPLY_ABSENT,
		BB_APPLY_QUARANTINED
	} action;
	struct bb_bind_result result;
};

struct bb_apply_report {
	size_t n;
	struct bb_apply_item items[BB_OVERRIDES_MAX + 1];
	size_t failed;
};

/*
 * Re-applies O through bb_binder_bind (devices already on their driver are
 * left alone). ONLY non-NULL limits it to that one device (udev `add`): if it
 * has no entry but joined an IOMMU group where another member is held by vfio,
 * it is quarantined. RET (heap-sized; allocate it) lists what happened.
 * Returns 0 when every item succeeded, else -EIO.
 */
int bb_overrides_apply(bb_binder *b, const struct bb_overrides *o, const char *only,
                       bb_apply_check check, void *userdata, struct bb_apply_report *ret);

/*
 * True when ADDRESS sits in an IOMMU group in which another member is bound to
 * a vfio driver while it is not (the hot-add case that calls for quarantine).
 */
int bb_device_joins_vfio_group(bb_sysfs *s, const char *address, bool *ret);
