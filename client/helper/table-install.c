/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * table install FILE (through the broker). It reads FILE and FILE.minisig itself: the broker
 * never opens a path a user names. A table too large for one message goes as two open file
 * descriptors instead (SCM_RIGHTS), so the broker reads only what this user could open.
 * Here, not in the client, because the signature's syntax check is libbb_tables' (OpenSSL).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "bb-fileio.h"
#include "bb-tables.h"
#include "bb-varlink.h"
#include "helper.h"

/* Room the call's envelope needs around the parameters, within BB_VARLINK_MESSAGE_MAX. */
#define CALL_ENVELOPE 256

/* The table file name the broker stores it under: [A-Za-z0-9._-]{1,64}, not "." or "..". */
static bool valid_table_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > BB_TABLE_NAME_MAX || streq(s, ".") || streq(s, ".."))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       len;
}

/* Reads a whole file for install, refusing what cannot be sent as JSON text. */
static int read_text(const Client *c, const char *path, size_t max, char **ret, size_t *ret_len)
{
	int r = bb_read_file_at(AT_FDCWD, path, max, ret, ret_len);

	if (r == -EFBIG || r == -E2BIG)
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "file",
		                   "%s: larger than %zu bytes", path, max);
	if (r < 0)
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "file",
		                   "cannot read %s: %s", path, strerror(-r));
	if (memchr(*ret, '\0', *ret_len)) {
		free(TAKE_PTR(*ret));
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "file",
		                   "%s: contains a NUL byte; not a text file", path);
	}
	return 0;
}

static int print_install(const Client *c, const CommandArgs *a, struct json_object *p)
{
	(void)a;
	if (c->json)
		return EXIT_DONE;
	fputs("installed ", stdout);
	print_safe(stdout, jstr(p, "name"));
	printf(": serial %s, %s entries, issued ", jnum(p, "serial"), jnum(p, "entries"));
	print_safe(stdout, jstr(p, "issued"));
	fputs(", expires ", stdout);
	print_safe(stdout, jstr(p, "expires"));
	fputs(", signed by ", stdout);
	print_safe(stdout, jstr(p, "key"));
	fputs(" (key id ", stdout);
	print_safe(stdout, jstr(p, "signer"));
	fputs(")\n", stdout);
	return EXIT_DONE;
}

static int install(const Client *c, const CommandArgs *a, const char *file)
{
	_cleanup_free_ char *table = NULL, *sig = NULL, *sigfile = NULL, *b = NULL;
	_cleanup_(bb_table_freep) struct bb_table *t = NULL;
	_cleanup_free_ struct bb_minisig *ms = NULL;
	struct bb_reason why = {0};
	struct json_object *p;
	size_t table_len, sig_len;
	const char *name;

	b = strdup(file);
	if (!b || asprintf(&sigfile, "%s.minisig", file) < 0)
		return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL, "out of memory");
	name = basename(b);
	if (!valid_table_name(name))
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "name",
		                   "table file name \"%s\": expected 1 to %d of [A-Za-z0-9._-]",
		                   name, BB_TABLE_NAME_MAX);
	if (read_text(c, file, BB_TABLE_MAX_SIZE, &table, &table_len) ||
	    read_text(c, sigfile, BB_SIGFILE_MAX, &sig, &sig_len))
		return EXIT_USAGE;

	/* Malformed input is caught here; whether it is trusted is the broker's decision. */
	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL, "out of memory");
	if (bb_minisig_parse(sig, sig_len, sigfile, ms, &why) < 0 ||
	    bb_table_parse(table, table_len, file, &t, &why) < 0)
		return client_fail_check(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT,
		                         bb_check_name(why.check), "%s", why.msg);

	p = json_object_new_object();
	json_object_object_add(p, "name", json_object_new_string(name));
	json_object_object_add(p, "table", json_object_new_string_len(table, (int)table_len));
	json_object_object_add(p, "signature", json_object_new_string_len(sig, (int)sig_len));
	if (strlen(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN)) + CALL_ENVELOPE >
	    BB_VARLINK_MESSAGE_MAX) {
		/* Too large for a message: the broker reads the files through our descriptors. */
		_cleanup_close_ int table_fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		_cleanup_close_ int sig_fd = open(sigfile, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		int fds[2] = {table_fd, sig_fd};

		json_object_object_del(p, "table");
		json_object_object_del(p, "signature");
		if (table_fd < 0 || sig_fd < 0) {
			json_object_put(p);
			return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "file",
			                   "cannot open %s: %s", table_fd < 0 ? file : sigfile,
			                   strerror(errno));
		}
		return client_call_with_fds(c, a, BB_BROKER_METHOD_INSTALL_TABLE, p, fds, 2,
		                            print_install);
	}
	return client_call(c, a, BB_BROKER_METHOD_INSTALL_TABLE, p, print_install);
}

int table_install(const Client *c, const CommandArgs *a)
{
	char *pos[1];
	int npos;

	if (parse_subargs(c, "table install FILE", a->n - 1, a->argv + 1, NULL, 0, pos, 1, &npos))
		return EXIT_USAGE;
	if (npos != 1)
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
		                   "usage: bindbroker table install FILE");
	return install(c, a, pos[0]);
}
