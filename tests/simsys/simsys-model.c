/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-macro.h"
#include "simsys-model.h"

struct sim_machine *sim_machine_new(void)
{
	struct sim_machine *m = calloc(1, sizeof(*m));
	pthread_condattr_t ca;

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	/* Timed waits (slow probes) measure on the monotonic clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &ca);
	pthread_condattr_destroy(&ca);
	m->autoprobe = true;
	m->lockdown = SIM_LOCKDOWN_NONE;
	return m;
}

void sim_driver_free(struct sim_driver *drv)
{
	if (!drv)
		return;
	free(drv->name);
	free(drv->module);
	free(drv->ids);
	free(drv->dynids);
	free(drv);
}

void sim_block_clear(struct sim_block *b)
{
	free(b->name);
	for (size_t j = 0; j < b->n_mounts; j++)
		free(b->mounts[j]);
	free(b->mounts);
	for (size_t j = 0; j < b->n_parts; j++)
		sim_block_clear(&b->parts[j]);
	free(b->parts);
}

void sim_device_free(struct sim_device *d)
{
	if (!d)
		return;
	free(d->parent_address);
	for (size_t i = 0; i < d->n_net; i++)
		free(d->net[i].name);
	free(d->net);
	for (size_t i = 0; i < d->n_block; i++)
		sim_block_clear(&d->block[i]);
	free(d->block);
	free(d->override);
	sim_device_free(d->swap_in);
	free(d);
}

void sim_machine_free(struct sim_machine *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_devices; i++)
		sim_device_free(m->devices[i]);
	free(m->devices);
	for (size_t i = 0; i < m->n_graveyard; i++)
		sim_device_free(m->graveyard[i]);
	free(m->graveyard);
	for (size_t i = 0; i < m->n_drivers; i++)
		sim_driver_free(m->drivers[i]);
	free(m->drivers);
	free(m->log);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

struct sim_device *sim_find_device(const struct sim_machine *m, const char *address)
{
	for (size_t i = 0; i < m->n_devices; i++)
		if (streq(m->devices[i]->address, address))
			return m->devices[i];
	return NULL;
}

struct sim_driver *sim_find_driver(const struct sim_machine *m, const char *name)
{
	for (size_t i = 0; i < m->n_drivers; i++)
		if (streq(m->drivers[i]->name, name))
			return m->drivers[i];
	return NULL;
}

bool sim_module_loaded(const struct sim_machine *m, const char *module)
{
	for (size_t i = 0; i < m->n_drivers; i++)
		if (m->drivers[i]->loaded && streq(m->drivers[i]->module, module))
			return true;
	return false;
}

static int push_ptr(void ***arr, size_t *n, void *p)
{
	void **grown = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!grown)
		return -ENOMEM;
	grown[(*n)++] = p;
	*arr = grown;
	return 0;
}

int sim_machine_add_device(struct sim_machine *m, struct sim_device *d)
{
	if (m->n_devices >= SIM_MAX_DEVICES)
		return -E2BIG;
	return push_ptr((void ***)&m->devices, &m->n_devices, d);
}

int sim_machine_add_driver(struct sim_machine *m, struct sim_driver *drv)
{
	if (m->n_drivers >= SIM_MAX_DRIVERS)
		return -E2BIG;
	return push_ptr((void ***)&m->drivers, &m->n_drivers, drv);
}

void sim_machine_bury_device(struct sim_machine *m, struct sim_device *d)
{
	for (size_t i = 0; i < m->n_devices; i++) {
		if (m->devices[i] != d)
			continue;
		/* The graveyard grows first so a failed allocation leaves the device live. */
		if (push_ptr((void ***)&m->graveyard, &m->n_graveyard, d) < 0)
			return;
		memmove(&m->devices[i], &m->devices[i + 1],
		        (m->n_devices - i - 1) * sizeof(m->devices[0]));
		m->n_devices--;
		d->removed = true;
		return;
	}
}

void sim_machine_driver_to_end(struct sim_machine *m, struct sim_driver *drv)
{
	for (size_t i = 0; i < m->n_drivers; i++) {
		if (m->drivers[i] != drv)
			continue;
		memmove(&m->drivers[i], &m->drivers[i + 1],
		        (m->n_drivers - i - 1) * sizeof(m->drivers[0]));
		m->drivers[m->n_drivers - 1] = drv;
		return;
	}
}

