/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checks a daemon's journal with the journal library, offline, for the e2e
 * tests (the client's `audit verify` is written elsewhere):
 *   journal-tool STATE_DIR
 * verifies STATE_DIR/journal with STATE_DIR/journal.key.pub and prints the
 * library's one-line verdict, then "records=N checkpoints=N open_intents=N".
 * Exit 0 intact, 1 tampered or unreadable, 2 bad usage.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "bb-journal.h"

int main(int argc, char **argv)
{
	struct bb_journal_verify_report report = {0};
	char line[512];
	int dfd, r;

	if (argc != 2) {
		fprintf(stderr, "usage: journal-tool STATE_DIR\n");
		return 2;
	}
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		perror(argv[1]);
		return 1;
	}
	r = bb_journal_verify(dfd, "journal", dfd, "journal.key.pub", &report);
	bb_journal_verify_describe(&report, r, line, sizeof(line));
	printf("%s\n", line);
	printf("records=%" PRIu64 " checkpoints=%" PRIu64 " open_intents=%" PRIu64 "\n",
	       report.records, report.checkpoints, report.open_intents);
	close(dfd);
	return r == 0 ? 0 : 1;
}
