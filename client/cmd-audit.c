/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * audit show (through the broker, AuditShow), and the audit dispatch: verify and export read a
 * journal with libbb_audit (OpenSSL), so they run in bindbroker-crypto (run-helper.c).
 */
#include <stdio.h>
#include <string.h>

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

/* ---- dispatch ------------------------------------------------------------------------------ */

int cmd_audit(const Client *c, const CommandArgs *a)
{
	const char *sub = a->argv[0], *device = NULL, *since = NULL;
	const SubOption show_opts[] = {{"--device", &device}, {"--since", &since}};
	char *pos[1];
	int npos;

	if (streq(sub, "show")) {
		if (parse_subargs(c, "audit show [--device DEV] [--since TIME]", a->n - 1,
		                  a->argv + 1, show_opts, ARRAY_SIZE(show_opts), pos, 0, &npos))
			return EXIT_USAGE;
		return audit_show(c, a, device, since);
	}
	if (streq(sub, "verify") || streq(sub, "export"))
		return run_helper(c, a);
	return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
	                   "unknown audit command \"%s\" (usage: bindbroker %s)", sub,
	                   AUDIT_SYNOPSIS);
}
