/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authz-test-lib.h"

int test_listen(char *dir, char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	strcpy(dir, "/tmp/bb-authz-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
		return -errno;
	snprintf(path, sizeof(sa.sun_path), "%s/sock", dir);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, 16) < 0)
		return -errno;
	return fd;
}

int test_peer_start(int listen_fd, const char *peer_exe, const char *sock, const char *fifo,
                    uid_t uid, gid_t gid, const char *bounding, TestPeer *ret)
{
	char u[16], g[16];
	pid_t pid;
	int fd;

	snprintf(u, sizeof(u), "%u", (unsigned)uid);
	snprintf(g, sizeof(g), "%u", (unsigned)gid);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("setpriv", "setpriv", "--reuid", u, "--regid", g, "--clear-groups",
		       "--bounding-set", bounding ? bounding : "+all", "--", peer_exe, sock, fifo,
		       (char *)NULL);
		_exit(127);
	}
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret = (TestPeer){.pid = pid, .conn_fd = fd};
	return 0;
}

int test_peer_exec(int listen_fd, char *const argv[], TestPeer *ret)
{
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret = (TestPeer){.pid = pid, .conn_fd = fd};
	return 0;
}

int test_peer_stop(TestPeer *p)
{
	int status = -1;

	if (p->conn_fd >= 0)
		close(p->conn_fd);
	p->conn_fd = -1;
	if (p->pid > 0)
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
	p->pid = 0;
	return status;
}

void test_cleanup_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}
