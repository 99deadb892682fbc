/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel driver core's binding rules on the model, without any file system:
 * pci_match_device, really_probe, the bus/driver store handlers (drivers_probe,
 * bind, unbind, new_id, remove_id, driver_override, drivers_autoprobe) and the
 * events the control file injects (module load/unload, hot add/remove, swap).
 *
 * Every function here expects the caller to hold m->lock. Functions that probe or
 * unbind may drop it while a probe is slow or held (pthread_cond_wait on m->cond)
 * and take it again before returning; a device being probed is marked busy, as
 * the kernel's device_lock, so concurrent writes for it wait their turn.
 *
 * Store handlers take the written bytes (BUF, LEN, not NUL-terminated) and return
 * 0 on success (the write then reports its full length) or a negative errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "simsys-model.h"

/* pci_match_one_device. */
bool sim_id_matches(const struct sim_id *id, const struct sim_device *d);
/*
 * pci_match_device: an override admits only the driver of that name (and then
 * always matches); otherwise dynamic ids, then static ids unless override_only.
 * An unloaded driver never matches.
 */
bool sim_driver_matches(const struct sim_driver *drv, const struct sim_device *d);

/* device_attach: 1 when D ends up bound, 0 when no driver took it, -ENODEV if removed. */
int sim_device_attach(struct sim_machine *m, struct sim_device *d);
/* Probes every live unbound device (boot, as the kernel's initial probe). */
void sim_probe_all(struct sim_machine *m);

/* bus/pci/drivers_probe: -ENODEV for an unknown device, else 0 even if nothing bound. */
int sim_store_drivers_probe(struct sim_machine *m, const char *buf, size_t len);
/* bus/pci/drivers_autoprobe: "0..." turns it off, anything else on. */
int sim_store_drivers_autoprobe(struct sim_machine *m, const char *buf, size_t len);
/* drivers/NAME/bind: -ENODEV (unknown or no match), -EBUSY (bound), probe error. */
int sim_store_bind(struct sim_machine *m, struct sim_driver *drv, const char *buf, size_t len);
/* drivers/NAME/unbind: -ENODEV unless the device is bound to DRV. */
int sim_store_unbind(struct sim_machine *m, struct sim_driver *drv, const char *buf, size_t len);
/* drivers/NAME/new_id "VVVV DDDD [SV SD CLASS MASK [DATA]]": -EINVAL, -EEXIST. */
int sim_store_new_id(struct sim_machine *m, struct sim_driver *drv, const char *buf, size_t len);
/* drivers/NAME/remove_id: -EINVAL, -ENODEV when no dynamic id matches. */
int sim_store_remove_id(struct sim_machine *m, struct sim_driver *drv, const char *buf, size_t len);
/* devices/.../driver_override: -EINVAL for LEN >= 4095; "\n" clears. */
int sim_store_driver_override(struct sim_machine *m, struct sim_device *d, const char *buf,
                              size_t len);

/*
 * kernel/security/lockdown: "integrity" or "confidentiality" raises the level; the
 * same or a lower level -EPERM, anything else -EINVAL (security/lockdown/lockdown.c).
 */
int sim_store_lockdown(struct sim_machine *m, const char *buf, size_t len);

/* driver_register for every driver of MODULE, then driver_attach when autoprobe is on. */
int sim_load_module(struct sim_machine *m, const char *module);
/* Unbinds the module's devices, then unregisters its drivers (dynamic ids are lost). */
int sim_unload_module(struct sim_machine *m, const char *module);
/*
 * Hot-adds D (ownership passes, also on failure): resolves its parent, refuses a
 * duplicate address, and probes it when autoprobe is on. -EEXIST, -EINVAL.
 */
int sim_hotadd_device(struct sim_machine *m, struct sim_device *d, char *err, size_t errlen);
/* Hot-removes D and the devices below it, unbinding each first. */
int sim_remove_device(struct sim_machine *m, struct sim_device *d);
/* Arms swap-on-unbind: NEW (owned) replaces D when D is next unbound. */
int sim_arm_swap(struct sim_machine *m, struct sim_device *d, struct sim_device *replacement);

/* Unmounting: wakes every held or slow probe so the threads can finish. */
void sim_machine_stop(struct sim_machine *m);
