/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One function per command: check the arguments locally, call, print the answer. */
#include <stdio.h>
#include <string.h>

#include "bb-validate.h"
#include "bb-varlink.h"
#include "client.h"

/* Device and driver are checked here too, so a typo never reaches the broker. */
static int check_device(const Client *c, const char *dev)
{
	if (bb_valid_pci_address(dev))
		return 0;
	return client_fail(c, EXIT_USAGE, BB_BROKER_ERROR_INVALID_ARGUMENT, "device",
	                   "invalid device address \"%s\": expected DDDD:BB:DD.F (hex)", dev);
}

static int check_driver(const Client *c, const char *driver)
{
	if (bb_valid_driver_name(driver))
		return 0;
	return client_fail(c, EXIT_USAGE, BB_BROKER_ERROR_INVALID_ARGUMENT, "driver",
	                   "invalid driver name \"%s\": expected 1 to %d of [A-Za-z0-9_-]", driver,
	                   BB_DRIVER_NAME_MAX);
}

static struct json_object *device_params(const char *dev, const char *driver)
{
	struct json_object *p = json_object_new_object();
	char norm[BB_PCI_ADDRESS_LEN + 1];

	snprintf(norm, sizeof(norm), "%s", dev);
	bb_pci_address_normalize(norm);
	json_object_object_add(p, "device", json_object_new_string(norm));
	if (driver)
		json_object_object_add(p, "driver", json_object_new_string(driver));
	return p;
}

static const char *or_none(const char *s, const char *none)
{
	return *s ? s : none;
}

/* ---- status --------------------------------------------------------------------------------- */

/* The parts GetStatus gains with the integration (INTEGRATION-API.md), when present. */
static void print_status_parts(struct json_object *p)
{
	struct json_object *o;

	if (json_object_object_get_ex(p, "audit", &o) && json_object_is_type(o, json_type_object)) {
		printf("%-12s ", "audit");
		print_safe(stdout, jstr(o, "mode"));
		printf("%s", jbool(o, "available") ? "" : " (not available)");
		puts(jbool(o, "refused") ? " (a record was refused: acting stopped until a restart)"
		                         : "");
	}
	if (json_object_object_get_ex(p, "policy", &o) && json_object_is_type(o, json_type_object))
		printf("%-12s %d rules in %d files\n", "policy", jint(o, "rules", 0),
		       jint(o, "files", 0));
	if (json_object_object_get_ex(p, "tables", &o) && json_object_is_type(o, json_type_object))
		printf("%-12s %d installed, %d expired\n", "tables", jint(o, "count", 0),
		       jint(o, "expired", 0));
	if (json_object_object_get_ex(p, "journal", &o) &&
	    json_object_is_type(o, json_type_object)) {
		printf("%-12s ", "journal");
		print_safe(stdout, jstr(o, "dir"));
		printf(", %d records", jint(o, "next_seq", 0));
		if (*jstr(o, "append_only")) {
			fputs(", append-only ", stdout);
			print_safe(stdout, jstr(o, "append_only"));
		}
		puts(jbool(o, "failed") ? ", FAILED: no acting calls until restarted" : "");
	}
	if (json_object_object_get_ex(p, "posture", &o) &&
	    json_object_is_type(o, json_type_object)) {
		printf("%-12s raw doors closed: ", "posture");
		print_safe(stdout, jstr(o, "raw_doors_closed"));
		printf("\n%-12s lockdown ", "");
		print_safe(stdout, jstr(o, "lockdown"));
		fputs(", SELinux ", stdout);
		print_safe(stdout, jstr(o, "selinux"));
		fputs(", bindbroker module ", stdout);
		print_safe(stdout, jstr(o, "selinux_module"));
		printf("\n%-12s ", "");
		print_safe(stdout, jstr(o, "why"));
		putchar('\n');
	}
}

static int print_status(const Client *c, const CommandArgs *a, struct json_object *p)
{
	static const char *const keys[][2] = {
	    {"version", "version"},       {"sysfs_root", "sysfs root"}, {"lockdown", "lockdown"},
	    {"config_dir", "config dir"}, {"state_dir", "state dir"},   {"audit", "audit"},
	};
	(void)a;

	if (c->json)
		return EXIT_DONE;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (streq(keys[i][0], "audit") && !*jstr(p, "audit"))
			continue; /* an object: print_status_parts shows it */
		printf("%-12s ", keys[i][1]);
		print_safe(stdout, jstr(p, keys[i][0]));
		if (streq(keys[i][0], "sysfs_root") && jbool(p, "simulated"))
			fputs(" (simulated)", stdout);
		putchar('\n');
	}
	printf("%-12s %d\n", "devices", jint(p, "devices", 0));
	print_status_parts(p);
	return EXIT_DONE;
}

