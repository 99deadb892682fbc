/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "bb-validate.h"
#include "vfio-alias.h"

#define PATTERN_MAX 256

unsigned bb_vfio_alias_wildcards(const char *p)
{
	unsigned n = 0;
	for (; *p; p++)
		if (*p == '*' || *p == '?' || *p == '[')
			n++;
	return n;
}

int bb_vfio_alias_best(const char *text, const char *key, char *buf, size_t size)
{
	static const char prefix[] = "alias vfio_pci:";
	unsigned best = ~0u;
	int r = -ENOENT;

	if (size == 0)
		return -ENAMETOOLONG;
	buf[0] = '\0';

	for (const char *line = text; line && *line;) {
		const char *end = strchrnul(line, '\n');
		const char *pat, *sp, *mod;
		char pattern[PATTERN_MAX], module[BB_DRIVER_NAME_MAX + 1];
		size_t plen, mlen;
		unsigned w;

		if (strncmp(line, prefix, sizeof(prefix) - 1) != 0)
			goto next;
		pat = line + 6;
		sp = memchr(pat, ' ', (size_t)(end - pat));
		if (!sp)
			goto next;
		plen = (size_t)(sp - pat);
		mod = sp + 1;
		mlen = (size_t)(end - mod);
		if (plen >= sizeof(pattern) || mlen == 0 || mlen >= sizeof(module))
			goto next;
		memcpy(pattern, pat, plen);
		pattern[plen] = '\0';
		memcpy(module, mod, mlen);
		module[mlen] = '\0';
		if (!bb_valid_driver_name(module) || fnmatch(pattern, key, 0) != 0)
			goto next;
		w = bb_vfio_alias_wildcards(pattern);
		if (w < best || (w == best && strcmp(module, buf) < 0)) {
			if (mlen >= size)
				return -ENAMETOOLONG;
			strcpy(buf, module);
			best = w;
			r = 0;
		}
	next:
		line = *end ? end + 1 : NULL;
	}
	return r;
}
