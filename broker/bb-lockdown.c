/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "bb-lockdown.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "sysfs-path.h"

static const char *const words[] = {"none", "integrity", "confidentiality"};

const char *bb_lockdown_to_string(bb_lockdown l)
{
	switch (l) {
	case BB_LOCKDOWN_NONE:
		return "none";
	case BB_LOCKDOWN_INTEGRITY:
		return "integrity";
	case BB_LOCKDOWN_CONFIDENTIALITY:
		return "confidentiality";
	case BB_LOCKDOWN_UNSUPPORTED:
		break;
	}
	return "unsupported";
}

/*
 * The kernel prints every level it knows, in order, separated by one space,
 * the active one in brackets: "none [integrity] confidentiality\n". Anything
 * else is refused.
 */
int bb_lockdown_parse(const char *text, size_t len, bb_lockdown *ret)
{
	size_t pos = 0;
	int active = -1;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t wlen = strlen(words[i]);
		bool bracket = false;

		if (i > 0) {
			if (pos >= len || text[pos] != ' ')
				return log_error_errno(EBADMSG, "lockdown:1:%zu: expected a space",
				                       pos + 1);
			pos++;
		}
		if (pos < len && text[pos] == '[') {
			bracket = true;
			pos++;
		}
		if (len - pos < wlen || memcmp(text + pos, words[i], wlen) != 0)
			return log_error_errno(EBADMSG, "lockdown:1:%zu: expected \"%s\"", pos + 1,
			                       words[i]);
		pos += wlen;
		if (bracket) {
			if (pos >= len || text[pos] != ']')
				return log_error_errno(EBADMSG, "lockdown:1:%zu: expected \"]\"",
				                       pos + 1);
			pos++;
			if (active >= 0)
				return log_error_errno(
				    EBADMSG, "lockdown:1:%zu: two levels are active", pos);
			active = (int)i;
		}
	}
	if (pos != len)
		return log_error_errno(EBADMSG, "lockdown:1:%zu: unexpected text after the levels",
		                       pos + 1);
	if (active < 0)
		return log_error_errno(EBADMSG, "lockdown:1:1: no level is marked active");
	*ret = (bb_lockdown)(BB_LOCKDOWN_NONE + active);
	return 0;
}

int bb_lockdown_read(bb_sysfs *s, bb_lockdown *ret)
{
	char buf[128];
	_cleanup_close_ int fd = -1;
	int r, held = bb_sysfs_lockdown_fd(s);

	if (held >= 0)
		r = bb_pread_attr(held, buf, sizeof(buf)); /* opened at start: no lookups */
	else {
		fd = bb_open_anchor_at(bb_sysfs_root_fd(s), "kernel/security");
		if (fd >= 0)
			r = bb_sysfs_read_attr_at(fd, "lockdown", buf, sizeof(buf));
		else
			r = fd;
	}
	if (r == -ENOENT) {
		*ret = BB_LOCKDOWN_UNSUPPORTED;
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "Cannot read kernel/security/lockdown: %m");
	return bb_lockdown_parse(buf, (size_t)r, ret);
}
