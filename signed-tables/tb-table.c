/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table parser (bindbroker-table(5)). Strict by design: one spelling for every
 * value, so the bytes a vendor signed mean exactly one thing. Every refusal names
 * origin:line:col.
 */
#include <errno.h>
#include <string.h>

#include "bb-validate.h"
#include "tb-internal.h"

enum header_key {
	H_FORMAT,
	H_NAME,
	H_VENDOR,
	H_DRIVER,
	H_SERIAL,
	H_ISSUED,
	H_EXPIRES,
	_H_MAX,
};

static const char *const header_names[_H_MAX] = {
    [H_FORMAT] = "format", [H_NAME] = "name",     [H_VENDOR] = "vendor",   [H_DRIVER] = "driver",
    [H_SERIAL] = "serial", [H_ISSUED] = "issued", [H_EXPIRES] = "expires",
};

struct parser {
	const char *origin;
	struct bb_table *t;
	struct bb_reason *why;
	unsigned lineno;
	unsigned seen_line[_H_MAX];
	size_t cap;
	uint64_t vendor_bits[65536 / 64]; /* the header's vendors, for the entries' check */
};

#define FAIL(p, col, err, fmt, ...)                                                                \
	tb_fail((p)->why, BB_CHECK_SYNTAX, (err), "%s:%u:%zu: " fmt, (p)->origin, (p)->lineno,     \
	        (size_t)(col), ##__VA_ARGS__)

void bb_table_free(struct bb_table *t)
{
	if (!t)
		return;
	free(t->entries);
	free(t->vendors);
	free(t->text);
	free(t);
}

bool bb_table_has_driver(const struct bb_table *t, const char *driver)
{
	for (size_t i = 0; i < t->n_drivers; i++)
		if (streq(t->drivers[i], driver))
			return true;
	return false;
}

static bool is_hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Exactly WIDTH lowercase hex digits; names the problem otherwise. */
static int hex_field(struct parser *p, const char *s, size_t len, size_t width, size_t col,
                     const char *what, uint32_t *ret)
{
	bool hexish = len > 0;
	for (size_t i = 0; i < len; i++)
		hexish = hexish && is_hex_digit(s[i]);
	if (len == width && tb_parse_hex(s, len, ret))
		return 0;
	if (hexish)
		return FAIL(
		    p, col, -EBADMSG,
		    "non-canonical hex '%.*s' for %s: write exactly %zu lowercase hex digits",
		    (int)len, s, what, width);
	return FAIL(p, col, -EBADMSG, "expected %s (%zu lowercase hex digits), got '%.*s'", what,
	            width, (int)(len > 32 ? 32 : len), s);
}

static int parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0 || len > 19 || (s[0] == '0' && len > 1))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

static bool looks_like_entry(const char *line, size_t len)
{
	return len >= 5 && is_hex_digit(line[0]) && is_hex_digit(line[1]) &&
	       is_hex_digit(line[2]) && is_hex_digit(line[3]) && line[4] == ':';
}

