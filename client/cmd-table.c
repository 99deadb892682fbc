/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * table install FILE | list (through the broker) and table verify | sign (offline).
 * install reads FILE and FILE.minisig itself: the broker never opens a path a user names.
 * A table too large for one message goes as two open file descriptors instead (SCM_RIGHTS),
 * so the broker reads only what this user could open.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bb-fileio.h"
#include "bb-tables.h"
#include "bb-varlink.h"
#include "client.h"

#define TABLE_SYNOPSIS "table install FILE | list | verify FILE --key PUB | sign FILE --key SECKEY"

/* Room the call's envelope needs around the parameters, within BB_VARLINK_MESSAGE_MAX. */
#define CALL_ENVELOPE 256

static int64_t now(void)
{
	return (int64_t)time(NULL);
}

/* The table file name the broker stores it under: [A-Za-z0-9._-]{1,64}, not "." or "..". */
static bool valid_table_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > BB_TABLE_NAME_MAX || streq(s, ".") || streq(s, ".."))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       len;
}

static void add_time(struct json_object *o, const char *key, int64_t t)
{
	char buf[32];

	bb_time_format(t, buf);
	json_object_object_add(o, key, json_object_new_string(buf));
}

/* A number from a reply as its text (serials are 64-bit), "?" when absent. */
static const char *jnum(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return "?";
	return json_object_get_string(v);
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

/* ---- install ------------------------------------------------------------------------------- */

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

static int table_install(const Client *c, const CommandArgs *a, const char *file)
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

/* ---- verify (offline) ---------------------------------------------------------------------- */

static int table_verify(const Client *c, const char *file, const char *pubkey)
{
	_cleanup_(bb_table_freep) struct bb_table *t = NULL;
	struct bb_reason why = {0};
	struct bb_pubkey pk;
	char id[17];
	int r;

	/* A key that does not load is bad input (2), not a refused table (1). */
	r = bb_pubkey_load_at(AT_FDCWD, pubkey, &pk, &why);
	if (r < 0)
		return client_fail_check(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT,
		                         bb_check_name(why.check), "--key: %s", why.msg);
	r = bb_cli_verify(file, pubkey, now(), &t, &why);
	if (r < 0 && why.check == BB_CHECK_IO)
		return client_fail_check(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "io", "%s",
		                         why.msg);
	if (r < 0)
		return client_fail_check(c, EXIT_DENIED, BB_CLIENT_ERROR_REFUSED,
		                         bb_check_name(why.check), "refused (%s check): %s",
		                         bb_check_name(why.check), why.msg);
	bb_keyid_hex(pk.keyid, id);

	if (c->json) {
		struct json_object *o = json_object_new_object(), *drv = json_object_new_array(),
		                   *vendors = json_object_new_array();
		char vendor[8];

		snprintf(vendor, sizeof(vendor), "%04x", t->vendor);
		for (size_t i = 0; i < t->n_vendors; i++) {
			char v[8];

			snprintf(v, sizeof(v), "%04x", t->vendors[i]);
			json_object_array_add(vendors, json_object_new_string(v));
		}

		for (size_t i = 0; i < t->n_drivers; i++)
			json_object_array_add(drv, json_object_new_string(t->drivers[i]));
		json_object_object_add(o, "valid", json_object_new_boolean(true));
		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "name", json_object_new_string(t->name));
		json_object_object_add(o, "signer", json_object_new_string(id));
		json_object_object_add(o, "vendor", json_object_new_string(vendor)); /* the first */
		json_object_object_add(o, "vendors", vendors);
		json_object_object_add(o, "drivers", drv);
		json_object_object_add(o, "serial", json_object_new_uint64(t->serial));
		add_time(o, "issued", t->issued);
		add_time(o, "expires", t->expires);
		json_object_object_add(o, "entries", json_object_new_uint64(t->n_entries));
		print_json(o);
		json_object_put(o);
		return EXIT_DONE;
	}
	{
		char issued[32], expires[32];

		bb_time_format(t->issued, issued);
		bb_time_format(t->expires, expires);
		printf("valid: %s (table %s, vendor", file, t->name);
		if (t->n_vendors > 1)
			printf("s %04x and %zu more", t->vendors[0], t->n_vendors - 1);
		else
			printf(" %04x", t->vendor);
		printf(", serial %llu, %zu entries, drivers", (unsigned long long)t->serial,
		       t->n_entries);
		for (size_t i = 0; i < t->n_drivers; i++)
			printf(" %s", t->drivers[i]);
		printf(")\n  signed by key id %s; issued %s, expires %s\n", id, issued, expires);
	}
	return EXIT_DONE;
}

