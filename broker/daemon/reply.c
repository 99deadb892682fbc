/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Filling a handler's reply. */
#include <stdarg.h>
#include <stdio.h>

#include "daemon.h"

int reply_ok(BbReply *reply, struct json_object *params)
{
	reply->error = NULL;
	json_object_put(reply->parameters);
	reply->parameters = params;
	return 0;
}

int reply_error(BbReply *reply, const char *error, struct json_object *params)
{
	reply->error = error;
	json_object_put(reply->parameters);
	reply->parameters = params;
	return 0;
}

/* A format function itself, so FMT is checked at each caller (clang: -Wformat-nonliteral). */
__attribute__((format(printf, 1, 0))) static struct json_object *vformat_reason(const char *fmt,
                                                                                va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	return json_object_new_string(buf);
}

int reply_error_reason(BbReply *reply, const char *error, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	va_list ap;

	va_start(ap, fmt);
	json_object_object_add(o, "reason", vformat_reason(fmt, ap));
	va_end(ap);
	return reply_error(reply, error, o);
}

int reply_invalid_argument(BbReply *reply, const char *parameter, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	va_list ap;

	json_object_object_add(o, "parameter", json_object_new_string(parameter));
	va_start(ap, fmt);
	json_object_object_add(o, "reason", vformat_reason(fmt, ap));
	va_end(ap);
	return reply_error(reply, BB_BROKER_ERROR_INVALID_ARGUMENT, o);
}
