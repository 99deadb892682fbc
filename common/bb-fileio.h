/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounded, link-safe access to small attribute files such as sysfs values.
 * Every call works relative to a directory fd that the caller opened and
 * checked; none follows a symbolic link in its last component.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Largest sysfs value bindbroker ever reads (a page, as the kernel's show()). */
#define BB_ATTR_MAX 4096

/*
 * Reads NAME under DIRFD into BUF (SIZE bytes, always NUL-terminated) and strips
 * one trailing newline. Returns the length, -EFBIG when the value does not fit,
 * -ELOOP when NAME is a link, or another negative errno.
 */
int bb_read_attr_at(int dirfd, const char *name, char *buf, size_t size);

/*
 * Reads the open attribute FD with one read from offset 0, as sysfs and securityfs hand an
 * attribute out whole (formatted afresh for each read from the start), so no second read
 * is spent on seeing EOF. Then as bb_read_attr_at: NUL-terminated, one trailing newline
 * stripped, the length or -EFBIG (the value fills BUF: it may be cut) or -EBADMSG (a NUL).
 */
int bb_pread_attr(int fd, char *buf, size_t size);

/*
 * Writes VALUE to NAME under DIRFD with a single write(2), as sysfs wants.
 * Returns 0, -EIO on a short write, or the negative errno of open/write.
 */
int bb_write_attr_at(int dirfd, const char *name, const char *value);

/* Reads the link NAME under DIRFD into BUF. Returns the length or a negative errno. */
int bb_readlink_at(int dirfd, const char *name, char *buf, size_t size);

/* The last path component of a link target ("../../drivers/e1000e" -> "e1000e"). */
const char *bb_path_basename(const char *path);

/* Opens directory NAME under DIRFD without following a link there. */
int bb_open_dir_at(int dirfd, const char *name);

/*
 * Writes a whole file atomically: a temporary beside it, fsync, rename, fsync
 * of the directory. Readers see the old content or the new, never a mix.
 */
int bb_write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len,
			    mode_t mode);

/* Reads a whole regular file of at most MAX bytes into a new NUL-terminated buffer. */
int bb_read_file_at(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len);

/*
 * Reads all of the open file FD from its start (pread: its offset is neither used nor
 * moved) into a new NUL-terminated buffer; -EFBIG when it holds more than MAX bytes.
 * RET_LEN may be NULL.
 */
int bb_read_fd(int fd, size_t max, char **ret_data, size_t *ret_len);
