/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The append-only flag of the records file, checked with the kernel's own
 * FS_IOC_GETFLAGS (what lsattr reads) on a real file system: the scratch dir
 * under /tmp (ext4 or tmpfs >= 6.0 have the flag; the test skips where it does
 * not), and a ramfs mount in a private mount namespace for the "unsupported"
 * answer. Needs root for the flag (CAP_LINUX_IMMUTABLE); skips otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "journal-test-util.h"

static int file_flags(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC), flags = 0;

	assert_true(fd >= 0);
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		flags = -errno;
	close(fd);
	return flags;
}

static void clear_append(struct scratch *s)
{
	int fd = openat(s->dirfd, "journal/records", O_RDONLY | O_CLOEXEC), flags = 0;

	if (fd < 0)
		return;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_APPEND_FL)) {
		flags &= ~FS_APPEND_FL;
		assert_int_equal(ioctl(fd, FS_IOC_SETFLAGS, &flags), 0);
	}
	close(fd);
}

static struct bb_journal *open_journal(struct scratch *s, bool append_only)
{
	struct bb_journal_options o = scratch_options(s, 1000);
	struct bb_journal *j = NULL;

	o.append_only = append_only;
	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	return j;
}

static void verify_intact(struct scratch *s, uint64_t records)
{
	struct bb_journal_verify_report rep;

	assert_int_equal(bb_journal_verify(s->dirfd, "journal", s->dirfd, s->pubkey, &rep), 0);
	assert_int_equal(rep.records, records);
}

static int setup(void **state)
{
	static struct scratch s;

	scratch_make(&s);
	*state = &s;
	return 0;
}

/*
 * Whether the scratch dirs' file system (/tmp) has inode flags and this process may set
 * FS_APPEND_FL (CAP_LINUX_IMMUTABLE: containers often lack it). Returns a reason, or NULL.
 */
static const char *cannot_set_flag(void)
{
	struct scratch s;
	int fd, flags[2] = {0, 0};
	const char *why = NULL;

	scratch_make(&s);
	fd = openat(s.dirfd, "probe", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	if (ioctl(fd, FS_IOC_GETFLAGS, flags) < 0) {
		why = "/tmp has no inode flags (FS_IOC_GETFLAGS)";
	} else {
		flags[0] |= FS_APPEND_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, flags) < 0) {
			why = "cannot set FS_APPEND_FL here (no CAP_LINUX_IMMUTABLE?)";
		} else {
			flags[0] &= ~FS_APPEND_FL;
			assert_int_equal(ioctl(fd, FS_IOC_SETFLAGS, flags), 0);
		}
	}
	close(fd);
	scratch_remove(&s);
	return why;
}

static int teardown(void **state)
{
	struct scratch *s = *state;

	clear_append(s);
	scratch_remove(s);
	return 0;
}

/* Asked for: the flag is on, the file refuses truncation and plain writes, appends still work. */
static void test_records_append_only(void **state)
{
	struct scratch *s = *state;
	struct bb_journal *j = open_journal(s, true);
	int err = 1, fd;

	assert_int_equal(bb_journal_append_only(j, &err), BB_JOURNAL_APPEND_ON);
	assert_int_equal(err, 0);
	assert_string_equal(bb_journal_append_state_name(BB_JOURNAL_APPEND_ON), "on");
	assert_true(file_flags(s->dirfd, "journal/records") & FS_APPEND_FL);
	append_n(j, 5, "0000:01:00.0");

	/* What an attacker with root but without CAP_LINUX_IMMUTABLE's chattr meets: */
	fd = openat(s->dirfd, "journal/records", O_WRONLY | O_CLOEXEC);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EPERM);
	fd = openat(s->dirfd, "journal/records", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0), -1);
	close(fd);
	assert_int_equal(unlinkat(s->dirfd, "journal/records", 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(renameat(s->dirfd, "journal/records", s->dirfd, "journal/old"), -1);
	assert_int_equal(errno, EPERM);

	assert_int_equal(bb_journal_close(j), 0);
	verify_intact(s, 6); /* five records and the closing checkpoint */
	/* Reopening an append-only journal works and keeps the flag. */
	j = open_journal(s, true);
	assert_int_equal(bb_journal_append_only(j, NULL), BB_JOURNAL_APPEND_ON);
	append_n(j, 1, "0000:01:00.0");
	assert_int_equal(bb_journal_close(j), 0);
	verify_intact(s, 8);
}

/* A crash mid-write on an append-only file: recovery clears the flag, cuts, sets it again. */
static void test_torn_tail_cut_through_flag(void **state)
{
	struct scratch *s = *state;
	static const char torn[] = "seq=6 time=1732243575000000 type=inte";
	struct bb_journal *j = open_journal(s, true);
	int fd;

	append_n(j, 5, "0000:01:00.0");
	assert_int_equal(bb_journal_close(j), 0);
	fd = openat(s->dirfd, "journal/records", O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, torn, sizeof(torn) - 1), (ssize_t)sizeof(torn) - 1);
	close(fd);
	assert_true(file_flags(s->dirfd, "journal/records") & FS_APPEND_FL);

	/* Even a caller that does not ask for the flag keeps a flag it found. */
	j = open_journal(s, false);
	assert_int_equal(bb_journal_append_only(j, NULL), BB_JOURNAL_APPEND_ON);
	assert_true(file_flags(s->dirfd, "journal/records") & FS_APPEND_FL);
	assert_int_equal(bb_journal_close(j), 0);
	verify_intact(s, 8); /* 5 + checkpoint + recovered + checkpoint */
}