int cmd_status(const Client *c, const CommandArgs *a)
{
	return client_call(c, a, BB_BROKER_METHOD_GET_STATUS, NULL, print_status);
}

/* ---- list ----------------------------------------------------------------------------------- */

/* What an operator should notice about a device, in a few words. */
static void device_notes(struct json_object *d, char *buf, size_t size)
{
	struct json_object *net = jarray(d, "net"), *block = jarray(d, "block");
	const char *cls = jstr(d, "class");
	size_t len = 0;

#define NOTE(...)                                                                                  \
	do {                                                                                       \
		if (len < size)                                                                    \
			len += (size_t)snprintf(buf + len, size - len, "%s", len ? " " : "");      \
		if (len < size)                                                                    \
			len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__);               \
	} while (0)

	buf[0] = '\0';
	if (strncmp(cls, "0600", 4) == 0)
		NOTE("host-bridge");
	else if (strncmp(cls, "0604", 4) == 0 || strncmp(cls, "0609", 4) == 0)
		NOTE("bridge");
	if (jbool(d, "boot_vga"))
		NOTE("boot-vga");
	if (*jstr(d, "driver_override"))
		NOTE("override=%s", jstr(d, "driver_override"));
	for (size_t i = 0; i < jlen(net); i++) {
		struct json_object *n = json_object_array_get_idx(net, i);
		NOTE("%s%s", jstr(n, "name"), jbool(n, "default_route") ? "(default-route)" : "");
	}
	for (size_t i = 0; i < jlen(block); i++) {
		struct json_object *b = json_object_array_get_idx(block, i);
		NOTE("%s%s%s", jstr(b, "name"), jbool(b, "mounted") ? "(mounted)" : "",
		     jbool(b, "swap") ? "(swap)" : "");
	}
#undef NOTE
}

static int print_list(const Client *c, const CommandArgs *a, struct json_object *p)
{
	struct json_object *devices = jarray(p, "devices");
	int wdrv = (int)strlen("DRIVER");
	(void)a;

	if (c->json)
		return EXIT_DONE;
	for (size_t i = 0; i < jlen(devices); i++) {
		int n = (int)strlen(
		    or_none(jstr(json_object_array_get_idx(devices, i), "driver"), "-"));
		if (n > wdrv)
			wdrv = n;
	}
	printf("%-12s  %-9s  %-6s  %-*s  %5s  %s\n", "DEVICE", "IDS", "CLASS", wdrv, "DRIVER",
	       "GROUP", "NOTES");
	for (size_t i = 0; i < jlen(devices); i++) {
		struct json_object *d = json_object_array_get_idx(devices, i);
		char ids[32], group[16], notes[512];
		int g = jint(d, "iommu_group", -1);

		snprintf(ids, sizeof(ids), "%s:%s", jstr(d, "vendor"), jstr(d, "device"));
		snprintf(group, sizeof(group), g < 0 ? "-" : "%d", g);
		device_notes(d, notes, sizeof(notes));
		printf("%-12s  %-9s  %-6s  %-*s  %5s  ", jstr(d, "address"), ids, jstr(d, "class"),
		       wdrv, or_none(jstr(d, "driver"), "-"), group);
		print_safe(stdout, notes);
		putchar('\n');
	}
	return EXIT_DONE;
}

int cmd_list(const Client *c, const CommandArgs *a)
{
	return client_call(c, a, BB_BROKER_METHOD_LIST_DEVICES, NULL, print_list);
}

/* ---- show ----------------------------------------------------------------------------------- */

