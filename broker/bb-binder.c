/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bb-binder.h"
#include "bb-fileio.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "pinned-device.h"
#include "sysfs-path.h"

struct bb_binder {
	bb_sysfs *sysfs;
	bb_modules *modules;
	struct bb_binder_options opts;
};

/* The state of one device an operation works on. */
struct op {
	bb_binder *b;
	struct bb_bind_result *res;
	struct bb_device before;
	char override_path[BB_SYSFS_PATH_MAX];
	struct bb_pinned_device pin; /* held from the start: stale when the device goes */
	bool pin_borrowed;           /* the caller's: closed by the caller */
	bool revision_read;          /* the held device's revision was compared once */
	bool touched;                /* some write happened: a failure needs a rollback */
	bool changed; /* another device sits at the address: nothing more is written */
};

#define OP_INIT {.pin = BB_PINNED_DEVICE_INIT}

static void op_done(struct op *op)
{
	if (!op->pin_borrowed)
		bb_pinned_device_close(&op->pin);
}

int bb_binder_new(bb_sysfs *s, bb_modules *m, const struct bb_binder_options *opts, bb_binder **ret)
{
	bb_binder *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->sysfs = s;
	b->modules = m;
	if (opts)
		b->opts = *opts;
	if (b->opts.verify_timeout_ms == 0)
		b->opts.verify_timeout_ms = 5000;
	if (b->opts.poll_interval_ms == 0)
		b->opts.poll_interval_ms = 10;
	*ret = b;
	return 0;
}

bb_binder *bb_binder_free(bb_binder *b)
{
	free(b);
	return NULL;
}

bb_sysfs *bb_binder_sysfs(const bb_binder *b)
{
	return b->sysfs;
}

const char *bb_failure_to_string(bb_failure f)
{
	static const char *const names[] = {
	    [BB_FAIL_NONE] = "none",
	    [BB_FAIL_INVALID] = "invalid request",
	    [BB_FAIL_NO_DEVICE] = "no such device",
	    [BB_FAIL_MODULE] = "driver module missing or not loadable",
	    [BB_FAIL_OBSERVER] = "step refused by the journal",
	    [BB_FAIL_OVERRIDE] = "writing driver_override failed",
	    [BB_FAIL_UNBIND] = "unbinding the current driver failed",
	    [BB_FAIL_PROBE] = "writing drivers_probe failed",
	    [BB_FAIL_NOT_BOUND] = "no driver bound (probe failed)",
	    [BB_FAIL_WRONG_DRIVER] = "another driver bound",
	    [BB_FAIL_DEVICE_CHANGED] = "device vanished or was replaced",
	    [BB_FAIL_STILL_BOUND] = "a driver still holds the device",
	    [BB_FAIL_GROUP] = "another member of the IOMMU group failed",
	};
	if ((size_t)f < ARRAY_SIZE(names) && names[f])
		return names[f];
	return "unknown failure";
}

static void set_message(struct bb_bind_result *res, const char *fmt, ...) _printf_(2, 3);
static void set_message(struct bb_bind_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
}

static int fail(struct op *op, bb_failure f, const char *step, int err)
{
	op->res->failure = f;
	op->res->failed_step = step;
	op->res->error = err < 0 ? err : -err;
	if (op->res->error == 0)
		op->res->error = -EIO;
	return op->res->error;
}

/*
 * A failed write: refused by the observer, or the device is gone (the write
 * failed because nothing sits at the address any more), or the step itself.
 */