/* Without CAP_LINUX_IMMUTABLE the torn tail cannot be cut: open fails with EPERM, untouched. */
static void test_torn_tail_needs_capability(void **state)
{
	struct scratch *s = *state;
	static const char torn[] = "seq=6 time=17322";
	struct bb_journal *j = open_journal(s, true);
	int fd, status;
	pid_t pid;

	append_n(j, 5, "0000:01:00.0");
	assert_int_equal(bb_journal_close(j), 0);
	fd = openat(s->dirfd, "journal/records", O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, torn, sizeof(torn) - 1), (ssize_t)sizeof(torn) - 1);
	close(fd);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct d[2];
		struct bb_journal_options o = scratch_options(s, 1000);
		struct bb_journal *cj = NULL;

		if (syscall(SYS_capget, &h, d) < 0)
			_exit(10);
		d[CAP_LINUX_IMMUTABLE / 32].effective &= ~(1u << (CAP_LINUX_IMMUTABLE % 32));
		if (syscall(SYS_capset, &h, d) < 0)
			_exit(11);
		o.append_only = true;
		_exit(bb_journal_open(s->dirfd, "journal", &o, &cj, NULL) == -EPERM ? 0 : 12);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* Nothing was cut; with the capability the same open recovers. */
	struct bb_journal_verify_report rep;
	assert_int_equal(bb_journal_verify(s->dirfd, "journal", s->dirfd, s->pubkey, &rep), 0);
	assert_true(rep.torn_tail);
	j = open_journal(s, true);
	assert_int_equal(bb_journal_append_only(j, NULL), BB_JOURNAL_APPEND_ON);
	assert_int_equal(bb_journal_close(j), 0);
	verify_intact(s, 8);
}

/* Not asked for: the file stays as it was. */
static void test_off_by_default(void **state)
{
	struct scratch *s = *state;
	struct bb_journal *j = open_journal(s, false);

	assert_int_equal(bb_journal_append_only(j, NULL), BB_JOURNAL_APPEND_OFF);
	assert_false(file_flags(s->dirfd, "journal/records") & FS_APPEND_FL);
	assert_int_equal(bb_journal_close(j), 0);
}

/* ramfs has no inode flags: the journal works and says the flag is unsupported. */
static void test_unsupported_file_system(void **state)
{
	struct scratch *s = *state;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct bb_journal_options o = scratch_options(s, 1000);
		struct bb_journal *j = NULL;
		int err = 0, fd, flags;

		if (unshare(CLONE_NEWNS) < 0 ||
		    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77);
		if (fchdir(s->dirfd) < 0 || mkdir("ram", 0700) < 0)
			_exit(19);
		char target[128];
		snprintf(target, sizeof(target), "%s/ram", s->dir);
		if (mount("ramfs", target, "ramfs", 0, "mode=0700") < 0) {
			fprintf(stderr, "mount ramfs: %m\n");
			_exit(77);
		}
		fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			_exit(20);
		struct statfs sf;
		if (fstatfs(fd, &sf) < 0 || sf.f_type != RAMFS_MAGIC)
			_exit(25);
		o.append_only = true;
		if (bb_journal_open(fd, "journal", &o, &j, NULL) < 0)
			_exit(21);
		if (bb_journal_append_only(j, &err) != BB_JOURNAL_APPEND_UNSUPPORTED ||
		    err != -EOPNOTSUPP)
			_exit(22);
		flags = file_flags(fd, "journal/records");
		if (flags >= 0)
			_exit(23); /* ramfs grew inode flags: pick another file system */
		if (bb_journal_close(j) < 0)
			_exit(24);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("SKIP: cannot mount ramfs in a private namespace\n");
		return;
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	unlinkat(s->dirfd, "ram", AT_REMOVEDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_records_append_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_tail_cut_through_flag, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_tail_needs_capability, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_off_by_default, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsupported_file_system, setup, teardown),
	};

	if (geteuid() != 0) {
		printf("SKIP: the append-only flag needs root (CAP_LINUX_IMMUTABLE)\n");
		return 77;
	}
	const char *why = cannot_set_flag();
	if (why) {
		printf("SKIP: %s\n", why);
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
