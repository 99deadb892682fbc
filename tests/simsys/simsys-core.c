/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Modelled on drivers/pci/pci-driver.c and drivers/base/{bus,dd}.c: the order of
 * checks and the error codes follow the kernel's store handlers, so a program
 * that works here meets the same answers on a real machine.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bb-macro.h"
#include "simsys-core.h"

/* ---- matching ---------------------------------------------------------------------------- */

bool sim_id_matches(const struct sim_id *id, const struct sim_device *d)
{
	return (id->vendor == SIM_ANY || id->vendor == d->vendor) &&
	       (id->device == SIM_ANY || id->device == d->device) &&
	       (id->subvendor == SIM_ANY || id->subvendor == d->subvendor) &&
	       (id->subdevice == SIM_ANY || id->subdevice == d->subdevice) &&
	       !((id->class ^ d->class) & id->class_mask);
}

bool sim_driver_matches(const struct sim_driver *drv, const struct sim_device *d)
{
	if (!drv->loaded)
		return false;
	/* With an override only that driver may bind, and the kernel then hands it
	 * pci_device_id_any when none of its ids fit: the probe decides. */
	if (d->override)
		return streq(d->override, drv->name);
	for (size_t i = 0; i < drv->n_dynids; i++)
		if (sim_id_matches(&drv->dynids[i], d))
			return true;
	if (drv->override_only)
		return false;
	for (size_t i = 0; i < drv->n_ids; i++)
		if (sim_id_matches(&drv->ids[i], d))
			return true;
	return false;
}

/* ---- waiting with the lock dropped -------------------------------------------------------- */

static bool should_stop(struct sim_machine *m)
{
	if (!m->stopping && m->stop_check && m->stop_check(m->stop_userdata)) {
		m->stopping = true;
		pthread_cond_broadcast(&m->cond);
	}
	return m->stopping;
}

static struct timespec after_ms(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * Waits on m->cond (dropping the lock) for at most 200 ms, so that long waits
 * notice an unmount: FUSE worker threads cannot be cancelled while they work.
 */
static void wait_slice(struct sim_machine *m, const struct timespec *deadline)
{
	struct timespec slice = after_ms(200);

	if (deadline && before(deadline, &slice))
		slice = *deadline;
	pthread_cond_timedwait(&m->cond, &m->lock, &slice);
}

static void wait_ms(struct sim_machine *m, unsigned ms)
{
	struct timespec deadline = after_ms(ms), now;

	while (!should_stop(m)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!before(&now, &deadline))
			break;
		wait_slice(m, &deadline);
	}
}

/* device_lock: waits until no probe or unbind runs on D. -ENODEV once D is gone. */
static int device_lock(struct sim_machine *m, struct sim_device *d)
{
	while (d->busy && !d->removed)
		wait_slice(m, NULL);
	if (d->removed)
		return -ENODEV;
	d->busy = true;
	return 0;
}

static void device_unlock(struct sim_machine *m, struct sim_device *d)
{
	d->busy = false;
	pthread_cond_broadcast(&m->cond);
}

/* ---- probe and release --------------------------------------------------------------------- */

/*
 * really_probe, with D locked and unbound. Like the kernel it sets dev->driver
 * (and so the driver link) before calling probe, and clears it if probe fails.
 */
/*
 * The probe of vfio-pci-core drivers (vfio-pci and every variant; in the model the
 * override_only drivers) refuses what vfio_pci_core_register_device refuses: a
 * device whose config header is not type 0 (PCI-to-PCI 0x0604, CardBus 0x0607 and
 * semi-transparent 0x0609 bridges). vfio-pci itself also refuses its deny-list
 * (vfio_pci_dev_in_denylist in drivers/vfio/pci/vfio_pci.c). Found by tests/vm.
 */
static bool vfio_probe_refuses(const struct sim_driver *drv, const struct sim_device *d)
{
	static const uint16_t intel_denylist[] = {
		0x0435, 0x0443, /* QAT DH895XCC and its VF */
		0x19e2, 0x19e3, /* QAT C3XXX and its VF */
		0x37c8, 0x37c9, /* QAT C62X and its VF */
		0x0b25,		/* DSA, Sapphire Rapids */
		0x0cfe,		/* IAA, Sapphire Rapids */
	};
	uint32_t base_sub = d->class >> 8;

	if (!drv->override_only)
		return false;
	if (base_sub == 0x0604 || base_sub == 0x0607 || base_sub == 0x0609)
		return true;
	if (strcmp(drv->name, "vfio-pci") != 0 || d->vendor != 0x8086)
		return false;
	for (size_t i = 0; i < sizeof(intel_denylist) / sizeof(intel_denylist[0]); i++)
		if (d->device == intel_denylist[i])
			return true;
	return false;
}

