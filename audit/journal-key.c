/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The checkpoint key: Ed25519 in the note key text form of the Go checksum
 * database (golang.org/x/mod/sumdb/note), so other tlog tools can read it:
 *   signer   "PRIVATE+KEY+NAME+HASH8+base64(0x01 || seed)"
 *   verifier "NAME+HASH8+base64(0x01 || public key)"
 * with HASH8 the hex of SHA-256(NAME || "\n" || 0x01 || public key)[:4].
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bb-fileio.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "journal-internal.h"

#define ALG_ED25519 0x01
#define RAW_KEY_LEN 32

bool note_name_valid(const char *name)
{
	size_t len = strnlen(name, BB_JOURNAL_ORIGIN_MAX + 1);

	if (len == 0 || len > BB_JOURNAL_ORIGIN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._:/@-", c)))
			return false;
	}
	return true;
}

int base64_encode(const uint8_t *data, size_t len, char *out, size_t size)
{
	if (size < 4 * ((len + 2) / 3) + 1)
		return -ENOBUFS;
	return EVP_EncodeBlock((unsigned char *)out, data, (int)len);
}

int base64_decode(const char *in, size_t inlen, uint8_t *out, size_t size)
{
	uint8_t tmp[256];
	char again[4 * sizeof(tmp) / 3 + 4];
	size_t len;
	int n;

	if (inlen == 0 || inlen % 4 != 0 || inlen / 4 * 3 > sizeof(tmp))
		return -EBADMSG;
	n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)inlen);
	if (n < 0)
		return -EBADMSG;
	/* EVP_DecodeBlock counts padding as zero bytes. */
	len = (size_t)n;
	if (in[inlen - 1] == '=')
		len--;
	if (in[inlen - 2] == '=')
		len--;
	/* Only the canonical encoding is accepted: encoding back must give the input. */
	if (base64_encode(tmp, len, again, sizeof(again)) != (int)inlen ||
	    memcmp(again, in, inlen) != 0)
		return -EBADMSG;
	if (len > size)
		return -ENOBUFS;
	memcpy(out, tmp, len);
	return (int)len;
}

static int key_hash(const char *name, const uint8_t pub[RAW_KEY_LEN], uint8_t out[4])
{
	uint8_t buf[BB_JOURNAL_ORIGIN_MAX + 2 + RAW_KEY_LEN], digest[HASH_LEN];
	size_t n = strlen(name);
	int r;

	memcpy(buf, name, n);
	buf[n] = '\n';
	buf[n + 1] = ALG_ED25519;
	memcpy(buf + n + 2, pub, RAW_KEY_LEN);
	r = hash_sha256(buf, n + 2 + RAW_KEY_LEN, digest);
	if (r < 0)
		return r;
	memcpy(out, digest, 4);
	return 0;
}

void note_key_done(struct note_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

/* Reads a key file: one line, optional final newline; a secret one must not be group/other
 * readable. */
static int read_key_text(int dirfd, const char *path, bool secret, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t n;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	if (secret && (st.st_mode & 077))
		return log_error_errno(EPERM,
		                       "checkpoint key %s is open to group or others (mode %04o)",
		                       path, (unsigned)(st.st_mode & 07777));
	n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	if ((size_t)n == size - 1)
		return -EFBIG;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	if (strlen(buf) != (size_t)n)
		return -EBADMSG;
	return (int)n;
}

/* Splits "NAME+HASH8+BASE64" and checks the hash against the key it names. */
static int parse_key_text(const char *text, bool secret, struct note_key *k)
{
	char copy[JOURNAL_KEYFILE_MAX], hashhex[9];
	uint8_t raw[1 + RAW_KEY_LEN], pub[RAW_KEY_LEN];
	const char *prefix = "PRIVATE+KEY+";
	char *name, *hash, *b64;
	size_t publen = RAW_KEY_LEN;
	int r;

	if (secret) {
		if (strncmp(text, prefix, strlen(prefix)) != 0)
			return -EBADMSG;
		text += strlen(prefix);
	}
	if (strlen(text) >= sizeof(copy))
		return -EBADMSG;
	strcpy(copy, text);
	name = copy;
	hash = strchr(name, '+');
	if (!hash)
		return -EBADMSG;
	*hash++ = '\0';
	b64 = strchr(hash, '+');
	if (!b64)
		return -EBADMSG;
	*b64++ = '\0';
	if (!note_name_valid(name) || strlen(hash) != 8)
		return -EBADMSG;
	r = base64_decode(b64, strlen(b64), raw, sizeof(raw));
	if (r != (int)sizeof(raw) || raw[0] != ALG_ED25519)
		return -EBADMSG;

	k->pkey = secret
	              ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw + 1, RAW_KEY_LEN)
	              : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw + 1, RAW_KEY_LEN);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(copy + (b64 - copy), strlen(b64));
	if (!k->pkey)
		return -EBADMSG;
	if (EVP_PKEY_get_raw_public_key(k->pkey, pub, &publen) != 1)
		return -EIO;
	memcpy(k->name, name, strlen(name) + 1); /* note_name_valid bounded it */
	k->secret = secret;
	r = key_hash(k->name, pub, k->hash);
	if (r < 0)
		return r;
	hex_encode(k->hash, 4, hashhex);
	if (!streq(hashhex, hash))
		return -EBADMSG;
	return 0;
}

