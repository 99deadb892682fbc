/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signed vendor id tables: the only door of libbb_tables.
 *
 * A vendor publishes a text table (bindbroker-table(5)) of the devices it tested with a
 * driver, signed with minisign's prehashed Ed25519 ("ED": Ed25519 over BLAKE2b-512 of
 * the file, plus a global signature over the signature and the trusted comment).
 * bindbroker honours an entry only when the signature, the signer's trust and scope,
 * the table's expiry and its serial (anti-rollback) all check out.
 *
 * Every refusal fills a struct bb_reason: a sentence naming the check that failed and
 * which check it was. Functions return 0 (or a positive count) on success and a
 * negative errno on failure; the reason is filled whenever they fail.
 *
 * Not thread-safe: a struct bb_tables belongs to one thread (the broker's event loop).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- refusal reasons ---------------------------------------------------------------- */

enum bb_check {
	BB_CHECK_NONE = 0,
	BB_CHECK_IO,        /* a file could not be read or written */
	BB_CHECK_SYNTAX,    /* a table, key, scope or signature file is malformed */
	BB_CHECK_ALGORITHM, /* legacy or unknown signature/key algorithm, encrypted key */
	BB_CHECK_SIGNATURE, /* bad signature or wrong key */
	BB_CHECK_TRUST,     /* signer key not in the trust store, or without scope */
	BB_CHECK_SCOPE,     /* table outside its signer's scope */
	BB_CHECK_EXPIRY,    /* expired or not yet valid */
	BB_CHECK_ROLLBACK,  /* serial/version not greater than the highest accepted */
	BB_CHECK_LOCKDOWN,  /* unsigned table under lockdown, or not allowed by config */
	BB_CHECK_THRESHOLD, /* key list without enough admin / new-key signatures */
	BB_CHECK_NO_MATCH,  /* lookup: no entry admits the device */
};

#define BB_REASON_MAX 400

struct bb_reason {
	enum bb_check check;
	char msg[BB_REASON_MAX];
};

/* "signature", "trust", "scope", ... */
const char *bb_check_name(enum bb_check check);

/* ---- minisign keys and signatures --------------------------------------------------- */

#define BB_KEYID_LEN             8
#define BB_ED25519_PK_LEN        32
#define BB_ED25519_SEED_LEN      32
#define BB_ED25519_SIG_LEN       64
#define BB_KEYFILE_MAX           4096  /* largest public or secret key file read */
#define BB_SIGFILE_MAX           12288 /* largest .minisig file read */
#define BB_UNTRUSTED_COMMENT_MAX 1024  /* bytes after "untrusted comment: " */
#define BB_TRUSTED_COMMENT_MAX   8192  /* bytes after "trusted comment: " */

struct bb_pubkey {
	uint8_t keyid[BB_KEYID_LEN];
	uint8_t pk[BB_ED25519_PK_LEN];
};

struct bb_seckey {
	uint8_t keyid[BB_KEYID_LEN];
	uint8_t seed[BB_ED25519_SEED_LEN];
	uint8_t pk[BB_ED25519_PK_LEN];
};

struct bb_minisig {
	uint8_t keyid[BB_KEYID_LEN];
	uint8_t sig[BB_ED25519_SIG_LEN];
	char trusted_comment[BB_TRUSTED_COMMENT_MAX + 1];
	uint8_t global_sig[BB_ED25519_SIG_LEN];
};

/* The key id as minisign prints it: 16 uppercase hex digits, little-endian. */
void bb_keyid_hex(const uint8_t keyid[BB_KEYID_LEN], char out[17]);

/*
 * Parsers of minisign files. ORIGIN (may be NULL) names the input in messages
 * ("keys.d/mlx.pub:2:5: ..."). Strict: every line ends in '\n', canonical base64, fixed
 * lengths, nothing after the last line.
 */
int bb_pubkey_parse(const char *data, size_t len, const char *origin, struct bb_pubkey *ret,
                    struct bb_reason *why);
/* Unencrypted secret keys only (minisign -G -W, bindbroker keygen); scrypt ones are refused. */
int bb_seckey_parse(const char *data, size_t len, const char *origin, struct bb_seckey *ret,
                    struct bb_reason *why);
/* Prehashed "ED" signatures only; legacy "Ed" and all-zero signatures are refused. */
int bb_minisig_parse(const char *data, size_t len, const char *origin, struct bb_minisig *ret,
                     struct bb_reason *why);

/* Writers of the same formats (new NUL-terminated strings in *RET). */
int bb_pubkey_format(const struct bb_pubkey *key, char **ret);
int bb_seckey_format(const struct bb_seckey *key, char **ret);
int bb_minisig_format(const struct bb_minisig *sig, char **ret);

/* Reads and parses a key file NAME under DIRFD (AT_FDCWD for paths), no symlink at the end. */
int bb_pubkey_load_at(int dirfd, const char *name, struct bb_pubkey *ret, struct bb_reason *why);
int bb_seckey_load_at(int dirfd, const char *name, struct bb_seckey *ret, struct bb_reason *why);

/* A new Ed25519 key pair with a random key id. */
int bb_keygen(struct bb_seckey *ret);
void bb_seckey_pubkey(const struct bb_seckey *sk, struct bb_pubkey *ret);
/* Overwrites a secret key in memory. */
void bb_seckey_wipe(struct bb_seckey *sk);

/* Signs DATA (prehashed ED) with TRUSTED_COMMENT (no control characters but tab). */
int bb_sign_buffer(const struct bb_seckey *sk, const void *data, size_t len,
                   const char *trusted_comment, struct bb_minisig *ret, struct bb_reason *why);

/* Checks key id, signature over BLAKE2b-512(DATA) and the global signature. */
int bb_verify_buffer(const struct bb_pubkey *key, const struct bb_minisig *sig, const void *data,
                     size_t len, struct bb_reason *why);

/* ---- table format (bindbroker-table(5)) ------------------------------------------------ */

#define BB_TABLE_FORMAT      1
#define BB_TABLE_MAX_SIZE    (8u * 1024 * 1024)
#define BB_TABLE_MAX_LINE    1024
#define BB_TABLE_MAX_ENTRIES 262144
#define BB_TABLE_MAX_DRIVERS 16
#define BB_TABLE_MAX_VENDORS 4096
#define BB_TABLE_NAME_MAX    64
#define BB_TABLE_DRIVER_MAX  64

struct bb_table_entry {
	uint16_t vendor, device;
	bool has_subsys;
	uint16_t subvendor, subdevice;
	bool has_class;
	uint32_t class_code, class_mask; /* 24 bits each */
	bool has_rev;
	uint8_t rev_lo, rev_hi;
	unsigned line;       /* line number in the table file */
	const char *comment; /* text after '#', trimmed; "" when none */
};

struct bb_table {
	unsigned format;
	char name[BB_TABLE_NAME_MAX + 1];
	uint16_t vendor;   /* the first vendor line (a one-vendor table's only one) */
	uint16_t *vendors; /* every vendor line, in order; entries carry one of them */
	size_t n_vendors;
	char drivers[BB_TABLE_MAX_DRIVERS][BB_TABLE_DRIVER_MAX + 1];
	size_t n_drivers;
	uint64_t serial;
	int64_t issued, expires; /* seconds since the epoch, UTC */
	struct bb_table_entry *entries;
	size_t n_entries;
	char *text; /* private: storage the comments point into */
};

/* Parses a table; ORIGIN (may be NULL) names it in "origin:line:col: ..." messages. */
int bb_table_parse(const char *data, size_t len, const char *origin, struct bb_table **ret,
                   struct bb_reason *why);
void bb_table_free(struct bb_table *t);
static inline void bb_table_freep(struct bb_table **t)
{
	bb_table_free(*t);
}

bool bb_table_has_driver(const struct bb_table *t, const char *driver);
/* "2027-11-01T00:00:00Z" */
void bb_time_format(int64_t t, char out[32]);
/* Strict RFC 3339 UTC with seconds and 'Z'; returns 0 or -EINVAL. */
int bb_time_parse(const char *s, int64_t *ret);

/* ---- trust store (keys.d) --------------------------------------------------------------- */

#define BB_SCOPE_MAX_ITEMS 4096

struct bb_trusted_key {
	char name[BB_TABLE_NAME_MAX + 1]; /* NAME of keys.d/NAME.pub */
	struct bb_pubkey key;
	bool admin; /* may sign key lists (rotation) */
	uint16_t *vendors;
	size_t n_vendors;
	char (*drivers)[BB_TABLE_DRIVER_MAX + 1];
	size_t n_drivers;
};

struct bb_trust;

/*
 * Loads keys.d under KEYS_DFD: every NAME.pub with a NAME.scope beside it is trusted
 * with that scope; a NAME.pub without scope is remembered as untrusted. A malformed
 * key or scope file fails the whole load (a trust store is not half-read).
 */
int bb_trust_load_at(int keys_dfd, struct bb_trust **ret, struct bb_reason *why);
/* An empty store (for building one in memory: tests, key lists). */
int bb_trust_new(struct bb_trust **ret);
void bb_trust_free(struct bb_trust *t);
static inline void bb_trust_freep(struct bb_trust **t)
{
	bb_trust_free(*t);
}
/* Parses a scope file ("vendor 15b3", "driver mlx5_vfio_pci", "admin", '#' comments). */
int bb_trust_add(struct bb_trust *t, const char *name, const struct bb_pubkey *key,
                 const char *scope_text, size_t scope_len, struct bb_reason *why);
size_t bb_trust_count(const struct bb_trust *t);
const struct bb_trusted_key *bb_trust_get(const struct bb_trust *t, size_t i);
/* The trusted key with this key id, or NULL (WHY then says whether it lacks a scope). */
const struct bb_trusted_key *
bb_trust_find(const struct bb_trust *t, const uint8_t keyid[BB_KEYID_LEN], struct bb_reason *why);
/* Table vendor, every entry's vendor and every driver inside KEY's scope. */
int bb_trust_check_scope(const struct bb_trusted_key *key, const struct bb_table *table,
                         struct bb_reason *why);

/*
 * Key rotation (TUF root style, minimal). A key list (format in bindbroker-table(5)):
 *   format: bindbroker-keylist 1 / version: N / threshold: K, a blank line, then
 *   "key NAME MINISIGN-PUBKEY-BASE64" and "scope NAME vendor|driver|admin [VALUE]" lines.
 * It is accepted against the CURRENT store (with CURRENT_VERSION and CURRENT_THRESHOLD)
 * when: its version is greater than CURRENT_VERSION; at least CURRENT_THRESHOLD distinct
 * current admin keys signed it; at least its own threshold of its admin keys signed it;
 * and every key in it that the current store does not hold signed it (proof of
 * possession). SIGS are minisign signature files of the key list, one per signer.
 */
struct bb_keylist {
	uint64_t version;
	unsigned threshold;
	struct bb_trust *trust;
};
int bb_keylist_verify(const struct bb_trust *current, uint64_t current_version,
                      unsigned current_threshold, const char *data, size_t len,
                      const char *const *sigs, const size_t *sig_lens, size_t n_sigs,
                      struct bb_keylist *ret, struct bb_reason *why);
void bb_keylist_done(struct bb_keylist *kl);
/*
 * Writes KL as keys.d files under DFD: NAME.pub and NAME.scope for each key (each file
 * atomically), removes the .scope of every key not in the list (revocation: a key
 * without scope is untrusted), and records the version in DFD/keylist.version last.
 */
int bb_keylist_write_keys_at(const struct bb_keylist *kl, int dfd, struct bb_reason *why);
/* The version recorded by bb_keylist_write_keys_at, 0 when none. */
int bb_keylist_version_at(int dfd, uint64_t *ret);

/* ---- anti-rollback state ---------------------------------------------------------------- */

/*
 * The highest serial accepted for (table name, signer key id), kept in
 * STATE_DFD/rollback/NAME.KEYID, written atomically. *RET = 0 when none was accepted.
 */
int bb_rollback_get(int state_dfd, const char *table_name, const uint8_t keyid[BB_KEYID_LEN],
                    uint64_t *ret);
int bb_rollback_put(int state_dfd, const char *table_name, const uint8_t keyid[BB_KEYID_LEN],
                    uint64_t serial);

/* ---- lockdown rule ------------------------------------------------------------------------ */

enum bb_posture {
	BB_POSTURE_NONE,
	BB_POSTURE_INTEGRITY,
	BB_POSTURE_CONFIDENTIALITY,
};

/*
 * Whether a table counts: signed tables always; an unsigned local table only without
 * lockdown and only when the configuration allows unsigned tables.
 */
bool bb_table_counts(bool is_signed, enum bb_posture posture, bool config_allows_unsigned,
                     struct bb_reason *why);

/* ---- installed tables: install, load, lookup --------------------------------------------- */

struct bb_tables;

/*
 * Opens the table store: trust from KEYS_DFD (keys.d; -1 for none), installed tables from
 * STATE_DFD/tables (created if missing). Every installed table is re-verified
 * (signature, trust, scope, rollback state); one that fails is skipped and counted in
 * *RET_SKIPPED (may be NULL) with a logged warning. Expired tables are loaded and
 * reported as expired.
 */
int bb_tables_open(int keys_dfd, int state_dfd, struct bb_tables **ret, unsigned *ret_skipped,
                   struct bb_reason *why);
void bb_tables_free(struct bb_tables *t);
static inline void bb_tables_freep(struct bb_tables **t)
{
	bb_tables_free(*t);
}

/*
 * Installs a signed table: signature, signer trust, scope, expiry against NOW, serial
 * strictly greater than any accepted before for (name, signer). The table and its
 * signature are stored as one file tables/NAME.KEYID.signed (the .minisig text followed
 * by the table), replaced atomically; then the rollback state is raised.
 */
int bb_tables_install(struct bb_tables *t, const char *table, size_t table_len, const char *sig,
                      size_t sig_len, int64_t now, struct bb_reason *why);
/* Same from PATH and PATH.minisig. */
int bb_tables_install_file(struct bb_tables *t, const char *path, int64_t now,
                           struct bb_reason *why);
/* Adds an administrator's unsigned local table (not persisted; counts per bb_table_counts). */
int bb_tables_add_local(struct bb_tables *t, const char *table, size_t len, const char *origin,
                        struct bb_reason *why);

struct bb_table_info {
	const char *name;
	const char *signer_name; /* keys.d NAME, or "(unsigned local)" */
	char signer_id[17];
	bool is_signed;
	uint64_t serial;
	int64_t issued, expires;
	size_t n_entries;
	size_t n_drivers;
	const char (*drivers)[BB_TABLE_DRIVER_MAX + 1];
	bool expired; /* against the NOW given to bb_tables_info */
};
size_t bb_tables_count(const struct bb_tables *t);
int bb_tables_info(const struct bb_tables *t, size_t i, int64_t now, struct bb_table_info *ret);

struct bb_device_query {
	uint16_t vendor, device, subvendor, subdevice;
	uint32_t class_code; /* 24 bits: class, subclass, prog-if */
	uint8_t revision;
	const char *driver; /* NULL: any driver a table names */
	int64_t now;
	enum bb_posture posture;
	bool allow_unsigned; /* bindbroker.conf allows unsigned local tables */
};

struct bb_table_match {
	const struct bb_table_entry *entry;
	struct bb_table_info table;
};

/*
 * Finds the most specific entry admitting the device. RET points into the store and stays
 * valid until the next install or add_local. Returns 1 and fills *RET, or 0
 * with WHY saying why nothing admits it (no entry; only in expired tables; only in
 * unsigned tables that do not count), or a negative errno.
 */
int bb_tables_lookup(const struct bb_tables *t, const struct bb_device_query *q,
                     struct bb_table_match *ret, struct bb_reason *why);

/* ---- what the client calls -------------------------------------------------------------- */

/* bindbroker keygen: writes SEC_PATH (0600) and PUB_PATH (0644); refuses to overwrite. */
int bb_cli_keygen(const char *pub_path, const char *sec_path, struct bb_reason *why);
/* table sign FILE --key SECKEY: writes FILE.minisig, trusted comment with NOW and the name. */
int bb_cli_sign(const char *file, const char *seckey_path, int64_t now, struct bb_reason *why);
/*
 * table verify FILE --key PUB (offline): signature from FILE.minisig, then the table
 * syntax and expiry against NOW. *RET (may be NULL) gets the parsed table.
 */
int bb_cli_verify(const char *file, const char *pubkey_path, int64_t now, struct bb_table **ret,
                  struct bb_reason *why);
