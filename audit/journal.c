/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live journal handle: open with recovery, write-ahead appends, checkpoints, close. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "journal-internal.h"

#define DEFAULT_CHECKPOINT_EVERY 1000
#define DEFAULT_CHECKPOINT_SECS  300

struct bb_journal {
	int dirfd;
	int fd;
	struct scan st;
	struct note_key key;
	unsigned every;
	uint64_t secs;
	uint64_t last_checkpoint_usec;
	bb_journal_state_fn read_state;
	uint64_t (*now_usec)(void *userdata);
	void *userdata;
	bool failed;
	bool want_append;
	enum bb_journal_append_state append;
	int append_err;
};

static uint64_t realtime_usec(void *userdata)
{
	struct timespec ts;

	(void)userdata;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t now(const struct bb_journal *j)
{
	return j->now_usec(j->userdata);
}

static void journal_free(struct bb_journal *j)
{
	if (!j)
		return;
	scan_done(&j->st);
	note_key_done(&j->key);
	if (j->fd >= 0)
		close(j->fd);
	if (j->dirfd >= 0)
		close(j->dirfd);
	free(j);
}

static int fail_handle(struct bb_journal *j, int err, const char *what)
{
	j->failed = true;
	return log_error_errno(err, "journal %s failed, refusing further appends: %m", what);
}

/*
 * Writes one formatted line at the end and makes it durable. Any error here
 * fails the handle for good: after a failed fsync the kernel may have dropped
 * the dirty pages and cleared the error, so a retry could report a lie.
 */
static int write_line(struct bb_journal *j, const char *line, size_t len)
{
	ssize_t n;

	do
		n = pwrite(j->fd, line, len, (off_t)j->st.end_offset); /* O_APPEND: at the end */
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail_handle(j, errno, "write");
	if ((size_t)n != len)
		return fail_handle(j, EIO, "short write");
	if (fdatasync(j->fd) < 0)
		return fail_handle(j, errno, "fdatasync");
	return 0;
}

/* One record to commit; resolutions already carry their intent=. */
struct staged {
	enum bb_record_type type;
	const struct bb_kv *kv;
	size_t n;
};

/*
 * Group commit: formats the records with consecutive seqs and a running chain,
 * writes them with one write(2) and one fdatasync, then applies them to the
 * state. Nothing is written when any record is malformed.
 */
static int commit(struct bb_journal *j, const struct staged *st, size_t n, uint64_t *ret_first)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ struct bb_record *recs = NULL;
	_cleanup_free_ size_t *lens = NULL;
	uint64_t seq = j->st.next_seq, t = now(j);
	uint8_t chain[HASH_LEN];
	size_t total = 0, off = 0;
	int r;

	if (j->failed)
		return -EIO;
	buf = malloc(n * BB_JOURNAL_RECORD_MAX);
	recs = malloc(n * sizeof(*recs));
	lens = malloc(n * sizeof(*lens));
	if (!buf || !recs || !lens)
		return -ENOMEM;
	memcpy(chain, j->st.chain, HASH_LEN);
	for (size_t i = 0; i < n; i++) {
		size_t body_len;
		int len = record_format(seq + i, t, st[i].type, st[i].kv, st[i].n, chain,
		                        buf + total, BB_JOURNAL_RECORD_MAX, &body_len);
		if (len < 0)
			return len;
		/* Parse our own line back: what is written is exactly what open and verify accept.
		 */
		r = bb_record_parse(buf + total, (size_t)len - 1, &recs[i], NULL, 0);
		if (r < 0)
			return log_error_errno(EINVAL,
			                       "journal: formatted record does not parse back");
		memcpy(chain, recs[i].chain, HASH_LEN);
		lens[i] = (size_t)len;
		total += (size_t)len;
	}
	r = write_line(j, buf, total);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = scan_accept(&j->st, &recs[i], buf + off, lens[i]);
		if (r < 0)
			return fail_handle(
			    j, EIO, j->st.problem.found ? j->st.problem.what : "bookkeeping");
		off += lens[i];
	}
	if (ret_first)
		*ret_first = seq;
	return 0;
}