static void print_device(struct json_object *d)
{
	struct json_object *group = jarray(d, "group"), *net = jarray(d, "net");
	struct json_object *block = jarray(d, "block"), *bv;
	int g = jint(d, "iommu_group", -1);

	printf("%-16s %s\n", "device", jstr(d, "address"));
	printf("%-16s %s:%s (subsystem %s:%s)\n", "ids", jstr(d, "vendor"), jstr(d, "device"),
	       jstr(d, "subsystem_vendor"), jstr(d, "subsystem_device"));
	printf("%-16s %s\n", "class", jstr(d, "class"));
	printf("%-16s %s\n", "revision", jstr(d, "revision"));
	printf("%-16s ", "modalias");
	print_safe(stdout, jstr(d, "modalias"));
	printf("\n%-16s %s\n", "driver", or_none(jstr(d, "driver"), "(none)"));
	printf("%-16s ", "driver_override");
	print_safe(stdout, or_none(jstr(d, "driver_override"), "(none)"));
	putchar('\n');
	if (json_object_object_get_ex(d, "boot_vga", &bv) && bv)
		printf("%-16s %s\n", "boot_vga", jbool(d, "boot_vga") ? "yes" : "no");
	if (g < 0)
		printf("%-16s (none)\n", "iommu_group");
	else
		printf("%-16s %d\n", "iommu_group", g);
	for (size_t i = 0; i < jlen(group); i++) {
		struct json_object *m = json_object_array_get_idx(group, i);
		printf("  member         %s  class %s  %s%s\n", jstr(m, "address"),
		       jstr(m, "class"), or_none(jstr(m, "driver"), "(no driver)"),
		       jbool(m, "bridge") ? "  bridge" : "");
	}
	for (size_t i = 0; i < jlen(net); i++) {
		struct json_object *n = json_object_array_get_idx(net, i);
		printf("%-16s ", "net");
		print_safe(stdout, jstr(n, "name"));
		puts(jbool(n, "default_route") ? " (default route)" : "");
	}
	for (size_t i = 0; i < jlen(block); i++) {
		struct json_object *b = json_object_array_get_idx(block, i);
		printf("%-16s ", "block");
		print_safe(stdout, jstr(b, "name"));
		printf("%s%s\n", jbool(b, "mounted") ? " (mounted)" : "",
		       jbool(b, "swap") ? " (swap)" : "");
	}
}

static int print_show(const Client *c, const CommandArgs *a, struct json_object *p)
{
	struct json_object *d;
	(void)a;

	if (!c->json && json_object_object_get_ex(p, "device", &d))
		print_device(d);
	return EXIT_DONE;
}

int cmd_show(const Client *c, const CommandArgs *a)
{
	if (check_device(c, a->argv[0]))
		return EXIT_USAGE;
	return client_call(c, a, BB_BROKER_METHOD_SHOW_DEVICE, device_params(a->argv[0], NULL),
	                   print_show);
}

/* ---- check ---------------------------------------------------------------------------------- */

static int print_check(const Client *c, const CommandArgs *a, struct json_object *p)
{
	struct json_object *dec = NULL, *members = jarray(p, "members");
	bool allowed = jbool(p, "allowed");
	(void)a;

	if (c->json)
		return allowed ? EXIT_DONE : EXIT_DENIED;
	json_object_object_get_ex(p, "decision", &dec);
	printf("%s: bind %s to %s: ", allowed ? "allowed" : "denied", jstr(p, "device"),
	       jstr(p, "driver"));
	print_safe(stdout, jstr(dec, "reason"));
	printf(" (rule %s)\n", jstr(dec, "rule"));
	for (size_t i = 0; jlen(members) > 1 && i < jlen(members); i++) {
		struct json_object *m = json_object_array_get_idx(members, i);
		printf("  %s -> %s: %s (rule %s)\n", jstr(m, "device"),
		       or_none(jstr(m, "driver"), "-"), jbool(m, "allowed") ? "allowed" : "denied",
		       jstr(m, "rule"));
	}
	return allowed ? EXIT_DONE : EXIT_DENIED;
}

int cmd_check(const Client *c, const CommandArgs *a)
{
	const char *driver = a->n > 1 ? a->argv[1] : NULL;
	struct json_object *p;

	if (check_device(c, a->argv[0]) || (driver && check_driver(c, driver)))
		return EXIT_USAGE;
	p = device_params(a->argv[0], driver);
	if (a->group)
		json_object_object_add(p, "group", json_object_new_boolean(true));
	return client_call(c, a, BB_BROKER_METHOD_CHECK, p, print_check);
}

/* ---- bind, release, quarantine -------------------------------------------------------------- */

