/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * audit show (through the broker, AuditShow) and audit verify | export (offline, reading a
 * journal directory or a copy of one with the journal library).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bb-journal.h"
#include "bb-tables.h"
#include "bb-validate.h"
#include "bb-varlink.h"
#include "client.h"

#define AUDIT_SYNOPSIS                                                                             \
	"audit show [--device DEV] [--since TIME] | verify [--journal DIR] [--key PUB] |"          \
	" export [--journal DIR]"

/* ---- show (broker) ------------------------------------------------------------------------- */

static int print_records(const Client *c, const CommandArgs *a, struct json_object *p)
{
	struct json_object *records = jarray(p, "records");
	(void)a;

	if (c->json)
		return EXIT_DONE;
	if (jlen(records) == 0)
		puts("no matching records");
	for (size_t i = 0; i < jlen(records); i++) {
		struct json_object *r = json_object_array_get_idx(records, i), *seq = NULL;

		if (!json_object_is_type(r, json_type_object))
			continue;
		json_object_object_get_ex(r, "seq", &seq);
		print_safe(stdout, jstr(r, "time"));
		fputs(" #", stdout);
		print_safe(stdout, seq ? json_object_get_string(seq) : "?");
		putchar(' ');
		print_safe(stdout, jstr(r, "type"));
		json_object_object_foreach(r, key, val)
		{
			if (streq(key, "seq") || streq(key, "time") || streq(key, "type"))
				continue;
			putchar(' ');
			print_safe(stdout, key);
			putchar('=');
			print_safe(stdout, json_object_get_string(val));
		}
		putchar('\n');
	}
	return EXIT_DONE;
}

static int audit_show(const Client *c, const CommandArgs *a, const char *device, const char *since)
{
	struct json_object *p = json_object_new_object();
	int64_t t;

	if (device && !bb_valid_pci_address(device)) {
		json_object_put(p);
		return client_fail(c, EXIT_USAGE, BB_BROKER_ERROR_INVALID_ARGUMENT, "device",
		                   "invalid device address \"%s\": expected DDDD:BB:DD.F (hex)",
		                   device);
	}
	if (since && bb_time_parse(since, &t) < 0) {
		json_object_put(p);
		return client_fail(c, EXIT_USAGE, BB_BROKER_ERROR_INVALID_ARGUMENT, "since",
		                   "invalid time \"%s\": expected UTC like 2026-11-22T03:00:00Z",
		                   since);
	}
	if (device) {
		char norm[BB_PCI_ADDRESS_LEN + 1];

		snprintf(norm, sizeof(norm), "%s", device);
		bb_pci_address_normalize(norm);
		json_object_object_add(p, "device", json_object_new_string(norm));
	}
	if (since)
		json_object_object_add(p, "since", json_object_new_string(since));
	return client_call(c, a, BB_BROKER_METHOD_AUDIT_SHOW, p, print_records);
}

/* ---- verify (offline) ---------------------------------------------------------------------- */

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

static int audit_verify(const Client *c, const char *journal, const char *key)
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

/* ---- export (offline) ---------------------------------------------------------------------- */

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

static int audit_export(const Client *c, const char *journal)
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

/* ---- dispatch ------------------------------------------------------------------------------ */

int cmd_audit(const Client *c, const CommandArgs *a)
{
	const char *sub = a->argv[0], *device = NULL, *since = NULL, *journal = NULL, *key = NULL;
	const SubOption show_opts[] = {{"--device", &device}, {"--since", &since}};
	const SubOption verify_opts[] = {{"--journal", &journal}, {"--key", &key}};
	char *pos[1];
	int npos;

	if (streq(sub, "show")) {
		if (parse_subargs(c, "audit show [--device DEV] [--since TIME]", a->n - 1,
		                  a->argv + 1, show_opts, ARRAY_SIZE(show_opts), pos, 0, &npos))
			return EXIT_USAGE;
		return audit_show(c, a, device, since);
	}
	if (streq(sub, "verify")) {
		if (parse_subargs(c, "audit verify [--journal DIR] [--key PUB]", a->n - 1,
		                  a->argv + 1, verify_opts, ARRAY_SIZE(verify_opts), pos, 0, &npos))
			return EXIT_USAGE;
		return audit_verify(c, journal ? journal : BB_DEFAULT_JOURNAL, key);
	}
	if (streq(sub, "export")) {
		if (parse_subargs(c, "audit export [--journal DIR]", a->n - 1, a->argv + 1,
		                  verify_opts, 1, pos, 0, &npos))
			return EXIT_USAGE;
		return audit_export(c, journal ? journal : BB_DEFAULT_JOURNAL);
	}
	return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
	                   "unknown audit command \"%s\" (usage: bindbroker %s)", sub,
	                   AUDIT_SYNOPSIS);
}
