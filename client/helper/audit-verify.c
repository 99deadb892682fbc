/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * audit verify [--journal DIR] [--key PUB] (offline): the hash chain, the sequence and the
 * signed checkpoints of a journal directory or a copy of one, with the journal library.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "bb-journal.h"
#include "helper.h"

/*
 * The checkpoint verifier key when --key is not given: the journal library writes it as
 * KEY.pub beside the signing key, which the broker keeps in the state dir (the journal's
 * parent). Both spellings in use are tried.
 */
static char *default_key(const char *journal)
{
	static const char *const names[] = {"journal.key.pub", "journal-key.pub"};
	char *path = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		free(path);
		if (asprintf(&path, "%s/../%s", journal, names[i]) < 0)
			return NULL;
		if (access(path, F_OK) == 0)
			break;
	}
	return path;
}

static struct json_object *report_json(const struct bb_journal_verify_report *rep, int r,
                                       const char *line)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "intact", json_object_new_boolean(r == 0));
	json_object_object_add(o, "summary", json_object_new_string(line));
	json_object_object_add(o, "records", json_object_new_uint64(rep->records));
	json_object_object_add(o, "checkpoints", json_object_new_uint64(rep->checkpoints));
	json_object_object_add(o, "signed_size", json_object_new_uint64(rep->signed_size));
	json_object_object_add(o, "unsigned_records",
	                       json_object_new_uint64(rep->unsigned_records));
	json_object_object_add(o, "open_intents", json_object_new_uint64(rep->open_intents));
	json_object_object_add(o, "torn_tail", json_object_new_boolean(rep->torn_tail));
	if (rep->problem.found) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "seq", json_object_new_uint64(rep->problem.seq));
		json_object_object_add(p, "offset", json_object_new_uint64(rep->problem.offset));
		json_object_object_add(p, "what", json_object_new_string(rep->problem.what));
		json_object_object_add(o, "problem", p);
	}
	return o;
}

static int verify(const Client *c, const char *journal, const char *key)
{
	_cleanup_free_ char *dflt = NULL;
	struct bb_journal_verify_report rep;
	char line[512];
	int r;

	if (!key) {
		dflt = default_key(journal);
		if (!dflt)
			return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL,
			                   "out of memory");
		key = dflt;
	}
	if (access(key, R_OK) < 0)
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "key",
		                   "cannot read the journal key %s: %m%s", key,
		                   dflt ? " (pass --key PUB)" : "");
	r = bb_journal_verify(AT_FDCWD, journal, AT_FDCWD, key, &rep);
	bb_journal_verify_describe(&rep, r, line, sizeof(line));
	if (r == 0) {
		if (c->json) {
			struct json_object *o = report_json(&rep, r, line);

			json_object_object_add(o, "journal", json_object_new_string(journal));
			print_json(o);
			json_object_put(o);
		} else {
			printf("%s: ", journal);
			print_safe(stdout, line);
			putchar('\n');
		}
		return EXIT_DONE;
	}
	if (r == -EBADMSG && rep.problem.found) {
		fprintf(stderr, "bindbroker: %s: ", journal);
		print_safe(stderr, line);
		fputc('\n', stderr);
		if (c->json) {
			struct json_object *o = report_json(&rep, r, line);

			json_object_object_add(o, "error",
			                       json_object_new_string(BB_CLIENT_ERROR_TAMPERED));
			json_object_object_add(o, "journal", json_object_new_string(journal));
			json_object_object_add(o, "reason", json_object_new_string(line));
			print_json(o);
			json_object_put(o);
		}
		return EXIT_DENIED;
	}
	if (r == -EKEYREJECTED)
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "key", "%s: %s", key,
		                   line);
	return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "journal", "%s: %s", journal,
	                   line);
}

int audit_verify(const Client *c, const CommandArgs *a)
{
	const char *journal = NULL, *key = NULL;
	const SubOption opts[] = {{"--journal", &journal}, {"--key", &key}};
	char *pos[1];
	int npos;

	if (parse_subargs(c, "audit verify [--journal DIR] [--key PUB]", a->n - 1, a->argv + 1,
	                  opts, ARRAY_SIZE(opts), pos, 0, &npos))
		return EXIT_USAGE;
	return verify(c, journal ? journal : BB_DEFAULT_JOURNAL, key);
}