static int append_record(struct bb_journal *j, enum bb_record_type type, const struct bb_kv *kv,
                         size_t n, uint64_t *ret_seq)
{
	const struct staged st = {type, kv, n};
	return commit(j, &st, 1, ret_seq);
}

static int write_checkpoint(struct bb_journal *j)
{
	char body[JOURNAL_CHECKPOINT_MAX], note[JOURNAL_CHECKPOINT_MAX];
	char sig[SIG_B64_LEN + 1], root64[ROOT_B64_LEN + 1];
	uint64_t size = j->st.next_seq;
	uint8_t root[HASH_LEN];
	int len, r;

	if (j->failed)
		return -EIO;
	r = merkle_root(&j->st.tree, root);
	if (r < 0)
		return r;
	len = checkpoint_body(j->key.name, size, root, body, sizeof(body));
	if (len < 0)
		return len;
	r = checkpoint_sign(&j->key, body, (size_t)len, sig);
	if (r < 0)
		return log_error_errno(r, "journal: cannot sign checkpoint: %m");
	r = base64_encode(root, HASH_LEN, root64, sizeof(root64));
	if (r < 0)
		return r;

	const struct bb_kv kv[] = {
	    {"origin", j->key.name},
	    {"root", root64},
	    {"sig", sig},
	};
	r = append_record(j, BB_REC_CHECKPOINT, kv, ARRAY_SIZE(kv), NULL);
	if (r < 0)
		return r;
	j->last_checkpoint_usec = j->st.checkpoint_time;

	/* The record is durable first, so the note never signs more than the records hold. */
	len = checkpoint_note(j->key.name, size, root, sig, note, sizeof(note));
	if (len < 0)
		return len;
	r = bb_write_file_atomic_at(j->dirfd, JOURNAL_CHECKPOINT_FILE, note, (size_t)len, 0644);
	if (r < 0)
		return fail_handle(j, r, "checkpoint file write");
	return 0;
}

static int maybe_checkpoint(struct bb_journal *j)
{
	if (j->st.since_checkpoint >= j->every)
		return write_checkpoint(j);
	return 0;
}

static bool is_pending(const struct bb_journal *j, uint64_t seq)
{
	for (size_t i = 0; i < j->st.n_pending; i++)
		if (j->st.pending_seqs[i] == seq)
			return true;
	return false;
}

/* A result in a group may resolve a pending intent or one earlier in the same group, once. */
static bool resolvable(const struct bb_journal *j, const struct bb_journal_entry *e, size_t i)
{
	uint64_t want = e[i].intent_seq;
	bool found = want < j->st.next_seq && is_pending(j, want);

	for (size_t k = 0; k < i; k++) {
		if (e[k].type == BB_REC_RESULT && e[k].intent_seq == want)
			return false;
		if (e[k].type == BB_REC_INTENT && j->st.next_seq + k == want)
			found = true;
	}
	return found;
}

int bb_journal_append_group(struct bb_journal *j, struct bb_journal_entry *e, size_t n)
{
	_cleanup_free_ struct staged *st = NULL;
	_cleanup_free_ struct bb_kv(*kvs)[BB_JOURNAL_FIELDS_MAX] = NULL;
	_cleanup_free_ char(*seqs)[24] = NULL;
	size_t intents = 0;
	uint64_t first = 0; /* set by commit() on success; gcc -O3 cannot see that */
	int r;

	if (j->failed)
		return -EIO;
	if (n == 0)
		return 0;
	if (n > BB_JOURNAL_GROUP_MAX || !e)
		return -EINVAL;
	st = calloc(n, sizeof(*st));
	kvs = calloc(n, sizeof(*kvs));
	seqs = calloc(n, sizeof(*seqs));
	if (!st || !kvs || !seqs)
		return -ENOMEM;

	/* Results, recoveries and checkpoints are the journal's to word; callers get these. */
	for (size_t i = 0; i < n; i++) {
		e[i].seq = UINT64_MAX;
		if (e[i].n > 0 && !e[i].kv)
			return -EINVAL;
		st[i] = (struct staged){e[i].type, e[i].kv, e[i].n};
		switch (e[i].type) {
		case BB_REC_INTENT:
			intents++;
			break;
		case BB_REC_REFUSE:
		case BB_REC_TABLE_INSTALL:
		case BB_REC_TABLE_EXPIRED:
		case BB_REC_POLICY_RELOAD:
			break;
		case BB_REC_RESULT:
			if (!resolvable(j, e, i))
				return -ENOENT;
			/* The payload plus intent=SEQ; a caller's own intent= would be a second. */
			if (e[i].n + 1 > BB_JOURNAL_FIELDS_MAX)
				return -EINVAL;
			for (size_t k = 0; k < e[i].n; k++) {
				if (e[i].kv[k].key && streq(e[i].kv[k].key, "intent"))
					return -EINVAL;
				kvs[i][k] = e[i].kv[k];
			}
			snprintf(seqs[i], sizeof(seqs[i]), "%" PRIu64, e[i].intent_seq);
			kvs[i][e[i].n] = (struct bb_kv){"intent", seqs[i]};
			st[i] = (struct staged){BB_REC_RESULT, kvs[i], e[i].n + 1};
			break;
		default:
			return -EINVAL;
		}
	}
	if (j->st.n_pending + intents > BB_JOURNAL_PENDING_MAX)
		return -EBUSY;

	r = commit(j, st, n, &first);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		e[i].seq = first + i;
	return maybe_checkpoint(j);
}

