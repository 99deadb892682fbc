/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The varlink protocol layer: message shape, limits, parameter checks, framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bb-macro.h"
#include "bb-varlink.h"

static const BbVarlinkField bind_fields[] = {
    {"device", json_type_string, true, 12},
    {"driver", json_type_string, false, 64},
    {"group", json_type_boolean, false, 0},
    {NULL, json_type_null, false, 0},
};

static int parse_call(const char *text, BbVarlinkCall *call, char *err, size_t errsz)
{
	return bb_varlink_parse_call(text, strlen(text), call, err, errsz);
}

static void test_call_valid(void **state)
{
	BbVarlinkCall call = {0};
	char err[256] = "";
	(void)state;

	assert_int_equal(parse_call("{\"method\":\"io.bindbroker.Broker.Bind\",\"parameters\":"
	                            "{\"device\":\"0000:03:00.0\"},\"oneway\":true}",
	                            &call, err, sizeof(err)),
	                 0);
	assert_string_equal(call.method, "io.bindbroker.Broker.Bind");
	assert_true(call.oneway);
	assert_string_equal(bb_varlink_get_string(call.parameters, "device"), "0000:03:00.0");
	bb_varlink_call_done(&call);

	/* No parameters at all: an empty object. */
	assert_int_equal(parse_call("{\"method\":\"io.bindbroker.Broker.ListDevices\"}", &call, err,
	                            sizeof(err)),
	                 0);
	assert_int_equal(json_object_object_length(call.parameters), 0);
	assert_false(call.oneway);
	bb_varlink_call_done(&call);
}

static void test_call_refused(void **state)
{
	BbVarlinkCall call = {0};
	char err[256];
	(void)state;

	assert_int_equal(parse_call("{\"method\":\"io.bindbroker.Broker.Bind\",\"extra\":1}", &call,
	                            err, sizeof(err)),
	                 -EPROTO);
	assert_non_null(strstr(err, "unknown key \"extra\""));

	assert_int_equal(parse_call("{\"method\":\"io.bindbroker.Broker.Bind\",\"more\":true}",
	                            &call, err, sizeof(err)),
	                 -EPROTO);
	assert_non_null(strstr(err, "\"more\""));

	assert_int_equal(parse_call("{\"method\":\"Bind\"}", &call, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "method"));
	assert_int_equal(parse_call("{\"parameters\":{}}", &call, err, sizeof(err)), -EPROTO);
	assert_int_equal(parse_call("{\"method\":7}", &call, err, sizeof(err)), -EPROTO);
	assert_int_equal(
	    parse_call("{\"method\":\"a.b.C\",\"parameters\":[]}", &call, err, sizeof(err)),
	    -EPROTO);
	assert_int_equal(parse_call("[1]", &call, err, sizeof(err)), -EPROTO);

	/* Not JSON, trailing bytes, lax syntax, bad UTF-8: the offset is named. */
	assert_int_equal(parse_call("{\"method\":", &call, err, sizeof(err)), -EBADMSG);
	assert_int_equal(parse_call("{\"method\":\"a.b.C\"} x", &call, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "offset"));
	assert_int_equal(parse_call("{'method':'a.b.C'}", &call, err, sizeof(err)), -EBADMSG);
	assert_int_equal(parse_call("{\"method\":\"a.b.\xff\"}", &call, err, sizeof(err)),
	                 -EBADMSG);
	assert_int_equal(parse_call("", &call, err, sizeof(err)), -EBADMSG);
}

static void test_call_limits(void **state)
{
	BbVarlinkCall call = {0};
	char err[256];
	char deep[256] = "{\"method\":\"a.b.C\",\"parameters\":{\"x\":";
	size_t n = BB_VARLINK_MESSAGE_MAX + 1;
	_cleanup_free_ char *big = malloc(n);
	(void)state;

	for (int i = 0; i < BB_VARLINK_DEPTH_MAX; i++)
		strcat(deep, "[");
	for (int i = 0; i < BB_VARLINK_DEPTH_MAX; i++)
		strcat(deep, "]");
	strcat(deep, "}}");
	assert_int_equal(parse_call(deep, &call, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "nested deeper"));

	assert_non_null(big);
	memset(big, ' ', n);
	assert_int_equal(bb_varlink_parse_call(big, n, &call, err, sizeof(err)), -EMSGSIZE);
	assert_non_null(strstr(err, "limit"));

	assert_int_equal(
	    bb_varlink_parse_call("{\"method\":\"a.b.C\"}\0", 19, &call, err, sizeof(err)),
	    -EBADMSG);
	assert_non_null(strstr(err, "NUL"));
}

