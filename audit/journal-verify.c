/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Offline verification of a journal directory (or a copy of one) with a public key. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "bb-macro.h"
#include "journal-internal.h"

int bb_journal_verify(int dirfd, const char *path, int key_dirfd, const char *pubkey,
                      struct bb_journal_verify_report *report)
{
	_cleanup_close_ int jdir = -1, fd = -1;
	struct note_key key;
	struct scan st;
	int r;

	memset(report, 0, sizeof(*report));
	r = note_key_load_public(key_dirfd, pubkey, &key);
	if (r < 0)
		return r;
	jdir = bb_open_dir_at(dirfd, path);
	if (jdir < 0) {
		note_key_done(&key);
		return jdir;
	}
	fd = openat(jdir, JOURNAL_RECORDS_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		note_key_done(&key);
		return negative_errno();
	}

	scan_init(&st);
	st.key = &key;
	r = scan_load_checkpoint_file(&st, jdir);
	if (r >= 0)
		r = scan_fd(&st, fd);
	if (r >= 0)
		r = scan_finish(&st);

	report->records = st.next_seq;
	report->checkpoints = st.checkpoints;
	report->signed_size = st.have_checkpoint ? st.checkpoint_seq : 0;
	report->bytes = st.end_offset;
	report->torn_tail = st.torn;
	report->torn_offset = st.torn_offset;
	report->unsigned_records = st.since_checkpoint;
	report->open_intents = st.n_pending;
	report->problem = st.problem;
	scan_done(&st);
	note_key_done(&key);
	return r;
}

int bb_journal_verify_describe(const struct bb_journal_verify_report *rep, int result, char *buf,
                               size_t size)
{
	int r;

	if (result == 0)
		r = snprintf(buf, size,
		             "intact: %" PRIu64 " records, %" PRIu64 " checkpoints, signed through"
		             " %" PRIu64 ", %" PRIu64 " unsigned, %" PRIu64 " intents open%s",
		             rep->records, rep->checkpoints, rep->signed_size,
		             rep->unsigned_records, rep->open_intents,
		             rep->torn_tail ? ", incomplete last record (a crash; open recovers it)"
		                            : "");
	else if (result == -EBADMSG && rep->problem.found)
		r = snprintf(buf, size, "TAMPERED at seq %" PRIu64 " (byte %" PRIu64 "): %s",
		             rep->problem.seq, rep->problem.offset, rep->problem.what);
	else if (result == -EKEYREJECTED)
		r = snprintf(buf, size,
		             "cannot verify: the key is not an Ed25519 note verifier key");
	else
		r = snprintf(buf, size, "cannot verify: %s", strerror(-result));
	if (r < 0)
		return -EIO;
	return r;
}
