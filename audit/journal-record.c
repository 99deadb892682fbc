/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record line: its canonical form, written and parsed strictly. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-macro.h"
#include "journal-internal.h"

static const char *const type_names[_BB_REC_TYPE_MAX] = {
    [BB_REC_INTENT] = "intent",
    [BB_REC_RESULT] = "result",
    [BB_REC_REFUSE] = "refuse",
    [BB_REC_TABLE_INSTALL] = "table-install",
    [BB_REC_POLICY_RELOAD] = "policy-reload",
    [BB_REC_RECOVERED] = "recovered",
    [BB_REC_OUTCOME_UNKNOWN] = "outcome-unknown",
    [BB_REC_CHECKPOINT] = "checkpoint",
    [BB_REC_TABLE_EXPIRED] = "table-expired",
};

/* Keys the line itself uses; a payload may not reuse them. */
static const char *const reserved_keys[] = {"seq", "time", "type", "chain"};

const char *bb_record_type_name(enum bb_record_type t)
{
	if ((unsigned)t >= _BB_REC_TYPE_MAX)
		return NULL;
	return type_names[t];
}

int bb_record_type_from_name(const char *name)
{
	for (unsigned i = 0; i < _BB_REC_TYPE_MAX; i++)
		if (streq(type_names[i], name))
			return (int)i;
	return -EINVAL;
}