static int load(int dirfd, const char *path, bool secret, struct note_key *k)
{
	char text[JOURNAL_KEYFILE_MAX];
	int r;

	memset(k, 0, sizeof(*k));
	r = read_key_text(dirfd, path, secret, text, sizeof(text));
	if (r >= 0) {
		r = parse_key_text(text, secret, k);
		if (r == -EBADMSG)
			/* A bad key file is not a bad journal: keep -EBADMSG for tampering. */
			r = -EKEYREJECTED;
		if (r == -EKEYREJECTED)
			log_error("checkpoint key %s: not a note %s key of type Ed25519", path,
			          secret ? "signer" : "verifier");
	}
	explicit_bzero(text, sizeof(text));
	if (r < 0)
		note_key_done(k);
	return r;
}

int note_key_load_private(int dirfd, const char *path, struct note_key *k)
{
	return load(dirfd, path, true, k);
}

int note_key_load_public(int dirfd, const char *path, struct note_key *k)
{
	return load(dirfd, path, false, k);
}

static int format_key(const char *name, const uint8_t hash[4], const uint8_t key[RAW_KEY_LEN],
                      bool secret, char *buf, size_t size)
{
	uint8_t raw[1 + RAW_KEY_LEN];
	char b64[64], hex[9];
	int r;

	raw[0] = ALG_ED25519;
	memcpy(raw + 1, key, RAW_KEY_LEN);
	r = base64_encode(raw, sizeof(raw), b64, sizeof(b64));
	explicit_bzero(raw, sizeof(raw));
	if (r < 0)
		return r;
	hex_encode(hash, 4, hex);
	r = snprintf(buf, size, "%s%s+%s+%s\n", secret ? "PRIVATE+KEY+" : "", name, hex, b64);
	explicit_bzero(b64, sizeof(b64));
	if (r < 0 || (size_t)r >= size)
		return -ENOBUFS;
	return r;
}

/*
 * An Ed25519 private key is 32 random bytes (RFC 8032, 5.1.5): they come from the kernel's
 * generator, blocking until it is seeded, and OpenSSL derives the public half from them.
 * EVP_PKEY_Q_keygen would draw them from OpenSSL's DRBG instead, whose set-up (an AES-CTR
 * DRBG, and with it every cipher of the default provider) then stays in the daemon's heap
 * for good: ~150 KiB, for one key in the broker's lifetime.
 */
static EVP_PKEY *ed25519_generate(void)
{
	uint8_t seed[RAW_KEY_LEN];
	EVP_PKEY *pkey = NULL;
	size_t got = 0;

	while (got < sizeof(seed)) {
		ssize_t n = getrandom(seed + got, sizeof(seed) - got, 0);

		if (n < 0 && errno != EINTR)
			goto out;
		if (n > 0)
			got += (size_t)n;
	}
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
out:
	explicit_bzero(seed, sizeof(seed));
	return pkey;
}

int bb_journal_keygen(int dirfd, const char *path, const char *name)
{
	uint8_t seed[RAW_KEY_LEN], pub[RAW_KEY_LEN], hash[4];
	size_t seedlen = sizeof(seed), publen = sizeof(pub);
	char text[JOURNAL_KEYFILE_MAX], pubpath[PATH_MAX];
	EVP_PKEY *pkey = NULL;
	int r, len;

	if (!note_name_valid(name))
		return -EINVAL;
	if (faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return negative_errno();
	r = snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
	if (r < 0 || (size_t)r >= sizeof(pubpath))
		return -ENAMETOOLONG;

	pkey = ed25519_generate();
	if (!pkey)
		return log_error_errno(EIO, "cannot generate an Ed25519 key");
	r = -EIO;
	if (EVP_PKEY_get_raw_private_key(pkey, seed, &seedlen) != 1 ||
	    EVP_PKEY_get_raw_public_key(pkey, pub, &publen) != 1)
		goto out;
	r = key_hash(name, pub, hash);
	if (r < 0)
		goto out;

	/* Public half first: a crash between the two leaves no secret without its pair. */
	len = format_key(name, hash, pub, false, text, sizeof(text));
	r = len < 0 ? len : bb_write_file_atomic_at(dirfd, pubpath, text, (size_t)len, 0644);
	if (r < 0)
		goto out;
	len = format_key(name, hash, seed, true, text, sizeof(text));
	r = len < 0 ? len : bb_write_file_atomic_at(dirfd, path, text, (size_t)len, 0600);
	if (r == 0)
		r = 1;
out:
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(text, sizeof(text));
	EVP_PKEY_free(pkey);
	if (r < 0)
		return log_error_errno(r, "cannot create checkpoint key %s: %m", path);
	return r;
}
