/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-fileio.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "bb-overrides.h"

static int parse_error(char *err, size_t errsize, int r, unsigned line, size_t col, const char *fmt,
                       ...) _printf_(6, 7);
static int parse_error(char *err, size_t errsize, int r, unsigned line, size_t col, const char *fmt,
                       ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (err && errsize)
		snprintf(err, errsize, "%s:%u:%zu: %s", BB_OVERRIDES_FILE, line, col, why);
	return r;
}

const struct bb_override_entry *bb_overrides_find(const struct bb_overrides *o, const char *address)
{
	bb_address a;

	if (bb_address_parse(address, &a) < 0)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (streq(o->entries[i].address.s, a.s))
			return &o->entries[i];
	return NULL;
}

int bb_overrides_parse(const char *text, size_t len, struct bb_overrides *ret, char *err,
                       size_t errsize)
{
	unsigned line = 0;
	size_t pos = 0;

	ret->n = 0;
	if (len > BB_OVERRIDES_MAX_SIZE)
		return parse_error(err, errsize, -E2BIG, 1, 1, "file larger than %d bytes",
		                   BB_OVERRIDES_MAX_SIZE);
	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t llen, dlen;
		char addr[BB_PCI_ADDRESS_LEN + 1], drv[BB_DRIVER_NAME_MAX + 1];
		struct bb_override_entry *e;

		line++;
		if (!nl)
			return parse_error(err, errsize, -EBADMSG, line, len - pos + 1,
			                   "line does not end in a newline");
		llen = (size_t)(nl - l);
		if (llen < BB_PCI_ADDRESS_LEN + 2)
			return parse_error(err, errsize, -EBADMSG, line, 1,
			                   "expected \"DDDD:BB:DD.F DRIVER\"");
		memcpy(addr, l, BB_PCI_ADDRESS_LEN);
		addr[BB_PCI_ADDRESS_LEN] = '\0';
		if (!bb_valid_pci_address(addr))
			return parse_error(err, errsize, -EBADMSG, line, 1,
			                   "invalid device address");
		for (size_t i = 0; i < BB_PCI_ADDRESS_LEN; i++)
			if (addr[i] >= 'A' && addr[i] <= 'F')
				return parse_error(err, errsize, -EBADMSG, line, i + 1,
				                   "device address must be lowercase");
		if (l[BB_PCI_ADDRESS_LEN] != ' ')
			return parse_error(err, errsize, -EBADMSG, line, BB_PCI_ADDRESS_LEN + 1,
			                   "expected one space after the address");
		dlen = llen - BB_PCI_ADDRESS_LEN - 1;
		if (dlen > BB_DRIVER_NAME_MAX)
			return parse_error(err, errsize, -EBADMSG, line, BB_PCI_ADDRESS_LEN + 2,
			                   "driver name longer than %d", BB_DRIVER_NAME_MAX);
		memcpy(drv, l + BB_PCI_ADDRESS_LEN + 1, dlen);
		drv[dlen] = '\0';
		if (memchr(l + BB_PCI_ADDRESS_LEN + 1, '\0', dlen) || !bb_valid_driver_name(drv))
			return parse_error(err, errsize, -EBADMSG, line, BB_PCI_ADDRESS_LEN + 2,
			                   "invalid driver name");
		if (bb_overrides_find(ret, addr))
			return parse_error(err, errsize, -EBADMSG, line, 1,
			                   "device %s listed twice", addr);
		if (ret->n == BB_OVERRIDES_MAX)
			return parse_error(err, errsize, -E2BIG, line, 1, "more than %d entries",
			                   BB_OVERRIDES_MAX);
		e = &ret->entries[ret->n++];
		memcpy(e->address.s, addr, sizeof(addr));
		memcpy(e->driver, drv, dlen + 1);
		pos += llen + 1;
	}
	return 0;
}

int bb_overrides_load(int state_dirfd, struct bb_overrides *ret, char *err, size_t errsize)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	ret->n = 0;
	r = bb_read_file_at(state_dirfd, BB_OVERRIDES_FILE, BB_OVERRIDES_MAX_SIZE, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		if (err && errsize)
			snprintf(err, errsize, "%s: %s", BB_OVERRIDES_FILE, strerror(-r));
		return r;
	}
	return bb_overrides_parse(text, len, ret, err, errsize);
}

int bb_overrides_save(int state_dirfd, const struct bb_overrides *o)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	const size_t line_max = BB_PCI_ADDRESS_LEN + 1 + BB_DRIVER_NAME_MAX + 1;

	text = malloc(o->n * line_max + 1);
	if (!text)
		return -ENOMEM;
	for (size_t i = 0; i < o->n; i++) {
		const struct bb_override_entry *e = &o->entries[i];

		if (!bb_valid_pci_address(e->address.s) || !bb_valid_driver_name(e->driver))
			return -EINVAL;
		len += (size_t)sprintf(text + len, "%s %s\n", e->address.s, e->driver);
	}
	return bb_write_file_atomic_at(state_dirfd, BB_OVERRIDES_FILE, text, len, 0644);
}

int bb_overrides_set(struct bb_overrides *o, const char *address, const char *driver)
{
	struct bb_override_entry *e;
	bb_address a;

	if (bb_address_parse(address, &a) < 0 || !bb_valid_driver_name(driver))
		return -EINVAL;
	e = (struct bb_override_entry *)bb_overrides_find(o, a.s);
	if (!e) {
		if (o->n == BB_OVERRIDES_MAX)
			return -E2BIG;
		e = &o->entries[o->n++];
		e->address = a;
	}
	strcpy(e->driver, driver);
	return 0;
}

int bb_overrides_remove(struct bb_overrides *o, const char *address)
{
	const struct bb_override_entry *e = bb_overrides_find(o, address);
	size_t i;

	if (!e)
		return -ENOENT;
	i = (size_t)(e - o->entries);
	memmove(&o->entries[i], &o->entries[i + 1], (o->n - i - 1) * sizeof(o->entries[0]));
	o->n--;
	return 0;
}

int bb_overrides_record(int state_dirfd, const char *address, const char *driver)
{
	_cleanup_free_ struct bb_overrides *o = malloc(sizeof(*o));
	char err[256];
	int r;

	if (!o)
		return -ENOMEM;
	r = bb_overrides_load(state_dirfd, o, err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "%s", err);
	r = bb_overrides_set(o, address, driver);
	if (r < 0)
		return r;
	return bb_overrides_save(state_dirfd, o);
}

int bb_overrides_forget(int state_dirfd, const char *address)
{
	_cleanup_free_ struct bb_overrides *o = malloc(sizeof(*o));
	char err[256];
	int r;

	if (!o)
		return -ENOMEM;
	r = bb_overrides_load(state_dirfd, o, err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "%s", err);
	r = bb_overrides_remove(o, address);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return bb_overrides_save(state_dirfd, o);
}
