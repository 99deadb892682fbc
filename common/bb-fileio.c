/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "bb-macro.h"

/* LEN bytes read into BUF (SIZE bytes) as an attribute's value: NUL-ended, one newline off. */
static int attr_text(char *buf, size_t len, size_t size)
{
	/* A full buffer may be a cut value: refuse it rather than judge half of it. */
	if (len >= size)
		return -EFBIG;
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	return (int)len;
}

int bb_read_attr_at(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	size_t len = 0;

	if (size < 2)
		return -EINVAL;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();

	/* Read one byte more than fits: that tells a full buffer from a truncated value. */
	for (;;) {
		ssize_t n = read(fd, buf + len, size - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size)
			return -EFBIG;
	}
	return attr_text(buf, len, size);
}

int bb_pread_attr(int fd, char *buf, size_t size)
{
	ssize_t n;

	if (size < 2)
		return -EINVAL;
	do
		n = pread(fd, buf, size, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	return attr_text(buf, (size_t)n, size);
}

int bb_write_attr_at(int dirfd, const char *name, const char *value)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	ssize_t n;

	fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int bb_readlink_at(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n;

	if (size < 2)
		return -EINVAL;
	n = readlinkat(dirfd, name, buf, size);
	if (n < 0)
		return negative_errno();
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

const char *bb_path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int bb_open_dir_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? negative_errno() : fd;
}

int bb_write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len,
			    mode_t mode)
{
	char tmp[256];
	_cleanup_close_ int fd = -1;
	const char *p = data;
	int r;

	r = snprintf(tmp, sizeof(tmp), ".%s.tmp%ld", name, (long)getpid());
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return negative_errno();
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = negative_errno();
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		r = negative_errno();
		goto fail;
	}
	if (fsync(dirfd) < 0)
		return negative_errno();
	return 0;
fail:
	unlinkat(dirfd, tmp, 0);
	return r;
}

int bb_read_file_at(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	if ((size_t)st.st_size > max)
		return -EFBIG;
	return bb_read_fd(fd, max, ret_data, ret_len);
}

int bb_read_fd(int fd, size_t max, char **ret_data, size_t *ret_len)
{
	/* Most files read here are small (a /proc file, a config): grow as they turn out larger. */
	size_t cap = max < 16384 ? max : 16384, len = 0;
	_cleanup_free_ char *data = malloc(cap + 1);

	if (!data)
		return -ENOMEM;
	/* One byte past MAX is asked for, so a file over the limit (or growing) is refused. */
	for (;;) {
		ssize_t n;

		if (len == cap + 1) {
			size_t ncap = cap > max / 2 ? max : cap * 2;
			char *more;

			if (cap == max)
				return -EFBIG;
			more = realloc(data, ncap + 1);
			if (!more)
				return -ENOMEM;
			data = more;
			cap = ncap;
		}
		n = pread(fd, data + len, cap + 1 - len, (off_t)len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	data[len] = '\0';
	*ret_data = TAKE_PTR(data);
	if (ret_len)
		*ret_len = len;
	return 0;
}
