/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * InstallTable and ListTables. The client reads the table and its .minisig
 * and sends their bytes, or, for a table too large for one message, passes
 * both files open (SCM_RIGHTS): the daemon never opens a path a caller names,
 * and reads only what the caller could open. Every install and every refusal
 * is journaled and sent to Linux audit.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "daemon-glue.h"
#include "daemon.h"

static bool valid_table_file_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || streq(s, ".") || streq(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

/*
 * The whole of a passed regular file, at most MAX bytes, as text without NUL bytes (pread
 * from 0: the sender's file offset does not matter). ERR says what is wrong.
 */
static int read_passed_file(int fd, size_t max, char **ret, size_t *ret_len, char *err,
                            size_t errsz)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "not a regular file");
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errsz, "larger than %zu bytes", max);
		return -EFBIG;
	}
	/* Up to MAX: a file that grew since fstat still stops at the limit. */
	r = bb_read_fd(fd, max, &buf, &len);
	if (r == -EFBIG) {
		snprintf(err, errsz, "larger than %zu bytes", max);
		return r;
	}
	if (r < 0) {
		snprintf(err, errsz, "read failed: %s", strerror(-r));
		return r;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(err, errsz, "contains a NUL byte; not a text file");
		return -EINVAL;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int install_table_take_passed_files(const BbVarlinkCall *call, BbReply *reply)
{
	static const char *const keys[2] = {"table", "signature"};
	const size_t max[2] = {BB_TABLE_MAX_SIZE, BB_SIGFILE_MAX};
	bool has_text = json_object_object_get_ex(call->parameters, "table", NULL),
	     has_sig = json_object_object_get_ex(call->parameters, "signature", NULL);

	if (call->n_fds == 0) {
		if (!has_text || !has_sig) {
			reply_invalid_argument(reply, has_text ? "signature" : "table",
			                       "missing: send the table and its signature, or pass "
			                       "both files open");
			return -EINVAL;
		}
		return 0;
	}
	if (call->n_fds != 2 || has_text || has_sig) {
		reply_invalid_argument(reply, "table",
		                       "pass either the table and signature text or two open files "
		                       "(the table's, then its .minisig's), not %zu file(s)%s",
		                       call->n_fds, has_text || has_sig ? " and text" : "");
		return -EINVAL;
	}
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *text = NULL;
		char err[128];
		size_t len;
		int r = read_passed_file(call->fds[i], max[i], &text, &len, err, sizeof(err));

		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			reply_invalid_argument(reply, keys[i], "the passed %s file: %s", keys[i],
			                       err);
			return -EINVAL;
		}
		json_object_object_add(call->parameters, keys[i],
		                       json_object_new_string_len(text, (int)len));
	}
	return 0;
}

static struct json_object *info_to_json(const struct bb_table_info *info)
{
	struct json_object *o = json_object_new_object();
	char issued[32], expires[32];

	bb_time_format(info->issued, issued);
	bb_time_format(info->expires, expires);
	json_object_object_add(o, "name", json_object_new_string(info->name));
	json_object_object_add(o, "signer", json_object_new_string(info->signer_id));
	json_object_object_add(o, "key", json_object_new_string(info->signer_name));
	json_object_object_add(o, "serial", json_object_new_int64((int64_t)info->serial));
	json_object_object_add(o, "issued", json_object_new_string(issued));
	json_object_object_add(o, "expires", json_object_new_string(expires));
	json_object_object_add(o, "entries", json_object_new_int64((int64_t)info->n_entries));
	json_object_object_add(o, "expired", json_object_new_boolean(info->expired));
	json_object_object_add(o, "signed", json_object_new_boolean(info->is_signed));
	return o;
}

