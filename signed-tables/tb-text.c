/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small strict text helpers every parser in this folder shares. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include "bb-fileio.h"
#include "tb-internal.h"

int tb_next_line(struct tb_lines *l, const char **line, size_t *line_len)
{
	const char *nl;

	if (l->pos >= l->len)
		return 0;
	nl = memchr(l->data + l->pos, '\n', l->len - l->pos);
	l->lineno++;
	if (!nl)
		return -EBADMSG;
	*line = l->data + l->pos;
	*line_len = (size_t)(nl - *line);
	l->pos += *line_len + 1;
	return 1;
}

long tb_text_bad_offset(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return (long)i;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4;
			cp = c & 0x07;
		} else {
			return (long)i;
		}
		if (i + n > len)
			return (long)i;
		for (size_t k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (long)i;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF and C1 controls are refused. */
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (cp >= 0x80 && cp < 0xa0))
			return (long)i;
		i += n;
	}
	return -1;
}

bool tb_parse_hex(const char *s, size_t len, uint32_t *ret)
{
	uint32_t v = 0;

	if (len == 0 || len > 8)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else
			return false;
	}
	*ret = v;
	return true;
}

bool tb_valid_name(const char *s, size_t len)
{
	if (len == 0 || len > BB_TABLE_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
		if (c == '.' && i + 1 < len && s[i + 1] == '.')
			return false;
	}
	return true;
}

int tb_read_file(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
                 struct bb_reason *why)
{
	int r = bb_read_file_at(dirfd, name, max, ret, ret_len);
	if (r == -EFBIG)
		return tb_fail(why, BB_CHECK_SYNTAX, r, "%s: file too large (limit %zu bytes)",
		               name, max);
	if (r < 0)
		return tb_fail(why, BB_CHECK_IO, r, "%s: cannot read: %s", name, strerror(-r));
	return 0;
}

void bb_time_format(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "@%lld", (long long)t);
}

static bool digits(const char *s, size_t n, int *ret)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

int bb_time_parse(const char *s, int64_t *ret)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, se;
	struct tm tm = {0};
	time_t t;

	/* YYYY-MM-DDTHH:MM:SSZ, nothing else. */
	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return -EINVAL;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return -EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    se > 59)
		return -EINVAL;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret = (int64_t)t;
	return 0;
}