static int really_probe(struct sim_machine *m, struct sim_driver *drv, struct sim_device *d)
{
	bool fail = drv->probe == SIM_PROBE_FAIL;
	unsigned delay = drv->slow_probe_ms + (drv->probe == SIM_PROBE_SLOW ? drv->probe_ms : 0);

	if (drv->fail_probes > 0) {
		drv->fail_probes--;
		fail = true;
	}
	d->driver = drv;
	pthread_cond_broadcast(&m->cond);
	while (drv->hold_probe && !should_stop(m))
		wait_slice(m, NULL);
	if (delay)
		wait_ms(m, delay);
	if (fail || vfio_probe_refuses(drv, d)) {
		d->driver = NULL;
		pthread_cond_broadcast(&m->cond);
		return fail ? -ENODEV : -EINVAL;
	}
	return 0;
}

int sim_device_attach(struct sim_machine *m, struct sim_device *d)
{
	_cleanup_free_ struct sim_driver **snapshot = NULL;
	size_t n;
	int r;

	r = device_lock(m, d);
	if (r < 0)
		return r;
	if (d->driver) {
		device_unlock(m, d);
		return 1;
	}
	/* The driver list may change while a probe waits; walk a copy (drivers are never freed). */
	n = m->n_drivers;
	snapshot = calloc(n ? n : 1, sizeof(*snapshot));
	if (!snapshot) {
		device_unlock(m, d);
		return -ENOMEM;
	}
	if (n)
		memcpy(snapshot, m->drivers, n * sizeof(*snapshot));
	for (size_t i = 0; i < n; i++) {
		if (!sim_driver_matches(snapshot[i], d))
			continue;
		if (really_probe(m, snapshot[i], d) == 0) {
			device_unlock(m, d);
			return 1;
		}
	}
	device_unlock(m, d);
	return 0;
}

void sim_probe_all(struct sim_machine *m)
{
	/* Index-based: attach may drop the lock and devices may come and go meanwhile. */
	for (size_t i = 0; i < m->n_devices; i++)
		if (!m->devices[i]->driver)
			(void)sim_device_attach(m, m->devices[i]);
}

/* driver_attach: offers DRV every live unbound device it matches. */
static void driver_attach(struct sim_machine *m, struct sim_driver *drv)
{
	for (size_t i = 0; i < m->n_devices; i++) {
		struct sim_device *d = m->devices[i];

		if (d->driver || !sim_driver_matches(drv, d))
			continue;
		if (device_lock(m, d) < 0)
			continue;
		if (!d->driver && sim_driver_matches(drv, d))
			(void)really_probe(m, drv, d);
		device_unlock(m, d);
	}
}

static void replace_device(struct sim_machine *m, struct sim_device *old, struct sim_device *new)
{
	for (size_t i = 0; i < m->n_devices; i++) {
		if (m->devices[i] != old)
			continue;
		/* Put the old one in the graveyard (appends), then take over its slot. */
		sim_machine_bury_device(m, old);
		if (!old->removed)
			return; /* out of memory: keep the old device */
		memmove(&m->devices[i + 1], &m->devices[i],
		        (m->n_devices - i) * sizeof(m->devices[0]));
		m->devices[i] = new;
		m->n_devices++;
		for (size_t j = 0; j < m->n_devices; j++)
			if (m->devices[j]->parent == old)
				m->devices[j]->parent = new;
		return;
	}
}

/*
 * __device_release_driver with D locked: driver_sysfs_remove() takes the links away
 * first, remove() runs, and only then is dev->driver cleared. So during a slow unbind
 * the links are gone while drivers_probe (which looks at dev->driver) still finds
 * the device bound and returns without probing.
 */
static void release_driver(struct sim_machine *m, struct sim_device *d, bool with_delay)
{
	struct sim_driver *drv = d->driver;

	if (!drv)
		return;
	d->unbinding = true;
	pthread_cond_broadcast(&m->cond);
	if (with_delay && drv->slow_unbind_ms)
		wait_ms(m, drv->slow_unbind_ms);
	d->driver = NULL;
	d->unbinding = false;
	pthread_cond_broadcast(&m->cond);
}

