/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A real fdatasync failure fails the journal handle for good.
 *
 * No fake: the journal lives on ext4 on a loop device whose backing file sits
 * on a small tmpfs. Once the tmpfs is full, writeback of a new journal block
 * fails in the block layer and the kernel reports it from fdatasync(2)
 * (ENOSPC or EIO). The handle must refuse every later append, even after the
 * space is back: a retried fsync could report success for lost pages.
 *
 * Needs root, a private mount namespace, losetup and mkfs.ext4; exits 77 with
 * the reason when the machine cannot provide them.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bb-journal.h"

static char top[64], backing[96], mnt[96], keydir[96], loopdev[64];

static uint64_t fixed_clock(void *userdata)
{
	(void)userdata;
	return 1732243575000000ULL;
}

/* Writes zeros into the tmpfs until it is full. */
static void fill_backing(void)
{
	char path[128], zero[65536] = {0};
	int fd;

	snprintf(path, sizeof(path), "%s/filler", backing);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	for (;;) {
		ssize_t n = write(fd, zero, sizeof(zero));
		if (n < 0) {
			assert_int_equal(errno, ENOSPC);
			break;
		}
	}
	close(fd);
}

static void free_backing(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/filler", backing);
	assert_int_equal(unlink(path), 0);
}

static void test_fsync_error_fails_the_handle(void **state)
{
	int kfd = open(keydir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct bb_journal_options o = {
	    .origin = "test.example/journal",
	    .key_dirfd = kfd,
	    .key_path = "key",
	    .now_usec = fixed_clock,
	};
	struct bb_journal *j;
	int r = 0, failed_at = -1;
	char pad[200];

	(void)state;
	assert_true(kfd >= 0 && mfd >= 0);
	assert_int_equal(bb_journal_open(mfd, "journal", &o, &j, NULL), 0);
	const struct bb_kv first[] = {{"op", "bind"}, {"device", "0000:01:00.0"}};
	assert_int_equal(bb_journal_append(j, BB_REC_REFUSE, first, 2, NULL), 0);

	fill_backing();
	/* Each record grows the file; the first one in a new block cannot be written back. */
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (int i = 0; i < 200 && r == 0; i++) {
		const struct bb_kv kv[] = {
		    {"op", "bind"}, {"device", "0000:01:00.0"}, {"pad", pad}};
		r = bb_journal_append(j, BB_REC_REFUSE, kv, 3, NULL);
		if (r < 0)
			failed_at = i;
	}
	if (r == 0)
		fail_msg("200 appends on a full backing store and fdatasync never failed");
	fprintf(stderr, "fdatasync failed at append %d: %s\n", failed_at, strerror(-r));
	assert_true(r == -ENOSPC || r == -EIO);
	assert_true(bb_journal_failed(j));

	/* Space is back, yet the handle stays failed: no retry. */
	free_backing();
	assert_int_equal(bb_journal_append(j, BB_REC_REFUSE, first, 2, NULL), -EIO);
	assert_int_equal(bb_journal_append_intent(j, first, 2, NULL), -EIO);
	assert_int_equal(bb_journal_checkpoint(j), -EIO);
	assert_int_equal(bb_journal_tick(j, fixed_clock(NULL) + 3600000000ULL), -EIO);
	/* Close writes no checkpoint for a failed handle. */
	bb_journal_close(j);
	close(kfd);
	close(mfd);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	return r == 0 ? 0 : -1;
}

static void teardown_mounts(void)
{
	umount2(mnt, MNT_DETACH);
	if (loopdev[0])
		sh("losetup -d %s 2>/dev/null", loopdev);
	umount2(backing, MNT_DETACH);
	sh("rm -rf '%s'", top);
}

int main(void)
{
	FILE *p;
	int r;

	if (geteuid() != 0) {
		printf("SKIP: needs root for a loop device and mounts\n");
		return 77;
	}
	if (sh("command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null") < 0) {
		printf("SKIP: losetup or mkfs.ext4 missing (util-linux, e2fsprogs)\n");
		return 77;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
		printf("SKIP: no private mount namespace: %m\n");
		return 77;
	}
	snprintf(top, sizeof(top), "/tmp/bb-fsync-XXXXXX");
	if (!mkdtemp(top))
		return 1;
	snprintf(backing, sizeof(backing), "%s/backing", top);
	snprintf(mnt, sizeof(mnt), "%s/mnt", top);
	snprintf(keydir, sizeof(keydir), "%s/keys", top);
	if (mkdir(backing, 0700) < 0 || mkdir(mnt, 0700) < 0 || mkdir(keydir, 0700) < 0)
		return 1;
	atexit(teardown_mounts);
	if (mount("tmpfs", backing, "tmpfs", 0, "size=16m,mode=0700") < 0) {
		printf("SKIP: cannot mount tmpfs: %m\n");
		return 77;
	}
	if (sh("truncate -s 64M %s/disk.img", backing) < 0)
		return 1;
	{
		char cmd[160];
		snprintf(cmd, sizeof(cmd), "losetup -f --show %s/disk.img 2>&1", backing);
		p = popen(cmd, "r");
		if (!p || !fgets(loopdev, sizeof(loopdev), p) || strncmp(loopdev, "/dev/loop", 9)) {
			printf("SKIP: no loop device: %s\n", loopdev);
			loopdev[0] = '\0';
			if (p)
				pclose(p);
			return 77;
		}
		pclose(p);
		loopdev[strcspn(loopdev, "\n")] = '\0';
	}
	/* Initialize everything now, so only the journal's own blocks are new later. */
	if (sh("mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 %s", loopdev) < 0)
		return 1;
	if (mount(loopdev, mnt, "ext4", 0, NULL) < 0) {
		printf("SKIP: cannot mount ext4 on %s: %m\n", loopdev);
		return 77;
	}

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fsync_error_fails_the_handle),
	};
	r = cmocka_run_group_tests(tests, NULL, NULL);
	return r;
}