static void test_member_names(void **state)
{
	(void)state;
	assert_true(bb_varlink_valid_member_name("io.bindbroker.Broker.Bind"));
	assert_true(bb_varlink_valid_member_name("org.varlink.service.GetInfo"));
	assert_true(bb_varlink_valid_member_name("a-b.c9.X1"));
	assert_false(bb_varlink_valid_member_name("io.Bind"));
	assert_false(bb_varlink_valid_member_name("io.bindbroker.Broker.bind"));
	assert_false(bb_varlink_valid_member_name("io..Broker.Bind"));
	assert_false(bb_varlink_valid_member_name("io.b-.Bind"));
	assert_false(bb_varlink_valid_member_name("9o.b.Bind"));
	assert_false(bb_varlink_valid_member_name("io.b.Bi_nd"));
	assert_false(bb_varlink_valid_member_name(""));

	char iface[64];
	assert_int_equal(bb_varlink_interface_of("io.bindbroker.Broker.Bind", iface, sizeof(iface)),
	                 0);
	assert_string_equal(iface, "io.bindbroker.Broker");
}

static int check(const char *json, const char **bad, char *err)
{
	struct json_object *params = json_tokener_parse(json);
	int r;

	assert_non_null(params);
	r = bb_varlink_check_parameters(params, bind_fields, bad, err, 256);
	json_object_put(params);
	return r;
}

static void test_parameters(void **state)
{
	const char *bad = NULL;
	char err[256];
	(void)state;

	assert_int_equal(check("{\"device\":\"0000:03:00.0\",\"driver\":null}", &bad, err), 0);
	assert_int_equal(check("{\"device\":\"0000:03:00.0\",\"group\":true}", &bad, err), 0);

	/* bad points into the freed object after check(); compare the message instead. */
	assert_int_equal(check("{\"device\":\"0000:03:00.0\",\"force\":true}", &bad, err), -EINVAL);
	assert_string_equal(err, "unknown parameter \"force\"");
	assert_int_equal(check("{\"driver\":\"vfio-pci\"}", &bad, err), -EINVAL);
	assert_string_equal(bad, "device");
	assert_string_equal(err, "parameter \"device\" is missing");
	assert_int_equal(check("{\"device\":null}", &bad, err), -EINVAL);
	assert_string_equal(err, "parameter \"device\" is not a string");
	assert_int_equal(check("{\"device\":3}", &bad, err), -EINVAL);
	assert_string_equal(err, "parameter \"device\" is not a string");
	assert_int_equal(check("{\"device\":\"0000:03:00.0\",\"group\":\"yes\"}", &bad, err),
	                 -EINVAL);
	assert_string_equal(err, "parameter \"group\" is not a boolean");
	assert_int_equal(check("{\"device\":\"0000:03:00.0 extra\"}", &bad, err), -EINVAL);
	assert_string_equal(err, "parameter \"device\" is longer than 12 bytes");
	assert_int_equal(check("{\"device\":\"0000:03\\u0000.0\"}", &bad, err), -EINVAL);
	assert_string_equal(err, "parameter \"device\" contains a NUL character");
}

static void test_reply(void **state)
{
	BbVarlinkReply reply = {0};
	char err[256];
	const char *ok = "{\"parameters\":{\"allowed\":true}}";
	const char *denied = "{\"error\":\"io.bindbroker.Broker.Denied\",\"parameters\":"
	                     "{\"reason\":\"boot VGA\"}}";
	(void)state;

	assert_int_equal(bb_varlink_parse_reply(ok, strlen(ok), &reply, err, sizeof(err)), 0);
	assert_null(reply.error);
	assert_true(bb_varlink_get_bool(reply.parameters, "allowed", false));
	bb_varlink_reply_done(&reply);

	assert_int_equal(bb_varlink_parse_reply(denied, strlen(denied), &reply, err, sizeof(err)),
	                 0);
	assert_string_equal(reply.error, BB_BROKER_ERROR_DENIED);
	assert_string_equal(bb_varlink_get_string(reply.parameters, "reason"), "boot VGA");
	bb_varlink_reply_done(&reply);

	assert_int_equal(
	    bb_varlink_parse_reply("{\"method\":\"a.b.C\"}", 18, &reply, err, sizeof(err)),
	    -EPROTO);
	assert_int_equal(
	    bb_varlink_parse_reply("{\"error\":\"nope\"}", 16, &reply, err, sizeof(err)), -EPROTO);
}