/* One record through the group door; RET_SEQ is set whenever the record became durable. */
static int append_one(struct bb_journal *j, struct bb_journal_entry *e, uint64_t *ret_seq)
{
	int r = bb_journal_append_group(j, e, 1);

	if (ret_seq && e->seq != UINT64_MAX)
		*ret_seq = e->seq;
	return r;
}

int bb_journal_append(struct bb_journal *j, enum bb_record_type type, const struct bb_kv *kv,
                      size_t n, uint64_t *ret_seq)
{
	struct bb_journal_entry e = {.type = type, .kv = kv, .n = n};

	if (type == BB_REC_RESULT)
		return -EINVAL; /* results name their intent: bb_journal_append_result() */
	return append_one(j, &e, ret_seq);
}

int bb_journal_append_intent(struct bb_journal *j, const struct bb_kv *kv, size_t n,
                             uint64_t *ret_seq)
{
	struct bb_journal_entry e = {.type = BB_REC_INTENT, .kv = kv, .n = n};
	return append_one(j, &e, ret_seq);
}

int bb_journal_append_result(struct bb_journal *j, uint64_t intent_seq, const struct bb_kv *kv,
                             size_t n, uint64_t *ret_seq)
{
	struct bb_journal_entry e = {
	    .type = BB_REC_RESULT, .intent_seq = intent_seq, .kv = kv, .n = n};
	return append_one(j, &e, ret_seq);
}

int bb_journal_checkpoint(struct bb_journal *j)
{
	if (j->failed)
		return -EIO;
	if (j->st.since_checkpoint == 0)
		return 0;
	return write_checkpoint(j);
}

int bb_journal_tick(struct bb_journal *j, uint64_t now_usec)
{
	if (j->failed)
		return -EIO;
	if (j->st.since_checkpoint == 0 || now_usec < j->last_checkpoint_usec ||
	    now_usec - j->last_checkpoint_usec < j->secs * 1000000)
		return 0;
	return write_checkpoint(j);
}

bool bb_journal_failed(const struct bb_journal *j)
{
	return j->failed;
}

uint64_t bb_journal_next_seq(const struct bb_journal *j)
{
	return j->st.next_seq;
}

size_t bb_journal_pending(const struct bb_journal *j, const uint64_t **ret_seqs)
{
	*ret_seqs = j->st.pending_seqs;
	return j->st.n_pending;
}

