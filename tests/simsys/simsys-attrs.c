/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-macro.h"
#include "simsys-attrs.h"

const char sim_control_help[] = "fail-probe DRIVER [COUNT]\n"
                                "slow-probe DRIVER MS\n"
                                "slow-unbind DRIVER MS\n"
                                "hold-probe DRIVER\n"
                                "release-probe DRIVER\n"
                                "load-module MOD\n"
                                "unload-module MOD\n"
                                "add-device {json}\n"
                                "remove-device BDF\n"
                                "swap-on-unbind BDF {json}\n"
                                "lockdown none|integrity|confidentiality\n";

/* A growing text buffer; on allocation failure it stays marked failed. */
struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

_printf_(2, 3) static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto fail;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->len + (size_t)n + 1) * 2;
		char *grown = realloc(t->buf, cap);
		if (!grown)
			goto fail;
		t->buf = grown;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
	return;
fail:
	t->failed = true;
}

/* /proc/net/route pads each line to 127 characters. */
static void add_padded(struct text *t, const char *line)
{
	add(t, "%-127s\n", line);
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

static void bus_range(const struct sim_machine *m, const struct sim_device *bridge,
                      unsigned *secondary, unsigned *subordinate)
{
	unsigned lo = 0x100, hi = 0;

	/* Every device below the bridge, at any depth, lies in [secondary, subordinate]. */
	for (size_t i = 0; i < m->n_devices; i++) {
		const struct sim_device *d = m->devices[i];
		for (const struct sim_device *p = d->parent; p; p = p->parent) {
			if (p != bridge)
				continue;
			if (d->parent == bridge && d->bus < lo)
				lo = d->bus;
			if (d->bus > hi)
				hi = d->bus;
			break;
		}
	}
	*secondary = lo == 0x100 ? 0 : lo;
	*subordinate = hi < *secondary ? *secondary : hi;
}

void sim_attr_config(const struct sim_machine *m, const struct sim_device *d,
                     unsigned char cfg[256])
{
	memset(cfg, 0, 256);
	put16(cfg + 0x00, d->vendor);
	put16(cfg + 0x02, d->device);
	put16(cfg + 0x04, 0x0006); /* command: memory space + bus master */
	cfg[0x08] = d->revision;
	cfg[0x09] = (unsigned char)(d->class & 0xff);
	cfg[0x0a] = (unsigned char)((d->class >> 8) & 0xff);
	cfg[0x0b] = (unsigned char)((d->class >> 16) & 0xff);
	if (sim_device_is_bridge(d)) {
		unsigned sec, sub;
		cfg[0x0e] = 0x01; /* type 1 header */
		bus_range(m, d, &sec, &sub);
		cfg[0x18] = (unsigned char)d->bus;
		cfg[0x19] = (unsigned char)sec;
		cfg[0x1a] = (unsigned char)sub;
	} else {
		cfg[0x0e] = 0x00;
		put16(cfg + 0x2c, d->subvendor);
		put16(cfg + 0x2e, d->subdevice);
	}
}

static void modalias(struct text *t, const struct sim_device *d)
{
	add(t, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", d->vendor, d->device, d->subvendor,
	    d->subdevice, (d->class >> 16) & 0xff, (d->class >> 8) & 0xff, d->class & 0xff);
}

static void render_route(struct sim_machine *m, struct text *t)
{
	char line[160];
	unsigned k = 0;

	add_padded(
	    t,
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
	for (size_t i = 0; i < m->n_devices; i++) {
		const struct sim_device *d = m->devices[i];
		for (size_t j = 0; j < d->n_net; j++, k++) {
			const char *ifn = d->net[j].name;
			/* 192.168.K.0/24 on each link, gateway .1 for the default route. */
			unsigned subnet = (k & 0xff) << 16 | 0xa8c0;
			if (d->net[j].default_route) {
				snprintf(line, sizeof(line),
				         "%s\t00000000\t%08X\t0003\t0\t0\t%u\t00000000\t0\t0\t0",
				         ifn, 0x01000000u | subnet, 100 + k);
				add_padded(t, line);
			}
			snprintf(line, sizeof(line),
			         "%s\t%08X\t00000000\t0001\t0\t0\t%u\t00FFFFFF\t0\t0\t0", ifn,
			         subnet, 100 + k);
			add_padded(t, line);
		}
	}
}

static void render_mounts(struct sim_machine *m, struct text *t)
{
	add(t, "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n");
	add(t, "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
	add(t, "tmpfs /run tmpfs rw,nosuid,nodev,size=1634048k,mode=755 0 0\n");
	for (size_t i = 0; i < m->n_devices; i++) {
		const struct sim_device *d = m->devices[i];
		for (size_t j = 0; j < d->n_block; j++)
			for (size_t p = 0; p <= d->block[j].n_parts; p++) {
				const struct sim_block *b =
				    p ? &d->block[j].parts[p - 1] : &d->block[j];
				for (size_t k = 0; k < b->n_mounts; k++)
					add(t, "/dev/%s %s ext4 rw,relatime 0 0\n", b->name,
					    b->mounts[k]);
			}
	}
}

static void render_swaps(struct sim_machine *m, struct text *t)
{
	add(t, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	for (size_t i = 0; i < m->n_devices; i++) {
		const struct sim_device *d = m->devices[i];
		for (size_t j = 0; j < d->n_block; j++)
			for (size_t p = 0; p <= d->block[j].n_parts; p++) {
				const struct sim_block *b =
				    p ? &d->block[j].parts[p - 1] : &d->block[j];
				char path[48];
				int len;
				if (!b->swap)
					continue;
				len = snprintf(path, sizeof(path), "/dev/%s", b->name);
				add(t, "%s%*s%s\t%lu\t%s%lu\t%s%d\n", path, len < 40 ? 40 - len : 1,
				    " ", "partition", 8388604UL, "\t", 0UL, "\t", -2);
			}
	}
}

static void render_uevent(struct text *t, const struct sim_device *d)
{
	if (sim_device_linked_driver(d))
		add(t, "DRIVER=%s\n", d->driver->name);
	add(t,
	    "PCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\nMODALIAS=",
	    d->class, d->vendor, d->device, d->subvendor, d->subdevice, d->address);
	modalias(t, d);
	add(t, "\n");
}

/* The trailing number of a partition name ("nvme0n1p2" -> 2). */
static unsigned partition_number(const char *name)
{
	size_t n = strlen(name);

	while (n && name[n - 1] >= '0' && name[n - 1] <= '9')
		n--;
	return (unsigned)strtoul(name + n, NULL, 10);
}

/* Made-up but stable numbers: nvme on 259 (blkext), others on 8 (sd), 16 minors a disk. */
static void render_blk_dev(struct text *t, const struct sim_device *d, size_t idx, size_t part)
{
	unsigned ctrl, ns;
	int end = 0;
	const char *name = d->block[idx].name;
	unsigned p = part ? partition_number(d->block[idx].parts[part - 1].name) : 0;

	if (sscanf(name, "nvme%un%u%n", &ctrl, &ns, &end) == 2 && name[end] == '\0')
		add(t, "259:%u\n", ((ctrl * 64 + ns) * 16 + p) & 0xfffff);
	else
		add(t, "8:%zu\n", (idx * 16 + p) & 0xfffff);
}

int sim_attr_render(struct sim_machine *m, const struct sim_node *node, char **ret, size_t *ret_len)
{
	const struct sim_device *d = node->dev;
	struct text t = {0};

	switch (node->what) {
	case F_VENDOR:
		add(&t, "0x%04x\n", d->vendor);
		break;
	case F_DEVICE:
		add(&t, "0x%04x\n", d->device);
		break;
	case F_SUBVENDOR:
		add(&t, "0x%04x\n", d->subvendor);
		break;
	case F_SUBDEVICE:
		add(&t, "0x%04x\n", d->subdevice);
		break;
	case F_CLASS:
		add(&t, "0x%06x\n", d->class);
		break;
	case F_REVISION:
		add(&t, "0x%02x\n", d->revision);
		break;
	case F_MODALIAS:
		modalias(&t, d);
		add(&t, "\n");
		break;
	case F_OVERRIDE:
		add(&t, "%s\n", d->override ? d->override : "(null)");
		break;
	case F_BOOT_VGA:
		add(&t, "%d\n", d->boot_vga ? 1 : 0);
		break;
	case F_NUMA:
		add(&t, "%d\n", d->numa_node);
		break;
	case F_CONFIG: {
		unsigned char *cfg = malloc(256);
		if (!cfg)
			return -ENOMEM;
		sim_attr_config(m, d, cfg);
		*ret = (char *)cfg;
		*ret_len = 256;
		return 0;
	}
	case F_IRQ:
		add(&t, "0\n");
		break;
	case F_RESOURCE:
		for (int i = 0; i < 13; i++)
			add(&t, "0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
		break;
	case F_UEVENT:
		render_uevent(&t, d);
		break;
	case F_NET_ADDRESS:
		add(&t, "02:%02x:%02x:%02x:%02x:%02zx\n", d->domain & 0xff, d->bus, d->slot,
		    d->func, node->idx & 0xff);
		break;
	case F_NET_OPERSTATE:
		add(&t, "up\n");
		break;
	case F_BLK_DEV:
		render_blk_dev(&t, d, node->idx, node->part);
		break;
	case F_PARTITION:
		add(&t, "%u\n", partition_number(d->block[node->idx].parts[node->part - 1].name));
		break;
	case F_AUTOPROBE:
		add(&t, "%d\n", m->autoprobe ? 1 : 0);
		break;
	case F_LOCKDOWN:
		add(&t, "%s", sim_lockdown_text(m->lockdown) ?: "");
		break;
	case F_REFCNT:
		add(&t, "0\n");
		break;
	case F_INITSTATE:
		add(&t, "live\n");
		break;
	case F_CONTROL:
		add(&t, "%s", sim_control_help);
		break;
	case F_LOG:
		add(&t, "%.*s", (int)m->log_len, m->log ? m->log : "");
		break;
	case F_ROUTE:
		render_route(m, &t);
		break;
	case F_MOUNTS:
		render_mounts(m, &t);
		break;
	case F_SWAPS:
		render_swaps(m, &t);
		break;
	default:
		return -EACCES; /* write-only attributes */
	}
	if (t.failed) {
		free(t.buf);
		return -ENOMEM;
	}
	if (!t.buf) {
		t.buf = strdup("");
		if (!t.buf)
			return -ENOMEM;
	}
	*ret = t.buf;
	*ret_len = t.len;
	return 0;
}
