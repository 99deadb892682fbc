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
