/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm-sysfs-write FILE VALUE [-n] [--repeat CHAR COUNT]
 *
 * Writes VALUE (plus "\n" with -n, or COUNT copies of CHAR with --repeat) to FILE
 * in one write() and prints what the kernel (or simsys) answered: "OK" or the
 * errno's name ("ENODEV"). The conformance scenarios compare these answers
 * between a real kernel and simsys, so the output is exactly one word. Exit
 * status: 0 when an answer was printed, 2 on bad usage or when FILE cannot be
 * opened for writing (that answer is printed too).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bb-macro.h"

#define MAX_VALUE 65536

static void print_answer(int err)
{
	const char *name = err ? strerrorname_np(err) : "OK";

	printf("%s\n", name ? name : "EUNKNOWN");
}

int main(int argc, char **argv)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	ssize_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: vm-sysfs-write FILE VALUE [-n] [--repeat CHAR COUNT]\n");
		return 2;
	}
	buf = malloc(MAX_VALUE + 2);
	if (!buf)
		return 2;
	len = strnlen(argv[2], MAX_VALUE);
	memcpy(buf, argv[2], len);
	for (int i = 3; i < argc; i++) {
		if (streq(argv[i], "-n")) {
			buf[len++] = '\n';
		} else if (streq(argv[i], "--repeat") && i + 2 < argc) {
			char *end;
			unsigned long count = strtoul(argv[i + 2], &end, 10);

			if (*end || count > MAX_VALUE - len || strlen(argv[i + 1]) != 1) {
				fprintf(stderr, "vm-sysfs-write: bad --repeat\n");
				return 2;
			}
			memset(buf + len, argv[i + 1][0], count);
			len += count;
			i += 2;
		} else {
			fprintf(stderr, "vm-sysfs-write: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	fd = open(argv[1], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		print_answer(errno);
		return 2;
	}
	n = write(fd, buf, len);
	if (n < 0)
		print_answer(errno);
	else if ((size_t)n != len)
		printf("SHORT:%zd\n", n);
	else
		print_answer(0);
	return 0;
}
