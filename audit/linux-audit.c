/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AUDIT_USER_DEVICE records through libaudit, with strict values and a probed socket. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libaudit.h>

#include "bb-linux-audit.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "bb-validate.h"

#define AUDIT_MSG_MAX 2048

struct bb_audit {
	enum bb_audit_mode mode;
	int fd;
	bool available;
	int enabled;
};

static const char *const mode_names[] = {
    [BB_AUDIT_OFF] = "off",
    [BB_AUDIT_BEST_EFFORT] = "best-effort",
    [BB_AUDIT_REQUIRED] = "required",
};

static const char *const ops[] = {
    "bind", "release", "quarantine", "refuse", "table-install", "policy-reload",
};

int bb_audit_mode_from_string(const char *s)
{
	for (unsigned i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (s && streq(s, mode_names[i]))
			return (int)i;
	return -EINVAL;
}

const char *bb_audit_mode_to_string(enum bb_audit_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : NULL;
}

/* Errors that say "this kernel or namespace has no audit", as libvirt reads them. */
static bool no_audit_errno(int err)
{
	return err == EINVAL || err == EPROTONOSUPPORT || err == EAFNOSUPPORT ||
	       err == ECONNREFUSED;
}

/* Reads the status reply to our request: the kernel sends it from a thread, so wait a little. */
static int read_enabled(int fd)
{
	struct audit_reply rep;

	for (int tries = 0; tries < 10; tries++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		if (audit_get_reply(fd, &rep, GET_REPLY_NONBLOCKING, 0) <= 0)
			continue;
		if (rep.type == AUDIT_GET && rep.status)
			return (int)rep.status->enabled;
	}
	return -1;
}

int bb_audit_open(enum bb_audit_mode mode, struct bb_audit **ret)
{
	struct bb_audit *a;
	int err = 0, r;

	if (!bb_audit_mode_to_string(mode))
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->mode = mode;
	a->fd = -1;
	a->enabled = -1;
	if (mode == BB_AUDIT_OFF) {
		*ret = a;
		return 0;
	}

	a->fd = audit_open();
	if (a->fd < 0) {
		err = errno;
	} else {
		/* Opening works inside a user namespace too; only a request shows ECONNREFUSED. */
		r = audit_request_status(a->fd);
		if (r < 0 && r != -EPERM)
			err = -r;
		else if (r >= 0)
			a->enabled = read_enabled(a->fd);
	}

	if (err == 0) {
		a->available = true;
		if (a->enabled == 0)
			log_warning(
			    "audit: the kernel has audit disabled; records are dropped until"
			    " it is enabled (auditctl -e 1)");
	} else if (mode == BB_AUDIT_REQUIRED) {
		bb_audit_close(a);
		return log_error_errno(ENOTSUP, "audit required but unavailable: %s",
		                       strerror(err));
	} else {
		log_warning("audit: unavailable (%s)%s, continuing without", strerror(err),
		            no_audit_errno(err) ? "" : " for an unexpected reason");
		if (a->fd >= 0)
			audit_close(a->fd);
		a->fd = -1;
	}
	*ret = a;
	return 0;
}

void bb_audit_close(struct bb_audit *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		audit_close(a->fd);
	free(a);
}

bool bb_audit_available(const struct bb_audit *a)
{
	return a->available;
}

int bb_audit_kernel_enabled(const struct bb_audit *a)
{
	return a->enabled;
}

static bool charset(const char *s, size_t max, const char *extra)
{
	size_t len = strnlen(s, max + 1);

	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(extra, c)))
			return false;
	}
	return true;
}

