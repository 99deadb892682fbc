/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cutting a byte stream into NUL-terminated messages, and the blocking client call. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "bb-macro.h"
#include "bb-varlink.h"

#define READER_CAP_MIN ((size_t)4096)

static size_t reader_max(const BbVarlinkReader *r)
{
	return r->max ? r->max : BB_VARLINK_MESSAGE_MAX;
}

void bb_varlink_reader_done(BbVarlinkReader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
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
	n = read(fd, r->buf + r->len, r->cap - r->len);
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

static int send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
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
	r = send_all(fd, out, out_len);
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