static void test_reader_framing(void **state)
{
	BbVarlinkReader reader = {0};
	int fds[2];
	char *msg;
	size_t len;
	(void)state;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(write(fds[1], "{\"a\":1}\0{\"b\":2}\0{\"c\"", 20), 20);
	assert_int_equal(bb_varlink_reader_fill(&reader, fds[0]), 20);
	assert_int_equal(bb_varlink_reader_next(&reader, &msg, &len), 1);
	assert_string_equal(msg, "{\"a\":1}");
	assert_int_equal(len, 7);
	free(msg);
	assert_int_equal(bb_varlink_reader_next(&reader, &msg, &len), 1);
	assert_string_equal(msg, "{\"b\":2}");
	free(msg);
	assert_int_equal(bb_varlink_reader_next(&reader, &msg, &len), 0);
	assert_true(bb_varlink_reader_pending(&reader));
	assert_int_equal(write(fds[1], ":3}", 4), 4); /* with its NUL */
	assert_int_equal(bb_varlink_reader_fill(&reader, fds[0]), 4);
	assert_int_equal(bb_varlink_reader_next(&reader, &msg, &len), 1);
	assert_string_equal(msg, "{\"c\":3}");
	free(msg);
	assert_false(bb_varlink_reader_pending(&reader));
	bb_varlink_reader_done(&reader);

	/* A message that never ends is refused once it passes the limit. */
	reader.max = 100;
	char junk[64];
	memset(junk, 'x', sizeof(junk));
	assert_int_equal(write(fds[1], junk, sizeof(junk)), (ssize_t)sizeof(junk));
	assert_int_equal(write(fds[1], junk, sizeof(junk)), (ssize_t)sizeof(junk));
	int r;
	while ((r = bb_varlink_reader_fill(&reader, fds[0])) > 0)
		if ((r = bb_varlink_reader_next(&reader, &msg, &len)) != 0)
			break;
	assert_int_equal(r, -EMSGSIZE);
	bb_varlink_reader_done(&reader);

	/* End of stream reads as 0. */
	close(fds[1]);
	BbVarlinkReader r2 = {0};
	while ((r = bb_varlink_reader_fill(&r2, fds[0])) > 0)
		;
	assert_int_equal(r, 0);
	bb_varlink_reader_done(&r2);
	close(fds[0]);
}

