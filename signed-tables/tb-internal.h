/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared inside libbb_tables only; nothing outside this folder includes this. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bb-macro.h"
#include "bb-tables.h"

/* Fills WHY (may be NULL) and returns -abs(ERR). */
int tb_fail(struct bb_reason *why, enum bb_check check, int err, const char *fmt, ...)
    _printf_(4, 5);

/* Strict base64 (RFC 4648, padded, canonical). Decodes exactly OUT_LEN bytes or fails. */
size_t tb_base64_encoded_len(size_t len);
void tb_base64_encode(const uint8_t *in, size_t len, char *out);
int tb_base64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_len);

/* BLAKE2b with OUT_LEN (1..64) bytes of output, unkeyed (RFC 7693). */
struct tb_blake2b {
	uint64_t h[8], t[2];
	uint8_t buf[128];
	size_t buf_len, out_len;
};
void tb_blake2b_init(struct tb_blake2b *s, size_t out_len);
void tb_blake2b_update(struct tb_blake2b *s, const void *data, size_t len);
void tb_blake2b_final(struct tb_blake2b *s, uint8_t *out);

/* OpenSSL 3 primitives. */
int tb_blake2b512(const void *data, size_t len, uint8_t out[64]);
int tb_ed25519_verify(const uint8_t pk[32], const uint8_t sig[64], const void *msg, size_t len);
int tb_ed25519_sign(const uint8_t seed[32], const void *msg, size_t len, uint8_t sig[64]);
int tb_ed25519_public(const uint8_t seed[32], uint8_t pk[32]);
int tb_ed25519_generate(uint8_t seed[32], uint8_t pk[32]);

/* Walks a buffer line by line; every line must end in '\n'. */
struct tb_lines {
	const char *data;
	size_t len, pos;
	unsigned lineno;
};
/* 1 and the line (without the newline) in *LINE and *LINE_LEN, 0 at the end, -EBADMSG for an
 * unterminated last line. */
int tb_next_line(struct tb_lines *l, const char **line, size_t *line_len);

/* Comment text: valid UTF-8, no control characters except tab. Returns the bad offset or -1. */
long tb_text_bad_offset(const char *s, size_t len);

/* Lowercase fixed-width hex. */
bool tb_parse_hex(const char *s, size_t len, uint32_t *ret);

/* [a-z0-9][a-z0-9._-]* up to BB_TABLE_NAME_MAX, no "..". */
bool tb_valid_name(const char *s, size_t len);

/* Reads NAME under DIRFD (at most MAX bytes) with a reason on failure. */
int tb_read_file(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
                 struct bb_reason *why);

/* Installed table store internals shared by install, load and lookup. */
struct tb_loaded {
	struct bb_table *table;
	bool is_signed;
	char signer_name[BB_TABLE_NAME_MAX + 1];
	uint8_t keyid[BB_KEYID_LEN];
};

/* Refuses a table NOW is not inside [issued, expires). */
int tb_check_expiry(const struct bb_table *t, int64_t now, struct bb_reason *why);

/* Writes PATH (a path, not a name) atomically with MODE; -EEXIST if EXCL and it exists. */
int tb_write_path(const char *path, const void *data, size_t len, unsigned mode, bool excl,
                  struct bb_reason *why);

struct tb_index_item {
	uint32_t id; /* vendor << 16 | device */
	uint32_t table, entry;
};

struct bb_tables {
	struct bb_trust *trust;
	int state_dfd, tables_dfd;
	struct tb_loaded *loaded;
	size_t n_loaded;
	struct tb_index_item *index;
	size_t n_index;
};

#define TB_TABLES_DIR    "tables"
#define TB_ROLLBACK_DIR  "rollback"
#define TB_SIGNED_SUFFIX ".signed"

/* Adds L (taking its table) or replaces the loaded table with the same name and signer. */
int tb_tables_put(struct bb_tables *t, struct tb_loaded *l);
/* Rebuilds the sorted (vendor, device) index after a change. */
int tb_tables_reindex(struct bb_tables *t);
/*
 * Checks a signed table against the trust store: signature file, signer trust,
 * signature, table syntax, scope. Fills *RET (table owned by the caller).
 */
int tb_verify_signed(const struct bb_trust *trust, const char *table, size_t table_len,
                     const char *sig, size_t sig_len, const char *origin, struct tb_loaded *ret,
                     struct bb_reason *why);
