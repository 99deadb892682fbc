/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The local audit journal: an append-only file of text records in a directory
 * (the state dir's journal/), each bound to its predecessor by a SHA-256 hash
 * chain, with Merkle tree heads (RFC 6962) signed in C2SP tlog-checkpoint form.
 *
 * One record is one line:
 *
 *   seq=7 time=1732243575.123456 type=intent device=0000:01:00.0 op=bind chain=HEX64
 *
 * seq, time and type come first, then the payload keys in ascending byte
 * order (each at most once), then the chain hash. The bytes before " chain="
 * are the record body; chain(n) = SHA-256(chain(n-1) || body(n)), chain(-1) is
 * 32 zero bytes. The Merkle leaf of record n is SHA-256(0x00 || body(n)).
 *
 * A checkpoint record at seq N signs the tree of records 0..N-1 (so its tree
 * size equals its seq) and is itself leaf N of later trees. Its payload holds
 * origin=, root= (base64) and sig= (base64 of key hash + Ed25519 signature);
 * the signed text is the C2SP checkpoint body "ORIGIN\nSIZE\nROOT\n". The
 * newest checkpoint is also kept as a whole note in journal/checkpoint.
 *
 * Write-ahead: every append is written with one write(2) and fdatasync'ed
 * before the call returns. A failed write or sync marks the handle failed for
 * good (never retried): every later append returns -EIO.
 *
 * A handle is used by one thread at a time (the caller serializes); one
 * process holds a journal directory at a time (flock, else -EBUSY).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BB_JOURNAL_KEY_MAX     32   /* payload key: [a-z][a-z0-9_-]{0,31} */
#define BB_JOURNAL_VALUE_MAX   256  /* payload value: [A-Za-z0-9._:,/@+=-]{1,256} */
#define BB_JOURNAL_FIELDS_MAX  32   /* payload pairs per record */
#define BB_JOURNAL_RECORD_MAX  4096 /* one line, newline included */
#define BB_JOURNAL_PENDING_MAX 1024 /* intents without result at one time */
#define BB_JOURNAL_ORIGIN_MAX  128

enum bb_record_type {
	BB_REC_INTENT,
	BB_REC_RESULT,
	BB_REC_REFUSE,
	BB_REC_TABLE_INSTALL,
	BB_REC_POLICY_RELOAD,
	BB_REC_RECOVERED,
	BB_REC_OUTCOME_UNKNOWN,
	BB_REC_CHECKPOINT,
	BB_REC_TABLE_EXPIRED,
	_BB_REC_TYPE_MAX,
};

/* "intent", "result", ..., or NULL when out of range. */
const char *bb_record_type_name(enum bb_record_type t);
/* The type of NAME, or -EINVAL. */
int bb_record_type_from_name(const char *name);

/* One payload pair as a caller hands it in; order does not matter. */
struct bb_kv {
	const char *key;
	const char *value;
};

struct bb_record_field {
	char key[BB_JOURNAL_KEY_MAX + 1];
	char value[BB_JOURNAL_VALUE_MAX + 1];
};

/* A parsed record. */
struct bb_record {
	uint64_t seq;
	uint64_t time_usec; /* microseconds since the epoch */
	enum bb_record_type type;
	size_t n_fields;
	struct bb_record_field fields[BB_JOURNAL_FIELDS_MAX];
	uint8_t chain[32];
	size_t body_len; /* bytes of the line that the chain and the Merkle leaf hash */
};

bool bb_journal_valid_key(const char *key);
bool bb_journal_valid_value(const char *value);

/* The value of KEY in R, or NULL. */
const char *bb_record_get(const struct bb_record *r, const char *key);

/*
 * Parses one record line (LEN bytes, the trailing newline excluded) strictly:
 * field order, charsets, limits, no duplicate keys, canonical numbers. It does
 * not check the chain (that needs the previous record). On error returns
 * -EBADMSG and writes what is wrong, with the column, to ERR.
 */
int bb_record_parse(const char *line, size_t len, struct bb_record *ret, char *err, size_t errlen);

/*
 * Where a journal check failed: the record's seq (or the seq expected there) and
 * the byte offset of its line in journal/records. A problem with the note in
 * journal/checkpoint says "checkpoint file: ..." with its tree size as seq and offset 0.
 */
struct bb_journal_problem {
	bool found;
	uint64_t seq;
	uint64_t offset;
	char what[256];
};

/*
 * Reads the device's present state for an intent that has no result after a
 * crash. Writes the driver bound now to DRIVER ("" when none). Returns 0 or a
 * negative errno; then the outcome-unknown record says state=unreadable.
 */
typedef int (*bb_journal_state_fn)(const struct bb_record *intent, char *driver, size_t size,
                                   void *userdata);

struct bb_journal_options {
	/* Names the log in checkpoints and is the signing key's name. Default "bindbroker/journal".
	 */
	const char *origin;
	/*
	 * The checkpoint signing key (note signer key text, mode 0600), created with
	 * its public half beside it as KEY.pub when absent. Keep it outside the
	 * journal directory, and apart from the table-signing keys.
	 */
	int key_dirfd;
	const char *key_path;
	unsigned checkpoint_every; /* records between checkpoints; 0 means 1000 */
	unsigned checkpoint_secs;  /* bb_journal_tick() checkpoints after this; 0 means 300 */
	bb_journal_state_fn read_state;
	void *userdata;
	/* Clock for record times; NULL means CLOCK_REALTIME. */
	uint64_t (*now_usec)(void *userdata);
	/*
	 * Set the append-only inode flag (FS_APPEND_FL, `chattr +a`) on the records
	 * file where the file system has it. Only a holder of CAP_LINUX_IMMUTABLE can
	 * then truncate, rename or remove it (torn-tail recovery clears it for the cut
	 * and sets it again). Off for tools and tests that rewrite journals.
	 */
	bool append_only;
};

struct bb_journal;

/*
 * Opens (creating if needed) the journal directory PATH under DIRFD, takes an
 * exclusive lock on it, checks every record, and recovers: a torn last record
 * past the last checkpoint is cut off and a `recovered` record appended; each
 * intent without result gets an `outcome-unknown` record with the state that
 * read_state reports. Any other mismatch is tampering: returns -EBADMSG and
 * fills PROBLEM (may be NULL) with where. -EBUSY when another process holds it,
 * -EKEYREJECTED for a key file that is no Ed25519 note signer key, -EPERM for
 * one that group or others may read.
 */
int bb_journal_open(int dirfd, const char *path, const struct bb_journal_options *opts,
                    struct bb_journal **ret, struct bb_journal_problem *problem);

/* Writes a final checkpoint when records followed the last one, then frees. Returns its error. */
int bb_journal_close(struct bb_journal *j);

/*
 * Appends a record of TYPE (refuse, table-install, policy-reload or intent)
 * with N payload pairs, durable on return. Returns 0 and the seq in RET_SEQ
 * (may be NULL); -EINVAL on a bad key, value or type (nothing written); the
 * write or fdatasync error, and -EIO ever after, once the handle failed. When
 * the record is durable but the checkpoint due after it fails, RET_SEQ is set
 * and that error is returned: treat it as failure and do not act.
 */
int bb_journal_append(struct bb_journal *j, enum bb_record_type type, const struct bb_kv *kv,
                      size_t n, uint64_t *ret_seq);

/* An intent (payload should name device= and op=): durable before the first sysfs write. */
int bb_journal_append_intent(struct bb_journal *j, const struct bb_kv *kv, size_t n,
                             uint64_t *ret_seq);

/* The result of intent INTENT_SEQ (adds intent=SEQ); -ENOENT when that intent is not pending. */
int bb_journal_append_result(struct bb_journal *j, uint64_t intent_seq, const struct bb_kv *kv,
                             size_t n, uint64_t *ret_seq);

#define BB_JOURNAL_GROUP_MAX 256

/* One record of a group commit. */
struct bb_journal_entry {
	enum bb_record_type type; /* intent, result, refuse, table-install or policy-reload */
	uint64_t intent_seq;      /* result: its intent, pending or earlier in the same group */
	const struct bb_kv *kv;
	size_t n;
	uint64_t seq; /* out: the record's seq once durable, else UINT64_MAX */
};

/*
 * Group commit for concurrent requests: N records (at most BB_JOURNAL_GROUP_MAX)
 * written with one write(2) and made durable by one fdatasync, all or none.
 * Checked first as the single appends are (-EINVAL, -ENOENT, -EBUSY).
 */
int bb_journal_append_group(struct bb_journal *j, struct bb_journal_entry *e, size_t n);

/* Appends a checkpoint when NOW_USEC is checkpoint_secs past the last one and records followed. */
int bb_journal_tick(struct bb_journal *j, uint64_t now_usec);

/* Appends a checkpoint now if records followed the last one. */
int bb_journal_checkpoint(struct bb_journal *j);

bool bb_journal_failed(const struct bb_journal *j);

enum bb_journal_append_state {
	BB_JOURNAL_APPEND_OFF,         /* not asked for, and the file does not carry it */
	BB_JOURNAL_APPEND_ON,          /* the records file carries FS_APPEND_FL */
	BB_JOURNAL_APPEND_UNSUPPORTED, /* the file system has no inode flags (FUSE, NFS, ...) */
	BB_JOURNAL_APPEND_FAILED,      /* it has, but setting the flag failed (see RET_ERR) */
};

/* Whether the records file is append-only, as found and set at open; RET_ERR (may be NULL)
 * gets the negative errno of a failed attempt, else 0. */
enum bb_journal_append_state bb_journal_append_only(const struct bb_journal *j, int *ret_err);
/* "off", "on", "unsupported", "failed", or NULL when out of range. */
const char *bb_journal_append_state_name(enum bb_journal_append_state s);
/* The seq the next record will get, which is also the number of records. */
uint64_t bb_journal_next_seq(const struct bb_journal *j);
/* Intents without result, in order; valid until the next append. */
size_t bb_journal_pending(const struct bb_journal *j, const uint64_t **ret_seqs);

/*
 * Generates the checkpoint key pair named NAME if PATH does not exist: PATH
 * (mode 0600) and PATH.pub. Returns 1 when created, 0 when present.
 */
int bb_journal_keygen(int dirfd, const char *path, const char *name);

struct bb_journal_verify_report {
	uint64_t records;     /* records that checked out */
	uint64_t checkpoints; /* checkpoint records whose signature and root verified */
	uint64_t signed_size; /* tree size of the last verified checkpoint */
	uint64_t bytes;       /* bytes of intact records */
	bool torn_tail;       /* an incomplete last record (a crash, not tampering) */
	uint64_t torn_offset;
	uint64_t unsigned_records; /* records after the last checkpoint */
	uint64_t open_intents;     /* intents without result or outcome-unknown at the end */
	struct bb_journal_problem problem;
};

/*
 * Checks a journal directory offline (a copy works; nothing is written) with
 * the public key file PUBKEY (note verifier text). Returns 0 when intact (a
 * torn tail past the last checkpoint is reported but allowed), -EBADMSG with
 * REPORT->problem naming the first bad record, -EKEYREJECTED when PUBKEY is no
 * Ed25519 note verifier key, or another negative errno.
 */
int bb_journal_verify(int dirfd, const char *path, int key_dirfd, const char *pubkey,
                      struct bb_journal_verify_report *report);

/*
 * One line for `audit verify` (no newline): "intact: ..." for result 0,
 * "TAMPERED at seq N (byte B): ..." for -EBADMSG, else the error. Returns its length.
 */
int bb_journal_verify_describe(const struct bb_journal_verify_report *report, int result, char *buf,
                               size_t size);

struct bb_journal_filter {
	const char *device;  /* only records with device=DEVICE, or NULL */
	uint64_t since_usec; /* only records at or after this time */
	bool checkpoints;    /* include checkpoint records */
};

typedef int (*bb_journal_record_fn)(const struct bb_record *r, void *userdata);

/*
 * Calls FN for each record that passes FILTER (may be NULL), in order; stops
 * at a malformed record with -EBADMSG and at FN's negative return. A torn tail
 * is skipped. Reads only.
 */
int bb_journal_foreach(int dirfd, const char *path, const struct bb_journal_filter *filter,
                       bb_journal_record_fn fn, void *userdata);

/* One JSON object (no newline) for R, through json-c. Caller frees. */
int bb_record_to_json(const struct bb_record *r, char **ret);
/* The same as a json-c object (struct json_object; the caller puts it). */
struct json_object;
int bb_record_to_json_object(const struct bb_record *r, struct json_object **ret);
/* One human line (no newline): "2024-11-22T02:46:15.123456Z #7 intent device=... op=bind". */
int bb_record_to_text(const struct bb_record *r, char *buf, size_t size);

/* `audit show`: the filtered records to OUT, as text lines or JSON lines. */
int bb_journal_show(int dirfd, const char *path, const struct bb_journal_filter *filter, bool json,
                    FILE *out);
/* `audit export`: every record, checkpoints included, as JSON lines. */
int bb_journal_export(int dirfd, const char *path, FILE *out);