/* Cuts an incomplete last record (a crash mid-write) and says so in the journal. */
static int recover_torn_tail(struct bb_journal *j)
{
	char off[24], bytes[24];
	int r;

	log_warning("journal: cutting an incomplete record of %" PRIu64 " bytes at offset %" PRIu64,
	            j->st.torn_len, j->st.torn_offset);
	/* An append-only file cannot be cut: drop the flag (set_append_flag() puts it back). */
	r = append_flag_set(j->fd, false);
	if (r < 0 && r != -EOPNOTSUPP)
		return log_error_errno(r,
		                       "journal: cannot clear the append-only flag to cut the torn "
		                       "record (needs CAP_LINUX_IMMUTABLE): %m");
	if (ftruncate(j->fd, (off_t)j->st.torn_offset) < 0 || fdatasync(j->fd) < 0)
		return fail_handle(j, errno, "truncate of the torn record");
	snprintf(off, sizeof(off), "%" PRIu64, j->st.torn_offset);
	snprintf(bytes, sizeof(bytes), "%" PRIu64, j->st.torn_len);
	const struct bb_kv kv[] = {{"offset", off}, {"bytes", bytes}};
	r = append_record(j, BB_REC_RECOVERED, kv, ARRAY_SIZE(kv), NULL);
	if (r < 0)
		return r;
	j->st.torn = false;
	return 0;
}

/*
 * Makes the records file append-only when asked, or when it was so before a
 * torn-tail cut; records what the file carries now for status.
 */
static void set_append_flag(struct bb_journal *j, bool was_on)
{
	bool on = false;
	int r = append_flag_get(j->fd, &on);

	if (r >= 0 && !on && (j->want_append || was_on))
		r = append_flag_set(j->fd, true);
	if (r >= 0)
		r = append_flag_get(j->fd, &on);
	j->append_err = r < 0 ? r : 0;
	if (r == -EOPNOTSUPP)
		j->append = j->want_append ? BB_JOURNAL_APPEND_UNSUPPORTED : BB_JOURNAL_APPEND_OFF;
	else if (r < 0)
		j->append = BB_JOURNAL_APPEND_FAILED;
	else
		j->append = on ? BB_JOURNAL_APPEND_ON : BB_JOURNAL_APPEND_OFF;
	if (j->want_append && r == -EOPNOTSUPP)
		log_info("journal: the file system has no append-only flag; records stay writable");
	else if (j->want_append && r < 0)
		log_warning("journal: cannot make the records file append-only: %s", strerror(-r));
}

enum bb_journal_append_state bb_journal_append_only(const struct bb_journal *j, int *ret_err)
{
	if (ret_err)
		*ret_err = j->append_err;
	return j->append;
}

/* Each intent left without result by a crash: record what the device looks like now. */
static int recover_pending(struct bb_journal *j)
{
	while (j->st.n_pending > 0) {
		struct bb_record intent = j->st.pending[0];
		const char *device = bb_record_get(&intent, "device");
		const char *op = bb_record_get(&intent, "op");
		char driver[BB_JOURNAL_VALUE_MAX + 1] = "", seqbuf[24];
		struct bb_kv kv[5];
		size_t n = 0;
		int r = -ENOSYS;

		if (j->read_state)
			r = j->read_state(&intent, driver, sizeof(driver), j->userdata);
		if (device)
			kv[n++] = (struct bb_kv){"device", device};
		if (op)
			kv[n++] = (struct bb_kv){"op", op};
		if (r < 0 || (driver[0] && !bb_journal_valid_value(driver))) {
			kv[n++] = (struct bb_kv){"state", "unreadable"};
		} else if (driver[0]) {
			kv[n++] = (struct bb_kv){"state", "bound"};
			kv[n++] = (struct bb_kv){"driver", driver};
		} else {
			kv[n++] = (struct bb_kv){"state", "unbound"};
		}
		log_warning("journal: intent %" PRIu64 " (%s %s) has no result; recording outcome"
		            " unknown",
		            intent.seq, op ? op : "?", device ? device : "?");
		snprintf(seqbuf, sizeof(seqbuf), "%" PRIu64, intent.seq);
		kv[n++] = (struct bb_kv){"intent", seqbuf};
		r = append_record(j, BB_REC_OUTCOME_UNKNOWN, kv, n, NULL);
		if (r >= 0)
			r = maybe_checkpoint(j);
		if (r < 0)
			return r;
	}
	return 0;
}