static int print_bind(const Client *c, const CommandArgs *a, struct json_object *p)
{
	struct json_object *outcomes = jarray(p, "outcomes");
	(void)a;

	if (*jstr(p, "persist_error")) {
		fputs("bindbroker: warning: bound, but the binding was not persisted: ", stderr);
		print_safe(stderr, jstr(p, "persist_error"));
		fputc('\n', stderr);
	}
	if (c->json)
		return EXIT_DONE;
	for (size_t i = 0; i < jlen(outcomes); i++) {
		struct json_object *o = json_object_array_get_idx(outcomes, i);

		if (streq(jstr(o, "old_driver"), jstr(o, "new_driver")))
			printf("%s is already on %s\n", jstr(o, "device"), jstr(o, "new_driver"));
		else
			printf("bound %s to %s (was %s)\n", jstr(o, "device"),
			       jstr(o, "new_driver"), or_none(jstr(o, "old_driver"), "no driver"));
	}
	if (jbool(p, "persisted"))
		puts("persisted: apply re-applies this binding at boot and on hot-add");
	return EXIT_DONE;
}

int cmd_bind(const Client *c, const CommandArgs *a)
{
	const char *driver = a->n > 1 ? a->argv[1] : NULL;
	struct json_object *p;

	if (check_device(c, a->argv[0]) || (driver && check_driver(c, driver)))
		return EXIT_USAGE;
	p = device_params(a->argv[0], driver);
	if (a->group)
		json_object_object_add(p, "group", json_object_new_boolean(true));
	if (a->persist)
		json_object_object_add(p, "persist", json_object_new_boolean(true));
	return client_call(c, a, BB_BROKER_METHOD_BIND, p, print_bind);
}

static int print_unbinding(const Client *c, const CommandArgs *a, struct json_object *p)
{
	struct json_object *o = NULL;

	if (c->json)
		return EXIT_DONE;
	json_object_object_get_ex(p, "outcome", &o);
	if (streq(a->name, "release"))
		printf("released %s: now on %s (was %s)\n", jstr(o, "device"),
		       or_none(jstr(o, "new_driver"), "no driver"),
		       or_none(jstr(o, "old_driver"), "no driver"));
	else
		printf("quarantined %s: no driver holds it (was %s)\n", jstr(o, "device"),
		       or_none(jstr(o, "old_driver"), "no driver"));
	return EXIT_DONE;
}

int cmd_release(const Client *c, const CommandArgs *a)
{
	if (check_device(c, a->argv[0]))
		return EXIT_USAGE;
	return client_call(c, a, BB_BROKER_METHOD_RELEASE, device_params(a->argv[0], NULL),
	                   print_unbinding);
}

int cmd_quarantine(const Client *c, const CommandArgs *a)
{
	if (check_device(c, a->argv[0]))
		return EXIT_USAGE;
	return client_call(c, a, BB_BROKER_METHOD_QUARANTINE, device_params(a->argv[0], NULL),
	                   print_unbinding);
}

/* ---- apply ---------------------------------------------------------------------------------- */

static int print_apply(const Client *c, const CommandArgs *a, struct json_object *p)
{
	struct json_object *items = jarray(p, "items");
	bool skipped = false;
	int failed = jint(p, "failed", 0);
	(void)a;

	for (size_t i = 0; i < jlen(items); i++)
		if (streq(jstr(json_object_array_get_idx(items, i), "action"), "skipped"))
			skipped = true;
	if (!c->json) {
		if (jlen(items) == 0)
			puts("no persisted bindings");
		for (size_t i = 0; i < jlen(items); i++) {
			struct json_object *it = json_object_array_get_idx(items, i), *o = NULL;

			json_object_object_get_ex(it, "outcome", &o);
			printf("%s  %-11s", jstr(it, "device"), jstr(it, "action"));
			if (o && *jstr(o, "new_driver"))
				printf("  now on %s", jstr(o, "new_driver"));
			if (o && !jbool(o, "ok")) {
				fputs("  ", stdout);
				print_safe(stdout, jstr(o, "message"));
			}
			if (*jstr(it, "reason")) {
				fputs("  ", stdout);
				print_safe(stdout, jstr(it, "reason"));
			}
			putchar('\n');
		}
	}
	return failed > 0 ? EXIT_FAILED : skipped ? EXIT_DENIED : EXIT_DONE;
}

int cmd_apply(const Client *c, const CommandArgs *a)
{
	struct json_object *p = NULL;

	if (a->n > 0) {
		if (check_device(c, a->argv[0]))
			return EXIT_USAGE;
		p = device_params(a->argv[0], NULL);
	}
	return client_call(c, a, BB_BROKER_METHOD_APPLY, p, print_apply);
}
