/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bindbrokerd's sandbox (broker/daemon/sandbox.c), applied for real in forked children:
 * forbidden syscalls are refused (EPERM) or kill the process (SIGSYS), the capability set
 * is bounded, and config files that others could write are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox.h"

/* Runs FN in a sandboxed child; returns its wait status. */
static int in_sandbox(int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (bb_sandbox_enter() < 0)
			_exit(100);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int try_inet_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0)
		return 1; /* allowed: failure */
	if (errno != EPERM)
		return 2;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 3; /* the daemon's own kind must still work */
	close(fd);
	return 0;
}

static void test_inet_socket_refused(void **state)
{
	int st = in_sandbox(try_inet_socket);

	(void)state;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static int try_execve(void)
{
	char *argv[] = {(char *)"true", NULL};

	execve("/bin/true", argv, (char *[]){NULL});
	return 1; /* still alive: the filter did not kill */
}

static void test_execve_kills(void **state)
{
	int st = in_sandbox(try_execve);

	(void)state;
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static int try_fork(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		return 1;
	return errno == EPERM ? 0 : 2;
}

static void test_fork_refused(void **state)
{
	int st = in_sandbox(try_fork);

	(void)state;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void *thread_fn(void *arg)
{
	return arg;
}

static int try_thread(void)
{
	pthread_t t;
	void *ret = NULL;

	if (pthread_create(&t, NULL, thread_fn, (void *)1) != 0)
		return 1;
	pthread_join(t, &ret);
	return ret == (void *)1 ? 0 : 2;
}

static void test_threads_allowed(void **state)
{
	int st = in_sandbox(try_thread);

	(void)state;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static int check_caps(void)
{
	if (prctl(PR_CAPBSET_READ, CAP_SYS_MODULE, 0, 0, 0) != 1)
		return 1;
	if (prctl(PR_CAPBSET_READ, CAP_AUDIT_WRITE, 0, 0, 0) != 1)
		return 2;
	if (prctl(PR_CAPBSET_READ, CAP_NET_ADMIN, 0, 0, 0) != 0)
		return 3;
	if (prctl(PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0) != 0)
		return 4;
	if (prctl(PR_CAPBSET_READ, CAP_SYS_PTRACE, 0, 0, 0) != 0)
		return 5;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 6;
	/* A dropped capability is gone: root cannot chown to another user any more. */
	if (chown("/proc/self/fd/0", 1, 1) == 0)
		return 7;
	return 0;
}

static void test_capabilities_bounded(void **state)
{
	int st;

	(void)state;
	if (geteuid() != 0)
		skip();
	st = in_sandbox(check_caps);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- config files ---- */

static char dir[] = "/tmp/bb-sandbox-test.XXXXXX";

static void write_file(const char *name, mode_t mode)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static int check(char *err, size_t errsz)
{
	err[0] = '\0';
	return bb_sandbox_check_config_files(dir, geteuid(), err, errsz);
}

static void test_config_files(void **state)
{
	char err[600], p[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(check(err, sizeof(err)), 0); /* empty: defaults */

	write_file("bindbroker.conf", 0644);
	snprintf(p, sizeof(p), "%s/keys.d", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	write_file("keys.d/vendor.pub", 0644);
	write_file("keys.d/vendor.scope", 0644);
	assert_int_equal(check(err, sizeof(err)), 0);

	write_file("bindbroker.conf", 0666);
	assert_int_equal(check(err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "bindbroker.conf: writable by others"));
	write_file("bindbroker.conf", 0644);

	write_file("keys.d/vendor.scope", 0664);
	assert_int_equal(check(err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "keys.d/vendor.scope: writable by its group"));
	write_file("keys.d/vendor.scope", 0644);

	assert_int_equal(chmod(p, 0777), 0);
	assert_int_equal(check(err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "keys.d: writable by others"));
	assert_int_equal(chmod(p, 0755), 0);

	/* A key owned by another user. */
	snprintf(p, sizeof(p), "%s/keys.d/vendor.pub", dir);
	if (geteuid() == 0) {
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_int_equal(check(err, sizeof(err)), -EPERM);
		assert_non_null(strstr(err, "keys.d/vendor.pub: owned by uid 65534"));
		assert_int_equal(chown(p, 0, 0), 0);
	}

	/* bindbroker.conf swapped for a symlink to a file an attacker controls. */
	snprintf(p, sizeof(p), "%s/bindbroker.conf", dir);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/tmp/elsewhere.conf", p), 0);
	assert_int_equal(check(err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "bindbroker.conf: is a symbolic link"));
	assert_int_equal(unlink(p), 0);
	assert_int_equal(check(err, sizeof(err)), 0);

	assert_int_equal(chmod(dir, 0757), 0);
	assert_int_equal(check(err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "writable by others"));

	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inet_socket_refused),  cmocka_unit_test(test_execve_kills),
	    cmocka_unit_test(test_fork_refused),         cmocka_unit_test(test_threads_allowed),
	    cmocka_unit_test(test_capabilities_bounded), cmocka_unit_test(test_config_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
