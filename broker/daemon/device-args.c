/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two names a requester hands over, checked before any file is opened,
 * and the facts of the named device.
 *
 * Check may answer from a snapshot of the facts and the lockdown posture when
 * the check-cache-ms limit is set (default 0: off). Check is advisory: every
 * acting call reads the device fresh and decides again, and a snapshot is
 * used only while no acting call has started or ended since it was read (a
 * generation count), so a check after a bind or release through the broker
 * sees the new state. Outside changes (hotplug, another root process, mounts,
 * routes) show up after at most check-cache-ms.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

int request_driver(struct json_object *params, const char **ret, BbReply *reply)
{
	const char *driver = bb_varlink_get_string(params, "driver");

	if (driver && !bb_valid_driver_name(driver)) {
		reply_invalid_argument(reply, "driver",
		                       "invalid driver name: expected 1 to %d of [A-Za-z0-9_-]",
		                       BB_DRIVER_NAME_MAX);
		return -EINVAL;
	}
	*ret = driver;
	return 0;
}

/* ---- Check's snapshots ------------------------------------------------------------------------
 */

#define SNAPSHOTS 8

struct snapshot {
	bool used;
	uint64_t read_ms;
	uint64_t generation;
	bb_lockdown lockdown;
	char *facts_json; /* device_to_json(&dev) as the wire has it: a reply embeds it as is */
	struct bb_device dev;
};

static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *snapshots; /* SNAPSHOTS of them, made on first use */
static size_t snapshot_next;
static atomic_uint_fast64_t facts_generation;

void facts_changing(void)
{
	atomic_fetch_add(&facts_generation, 1);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Copies the facts in use only: a device's arrays are mostly empty (tens of KiB in all). */
static void device_copy(struct bb_device *dst, const struct bb_device *src)
{
	memcpy(dst, src, offsetof(struct bb_device, group));
	memcpy(dst->group, src->group,
	       sizeof(src->group[0]) *
	           (src->n_group < BB_MAX_GROUP_MEMBERS ? src->n_group : BB_MAX_GROUP_MEMBERS));
	dst->n_net = src->n_net;
	memcpy(dst->net, src->net,
	       sizeof(src->net[0]) * (src->n_net < BB_MAX_CHILDREN ? src->n_net : BB_MAX_CHILDREN));
	dst->n_block = src->n_block;
	memcpy(dst->block, src->block,
	       sizeof(src->block[0]) *
	           (src->n_block < BB_MAX_CHILDREN ? src->n_block : BB_MAX_CHILDREN));
}

static bool snapshot_get(const bb_address *address, unsigned ttl_ms, struct bb_device *dev,
                         bb_lockdown *lockdown, char **facts_json)
{
	uint64_t now = mono_ms(), gen = atomic_load(&facts_generation);
	bool found = false;

	pthread_mutex_lock(&snapshot_lock);
	for (size_t i = 0; snapshots && i < SNAPSHOTS && !found; i++) {
		struct snapshot *e = &snapshots[i];

		if (!e->used || e->generation != gen || now - e->read_ms >= ttl_ms ||
		    !streq(e->dev.address.s, address->s))
			continue;
		device_copy(dev, &e->dev);
		*lockdown = e->lockdown;
		*facts_json = e->facts_json ? strdup(e->facts_json) : NULL;
		found = true;
	}
	pthread_mutex_unlock(&snapshot_lock);
	return found;
}

/* GEN and READ_MS: taken before the facts were read, so a change meanwhile makes it stale. */
static void snapshot_put(const struct bb_device *dev, bb_lockdown lockdown, uint64_t gen,
                         uint64_t read_ms)
{
	struct json_object *o = device_to_json(dev);
	struct snapshot *e = NULL;
	char *json = NULL;

	/* The same flags as bb_varlink_serialize: the bytes a fresh reply would carry. */
	if (o)
		json = strdup(json_object_to_json_string_ext(
		    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	pthread_mutex_lock(&snapshot_lock);
	if (!snapshots)
		snapshots = calloc(SNAPSHOTS, sizeof(*snapshots));
	for (size_t i = 0; snapshots && i < SNAPSHOTS && !e; i++)
		if (snapshots[i].used && streq(snapshots[i].dev.address.s, dev->address.s))
			e = &snapshots[i];
	if (snapshots && !e)
		e = &snapshots[snapshot_next++ % SNAPSHOTS];
	if (e && (!e->used || e->read_ms <= read_ms)) {
		e->used = true;
		e->read_ms = read_ms;
		e->generation = gen;
		e->lockdown = lockdown;
		free(e->facts_json);
		e->facts_json = TAKE_PTR(json);
		device_copy(&e->dev, dev);
	}
	pthread_mutex_unlock(&snapshot_lock);
	free(json);
}

/* ---- the device parameter ----------------------------------------------------------------------
 */

static int parse_device(struct json_object *params, bb_address *ret, BbReply *reply)
{
	int r = bb_address_parse(bb_varlink_get_string(params, "device"), ret);

	if (r < 0)
		reply_invalid_argument(reply, "device",
		                       "invalid device address: expected DDDD:BB:DD.F (hex)");
	return r;
}

/* PIN: when not NULL, the device is held there for the caller's later acts. */
static int read_device(BbDaemon *d, const bb_address *address, struct bb_pinned_device *pin,
                       struct bb_device *ret, BbReply *reply)
{
	int r;

	if (pin) {
		r = bb_pinned_device_open(d->sysfs, address, pin);
		if (r >= 0)
			r = bb_device_read_pinned(d->sysfs, pin, ret);
	} else
		r = bb_device_read(d->sysfs, address->s, ret);
	if (r == -ENODEV || r == -ENOENT) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "device", json_object_new_string(address->s));
		reply_error(reply, BB_BROKER_ERROR_NO_SUCH_DEVICE, o);
		return -ENODEV;
	}
	if (r < 0) {
		reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL, "reading %s: %s", address->s,
		                   strerror(-r));
		return r;
	}
	return 0;
}

int request_device(BbDaemon *d, struct json_object *params, struct bb_device *ret, BbReply *reply)
{
	bb_address address;
	int r = parse_device(params, &address, reply);

	return r < 0 ? r : read_device(d, &address, NULL, ret, reply);
}

int request_device_pinned(BbDaemon *d, struct json_object *params, struct bb_pinned_device *pin,
                          struct bb_device *ret, BbReply *reply)
{
	bb_address address;
	int r = parse_device(params, &address, reply);

	return r < 0 ? r : read_device(d, &address, pin, ret, reply);
}

int request_device_for_check(BbDaemon *d, struct json_object *params, struct bb_device *ret,
                             bb_lockdown *lockdown, char **facts_json, BbReply *reply)
{
	unsigned ttl = d->opts.limits.check_cache_ms;
	uint64_t gen = atomic_load(&facts_generation), now = mono_ms();
	bb_address address;
	int r;

	*facts_json = NULL;
	r = parse_device(params, &address, reply);
	if (r < 0)
		return r;
	if (ttl && snapshot_get(&address, ttl, ret, lockdown, facts_json))
		return 0;
	r = read_device(d, &address, NULL, ret, reply);
	if (r < 0)
		return r;
	r = bb_lockdown_read(d->sysfs, lockdown);
	if (r < 0) {
		reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL,
		                   "reading the lockdown posture: %s", strerror(-r));
		return r;
	}
	if (ttl)
		snapshot_put(ret, *lockdown, gen, now);
	return 0;
}
