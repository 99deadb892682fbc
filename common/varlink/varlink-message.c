/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing and building of varlink messages, with fixed limits on size and depth. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "bb-macro.h"
#include "bb-varlink.h"

static void set_err(char *err, size_t errsz, const char *fmt, ...) _printf_(3, 4);

static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * One dot-separated label of an interface name, as the varlink spec has it:
 * [A-Za-z0-9] (a letter for the first label), then [-A-Za-z0-9]*, not ending in '-'.
 */
static bool valid_interface_label(const char *s, size_t n, bool first)
{
	if (n == 0 || !is_alnum(s[0]) || (first && s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return s[n - 1] != '-';
}

static bool valid_interface_name(const char *s, size_t n)
{
	size_t labels = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!valid_interface_label(s + start, i - start, labels == 0))
			return false;
		labels++;
		start = i + 1;
	}
	return labels >= 2;
}

bool bb_varlink_valid_member_name(const char *name)
{
	const char *dot;
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > BB_VARLINK_NAME_MAX)
		return false;
	dot = strrchr(name, '.');
	if (!dot || !valid_interface_name(name, (size_t)(dot - name)))
		return false;
	if (!(dot[1] >= 'A' && dot[1] <= 'Z'))
		return false;
	for (const char *p = dot + 2; *p; p++)
		if (!is_alnum(*p))
			return false;
	return true;
}

int bb_varlink_interface_of(const char *member, char *buf, size_t size)
{
	const char *dot;
	size_t n;

	if (!bb_varlink_valid_member_name(member))
		return -EINVAL;
	dot = strrchr(member, '.');
	n = (size_t)(dot - member);
	if (n + 1 > size)
		return -ENOBUFS;
	memcpy(buf, member, n);
	buf[n] = '\0';
	return 0;
}

/* Parses MSG as exactly one JSON object within the size and depth limits. */
static int parse_object(const char *msg, size_t len, size_t max, struct json_object **ret,
                        char *err, size_t errsz)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	if (len > max || len > INT_MAX) {
		set_err(err, errsz, "message of %zu bytes is longer than the limit of %zu bytes",
		        len, max);
		return -EMSGSIZE;
	}
	if (len == 0) {
		set_err(err, errsz, "empty message");
		return -EBADMSG;
	}
	if (memchr(msg, '\0', len)) {
		set_err(err, errsz, "NUL byte inside the message at offset %zu",
		        (size_t)((const char *)memchr(msg, '\0', len) - msg));
		return -EBADMSG;
	}

	tok = json_tokener_new_ex(BB_VARLINK_DEPTH_MAX);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, msg, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (jerr == json_tokener_continue) {
		json_object_put(obj);
		set_err(err, errsz, "message ends inside a JSON value (offset %zu)", len);
		return -EBADMSG;
	}
	if (jerr != json_tokener_success) {
		json_object_put(obj);
		if (jerr == json_tokener_error_depth)
			set_err(err, errsz, "offset %zu: nested deeper than %d levels", end,
			        BB_VARLINK_DEPTH_MAX);
		else
			set_err(err, errsz, "offset %zu: %s", end, json_tokener_error_desc(jerr));
		return -EBADMSG;
	}
	if (end != len) {
		json_object_put(obj);
		set_err(err, errsz, "offset %zu: characters after the JSON object", end);
		return -EBADMSG;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		set_err(err, errsz, "message is not a JSON object");
		return -EPROTO;
	}
	*ret = obj;
	return 0;
}

static int take_parameters(struct json_object *val, struct json_object **ret, char *err,
                           size_t errsz)
{
	if (!val || json_object_is_type(val, json_type_null)) {
		*ret = json_object_new_object();
		return *ret ? 0 : -ENOMEM;
	}
	if (!json_object_is_type(val, json_type_object)) {
		set_err(err, errsz, "\"parameters\" is not an object");
		return -EPROTO;
	}
	*ret = json_object_get(val);
	return 0;
}

void bb_varlink_call_done(BbVarlinkCall *call)
{
	json_object_put(call->parameters);
	call->parameters = NULL;
	for (size_t i = 0; i < call->n_fds; i++)
		close(call->fds[i]);
	call->n_fds = 0;
}

