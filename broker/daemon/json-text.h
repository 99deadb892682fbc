/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON written straight as text, byte for byte as json-c prints the same tree
 * with the wire's flags (bb_varlink_serialize: JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE), for the replies asked for most (Check):
 * building, printing and freeing a json-c tree per call cost more than the
 * decision itself. The text goes into a reply as a json-c object whose
 * serializer prints it as it is.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct bb_device;
struct bb_decision;

typedef struct JsonText {
	char *buf;
	size_t len, cap;
	bool oom; /* an append failed: the text is incomplete */
} JsonText;

void json_text_raw(JsonText *t, const char *s, size_t n); /* S as it is */
void json_text_lit(JsonText *t, const char *s);           /* NUL-terminated S as it is */
void json_text_string(JsonText *t, const char *s);        /* "S", escaped as json-c escapes */
void json_text_string_or_null(JsonText *t, const char *s); /* NULL and "" as null */
void json_text_bool(JsonText *t, bool b);
void json_text_int(JsonText *t, int64_t v);
/* O as json-c prints it (NULL: null); an object with userdata prints as that text. */
void json_text_object(JsonText *t, struct json_object *o);
void json_text_done(JsonText *t);

/*
 * A json-c object that prints as T's text (T is emptied). NULL when out of
 * memory or an append failed (T is freed then too).
 */
struct json_object *json_text_to_object(JsonText *t);

/* The text an object of json_text_to_object() prints; NULL for any other object. */
const char *json_text_of(struct json_object *o);

/* facts-json.c: device_to_json(DEV) as text. */
void device_to_json_text(JsonText *t, const struct bb_device *dev);

/* decide.c: decision_to_json(D) as text. */
void decision_to_json_text(JsonText *t, const struct bb_decision *d);
