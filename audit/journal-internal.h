/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the journal's files share and nobody outside audit/ sees: record
 * formatting, hashing, the Merkle tree, keys, checkpoints and the scanner that
 * both open and verify run over the records file.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "bb-journal.h"

#define JOURNAL_RECORDS_FILE    "records"
#define JOURNAL_CHECKPOINT_FILE "checkpoint"
#define JOURNAL_DEFAULT_ORIGIN  "bindbroker/journal"
#define JOURNAL_CHECKPOINT_MAX  1024 /* whole checkpoint note */
#define JOURNAL_KEYFILE_MAX     512

#define HASH_LEN     32
#define HEX_HASH     (2 * HASH_LEN)
#define SIG_B64_LEN  92 /* base64 of a 4-byte key hash and a 64-byte Ed25519 signature */
#define ROOT_B64_LEN 44

/* ---- journal-record.c ---- */

/*
 * Formats record SEQ into BUF (with its newline) and computes its chain hash
 * from PREV. Validates every key and value. Returns the line length, -EINVAL
 * on bad input or -ENOBUFS when the record would pass BB_JOURNAL_RECORD_MAX.
 */
int record_format(uint64_t seq, uint64_t time_usec, enum bb_record_type type,
                  const struct bb_kv *kv, size_t n, const uint8_t prev[HASH_LEN], char *buf,
                  size_t size, size_t *ret_body_len);

void hex_encode(const uint8_t *data, size_t len, char *out);

/* ---- journal-hash.c ---- */

int hash_chain(const uint8_t prev[HASH_LEN], const void *body, size_t len, uint8_t out[HASH_LEN]);
int hash_leaf(const void *data, size_t len, uint8_t out[HASH_LEN]);
int hash_sha256(const void *data, size_t len, uint8_t out[HASH_LEN]);

/*
 * An RFC 6962 tree kept as its perfect left subtrees, largest first: one per
 * set bit of SIZE, which is what appending and computing the head need.
 */
struct merkle {
	uint64_t size;
	unsigned n;
	uint8_t stack[64][HASH_LEN];
};

int merkle_append(struct merkle *m, const uint8_t leaf[HASH_LEN]);
int merkle_root(const struct merkle *m, uint8_t out[HASH_LEN]);

/* ---- journal-key.c ---- */

/* A note key (golang.org/x/mod/sumdb/note text form): name, 4-byte key hash, Ed25519. */
struct note_key {
	char name[BB_JOURNAL_ORIGIN_MAX + 1];
	uint8_t hash[4];
	EVP_PKEY *pkey; /* private or public */
	bool secret;
};

/* -EKEYREJECTED when the file is not a note key of type Ed25519; -EPERM for a secret open to
 * others. */
int note_key_load_private(int dirfd, const char *path, struct note_key *k);
int note_key_load_public(int dirfd, const char *path, struct note_key *k);
void note_key_done(struct note_key *k);
bool note_name_valid(const char *name);

int base64_encode(const uint8_t *data, size_t len, char *out, size_t size);
/* Strict: canonical padding, no whitespace; returns the decoded length. */
int base64_decode(const char *in, size_t inlen, uint8_t *out, size_t size);

/* ---- journal-checkpoint.c ---- */

/* "ORIGIN\nSIZE\nBASE64ROOT\n", the text a checkpoint signs. Returns its length. */
int checkpoint_body(const char *origin, uint64_t size, const uint8_t root[HASH_LEN], char *buf,
                    size_t bufsize);
int checkpoint_sign(const struct note_key *k, const char *body, size_t len,
                    char sig_b64[SIG_B64_LEN + 1]);
/* 0, or -EBADMSG with the reason in ERR (unknown key, bad signature, bad encoding). */
int checkpoint_verify(const struct note_key *k, const char *body, size_t len, const char *sig_b64,
                      char *err, size_t errlen);
/* The whole note: body, blank line, "— ORIGIN SIG". Returns its length. */
int checkpoint_note(const char *origin, uint64_t size, const uint8_t root[HASH_LEN],
                    const char *sig_b64, char *buf, size_t bufsize);

struct checkpoint_parsed {
	char origin[BB_JOURNAL_ORIGIN_MAX + 1];
	uint64_t size;
	uint8_t root[HASH_LEN];
	char sig_b64[SIG_B64_LEN + 1];
	size_t body_len;
};

/* Strict parse of a note with exactly one signature line. -EBADMSG with ERR. */
int checkpoint_note_parse(const char *text, size_t len, struct checkpoint_parsed *ret, char *err,
                          size_t errlen);

/* ---- journal-append.c ---- */

/* FS_APPEND_FL of FD: 0, -EOPNOTSUPP where the file system has no inode flags, or the error. */
int append_flag_get(int fd, bool *ret);
/* Sets or clears FS_APPEND_FL (changing it needs CAP_LINUX_IMMUTABLE: else -EPERM). */
int append_flag_set(int fd, bool on);

/* ---- journal-scan.c ---- */

/*
 * The state that follows the records: next seq, chain head, tree, pending
 * intents, last checkpoint. Open, verify and foreach run every record through
 * scan_accept(); appending runs the new record through it too, so the live
 * handle and the checker can never disagree.
 */
struct scan {
	/* inputs */
	const struct note_key *key; /* verify checkpoint signatures when set */
	bb_journal_record_fn fn;    /* called for every accepted record */
	void *userdata;

	/* state */
	uint64_t next_seq;
	uint64_t end_offset; /* bytes of accepted records */
	uint8_t chain[HASH_LEN];
	struct merkle tree;
	bool have_checkpoint;
	uint64_t checkpoint_seq;
	uint64_t checkpoint_time;
	uint64_t checkpoint_offset; /* file offset just past the last checkpoint */
	uint64_t checkpoints;
	uint64_t since_checkpoint; /* records appended after the last checkpoint */
	struct bb_record *pending;
	size_t n_pending;
	uint64_t *pending_seqs;

	/* The newest checkpoint note (journal/checkpoint), when there is one. */
	bool file_set;
	bool file_matched;
	struct checkpoint_parsed file;

	bool torn;
	uint64_t torn_offset;
	uint64_t torn_len;
	struct bb_journal_problem problem;
};

void scan_init(struct scan *s);
void scan_done(struct scan *s);

/* Checks and applies one parsed record whose line starts at the scan's end offset. */
int scan_accept(struct scan *s, const struct bb_record *r, const char *line, size_t line_len);

/* Reads the whole records file from FD. 0, -EBADMSG with s->problem, or an I/O error. */
int scan_fd(struct scan *s, int fd);

/*
 * Loads and verifies journal/checkpoint under DIRFD (absent is fine), so that
 * scanning then finds its checkpoint record with the same root. Needs s->key.
 */
int scan_load_checkpoint_file(struct scan *s, int dirfd);

/* After scan_fd: a checkpoint file that covers more records than are there is a cut. */
int scan_finish(struct scan *s);

int scan_problem(struct scan *s, uint64_t seq, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
