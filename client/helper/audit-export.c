/* SPDX-License-Identifier: GPL-2.0-or-later */
/* audit export [--journal DIR] (offline): every record of a journal, as JSON lines. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "bb-journal.h"
#include "helper.h"

static int collect_record(const struct bb_record *r, void *userdata)
{
	struct json_object *arr = userdata, *o;
	int k;

	k = bb_record_to_json_object(r, &o);
	if (k < 0)
		return k;
	json_object_array_add(arr, o);
	return 0;
}

static int export(const Client *c, const char *journal)
{
	struct json_object *records = NULL;
	int r;

	if (c->json) {
		/* --json: one object, {"records": [...]}, like every other command. */
		const struct bb_journal_filter all = {.checkpoints = true};

		records = json_object_new_array();
		r = bb_journal_foreach(AT_FDCWD, journal, &all, collect_record, records);
		if (r >= 0) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "journal", json_object_new_string(journal));
			json_object_object_add(o, "records", records);
			print_json(o);
			json_object_put(o);
			return EXIT_DONE;
		}
		json_object_put(records);
	} else {
		r = bb_journal_export(AT_FDCWD, journal, stdout);
		if (r >= 0)
			return EXIT_DONE;
	}
	if (r == -EBADMSG)
		return client_fail(
		    c, EXIT_DENIED, BB_CLIENT_ERROR_TAMPERED, "journal",
		    "%s: stopped at a malformed record (see bindbroker audit verify)", journal);
	return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "journal",
	                   "cannot read the journal %s: %s", journal, strerror(-r));
}

int audit_export(const Client *c, const CommandArgs *a)
{
	const char *journal = NULL;
	const SubOption opts[] = {{"--journal", &journal}};
	char *pos[1];
	int npos;

	if (parse_subargs(c, "audit export [--journal DIR]", a->n - 1, a->argv + 1, opts, 1, pos, 0,
	                  &npos))
		return EXIT_USAGE;
	return export(c, journal ? journal : BB_DEFAULT_JOURNAL);
}
