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

#define BB_DEFAULT_SOCKET  "/run/bindbroker/io.bindbroker.Broker"
#define BB_DEFAULT_JOURNAL "/var/lib/bindbroker/journal"

/* Methods of the integration (INTEGRATION-API.md) until common/varlink names them. */
#ifndef BB_BROKER_METHOD_INSTALL_TABLE
#define BB_BROKER_METHOD_INSTALL_TABLE "io.bindbroker.Broker.InstallTable"
#endif
#ifndef BB_BROKER_METHOD_LIST_TABLES
#define BB_BROKER_METHOD_LIST_TABLES "io.bindbroker.Broker.ListTables"
#endif
#ifndef BB_BROKER_METHOD_AUDIT_SHOW
#define BB_BROKER_METHOD_AUDIT_SHOW "io.bindbroker.Broker.AuditShow"
#endif

/* A per-user limit of the broker is reached (bindbrokerd's interface.c). */
#ifndef BB_BROKER_ERROR_BUSY
#define BB_BROKER_ERROR_BUSY "io.bindbroker.Broker.Busy"
#endif

/* Error names of the client's own (local) failures. */
#define BB_CLIENT_ERROR_USAGE     "io.bindbroker.Client.Usage"
#define BB_CLIENT_ERROR_BAD_INPUT "io.bindbroker.Client.BadInput"
#define BB_CLIENT_ERROR_REFUSED   "io.bindbroker.Client.Refused"
#define BB_CLIENT_ERROR_TAMPERED  "io.bindbroker.Client.Tampered"
#define BB_CLIENT_ERROR_FAILED    "io.bindbroker.Client.Failed"

typedef struct Client {
	const char *socket_path;
	bool json;
} Client;

/* The most words a command takes after its name. */
#define MAX_ARGS 16

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
/* The same, passing N_FDS open file descriptors with the call (table install of a large file). */
int client_call_with_fds(const Client *c, const CommandArgs *a, const char *method,
                         struct json_object *params, const int *fds, size_t n_fds,
                         ReplyPrinter print);

/* A local error (bad usage, bad input): printed, and as one JSON object with --json. */
int client_fail(const Client *c, int status, const char *error, const char *parameter,
                const char *fmt, ...) _printf_(5, 6);

/* The same, with the check that refused (a signature, syntax, expiry ...) named in the object. */
int client_fail_check(const Client *c, int status, const char *error, const char *check,
                      const char *fmt, ...) _printf_(5, 6);

/* subargs.c: a command's own options, each "--NAME VALUE" or "--NAME=VALUE", at most once. */
typedef struct SubOption {
	const char *name; /* "--key" */
	const char **value;
} SubOption;

/*
 * Splits ARGV (N words after the command's own words) into OPTS and at most MAX_POS
 * positional words. Prints the problem and returns EXIT_USAGE; 0 when fine.
 */
int parse_subargs(const Client *c, const char *synopsis, int n, char **argv, const SubOption *opts,
                  size_t n_opts, char **pos, int max_pos, int *ret_npos);

/*
 * The common "SUBCOMMAND FILE --key KEY" form (argv[0] is the subcommand): both are
 * required. Prints the usage with SYNOPSIS and returns EXIT_USAGE; 0 when fine.
 */
int parse_file_and_key(const Client *c, const char *synopsis, int n, char **argv, char **ret_file,
                       const char **ret_key);

/* output.c: terminal-safe printing of strings that came over the wire. */
const char *jstr(struct json_object *o, const char *key); /* "" when absent or null */
bool jbool(struct json_object *o, const char *key);
int jint(struct json_object *o, const char *key, int def);
const char *jnum(struct json_object *o, const char *key); /* a number as its text; "?" if absent */
struct json_object *jarray(struct json_object *o, const char *key); /* NULL unless an array */
size_t jlen(struct json_object *arr);
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

/* cmd-table.c, cmd-audit.c: they parse their own options (subargs.c). */
int cmd_table(const Client *c, const CommandArgs *a);
int cmd_audit(const Client *c, const CommandArgs *a);

/*
 * run-helper.c: keygen, table install | verify | sign and audit verify | export need OpenSSL
 * (libbb_tables, libbb_audit), which the other commands must not pay for at start-up: they
 * run in the private program bindbroker-crypto (helper/), which this execs. It is looked for
 * beside the running client (the build tree), then in BB_HELPER_DIR (where it is installed).
 * Returns only on failure (exit status 3).
 *
 * The private command line: bindbroker-crypto BB_HELPER_TAG SOCKET --json|--human COMMAND WORD...
 * with COMMAND and WORDs as the client's parser left them (CommandArgs), arity already checked.
 */
#define BB_HELPER_NAME "bindbroker-crypto"
#define BB_HELPER_TAG  "--bindbroker-helper-1" /* bumped when that command line changes */
int run_helper(const Client *c, const CommandArgs *a);