void bb_varlink_reply_done(BbVarlinkReply *reply)
{
	free(reply->error);
	reply->error = NULL;
	json_object_put(reply->parameters);
	reply->parameters = NULL;
}

int bb_varlink_parse_call(const char *msg, size_t len, BbVarlinkCall *ret, char *err, size_t errsz)
{
	struct json_object *obj = NULL, *method = NULL, *params = NULL;
	bool oneway = false;
	int r;

	r = parse_object(msg, len, BB_VARLINK_MESSAGE_MAX, &obj, err, errsz);
	if (r < 0)
		return r;

	json_object_object_foreach(obj, key, val)
	{
		if (streq(key, "method")) {
			method = val;
		} else if (streq(key, "parameters")) {
			params = val;
		} else if (streq(key, "oneway") || streq(key, "more") || streq(key, "upgrade")) {
			if (!json_object_is_type(val, json_type_boolean)) {
				set_err(err, errsz, "\"%s\" is not a boolean", key);
				r = -EPROTO;
				goto out;
			}
			if (streq(key, "oneway")) {
				oneway = json_object_get_boolean(val);
			} else if (json_object_get_boolean(val)) {
				/* No method of this service streams replies or upgrades. */
				set_err(err, errsz, "\"%s\" is not supported by this service", key);
				r = -EPROTO;
				goto out;
			}
		} else {
			set_err(err, errsz, "unknown key \"%.64s\" in call", key);
			r = -EPROTO;
			goto out;
		}
	}
	if (!method || !json_object_is_type(method, json_type_string)) {
		set_err(err, errsz, "call has no \"method\" string");
		r = -EPROTO;
		goto out;
	}
	if (!bb_varlink_valid_member_name(json_object_get_string(method))) {
		set_err(err, errsz, "\"method\" is not a valid varlink method name");
		r = -EPROTO;
		goto out;
	}
	r = take_parameters(params, &ret->parameters, err, errsz);
	if (r < 0)
		goto out;
	strcpy(ret->method, json_object_get_string(method)); /* length checked above */
	ret->oneway = oneway;
out:
	json_object_put(obj);
	return r;
}

int bb_varlink_parse_reply(const char *msg, size_t len, BbVarlinkReply *ret, char *err,
                           size_t errsz)
{
	struct json_object *obj = NULL, *error = NULL, *params = NULL;
	int r;

	r = parse_object(msg, len, BB_VARLINK_REPLY_MAX, &obj, err, errsz);
	if (r < 0)
		return r;

	json_object_object_foreach(obj, key, val)
	{
		if (streq(key, "parameters")) {
			params = val;
		} else if (streq(key, "error")) {
			error = val;
		} else if (streq(key, "continues")) {
			if (!json_object_is_type(val, json_type_boolean) ||
			    json_object_get_boolean(val)) {
				set_err(err, errsz, "unexpected \"continues\" in reply");
				r = -EPROTO;
				goto out;
			}
		} else {
			set_err(err, errsz, "unknown key \"%.64s\" in reply", key);
			r = -EPROTO;
			goto out;
		}
	}
	if (error && (!json_object_is_type(error, json_type_string) ||
	              !bb_varlink_valid_member_name(json_object_get_string(error)))) {
		set_err(err, errsz, "\"error\" is not a valid varlink error name");
		r = -EPROTO;
		goto out;
	}
	r = take_parameters(params, &ret->parameters, err, errsz);
	if (r < 0)
		goto out;
	ret->error = NULL;
	if (error) {
		ret->error = strdup(json_object_get_string(error));
		if (!ret->error) {
			bb_varlink_reply_done(ret);
			r = -ENOMEM;
		}
	}
out:
	json_object_put(obj);
	return r;
}

static struct json_object *message_new(const char *key, const char *name,
                                       struct json_object *params)
{
	struct json_object *msg = json_object_new_object();

