/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signed tables at pci.ids scale, with one entry for every vendor:device in PCI_IDS,
 * signed with a fresh key, two ways:
 *  - one table per vendor (the one-vendor form): signature verification + parse +
 *    index of all of them (bb_verify_buffer + bb_tables_add_local), the lookup time
 *    per device, and the heap the store holds (mallinfo2 before/after);
 *  - one table naming every vendor (the multi-vendor form, one signature): verify +
 *    parse + index, and the signer scope check (a key trusted for every vendor).
 *
 *   tables-bench PCI_IDS
 */
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bb-tables.h"

#define MAX_VENDORS 4096

struct vendor {
	unsigned id;
	char *text;
	size_t len, cap;
	bool has_entries;
	struct bb_minisig sig;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void append(struct vendor *v, const char *s)
{
	size_t n = strlen(s);
	if (v->len + n + 1 > v->cap) {
		v->cap = (v->len + n + 1) * 2;
		v->text = realloc(v->text, v->cap);
	}
	memcpy(v->text + v->len, s, n + 1);
	v->len += n;
}

int main(int argc, char **argv)
{
	static struct vendor vs[MAX_VENDORS];
	static unsigned devs[200000][2];
	size_t nv = 0, nd = 0;
	char line[1024], buf[256];
	FILE *f = fopen(argc > 1 ? argv[1] : "/usr/share/misc/pci.ids", "re");

	if (!f) {
		perror("tables-bench: pci.ids");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned id;
		if (line[0] == 'C' && line[1] == ' ')
			break; /* the class list follows the vendors */
		if (line[0] != '\t' && sscanf(line, "%4x ", &id) == 1 && nv < MAX_VENDORS) {
			struct vendor *v = &vs[nv++];
			v->id = id;
			snprintf(buf, sizeof(buf),
			         "format: bindbroker-table 1\nname: pciids-%04x\nvendor: %04x\n"
			         "driver: vfio-pci\nserial: 1\nissued: 2026-01-01T00:00:00Z\n"
			         "expires: 2036-01-01T00:00:00Z\n\n",
			         id, id);
			append(v, buf);
		} else if (line[0] == '\t' && line[1] != '\t' && nv > 0 &&
		           sscanf(line + 1, "%4x ", &id) == 1 && nd < 200000) {
			snprintf(buf, sizeof(buf), "%04x:%04x\n", vs[nv - 1].id, id);
			append(&vs[nv - 1], buf);
			vs[nv - 1].has_entries = true;
			devs[nd][0] = vs[nv - 1].id;
			devs[nd++][1] = id;
		}
	}
	fclose(f);

	struct bb_seckey sk;
	struct bb_pubkey pk;
	struct bb_reason why = {0};
	size_t bytes = 0, used = 0;
	if (bb_keygen(&sk) < 0)
		return 1;
	bb_seckey_pubkey(&sk, &pk);
	for (size_t i = 0; i < nv; i++) {
		if (!vs[i].has_entries)
			continue;
		if (bb_sign_buffer(&sk, vs[i].text, vs[i].len, "bench", &vs[i].sig, &why) < 0) {
			fprintf(stderr, "tables-bench: sign: %s\n", why.msg);
			return 1;
		}
		bytes += vs[i].len;
	}

	char tmpl[] = "/tmp/bb-tables-bench.XXXXXX";
	int sfd = open(mkdtemp(tmpl), O_RDONLY | O_DIRECTORY);
	struct bb_tables *t = NULL;
	if (sfd < 0 || bb_tables_open(-1, sfd, &t, NULL, &why) < 0) {
		fprintf(stderr, "tables-bench: open store: %s\n", why.msg);
		return 1;
	}
	struct mallinfo2 m0 = mallinfo2();
	double t0 = now_s(), verify = 0, parse_only = 0;
	for (size_t i = 0; i < nv; i++) {
		if (!vs[i].has_entries)
			continue; /* a vendor with no device listed makes no table */
		double tv = now_s();
		if (bb_verify_buffer(&pk, &vs[i].sig, vs[i].text, vs[i].len, &why) < 0) {
			fprintf(stderr, "tables-bench: verify: %s\n", why.msg);
			return 1;
		}
		verify += now_s() - tv;
		if (bb_tables_add_local(t, vs[i].text, vs[i].len, "pci.ids", &why) < 0) {
			fprintf(stderr, "tables-bench: vendor %04x: %s\n", vs[i].id, why.msg);
			return 1;
		}
		used++;
	}
	double load = now_s() - t0;
	struct mallinfo2 m1 = mallinfo2();

	/* Parse alone (no store, no index), to tell the index's share of the load. */
	for (size_t i = 0; i < nv; i++) {
		struct bb_table *tb = NULL;
		if (!vs[i].has_entries)
			continue;
		double tp = now_s();
		if (bb_table_parse(vs[i].text, vs[i].len, "pci.ids", &tb, &why) < 0)
			return 1;
		parse_only += now_s() - tp;
		bb_table_free(tb);
	}

	struct bb_device_query q = {.now = 1800000000,
	                            .posture = BB_POSTURE_NONE,
	                            .allow_unsigned = true,
	                            .class_code = 0x020000};
	struct bb_table_match match;
	size_t hits = 0;
	t0 = now_s();
	for (int rep = 0; rep < 5; rep++)
		for (size_t i = 0; i < nd; i++) {
			q.vendor = (uint16_t)devs[i][0];
			q.device = (uint16_t)devs[i][1];
			if (bb_tables_lookup(t, &q, &match, &why) == 1)
				hits++;
		}
	double look = now_s() - t0;
	printf("tables %zu vendors, %zu devices, %.1f MB signed text\n", used, nd, bytes / 1e6);
	printf("tables_load_ms %.2f (verify + parse + index)\n", load * 1e3);
	printf(
	    "  of which: signature verify %.2f ms, parse %.2f ms, store insert + index %.2f ms\n",
	    verify * 1e3, parse_only * 1e3, (load - verify - parse_only) * 1e3);
	printf("tables_lookup_ns %.0f (%zu of %zu found)\n", look * 1e9 / (5.0 * nd), hits / 5, nd);
	printf("tables_heap_mib %.1f\n", (double)(m1.uordblks - m0.uordblks) / (1 << 20));
	bb_tables_free(t);

	/* ---- the same devices as one multi-vendor table under one signature ---- */
	struct vendor all = {0}, scope = {0};
	struct bb_table *one = NULL;
	struct bb_trust *trust = NULL;
	struct bb_tables *t1 = NULL;
	size_t hits1 = 0;

	append(&all, "format: bindbroker-table 1\nname: pciids\n");
	append(&scope, "driver vfio-pci\n");
	for (size_t i = 0; i < nv; i++)
		if (vs[i].has_entries) {
			snprintf(buf, sizeof(buf), "vendor: %04x\n", vs[i].id);
			append(&all, buf);
			snprintf(buf, sizeof(buf), "vendor %04x\n", vs[i].id);
			append(&scope, buf);
		}
	append(&all, "driver: vfio-pci\nserial: 1\nissued: 2026-01-01T00:00:00Z\n"
	             "expires: 2036-01-01T00:00:00Z\n\n");
	for (size_t i = 0; i < nd; i++) {
		snprintf(buf, sizeof(buf), "%04x:%04x\n", devs[i][0], devs[i][1]);
		append(&all, buf);
	}
	if (bb_sign_buffer(&sk, all.text, all.len, "bench", &all.sig, &why) < 0 ||
	    bb_trust_new(&trust) < 0 ||
	    bb_trust_add(trust, "pciids", &pk, scope.text, scope.len, &why) < 0) {
		fprintf(stderr, "tables-bench: one table: %s\n", why.msg);
		return 1;
	}
	if (bb_tables_open(-1, sfd, &t1, NULL, &why) < 0)
		return 1;
	t0 = now_s();
	if (bb_verify_buffer(&pk, &all.sig, all.text, all.len, &why) < 0 ||
	    bb_tables_add_local(t1, all.text, all.len, "pci.ids", &why) < 0) {
		fprintf(stderr, "tables-bench: one table: %s\n", why.msg);
		return 1;
	}
	double load1 = now_s() - t0;
	/* The install path also parses the table on its own and checks the signer's scope. */
	double tp = now_s();
	if (bb_table_parse(all.text, all.len, "pci.ids", &one, &why) < 0)
		return 1;
	double parse1 = now_s() - tp;
	double ts = now_s();
	if (bb_trust_check_scope(bb_trust_get(trust, 0), one, &why) < 0) {
		fprintf(stderr, "tables-bench: scope: %s\n", why.msg);
		return 1;
	}
	double scope1 = now_s() - ts;
	t0 = now_s();
	for (int rep = 0; rep < 5; rep++)
		for (size_t i = 0; i < nd; i++) {
			q.vendor = (uint16_t)devs[i][0];
			q.device = (uint16_t)devs[i][1];
			if (bb_tables_lookup(t1, &q, &match, &why) == 1)
				hits1++;
		}
	double look1 = now_s() - t0;
	printf("one multi-vendor table (%zu vendors, one signature, %.1f MB):\n", used,
	       all.len / 1e6);
	printf("tables_one_load_ms %.2f (verify + parse + index)\n", load1 * 1e3);
	printf("  of which parse %.2f ms; signer scope check (%zu vendors) %.2f ms more\n",
	       parse1 * 1e3, used, scope1 * 1e3);
	printf("tables_one_lookup_ns %.0f (%zu of %zu found)\n", look1 * 1e9 / (5.0 * nd),
	       hits1 / 5, nd);
	bb_table_free(one);
	bb_tables_free(t1);
	bb_trust_free(trust);
	free(all.text);
	free(scope.text);
	return hits == 5 * nd && hits1 == 5 * nd ? 0 : 1;
}
