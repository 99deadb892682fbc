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
	cap = t->cap ? t->cap : 1024;
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

/* json-c's escapes: \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00xx; '/' as it is. */
void json_text_string(JsonText *t, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s), start = 0;

	/* Worst case: every byte as \u00xx, plus the quotes. */
	if (!reserve(t, n * 6 + 2))
		return;
	t->buf[t->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc = 0;

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

void json_text_object(JsonText *t, struct json_object *o)
{
	size_t n = 0;
	const char *s;

	if (!o) {
		json_text_lit(t, "null");
		return;
	}
	s = json_object_to_json_string_length(o, JSON_TEXT_FLAGS, &n);
	if (!s) {
		t->oom = true;
		return;
	}
	json_text_raw(t, s, n);
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
