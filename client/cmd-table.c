/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * table list (through the broker), and the table dispatch: install, verify and sign need the
 * signature code of libbb_tables (OpenSSL), so they run in bindbroker-crypto (run-helper.c).
 */
#include <stdio.h>
#include <string.h>

#include "client.h"

#define TABLE_SYNOPSIS "table install FILE | list | verify FILE --key PUB | sign FILE --key SECKEY"

/* ---- list ---------------------------------------------------------------------------------- */

static int print_tables(const Client *c, const CommandArgs *a, struct json_object *p)
{
	struct json_object *tables = jarray(p, "tables");
	int wname = (int)strlen("NAME"), wkey = (int)strlen("SIGNER");
	(void)a;

	if (c->json)
		return EXIT_DONE;
	if (jlen(tables) == 0) {
		puts("no tables installed");
		return EXIT_DONE;
	}
	for (size_t i = 0; i < jlen(tables); i++) {
		struct json_object *t = json_object_array_get_idx(tables, i);
		int n = (int)strlen(jstr(t, "name")), k = (int)strlen(jstr(t, "key"));

		wname = n > wname ? n : wname;
		wkey = k > wkey ? k : wkey;
	}
	wname = wname > 64 ? 64 : wname;
	wkey = wkey > 64 ? 64 : wkey;
	printf("%-*s  %-*s  %-16s  %8s  %-20s  %7s  %s\n", wname, "NAME", wkey, "SIGNER", "KEY ID",
	       "SERIAL", "EXPIRES", "ENTRIES", "STATE");
	for (size_t i = 0; i < jlen(tables); i++) {
		struct json_object *t = json_object_array_get_idx(tables, i);
		int pad;

		print_safe(stdout, jstr(t, "name"));
		pad = wname - (int)strlen(jstr(t, "name"));
		printf("%*s  ", pad > 0 ? pad : 0, "");
		print_safe(stdout, *jstr(t, "key") ? jstr(t, "key") : "-");
		pad = wkey - (int)strlen(*jstr(t, "key") ? jstr(t, "key") : "-");
		printf("%*s  ", pad > 0 ? pad : 0, "");
		print_safe(stdout, *jstr(t, "signer") ? jstr(t, "signer") : "-");
		pad = 16 - (int)strlen(*jstr(t, "signer") ? jstr(t, "signer") : "-");
		printf("%*s  %8s  ", pad > 0 ? pad : 0, "", jnum(t, "serial"));
		print_safe(stdout, jstr(t, "expires"));
		pad = 20 - (int)strlen(jstr(t, "expires"));
		printf("%*s  %7s  %s%s\n", pad > 0 ? pad : 0, "", jnum(t, "entries"),
		       jbool(t, "expired") ? "EXPIRED" : "valid",
		       json_object_object_get_ex(t, "signed", NULL) && !jbool(t, "signed")
		           ? " unsigned"
		           : "");
	}
	return EXIT_DONE;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

int cmd_table(const Client *c, const CommandArgs *a)
{
	const char *sub = a->argv[0];
	char *pos[1];
	int npos;

	if (streq(sub, "list")) {
		if (parse_subargs(c, "table list", a->n - 1, a->argv + 1, NULL, 0, pos, 0, &npos))
			return EXIT_USAGE;
		return client_call(c, a, BB_BROKER_METHOD_LIST_TABLES, NULL, print_tables);
	}
	if (streq(sub, "install") || streq(sub, "verify") || streq(sub, "sign"))
		return run_helper(c, a);
	return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
	                   "unknown table command \"%s\" (usage: bindbroker %s)", sub,
	                   TABLE_SYNOPSIS);
}
