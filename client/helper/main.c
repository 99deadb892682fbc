/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bindbroker-crypto: the client's private command line (client.h, run_helper) to one command.
 * The client has checked the global options and the arity already; each command parses its own
 * options with the client's code, so messages and exit status are the same as in the client.
 */
#include <stdio.h>

#include "helper.h"

static const struct {
	const char *command, *sub; /* sub NULL: the command has none */
	int (*run)(const Client *c, const CommandArgs *a);
} helper_commands[] = {
    {"keygen", NULL, cmd_keygen},      {"table", "install", table_install},
    {"table", "verify", table_verify}, {"table", "sign", table_sign},
    {"audit", "verify", audit_verify}, {"audit", "export", audit_export},
};

int main(int argc, char **argv)
{
	Client c;
	CommandArgs a;

	if (argc < 5 || !streq(argv[1], BB_HELPER_TAG) ||
	    !(streq(argv[3], "--json") || streq(argv[3], "--human"))) {
		fputs(BB_HELPER_NAME ": a part of bindbroker(1), run only by it; "
		                     "use bindbroker keygen, table or audit\n",
		      stderr);
		return EXIT_USAGE;
	}
	c = (Client){.socket_path = argv[2], .json = streq(argv[3], "--json")};
	a = (CommandArgs){.name = argv[4], .n = argc - 5, .argv = argv + 5};
	for (size_t i = 0; i < ARRAY_SIZE(helper_commands); i++) {
		if (!streq(helper_commands[i].command, a.name))
			continue;
		if (!helper_commands[i].sub)
			return helper_commands[i].run(&c, &a);
		if (a.n > 0 && streq(helper_commands[i].sub, a.argv[0]))
			return helper_commands[i].run(&c, &a);
	}
	return client_fail(&c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
	                   "%s: no such command in " BB_HELPER_NAME, a.name);
}
