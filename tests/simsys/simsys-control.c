/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-macro.h"
#include "bb-validate.h"
#include "simsys-control.h"
#include "simsys-core.h"
#include "simsys-topology.h"

_printf_(3, 4) static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Splits off the next space-separated word of *P (in place); NULL when none is left. */
static char *next_word(char **p)
{
	char *w = *p, *end;

	while (*w == ' ' || *w == '\t')
		w++;
	if (!*w)
		return NULL;
	end = w + strcspn(w, " \t");
	if (*end) {
		*end = '\0';
		*p = end + 1;
	} else {
		*p = end;
	}
	return w;
}

static const char *rest_of(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int parse_uint(const char *s, unsigned max, unsigned *ret)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static struct sim_driver *driver_arg(struct sim_machine *m, const char *name, char *err,
                                     size_t errlen)
{
	struct sim_driver *drv;

	if (!name) {
		refuse(err, errlen, "missing DRIVER");
		return NULL;
	}
	drv = bb_valid_driver_name(name) ? sim_find_driver(m, name) : NULL;
	if (!drv)
		refuse(err, errlen, "unknown driver \"%.64s\"", name);
	return drv;
}

static struct sim_device *device_arg(struct sim_machine *m, const char *bdf, char *err,
                                     size_t errlen)
{
	struct sim_device *d = bdf && bb_valid_pci_address(bdf) ? sim_find_device(m, bdf) : NULL;

	if (!d)
		refuse(err, errlen, "unknown device \"%.32s\"", bdf ? bdf : "");
	return d;
}

int sim_control_exec(struct sim_machine *m, const char *buf, size_t len, char *err, size_t errlen)
{
	_cleanup_free_ char *line = NULL;
	char *p, *cmd, *a1, *a2;
	struct sim_driver *drv;
	struct sim_device *d;
	unsigned n;
	int r;

	err[0] = '\0';
	if (len > SIM_CONTROL_MAX)
		return refuse(err, errlen, "command longer than %d bytes", SIM_CONTROL_MAX);
	line = strndup(buf, len);
	if (!line)
		return -ENOMEM;
	if (strlen(line) != len)
		return refuse(err, errlen, "command contains a NUL byte");
	if (len && line[len - 1] == '\n')
		line[len - 1] = '\0';
	p = line;
	cmd = next_word(&p);
	if (!cmd)
		return refuse(err, errlen, "empty command");

	if (streq(cmd, "fail-probe")) {
		drv = driver_arg(m, next_word(&p), err, errlen);
		if (!drv)
			return -EINVAL;
		a2 = next_word(&p);
		n = 1;
		if (a2 && parse_uint(a2, 1000000, &n) < 0)
			return refuse(err, errlen, "COUNT: expected 0..1000000, got \"%.32s\"", a2);
		if (next_word(&p))
			return refuse(err, errlen, "trailing arguments");
		drv->fail_probes = n;
		return 0;
	}
	if (streq(cmd, "slow-probe") || streq(cmd, "slow-unbind")) {
		drv = driver_arg(m, next_word(&p), err, errlen);
		if (!drv)
			return -EINVAL;
		a2 = next_word(&p);
		if (parse_uint(a2, 600000, &n) < 0)
			return refuse(err, errlen, "MS: expected 0..600000, got \"%.32s\"",
			              a2 ? a2 : "");
		if (next_word(&p))
			return refuse(err, errlen, "trailing arguments");
		if (cmd[5] == 'p')
			drv->slow_probe_ms = n;
		else
			drv->slow_unbind_ms = n;
		return 0;
	}
	if (streq(cmd, "hold-probe") || streq(cmd, "release-probe")) {
		drv = driver_arg(m, next_word(&p), err, errlen);
		if (!drv)
			return -EINVAL;
		if (next_word(&p))
			return refuse(err, errlen, "trailing arguments");
		drv->hold_probe = cmd[0] == 'h';
		pthread_cond_broadcast(&m->cond);
		return 0;
	}
	if (streq(cmd, "load-module") || streq(cmd, "unload-module")) {
		a1 = next_word(&p);
		if (!a1 || !bb_valid_driver_name(a1))
			return refuse(err, errlen, "MOD: expected a module name");
		if (next_word(&p))
			return refuse(err, errlen, "trailing arguments");
		r = cmd[0] == 'l' ? sim_load_module(m, a1) : sim_unload_module(m, a1);
		if (r == -ENOENT)
			return refuse(err, errlen, "no driver of the topology is in module %s", a1);
		return r < 0 ? refuse(err, errlen, "%s", strerror(-r)) : 0;
	}
	if (streq(cmd, "add-device")) {
		const char *json = rest_of(p);
		char inner[400];

		r = sim_topology_parse_device(json, strlen(json), "add-device", m, NULL, &d, inner,
		                              sizeof(inner));
		if (r < 0)
			return refuse(err, errlen, "%s", r == -EINVAL ? inner : strerror(-r));
		r = sim_hotadd_device(m, d, inner, sizeof(inner));
		return r < 0 ? refuse(err, errlen, "%s", inner) : 0;
	}
	if (streq(cmd, "remove-device")) {
		d = device_arg(m, next_word(&p), err, errlen);
		if (!d)
			return -EINVAL;
		if (next_word(&p))
			return refuse(err, errlen, "trailing arguments");
		r = sim_remove_device(m, d);
		return r < 0 ? refuse(err, errlen, "%s", strerror(-r)) : 0;
	}
	if (streq(cmd, "swap-on-unbind")) {
		const char *json;
		struct sim_device *replacement = NULL;
		char inner[400];

		d = device_arg(m, next_word(&p), err, errlen);
		if (!d)
			return -EINVAL;
		json = rest_of(p);
		r = sim_topology_parse_device(json, strlen(json), "swap-on-unbind", m, d,
		                              &replacement, inner, sizeof(inner));
		if (r < 0)
			return refuse(err, errlen, "%s", r == -EINVAL ? inner : strerror(-r));
		if (replacement->parent_address) {
			struct sim_device *parent = sim_find_device(m, replacement->parent_address);
			if (!parent || !sim_device_is_bridge(parent) || parent == d) {
				sim_device_free(replacement);
				return refuse(err, errlen,
				              "swap-on-unbind.parent: %s is not a bridge "
				              "of this machine",
				              d->parent_address ? d->parent_address : "?");
			}
			replacement->parent = parent;
		}
		return sim_arm_swap(m, d, replacement);
	}
	if (streq(cmd, "lockdown")) {
		enum sim_lockdown l;

		a1 = next_word(&p);
		if (!a1 || sim_lockdown_from_string(a1, &l) < 0 || l == SIM_LOCKDOWN_UNSUPPORTED)
			return refuse(err, errlen,
			              "expected lockdown none|integrity|confidentiality");
		if (next_word(&p))
			return refuse(err, errlen, "trailing arguments");
		m->lockdown = l;
		return 0;
	}
	return refuse(err, errlen, "unknown command \"%.32s\" (read .simsys/control for the list)",
	              cmd);
}
