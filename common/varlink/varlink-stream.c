/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cutting a byte stream into NUL-terminated messages, and the blocking client call. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bb-macro.h"
#include "bb-varlink.h"

#define READER_CAP_MIN ((size_t)4096)

static size_t reader_max(const BbVarlinkReader *r)
{
	return r->max ? r->max : BB_VARLINK_MESSAGE_MAX;
}

static void close_fds(int *fds, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		close(fds[i]);
	*n = 0;
}

void bb_varlink_reader_done(BbVarlinkReader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
	close_fds(r->fds, &r->n_fds);
	r->fds_refused = false;
}

/* Keeps the descriptors of an SCM_RIGHTS message, up to the limit; closes the rest. */
static void keep_fds(BbVarlinkReader *r, struct msghdr *mh)
{
	if (mh->msg_flags & MSG_CTRUNC)
		r->fds_refused = true; /* the kernel closed what did not fit */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (r->n_fds < BB_VARLINK_FDS_MAX) {
				r->fds[r->n_fds++] = fd;
			} else {
				close(fd);
				r->fds_refused = true;
			}
		}
	}
}

/* recvmsg(2) with room for passed descriptors on sockets; read(2) for pipes and files. */
static ssize_t read_some(BbVarlinkReader *r, int fd, char *buf, size_t size)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * BB_VARLINK_FDS_MAX)];
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr mh = {
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = control.buf,
	    .msg_controllen = sizeof(control.buf),
	};
	ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

	if (n < 0 && errno == ENOTSOCK)
		return read(fd, buf, size);
	if (n >= 0)
		keep_fds(r, &mh);
	return n;
}

int bb_varlink_reader_take_fds(BbVarlinkReader *r, BbVarlinkCall *call)
{
	if (r->fds_refused) {
		close_fds(r->fds, &r->n_fds);
		r->fds_refused = false;
		return -EPROTO;
	}
	memcpy(call->fds, r->fds, r->n_fds * sizeof(int));
	call->n_fds = r->n_fds;
	r->n_fds = 0;
	return 0;
}

int bb_varlink_reader_fill(BbVarlinkReader *r, int fd)
{
	/* One whole message and its NUL: the buffer never needs to hold more unread bytes. */
	size_t cap_max = reader_max(r) + 1;
	ssize_t n;

	if (r->len == cap_max)
		return memchr(r->buf, '\0', r->len) ? -ENOBUFS : -EMSGSIZE;
	if (r->cap - r->len < READER_CAP_MIN && r->cap < cap_max) {
		size_t cap = r->cap ? r->cap * 2 : READER_CAP_MIN;
		char *buf;

		if (cap > cap_max)
			cap = cap_max;
		buf = realloc(r->buf, cap);
		if (!buf)
			return -ENOMEM;
		r->buf = buf;
		r->cap = cap;
	}
	n = read_some(r, fd, r->buf + r->len, r->cap - r->len);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : negative_errno();
	r->len += (size_t)n;
	return (int)n;
}

int bb_varlink_reader_next(BbVarlinkReader *r, char **ret_msg, size_t *ret_len)
{
	char *nul, *msg;
	size_t n;

	nul = r->len ? memchr(r->buf, '\0', r->len) : NULL;
	if (!nul)
		return r->len > reader_max(r) ? -EMSGSIZE : 0;
	n = (size_t)(nul - r->buf);
	msg = malloc(n + 1);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, r->buf, n + 1);
	r->len -= n + 1;
	memmove(r->buf, nul + 1, r->len);
	*ret_msg = msg;
	*ret_len = n;
	return 1;
}

bool bb_varlink_reader_pending(const BbVarlinkReader *r)
{
	return r->len > 0;
}

int bb_varlink_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

/* Sends DATA; the N_FDS descriptors go with its first byte (SCM_RIGHTS). */
static int send_all(int fd, const char *data, size_t len, const int *fds, size_t n_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * BB_VARLINK_FDS_MAX)];
	} control;

	if (n_fds > BB_VARLINK_FDS_MAX)
		return -E2BIG;
	while (len > 0) {
		struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n;

		if (n_fds > 0) {
			struct cmsghdr *c;

			memset(&control, 0, sizeof(control));
			mh.msg_control = control.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
		}
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n > 0)
			n_fds = 0; /* they went with the first byte */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int bb_varlink_call(int fd, const char *method, struct json_object *params, BbVarlinkReply *ret,
                    char *err, size_t errsz)
{
	return bb_varlink_call_with_fds(fd, method, params, NULL, 0, ret, err, errsz);
}

int bb_varlink_call_with_fds(int fd, const char *method, struct json_object *params, const int *fds,
                             size_t n_fds, BbVarlinkReply *ret, char *err, size_t errsz)
{
	_cleanup_free_ char *out = NULL, *in = NULL;
	BbVarlinkReader reader = {.max = BB_VARLINK_REPLY_MAX};
	struct json_object *msg;
	size_t out_len, in_len;
	int r;

	msg = bb_varlink_call_new(method, params);
	if (!msg)
		return -ENOMEM;
	r = bb_varlink_serialize(msg, BB_VARLINK_MESSAGE_MAX, &out, &out_len);
	json_object_put(msg);
	if (r < 0) {
		snprintf(err, errsz, "cannot encode the call: %s", strerror(-r));
		return r;
	}
	r = send_all(fd, out, out_len, fds, n_fds);
	if (r < 0) {
		snprintf(err, errsz, "cannot send the call: %s", strerror(-r));
		return r;
	}
	for (;;) {
		r = bb_varlink_reader_next(&reader, &in, &in_len);
		if (r != 0)
			break;
		r = bb_varlink_reader_fill(&reader, fd);
		if (r == -EINTR)
			continue;
		if (r == 0) {
			snprintf(err, errsz, "the broker closed the connection without a reply");
			r = -ECONNRESET;
			break;
		}
		if (r < 0)
			break;
	}
	bb_varlink_reader_done(&reader);
	if (r < 0) {
		if (r != -ECONNRESET)
			snprintf(err, errsz, "cannot read the reply: %s", strerror(-r));
		return r;
	}
	return bb_varlink_parse_reply(in, in_len, ret, err, errsz);
}
