/* SPDX-License-Identifier: GPL-2.0-or-later */
/* table verify FILE --key PUB (offline): the signature, the syntax and the expiry of a table. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bb-tables.h"
#include "helper.h"

static void add_time(struct json_object *o, const char *key, int64_t t)
{
	char buf[32];

	bb_time_format(t, buf);
	json_object_object_add(o, key, json_object_new_string(buf));
}

static int verify(const Client *c, const char *file, const char *pubkey)
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
	r = bb_cli_verify(file, pubkey, (int64_t)time(NULL), &t, &why);
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

int table_verify(const Client *c, const CommandArgs *a)
{
	const char *key;
	char *file;
	int r = parse_file_and_key(c, "table verify FILE --key PUB", a->n, a->argv, &file, &key);

	return r ? r : verify(c, file, key);
}