static int fail_write(struct op *op, bool refused, bb_failure f, const char *step, int err)
{
	char drv[BB_DRIVER_NAME_MAX + 1];

	if (refused)
		return fail(op, BB_FAIL_OBSERVER, step, err);
	if (op->changed)
		return fail(op, BB_FAIL_DEVICE_CHANGED, step, err);
	if (bb_pinned_device_read_driver(&op->pin, drv, sizeof(drv), NULL) == -ENODEV)
		return fail(op, BB_FAIL_DEVICE_CHANGED, step, err);
	return fail(op, f, step, err);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * NOW (read through the held device) is still the device the operation started
 * with: the same ids, class and revision. The revision is read once; after that
 * the held uevent answering at all proves the node is the same one.
 */
static int compare_identity(struct op *op, struct bb_device *now)
{
	int r;

	if (op->revision_read)
		now->revision = op->before.revision;
	else {
		r = bb_pinned_device_read_revision(&op->pin, now);
		if (r < 0)
			return r;
		op->revision_read = true;
	}
	return bb_device_same_identity(&op->before, now) ? 0 : -ENODEV;
}

/* Marks the operation changed: nothing more is written to the address. Returns -ENODEV. */
static int device_changed(struct op *op, int err)
{
	op->changed = true;
	log_warning_errno(err,
	                  "%s: the device %04x:%04x the operation started with is no longer at "
	                  "this address (%m); nothing more is written to it",
	                  op->res->address.s, op->before.vendor, op->before.device);
	return -ENODEV;
}

/*
 * The device the operation started with still sits at its address. The unbind
 * and drivers_probe writes name the device by its address, so a device
 * hot-swapped in at that address would get them. The ids are read through the
 * uevent held since the start: once that device is removed the file is stale
 * (reads give ENODEV, on sysfs as on simsys), and a newcomer has other ids.
 * Returns 0, or -ENODEV (and marks the operation changed) when it is not the same.
 */
static int check_same_device(struct op *op)
{
	struct bb_device now;
	int r;

	if (op->changed)
		return -ENODEV;
	if (op->pin.dirfd < 0) {
		r = bb_pinned_device_open(op->b->sysfs, &op->res->address, &op->pin);
		if (r < 0)
			return device_changed(op, r);
	}
	r = bb_pinned_device_read_ids(&op->pin, &now);
	if (r >= 0)
		r = compare_identity(op, &now);
	return r < 0 ? device_changed(op, r) : 0;
}

/*
 * The override is written through the held directory: no walk from the root,
 * and never to a newcomer at the address. The other steps name bus files.
 */
static int write_step(struct op *op, const char *path, const char *value)
{
	if (streq(path, op->override_path))
		return bb_write_attr_at(op->pin.dirfd, "driver_override", value);
	return bb_sysfs_write(op->b->sysfs, path, value);
}


/* Calls the observer, then writes. Returns the observer's or the write's error. */
static int step(struct op *op, const char *name, const char *path, const char *value, bool rollback,
                bool *observer_refused)
{
	const bb_binder *b = op->b;
	struct bb_step st = {
	    .name = name,
	    .address = op->res->address.s,
	    .path = path,
	    .value = value,
	    .rollback = rollback,
	};
	int r;

	if (observer_refused)
		*observer_refused = false;
	if (b->opts.observer) {
		r = b->opts.observer(&st, b->opts.userdata);
		if (r < 0 && !rollback) {
			if (observer_refused)
				*observer_refused = true;
			return r;
		}
	}
	/* After the observer: its durable journal write is a window for a swap too. */
	r = check_same_device(op);
	if (r < 0)
		return r;
	op->touched = true;
	r = write_step(op, path, value);
	if (r < 0)
		log_debug_errno(r, "%s: %s: writing %s failed: %m", op->res->address.s, name, path);
	return r;
}

enum wait_for { WAIT_NAME, WAIT_ANY, WAIT_NONE };

/*
 * Reads the driver link until it shows what we wait for or the timeout passes.
 * WAIT_NAME stops early when another driver holds the device (it will not
 * let go by itself). Returns -ENODEV when the device is gone.
 */
static int wait_driver(struct op *op, enum wait_for what, const char *name, char *buf, size_t size)
{
	const bb_binder *b = op->b;
	long long deadline = now_ms() + b->opts.verify_timeout_ms;
	int r;

	for (;;) {
		r = bb_pinned_device_read_driver(&op->pin, buf, size, NULL);
		if (r < 0)
			return r;
		switch (what) {
		case WAIT_NAME:
			if (streq(buf, name) || buf[0] != '\0')
				return 0;
			break;
		case WAIT_ANY:
			if (buf[0] != '\0')
				return 0;
			break;
		case WAIT_NONE:
			if (buf[0] == '\0')
				return 0;
			break;
		}
		if (now_ms() >= deadline)
			return 0;
		sleep_ms(b->opts.poll_interval_ms);
	}
}

/*
 * KNOWN: the caller's read of the device (its basic facts), NULL = read them now;
 * PIN: the device as the caller held it for that read, NULL = hold it here.
 */
static int begin(bb_binder *b, struct op *op, const char *address, struct bb_pinned_device *pin,
                 const struct bb_device *known, struct bb_bind_result *res)
{
	int r;

	memset(res, 0, sizeof(*res));
	*op = (struct op)OP_INIT;
	op->b = b;
	op->res = res;
	res->rollback_ok = true;
	if (bb_address_parse(address, &res->address) < 0) {
		set_message(res, "invalid device address (want DDDD:BB:DD.F)");
		return fail(op, BB_FAIL_INVALID, NULL, -EINVAL);
	}
	/* Held from here on: every later read and check goes through it. */
	if (pin && known && streq(pin->address.s, res->address.s)) {
		op->pin = *pin;
		op->pin_borrowed = true;
		op->revision_read = true; /* KNOWN was read through this very device */
		r = 0;
	} else
		r = bb_pinned_device_open(b->sysfs, &res->address, &op->pin);
	if (r >= 0 && known && streq(known->address.s, res->address.s)) {
		/* The basic facts only: what bb_device_read_basic fills. */
		memcpy(&op->before, known, offsetof(struct bb_device, n_group));
		op->before.n_group = op->before.n_net = op->before.n_block = 0;
	} else if (r >= 0)
		r = bb_device_read_basic_at(op->pin.dirfd, op->pin.depth, &res->address,
		                            &op->before);
	if (r < 0) {
		set_message(res, "%s: cannot read the device: %s", res->address.s, strerror(-r));
		return fail(op, r == -ENODEV ? BB_FAIL_NO_DEVICE : BB_FAIL_INVALID, NULL, r);
	}
	if (snprintf(op->override_path, sizeof(op->override_path), "%s/driver_override",
	             op->pin.path) >= (int)sizeof(op->override_path))
		return fail(op, BB_FAIL_INVALID, NULL, -ENAMETOOLONG);
	strcpy(res->old_driver, op->before.driver);
	strcpy(res->new_driver, op->before.driver);
	/* The held device, checked against the facts the operation starts from. */
	r = check_same_device(op);
	if (r < 0) {
		set_message(res,
		            "%s: the device changed while it was being read; nothing was "
		            "changed",
		            res->address.s);
		return fail(op, BB_FAIL_DEVICE_CHANGED, NULL, r);
	}
	return 0;
}

static int unbind_current(struct op *op, const char *driver, bool rollback, bool *refused)
{
	char path[BB_SYSFS_PATH_MAX];

	snprintf(path, sizeof(path), "bus/pci/drivers/%s/unbind", driver);
	return step(op, "unbind", path, op->res->address.s, rollback, refused);
}

static int probe(struct op *op, bool rollback, bool *refused)
{
	return step(op, "probe", "bus/pci/drivers_probe", op->res->address.s, rollback, refused);
}

/* The override the device had before, as a value to write back ("\n" clears). */
static const char *original_override(const struct op *op)
{
	return op->before.driver_override[0] ? op->before.driver_override : "\n";
}

/*
 * Puts the device back as it was: original override (cleared when there was
 * none), whatever driver holds it now unbound, reprobe, and the original
 * driver verified (none verified when there was none).
 */
static void rollback(struct op *op)
{
	struct bb_bind_result *res = op->res;
	char cur[BB_DRIVER_NAME_MAX + 1];
	struct bb_device now;
	const char *want = op->before.driver;
	int r;

	res->rollback_attempted = true;
	res->rollback_ok = false;

	r = step(op, "restore-override", op->override_path, original_override(op), true, NULL);
	if (r < 0)
		goto out;
	r = bb_pinned_device_read_driver(&op->pin, cur, sizeof(cur), NULL);
	if (r < 0)
		goto out;
	if (cur[0] && !streq(cur, want)) {
		r = unbind_current(op, cur, true, NULL);
		if (r < 0)
			goto out;
	}
	if (want[0] && !streq(cur, want)) {
		r = probe(op, true, NULL);
		if (r < 0)
			goto out;
	}
	r = wait_driver(op, want[0] ? WAIT_NAME : WAIT_NONE, want, cur, sizeof(cur));
	if (r < 0)
		goto out;
	strcpy(res->new_driver, cur);
	r = bb_device_read_basic_at(op->pin.dirfd, op->pin.depth, &res->address, &now);
	if (r < 0)
		goto out;
	if (!streq(now.driver_override, op->before.driver_override) || now.override_unusual) {
		r = -EBADE;
		goto out;
	}
	if (!streq(cur, want)) {
		r = -EBUSY;
		goto out;
	}
	res->rollback_ok = true;
	r = 0;
out:
	if (r == -ENODEV)
		res->new_driver[0] = '\0'; /* nothing of ours left at the address */
	res->rollback_error = r;
	if (r < 0)
		log_warning_errno(r, "%s: rollback did not restore driver \"%s\": %m",
		                  res->address.s, want);
}

static void describe_failure(struct op *op, const char *what)
{
	struct bb_bind_result *res = op->res;
	const char *old = res->old_driver[0] ? res->old_driver : "(none)";

	if (op->changed)
		set_message(res,
		            "%s %s failed: the device (%04x:%04x) was removed or replaced at "
		            "this address mid-operation; nothing more was written to that "
		            "address (%s)",
		            what, res->address.s, op->before.vendor, op->before.device,
		            !op->touched ? "nothing was changed" : "no rollback onto a newcomer");
	else if (!res->rollback_attempted)
		set_message(res, "%s %s failed: %s (%s); nothing was changed", what, res->address.s,
		            bb_failure_to_string(res->failure), strerror(-res->error));
	else if (res->rollback_ok)
		set_message(res, "%s %s failed: %s (%s); rolled back to %s", what, res->address.s,
		            bb_failure_to_string(res->failure), strerror(-res->error), old);
	else
		set_message(res, "%s %s failed: %s (%s); ROLLBACK FAILED (%s), driver now %s", what,
		            res->address.s, bb_failure_to_string(res->failure),
		            strerror(-res->error), strerror(-res->rollback_error),
		            res->new_driver[0] ? res->new_driver : "(none)");
}

static int finish_failure(struct op *op, const char *what)
{
	if (op->touched)
		rollback(op);
	describe_failure(op, what);
	return op->res->error;
}

/* After the writes: the target holds the same device that was there before. */
static int verify_bound(struct op *op, const char *driver)
{
	struct bb_bind_result *res = op->res;
	char cur[BB_DRIVER_NAME_MAX + 1];
	struct bb_device after;
	int r;

	/*
	 * The driver link, then the held uevent: one pass answers both questions
	 * (which driver, same device) when the probe finished inside its write, as it
	 * does on sysfs; only a probe still running sends us to the bounded wait and
	 * a second pass. A twin swapped in during the probe has the same ids: the
	 * stale uevent tells it apart.
	 */
	r = bb_pinned_device_read_driver(&op->pin, cur, sizeof(cur), &after);
	if (r < 0)
		return fail(op, BB_FAIL_DEVICE_CHANGED, "verify", r);
	if (cur[0] == '\0') {
		r = wait_driver(op, WAIT_NAME, driver, cur, sizeof(cur));
		if (r == -ENODEV)
			return fail(op, BB_FAIL_DEVICE_CHANGED, "verify", r);
		if (r < 0)
			return fail(op, BB_FAIL_NOT_BOUND, "verify", r);
		r = bb_pinned_device_read_driver(&op->pin, cur, sizeof(cur), &after);
		if (r < 0)
			return fail(op, BB_FAIL_DEVICE_CHANGED, "verify", r);
	}
	strcpy(res->new_driver, cur);
	if (compare_identity(op, &after) < 0)
		return fail(op, BB_FAIL_DEVICE_CHANGED, "verify", -ENODEV);
	if (cur[0] == '\0')
		return fail(op, BB_FAIL_NOT_BOUND, "verify", -ENODEV);
	if (!streq(cur, driver))
		return fail(op, BB_FAIL_WRONG_DRIVER, "verify", -EBUSY);
	return 0;
}

static int bind_one(bb_binder *b, const char *address, struct bb_pinned_device *pin,
                    const struct bb_device *known, const char *driver,
                    struct bb_bind_result *res)
{
	_cleanup_(op_done) struct op op = OP_INIT;
	bool refused;
	int r;

	r = begin(b, &op, address, pin, known, res);
	if (r < 0)
		return r;
	if (!bb_valid_driver_name(driver) || streq(driver, BB_QUARANTINE_OVERRIDE)) {
		set_message(res, "invalid driver name (want [A-Za-z0-9_-]{1,64})");
		return fail(&op, BB_FAIL_INVALID, NULL, -EINVAL);
	}
	strcpy(res->target, driver);

	/* Already there: only pin the override so a reprobe keeps it. */
	if (streq(op.before.driver, driver) && streq(op.before.driver_override, driver)) {
		set_message(res, "%s is already bound to %s", res->address.s, driver);
		return 0;
	}

	if (!bb_sysfs_driver_present(b->sysfs, driver)) {
		char module[BB_MODULE_NAME_MAX];

		r = bb_modules_driver_module(b->modules, driver, module, sizeof(module));
		if (r >= 0 && b->opts.observer) {
			struct bb_step st = {"load-module", res->address.s, module, module, false};
			r = b->opts.observer(&st, b->opts.userdata);
			if (r < 0) {
				fail(&op, BB_FAIL_OBSERVER, "load-module", r);
				return finish_failure(&op, "bind");
			}
		}
		if (r >= 0)
			r = bb_modules_ensure_driver(b->sysfs, b->modules, driver);
		if (r < 0) {
			fail(&op, BB_FAIL_MODULE, "load-module", r);
			return finish_failure(&op, "bind");
		}
	}

	r = step(&op, "override", op.override_path, driver, false, &refused);
	if (r < 0) {
		fail_write(&op, refused, BB_FAIL_OVERRIDE, "override", r);
		return finish_failure(&op, "bind");
	}
	if (op.before.driver[0] && !streq(op.before.driver, driver)) {
		r = unbind_current(&op, op.before.driver, false, &refused);
		if (r < 0) {
			fail_write(&op, refused, BB_FAIL_UNBIND, "unbind", r);
			return finish_failure(&op, "bind");
		}
	}
	if (!streq(op.before.driver, driver)) {
		r = probe(&op, false, &refused);
		if (r < 0) {
			fail_write(&op, refused, BB_FAIL_PROBE, "probe", r);
			return finish_failure(&op, "bind");
		}
	}
	r = verify_bound(&op, driver);
	if (r < 0)
		return finish_failure(&op, "bind");
	set_message(res, "%s bound to %s (was %s)", res->address.s, driver,
	            res->old_driver[0] ? res->old_driver : "(none)");
	return 0;
}

int bb_binder_bind(bb_binder *b, const char *address, const char *driver,
                   struct bb_bind_result *res)
{
	return bind_one(b, address, NULL, NULL, driver, res);
}

int bb_binder_bind_known(bb_binder *b, struct bb_pinned_device *pin,
                         const struct bb_device *before, const char *driver,
                         struct bb_bind_result *res)
{
	return bind_one(b, before->address.s, pin, before, driver, res);
}

static int release_one(bb_binder *b, const char *address, struct bb_pinned_device *pin,
                       const struct bb_device *known, struct bb_bind_result *res)
{
	char cur[BB_DRIVER_NAME_MAX + 1];
	_cleanup_(op_done) struct op op = OP_INIT;
	bool refused;
	int r;

	r = begin(b, &op, address, pin, known, res);
	if (r < 0)
		return r;
	/* Already with the host: no override and a host driver (vfio is never the host's choice).
	 */
	if (op.before.driver_override[0] == '\0' && !op.before.override_unusual &&
	    op.before.driver[0] != '\0' && !bb_driver_is_vfio(op.before.driver)) {
		set_message(res, "%s is already with the host driver %s", res->address.s,
		            op.before.driver);
		return 0;
	}
	r = step(&op, "clear-override", op.override_path, "\n", false, &refused);
	if (r < 0) {
		fail_write(&op, refused, BB_FAIL_OVERRIDE, "clear-override", r);
		return finish_failure(&op, "release");
	}
	if (op.before.driver[0]) {
		r = unbind_current(&op, op.before.driver, false, &refused);
		if (r < 0) {
			fail_write(&op, refused, BB_FAIL_UNBIND, "unbind", r);
			return finish_failure(&op, "release");
		}
	}
	r = probe(&op, false, &refused);
	if (r < 0) {
		fail_write(&op, refused, BB_FAIL_PROBE, "probe", r);
		return finish_failure(&op, "release");
	}
	r = wait_driver(&op, WAIT_ANY, NULL, cur, sizeof(cur));
	if (r < 0) {
		fail(&op, BB_FAIL_DEVICE_CHANGED, "verify", r);
		describe_failure(&op, "release");
		return res->error;
	}
	strcpy(res->new_driver, cur);
	set_message(res, "%s released from %s; the host picked %s", res->address.s,
	            res->old_driver[0] ? res->old_driver : "(none)", cur[0] ? cur : "no driver");
	return 0;
}

int bb_binder_release(bb_binder *b, const char *address, struct bb_bind_result *res)
{
	return release_one(b, address, NULL, NULL, res);
}

int bb_binder_release_known(bb_binder *b, struct bb_pinned_device *pin,
                            const struct bb_device *before, struct bb_bind_result *res)
{
	return release_one(b, before->address.s, pin, before, res);
}

static int quarantine_one(bb_binder *b, const char *address, struct bb_pinned_device *pin,
                          const struct bb_device *known, struct bb_bind_result *res)
{
	char cur[BB_DRIVER_NAME_MAX + 1];
	struct bb_device after;
	_cleanup_(op_done) struct op op = OP_INIT;
	bool refused;
	int r;

	r = begin(b, &op, address, pin, known, res);
	if (r < 0)
		return r;
	/* The ABI keeps a device driverless only while no driver has the override's name. */
	if (bb_sysfs_driver_present(b->sysfs, BB_QUARANTINE_OVERRIDE)) {
		set_message(res, "a driver named %s exists; cannot quarantine",
		            BB_QUARANTINE_OVERRIDE);
		return fail(&op, BB_FAIL_INVALID, NULL, -EEXIST);
	}
	r = step(&op, "override", op.override_path, BB_QUARANTINE_OVERRIDE, false, &refused);
	if (r < 0) {
		fail_write(&op, refused, BB_FAIL_OVERRIDE, "override", r);
		return finish_failure(&op, "quarantine");
	}
	if (op.before.driver[0]) {
		r = unbind_current(&op, op.before.driver, false, &refused);
		if (r < 0) {
			fail_write(&op, refused, BB_FAIL_UNBIND, "unbind", r);
			return finish_failure(&op, "quarantine");
		}
	}
	r = wait_driver(&op, WAIT_NONE, NULL, cur, sizeof(cur));
	if (r < 0) {
		fail(&op, BB_FAIL_DEVICE_CHANGED, "verify", r);
		return finish_failure(&op, "quarantine");
	}
	strcpy(res->new_driver, cur);
	r = bb_pinned_device_read_ids(&op.pin, &after);
	if (r < 0 || compare_identity(&op, &after) < 0) {
		fail(&op, BB_FAIL_DEVICE_CHANGED, "verify", r < 0 ? r : -ENODEV);
		return finish_failure(&op, "quarantine");
	}
	if (cur[0]) {
		fail(&op, BB_FAIL_STILL_BOUND, "verify", -EBUSY);
		return finish_failure(&op, "quarantine");
	}
	set_message(res, "%s quarantined (was %s); no driver holds it", res->address.s,
	            res->old_driver[0] ? res->old_driver : "(none)");
	return 0;
}

int bb_binder_quarantine(bb_binder *b, const char *address, struct bb_bind_result *res)
{
	return quarantine_one(b, address, NULL, NULL, res);
}

int bb_binder_quarantine_known(bb_binder *b, struct bb_pinned_device *pin,
                               const struct bb_device *before, struct bb_bind_result *res)
{
	return quarantine_one(b, before->address.s, pin, before, res);
}

int bb_binder_restore(bb_binder *b, const char *address, const char *old_driver,
                      const char *old_override, struct bb_bind_result *res)
{
	_cleanup_(op_done) struct op op = OP_INIT;
	int r;

	r = begin(b, &op, address, NULL, NULL, res);
	if (r < 0)
		return r;
	if ((old_driver[0] && !bb_valid_driver_name(old_driver)) ||
	    (old_override[0] && !bb_valid_driver_name(old_override))) {
		set_message(res, "invalid driver name (want [A-Za-z0-9_-]{1,64})");
		return fail(&op, BB_FAIL_INVALID, NULL, -EINVAL);
	}
	strcpy(res->target, old_driver);
	strcpy(op.before.driver, old_driver);
	strcpy(op.before.driver_override, old_override);
	op.before.override_unusual = false;
	op.touched = true;
	rollback(&op);
	if (!res->rollback_ok) {
		res->failure = BB_FAIL_NOT_BOUND;
		res->failed_step = "restore";
		res->error = res->rollback_error ? res->rollback_error : -EIO;
		set_message(res, "%s: could not restore %s (%s); driver now %s", res->address.s,
		            old_driver[0] ? old_driver : "(none)", strerror(-res->error),
		            res->new_driver[0] ? res->new_driver : "(none)");
		return res->error;
	}
	set_message(res, "%s restored to %s (was %s)", res->address.s,
	            old_driver[0] ? old_driver : "no driver",
	            res->old_driver[0] ? res->old_driver : "(none)");
	return 0;
}

/* Undoes a member that was bound successfully earlier in a group bind. */
static void rollback_member(bb_binder *b, struct bb_bind_result *res,
                            const struct bb_device *before)
{
	_cleanup_(op_done) struct op op = {
	    .b = b, .res = res, .before = *before, .pin = BB_PINNED_DEVICE_INIT, .touched = true};

	if (bb_pinned_device_open(b->sysfs, &res->address, &op.pin) < 0 ||
	    snprintf(op.override_path, sizeof(op.override_path), "%s/driver_override",
	             op.pin.path) >= (int)sizeof(op.override_path)) {
		res->rollback_attempted = true;
		res->rollback_ok = false;
		res->rollback_error = -ENODEV;
		return;
	}
	rollback(&op);
}

int bb_binder_bind_group(bb_binder *b, const char *address, const char *driver,
                         struct bb_group_result *ret)
{
	_cleanup_free_ struct bb_device *dev = NULL, *before = NULL;
	size_t failed_at = SIZE_MAX;
	int r, err = 0;

	memset(ret, 0, sizeof(*ret));
	ret->iommu_group = -1;
	ret->rollback_ok = true;
	if (driver && (!bb_valid_driver_name(driver) || !bb_driver_is_vfio(driver))) {
		ret->failure = BB_FAIL_INVALID;
		snprintf(ret->message, sizeof(ret->message),
		         "group bind takes a vfio driver (vfio-pci or a *_vfio_pci variant)");
		return -EINVAL;
	}
	dev = malloc(sizeof(*dev));
	before = calloc(BB_MAX_GROUP_MEMBERS, sizeof(*before));
	if (!dev || !before)
		return -ENOMEM;
	r = bb_device_read(b->sysfs, address, dev);
	if (r < 0) {
		ret->failure = r == -EINVAL ? BB_FAIL_INVALID : BB_FAIL_NO_DEVICE;
		snprintf(ret->message, sizeof(ret->message), "cannot read the device: %s",
		         strerror(-r));
		return r;
	}
	ret->iommu_group = dev->iommu_group;
	if (dev->iommu_group < 0) {
		ret->failure = BB_FAIL_INVALID;
		snprintf(ret->message, sizeof(ret->message), "%s has no IOMMU group",
		         dev->address.s);
		return -ENOENT;
	}

	for (size_t i = 0; i < dev->n_group; i++) {
		const struct bb_group_member *gm = &dev->group[i];
		struct bb_bind_result *res;
		char target[BB_DRIVER_NAME_MAX + 1];

		if (gm->bridge)
			continue;
		res = &ret->members[ret->n++];
		r = bb_device_read_basic(b->sysfs, &gm->address, &before[ret->n - 1]);
		if (r >= 0 && driver)
			strcpy(target, driver);
		else if (r >= 0)
			r = bb_modules_best_vfio_driver(b->modules, before[ret->n - 1].modalias,
			                                target, sizeof(target));
		if (r >= 0)
			r = bb_binder_bind(b, gm->address.s, target, res);
		else {
			memset(res, 0, sizeof(*res));
			res->address = gm->address;
			res->failure = BB_FAIL_NO_DEVICE;
			res->error = r;
			res->rollback_ok = true;
		}
		if (r < 0) {
			failed_at = ret->n - 1;
			err = r;
			ret->failure = res->failure;
			if (!res->rollback_ok)
				ret->rollback_ok = false;
			break;
		}
	}
	if (failed_at == SIZE_MAX) {
		snprintf(ret->message, sizeof(ret->message),
		         "IOMMU group %d: %zu device(s) bound to vfio", ret->iommu_group, ret->n);
		return 0;
	}
	/* One member failed (and rolled itself back): return the others to where they were. */
	for (size_t i = 0; i < failed_at; i++) {
		struct bb_bind_result *res = &ret->members[i];

		rollback_member(b, res, &before[i]);
		res->failure = BB_FAIL_GROUP;
		res->error = err;
		if (!res->rollback_ok)
			ret->rollback_ok = false;
	}
	snprintf(ret->message, sizeof(ret->message), "IOMMU group %d: %s failed: %s; %s",
	         ret->iommu_group, ret->members[failed_at].address.s,
	         bb_failure_to_string(ret->failure),
	         ret->rollback_ok ? "every member rolled back to its original driver"
	                          : "ROLLBACK INCOMPLETE");
	return err;
}