/* ---- sign (offline) ------------------------------------------------------------------------ */

static int table_sign(const Client *c, const char *file, const char *seckey)
{
	_cleanup_free_ char *sigfile = NULL, *text = NULL;
	_cleanup_free_ struct bb_minisig *ms = NULL;
	struct bb_reason why = {0};
	size_t len;
	char id[17];
	int r;

	if (asprintf(&sigfile, "%s.minisig", file) < 0)
		return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL, "out of memory");
	r = bb_cli_sign(file, seckey, now(), &why);
	if (r < 0) {
		/* Reading the table or the key is bad input; only writing the signature fails. */
		bool write_failed = r == -ENOSPC || r == -EROFS || r == -EDQUOT || r == -EIO;

		return client_fail_check(c, write_failed ? EXIT_FAILED : EXIT_USAGE,
		                         write_failed ? BB_CLIENT_ERROR_FAILED
		                                      : BB_CLIENT_ERROR_BAD_INPUT,
		                         bb_check_name(why.check), "%s", why.msg);
	}
	/* Read back what was written: the key id and trusted comment a verifier will see. */
	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL, "out of memory");
	r = bb_read_file_at(AT_FDCWD, sigfile, BB_SIGFILE_MAX, &text, &len);
	if (r < 0 || bb_minisig_parse(text, len, sigfile, ms, &why) < 0)
		return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL,
		                   "%s was written but does not read back", sigfile);
	bb_keyid_hex(ms->keyid, id);
	if (c->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "signature_file", json_object_new_string(sigfile));
		json_object_object_add(o, "signer", json_object_new_string(id));
		json_object_object_add(o, "trusted_comment",
		                       json_object_new_string(ms->trusted_comment));
		print_json(o);
		json_object_put(o);
		return EXIT_DONE;
	}
	printf("signed %s with key id %s: wrote %s\n  trusted comment: ", file, id, sigfile);
	for (char *t = ms->trusted_comment; *t; t++)
		if (*t == '\t')
			*t = ' '; /* minisign separates its fields with tabs */
	print_safe(stdout, ms->trusted_comment);
	putchar('\n');
	return EXIT_DONE;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

int cmd_table(const Client *c, const CommandArgs *a)
{
	const char *sub = a->argv[0], *key = NULL;
	const SubOption key_opt[] = {{"--key", &key}};
	char *pos[1];
	int npos;

	if (streq(sub, "install") || streq(sub, "list")) {
		int want = streq(sub, "install") ? 1 : 0;
		const char *syn = want ? "table install FILE" : "table list";

		if (parse_subargs(c, syn, a->n - 1, a->argv + 1, NULL, 0, pos, want, &npos))
			return EXIT_USAGE;
		if (npos != want)
			return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
			                   "usage: bindbroker %s", syn);
		if (!want)
			return client_call(c, a, BB_BROKER_METHOD_LIST_TABLES, NULL, print_tables);
		return table_install(c, a, pos[0]);
	}
	if (streq(sub, "verify") || streq(sub, "sign")) {
		bool verify = streq(sub, "verify");
		const char *syn =
		    verify ? "table verify FILE --key PUB" : "table sign FILE --key SECKEY";

		if (parse_subargs(c, syn, a->n - 1, a->argv + 1, key_opt, 1, pos, 1, &npos))
			return EXIT_USAGE;
		if (npos != 1 || !key)
			return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
			                   "usage: bindbroker %s", syn);
		return verify ? table_verify(c, pos[0], key) : table_sign(c, pos[0], key);
	}
	return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
	                   "unknown table command \"%s\" (usage: bindbroker %s)", sub,
	                   TABLE_SYNOPSIS);
}