static int header_value(struct parser *p, enum header_key k, const char *v, size_t vlen, size_t col)
{
	struct bb_table *t = p->t;
	char buf[BB_TABLE_MAX_LINE + 1];
	uint32_t u32;
	uint64_t u64;
	int r;

	memcpy(buf, v, vlen);
	buf[vlen] = '\0';
	switch (k) {
	case H_FORMAT: {
		static const char prefix[] = "bindbroker-table ";
		if (vlen <= strlen(prefix) || memcmp(buf, prefix, strlen(prefix)) != 0)
			return FAIL(p, col, -EBADMSG, "format must be 'bindbroker-table %d'",
			            BB_TABLE_FORMAT);
		r = parse_decimal(buf + strlen(prefix), vlen - strlen(prefix), 1000000, &u64);
		if (r < 0)
			return FAIL(p, col, -EBADMSG, "format version is not a canonical number");
		if (u64 != BB_TABLE_FORMAT)
			return FAIL(p, col, -EPROTONOSUPPORT,
			            "unknown format version %llu (this bindbroker reads %d)",
			            (unsigned long long)u64, BB_TABLE_FORMAT);
		t->format = (unsigned)u64;
		return 0;
	}
	case H_NAME:
		if (!tb_valid_name(buf, vlen))
			return FAIL(p, col, -EBADMSG,
			            "name must be 1-%d characters of [a-z0-9._-], starting with a "
			            "letter or digit",
			            BB_TABLE_NAME_MAX);
		memcpy(t->name, buf, vlen + 1);
		return 0;
	case H_VENDOR:
		r = hex_field(p, buf, vlen, 4, col, "vendor id", &u32);
		if (r < 0)
			return r;
		if (p->vendor_bits[u32 / 64] & (UINT64_C(1) << (u32 % 64)))
			return FAIL(p, col, -EBADMSG, "duplicate vendor '%04x'", (unsigned)u32);
		if (t->n_vendors >= BB_TABLE_MAX_VENDORS)
			return FAIL(p, col, -E2BIG, "more than %d vendors", BB_TABLE_MAX_VENDORS);
		if (t->n_vendors % 64 == 0) {
			uint16_t *n = realloc(t->vendors, (t->n_vendors + 64) * sizeof(*n));
			if (!n)
				return -ENOMEM;
			t->vendors = n;
		}
		if (t->n_vendors == 0)
			t->vendor = (uint16_t)u32;
		t->vendors[t->n_vendors++] = (uint16_t)u32;
		p->vendor_bits[u32 / 64] |= UINT64_C(1) << (u32 % 64);
		return 0;
	case H_DRIVER:
		if (vlen > BB_TABLE_DRIVER_MAX || !bb_valid_driver_name(buf))
			return FAIL(p, col, -EBADMSG, "invalid driver name '%s'", buf);
		if (bb_table_has_driver(t, buf))
			return FAIL(p, col, -EBADMSG, "duplicate driver '%s'", buf);
		if (t->n_drivers >= BB_TABLE_MAX_DRIVERS)
			return FAIL(p, col, -E2BIG, "more than %d drivers", BB_TABLE_MAX_DRIVERS);
		memcpy(t->drivers[t->n_drivers++], buf, vlen + 1);
		return 0;
	case H_SERIAL:
		r = parse_decimal(buf, vlen, INT64_MAX, &u64);
		if (r < 0 || u64 == 0)
			return FAIL(p, col, -EBADMSG,
			            "serial must be a decimal number from 1 to 2^63-1 without "
			            "leading zeros");
		t->serial = u64;
		return 0;
	case H_ISSUED:
	case H_EXPIRES:
		if (bb_time_parse(buf, k == H_ISSUED ? &t->issued : &t->expires) < 0)
			return FAIL(p, col, -EBADMSG,
			            "%s must be a UTC time like 2027-11-01T00:00:00Z",
			            header_names[k]);
		return 0;
	default:
		return -EINVAL;
	}
}

static int header_line(struct parser *p, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	size_t klen, vlen;
	const char *v;
	int k = -1;

	if (!colon || colon == line || looks_like_entry(line, len)) {
		if (looks_like_entry(line, len))
			return FAIL(p, 1, -EBADMSG,
			            "entry before the header ends (a blank line ends the header)");
		return FAIL(p, 1, -EBADMSG, "expected a header line 'key: value'");
	}
	klen = (size_t)(colon - line);
	for (size_t i = 0; i < klen; i++)
		if (line[i] < 'a' || line[i] > 'z')
			return FAIL(p, i + 1, -EBADMSG, "header key must be lowercase letters");
	if (klen + 2 > len || colon[1] != ' ' || colon[2] == ' ')
		return FAIL(p, klen + 1, -EBADMSG, "write 'key: value' with one space after ':'");
	v = colon + 2;
	vlen = len - klen - 2;
	if (vlen == 0 || v[vlen - 1] == ' ' || v[vlen - 1] == '\t')
		return FAIL(p, len, -EBADMSG, "empty value or trailing whitespace");
	for (int i = 0; i < _H_MAX; i++)
		if (strlen(header_names[i]) == klen && memcmp(header_names[i], line, klen) == 0)
			k = i;
	if (p->lineno == 1 && k != H_FORMAT)
		return FAIL(p, 1, -EBADMSG, "the first line must be 'format: bindbroker-table %d'",
		            BB_TABLE_FORMAT);
	if (k < 0)
		return FAIL(p, 1, -EBADMSG, "unknown header key '%.*s' in format %u", (int)klen,
		            line, p->t->format);
	if (p->seen_line[k] && k != H_DRIVER && k != H_VENDOR)
		return FAIL(p, 1, -EBADMSG, "duplicate header key '%s' (first on line %u)",
		            header_names[k], p->seen_line[k]);
	if (!p->seen_line[k])
		p->seen_line[k] = p->lineno;
	return header_value(p, (enum header_key)k, v, vlen, klen + 3);
}