	if (!msg)
		goto fail;
	if (key && json_object_object_add(msg, key, json_object_new_string(name)) < 0)
		goto fail;
	if (!params)
		params = json_object_new_object();
	if (!params || json_object_object_add(msg, "parameters", params) < 0)
		goto fail;
	return msg;
fail:
	json_object_put(params);
	json_object_put(msg);
	return NULL;
}

struct json_object *bb_varlink_call_new(const char *method, struct json_object *params)
{
	return message_new("method", method, params);
}

struct json_object *bb_varlink_reply_new(struct json_object *params)
{
	return message_new(NULL, NULL, params);
}

struct json_object *bb_varlink_error_new(const char *error, struct json_object *params)
{
	return message_new("error", error, params);
}

int bb_varlink_serialize(struct json_object *msg, size_t max, char **ret, size_t *ret_len)
{
	size_t len;
	const char *s;
	char *buf;

	s = json_object_to_json_string_length(
	    msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!s)
		return -ENOMEM;
	if (len > max)
		return -EMSGSIZE;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, s, len + 1); /* the terminating NUL is the message delimiter */
	*ret = buf;
	*ret_len = len + 1;
	return 0;
}

static const char *type_name(enum json_type t)
{
	switch (t) {
	case json_type_string:
		return "a string";
	case json_type_boolean:
		return "a boolean";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	default:
		return "a value";
	}
}

int bb_varlink_check_parameters(struct json_object *params, const BbVarlinkField *fields,
                                const char **ret_bad, char *err, size_t errsz)
{
	size_t count = 0;

	if (!json_object_is_type(params, json_type_object)) {
		*ret_bad = "parameters";
		set_err(err, errsz, "parameters are not an object");
		return -EINVAL;
	}
	json_object_object_foreach(params, key, val)
	{
		const BbVarlinkField *f = fields;

		if (++count > BB_VARLINK_PARAMETER_MAX) {
			*ret_bad = key;
			set_err(err, errsz, "more than %d parameters", BB_VARLINK_PARAMETER_MAX);
			return -EINVAL;
		}
		while (f->name && !streq(f->name, key))
			f++;
		if (!f->name) {
			*ret_bad = key;
			set_err(err, errsz, "unknown parameter \"%.64s\"", key);
			return -EINVAL;
		}
		if (json_object_is_type(val, json_type_null) && !f->required)
			continue;
		if (!json_object_is_type(val, f->type)) {
			*ret_bad = key;
			set_err(err, errsz, "parameter \"%s\" is not %s", key, type_name(f->type));
			return -EINVAL;
		}
		if (f->type == json_type_string && strlen(json_object_get_string(val)) !=
		                                       (size_t)json_object_get_string_len(val)) {
			/* "\u0000" would cut the C string short of what was validated. */
			*ret_bad = key;
			set_err(err, errsz, "parameter \"%s\" contains a NUL character", key);
			return -EINVAL;
		}
		if (f->type == json_type_string && f->max_len > 0 &&
		    (size_t)json_object_get_string_len(val) > f->max_len) {
			*ret_bad = key;
			set_err(err, errsz, "parameter \"%s\" is longer than %zu bytes", key,
			        f->max_len);
			return -EINVAL;
		}
	}
	for (const BbVarlinkField *f = fields; f->name; f++) {
		struct json_object *v;

		if (!f->required)
			continue;
		if (!json_object_object_get_ex(params, f->name, &v) ||
		    json_object_is_type(v, json_type_null)) {
			*ret_bad = f->name;
			set_err(err, errsz, "parameter \"%s\" is missing", f->name);
			return -EINVAL;
		}
	}
	return 0;
}

const char *bb_varlink_get_string(struct json_object *params, const char *name)
{
	struct json_object *val;

	if (!json_object_object_get_ex(params, name, &val) ||
	    !json_object_is_type(val, json_type_string))
		return NULL;
	return json_object_get_string(val);
}

bool bb_varlink_get_bool(struct json_object *params, const char *name, bool def)
{
	struct json_object *val;

	if (!json_object_object_get_ex(params, name, &val) ||
	    !json_object_is_type(val, json_type_boolean))
		return def;
	return json_object_get_boolean(val);
}
