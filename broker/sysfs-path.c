/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "sysfs-path.h"

int bb_path_is_clean(const char *path)
{
	const char *p = path;
	unsigned depth = 0;

	if (*p == '\0' || *p == '/')
		return false;
	for (;;) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (++depth > BB_SYSFS_DEPTH_MAX)
			return false;
		if (*end == '\0')
			return true;
		p = end + 1;
	}
}

int bb_path_depth(const char *path)
{
	int depth = 1;

	for (; *path; path++)
		if (*path == '/')
			depth++;
	return depth;
}

int bb_link_below_root(const char *link, unsigned up, const char *prefix, const char *tail,
                       char *buf, size_t size)
{
	const char *p = link;
	size_t len, tlen;

	for (unsigned i = 0; i < up; i++) {
		if (strncmp(p, "../", 3) != 0)
			return -EBADMSG;
		p += 3;
	}
	if (strncmp(p, prefix, strlen(prefix)) != 0 || !bb_path_is_clean(p))
		return -EBADMSG;
	len = strlen(p);
	if (tail) {
		tlen = strlen(tail);
		if (len < tlen + 1 || strcmp(p + len - tlen, tail) != 0 || p[len - tlen - 1] != '/')
			return -EBADMSG;
	}
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, p, len + 1);
	return 0;
}

int bb_resolve_link(const char *base, const char *link, char *buf, size_t size)
{
	size_t len, blen = strlen(base);
	const char *p = link;

	if (*link == '/' || *link == '\0' || blen >= size || !bb_path_is_clean(base))
		return -EBADMSG;
	memcpy(buf, base, blen + 1);
	len = blen;
	for (;;) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* "a//b" or "./": not what the kernel writes */
			return -EBADMSG;
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash;

			if (len == 0)
				return -EBADMSG;
			slash = strrchr(buf, '/');
			len = slash ? (size_t)(slash - buf) : 0;
			buf[len] = '\0';
		} else {
			if (len + (len ? 1 : 0) + n >= size)
				return -ENAMETOOLONG;
			if (len)
				buf[len++] = '/';
			memcpy(buf + len, p, n);
			len += n;
			buf[len] = '\0';
		}
		if (*end == '\0')
			break;
		p = end + 1;
	}
	return bb_path_is_clean(buf) ? 0 : -EBADMSG;
}
