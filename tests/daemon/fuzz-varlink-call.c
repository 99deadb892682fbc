/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the daemon's request path for one message — parse it as a
 * varlink call and check its parameters against the Bind field list, as
 * bindbrokerd does before any handler runs. Also feeds the bytes through the
 * stream reader to exercise the NUL framing.
 */
#include <stdint.h>
#include <string.h>

#include "bb-macro.h"
#include "bb-varlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const BbVarlinkField fields[] = {
    {"device", json_type_string, true, 12}, {"driver", json_type_string, false, 64},
    {"group", json_type_boolean, false, 0}, {"persist", json_type_boolean, false, 0},
    {NULL, json_type_null, false, 0},
};

static void parse_one(const char *msg, size_t len)
{
	BbVarlinkCall call = {0};
	BbVarlinkReply reply = {0};
	char err[256];

	if (bb_varlink_parse_call(msg, len, &call, err, sizeof(err)) == 0) {
		const char *bad = NULL;

		if (bb_varlink_check_parameters(call.parameters, fields, &bad, err, sizeof(err)) ==
		    0) {
			(void)bb_varlink_get_string(call.parameters, "device");
			(void)bb_varlink_get_bool(call.parameters, "group", false);
		}
		bb_varlink_call_done(&call);
	}
	if (bb_varlink_parse_reply(msg, len, &reply, err, sizeof(err)) == 0)
		bb_varlink_reply_done(&reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[2];
	BbVarlinkReader reader = {0};
	char *msg;
	size_t len;

	if (size > 2 * BB_VARLINK_MESSAGE_MAX)
		return 0;
	parse_one((const char *)data, size);

	/* The same bytes through the framing: a pipe holds 64 KiB, so write a bounded part. */
	if (pipe(fds) < 0)
		return 0;
	if (size > 0 && write(fds[1], data, size < 60000 ? size : 60000) < 0)
		size = 0;
	close(fds[1]);
	while (bb_varlink_reader_fill(&reader, fds[0]) > 0) {
		while (bb_varlink_reader_next(&reader, &msg, &len) == 1) {
			parse_one(msg, len);
			free(msg);
		}
	}
	close(fds[0]);
	bb_varlink_reader_done(&reader);
	return 0;
}