static bool key_char(char c, bool first)
{
	if (c >= 'a' && c <= 'z')
		return true;
	if (first)
		return false;
	return (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool value_char(char c)
{
	/* [A-Za-z0-9._:,/@+=-], spelled out: verify runs this on every byte. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == ':' || c == ',' || c == '/' || c == '@' || c == '+' ||
	       c == '=' || c == '-';
}

static bool key_valid_n(const char *key, size_t len)
{
	if (len == 0 || len > BB_JOURNAL_KEY_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!key_char(key[i], i == 0))
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(reserved_keys); i++)
		if (strlen(reserved_keys[i]) == len && memcmp(reserved_keys[i], key, len) == 0)
			return false;
	return true;
}

static bool value_valid_n(const char *value, size_t len)
{
	if (len == 0 || len > BB_JOURNAL_VALUE_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (value[i] == '\0' || !value_char(value[i]))
			return false;
	return true;
}

bool bb_journal_valid_key(const char *key)
{
	return key && key_valid_n(key, strnlen(key, BB_JOURNAL_KEY_MAX + 1));
}

bool bb_journal_valid_value(const char *value)
{
	return value && value_valid_n(value, strnlen(value, BB_JOURNAL_VALUE_MAX + 1));
}

const char *bb_record_get(const struct bb_record *r, const char *key)
{
	for (size_t i = 0; i < r->n_fields; i++)
		if (streq(r->fields[i].key, key))
			return r->fields[i].value;
	return NULL;
}

void hex_encode(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int cmp_kv(const void *a, const void *b)
{
	const struct bb_kv *const *x = a, *const *y = b;
	return strcmp((*x)->key, (*y)->key);
}

/* Appends to BUF at *POS; false when it does not fit. */
static bool put(char *buf, size_t size, size_t *pos, const char *fmt, ...) _printf_(4, 5);
static bool put(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf + *pos, size - *pos, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= size - *pos)
		return false;
	*pos += (size_t)r;
	return true;
}

int record_format(uint64_t seq, uint64_t time_usec, enum bb_record_type type,
                  const struct bb_kv *kv, size_t n, const uint8_t prev[HASH_LEN], char *buf,
                  size_t size, size_t *ret_body_len)
{
	const struct bb_kv *sorted[BB_JOURNAL_FIELDS_MAX];
	uint8_t chain[HASH_LEN];
	char hex[HEX_HASH + 1];
	size_t pos = 0, body_len;
	int r;

	if (!bb_record_type_name(type) || n > BB_JOURNAL_FIELDS_MAX || (n > 0 && !kv))
		return -EINVAL;
	if (size > BB_JOURNAL_RECORD_MAX)
		size = BB_JOURNAL_RECORD_MAX;
	for (size_t i = 0; i < n; i++) {
		if (!bb_journal_valid_key(kv[i].key) || !bb_journal_valid_value(kv[i].value))
			return -EINVAL;
		sorted[i] = &kv[i];
	}
	qsort(sorted, n, sizeof(sorted[0]), cmp_kv);
	for (size_t i = 1; i < n; i++)
		if (streq(sorted[i - 1]->key, sorted[i]->key))
			return -EINVAL;

	if (!put(buf, size, &pos, "seq=%" PRIu64 " time=%" PRIu64 ".%06" PRIu64 " type=%s", seq,
	         time_usec / 1000000, time_usec % 1000000, bb_record_type_name(type)))
		return -ENOBUFS;
	for (size_t i = 0; i < n; i++)
		if (!put(buf, size, &pos, " %s=%s", sorted[i]->key, sorted[i]->value))
			return -ENOBUFS;
	body_len = pos;
	r = hash_chain(prev, buf, body_len, chain);
	if (r < 0)
		return r;
	hex_encode(chain, HASH_LEN, hex);
	if (!put(buf, size, &pos, " chain=%s\n", hex))
		return -ENOBUFS;
	if (ret_body_len)
		*ret_body_len = body_len;
	return (int)pos;
}

/* ---- parsing ---- */

struct cursor {
	const char *s;
	size_t len, pos;
	char *err;
	size_t errlen;
};

static int fail(struct cursor *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct cursor *c, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (c->err && c->errlen > 0)
		snprintf(c->err, c->errlen, "column %zu: %s", c->pos + 1, what);
	return -EBADMSG;
}

/* The next space-separated token: [*tok, *tok + *toklen). */
static void next_token(struct cursor *c, const char **tok, size_t *toklen)
{
	size_t end = c->pos;

	while (end < c->len && c->s[end] != ' ')
		end++;
	*tok = c->s + c->pos;
	*toklen = end - c->pos;
}

/* Steps past the token just read and the single space after it, if any. */
static void advance(struct cursor *c, size_t toklen)
{
	c->pos += toklen;
	if (c->pos < c->len)
		c->pos++;
}

/* Canonical decimal: no sign, no leading zero, no overflow. */
static int parse_u64(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = v;
	return 0;
}

/* Expects "NAME=" at the cursor; returns the value span of the token. */
static int expect_field(struct cursor *c, const char *name, const char **val, size_t *vallen)
{
	size_t nlen = strlen(name), toklen;
	const char *tok;

	next_token(c, &tok, &toklen);
	if (toklen <= nlen || memcmp(tok, name, nlen) != 0 || tok[nlen] != '=')
		return fail(c, "expected %s=", name);
	*val = tok + nlen + 1;
	*vallen = toklen - nlen - 1;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int bb_record_parse(const char *line, size_t len, struct bb_record *ret, char *err, size_t errlen)
{
	struct cursor c = {.s = line, .len = len, .err = err, .errlen = errlen};
	const char *val, *tok;
	size_t vallen, toklen;
	uint64_t secs, usecs;
	char type[32];
	int r;

	/* Only the header: the fields array is ~9 KiB and n_fields bounds what is read. */
	ret->seq = ret->time_usec = 0;
	ret->type = BB_REC_INTENT;
	ret->n_fields = ret->body_len = 0;
	memset(ret->chain, 0, sizeof(ret->chain));
	if (len + 1 > BB_JOURNAL_RECORD_MAX)
		return fail(&c, "record longer than %d bytes", BB_JOURNAL_RECORD_MAX);
	if (memchr(line, '\0', len) || memchr(line, '\n', len))
		return fail(&c, "NUL or newline inside the record");

	r = expect_field(&c, "seq", &val, &vallen);
	if (r < 0)
		return r;
	if (parse_u64(val, vallen, &ret->seq) < 0)
		return fail(&c, "seq is not a canonical decimal number");
	advance(&c, vallen + 4);

	r = expect_field(&c, "time", &val, &vallen);
	if (r < 0)
		return r;
	usecs = 0;
	for (size_t i = vallen >= 6 ? vallen - 6 : 0; i < vallen; i++) {
		if (val[i] < '0' || val[i] > '9')
			return fail(&c, "time is not SECONDS.MICROSECONDS (6 digits)");
		usecs = usecs * 10 + (uint64_t)(val[i] - '0');
	}
	if (vallen < 8 || val[vallen - 7] != '.' || parse_u64(val, vallen - 7, &secs) < 0 ||
	    secs > UINT64_MAX / 1000000 - 1)
		return fail(&c, "time is not SECONDS.MICROSECONDS (6 digits)");
	ret->time_usec = secs * 1000000 + usecs;
	advance(&c, vallen + 5);

	r = expect_field(&c, "type", &val, &vallen);
	if (r < 0)
		return r;
	if (vallen >= sizeof(type))
		return fail(&c, "unknown record type");
	memcpy(type, val, vallen);
	type[vallen] = '\0';
	r = bb_record_type_from_name(type);
	if (r < 0)
		return fail(&c, "unknown record type '%s'", type);
	ret->type = (enum bb_record_type)r;
	advance(&c, vallen + 5);

	/* Payload pairs until chain=, keys strictly ascending. */
	for (;;) {
		const char *eq;
		size_t klen;

		if (c.pos >= c.len)
			return fail(&c, "missing chain=");
		next_token(&c, &tok, &toklen);
		if (toklen > 6 && memcmp(tok, "chain=", 6) == 0)
			break;
		eq = memchr(tok, '=', toklen);
		if (!eq)
			return fail(&c, "expected KEY=VALUE");
		klen = (size_t)(eq - tok);
		if (!key_valid_n(tok, klen))
			return fail(&c,
			            "bad key (want [a-z][a-z0-9_-]{0,31}, not a reserved name)");
		if (!value_valid_n(eq + 1, toklen - klen - 1)) {
			c.pos += klen + 1;
			return fail(&c, "bad value (want [A-Za-z0-9._:,/@+=-]{1,256})");
		}
		if (ret->n_fields == BB_JOURNAL_FIELDS_MAX)
			return fail(&c, "more than %d fields", BB_JOURNAL_FIELDS_MAX);
		struct bb_record_field *f = &ret->fields[ret->n_fields];
		memcpy(f->key, tok, klen);
		f->key[klen] = '\0';
		if (ret->n_fields > 0 && strcmp(ret->fields[ret->n_fields - 1].key, f->key) >= 0)
			return fail(&c, "key '%s' out of order or repeated", f->key);
		memcpy(f->value, eq + 1, toklen - klen - 1);
		f->value[toklen - klen - 1] = '\0';
		ret->n_fields++;
		if (c.pos + toklen >= c.len)
			return fail(&c, "missing chain=");
		advance(&c, toklen);
	}

	/* chain= must be the last token: exactly 64 lowercase hex digits to the end. */
	if (c.pos == 0 || line[c.pos - 1] != ' ')
		return fail(&c, "expected a single space before chain=");
	ret->body_len = c.pos - 1;
	if (toklen != 6 + HEX_HASH || c.pos + toklen != c.len)
		return fail(&c, "chain= wants 64 hex digits and ends the record");
	for (size_t i = 0; i < HASH_LEN; i++) {
		int hi = hex_digit(tok[6 + 2 * i]), lo = hex_digit(tok[6 + 2 * i + 1]);
		if (hi < 0 || lo < 0)
			return fail(&c, "chain= is not lowercase hex");
		ret->chain[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
