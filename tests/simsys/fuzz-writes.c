/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: everything a writer can hand simsys. The input is a list of
 * writes, one per line, "<target> <bytes>": target c = .simsys/control, p =
 * drivers_probe, a = drivers_autoprobe, o = driver_override of a device, and
 * b/u/n/r = bind/unbind/new_id/remove_id of a driver (device and driver chosen
 * by the byte after the target). "\n" inside a value is written as "\\n".
 * The machine runs "stopped", so held and slow probes do not wait.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simsys-control.h"
#include "simsys-core.h"
#include "simsys-topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char machine_json[] =
    "{\"drivers\": ["
    " {\"name\": \"pcieport\", \"ids\": [{\"class\": \"060400\"}]},"
    " {\"name\": \"e1000e\", \"ids\": [{\"vendor\": \"8086\", \"device\": \"10d3\"}]},"
    " {\"name\": \"flaky\", \"probe\": \"fail\", \"ids\": [{\"vendor\": \"1af4\"}]},"
    " {\"name\": \"vfio-pci\", \"override_only\": true},"
    " {\"name\": \"later\", \"loaded\": false, \"ids\": [{\"vendor\": \"1af4\"}]}],"
    "\"devices\": ["
    " {\"address\": \"0000:00:01.0\", \"vendor\": \"8086\", \"device\": \"1901\", \"class\": "
    "\"060400\"},"
    " {\"address\": \"0000:01:00.0\", \"vendor\": \"8086\", \"device\": \"10d3\", \"class\": "
    "\"020000\","
    "  \"parent\": \"0000:00:01.0\", \"iommu_group\": 1, \"net\": [{\"name\": \"eth0\"}]},"
    " {\"address\": \"0000:02:00.0\", \"vendor\": \"1af4\", \"device\": \"1000\", \"class\": "
    "\"020000\"}]}";

/* Undoes the "\\n" escape in place; returns the new length. */
static size_t unescape(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && s[i + 1] == 'n') {
			s[o++] = '\n';
			i++;
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

static void one_write(struct sim_machine *m, char *line, size_t len)
{
	char err[512];
	struct sim_driver *drv;
	struct sim_device *d;
	char *value;
	size_t n;

	if (len < 3)
		return;
	value = line + 3;
	n = unescape(value, len - 3);
	drv = m->n_drivers ? m->drivers[(unsigned char)line[1] % m->n_drivers] : NULL;
	d = m->n_devices ? m->devices[(unsigned char)line[1] % m->n_devices] : NULL;
	switch (line[0]) {
	case 'c':
		sim_control_exec(m, value, n, err, sizeof(err));
		break;
	case 'p':
		sim_store_drivers_probe(m, value, n);
		break;
	case 'a':
		sim_store_drivers_autoprobe(m, value, n);
		break;
	case 'o':
		if (d)
			sim_store_driver_override(m, d, value, n);
		break;
	case 'b':
		if (drv && drv->loaded)
			sim_store_bind(m, drv, value, n);
		break;
	case 'u':
		if (drv && drv->loaded)
			sim_store_unbind(m, drv, value, n);
		break;
	case 'n':
		if (drv && drv->loaded)
			sim_store_new_id(m, drv, value, n);
		break;
	case 'r':
		if (drv && drv->loaded)
			sim_store_remove_id(m, drv, value, n);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_machine *m = NULL;
	char err[512], *copy;
	size_t start = 0, writes = 0;

	if (size > 65536)
		return 0;
	if (sim_topology_parse(machine_json, strlen(machine_json), &m, err, sizeof(err)) < 0)
		abort();
	copy = malloc(size + 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	pthread_mutex_lock(&m->lock);
	m->stopping = true; /* nothing may wait: there is no other thread to release it */
	sim_probe_all(m);
	for (size_t i = 0; i <= size && writes < 64; i++) {
		if (i == size || copy[i] == '\n') {
			one_write(m, copy + start, i - start);
			start = i + 1;
			writes++;
		}
	}
	/* Invariants: a bound driver is loaded; no device stays locked or half unbound. */
	for (size_t i = 0; i < m->n_devices; i++) {
		struct sim_device *d = m->devices[i];
		if (d->busy || d->unbinding || (d->driver && !d->driver->loaded))
			abort();
	}
	pthread_mutex_unlock(&m->lock);
	sim_machine_free(m);
	free(copy);
	return 0;
}
