/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checkpoints in C2SP tlog-checkpoint form, signed as a C2SP signed note:
 *
 *   ORIGIN\n SIZE\n BASE64(ROOT)\n \n — ORIGIN BASE64(KEYHASH[4] || ED25519SIG[64])\n
 *
 * The signature covers the first three lines (with their newlines).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "bb-macro.h"
#include "journal-internal.h"

#define SIG_LEN 64
#define EM_DASH "\xe2\x80\x94"

int checkpoint_body(const char *origin, uint64_t size, const uint8_t root[HASH_LEN], char *buf,
                    size_t bufsize)
{
	char b64[ROOT_B64_LEN + 1];
	int r;

	r = base64_encode(root, HASH_LEN, b64, sizeof(b64));
	if (r < 0)
		return r;
	r = snprintf(buf, bufsize, "%s\n%" PRIu64 "\n%s\n", origin, size, b64);
	if (r < 0 || (size_t)r >= bufsize)
		return -ENOBUFS;
	return r;
}

int checkpoint_sign(const struct note_key *k, const char *body, size_t len,
                    char sig_b64[SIG_B64_LEN + 1])
{
	uint8_t raw[4 + SIG_LEN];
	size_t siglen = SIG_LEN;
	EVP_MD_CTX *ctx;
	int ok;

	if (!k->secret)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestSign(ctx, raw + 4, &siglen, (const unsigned char *)body, len) == 1 &&
	     siglen == SIG_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EIO;
	memcpy(raw, k->hash, 4);
	return base64_encode(raw, sizeof(raw), sig_b64, SIG_B64_LEN + 1) == SIG_B64_LEN ? 0 : -EIO;
}

static int say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

int checkpoint_verify(const struct note_key *k, const char *body, size_t len, const char *sig_b64,
                      char *err, size_t errlen)
{
	uint8_t raw[4 + SIG_LEN];
	EVP_MD_CTX *ctx;
	int ok;

	if (base64_decode(sig_b64, strlen(sig_b64), raw, sizeof(raw)) != (int)sizeof(raw))
		return say(err, errlen,
		           "signature is not base64 of a key hash and an Ed25519 signature");
	if (memcmp(raw, k->hash, 4) != 0) {
		char want[9], got[9];
		hex_encode(k->hash, 4, want);
		hex_encode(raw, 4, got);
		return say(err, errlen, "signed by another key (key hash %s, trusted key %s is %s)",
		           got, k->name, want);
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, raw + 4, SIG_LEN, (const unsigned char *)body, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return say(err, errlen, "signature does not verify with key %s", k->name);
	return 0;
}

int checkpoint_note(const char *origin, uint64_t size, const uint8_t root[HASH_LEN],
                    const char *sig_b64, char *buf, size_t bufsize)
{
	int body, r;

	body = checkpoint_body(origin, size, root, buf, bufsize);
	if (body < 0)
		return body;
	r = snprintf(buf + body, bufsize - (size_t)body, "\n" EM_DASH " %s %s\n", origin, sig_b64);
	if (r < 0 || (size_t)r >= bufsize - (size_t)body)
		return -ENOBUFS;
	return body + r;
}

/* Takes one line ending in '\n' from [*p, end); false when there is none. */
static bool take_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (!nl)
		return false;
	*line = *p;
	*len = (size_t)(nl - *p);
	*p = nl + 1;
	return true;
}

int checkpoint_note_parse(const char *text, size_t len, struct checkpoint_parsed *ret, char *err,
                          size_t errlen)
{
	const char *p = text, *end = text + len, *line;
	char num[24], prefix[BB_JOURNAL_ORIGIN_MAX + 8];
	size_t n;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (len > JOURNAL_CHECKPOINT_MAX || memchr(text, '\0', len))
		return say(err, errlen, "line 1: not a checkpoint note (size or NUL)");
	if (!take_line(&p, end, &line, &n) || n == 0 || n > BB_JOURNAL_ORIGIN_MAX)
		return say(err, errlen, "line 1: bad origin line");
	memcpy(ret->origin, line, n);
	if (!note_name_valid(ret->origin))
		return say(err, errlen, "line 1: bad origin");
	if (!take_line(&p, end, &line, &n) || n == 0 || n >= sizeof(num) ||
	    strspn(line, "0123456789") < n || (n > 1 && line[0] == '0'))
		return say(err, errlen, "line 2: tree size is not a canonical number");
	memcpy(num, line, n);
	num[n] = '\0';
	errno = 0;
	ret->size = strtoull(num, NULL, 10);
	if (errno)
		return say(err, errlen, "line 2: tree size out of range");
	if (!take_line(&p, end, &line, &n) ||
	    base64_decode(line, n, ret->root, HASH_LEN) != HASH_LEN)
		return say(err, errlen, "line 3: root hash is not base64 of 32 bytes");
	ret->body_len = (size_t)(p - text);
	/* No extension lines are written, so none are accepted. */
	if (!take_line(&p, end, &line, &n) || n != 0)
		return say(err, errlen, "line 4: want the blank line before the signature");
	r = snprintf(prefix, sizeof(prefix), EM_DASH " %s ", ret->origin);
	if (r < 0 || (size_t)r >= sizeof(prefix))
		return -ENOBUFS;
	if (!take_line(&p, end, &line, &n) || n != (size_t)r + SIG_B64_LEN ||
	    memcmp(line, prefix, (size_t)r) != 0)
		return say(err, errlen, "line 5: want \"" EM_DASH " %s SIGNATURE\"", ret->origin);
	memcpy(ret->sig_b64, line + r, SIG_B64_LEN);
	if (p != end)
		return say(err, errlen, "line 6: text after the signature");
	return 0;
}
