/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bindbroker client's internal door: options, exit codes, calls and output. */
#pragma once

#include <stdbool.h>

#include <json-c/json.h>

#include "bb-macro.h"

/* Exit status, DESIGN §4. */
enum {
	EXIT_DONE = 0,        /* done / allowed */
	EXIT_DENIED = 1,      /* denied by policy, table or authorization */
	EXIT_USAGE = 2,       /* bad usage or bad input */
	EXIT_FAILED = 3,      /* the operation failed and was rolled back */
	EXIT_UNREACHABLE = 4, /* the broker could not be reached */
};

#define BB_DEFAULT_SOCKET "/run/bindbroker/io.bindbroker.Broker"

typedef struct Client {
	const char *socket_path;
	bool json;
} Client;

/* Positional arguments and flags after the command name. */
typedef struct CommandArgs {
	const char *name;
	int n;
	char **argv;
	bool group;
	bool persist;
} CommandArgs;

/*
 * Prints the human form of a successful reply (nothing when --json) and returns
 * the exit status it stands for (a Check that says "denied" is 1).
 */
typedef int (*ReplyPrinter)(const Client *c, const CommandArgs *a, struct json_object *params);

/* call.c: one call to the broker, errors mapped to exit codes and printed. */
int client_call(const Client *c, const CommandArgs *a, const char *method,
                struct json_object *params, ReplyPrinter print);

/* A local error (bad usage, bad input): printed, and as one JSON object with --json. */
int client_fail(const Client *c, int status, const char *error, const char *parameter,
                const char *fmt, ...) _printf_(5, 6);

/* output.c: terminal-safe printing of strings that came over the wire. */
const char *jstr(struct json_object *o, const char *key); /* "" when absent or null */
bool jbool(struct json_object *o, const char *key);
int jint(struct json_object *o, const char *key, int def);
void print_safe(FILE *f, const char *s);
void print_json(struct json_object *o);

/* commands.c */
int cmd_status(const Client *c, const CommandArgs *a);
int cmd_list(const Client *c, const CommandArgs *a);
int cmd_show(const Client *c, const CommandArgs *a);
int cmd_check(const Client *c, const CommandArgs *a);
int cmd_bind(const Client *c, const CommandArgs *a);
int cmd_release(const Client *c, const CommandArgs *a);
int cmd_quarantine(const Client *c, const CommandArgs *a);
int cmd_apply(const Client *c, const CommandArgs *a);
int cmd_not_available(const Client *c, const CommandArgs *a);
