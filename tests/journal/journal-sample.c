/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes a small journal with every record type into DIR (DIR/journal, the
 * checkpoint key DIR/key and DIR/key.pub), for outside verifiers to check.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "bb-journal.h"

static uint64_t fixed_clock(void *userdata)
{
	(void)userdata;
	return 1732243575123456ULL;
}

static int device_state(const struct bb_record *intent, char *driver, size_t size, void *userdata)
{
	(void)intent;
	(void)userdata;
	snprintf(driver, size, "vfio-pci");
	return 0;
}

int main(int argc, char **argv)
{
	struct bb_journal_options o = {
	    .origin = "sample.example/journal",
	    .key_path = "key",
	    .checkpoint_every = 3,
	    .now_usec = fixed_clock,
	    .read_state = device_state,
	};
	struct bb_journal *j;
	uint64_t seq;
	int dirfd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return 1;
	o.key_dirfd = dirfd;
	if (bb_journal_open(dirfd, "journal", &o, &j, NULL) < 0)
		return 1;
	const struct bb_kv intent[] = {
	    {"op", "bind"},
	    {"device", "0000:01:00.0"},
	    {"old-driver", "e1000e"},
	    {"new-driver", "vfio-pci"},
	    {"ids", "8086:10d3"},
	    {"suid", "1000"},
	    {"scontext", "staff_u:staff_r:staff_t:s0"},
	};
	const struct bb_kv result[] = {{"outcome", "bound"}, {"driver", "vfio-pci"}};
	const struct bb_kv refuse[] = {
	    {"op", "bind"},
	    {"device", "0000:02:00.0"},
	    {"reason", "class-denied"},
	    {"rule", "policy.d/10-gpu.rules:4"},
	};
	const struct bb_kv table[] = {{"table", "vendor-nics"}, {"version", "7"}};
	const struct bb_kv policy[] = {{"files", "3"}, {"rules", "12"}};
	if (bb_journal_append_intent(j, intent, 7, &seq) < 0 ||
	    bb_journal_append_result(j, seq, result, 2, NULL) < 0 ||
	    bb_journal_append(j, BB_REC_REFUSE, refuse, 4, NULL) < 0 ||
	    bb_journal_append(j, BB_REC_TABLE_INSTALL, table, 2, NULL) < 0 ||
	    bb_journal_append(j, BB_REC_POLICY_RELOAD, policy, 2, NULL) < 0 ||
	    bb_journal_append_intent(j, intent, 7, &seq) < 0)
		return 1;
	/* Leave the last intent open, as a crash would, and let a reopen resolve it. */
	if (bb_journal_close(j) < 0 || bb_journal_open(dirfd, "journal", &o, &j, NULL) < 0 ||
	    bb_journal_close(j) < 0)
		return 1;
	return 0;
}
