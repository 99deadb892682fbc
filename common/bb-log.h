/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging. Libraries never print on their own: they call bb_log, which goes to
 * a sink the program installs (stderr by default, the journal in the daemon).
 */
#pragma once

#include <syslog.h>

#include "bb-macro.h"

typedef void (*bb_log_sink)(int priority, const char *file, int line, const char *msg,
			    void *userdata);

void bb_log_set_sink(bb_log_sink sink, void *userdata);
void bb_log_set_max_priority(int priority);
int bb_log_get_max_priority(void);

/* Logs and returns -abs(err), so failures can be logged and returned in one line. */
int bb_log_internal(int priority, int err, const char *file, int line, const char *fmt, ...)
	_printf_(5, 6);

#define bb_log(prio, ...)        bb_log_internal((prio), 0, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...)           bb_log(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)            bb_log(LOG_INFO, __VA_ARGS__)
#define log_notice(...)          bb_log(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...)         bb_log(LOG_WARNING, __VA_ARGS__)
#define log_error(...)           bb_log(LOG_ERR, __VA_ARGS__)
#define log_error_errno(e, ...)  bb_log_internal(LOG_ERR, (e), __FILE__, __LINE__, __VA_ARGS__)
#define log_warning_errno(e, ...) bb_log_internal(LOG_WARNING, (e), __FILE__, __LINE__, __VA_ARGS__)
#define log_debug_errno(e, ...)  bb_log_internal(LOG_DEBUG, (e), __FILE__, __LINE__, __VA_ARGS__)
