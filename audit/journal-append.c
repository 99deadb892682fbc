/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The append-only inode flag (FS_APPEND_FL, `chattr +a`) on the records file:
 * once set, nobody (root included) can truncate, overwrite, rename or unlink the
 * file without first clearing the flag, which takes CAP_LINUX_IMMUTABLE.
 */
#include <errno.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include "bb-macro.h"
#include "journal-internal.h"

/* What file systems without inode flags answer (tmpfs before 6.0, FUSE, NFS, ...). */
static bool unsupported(int err)
{
	return err == ENOTTY || err == EOPNOTSUPP || err == ENOSYS || err == EINVAL;
}

/*
 * The kernel reads and writes an int at the argument, although the ioctl numbers say long:
 * the int is the first of two, so checkers that go by the number (valgrind) find 8 bytes
 * set, and the kernel finds its int whatever the byte order.
 */
static int get_flags(int fd, int *ret)
{
	int flags[2] = {0, 0};

	if (ioctl(fd, FS_IOC_GETFLAGS, flags) < 0)
		return unsupported(errno) ? -EOPNOTSUPP : negative_errno();
	*ret = flags[0];
	return 0;
}

int append_flag_get(int fd, bool *ret)
{
	int flags, r = get_flags(fd, &flags);

	if (r < 0)
		return r;
	*ret = flags & FS_APPEND_FL;
	return 0;
}

int append_flag_set(int fd, bool on)
{
	int flags, r = get_flags(fd, &flags);
	int want[2] = {0, 0};

	if (r < 0)
		return r;
	want[0] = on ? (flags | FS_APPEND_FL) : (flags & ~FS_APPEND_FL);
	if (want[0] == flags)
		return 0;
	if (ioctl(fd, FS_IOC_SETFLAGS, want) < 0)
		return unsupported(errno) ? -EOPNOTSUPP : negative_errno();
	return 0;
}

const char *bb_journal_append_state_name(enum bb_journal_append_state s)
{
	static const char *const names[] = {
	    [BB_JOURNAL_APPEND_OFF] = "off",
	    [BB_JOURNAL_APPEND_ON] = "on",
	    [BB_JOURNAL_APPEND_UNSUPPORTED] = "unsupported",
	    [BB_JOURNAL_APPEND_FAILED] = "failed",
	};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : NULL;
}