static int header_done(struct parser *p)
{
	for (int k = 0; k < _H_MAX; k++)
		if (!p->seen_line[k])
			return FAIL(p, 1, -EBADMSG, "header ends without '%s'", header_names[k]);
	if (p->t->expires <= p->t->issued)
		return FAIL(p, 1, -EBADMSG, "expires (line %u) is not after issued (line %u)",
		            p->seen_line[H_EXPIRES], p->seen_line[H_ISSUED]);
	return 0;
}

/* The next space-separated token at *POS; the caller has skipped the separators. */
static size_t token_len(const char *line, size_t len, size_t pos)
{
	size_t e = pos;
	while (e < len && line[e] != ' ' && line[e] != '\t')
		e++;
	return e - pos;
}

static int entry_line(struct parser *p, char *line, size_t len)
{
	struct bb_table_entry e = {.line = p->lineno, .comment = ""};
	enum { OPT_NONE, OPT_SUBSYS, OPT_CLASS, OPT_REV } last = OPT_NONE;
	size_t pos = 0, tl;
	uint32_t a, b;
	int r;

	tl = token_len(line, len, 0);
	if (tl != 9 || line[4] != ':') {
		if (tl >= 3 && tl <= 11 && memchr(line, ':', tl))
			return FAIL(p, 1, -EBADMSG,
			            "non-canonical id '%.*s': write VVVV:DDDD in lowercase hex",
			            (int)tl, line);
		return FAIL(p, 1, -EBADMSG, "expected an entry 'VVVV:DDDD ...'");
	}
	r = hex_field(p, line, 4, 4, 1, "vendor id", &a);
	if (r < 0)
		return r;
	r = hex_field(p, line + 5, 4, 4, 6, "device id", &b);
	if (r < 0)
		return r;
	if (!(p->vendor_bits[a / 64] & (UINT64_C(1) << (a % 64)))) {
		if (p->t->n_vendors == 1)
			return FAIL(p, 1, -EBADMSG,
			            "entry vendor %04x is not the table vendor %04x", a,
			            p->t->vendor);
		return FAIL(p, 1, -EBADMSG, "entry vendor %04x is none of the table's %zu vendors",
		            a, p->t->n_vendors);
	}
	e.vendor = (uint16_t)a;
	e.device = (uint16_t)b;
	pos = 9;
	for (;;) {
		size_t start = pos;
		while (pos < len && line[pos] == ' ')
			pos++;
		if (pos == len) {
			if (pos != start)
				return FAIL(p, start + 1, -EBADMSG, "trailing whitespace");
			break;
		}
		if (pos == start)
			return FAIL(p, pos + 1, -EBADMSG, "expected a space");
		if (line[pos] == '#') {
			size_t c = pos + 1, end = len;
			while (c < end && (line[c] == ' ' || line[c] == '\t'))
				c++;
			while (end > c && (line[end - 1] == ' ' || line[end - 1] == '\t'))
				end--;
			line[end] = '\0';
			e.comment = line + c;
			break;
		}
		tl = token_len(line, len, pos);
		const char *w = line + pos;
		size_t wcol = pos + 1;
		int opt = tl == 6 && !memcmp(w, "subsys", 6)  ? OPT_SUBSYS
		          : tl == 5 && !memcmp(w, "class", 5) ? OPT_CLASS
		          : tl == 3 && !memcmp(w, "rev", 3)   ? OPT_REV
		                                              : OPT_NONE;
		if (opt == OPT_NONE)
			return FAIL(p, wcol, -EBADMSG, "trailing garbage '%.*s'",
			            (int)(tl > 32 ? 32 : tl), w);
		if ((int)last >= opt)
			return FAIL(p, wcol, -EBADMSG,
			            "'%.*s' repeated or out of order (subsys, class, rev)", (int)tl,
			            w);
		last = opt;
		pos += tl;
		if (pos >= len || line[pos] != ' ')
			return FAIL(p, pos + 1, -EBADMSG, "'%.*s' needs a value", (int)tl, w);
		pos++;
		tl = token_len(line, len, pos);
		const char *val = line + pos;
		size_t vcol = pos + 1;
		if (opt == OPT_SUBSYS) {
			if (tl != 9 || val[4] != ':')
				return FAIL(p, vcol, -EBADMSG,
				            "subsys wants SVVV:SDDD in lowercase hex");
			r = hex_field(p, val, 4, 4, vcol, "subsystem vendor id", &a);
			if (r < 0)
				return r;
			r = hex_field(p, val + 5, 4, 4, vcol + 5, "subsystem device id", &b);
			if (r < 0)
				return r;
			e.has_subsys = true;
			e.subvendor = (uint16_t)a;
			e.subdevice = (uint16_t)b;
		} else if (opt == OPT_CLASS) {
			if (tl != 13 || val[6] != '/')
				return FAIL(p, vcol, -EBADMSG,
				            "class wants CCCCCC/MMMMMM in lowercase hex");
			r = hex_field(p, val, 6, 6, vcol, "class code", &a);
			if (r < 0)
				return r;
			r = hex_field(p, val + 7, 6, 6, vcol + 7, "class mask", &b);
			if (r < 0)
				return r;
			if (b == 0)
				return FAIL(p, vcol + 7, -EBADMSG,
				            "class mask 000000 matches anything");
			if (a & ~b)
				return FAIL(p, vcol, -EBADMSG,
				            "class code has bits outside its mask");
			e.has_class = true;
			e.class_code = a;
			e.class_mask = b;
		} else {
			if (tl != 5 || val[2] != '-')
				return FAIL(p, vcol, -EBADMSG,
				            "rev wants LO-HI, two lowercase hex digits each");
			r = hex_field(p, val, 2, 2, vcol, "lowest revision", &a);
			if (r < 0)
				return r;
			r = hex_field(p, val + 3, 2, 2, vcol + 3, "highest revision", &b);
			if (r < 0)
				return r;
			if (a > b)
				return FAIL(p, vcol, -EBADMSG, "revision range %02x-%02x is empty",
				            a, b);
			e.has_rev = true;
			e.rev_lo = (uint8_t)a;
			e.rev_hi = (uint8_t)b;
		}
		pos += tl;
	}

	struct bb_table *t = p->t;
	if (t->n_entries >= BB_TABLE_MAX_ENTRIES)
		return FAIL(p, 1, -E2BIG, "more than %d entries", BB_TABLE_MAX_ENTRIES);
	if (t->n_entries == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct bb_table_entry *n = realloc(t->entries, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->entries = n;
		p->cap = cap;
	}
	t->entries[t->n_entries++] = e;
	return 0;
}

static int entry_key_cmp(const void *x, const void *y)
{
	const struct bb_table_entry *a = *(const struct bb_table_entry *const *)x;
	const struct bb_table_entry *b = *(const struct bb_table_entry *const *)y;
	uint64_t ka = (uint64_t)a->device << 48 | (uint64_t)a->has_subsys << 47 |
	              (uint64_t)a->subvendor << 16 | a->subdevice;
	uint64_t kb = (uint64_t)b->device << 48 | (uint64_t)b->has_subsys << 47 |
	              (uint64_t)b->subvendor << 16 | b->subdevice;
	uint64_t ca = (uint64_t)a->has_class << 56 | (uint64_t)a->class_code << 24 | a->class_mask;
	uint64_t cb = (uint64_t)b->has_class << 56 | (uint64_t)b->class_code << 24 | b->class_mask;
	uint32_t ra = (uint32_t)a->has_rev << 16 | (uint32_t)a->rev_lo << 8 | a->rev_hi;
	uint32_t rb = (uint32_t)b->has_rev << 16 | (uint32_t)b->rev_lo << 8 | b->rev_hi;

	/* The vendor first: a multi-vendor table may list one device id under several. */
	if (a->vendor != b->vendor)
		return a->vendor < b->vendor ? -1 : 1;
	if (ka != kb)
		return ka < kb ? -1 : 1;
	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (ra != rb)
		return ra < rb ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Two entries with the same match conditions are a mistake worth refusing. */
static int refuse_duplicates(struct parser *p)
{
	const struct bb_table *t = p->t;
	_cleanup_free_ const struct bb_table_entry **v = NULL;

	if (t->n_entries < 2)
		return 0;
	v = malloc(t->n_entries * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_entries; i++)
		v[i] = &t->entries[i];
	qsort(v, t->n_entries, sizeof(*v), entry_key_cmp);
	for (size_t i = 1; i < t->n_entries; i++) {
		struct bb_table_entry a = *v[i - 1], b = *v[i];
		a.line = b.line = 0;
		a.comment = b.comment = "";
		if (entry_key_cmp(&(const struct bb_table_entry *){&a},
		                  &(const struct bb_table_entry *){&b}) == 0) {
			p->lineno = v[i]->line;
			return FAIL(p, 1, -EBADMSG, "duplicate entry (same as line %u)",
			            v[i - 1]->line);
		}
	}
	return 0;
}

static int check_bytes(struct parser *p, const char *data, size_t len)
{
	const char *nul = memchr(data, '\0', len), *cr = memchr(data, '\r', len);
	const char *first = nul && (!cr || nul < cr) ? nul : cr;

	if (first) {
		size_t off = (size_t)(first - data), col = 1;
		p->lineno = 1;
		for (size_t i = 0; i < off; i++, col++)
			if (data[i] == '\n') {
				p->lineno++;
				col = 0;
			}
		if (*first == '\0')
			return FAIL(p, col, -EBADMSG, "NUL byte in table");
		return FAIL(p, col, -EBADMSG,
		            "carriage return in table (CRLF line ends are refused)");
	}
	if (len == 0)
		return tb_fail(p->why, BB_CHECK_SYNTAX, -EBADMSG, "%s: empty table", p->origin);
	if (data[len - 1] != '\n')
		return tb_fail(p->why, BB_CHECK_SYNTAX, -EBADMSG,
		               "%s: truncated: the last line does not end in a newline", p->origin);
	return 0;
}

int bb_table_parse(const char *data, size_t len, const char *origin, struct bb_table **ret,
                   struct bb_reason *why)
{
	_cleanup_(bb_table_freep) struct bb_table *t = NULL;
	struct parser p = {.origin = origin ? origin : "<table>", .why = why};
	bool in_header = true;
	size_t pos = 0;
	int r;

	if (len > BB_TABLE_MAX_SIZE)
		return tb_fail(why, BB_CHECK_SYNTAX, -EFBIG,
		               "%s: oversized table: %zu bytes (limit %u)", p.origin, len,
		               BB_TABLE_MAX_SIZE);
	r = check_bytes(&p, data, len);
	if (r < 0)
		return r;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->text = malloc(len + 1);
	if (!t->text)
		return -ENOMEM;
	memcpy(t->text, data, len);
	t->text[len] = '\0';
	p.t = t;

	while (pos < len) {
		char *line = t->text + pos, *nl = memchr(line, '\n', len - pos);
		size_t llen = (size_t)(nl - line);
		long bad;

		pos += llen + 1;
		p.lineno++;
		if (llen > BB_TABLE_MAX_LINE)
			return FAIL(&p, BB_TABLE_MAX_LINE + 1, -EBADMSG,
			            "line longer than %d bytes", BB_TABLE_MAX_LINE);
		bad = tb_text_bad_offset(line, llen);
		if (bad >= 0)
			return FAIL(&p, (size_t)bad + 1, -EBADMSG,
			            "control character or invalid UTF-8");
		*nl = '\0';
		if (in_header) {
			if (llen == 0) {
				if (p.lineno == 1)
					return FAIL(&p, 1, -EBADMSG,
					            "table starts with a blank line");
				r = header_done(&p);
				if (r < 0)
					return r;
				in_header = false;
				continue;
			}
			r = header_line(&p, line, llen);
		} else {
			if (llen == 0 || line[0] == '#')
				continue;
			r = entry_line(&p, line, llen);
		}
		if (r < 0)
			return r;
	}
	if (in_header)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG,
		               "%s: truncated: no blank line after the header, no entries",
		               p.origin);
	if (t->n_entries == 0)
		return tb_fail(why, BB_CHECK_SYNTAX, -EBADMSG, "%s: table has no entries",
		               p.origin);
	r = refuse_duplicates(&p);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(t);
	return 0;
}