/* ---- store handlers ----------------------------------------------------------------------- */

/* kernfs hands store() a NUL-terminated copy of at most a page. */
static char *store_copy(const char *buf, size_t len)
{
	char *s;

	if (len > SIM_PAGE_SIZE)
		len = SIM_PAGE_SIZE;
	s = malloc(len + 1);
	if (!s)
		return NULL;
	memcpy(s, buf, len);
	s[len] = '\0';
	return s;
}

/* sysfs_streq: equal, or equal but for one trailing newline on either side. */
static bool sysfs_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	if (*s1 == '\n' && !s1[1] && !*s2)
		return true;
	return false;
}

/* bus_find_device_by_name. */
static struct sim_device *find_by_name(struct sim_machine *m, const char *buf)
{
	for (size_t i = 0; i < m->n_devices; i++)
		if (sysfs_streq(m->devices[i]->address, buf))
			return m->devices[i];
	return NULL;
}

int sim_store_drivers_probe(struct sim_machine *m, const char *buf, size_t len)
{
	_cleanup_free_ char *s = store_copy(buf, len);
	struct sim_device *d;
	int r;

	if (!s)
		return -ENOMEM;
	d = find_by_name(m, s);
	if (!d)
		return -ENODEV;
	/* bus_rescan_devices_helper: "no driver took it" is not an error. */
	if (!d->driver) {
		r = sim_device_attach(m, d);
		if (r < 0)
			return r;
	}
	return 0;
}

int sim_store_drivers_autoprobe(struct sim_machine *m, const char *buf, size_t len)
{
	m->autoprobe = !(len > 0 && buf[0] == '0');
	return 0;
}

int sim_store_bind(struct sim_machine *m, struct sim_driver *drv, const char *buf, size_t len)
{
	_cleanup_free_ char *s = store_copy(buf, len);
	struct sim_device *d;
	int r;

	if (!s)
		return -ENOMEM;
	d = find_by_name(m, s);
	if (!d || !sim_driver_matches(drv, d))
		return -ENODEV;
	r = device_lock(m, d);
	if (r < 0)
		return r;
	if (d->driver)
		r = -EBUSY;
	else
		r = really_probe(m, drv, d);
	device_unlock(m, d);
	return r;
}

int sim_store_unbind(struct sim_machine *m, struct sim_driver *drv, const char *buf, size_t len)
{
	_cleanup_free_ char *s = store_copy(buf, len);
	struct sim_device *d, *replacement;
	int r;

	if (!s)
		return -ENOMEM;
	d = find_by_name(m, s);
	if (!d || d->driver != drv)
		return -ENODEV;
	r = device_lock(m, d);
	if (r < 0)
		return r;
	/* A probe that was running may have failed meanwhile: then there is nothing to do. */
	if (d->driver == drv)
		release_driver(m, d, true);
	device_unlock(m, d);

	replacement = TAKE_PTR(d->swap_in);
	if (replacement && !d->removed) {
		replace_device(m, d, replacement);
		if (!d->removed) {
			sim_device_free(replacement);
			return 0;
		}
		pthread_cond_broadcast(&m->cond);
		/* pci_bus_add_device attaches a new PCI device whatever drivers_autoprobe says. */
		(void)sim_device_attach(m, replacement);
	} else {
		sim_device_free(replacement);
	}
	return 0;
}

/*
 * The kernel's sscanf("%x %x ...") as new_id/remove_id use it: counts the fields
 * that parsed, stopping at the first that does not.
 */
static int scan_hex_fields(const char *s, uint64_t *out, int max)
{
	int n = 0;

	while (n < max) {
		uint64_t v = 0;
		int digits = 0;

		while (isspace((unsigned char)*s))
			s++;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2]))
			s += 2;
		while (isxdigit((unsigned char)*s)) {
			int c = tolower((unsigned char)*s);
			v = (v << 4) | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
			digits++;
			s++;
		}
		if (!digits)
			break;
		out[n++] = v;
	}
	return n;
}

