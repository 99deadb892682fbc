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

int append_flag_get(int fd, bool *ret)
{
	int flags = 0; /* the kernel reads and writes an int, whatever the ioctl's type says */

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return unsupported(errno) ? -EOPNOTSUPP : negative_errno();
	*ret = flags & FS_APPEND_FL;
	return 0;
}

int append_flag_set(int fd, bool on)
{
	int flags = 0, want;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return unsupported(errno) ? -EOPNOTSUPP : negative_errno();
	want = on ? (flags | FS_APPEND_FL) : (flags & ~FS_APPEND_FL);
	if (want == flags)
		return 0;
	if (ioctl(fd, FS_IOC_SETFLAGS, &want) < 0)
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