static int refuse_table(BbDaemon *d, const struct bb_requester *rq, const char *file,
                        const struct bb_reason *why, BbReply *reply)
{
	struct json_object *o = json_object_new_object();
	char name[BB_JOURNAL_VALUE_MAX + 1], uid[16];
	const char *check = bb_check_name(why->check);

	journal_value(file, name, sizeof(name));
	snprintf(uid, sizeof(uid), "%u", (unsigned)rq->uid);
	log_notice("table %s refused for uid %s (%s): %s", file, uid, check, why->msg);
	journal_note(d, BB_REC_REFUSE,
	             (const struct bb_kv[]){
	                 {"op", "table-install"}, {"name", name}, {"check", check}, {"uid", uid}},
	             4, NULL);
	daemon_audit_simple(d, rq, "table-install", "refused", false);
	json_object_object_add(o, "reason", json_object_new_string(why->msg));
	json_object_object_add(o, "check", json_object_new_string(check));
	return reply_error(reply, BB_BROKER_ERROR_DENIED, o);
}

int method_install_table(BbDaemon *d, const BbPeer *peer, struct json_object *params,
                         BbReply *reply)
{
	const char *file = bb_varlink_get_string(params, "name");
	const char *text = bb_varlink_get_string(params, "table");
	const char *sig = bb_varlink_get_string(params, "signature");
	_cleanup_(bb_table_freep) struct bb_table *parsed = NULL;
	struct bb_requester rq;
	struct bb_reason why = {0};
	struct json_object *found = NULL;
	char tname[BB_JOURNAL_VALUE_MAX + 1], serial[24], uid[16];
	int64_t now = (int64_t)time(NULL);
	uint64_t seq = 0;
	int r;

	if (!valid_table_file_name(file))
		return reply_invalid_argument(reply, "name",
		                              "invalid table file name: expected 1 to 64 of "
		                              "[A-Za-z0-9._-]");
	if (journal_ready(d, reply) < 0)
		return 0;
	r = requester_init(peer, &rq);
	if (r < 0)
		return r;

	/* The table's own name and serial, for the reply and the records (install checks all). */
	r = bb_table_parse(text, strlen(text), file, &parsed, &why);
	if (r >= 0) {
		pthread_mutex_lock(&d->tables_lock);
		r = d->tables ? bb_tables_install(d->tables, text, strlen(text), sig, strlen(sig),
		                                  now, &why)
		              : -ENODEV;
		if (r >= 0) {
			d->tables_installs++; /* a SIGHUP reading the store meanwhile re-reads */
			for (size_t i = 0; i < bb_tables_count(d->tables); i++) {
				struct bb_table_info info;

				if (bb_tables_info(d->tables, i, now, &info) >= 0 &&
				    streq(info.name, parsed->name) &&
				    info.serial == parsed->serial) {
					json_object_put(found);
					found = info_to_json(&info);
				}
			}
		}
		pthread_mutex_unlock(&d->tables_lock);
	}
	if (r < 0) {
		refuse_table(d, &rq, file, &why, reply);
		requester_done(&rq);
		return 0;
	}

	journal_value(parsed->name, tname, sizeof(tname));
	snprintf(serial, sizeof(serial), "%" PRIu64, parsed->serial);
	snprintf(uid, sizeof(uid), "%u", (unsigned)rq.uid);
	r = journal_note(d, BB_REC_TABLE_INSTALL,
	                 (const struct bb_kv[]){{"name", tname}, {"serial", serial}, {"uid", uid}},
	                 3, &seq);
	daemon_audit_simple(d, &rq, "table-install", NULL, true);
	requester_done(&rq);
	log_notice("installed table %s serial %s for uid %s", parsed->name, serial, uid);
	if (!found)
		found = json_object_new_object();
	json_object_object_add(found, "journal_seq",
	                       r >= 0 ? json_object_new_int64((int64_t)seq) : NULL);
	return reply_ok(reply, found);
}

int method_list_tables(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply)
{
	struct json_object *o = json_object_new_object(), *list = json_object_new_array();
	int64_t now = (int64_t)time(NULL);
	(void)peer, (void)params;

	pthread_mutex_lock(&d->tables_lock);
	for (size_t i = 0; d->tables && i < bb_tables_count(d->tables); i++) {
		struct bb_table_info info;

		if (bb_tables_info(d->tables, i, now, &info) >= 0)
			json_object_array_add(list, info_to_json(&info));
	}
	pthread_mutex_unlock(&d->tables_lock);
	json_object_object_add(o, "tables", list);
	return reply_ok(reply, o);
}
