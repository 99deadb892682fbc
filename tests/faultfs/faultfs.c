/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bindbroker-faultfs: a FUSE passthrough of a directory whose file writes and
 * syncs can be made to fail with EIO from a chosen moment, to test what the
 * broker does when its journal's disk fails (a test tool, not a product part).
 *
 *   bindbroker-faultfs BACKING_DIR MOUNTPOINT [FUSE OPTIONS]
 *
 * The control is a file served in the root of the mount, /.faultfs:
 *   echo eio >MNT/.faultfs          every later write, fsync and fdatasync fails with EIO
 *   echo eio-after N >MNT/.faultfs  N more writes/syncs succeed, then the same
 *   echo off >MNT/.faultfs          back to a plain passthrough
 *   cat MNT/.faultfs                "mode=eio ops=12 failed=3" (ops: writes and syncs seen)
 * Reads, metadata and directory calls always pass through. No ioctl is served, so
 * FS_IOC_GETFLAGS answers ENOTTY as on any FUSE file system.
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <fuse3/fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define CONTROL "/.faultfs"

static int backing = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long budget = -1; /* writes/syncs still allowed; -1: no fault armed */
static unsigned long ops, failed;

/* A path inside the backing dir, relative to its fd: "/" is ".", "/a/b" is "a/b". */
static const char *rel(const char *path)
{
	return path[1] ? path + 1 : ".";
}

/* Counts one write or sync; true when it must fail. */
static bool fault(void)
{
	bool fail;

	pthread_mutex_lock(&lock);
	ops++;
	fail = budget == 0;
	if (budget > 0)
		budget--;
	if (fail)
		failed++;
	pthread_mutex_unlock(&lock);
	return fail;
}

static int control_text(char *buf, size_t size)
{
	pthread_mutex_lock(&lock);
	int n = snprintf(buf, size, "mode=%s ops=%lu failed=%lu\n",
	                 budget < 0    ? "off"
	                 : budget == 0 ? "eio"
	                               : "armed",
	                 ops, failed);
	pthread_mutex_unlock(&lock);
	return n;
}

static int control_write(const char *buf, size_t len)
{
	char cmd[64];
	long n;

	if (len >= sizeof(cmd))
		return -EINVAL;
	memcpy(cmd, buf, len);
	cmd[len] = '\0';
	cmd[strcspn(cmd, "\n")] = '\0';
	if (strcmp(cmd, "off") == 0)
		n = -1;
	else if (strcmp(cmd, "eio") == 0)
		n = 0;
	else if (sscanf(cmd, "eio-after %ld", &n) != 1 || n < 0)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	budget = n;
	pthread_mutex_unlock(&lock);
	return (int)len;
}

static int ff_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	if (strcmp(path, CONTROL) == 0) {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFREG | 0600;
		st->st_nlink = 1;
		st->st_size = 64;
		return 0;
	}
	if (fi)
		return fstat((int)fi->fh, st) < 0 ? -errno : 0;
	return fstatat(backing, rel(path), st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int ff_open(const char *path, struct fuse_file_info *fi)
{
	int fd;

	if (strcmp(path, CONTROL) == 0) {
		fi->direct_io = 1;
		fi->fh = (uint64_t)-1;
		return 0;
	}
	fd = openat(backing, rel(path), fi->flags & ~O_NOFOLLOW, 0);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int ff_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd = openat(backing, rel(path), fi->flags | O_CREAT, mode);

	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int ff_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	ssize_t n;

	if (strcmp(path, CONTROL) == 0) {
		char text[128];
		int len = control_text(text, sizeof(text));
		if (off >= len)
			return 0;
		n = len - off < (off_t)size ? len - off : (ssize_t)size;
		memcpy(buf, text + off, (size_t)n);
		return (int)n;
	}
	n = pread((int)fi->fh, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int ff_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
	ssize_t n;

	if (strcmp(path, CONTROL) == 0)
		return control_write(buf, size);
	if (fault())
		return -EIO;
	n = pwrite((int)fi->fh, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int ff_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	if (strcmp(path, CONTROL) == 0)
		return 0;
	if (fault())
		return -EIO;
	if (!fi)
		return 0;
	return (datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh)) < 0 ? -errno : 0;
}

static int ff_release(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, CONTROL) != 0)
		close((int)fi->fh);
	return 0;
}

static int ff_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	DIR *d;
	struct dirent *e;
	int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	(void)off, (void)fi, (void)flags;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((e = readdir(d)))
		fill(buf, e->d_name, NULL, 0, 0);
	closedir(d);
	return 0;
}

static int ff_mkdir(const char *path, mode_t mode)
{
	return mkdirat(backing, rel(path), mode) < 0 ? -errno : 0;
}

static int ff_unlink(const char *path)
{
	return unlinkat(backing, rel(path), 0) < 0 ? -errno : 0;
}

static int ff_rmdir(const char *path)
{
	return unlinkat(backing, rel(path), AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int ff_rename(const char *from, const char *to, unsigned int flags)
{
	return renameat2(backing, rel(from), backing, rel(to), flags) < 0 ? -errno : 0;
}

static int ff_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	int fd, r = 0;

	if (fi)
		return ftruncate((int)fi->fh, size) < 0 ? -errno : 0;
	fd = openat(backing, rel(path), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int ff_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)fi;
	return fchmodat(backing, rel(path), mode, 0) < 0 ? -errno : 0;
}

static int ff_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)fi;
	return fchownat(backing, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int ff_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	(void)fi;
	return utimensat(backing, rel(path), tv, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int ff_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	return fstatvfs(backing, st) < 0 ? -errno : 0;
}

static const struct fuse_operations ops_table = {
    .getattr = ff_getattr,
    .open = ff_open,
    .create = ff_create,
    .read = ff_read,
    .write = ff_write,
    .fsync = ff_fsync,
    .release = ff_release,
    .readdir = ff_readdir,
    .mkdir = ff_mkdir,
    .unlink = ff_unlink,
    .rmdir = ff_rmdir,
    .rename = ff_rename,
    .truncate = ff_truncate,
    .chmod = ff_chmod,
    .chown = ff_chown,
    .utimens = ff_utimens,
    .statfs = ff_statfs,
};

int main(int argc, char **argv)
{
	char *fargs[16];
	int n = 0;

	if (argc < 3 || argc > 12) {
		fprintf(stderr, "usage: %s BACKING_DIR MOUNTPOINT [FUSE OPTIONS]\n", argv[0]);
		return 2;
	}
	backing = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (backing < 0) {
		perror(argv[1]);
		return 1;
	}
	/* Passthrough semantics: the kernel checks modes (default_permissions), no caching. */
	fargs[n++] = argv[0];
	fargs[n++] = argv[2];
	fargs[n++] = "-o";
	fargs[n++] = "default_permissions,fsname=bindbroker-faultfs";
	for (int i = 3; i < argc; i++)
		fargs[n++] = argv[i];
	fargs[n] = NULL;
	return fuse_main(n, fargs, &ops_table, NULL);
}
