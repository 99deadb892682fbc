/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bindbroker: the command-line client. Global options, then one command from the table. */
#include <stdio.h>
#include <string.h>

#include "client.h"

#ifndef BB_VERSION
#define BB_VERSION "unknown"
#endif

typedef struct Command {
	const char *name;
	int min_args, max_args;
	bool group_flag, persist_flag; /* which flags the command takes */
	bool own_options;              /* takes options of its own (parsed by the command) */
	int (*run)(const Client *c, const CommandArgs *a);
	const char *synopsis;
} Command;

static const Command commands[] = {
    {"status", 0, 0, false, false, false, cmd_status, "status"},
    {"list", 0, 0, false, false, false, cmd_list, "list"},
    {"show", 1, 1, false, false, false, cmd_show, "show DEV"},
    {"check", 1, 2, true, false, false, cmd_check, "check DEV [DRIVER] [--group]"},
    {"bind", 1, 2, true, true, false, cmd_bind, "bind DEV [DRIVER] [--group] [--persist]"},
    {"release", 1, 1, false, false, false, cmd_release, "release DEV"},
    {"quarantine", 1, 1, false, false, false, cmd_quarantine, "quarantine DEV"},
    {"apply", 0, 1, false, false, false, cmd_apply, "apply [DEV]"},
    {"table", 1, MAX_ARGS, false, false, true, cmd_table,
     "table install FILE | list | verify FILE --key PUB | sign FILE --key SECKEY"},
    {"keygen", 0, MAX_ARGS, false, false, true, run_helper, "keygen [--output-dir DIR]"},
    {"audit", 1, MAX_ARGS, false, false, true, cmd_audit,
     "audit show [--device DEV] [--since TIME] | verify [--journal DIR] [--key PUB] |"
     " export [--journal DIR]"},
};

static void usage(FILE *f)
{
	fputs("Usage: bindbroker [--socket PATH] [--json] COMMAND\n\nCommands:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s\n", commands[i].synopsis);
	fputs("\nExit status: 0 done/allowed, 1 denied, 2 bad usage or input,\n"
	      "3 failed and rolled back, 4 broker unreachable or busy (try again).\n",
	      f);
}

static const Command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (streq(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	Client c = {.socket_path = BB_DEFAULT_SOCKET};
	char *positional[MAX_ARGS + 1];
	bool group = false, persist = false, options_done = false;
	const Command *cmd;
	CommandArgs a = {0};
	int n = 0;

	/* Options may stand anywhere; "--" ends them. Commands of later issues take their own. */
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (options_done || arg[0] != '-' || streq(arg, "-")) {
			if (n > MAX_ARGS)
				return client_fail(&c, EXIT_USAGE, "io.bindbroker.Client.Usage",
				                   NULL, "too many arguments");
			positional[n++] = argv[i];
		} else if (streq(arg, "--")) {
			options_done = true;
			if (n > 0 && n <= MAX_ARGS && find_command(positional[0]) &&
			    find_command(positional[0])->own_options)
				positional[n++] = argv[i]; /* the command's parser sees it too */
		} else if (streq(arg, "--json")) {
			c.json = true;
		} else if (streq(arg, "--socket")) {
			if (++i >= argc)
				return client_fail(&c, EXIT_USAGE, "io.bindbroker.Client.Usage",
				                   NULL, "--socket needs a PATH");
			c.socket_path = argv[i];
		} else if (strncmp(arg, "--socket=", 9) == 0) {
			c.socket_path = arg + 9;
		} else if (streq(arg, "--group")) {
			group = true;
		} else if (streq(arg, "--persist")) {
			persist = true;
		} else if (streq(arg, "-h") || streq(arg, "--help")) {
			usage(stdout);
			return EXIT_DONE;
		} else if (streq(arg, "--version")) {
			printf("bindbroker %s\n", BB_VERSION);
			return EXIT_DONE;
		} else if (n > 0 && find_command(positional[0]) &&
		           find_command(positional[0])->own_options) {
			if (n > MAX_ARGS)
				return client_fail(&c, EXIT_USAGE, "io.bindbroker.Client.Usage",
				                   NULL, "too many arguments");
			positional[n++] = argv[i]; /* the command parses its own options */
		} else {
			usage(stderr);
			return client_fail(&c, EXIT_USAGE, "io.bindbroker.Client.Usage", NULL,
			                   "unknown option \"%s\"", arg);
		}
	}
	if (*c.socket_path == '\0')
		return client_fail(&c, EXIT_USAGE, "io.bindbroker.Client.Usage", NULL,
		                   "--socket needs a PATH");
	if (n == 0) {
		usage(stderr);
		return client_fail(&c, EXIT_USAGE, "io.bindbroker.Client.Usage", NULL,
		                   "no command given");
	}
	cmd = find_command(positional[0]);
	if (!cmd)
		return client_fail(&c, EXIT_USAGE, "io.bindbroker.Client.Usage", NULL,
		                   "unknown command \"%s\" (see --help)", positional[0]);
	a = (CommandArgs){.name = cmd->name,
	                  .n = n - 1,
	                  .argv = positional + 1,
	                  .group = group,
	                  .persist = persist};
	if (a.n < cmd->min_args || a.n > cmd->max_args)
		return client_fail(&c, EXIT_USAGE, "io.bindbroker.Client.Usage", NULL,
		                   "usage: bindbroker %s", cmd->synopsis);
	if ((group && !cmd->group_flag) || (persist && !cmd->persist_flag))
		return client_fail(&c, EXIT_USAGE, "io.bindbroker.Client.Usage", NULL,
		                   "%s does not take %s (usage: bindbroker %s)", cmd->name,
		                   group && !cmd->group_flag ? "--group" : "--persist",
		                   cmd->synopsis);
	return cmd->run(&c, &a);
}
