/* SPDX-License-Identifier: GPL-2.0-or-later */
/* table sign FILE --key SECKEY (offline): writes FILE.minisig, as minisign -S would. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>

#include "bb-fileio.h"
#include "bb-tables.h"
#include "helper.h"

static int sign(const Client *c, const char *file, const char *seckey)
{
	_cleanup_free_ char *sigfile = NULL, *text = NULL;
	_cleanup_free_ struct bb_minisig *ms = NULL;
	struct bb_reason why = {0};
	size_t len;
	char id[17];
	int r;

	if (asprintf(&sigfile, "%s.minisig", file) < 0)
		return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL, "out of memory");
	r = bb_cli_sign(file, seckey, (int64_t)time(NULL), &why);
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

int table_sign(const Client *c, const CommandArgs *a)
{
	const char *key;
	char *file;
	int r = parse_file_and_key(c, "table sign FILE --key SECKEY", a->n, a->argv, &file, &key);

	return r ? r : sign(c, file, key);
}
