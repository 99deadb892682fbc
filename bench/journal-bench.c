/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Journal: append rate with one fdatasync per record and with group commit
 * (bb_journal_append_group, GROUP records per fdatasync), in DIR (same disk as
 * the state dir would be); then offline verify throughput in MB/s next to a
 * plain SHA-256 (EVP) loop over the same number of bytes.
 *
 *   journal-bench DIR [RECORDS] [GROUP]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bb-journal.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct bb_kv kv[] = {
    {"device", "0000:18:00.1"}, {"op", "bind"},          {"driver", "vfio-pci"},
    {"old", "ixgbe"},           {"uid", "0"},            {"rule", "50-default.rules:12"},
};

static struct bb_journal *open_journal(int dfd, const char *name)
{
	struct bb_journal_options o = {.key_dirfd = dfd, .key_path = "journal.key",
	                               .checkpoint_every = 1000};
	struct bb_journal *j = NULL;
	int r = bb_journal_open(dfd, name, &o, &j, NULL);
	if (r < 0) {
		fprintf(stderr, "journal-bench: open %s: %s\n", name, strerror(-r));
		exit(1);
	}
	return j;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [RECORDS] [GROUP]\n", argv[0]);
		return 2;
	}
	int n = argc > 2 ? atoi(argv[2]) : 500, group = argc > 3 ? atoi(argv[3]) : 64;
	int dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || n < 1 || group < 1 || group > BB_JOURNAL_GROUP_MAX) {
		fprintf(stderr, "journal-bench: bad arguments\n");
		return 2;
	}
	if (bb_journal_keygen(dfd, "journal.key", "bindbroker/journal") < 0)
		return 1;

	struct bb_journal *j = open_journal(dfd, "single");
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		if (bb_journal_append(j, BB_REC_REFUSE, kv, 6, NULL) < 0)
			return 1;
	double single = now_s() - t0;
	bb_journal_close(j);

	j = open_journal(dfd, "group");
	struct bb_journal_entry *e = calloc((size_t)group, sizeof(*e));
	int ngroups = (n * 20 + group - 1) / group; /* more records: group commit is fast */
	t0 = now_s();
	for (int g = 0; g < ngroups; g++) {
		for (int i = 0; i < group; i++)
			e[i] = (struct bb_journal_entry){.type = BB_REC_REFUSE, .kv = kv, .n = 6};
		if (bb_journal_append_group(j, e, (size_t)group) < 0)
			return 1;
	}
	double grouped = now_s() - t0;
	bb_journal_close(j);

	struct bb_journal_verify_report rep;
	t0 = now_s();
	int r = bb_journal_verify(dfd, "group", dfd, "journal.key.pub", &rep);
	double ver = now_s() - t0;
	if (r < 0) {
		fprintf(stderr, "journal-bench: verify: %s\n", strerror(-r));
		return 1;
	}

	/* Plain SHA-256 over the same bytes, in 256-byte pieces like records. */
	unsigned char buf[256], md[32];
	memset(buf, 'x', sizeof(buf));
	size_t pieces = rep.bytes / sizeof(buf) + 1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	double best = 1e9;
	for (int rep_i = 0; rep_i < 3; rep_i++) {
		t0 = now_s();
		for (size_t i = 0; i < pieces; i++) {
			EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
			EVP_DigestUpdate(ctx, buf, sizeof(buf));
			EVP_DigestFinal_ex(ctx, md, NULL);
		}
		double t = now_s() - t0;
		best = t < best ? t : best;
	}
	EVP_MD_CTX_free(ctx);
	double mb = (double)rep.bytes / 1e6;
	printf("journal_single_rps %.0f\n", n / single);
	printf("journal_group_rps %.0f (group of %d)\n", (double)ngroups * group / grouped, group);
	printf("journal_verify_mbps %.1f (%llu records, %.1f MB, %llu checkpoints)\n", mb / ver,
	       (unsigned long long)rep.records, mb, (unsigned long long)rep.checkpoints);
	printf("sha256_256B_mbps %.1f\n", mb / best);
	free(e);
	close(dfd);
	return 0;
}