static int open_records(struct bb_journal *j)
{
	struct stat st;
	bool created = false;

	/* O_APPEND: an append-only file opens for writing only so; writes go at the end anyway. */
	j->fd = openat(j->dirfd, JOURNAL_RECORDS_FILE, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (j->fd < 0 && errno == ENOENT) {
		j->fd = openat(j->dirfd, JOURNAL_RECORDS_FILE,
		               O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		created = true;
	}
	if (j->fd < 0)
		return negative_errno();
	if (flock(j->fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : negative_errno();
	if (fstat(j->fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	/* A new file's name must survive a crash as well as its records. */
	if (created && (fsync(j->fd) < 0 || fsync(j->dirfd) < 0))
		return negative_errno();
	return 0;
}

int bb_journal_open(int dirfd, const char *path, const struct bb_journal_options *opts,
                    struct bb_journal **ret, struct bb_journal_problem *problem)
{
	const char *origin = opts->origin ? opts->origin : JOURNAL_DEFAULT_ORIGIN;
	struct bb_journal *j;
	int r;

	if (problem)
		memset(problem, 0, sizeof(*problem));
	if (!opts->key_path || !note_name_valid(origin))
		return -EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->fd = -1;
	j->dirfd = -1;
	scan_init(&j->st);
	j->every = opts->checkpoint_every ? opts->checkpoint_every : DEFAULT_CHECKPOINT_EVERY;
	j->secs = opts->checkpoint_secs ? opts->checkpoint_secs : DEFAULT_CHECKPOINT_SECS;
	j->read_state = opts->read_state;
	j->userdata = opts->userdata;
	j->now_usec = opts->now_usec ? opts->now_usec : realtime_usec;
	j->want_append = opts->append_only;

	if (mkdirat(dirfd, path, 0700) == 0) {
		/* The new directory's name must be durable before records go in it. */
		_cleanup_close_ int parent = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || fsync(parent) < 0) {
			r = log_error_errno(errno, "journal: cannot sync the parent of %s: %m",
			                    path);
			goto fail;
		}
	} else if (errno != EEXIST) {
		r = log_error_errno(errno, "journal: cannot create %s: %m", path);
		goto fail;
	}
	j->dirfd = bb_open_dir_at(dirfd, path);
	if (j->dirfd < 0) {
		r = log_error_errno(j->dirfd, "journal: cannot open %s: %m", path);
		goto fail;
	}
	r = bb_journal_keygen(opts->key_dirfd, opts->key_path, origin);
	if (r < 0)
		goto fail;
	r = note_key_load_private(opts->key_dirfd, opts->key_path, &j->key);
	if (r < 0)
		goto fail;
	if (!streq(j->key.name, origin)) {
		r = log_error_errno(EINVAL, "journal: key %s is named %s, not the origin %s",
		                    opts->key_path, j->key.name, origin);
		goto fail;
	}
	r = open_records(j);
	if (r < 0) {
		log_error_errno(r, "journal: cannot open %s/%s: %m", path, JOURNAL_RECORDS_FILE);
		goto fail;
	}

	j->st.key = &j->key;
	r = scan_load_checkpoint_file(&j->st, j->dirfd);
	if (r >= 0)
		r = scan_fd(&j->st, j->fd);
	if (r >= 0)
		r = scan_finish(&j->st);
	if (r == -EBADMSG) {
		log_error("journal %s: tampering at seq %" PRIu64 ", byte %" PRIu64 ": %s", path,
		          j->st.problem.seq, j->st.problem.offset, j->st.problem.what);
		if (problem)
			*problem = j->st.problem;
		goto fail;
	}
	if (r < 0)
		goto fail;

	j->last_checkpoint_usec = j->st.have_checkpoint ? j->st.checkpoint_time : now(j);
	bool was_append = false;
	(void)append_flag_get(j->fd, &was_append);
	if (j->st.torn) {
		r = recover_torn_tail(j);
		if (r < 0)
			goto fail;
	}
	set_append_flag(j, was_append);
	r = recover_pending(j);
	if (r < 0)
		goto fail;
	*ret = j;
	return 0;
fail:
	journal_free(j);
	return r;
}

int bb_journal_close(struct bb_journal *j)
{
	int r = 0;

	if (!j)
		return 0;
	if (!j->failed && j->st.since_checkpoint > 0)
		r = write_checkpoint(j);
	journal_free(j);
	return r;
}