/* A partition of DISK is DISK + N, or DISK + "p" + N when DISK ends in a digit (nvme0n1p2). */
bool sim_valid_partition_name(const char *name, const char *disk)
{
	size_t n = strlen(disk);
	const char *p = name + n;

	if (strncmp(name, disk, n) != 0)
		return false;
	if (n && disk[n - 1] >= '0' && disk[n - 1] <= '9') {
		if (*p != 'p')
			return false;
		p++;
	}
	if (!*p || *p == '0')
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return strlen(name) <= 31;
}

bool sim_device_is_bridge(const struct sim_device *d)
{
	return (d->class >> 8) == 0x0604;
}

const struct sim_driver *sim_device_linked_driver(const struct sim_device *d)
{
	return d->unbinding ? NULL : d->driver;
}

bool sim_device_is_vga(const struct sim_device *d)
{
	return (d->class >> 8) == 0x0300 || (d->class >> 8) == 0x0001;
}

int sim_machine_link_parents(struct sim_machine *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->n_devices; i++) {
		struct sim_device *d = m->devices[i], *p;

		d->parent = NULL;
		if (!d->parent_address)
			continue;
		p = sim_find_device(m, d->parent_address);
		if (!p) {
			snprintf(err, errlen, "devices[%zu].parent: unknown device %s", i,
			         d->parent_address);
			return -EINVAL;
		}
		if (!sim_device_is_bridge(p)) {
			snprintf(err, errlen,
			         "devices[%zu].parent: %s is not a PCI bridge (class %06x)", i,
			         p->address, p->class);
			return -EINVAL;
		}
		d->parent = p;
	}
	/* No cycles and a bounded depth: every chain must reach a root bus in time. */
	for (size_t i = 0; i < m->n_devices; i++) {
		unsigned depth = 0;
		for (struct sim_device *p = m->devices[i]->parent; p; p = p->parent) {
			if (++depth > SIM_MAX_DEPTH) {
				snprintf(err, errlen,
				         "devices[%zu].parent: chain deeper than %d or a cycle", i,
				         SIM_MAX_DEPTH);
				return -EINVAL;
			}
		}
	}
	return 0;
}

char *sim_log_escape(const char *value, size_t len)
{
	char *out = malloc(len * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (c == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (c < 0x20 || c >= 0x7f) {
			o += sprintf(o, "\\x%02x", c);
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	return out;
}

void sim_log_append(struct sim_machine *m, const char *what, int rc, const char *note)
{
	_cleanup_free_ char *safe_note = note ? sim_log_escape(note, strlen(note)) : NULL;
	char *line = NULL;
	int n = asprintf(&line, "%llu %s -> %d%s%s\n", (unsigned long long)++m->log_seq, what, rc,
	                 safe_note ? " # " : "", safe_note ? safe_note : "");
	char *grown;

	if (n < 0)
		return;
	/* Bounded: the oldest lines go first (seq numbers show the gap). */
	while (m->log_len && m->log_len + (size_t)n > SIM_LOG_MAX) {
		char *nl = memchr(m->log, '\n', m->log_len);
		size_t drop = nl ? (size_t)(nl - m->log) + 1 : m->log_len;
		memmove(m->log, m->log + drop, m->log_len - drop);
		m->log_len -= drop;
	}
	grown = realloc(m->log, m->log_len + (size_t)n + 1);
	if (!grown) {
		free(line);
		return;
	}
	memcpy(grown + m->log_len, line, (size_t)n + 1);
	m->log = grown;
	m->log_len += (size_t)n;
	free(line);
}

const char *sim_lockdown_text(enum sim_lockdown l)
{
	switch (l) {
	case SIM_LOCKDOWN_NONE:
		return "[none] integrity confidentiality\n";
	case SIM_LOCKDOWN_INTEGRITY:
		return "none [integrity] confidentiality\n";
	case SIM_LOCKDOWN_CONFIDENTIALITY:
		return "none integrity [confidentiality]\n";
	case SIM_LOCKDOWN_UNSUPPORTED:
		break;
	}
	return NULL;
}

int sim_lockdown_from_string(const char *s, enum sim_lockdown *ret)
{
	static const char *const names[] = {"none", "integrity", "confidentiality", "unsupported"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (streq(s, names[i])) {
			*ret = (enum sim_lockdown)i;
			return 0;
		}
	}
	return -EINVAL;
}
