/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The listening socket (socket-activated or our own) and a single-threaded
 * poll loop. Each connection reads NUL-terminated calls, hands each to the
 * dispatcher and writes the reply without blocking; while a reply is still
 * being written, no further call of that connection is read, so a client that
 * does not read its replies holds at most one reply of memory.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <systemd/sd-daemon.h>

#include "daemon.h"

#define MAX_CONNECTIONS 64

typedef struct Conn {
	int fd;
	BbPeer peer;
	BbVarlinkReader reader;
	char *out;
	size_t out_len, out_off;
	bool closing; /* close once the pending reply is written */
	bool eof;     /* the peer is done sending: answer what it sent, then close */
} Conn;

static int make_parent_dir(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return log_error_errno(errno, "cannot create %s: %m", dir);
	return 0;
}

/* A socket file left behind by a dead daemon is removed; a live one is not touched. */
static int clear_stale_socket(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	_cleanup_close_ int probe = -1;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : log_error_errno(errno, "cannot inspect %s: %m", path);
	if (!S_ISSOCK(st.st_mode))
		return log_error_errno(EEXIST, "%s exists and is not a socket", path);
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return negative_errno();
	if (connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		return log_error_errno(EADDRINUSE, "another broker is listening on %s", path);
	if (unlink(path) < 0)
		return log_error_errno(errno, "cannot remove stale socket %s: %m", path);
	return 0;
}

int bb_server_listen(const char *path, BbListener *ret)
{
	struct stat st;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;
	int n, r;

	n = sd_listen_fds(1);
	if (n < 0)
		return log_error_errno(n, "socket activation: %m");
	if (n > 1)
		return log_error_errno(EINVAL, "socket activation passed %d sockets, expected one",
		                       n);
	if (n == 1) {
		fd = SD_LISTEN_FDS_START;
		r = sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0);
		if (r <= 0)
			return log_error_errno(r < 0 ? r : EINVAL,
			                       "the activated fd is not a listening AF_UNIX "
			                       "stream socket");
		r = fcntl(fd, F_GETFL);
		if (r < 0 || fcntl(fd, F_SETFL, r | O_NONBLOCK) < 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			return log_error_errno(errno, "cannot set up the activated socket: %m");
		*ret = (BbListener){.fd = TAKE_FD(fd), .activated = true};
		return 0;
	}

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(ENAMETOOLONG, "socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	r = make_parent_dir(path);
	if (r < 0)
		return r;
	r = clear_stale_socket(path, &sa);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return log_error_errno(errno, "socket: %m");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return log_error_errno(errno, "cannot bind %s: %m", sa.sun_path);
	/* Every local user may ask; acting calls are authorized per request. */
	if (chmod(sa.sun_path, 0666) < 0 || lstat(sa.sun_path, &st) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		r = log_error_errno(errno, "cannot listen on %s: %m", sa.sun_path);
		unlink(sa.sun_path);
		return r;
	}
	*ret = (BbListener){.fd = TAKE_FD(fd), .dev = st.st_dev, .ino = st.st_ino};
	return 0;
}

void bb_server_close(const char *path, BbListener *l)
{
	struct stat st;

	/* Our own socket file goes with us, unless a successor has replaced it. */
	if (!l->activated && lstat(path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(path);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

static void conn_free(Conn *c)
{
	if (!c)
		return;
	close(c->fd);
	bb_varlink_reader_done(&c->reader);
	free(c->out);
	free(c);
}

/* Writes what the socket takes now. 1 when everything is out, 0 when more is left. */
static int conn_flush(Conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return negative_errno();
		}
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return 1;
}

static int conn_queue(Conn *c, struct json_object *msg)
{
	int r;

	r = bb_varlink_serialize(msg, BB_VARLINK_REPLY_MAX, &c->out, &c->out_len);
	if (r == -EMSGSIZE) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "reason", json_object_new_string("reply too large"));
		json_object_put(msg);
		msg = bb_varlink_error_new(BB_BROKER_ERROR_INTERNAL, e);
		r = bb_varlink_serialize(msg, BB_VARLINK_REPLY_MAX, &c->out, &c->out_len);
	}
	json_object_put(msg);
	c->out_off = 0;
	return r;
}

static int conn_protocol_error(Conn *c, const char *reason)
{
	struct json_object *e = json_object_new_object();

	log_notice("closing connection of pid %d uid %u: %s", (int)c->peer.pid,
	           (unsigned)c->peer.uid, reason);
	json_object_object_add(e, "reason", json_object_new_string(reason));
	c->closing = true;
	return conn_queue(c, bb_varlink_error_new(BB_BROKER_ERROR_PROTOCOL, e));
}

/* Serves buffered calls while nothing is waiting to be written. <0: drop the connection. */
static int conn_process(BbDaemon *d, Conn *c)
{
	while (!c->out && !c->closing) {
		_cleanup_free_ char *msg = NULL;
		BbVarlinkCall call = {0};
		BbReply reply = {0};
		char err[256];
		size_t len;
		int r;

		r = bb_varlink_reader_next(&c->reader, &msg, &len);
		if (r == 0)
			return 0;
		if (r == -EMSGSIZE) {
			r = conn_protocol_error(c, "message longer than 65536 bytes");
		} else if (r < 0) {
			return r;
		} else if (bb_varlink_parse_call(msg, len, &call, err, sizeof(err)) < 0) {
			r = conn_protocol_error(c, err);
		} else {
			bb_daemon_dispatch(d, &c->peer, &call, &reply);
			if (call.oneway) {
				json_object_put(reply.parameters);
				r = 0;
			} else if (reply.error) {
				r = conn_queue(c,
				               bb_varlink_error_new(reply.error, reply.parameters));
			} else {
				r = conn_queue(c, bb_varlink_reply_new(reply.parameters));
			}
			bb_varlink_call_done(&call);
		}
		if (r < 0)
			return r;
		if (c->out) {
			r = conn_flush(c);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static void accept_one(int listen_fd, Conn **conns, size_t *n)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	Conn *c;
	int fd;

	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warning_errno(errno, "accept: %m");
		return;
	}
	if (*n >= MAX_CONNECTIONS) {
		log_warning("refusing a connection: %d clients already connected", MAX_CONNECTIONS);
		close(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warning_errno(errno, "SO_PEERCRED: %m");
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer = (BbPeer){.pid = cred.pid, .uid = cred.uid, .gid = cred.gid, .fd = fd};
	conns[(*n)++] = c;
}

/* Reads what the peer sent and serves it. <0: drop the connection. */
static int conn_readable(BbDaemon *d, Conn *c)
{
	int r = bb_varlink_reader_fill(&c->reader, c->fd);

	if (r == -EAGAIN || r == -EINTR)
		return 0;
	if (r == 0) {
		c->eof = true;
		return conn_process(d, c);
	}
	if (r == -EMSGSIZE)
		return conn_protocol_error(c, "message longer than 65536 bytes");
	if (r < 0)
		return r;
	return conn_process(d, c);
}

int bb_server_run(BbDaemon *d, int listen_fd)
{
	Conn *conns[MAX_CONNECTIONS];
	struct pollfd pfd[MAX_CONNECTIONS + 2];
	_cleanup_close_ int sfd = -1;
	size_t n = 0;
	sigset_t mask;
	int r = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0)
		return log_error_errno(errno, "signalfd: %m");

	for (;;) {
		pfd[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
		for (size_t i = 0; i < n; i++)
			pfd[i + 2] = (struct pollfd){
			    .fd = conns[i]->fd,
			    .events = conns[i]->out ? POLLOUT : POLLIN,
			};
		bb_daemon_tick(d);
		if (poll(pfd, n + 2, bb_daemon_poll_timeout_ms(d)) < 0) {
			if (errno == EINTR)
				continue;
			r = log_error_errno(errno, "poll: %m");
			break;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				log_notice("SIGHUP: reloading the policy");
				bb_daemon_reload(d);
				continue;
			}
			log_info("received signal %u, exiting", si.ssi_signo);
			break;
		}

		/* Walk backwards so a dropped connection can take the last slot. */
		for (size_t i = n; i-- > 0;) {
			Conn *c = conns[i];
			short ev = pfd[i + 2].revents;

			if (!ev)
				continue;
			if (c->out && (ev & (POLLOUT | POLLERR | POLLHUP))) {
				r = conn_flush(c);
				if (r > 0 && !c->closing)
					r = conn_process(d, c);
			} else if (ev & (POLLIN | POLLERR | POLLHUP)) {
				r = conn_readable(d, c);
			} else {
				r = 0;
			}
			if (r < 0 || (!c->out && (c->closing || c->eof))) {
				conn_free(c);
				conns[i] = conns[--n];
			}
		}
		r = 0;
		if (pfd[1].revents & POLLIN)
			accept_one(listen_fd, conns, &n);
	}

	for (size_t i = 0; i < n; i++)
		conn_free(conns[i]);
	return r;
}