int sim_store_new_id(struct sim_machine *m, struct sim_driver *drv, const char *buf, size_t len)
{
	_cleanup_free_ char *s = store_copy(buf, len);
	uint64_t f[7] = {0, 0, SIM_ANY, SIM_ANY, 0, 0, 0};
	struct sim_id id;
	struct sim_id *grown;
	int fields;

	if (!s)
		return -ENOMEM;
	fields = scan_hex_fields(s, f, 7);
	if (fields < 2)
		return -EINVAL;
	id = (struct sim_id){(uint32_t)f[0], (uint32_t)f[1], (uint32_t)f[2],
	                     (uint32_t)f[3], (uint32_t)f[4], (uint32_t)f[5]};
	if (fields != 7) {
		/* A dummy device with these ids: if the driver already matches it, EEXIST. */
		struct sim_device dummy = {
		    .vendor = (uint16_t)id.vendor,
		    .device = (uint16_t)id.device,
		    .subvendor = (uint16_t)id.subvendor,
		    .subdevice = (uint16_t)id.subdevice,
		    .class = id.class,
		};
		if (sim_driver_matches(drv, &dummy))
			return -EEXIST;
	}
	/* driver_data must equal one of the static entries' (all 0 here) when a table exists. */
	if (drv->n_ids > 0 && f[6] != 0)
		return -EINVAL;
	if (drv->n_dynids >= SIM_MAX_DYNIDS)
		return -ENOSPC;
	grown = realloc(drv->dynids, (drv->n_dynids + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	grown[drv->n_dynids++] = id;
	drv->dynids = grown;
	/* pci_add_dynid calls driver_attach whatever drivers_autoprobe says. */
	driver_attach(m, drv);
	return 0;
}

int sim_store_remove_id(struct sim_machine *m, struct sim_driver *drv, const char *buf, size_t len)
{
	_cleanup_free_ char *s = store_copy(buf, len);
	uint64_t f[6] = {0, 0, SIM_ANY, SIM_ANY, 0, 0};
	uint32_t vendor, device, subvendor, subdevice, class, class_mask;

	(void)m;
	if (!s)
		return -ENOMEM;
	if (scan_hex_fields(s, f, 6) < 2)
		return -EINVAL;
	vendor = (uint32_t)f[0];
	device = (uint32_t)f[1];
	subvendor = (uint32_t)f[2];
	subdevice = (uint32_t)f[3];
	class = (uint32_t)f[4];
	class_mask = (uint32_t)f[5];
	for (size_t i = 0; i < drv->n_dynids; i++) {
		const struct sim_id *id = &drv->dynids[i];

		if (id->vendor == vendor && id->device == device &&
		    (subvendor == SIM_ANY || id->subvendor == subvendor) &&
		    (subdevice == SIM_ANY || id->subdevice == subdevice) &&
		    !((id->class ^ class) & class_mask)) {
			memmove(&drv->dynids[i], &drv->dynids[i + 1],
			        (drv->n_dynids - i - 1) * sizeof(*id));
			drv->n_dynids--;
			return 0;
		}
	}
	return -ENODEV;
}

int sim_store_driver_override(struct sim_machine *m, struct sim_device *d, const char *buf,
                              size_t len)
{
	_cleanup_free_ char *s = NULL;
	char *nl, *old;
	int r;

	/* driver_set_override keeps one byte for show()'s newline. */
	if (len >= SIM_PAGE_SIZE - 1)
		return -EINVAL;
	s = store_copy(buf, len);
	if (!s)
		return -ENOMEM;
	nl = strchr(s, '\n');
	r = device_lock(m, d);
	if (r < 0)
		return r;
	old = d->override;
	if (s[0] == '\0' || nl == s) {
		d->override = NULL; /* "" or "\n" clears */
	} else {
		if (nl)
			*nl = '\0';
		d->override = TAKE_PTR(s);
	}
	device_unlock(m, d);
	free(old);
	return 0;
}

int sim_store_lockdown(struct sim_machine *m, const char *buf, size_t len)
{
	_cleanup_free_ char *s = store_copy(buf, len);
	enum sim_lockdown level;
	char *start, *end;

	if (!s)
		return -ENOMEM;
	/* strim() */
	for (start = s; isspace((unsigned char)*start); start++)
		;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (sim_lockdown_from_string(start, &level) < 0 || level == SIM_LOCKDOWN_UNSUPPORTED)
		return -EINVAL;
	if (m->lockdown >= level)
		return -EPERM;
	m->lockdown = level;
	return 0;
}

/* ---- events from the control file --------------------------------------------------------- */

int sim_load_module(struct sim_machine *m, const char *module)
{
	_cleanup_free_ struct sim_driver **loaded = calloc(m->n_drivers + 1, sizeof(*loaded));
	size_t n = 0, known = 0;

	if (!loaded)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_drivers; i++) {
		struct sim_driver *drv = m->drivers[i];

		if (!streq(drv->module, module))
			continue;
		known++;
		if (!drv->loaded)
			loaded[n++] = drv;
	}
	if (!known)
		return -ENOENT;
	/* driver_register: appended to the bus's driver list, then attached if autoprobe. */
	for (size_t i = 0; i < n; i++) {
		loaded[i]->loaded = true;
		sim_machine_driver_to_end(m, loaded[i]);
	}
	pthread_cond_broadcast(&m->cond);
	if (m->autoprobe)
		for (size_t i = 0; i < n; i++)
			driver_attach(m, loaded[i]);
	return 0;
}

int sim_unload_module(struct sim_machine *m, const char *module)
{
	size_t known = 0;

	for (size_t i = 0; i < m->n_drivers; i++) {
		struct sim_driver *drv = m->drivers[i];

		if (!streq(drv->module, module))
			continue;
		known++;
		if (!drv->loaded)
			continue;
		/* Off the bus list first, so nothing new matches; then detach what it holds. */
		drv->loaded = false;
		for (;;) {
			struct sim_device *d = NULL;

			for (size_t j = 0; j < m->n_devices && !d; j++)
				if (m->devices[j]->driver == drv)
					d = m->devices[j];
			if (!d)
				break;
			if (device_lock(m, d) < 0)
				continue;
			if (d->driver == drv)
				release_driver(m, d, false);
			device_unlock(m, d);
		}
		free(drv->dynids);
		drv->dynids = NULL;
		drv->n_dynids = 0;
		drv->fail_probes = 0;
		drv->hold_probe = false;
	}
	pthread_cond_broadcast(&m->cond);
	return known ? 0 : -ENOENT;
}

int sim_hotadd_device(struct sim_machine *m, struct sim_device *d, char *err, size_t errlen)
{
	struct sim_device *p = NULL;
	unsigned depth = 0;
	int r;

	if (sim_find_device(m, d->address)) {
		snprintf(err, errlen, "device %s already exists", d->address);
		sim_device_free(d);
		return -EEXIST;
	}
	if (d->parent_address) {
		p = sim_find_device(m, d->parent_address);
		if (!p || !sim_device_is_bridge(p)) {
			snprintf(err, errlen, "parent: %s is %s", d->parent_address,
			         p ? "not a PCI bridge" : "unknown");
			sim_device_free(d);
			return -EINVAL;
		}
		for (struct sim_device *q = p; q; q = q->parent)
			depth++;
		if (depth >= SIM_MAX_DEPTH) {
			snprintf(err, errlen, "parent: nesting deeper than %d", SIM_MAX_DEPTH);
			sim_device_free(d);
			return -EINVAL;
		}
	}
	d->parent = p;
	r = sim_machine_add_device(m, d);
	if (r < 0) {
		snprintf(err, errlen, "cannot add device: %s", strerror(-r));
		sim_device_free(d);
		return r;
	}
	pthread_cond_broadcast(&m->cond);
	/*
	 * pci_bus_add_device calls device_attach itself, whatever drivers_autoprobe says:
	 * on PCI the flag only holds back newly registered drivers (found by tests/vm).
	 */
	(void)sim_device_attach(m, d);
	return 0;
}

int sim_remove_device(struct sim_machine *m, struct sim_device *d)
{
	int r;

	/* Children first, as pci_stop_and_remove_bus_device walks the subtree. */
	for (;;) {
		struct sim_device *child = NULL;

		for (size_t i = 0; i < m->n_devices && !child; i++)
			if (m->devices[i]->parent == d)
				child = m->devices[i];
		if (!child)
			break;
		r = sim_remove_device(m, child);
		if (r < 0)
			return r;
	}
	r = device_lock(m, d);
	if (r < 0)
		return r;
	release_driver(m, d, false);
	sim_machine_bury_device(m, d);
	device_unlock(m, d);
	return d->removed ? 0 : -ENOMEM;
}

int sim_arm_swap(struct sim_machine *m, struct sim_device *d, struct sim_device *replacement)
{
	(void)m;
	sim_device_free(d->swap_in);
	d->swap_in = replacement;
	return 0;
}

void sim_machine_stop(struct sim_machine *m)
{
	m->stopping = true;
	pthread_cond_broadcast(&m->cond);
}
