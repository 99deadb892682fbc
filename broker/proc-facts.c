/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "bb-fileio.h"
#include "bb-macro.h"
#include "proc-facts.h"

#define FIELD_MAX 256

/* Copies the next whitespace-separated field of the line at *P into BUF; false at end of line. */
static bool next_field(const char **p, char *buf, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '\n')
		return false;
	while (*s && *s != ' ' && *s != '\t' && *s != '\n') {
		if (n + 1 < size)
			buf[n++] = *s;
		s++;
	}
	buf[n] = '\0';
	*p = s;
	return true;
}

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');
	return nl ? nl + 1 : NULL;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

bool bb_dev_path_is_block(const char *devpath, const char *name)
{
	size_t n = strlen(name);
	const char *base;

	if (strncmp(devpath, "/dev/", 5) != 0)
		return false;
	base = strrchr(devpath, '/') + 1;
	if (strncmp(base, name, n) != 0)
		return false;
	base += n;
	if (*base == '\0')
		return true;
	/* sda1, or nvme0n1p1 / mmcblk0p1 where the name ends in a digit */
	if (*base == 'p' && isdigit((unsigned char)name[n - 1]))
		base++;
	return all_digits(base);
}

bool bb_route_text_has_default(const char *text, const char *iface)
{
	/* Header: Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT */
	for (const char *p = next_line(text); p && *p; p = next_line(p)) {
		char f[8][FIELD_MAX];
		const char *q = p;
		int i;

		for (i = 0; i < 8; i++)
			if (!next_field(&q, f[i], sizeof(f[i])))
				break;
		if (i < 8 || !streq(f[0], iface))
			continue;
		if (streq(f[1], "00000000") && streq(f[7], "00000000") &&
		    (strtoul(f[3], NULL, 16) & 0x1 /* RTF_UP */))
			return true;
	}
	return false;
}

bool bb_mounts_text_uses(const char *text, const char *name)
{
	for (const char *p = text; p && *p; p = next_line(p)) {
		char source[FIELD_MAX];
		const char *q = p;

		if (next_field(&q, source, sizeof(source)) && bb_dev_path_is_block(source, name))
			return true;
	}
	return false;
}

/* /proc/mounts writes space, tab, newline and backslash in paths as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

size_t bb_mounts_text_foreach(const char *text, const char *name,
			      void (*fn)(const char *mountpoint, void *userdata), void *userdata)
{
	size_t n = 0;

	for (const char *p = text; p && *p; p = next_line(p)) {
		char source[FIELD_MAX], target[FIELD_MAX];
		const char *q = p;

		if (!next_field(&q, source, sizeof(source)) || !bb_dev_path_is_block(source, name) ||
		    !next_field(&q, target, sizeof(target)))
			continue;
		unescape_octal(target);
		fn(target, userdata);
		n++;
	}
	return n;
}

bool bb_swaps_text_uses(const char *text, const char *name)
{
	/* Header: Filename Type Size Used Priority */
	for (const char *p = next_line(text); p && *p; p = next_line(p)) {
		char file[FIELD_MAX];
		const char *q = p;

		if (next_field(&q, file, sizeof(file)) && bb_dev_path_is_block(file, name))
			return true;
	}
	return false;
}

int bb_read_proc_file(int proc_fd, const char *name, char **ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	fd = openat(proc_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	r = bb_read_fd(fd, BB_PROC_FILE_MAX, &buf, &len);
	if (r < 0)
		return r;
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	*ret = TAKE_PTR(buf);
	return 0;
}