static void test_serialize_and_call(void **state)
{
	struct json_object *params = json_object_new_object();
	struct json_object *msg;
	BbVarlinkCall call = {0};
	BbVarlinkReply reply = {0};
	_cleanup_free_ char *text = NULL;
	char err[256], buf[512];
	size_t len;
	int fds[2];
	(void)state;

	json_object_object_add(params, "device", json_object_new_string("0000:03:00.0"));
	msg = bb_varlink_call_new(BB_BROKER_METHOD_SHOW_DEVICE, params);
	assert_int_equal(bb_varlink_serialize(msg, BB_VARLINK_MESSAGE_MAX, &text, &len), 0);
	assert_int_equal(text[len - 1], '\0');
	{
		char *small = NULL;
		assert_int_equal(bb_varlink_serialize(msg, 10, &small, &len), -EMSGSIZE);
		assert_null(small);
	}
	json_object_put(msg);

	/* A whole exchange: the reply waits in the socket before the call is made. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	const char canned[] = "{\"error\":\"io.bindbroker.Broker.NoSuchDevice\","
	                      "\"parameters\":{\"device\":\"0000:09:00.0\"}}";
	assert_int_equal(write(fds[1], canned, sizeof(canned)), (ssize_t)sizeof(canned));
	params = json_object_new_object();
	json_object_object_add(params, "device", json_object_new_string("0000:09:00.0"));
	assert_int_equal(
	    bb_varlink_call(fds[0], BB_BROKER_METHOD_SHOW_DEVICE, params, &reply, err, sizeof(err)),
	    0);
	assert_string_equal(reply.error, BB_BROKER_ERROR_NO_SUCH_DEVICE);
	bb_varlink_reply_done(&reply);

	/* What the call sent parses back as the same call. */
	ssize_t n = read(fds[1], buf, sizeof(buf));
	assert_true(n > 1 && buf[n - 1] == '\0');
	assert_int_equal(bb_varlink_parse_call(buf, (size_t)n - 1, &call, err, sizeof(err)), 0);
	assert_string_equal(call.method, BB_BROKER_METHOD_SHOW_DEVICE);
	assert_string_equal(bb_varlink_get_string(call.parameters, "device"), "0000:09:00.0");
	bb_varlink_call_done(&call);
	close(fds[0]);
	close(fds[1]);

	/* The peer hangs up without answering: after reading the call, or before. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds + 0), 0);
	shutdown(fds[1], SHUT_WR);
	assert_int_equal(
	    bb_varlink_call(fds[0], BB_BROKER_METHOD_LIST_DEVICES, NULL, &reply, err, sizeof(err)),
	    -ECONNRESET);
	assert_string_equal(err, "the broker closed the connection without a reply");
	close(fds[1]);
	assert_int_equal(
	    bb_varlink_call(fds[0], BB_BROKER_METHOD_LIST_DEVICES, NULL, &reply, err, sizeof(err)),
	    -EPIPE);
	close(fds[0]);
}

/* Sends "{}\0" on SOCK with N open descriptors of /dev/null (SCM_RIGHTS). */
static void send_with_devnull_fds(int sock, size_t n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} control = {0};
	struct iovec iov = {.iov_base = (void *)"{}", .iov_len = 3};
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = control.buf,
	                    .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int fds[4];

	for (size_t i = 0; i < n; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	assert_int_equal(sendmsg(sock, &mh, 0), 3);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

static bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_reader_passed_fds(void **state)
{
	BbVarlinkReader reader = {0};
	BbVarlinkCall call = {0};
	int sv[2], kept[2];
	char *msg;
	size_t len;
	(void)state;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

	/* Two descriptors come with the message and move into the call, which closes them. */
	send_with_devnull_fds(sv[1], 2);
	assert_int_equal(bb_varlink_reader_fill(&reader, sv[0]), 3);
	assert_int_equal(bb_varlink_reader_next(&reader, &msg, &len), 1);
	free(msg);
	assert_int_equal(bb_varlink_reader_take_fds(&reader, &call), 0);
	assert_int_equal(call.n_fds, 2);
	assert_int_equal(reader.n_fds, 0);
	kept[0] = call.fds[0];
	kept[1] = call.fds[1];
	assert_true(fd_is_open(kept[0]) && fd_is_open(kept[1]));
	assert_true(fcntl(kept[0], F_GETFD) & FD_CLOEXEC);
	bb_varlink_call_done(&call);
	assert_false(fd_is_open(kept[0]) || fd_is_open(kept[1]));

	/* Three are more than a call may carry: all are refused and closed. */
	send_with_devnull_fds(sv[1], 3);
	assert_int_equal(bb_varlink_reader_fill(&reader, sv[0]), 3);
	assert_int_equal(bb_varlink_reader_next(&reader, &msg, &len), 1);
	free(msg);
	assert_int_equal(bb_varlink_reader_take_fds(&reader, &call), -EPROTO);
	assert_int_equal(call.n_fds, 0);
	assert_int_equal(reader.n_fds, 0);

	/* Descriptors never taken are closed with the reader. */
	send_with_devnull_fds(sv[1], 1);
	assert_int_equal(bb_varlink_reader_fill(&reader, sv[0]), 3);
	assert_int_equal(reader.n_fds, 1);
	kept[0] = reader.fds[0];
	bb_varlink_reader_done(&reader);
	assert_false(fd_is_open(kept[0]));
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_call_valid),        cmocka_unit_test(test_call_refused),
	    cmocka_unit_test(test_call_limits),       cmocka_unit_test(test_member_names),
	    cmocka_unit_test(test_parameters),        cmocka_unit_test(test_reply),
	    cmocka_unit_test(test_reader_framing),    cmocka_unit_test(test_serialize_and_call),
	    cmocka_unit_test(test_reader_passed_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
