/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Review: filtered reading of the records, as text lines or JSON lines (json-c). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bb-fileio.h"
#include "bb-macro.h"
#include "journal-internal.h"

static int format_time(uint64_t usec, char *buf, size_t size)
{
	time_t secs = (time_t)(usec / 1000000);
	char date[32];
	struct tm tm;
	int r;

	if (!gmtime_r(&secs, &tm) || strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -ERANGE;
	r = snprintf(buf, size, "%s.%06" PRIu64 "Z", date, usec % 1000000);
	if (r < 0 || (size_t)r >= size)
		return -ENOBUFS;
	return r;
}

int bb_record_to_text(const struct bb_record *r, char *buf, size_t size)
{
	size_t pos;
	int k;

	k = format_time(r->time_usec, buf, size);
	if (k < 0)
		return k;
	pos = (size_t)k;
	k = snprintf(buf + pos, size - pos, " #%" PRIu64 " %s", r->seq,
	             bb_record_type_name(r->type));
	if (k < 0 || (size_t)k >= size - pos)
		return -ENOBUFS;
	pos += (size_t)k;
	for (size_t i = 0; i < r->n_fields; i++) {
		k = snprintf(buf + pos, size - pos, " %s=%s", r->fields[i].key, r->fields[i].value);
		if (k < 0 || (size_t)k >= size - pos)
			return -ENOBUFS;
		pos += (size_t)k;
	}
	return (int)pos;
}

int bb_record_to_json_object(const struct bb_record *r, struct json_object **ret)
{
	struct json_object *o = json_object_new_object();
	char when[48], chain[HEX_HASH + 1];

	if (!o)
		return -ENOMEM;
	if (format_time(r->time_usec, when, sizeof(when)) < 0) {
		json_object_put(o);
		return -ERANGE;
	}
	hex_encode(r->chain, HASH_LEN, chain);
	/* Payload keys never collide with seq, time, type or chain: the parser reserves them. */
	if (json_object_object_add(o, "seq", json_object_new_uint64(r->seq)) < 0 ||
	    json_object_object_add(o, "time", json_object_new_string(when)) < 0 ||
	    json_object_object_add(o, "type",
	                           json_object_new_string(bb_record_type_name(r->type))) < 0)
		goto fail;
	for (size_t i = 0; i < r->n_fields; i++)
		if (json_object_object_add(o, r->fields[i].key,
		                           json_object_new_string(r->fields[i].value)) < 0)
			goto fail;
	if (json_object_object_add(o, "chain", json_object_new_string(chain)) < 0)
		goto fail;
	*ret = o;
	return 0;
fail:
	json_object_put(o);
	return -ENOMEM;
}

int bb_record_to_json(const struct bb_record *r, char **ret)
{
	struct json_object *o;
	const char *s;
	int k = bb_record_to_json_object(r, &o);

	if (k < 0)
		return k;
	s = json_object_to_json_string_ext(o,
	                                   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	k = s && (*ret = strdup(s)) ? 0 : -ENOMEM;
	json_object_put(o);
	return k;
}

struct filter_ctx {
	const struct bb_journal_filter *filter;
	bb_journal_record_fn fn;
	void *userdata;
};

static int filter_record(const struct bb_record *r, void *userdata)
{
	struct filter_ctx *c = userdata;
	const struct bb_journal_filter *f = c->filter;

	if (f) {
		const char *dev = bb_record_get(r, "device");
		if (r->type == BB_REC_CHECKPOINT && !f->checkpoints)
			return 0;
		if (f->device && (!dev || !streq(dev, f->device)))
			return 0;
		if (r->time_usec < f->since_usec)
			return 0;
	}
	return c->fn(r, c->userdata);
}

int bb_journal_foreach(int dirfd, const char *path, const struct bb_journal_filter *filter,
                       bb_journal_record_fn fn, void *userdata)
{
	_cleanup_close_ int jdir = -1, fd = -1;
	struct filter_ctx ctx = {filter, fn, userdata};
	struct scan st;
	int r;

	jdir = bb_open_dir_at(dirfd, path);
	if (jdir < 0)
		return jdir;
	fd = openat(jdir, JOURNAL_RECORDS_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	/* Without a key: chain and sequence are still checked, signatures are verify's job. */
	scan_init(&st);
	st.fn = filter_record;
	st.userdata = &ctx;
	r = scan_fd(&st, fd);
	scan_done(&st);
	return r;
}

struct print_ctx {
	FILE *out;
	bool json;
};

static int print_record(const struct bb_record *r, void *userdata)
{
	struct print_ctx *p = userdata;
	int k;

	if (p->json) {
		_cleanup_free_ char *s = NULL;
		k = bb_record_to_json(r, &s);
		if (k < 0)
			return k;
		k = fprintf(p->out, "%s\n", s);
	} else {
		char line[2 * BB_JOURNAL_RECORD_MAX];
		k = bb_record_to_text(r, line, sizeof(line));
		if (k < 0)
			return k;
		k = fprintf(p->out, "%s\n", line);
	}
	return k < 0 ? -EIO : 0;
}

int bb_journal_show(int dirfd, const char *path, const struct bb_journal_filter *filter, bool json,
                    FILE *out)
{
	struct print_ctx p = {out, json};
	int r;

	r = bb_journal_foreach(dirfd, path, filter, print_record, &p);
	if (fflush(out) != 0 && r >= 0)
		r = -EIO;
	return r;
}

int bb_journal_export(int dirfd, const char *path, FILE *out)
{
	const struct bb_journal_filter all = {.checkpoints = true};
	return bb_journal_show(dirfd, path, &all, true, out);
}
