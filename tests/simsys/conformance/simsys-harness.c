/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "simsys-harness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bb-macro.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

/* Print why, then fail the running test at the caller's line. */
#define FAIL_AT(file, line, ...)                                                                   \
	do {                                                                                       \
		print_error(__VA_ARGS__);                                                          \
		print_error("\n");                                                                 \
		_fail(file, line);                                                                 \
	} while (0)

char simsys_mnt[PATH_MAX];
static char tmpdir[PATH_MAX];
static bool mounted;
static pid_t daemon_pid = -1;

int run_program(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Is PATH the root of a FUSE mount? */
static bool is_fuse_mount(const char *path)
{
	struct statfs sfs;
	return statfs(path, &sfs) == 0 && sfs.f_type == FUSE_SUPER_MAGIC;
}

/*
 * simsys runs in the foreground (-f) as our child, so that teardown can assert how it ended:
 * exit 0 after unmount (a crash, or a sanitizer report in an instrumented build, fails the
 * test). Daemon mode, where the mount is ready when the command returns, is covered by the
 * shell tests.
 */
int simsys_mount(const char *topology)
{
	const char *prog = getenv("BB_SIMSYS");
	if (!prog || !topology) {
		print_error("BB_SIMSYS / topology not set\n");
		return -1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/simsys-conf-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (!realpath(tmpdir, simsys_mnt))
		return -1;
	daemon_pid = fork();
	if (daemon_pid < 0)
		return -1;
	if (daemon_pid == 0) {
		execl(prog, prog, simsys_mnt, "--topology", topology, "-f", (char *)NULL);
		_exit(127);
	}
	/* bounded wait for the mount (not a timing assertion: only how long we are willing to wait)
	 */
	for (int i = 0; i < 1000 && !is_fuse_mount(simsys_mnt); i++) {
		int status;
		if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
			print_error("%s ended (status 0x%x) before mounting %s\n", prog, status,
			            topology);
			daemon_pid = -1;
			rmdir(tmpdir);
			return -1;
		}
		usleep(10 * 1000);
	}
	if (!is_fuse_mount(simsys_mnt)) {
		print_error("%s did not mount %s within 10 s\n", prog, simsys_mnt);
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
		daemon_pid = -1;
		rmdir(tmpdir);
		return -1;
	}
	mounted = true;
	return 0;
}

int simsys_umount(void)
{
	int r = 0;
	if (mounted) {
		char *argv[] = {(char *)"fusermount3", (char *)"-u", simsys_mnt, NULL};
		r = run_program(argv);
		if (r != 0) {
			print_error("fusermount3 -u %s failed; detaching lazily\n", simsys_mnt);
			char *lazy[] = {(char *)"fusermount3", (char *)"-uz", simsys_mnt, NULL};
			run_program(lazy);
		}
		mounted = false;
	}
	if (daemon_pid > 0) {
		int status;
		while (waitpid(daemon_pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			print_error(
			    "simsys ended with status 0x%x after unmount (expected exit 0)\n",
			    status);
			r = -1;
		}
		daemon_pid = -1;
	}
	if (tmpdir[0])
		rmdir(tmpdir);
	tmpdir[0] = 0;
	return r == 0 ? 0 : -1;
}

int simsys_setup(void **state)
{
	(void)state;
	return simsys_mount(getenv("BB_CONF_TOPOLOGY"));
}

int simsys_teardown(void **state)
{
	(void)state;
	return simsys_umount();
}

char *mpath(const char *rel)
{
	char *p;
	if (asprintf(&p, "%s/%s", simsys_mnt, rel) < 0)
		abort();
	return p;
}

int mwrite_len(const char *rel, const char *value, size_t len)
{
	_cleanup_free_ char *p = mpath(rel);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int mwrite(const char *rel, const char *value)
{
	return mwrite_len(rel, value, strlen(value));
}

char *mread(const char *rel)
{
	_cleanup_free_ char *p = mpath(rel);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		abort();
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				abort();
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	return buf;
}

bool mexists(const char *rel)
{
	_cleanup_free_ char *p = mpath(rel);
	struct stat st;
	return lstat(p, &st) == 0;
}

char *bound_driver(const char *bdf)
{
	_cleanup_free_ char *rel = NULL;
	if (asprintf(&rel, "bus/pci/devices/%s/driver", bdf) < 0)
		abort();
	_cleanup_free_ char *p = mpath(rel);
	char target[PATH_MAX];
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = 0;
	const char *slash = strrchr(target, '/');
	return strdup(slash ? slash + 1 : target);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && streq(s + a - b, suffix);
}

void assert_bound_to(const char *bdf, const char *drv, const char *file, int line)
{
	_cleanup_free_ char *rel = NULL, *want_suffix = NULL, *drvdir = NULL, *back = NULL,
	                    *devlink = NULL;
	if (asprintf(&rel, "bus/pci/devices/%s/driver", bdf) < 0 ||
	    asprintf(&want_suffix, "/bus/pci/drivers/%s", drv) < 0 ||
	    asprintf(&drvdir, "%s/bus/pci/drivers/%s", simsys_mnt, drv) < 0 ||
	    asprintf(&back, "%s/bus/pci/drivers/%s/%s", simsys_mnt, drv, bdf) < 0 ||
	    asprintf(&devlink, "%s/bus/pci/devices/%s", simsys_mnt, bdf) < 0)
		abort();
	_cleanup_free_ char *p = mpath(rel);
	char target[PATH_MAX], resolved[PATH_MAX], devdir[PATH_MAX], backdir[PATH_MAX];
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	if (n < 0) {
		FAIL_AT(file, line, "%s: no driver link (%m), expected %s", bdf, drv);
		return;
	}
	target[n] = 0;
	if (strncmp(target, "../", 3) != 0 || !ends_with(target, want_suffix))
		FAIL_AT(file, line, "%s: driver link reads '%s', expected ../…%s", bdf, target,
		        want_suffix);
	if (!realpath(p, resolved))
		FAIL_AT(file, line, "%s: driver link '%s' does not resolve (%m)", bdf, target);
	if (!streq(resolved, drvdir))
		FAIL_AT(file, line, "%s: driver link resolves to '%s', expected '%s'", bdf,
		        resolved, drvdir);
	if (!realpath(devlink, devdir))
		FAIL_AT(file, line, "%s: bus/pci/devices link does not resolve (%m)", bdf);
	if (!realpath(back, backdir))
		FAIL_AT(file, line, "drivers/%s/%s missing (%m)", drv, bdf);
	if (!streq(backdir, devdir))
		FAIL_AT(file, line, "drivers/%s/%s resolves to '%s', expected '%s'", drv, bdf,
		        backdir, devdir);
}

void assert_unbound(const char *bdf, const char *drv, const char *file, int line)
{
	_cleanup_free_ char *rel = NULL;
	if (asprintf(&rel, "bus/pci/devices/%s/driver", bdf) < 0)
		abort();
	_cleanup_free_ char *p = mpath(rel);
	char target[PATH_MAX];
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = 0;
		FAIL_AT(file, line, "%s: expected unbound, driver link reads '%s'", bdf, target);
	}
	if (drv) {
		_cleanup_free_ char *held = NULL;
		if (asprintf(&held, "bus/pci/drivers/%s/%s", drv, bdf) < 0)
			abort();
		if (mexists(held))
			FAIL_AT(file, line, "%s still present", held);
	}
}

void assert_not_held(const char *bdf, const char *drv, const char *file, int line)
{
	_cleanup_free_ char *held = NULL, *cur = bound_driver(bdf);
	if (asprintf(&held, "bus/pci/drivers/%s/%s", drv, bdf) < 0)
		abort();
	if (cur && streq(cur, drv))
		FAIL_AT(file, line, "%s: driver link still names %s", bdf, drv);
	if (mexists(held))
		FAIL_AT(file, line, "%s still present", held);
}

int control(const char *cmd)
{
	return mwrite(".simsys/control", cmd);
}

char *last_log_line(void)
{
	_cleanup_free_ char *log = mread(".simsys/log");
	if (!log)
		return NULL;
	size_t len = strlen(log);
	while (len > 0 && log[len - 1] == '\n')
		log[--len] = 0;
	char *nl = strrchr(log, '\n');
	return strdup(nl ? nl + 1 : log);
}
