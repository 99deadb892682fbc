/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Offline verification of a journal directory (or a copy of one) with a public key. */
#include <errno.h>
#include <fcntl.h>
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
