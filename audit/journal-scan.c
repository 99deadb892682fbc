/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one checker of a records file: sequence, chain, Merkle heads in
 * checkpoints and their signatures, intents and their results. The first
 * thing wrong stops it and is named by seq and byte offset.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "bb-macro.h"
#include "journal-internal.h"

#define READ_CHUNK (256 * 1024)

/*
 * The read buffer is mapped for the scan and unmapped after, not malloc'ed: a journal past
 * 256 KiB fills all of it, and once glibc's dynamic mmap threshold has risen (the first free
 * of a mapped block raises it) a malloc'ed one comes from the heap and its pages stay
 * resident after free: 256 KiB for good in a daemon that checked its journal at start.
 */
static char *read_buffer_new(void)
{
	void *p =
	    mmap(NULL, READ_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void read_buffer_freep(char **p)
{
	if (*p)
		munmap(*p, READ_CHUNK);
}

void scan_init(struct scan *s)
{
	memset(s, 0, sizeof(*s));
}

void scan_done(struct scan *s)
{
	free(s->pending);
	free(s->pending_seqs);
	s->pending = NULL;
	s->pending_seqs = NULL;
	s->n_pending = 0;
}

int scan_problem(struct scan *s, uint64_t seq, uint64_t offset, const char *fmt, ...)
{
	va_list ap;

	s->problem.found = true;
	s->problem.seq = seq;
	s->problem.offset = offset;
	va_start(ap, fmt);
	vsnprintf(s->problem.what, sizeof(s->problem.what), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int pending_add(struct scan *s, const struct bb_record *r)
{
	struct bb_record *p;
	uint64_t *q;

	if (s->n_pending == BB_JOURNAL_PENDING_MAX)
		return scan_problem(s, r->seq, s->end_offset, "more than %d intents without result",
		                    BB_JOURNAL_PENDING_MAX);
	p = realloc(s->pending, (s->n_pending + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->pending = p;
	q = realloc(s->pending_seqs, (s->n_pending + 1) * sizeof(*q));
	if (!q)
		return -ENOMEM;
	s->pending_seqs = q;
	s->pending[s->n_pending] = *r;
	s->pending_seqs[s->n_pending] = r->seq;
	s->n_pending++;
	return 0;
}

/* Resolves the intent a result or outcome-unknown names; tampering when it is not pending. */
static int pending_resolve(struct scan *s, const struct bb_record *r)
{
	const char *v = bb_record_get(r, "intent");
	char *end;
	uint64_t seq;

	if (!v)
		return scan_problem(s, r->seq, s->end_offset,
		                    "%s record without intent=", bb_record_type_name(r->type));
	errno = 0;
	seq = strtoull(v, &end, 10);
	if (errno || *end || v[0] < '0' || v[0] > '9' || (v[0] == '0' && v[1]))
		return scan_problem(s, r->seq, s->end_offset, "intent=%s is not a seq", v);
	for (size_t i = 0; i < s->n_pending; i++) {
		if (s->pending_seqs[i] != seq)
			continue;
		memmove(&s->pending[i], &s->pending[i + 1],
		        (s->n_pending - i - 1) * sizeof(s->pending[0]));
		memmove(&s->pending_seqs[i], &s->pending_seqs[i + 1],
		        (s->n_pending - i - 1) * sizeof(s->pending_seqs[0]));
		s->n_pending--;
		return 0;
	}
	return scan_problem(s, r->seq, s->end_offset,
	                    "%s for intent %" PRIu64 " which is not an intent awaiting its result",
	                    bb_record_type_name(r->type), seq);
}

static int check_checkpoint(struct scan *s, const struct bb_record *r)
{
	const char *origin = bb_record_get(r, "origin"), *root64 = bb_record_get(r, "root"),
	           *sig = bb_record_get(r, "sig");
	uint8_t root[HASH_LEN], have[HASH_LEN];
	char body[JOURNAL_CHECKPOINT_MAX], why[200];
	int len, k;

	if (!origin || !root64 || !sig || r->n_fields != 3)
		return scan_problem(s, r->seq, s->end_offset,
		                    "checkpoint wants exactly origin=, root= and sig=");
	if (!note_name_valid(origin) ||
	    base64_decode(root64, strlen(root64), root, sizeof(root)) != HASH_LEN)
		return scan_problem(s, r->seq, s->end_offset,
		                    "checkpoint origin or root malformed");
	k = merkle_root(&s->tree, have);
	if (k < 0)
		return k;
	if (memcmp(root, have, HASH_LEN) != 0)
		return scan_problem(
		    s, r->seq, s->end_offset,
		    "checkpoint root does not match the tree of records 0..%" PRIu64,
		    r->seq ? r->seq - 1 : 0);
	if (s->file_set && s->file.size == r->seq) {
		if (memcmp(s->file.root, root, HASH_LEN) != 0 || !streq(s->file.origin, origin))
			return scan_problem(
			    s, r->seq, s->end_offset,
			    "checkpoint differs from the checkpoint file of the same size");
		s->file_matched = true;
	}
	if (!s->key)
		return 0;
	if (!streq(origin, s->key->name))
		return scan_problem(s, r->seq, s->end_offset,
		                    "checkpoint origin %s is not the key's name %s", origin,
		                    s->key->name);
	len = checkpoint_body(origin, r->seq, root, body, sizeof(body));
	if (len < 0)
		return len;
	k = checkpoint_verify(s->key, body, (size_t)len, sig, why, sizeof(why));
	if (k == -EBADMSG)
		return scan_problem(s, r->seq, s->end_offset, "checkpoint %s", why);
	return k;
}

int scan_accept(struct scan *s, const struct bb_record *r, const char *line, size_t line_len)
{
	uint8_t chain[HASH_LEN], leaf[HASH_LEN];
	int k;

	if (r->seq != s->next_seq)
		return scan_problem(s, s->next_seq, s->end_offset,
		                    "expected seq %" PRIu64 ", found seq %" PRIu64
		                    " (records missing or out of order)",
		                    s->next_seq, r->seq);
	k = hash_chain(s->chain, line, r->body_len, chain);
	if (k < 0)
		return k;
	if (memcmp(chain, r->chain, HASH_LEN) != 0)
		return scan_problem(s, r->seq, s->end_offset,
		                    "chain hash mismatch (record altered, or one before it)");

	switch (r->type) {
	case BB_REC_CHECKPOINT:
		k = check_checkpoint(s, r);
		break;
	case BB_REC_INTENT:
		k = pending_add(s, r);
		break;
	case BB_REC_RESULT:
	case BB_REC_OUTCOME_UNKNOWN:
		k = pending_resolve(s, r);
		break;
	default:
		k = 0;
	}
	if (k < 0)
		return k;

	k = hash_leaf(line, r->body_len, leaf);
	if (k < 0)
		return k;
	k = merkle_append(&s->tree, leaf);
	if (k < 0)
		return k;
	memcpy(s->chain, chain, HASH_LEN);
	s->next_seq++;
	s->end_offset += line_len;
	if (r->type == BB_REC_CHECKPOINT) {
		s->have_checkpoint = true;
		s->checkpoint_seq = r->seq;
		s->checkpoint_time = r->time_usec;
		s->checkpoint_offset = s->end_offset;
		s->checkpoints++;
		s->since_checkpoint = 0;
	} else {
		s->since_checkpoint++;
	}
	if (s->fn) {
		k = s->fn(r, s->userdata);
		if (k < 0)
			return k;
	}
	return 0;
}

/* One complete line (newline included) at the scan's end offset. */
static int scan_line(struct scan *s, const char *line, size_t len, struct bb_record *rec)
{
	char why[200];
	int k;

	k = bb_record_parse(line, len - 1, rec, why, sizeof(why));
	if (k < 0)
		return scan_problem(s, s->next_seq, s->end_offset, "malformed record: %s", why);
	return scan_accept(s, rec, line, len);
}

int scan_fd(struct scan *s, int fd)
{
	_cleanup_(read_buffer_freep) char *buf = NULL;
	_cleanup_free_ struct bb_record *rec = NULL;
	size_t have = 0, start = 0;
	uint64_t overlong = 0; /* bytes of a newline-free run already passed over */
	bool eof = false;
	int k;

	buf = read_buffer_new();
	rec = malloc(sizeof(*rec));
	if (!buf || !rec)
		return -ENOMEM;

	for (;;) {
		char *nl = memchr(buf + start, '\n', have - start);

		if (nl) {
			size_t len = (size_t)(nl - (buf + start)) + 1;
			if (overlong > 0 || len > BB_JOURNAL_RECORD_MAX)
				return scan_problem(s, s->next_seq, s->end_offset,
				                    "record longer than %d bytes",
				                    BB_JOURNAL_RECORD_MAX);
			k = scan_line(s, buf + start, len, rec);
			if (k < 0)
				return k;
			start += len;
			continue;
		}
		/*
		 * Too long for a record and no newline yet: tampering if a newline
		 * follows, a torn tail if the file ends first (a crash can leave a
		 * group commit's tail, or zeros, of any length). Pass over it.
		 */
		if (have - start >= BB_JOURNAL_RECORD_MAX) {
			overlong += have - start;
			start = have;
		}
		if (eof)
			break;
		memmove(buf, buf + start, have - start);
		have -= start;
		start = 0;
		ssize_t n = read(fd, buf + have, READ_CHUNK - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			eof = true;
		have += (size_t)n;
	}

	/* Bytes after the last newline: a write the crash cut short. */
	if (overlong + (have - start) > 0) {
		s->torn = true;
		s->torn_offset = s->end_offset;
		s->torn_len = overlong + (have - start);
	}
	return 0;
}

int scan_load_checkpoint_file(struct scan *s, int dirfd)
{
	_cleanup_free_ char *text = NULL;
	char why[200];
	size_t len;
	int k;

	k = bb_read_file_at(dirfd, JOURNAL_CHECKPOINT_FILE, JOURNAL_CHECKPOINT_MAX, &text, &len);
	if (k == -ENOENT)
		return 0;
	if (k == -EFBIG)
		return scan_problem(s, 0, 0, "checkpoint file: larger than %d bytes",
		                    JOURNAL_CHECKPOINT_MAX);
	if (k < 0)
		return k;
	k = checkpoint_note_parse(text, len, &s->file, why, sizeof(why));
	if (k == -EBADMSG)
		return scan_problem(s, s->file.size, 0, "checkpoint file: %s", why);
	if (k < 0)
		return k;
	if (s->key) {
		if (!streq(s->file.origin, s->key->name))
			return scan_problem(s, s->file.size, 0,
			                    "checkpoint file: origin %s is not the key's name %s",
			                    s->file.origin, s->key->name);
		k = checkpoint_verify(s->key, text, s->file.body_len, s->file.sig_b64, why,
		                      sizeof(why));
		if (k == -EBADMSG)
			return scan_problem(s, s->file.size, 0, "checkpoint file: %s", why);
		if (k < 0)
			return k;
	}
	s->file_set = true;
	return 0;
}

int scan_finish(struct scan *s)
{
	if (s->file_set && !s->file_matched)
		return scan_problem(s, s->next_seq, s->end_offset,
		                    "the checkpoint file signs %" PRIu64 " records but the journal"
		                    " has no checkpoint record at seq %" PRIu64
		                    " (records were cut off or replaced)",
		                    s->file.size, s->file.size);
	return 0;
}
