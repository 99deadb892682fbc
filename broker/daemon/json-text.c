/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON as text, the bytes json-c would print (json-text.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-text.h"

#define JSON_TEXT_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static bool reserve(JsonText *t, size_t n)
{
	size_t cap;
	char *buf;

	if (t->oom)
		return false;
	if (t->cap - t->len > n)
		return true; /* room for N and a NUL */
	cap = t->cap ? t->cap : 4096; /* a Check reply is about 2 KiB */
	while (cap - t->len <= n) {
		if (cap > SIZE_MAX / 2) {
			t->oom = true;
			return false;
		}
		cap *= 2;
	}
	buf = realloc(t->buf, cap);
	if (!buf) {
		t->oom = true;
		return false;
	}
	t->buf = buf;
	t->cap = cap;
	return true;
}

void json_text_raw(JsonText *t, const char *s, size_t n)
{
	if (!reserve(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

void json_text_lit(JsonText *t, const char *s)
{
	json_text_raw(t, s, strlen(s));
}

/*
 * Whether any of the 8 bytes at P is below 0x20, '"' or '\\' (may say yes for
 * a clean word after such a byte, never no for one that needs escaping: the
 * bytes are then looked at one by one).
 */
static bool word_needs_escape(const char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t x, q, b;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
}

/* json-c's escapes: \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00xx; '/' as it is. */
static void string_n(JsonText *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;

	/* Worst case: every byte as \u00xx, plus the quotes. */
	if (n > (SIZE_MAX - 2) / 6) {
		t->oom = true;
		return;
	}
	if (!reserve(t, n * 6 + 2))
		return;
	t->buf[t->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c;
		char esc = 0;

		/* Eight bytes at a time while none needs an escape: most of a reply. */
		while (n - i >= 8 && !word_needs_escape(s + i))
			i += 8;
		/* The last few bytes as the (overlapping) last word of the string. */
		if (n - i < 8 && n >= 8 && !word_needs_escape(s + n - 8))
			i = n;
		if (i == n)
			break;
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		memcpy(t->buf + t->len, s + start, i - start);
		t->len += i - start;
		start = i + 1;
		switch (c) {
		case '"':
			esc = '"';
			break;
		case '\\':
			esc = '\\';
			break;
		case '\b':
			esc = 'b';
			break;
		case '\f':
			esc = 'f';
			break;
		case '\n':
			esc = 'n';
			break;
		case '\r':
			esc = 'r';
			break;
		case '\t':
			esc = 't';
			break;
		}
		if (esc) {
			t->buf[t->len++] = '\\';
			t->buf[t->len++] = esc;
		} else {
			memcpy(t->buf + t->len, "\\u00", 4);
			t->buf[t->len + 4] = hex[c >> 4];
			t->buf[t->len + 5] = hex[c & 0xf];
			t->len += 6;
		}
	}
	memcpy(t->buf + t->len, s + start, n - start);
	t->len += n - start;
	t->buf[t->len++] = '"';
	t->buf[t->len] = '\0';
}

void json_text_string(JsonText *t, const char *s)
{
	string_n(t, s, strlen(s));
}

void json_text_string_or_null(JsonText *t, const char *s)
{
	if (s && *s)
		json_text_string(t, s);
	else
		json_text_lit(t, "null");
}

void json_text_bool(JsonText *t, bool b)
{
	json_text_lit(t, b ? "true" : "false");
}

void json_text_int(JsonText *t, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRId64, v);

	json_text_raw(t, buf, (size_t)n);
}

/* What json-c prints for O itself, for what the walk below leaves to it (numbers). */
static void printed_by_json_c(JsonText *t, struct json_object *o)
{
	size_t n = 0;
	const char *s = json_object_to_json_string_length(o, JSON_TEXT_FLAGS, &n);

	if (!s) {
		t->oom = true;
		return;
	}
	json_text_raw(t, s, n);
}

/*
 * json-c's printing of objects, arrays, strings and booleans, walked here with
 * the cheaper escaping above. An object carrying userdata is one whose
 * serializer prints that text as it is (json_text_to_object, decide.c's kept
 * policy explanation: the only userdata the daemon sets).
 */
static void tree(JsonText *t, struct json_object *o, int depth)
{
	const char *userdata;
	size_t n;

	if (!o) {
		json_text_lit(t, "null");
		return;
	}
	if (depth > 64) { /* deeper than any reply: json-c's own recursion */
		printed_by_json_c(t, o);
		return;
	}
	switch (json_object_get_type(o)) {
	case json_type_null:
		json_text_lit(t, "null");
		return;
	case json_type_boolean:
		json_text_bool(t, json_object_get_boolean(o));
		return;
	case json_type_string:
		string_n(t, json_object_get_string(o), (size_t)json_object_get_string_len(o));
		return;
	case json_type_object:
		userdata = json_object_get_userdata(o);
		if (userdata) {
			json_text_lit(t, userdata);
			return;
		}
		n = 0;
		json_text_lit(t, "{");
		json_object_object_foreach(o, key, val)
		{
			json_text_lit(t, n++ ? "," : "");
			string_n(t, key, strlen(key));
			json_text_lit(t, ":");
			tree(t, val, depth + 1);
		}
		json_text_lit(t, "}");
		return;
	case json_type_array:
		n = json_object_array_length(o);
		json_text_lit(t, "[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				json_text_lit(t, ",");
			tree(t, json_object_array_get_idx(o, i), depth + 1);
		}
		json_text_lit(t, "]");
		return;
	default: /* numbers: json-c's formats as they are */
		printed_by_json_c(t, o);
		return;
	}
}

void json_text_object(JsonText *t, struct json_object *o)
{
	tree(t, o, 0);
}

void json_text_done(JsonText *t)
{
	free(t->buf);
	*t = (JsonText){0};
}

struct json_object *json_text_to_object(JsonText *t)
{
	struct json_object *o;

	if (t->oom || !t->buf) {
		json_text_done(t);
		return NULL;
	}
	o = json_object_new_object();
	if (!o) {
		json_text_done(t);
		return NULL;
	}
	json_object_set_serializer(o, json_object_userdata_to_json_string, t->buf,
	                           json_object_free_userdata);
	*t = (JsonText){0};
	return o;
}

const char *json_text_of(struct json_object *o)
{
	/* Only text objects carry userdata in the daemon (see tree() above). */
	return o && json_object_is_type(o, json_type_object) ? json_object_get_userdata(o) : NULL;
}