static bool valid_ids(const char *s)
{
	if (strlen(s) != 9 || s[4] != ':')
		return false;
	for (int i = 0; i < 9; i++)
		if (i != 4 && !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

static bool valid_op(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (streq(s, ops[i]))
			return true;
	return false;
}

struct msg {
	char *buf;
	size_t size, pos;
	int err;
};

/* Adds " NAME=VALUE" with the value encoded by libaudit, after its charset check. */
static void add_string(struct msg *m, const char *name, const char *value, bool valid)
{
	_cleanup_free_ char *nv = NULL;
	int r;

	if (m->err || !value)
		return;
	if (!valid) {
		m->err = log_error_errno(EINVAL, "audit: %s= value rejected by its charset", name);
		return;
	}
	nv = audit_encode_nv_string(name, value, 0);
	if (!nv) {
		m->err = -ENOMEM;
		return;
	}
	r = snprintf(m->buf + m->pos, m->size - m->pos, "%s%s", m->pos ? " " : "", nv);
	if (r < 0 || (size_t)r >= m->size - m->pos)
		m->err = -ENOBUFS;
	else
		m->pos += (size_t)r;
}

/* Numbers are bare, as the kernel writes them: auparse then interprets suid=/sauid=. */
static void add_number(struct msg *m, const char *name, uint32_t value)
{
	int r;

	if (m->err)
		return;
	r = snprintf(m->buf + m->pos, m->size - m->pos, " %s=%" PRIu32, name, value);
	if (r < 0 || (size_t)r >= m->size - m->pos)
		m->err = -ENOBUFS;
	else
		m->pos += (size_t)r;
}

int bb_audit_format(const struct bb_audit_event *e, char *buf, size_t size)
{
	struct msg m = {.buf = buf, .size = size};

	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	if (!e->op || !valid_op(e->op))
		return log_error_errno(EINVAL, "audit: op= missing or not a known operation");
	/* op is a plain token from a fixed list; the kernel's own op= fields are bare too. */
	m.pos = (size_t)snprintf(buf, size, "op=%s", e->op);
	if (m.pos >= size)
		return -ENOBUFS;
	add_string(&m, "device", e->device, e->device && charset(e->device, 64, "._:-"));
	add_string(&m, "old-driver", e->old_driver,
	           e->old_driver && bb_valid_driver_name(e->old_driver));
	add_string(&m, "new-driver", e->new_driver,
	           e->new_driver && bb_valid_driver_name(e->new_driver));
	add_string(&m, "ids", e->vendor_device, e->vendor_device && valid_ids(e->vendor_device));
	add_string(&m, "table", e->table, e->table && charset(e->table, 128, "._:/@+-"));
	add_string(&m, "rule", e->rule, e->rule && charset(e->rule, 128, "._:/@+-"));
	add_string(&m, "reason", e->reason, e->reason && charset(e->reason, 64, "_-"));
	if (e->has_requester) {
		add_number(&m, "suid", e->req_uid);
		add_number(&m, "sauid", e->req_auid);
		add_number(&m, "spid", e->req_pid);
	}
	add_string(&m, "scontext", e->req_context,
	           e->req_context && charset(e->req_context, 255, "._:,-"));
	if (m.err)
		return m.err;
	return (int)m.pos;
}

int bb_audit_log(struct bb_audit *a, const struct bb_audit_event *e)
{
	char msg[AUDIT_MSG_MAX];
	int r, err;

	r = bb_audit_format(e, msg, sizeof(msg));
	if (r < 0)
		return r;
	if (a->mode == BB_AUDIT_OFF || !a->available)
		return 0;
	/* NULL host, address and terminal: libaudit fills hostname=? addr=? terminal=? and exe=. */
	r = audit_log_user_message(a->fd, AUDIT_USER_DEVICE, msg, NULL, NULL, NULL,
	                           e->success ? 1 : 0);
	if (r > 0)
		return 0;
	err = errno ? errno : EIO;
	if (a->mode == BB_AUDIT_REQUIRED)
		return log_error_errno(err, "audit: cannot send USER_DEVICE record: %m");
	log_warning_errno(err, "audit: cannot send USER_DEVICE record: %m");
	return 0;
}
