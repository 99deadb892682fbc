/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A requesting process for the authorization tests, run under setpriv as
 * another uid: connects to SOCKET and stays until the other side closes it.
 * With a FIFO argument it instead leaves as soon as someone opens the FIFO for
 * writing (a polkit rule does, to make the peer vanish before the answer).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char c;
	int fd;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: authz-peer SOCKET [FIFO]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("authz-peer: connect");
		return 1;
	}
	if (argc > 2) {
		/* Blocks until a writer opens it. */
		int f = open(argv[2], O_RDONLY | O_CLOEXEC);
		return f < 0 ? 1 : 0;
	}
	while (read(fd, &c, 1) > 0)
		;
	return 0;
}
