/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bb-log.h"

static void stderr_sink(int priority, const char *file, int line, const char *msg, void *userdata)
{
	(void)userdata;
	if (priority >= LOG_DEBUG)
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s\n", msg);
}

static bb_log_sink log_sink = stderr_sink;
static void *log_userdata;
static int log_max_priority = LOG_INFO;

void bb_log_set_sink(bb_log_sink sink, void *userdata)
{
	log_sink = sink ? sink : stderr_sink;
	log_userdata = userdata;
}

void bb_log_set_max_priority(int priority)
{
	log_max_priority = priority;
}

int bb_log_get_max_priority(void)
{
	return log_max_priority;
}

int bb_log_internal(int priority, int err, const char *file, int line, const char *fmt, ...)
{
	int ret = err < 0 ? err : -err;

	if (priority > log_max_priority)
		return ret;

	char msg[1024];
	va_list ap;
	int saved = errno;

	/* %m in the format names the error passed in, not whatever errno holds now. */
	errno = err < 0 ? -err : err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errno = saved;

	log_sink(priority, file, line, msg, log_userdata);
	return ret;
}
