/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small command line over libbb_tables for the shell tests (the real client is
 * client/; this only exposes the same functions to scripts):
 *   keygen PUB SEC | sign FILE SEC NOW | verify FILE PUB NOW
 *   install KEYS STATE FILE NOW | list KEYS STATE NOW
 * Exit 0 done, 1 refused (reason on stderr as "CHECK: message"), 2 bad usage.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-tables.h"

static int refused(int r, const struct bb_reason *why)
{
	fprintf(stderr, "%s: %s (%s)\n", bb_check_name(why->check), why->msg, strerror(-r));
	return 1;
}

static int64_t parse_now(const char *s)
{
	int64_t t;
	if (bb_time_parse(s, &t) == 0)
		return t;
	return strtoll(s, NULL, 10);
}

static int open_dir(const char *p)
{
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		perror(p);
	return fd;
}

int main(int argc, char **argv)
{
	struct bb_reason why = {0};
	int r;

	if (argc == 4 && !strcmp(argv[1], "keygen")) {
		r = bb_cli_keygen(argv[2], argv[3], &why);
		return r < 0 ? refused(r, &why) : 0;
	}
	if (argc == 5 && !strcmp(argv[1], "sign")) {
		r = bb_cli_sign(argv[2], argv[3], parse_now(argv[4]), &why);
		return r < 0 ? refused(r, &why) : 0;
	}
	if (argc == 5 && !strcmp(argv[1], "verify")) {
		struct bb_table *t = NULL;
		r = bb_cli_verify(argv[2], argv[3], parse_now(argv[4]), &t, &why);
		if (r < 0)
			return refused(r, &why);
		printf("verified %s serial %" PRIu64 " entries %zu\n", t->name, t->serial,
		       t->n_entries);
		bb_table_free(t);
		return 0;
	}
	if ((argc == 6 && !strcmp(argv[1], "install")) || (argc == 5 && !strcmp(argv[1], "list"))) {
		struct bb_tables *tables = NULL;
		unsigned skipped = 0;
		int keys = open_dir(argv[2]), state = open_dir(argv[3]);
		if (keys < 0 || state < 0)
			return 2;
		r = bb_tables_open(keys, state, &tables, &skipped, &why);
		if (r < 0)
			return refused(r, &why);
		if (argv[1][0] == 'i') {
			r = bb_tables_install_file(tables, argv[4], parse_now(argv[5]), &why);
			bb_tables_free(tables);
			return r < 0 ? refused(r, &why) : 0;
		}
		int64_t now = parse_now(argv[4]);
		for (size_t i = 0; i < bb_tables_count(tables); i++) {
			struct bb_table_info info;
			char exp[32];
			bb_tables_info(tables, i, now, &info);
			bb_time_format(info.expires, exp);
			printf("%s %s %s %" PRIu64 " %s %zu%s\n", info.name, info.signer_name,
			       info.signer_id, info.serial, exp, info.n_entries,
			       info.expired ? " expired" : "");
		}
		printf("skipped %u\n", skipped);
		bb_tables_free(tables);
		return 0;
	}
	fprintf(stderr, "usage: %s keygen|sign|verify|install|list ...\n", argv[0]);
	return 2;
}
