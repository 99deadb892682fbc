/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal against a real file system and real OpenSSL: append, reopen,
 * verify; each kind of tampering found at the right record and byte; a torn
 * tail and a kill -9 between intent and result recovered.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "bb-journal.h"
#include "journal-test-util.h"

#define DEV "0000:01:00.0"

static int setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	scratch_make(s);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	scratch_remove(*state);
	free(*state);
	return 0;
}

/*
 * 10 refusals with a checkpoint every 4 records, then close:
 * seq 0-3 refuse, 4 checkpoint, 5-8 refuse, 9 checkpoint, 10-11 refuse, 12 checkpoint.
 */
static void build(struct scratch *s)
{
	struct bb_journal_options o = scratch_options(s, 4);
	struct bb_journal *j;

	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	append_n(j, 10, DEV);
	assert_int_equal(bb_journal_next_seq(j), 12);
	assert_int_equal(bb_journal_close(j), 0);
}

static int verify(struct scratch *s, struct bb_journal_verify_report *rep)
{
	return bb_journal_verify(s->dirfd, "journal", s->dirfd, s->pubkey, rep);
}

static void assert_line_starts(struct lines *l, size_t i, const char *prefix)
{
	assert_true(i < l->n);
	if (strncmp(l->data + l->off[i], prefix, strlen(prefix)) != 0)
		fail_msg("line %zu is '%.*s', want prefix '%s'", i, (int)l->llen[i],
		         l->data + l->off[i], prefix);
}

/* verify and open both refuse, naming SEQ at the byte offset of line SEQ, saying WHAT. */
static void assert_tamper(struct scratch *s, uint64_t seq, uint64_t offset, const char *what)
{
	struct bb_journal_options o = scratch_options(s, 4);
	struct bb_journal_verify_report rep;
	struct bb_journal_problem p;
	struct bb_journal *j = NULL;

	char line[400], want[64];

	assert_int_equal(verify(s, &rep), -EBADMSG);
	assert_true(rep.problem.found);
	assert_true(bb_journal_verify_describe(&rep, -EBADMSG, line, sizeof(line)) > 0);
	snprintf(want, sizeof(want), "TAMPERED at seq %llu (byte %llu): ", (unsigned long long)seq,
	         (unsigned long long)offset);
	assert_true(strncmp(line, want, strlen(want)) == 0);
	if (rep.problem.seq != seq || rep.problem.offset != offset ||
	    !strstr(rep.problem.what, what))
		fail_msg("verify said seq %llu offset %llu '%s'; want seq %llu offset %llu '%s'",
		         (unsigned long long)rep.problem.seq,
		         (unsigned long long)rep.problem.offset, rep.problem.what,
		         (unsigned long long)seq, (unsigned long long)offset, what);
	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, &p), -EBADMSG);
	assert_null(j);
	assert_int_equal(p.seq, seq);
	assert_int_equal(p.offset, offset);
	assert_non_null(strstr(p.what, what));
}

static void test_append_reopen_verify(void **state)
{
	struct scratch *s = *state;
	struct bb_journal_options o = scratch_options(s, 4);
	struct bb_journal_verify_report rep;
	struct bb_journal *j;
	struct lines l;
	const uint64_t *pending;
	uint64_t seq, rseq;
	struct stat st;
	char *note;
	size_t notelen;

	build(s);
	assert_int_equal(fstatat(s->dirfd, s->key, &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	assert_int_equal(bb_journal_next_seq(j), 13);
	const struct bb_kv intent[] = {
	    {"op", "bind"},           {"device", DEV},
	    {"old-driver", "e1000e"}, {"new-driver", "vfio-pci"},
	    {"ids", "8086:10d3"},     {"suid", "1000"},
	};
	assert_int_equal(bb_journal_append_intent(j, intent, 6, &seq), 0);
	assert_int_equal(seq, 13);
	assert_int_equal(bb_journal_pending(j, &pending), 1);
	assert_int_equal(pending[0], 13);
	const struct bb_kv result[] = {{"outcome", "bound"}, {"driver", "vfio-pci"}};
	assert_int_equal(bb_journal_append_result(j, seq, result, 2, &rseq), 0);
	assert_int_equal(rseq, 14);
	assert_int_equal(bb_journal_pending(j, &pending), 0);
	assert_int_equal(bb_journal_close(j), 0);

	lines_read(s, &l);
	assert_int_equal(l.n, 16);
	assert_line_starts(&l, 4,
	                   "seq=4 time=1732243575.000000 type=checkpoint "
	                   "origin=test.example/journal root=");
	/* Payload keys in byte order, whatever order the caller gave. */
	assert_line_starts(&l, 13,
	                   "seq=13 time=1732243575.000000 type=intent device=0000:01:00.0 "
	                   "ids=8086:10d3 new-driver=vfio-pci old-driver=e1000e op=bind "
	                   "suid=1000 chain=");
	assert_line_starts(&l, 14,
	                   "seq=14 time=1732243575.000000 type=result driver=vfio-pci "
	                   "intent=13 outcome=bound chain=");
	assert_line_starts(&l, 15, "seq=15 time=1732243575.000000 type=checkpoint");
	lines_free(&l);

	assert_int_equal(verify(s, &rep), 0);
	assert_false(rep.problem.found);
	assert_int_equal(rep.records, 16);
	assert_int_equal(rep.checkpoints, 4);
	assert_int_equal(rep.signed_size, 15);
	assert_int_equal(rep.unsigned_records, 0);
	assert_int_equal(rep.open_intents, 0);
	assert_false(rep.torn_tail);
	char line[400];
	assert_true(bb_journal_verify_describe(&rep, 0, line, sizeof(line)) > 0);
	assert_string_equal(line, "intact: 16 records, 4 checkpoints, signed through 15, "
	                          "0 unsigned, 0 intents open");

	/* Offline, on a copy elsewhere, with only the public key beside it. */
	char cmd[512], copy[80];
	snprintf(copy, sizeof(copy), "%s/copy", s->dir);
	snprintf(cmd, sizeof(cmd), "mkdir %s && cp -a %s/journal %s/key.pub %s/", copy, s->dir,
	         s->dir, copy);
	assert_int_equal(system(cmd), 0);
	int cfd = open(copy, O_RDONLY | O_DIRECTORY);
	assert_true(cfd >= 0);
	assert_int_equal(bb_journal_verify(cfd, "journal", cfd, "key.pub", &rep), 0);
	assert_int_equal(rep.records, 16);
	close(cfd);

	/* The newest checkpoint as a C2SP note: origin, size, root, blank, em dash line. */
	int fd = openat(s->dirfd, "journal/checkpoint", O_RDONLY);
	assert_true(fd >= 0);
	note = calloc(1, 1024);
	notelen = (size_t)read(fd, note, 1023);
	close(fd);
	assert_true(notelen > 0);
	assert_true(strncmp(note, "test.example/journal\n15\n", 24) == 0);
	assert_non_null(strstr(note, "=\n\n\xe2\x80\x94 test.example/journal "));
	assert_int_equal(note[notelen - 1], '\n');
	free(note);
}

static void test_flipped_byte(void **state)
{
	struct scratch *s = *state;
	struct lines l;

	build(s);
	lines_read(s, &l);
	char *dev = strstr(l.data + l.off[6], "device=0000:01:00.0");
	assert_non_null(dev);
	dev[strlen("device=0000:01:00.")] = '1';
	lines_write(s, l.data, l.len);
	assert_tamper(s, 6, l.off[6], "chain hash mismatch");
	lines_free(&l);
}

/* The attacker also recomputes the chain: the next signed Merkle head gives it away. */
static void test_flipped_byte_rechained(void **state)
{
	struct scratch *s = *state;
	struct lines l;

	build(s);
	lines_read(s, &l);
	char *dev = strstr(l.data + l.off[6], "device=0000:01:00.0");
	assert_non_null(dev);
	dev[strlen("device=0000:01:00.")] = '1';
	rechain(l.data, l.len);
	lines_write(s, l.data, l.len);
	assert_tamper(s, 9, l.off[9], "checkpoint root does not match the tree of records 0..8");
	lines_free(&l);
}

static void test_deleted_record(void **state)
{
	struct scratch *s = *state;
	struct lines l;
	char *cut;

	build(s);
	lines_read(s, &l);
	cut = malloc(l.len);
	assert_non_null(cut);
	memcpy(cut, l.data, l.off[6]);
	memcpy(cut + l.off[6], l.data + l.off[7], l.len - l.off[7]);
	lines_write(s, cut, l.len - l.llen[6]);
	assert_tamper(s, 6, l.off[6], "expected seq 6, found seq 7");
	free(cut);
	lines_free(&l);
}

static void test_reordered_pair(void **state)
{
	struct scratch *s = *state;
	struct lines l;
	char *swapped;

	build(s);
	lines_read(s, &l);
	swapped = malloc(l.len);
	assert_non_null(swapped);
	memcpy(swapped, l.data, l.len);
	memcpy(swapped + l.off[6], l.data + l.off[7], l.llen[7]);
	memcpy(swapped + l.off[6] + l.llen[7], l.data + l.off[6], l.llen[6]);
	lines_write(s, swapped, l.len);
	assert_tamper(s, 6, l.off[6], "expected seq 6, found seq 7");
	free(swapped);
	lines_free(&l);
}

/* A process that appends and dies without closing: records past the last checkpoint. */
static void append_and_die(struct scratch *s, unsigned n)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct bb_journal_options o = scratch_options(s, 1000);
		struct bb_journal *j;
		if (bb_journal_open(s->dirfd, "journal", &o, &j, NULL) < 0)
			_exit(1);
		for (unsigned i = 0; i < n; i++) {
			const struct bb_kv kv[] = {{"op", "bind"}, {"device", DEV}};
			if (bb_journal_append(j, BB_REC_REFUSE, kv, 2, NULL) < 0)
				_exit(2);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_torn_tail_recovered(void **state)
{
	struct scratch *s = *state;
	struct bb_journal_options o = scratch_options(s, 1000);
	struct bb_journal_verify_report rep;
	struct bb_journal *j;
	struct lines l;
	size_t cut;
	char want[96];

	build(s);
	append_and_die(s, 3);
	lines_read(s, &l);
	assert_int_equal(l.n, 16);
	/* Half of the last record made it to disk. */
	cut = l.off[15] + l.llen[15] / 2;
	assert_int_equal(truncate(strcat(strcpy(want, s->dir), "/journal/records"), (off_t)cut), 0);

	assert_int_equal(verify(s, &rep), 0);
	assert_true(rep.torn_tail);
	assert_int_equal(rep.torn_offset, l.off[15]);
	assert_int_equal(rep.records, 15);
	assert_int_equal(rep.unsigned_records, 2);

	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	assert_int_equal(bb_journal_next_seq(j), 16);
	assert_int_equal(bb_journal_close(j), 0);
	lines_free(&l);

	lines_read(s, &l);
	snprintf(want, sizeof(want),
	         "seq=15 time=1732243575.000000 type=recovered bytes=%zu "
	         "offset=%zu chain=",
	         cut - l.off[15], l.off[15]);
	assert_line_starts(&l, 15, want);
	assert_line_starts(&l, 16, "seq=16 time=1732243575.000000 type=checkpoint");
	lines_free(&l);
	assert_int_equal(verify(s, &rep), 0);
	assert_false(rep.torn_tail);
	assert_int_equal(rep.records, 17);
}

/* A crash can leave zeros past the end of the last write: a torn tail of any length. */
static void test_zero_tail_recovered(void **state)
{
	struct scratch *s = *state;
	struct bb_journal_options o = scratch_options(s, 1000);
	struct bb_journal_verify_report rep;
	struct bb_journal *j;
	struct lines l;
	char zeros[10000] = {0}, want[96];
	int fd;

	build(s);
	append_and_die(s, 1);
	fd = openat(s->dirfd, "journal/records", O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, zeros, sizeof(zeros)), (ssize_t)sizeof(zeros));
	close(fd);
	lines_read(s, &l);
	assert_int_equal(verify(s, &rep), 0);
	assert_true(rep.torn_tail);
	assert_int_equal(rep.torn_offset, l.len - sizeof(zeros));

	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	assert_int_equal(bb_journal_close(j), 0);
	snprintf(want, sizeof(want),
	         "seq=14 time=1732243575.000000 type=recovered bytes=%zu "
	         "offset=%zu chain=",
	         sizeof(zeros), l.len - sizeof(zeros));
	lines_free(&l);
	lines_read(s, &l);
	assert_line_starts(&l, 14, want);
	lines_free(&l);
}

/* An over-long line in the middle is tampering, not a torn tail. */
static void test_overlong_line_in_the_middle(void **state)
{
	struct scratch *s = *state;
	struct lines l;
	char *data;
	size_t pad = 5000;

	build(s);
	lines_read(s, &l);
	data = malloc(l.len + pad);
	assert_non_null(data);
	memcpy(data, l.data, l.off[6]);
	memset(data + l.off[6], 'x', pad);
	memcpy(data + l.off[6] + pad, l.data + l.off[6], l.len - l.off[6]);
	lines_write(s, data, l.len + pad);
	assert_tamper(s, 6, l.off[6], "record longer than 4096 bytes");
	free(data);
	lines_free(&l);
}

/* Whole records cut off at a line boundary, the last checkpoint with them. */
static void test_truncated_checkpoint(void **state)
{
	struct scratch *s = *state;
	struct lines l;

	build(s);
	lines_read(s, &l);
	lines_write(s, l.data, l.off[12]);
	assert_tamper(s, 12, l.off[12], "the checkpoint file signs 12 records");
	lines_free(&l);
}

/* Signs "ORIGIN\nSIZE\nROOT\n" with the secret note key in file KEY; returns base64(hash+sig). */
static void sign_with(struct scratch *s, const char *key, const char *body, bool keep_hash,
                      const char *real_sig, char out[93])
{
	char text[256], *b64, *hash;
	unsigned char raw[33], sig[68];
	size_t siglen = 64;
	EVP_PKEY *pk;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = openat(s->dirfd, key, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	assert_true(n > 0);
	text[n - 1] = '\0';
	/* PRIVATE+KEY+NAME+HASH+B64 */
	hash = strchr(text + strlen("PRIVATE+KEY+"), '+') + 1;
	b64 = hash + 9; /* base64 may hold '+' itself: split by position */
	assert_int_equal(EVP_DecodeBlock(raw, (unsigned char *)b64, (int)strlen(b64)), 33);
	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw + 1, 32);
	assert_non_null(pk);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk), 1);
	assert_int_equal(
	    EVP_DigestSign(ctx, sig + 4, &siglen, (const unsigned char *)body, strlen(body)), 1);
	if (keep_hash) {
		unsigned char old[69];
		assert_int_equal(EVP_DecodeBlock(old, (const unsigned char *)real_sig, 92), 69);
		memcpy(sig, old, 4);
	} else {
		for (int i = 0; i < 4; i++)
			sscanf(hash + 2 * i, "%2hhx", &sig[i]);
	}
	assert_int_equal(EVP_EncodeBlock((unsigned char *)out, sig, 68), 92);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
}

/* Re-signs checkpoint record 4 with the key file OTHER and re-chains everything after it. */
static void resign_checkpoint_4(struct scratch *s, bool keep_hash, struct lines *l)
{
	char body[256], sig[93];
	char *rec, *root, *sigp;

	build(s);
	assert_int_equal(bb_journal_keygen(s->dirfd, "other", "test.example/journal"), 1);
	lines_read(s, l);
	rec = l->data + l->off[4];
	root = strstr(rec, " root=") + 6;
	sigp = strstr(rec, " sig=") + 5;
	snprintf(body, sizeof(body), "test.example/journal\n4\n%.44s\n", root);
	sign_with(s, "other", body, keep_hash, sigp, sig);
	memcpy(sigp, sig, 92);
	rechain(l->data, l->len);
	lines_write(s, l->data, l->len);
}

static void test_resigned_checkpoint(void **state)
{
	struct scratch *s = *state;
	struct lines l;

	resign_checkpoint_4(s, false, &l);
	assert_tamper(s, 4, l.off[4], "signed by another key");
	lines_free(&l);
}

/* Same, with the trusted key's hash copied over: the signature itself must fail. */
static void test_resigned_checkpoint_forged_hint(void **state)
{
	struct scratch *s = *state;
	struct lines l;

	resign_checkpoint_4(s, true, &l);
	assert_tamper(s, 4, l.off[4], "signature does not verify with key test.example/journal");
	lines_free(&l);
}

static void test_resigned_checkpoint_file(void **state)
{
	struct scratch *s = *state;
	char note[1024], body[256], sig[93], *line;
	int fd;
	ssize_t n;

	build(s);
	assert_int_equal(bb_journal_keygen(s->dirfd, "other", "test.example/journal"), 1);
	fd = openat(s->dirfd, "journal/checkpoint", O_RDWR);
	assert_true(fd >= 0);
	n = read(fd, note, sizeof(note) - 1);
	assert_true(n > 0);
	note[n] = '\0';
	line = strstr(note, "\n\n");
	assert_non_null(line);
	snprintf(body, sizeof(body), "%.*s", (int)(line + 1 - note), note);
	sign_with(s, "other", body, false, NULL, sig);
	memcpy(note + n - 93, sig, 92);
	assert_int_equal(pwrite(fd, note, (size_t)n, 0), n);
	close(fd);
	assert_tamper(s, 12, 0, "checkpoint file: signed by another key");
}

struct state_probe {
	unsigned calls;
	char device[32];
	const char *driver;
};

static int read_state(const struct bb_record *intent, char *driver, size_t size, void *userdata)
{
	struct state_probe *p = userdata;
	const char *dev = bb_record_get(intent, "device");

	p->calls++;
	snprintf(p->device, sizeof(p->device), "%s", dev ? dev : "");
	snprintf(driver, size, "%s", p->driver);
	return 0;
}

/* kill -9 after the intent is durable and before the result: outcome-unknown on reopen. */
static void test_kill9_between_intent_and_result(void **state)
{
	struct scratch *s = *state;
	struct state_probe probe = {.driver = "vfio-pci"};
	struct bb_journal_options o = scratch_options(s, 4);
	struct bb_journal_verify_report rep;
	struct bb_journal *j;
	struct lines l;
	const uint64_t *pending;
	int pipefd[2], status;
	char seqtxt[24] = "";
	pid_t pid;

	build(s);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bb_journal_options co = scratch_options(s, 1000);
		uint64_t seq;
		close(pipefd[0]);
		if (bb_journal_open(s->dirfd, "journal", &co, &j, NULL) < 0)
			_exit(1);
		const struct bb_kv kv[] = {
		    {"op", "bind"},
		    {"device", DEV},
		    {"new-driver", "vfio-pci"},
		};
		if (bb_journal_append_intent(j, kv, 3, &seq) < 0)
			_exit(2);
		dprintf(pipefd[1], "%llu", (unsigned long long)seq);
		close(pipefd[1]);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	assert_true(read(pipefd[0], seqtxt, sizeof(seqtxt) - 1) > 0);
	close(pipefd[0]);
	assert_string_equal(seqtxt, "13");
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* Offline, before any recovery: intact, one intent open, not yet signed. */
	assert_int_equal(verify(s, &rep), 0);
	assert_int_equal(rep.open_intents, 1);
	assert_int_equal(rep.unsigned_records, 1);

	o.read_state = read_state;
	o.userdata = &probe;
	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	assert_int_equal(probe.calls, 1);
	assert_string_equal(probe.device, DEV);
	assert_int_equal(bb_journal_pending(j, &pending), 0);
	/* The result that never came can no longer be written. */
	assert_int_equal(bb_journal_append_result(j, 13, NULL, 0, NULL), -ENOENT);
	assert_int_equal(bb_journal_close(j), 0);

	lines_read(s, &l);
	assert_line_starts(&l, 13,
	                   "seq=13 time=1732243575.000000 type=intent device=0000:01:00.0 "
	                   "new-driver=vfio-pci op=bind chain=");
	assert_line_starts(&l, 14,
	                   "seq=14 time=1732243575.000000 type=outcome-unknown "
	                   "device=0000:01:00.0 driver=vfio-pci intent=13 op=bind state=bound "
	                   "chain=");
	lines_free(&l);
	assert_int_equal(verify(s, &rep), 0);

	/* A second open has nothing left to recover. */
	probe.calls = 0;
	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	assert_int_equal(probe.calls, 0);
	assert_int_equal(bb_journal_close(j), 0);
}

static void test_exclusive_lock(void **state)
{
	struct scratch *s = *state;
	struct bb_journal_options o = scratch_options(s, 4);
	struct bb_journal *j, *k = NULL;

	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &k, NULL), -EBUSY);
	assert_null(k);
	assert_int_equal(bb_journal_close(j), 0);
}

static void test_checkpoint_by_count_and_time(void **state)
{
	struct scratch *s = *state;
	struct bb_journal_options o = scratch_options(s, 3);
	struct bb_journal *j;
	uint64_t t0 = test_clock_usec;

	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	append_n(j, 3, DEV);
	assert_int_equal(bb_journal_next_seq(j), 4); /* 3 records and a checkpoint */
	append_n(j, 1, DEV);
	assert_int_equal(bb_journal_tick(j, t0 + 59 * 1000000ULL), 0);
	assert_int_equal(bb_journal_next_seq(j), 5);
	assert_int_equal(bb_journal_tick(j, t0 + 60 * 1000000ULL), 0);
	assert_int_equal(bb_journal_next_seq(j), 6);
	/* Nothing new since: no empty checkpoint. */
	assert_int_equal(bb_journal_tick(j, t0 + 600 * 1000000ULL), 0);
	assert_int_equal(bb_journal_next_seq(j), 6);
	assert_int_equal(bb_journal_close(j), 0);

	struct lines l;
	lines_read(s, &l);
	assert_int_equal(l.n, 6);
	assert_line_starts(&l, 3, "seq=3 time=1732243575.000000 type=checkpoint");
	assert_line_starts(&l, 5, "seq=5 time=1732243575.000000 type=checkpoint");
	lines_free(&l);
}

static void test_bad_appends_write_nothing(void **state)
{
	struct scratch *s = *state;
	struct bb_journal_options o = scratch_options(s, 4);
	struct bb_journal *j;

	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	const struct bb_kv space[] = {{"device", "0000:01:00.0 op=release"}};
	const struct bb_kv newline[] = {{"device", "x\ny"}};
	const struct bb_kv reserved[] = {{"seq", "9"}};
	const struct bb_kv upper[] = {{"Device", "x"}};
	const struct bb_kv twice[] = {{"op", "bind"}, {"op", "release"}};
	const struct bb_kv empty[] = {{"op", ""}};
	assert_int_equal(bb_journal_append(j, BB_REC_REFUSE, space, 1, NULL), -EINVAL);
	assert_int_equal(bb_journal_append(j, BB_REC_REFUSE, newline, 1, NULL), -EINVAL);
	assert_int_equal(bb_journal_append(j, BB_REC_REFUSE, reserved, 1, NULL), -EINVAL);
	assert_int_equal(bb_journal_append(j, BB_REC_REFUSE, upper, 1, NULL), -EINVAL);
	assert_int_equal(bb_journal_append(j, BB_REC_REFUSE, twice, 2, NULL), -EINVAL);
	assert_int_equal(bb_journal_append(j, BB_REC_REFUSE, empty, 1, NULL), -EINVAL);
	assert_int_equal(bb_journal_append(j, BB_REC_CHECKPOINT, NULL, 0, NULL), -EINVAL);
	assert_int_equal(bb_journal_append(j, BB_REC_RESULT, NULL, 0, NULL), -EINVAL);
	assert_int_equal(bb_journal_append_result(j, 0, NULL, 0, NULL), -ENOENT);
	assert_int_equal(bb_journal_next_seq(j), 0);
	assert_false(bb_journal_failed(j));
	assert_int_equal(bb_journal_close(j), 0);
}

static void test_group_commit(void **state)
{
	struct scratch *s = *state;
	struct bb_journal_options o = scratch_options(s, 1000);
	struct bb_journal_verify_report rep;
	struct bb_journal *j;
	const uint64_t *pending;
	struct lines l;

	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	append_n(j, 1, DEV);
	const struct bb_kv a[] = {{"op", "bind"}, {"device", DEV}};
	const struct bb_kv b[] = {{"op", "bind"}, {"device", "0000:02:00.0"}};
	const struct bb_kv done[] = {{"outcome", "bound"}};
	/* Two requests' intents, the result of the first, in one write and one sync. */
	struct bb_journal_entry e[] = {
	    {.type = BB_REC_INTENT, .kv = a, .n = 2},
	    {.type = BB_REC_INTENT, .kv = b, .n = 2},
	    {.type = BB_REC_RESULT, .intent_seq = 1, .kv = done, .n = 1},
	};
	assert_int_equal(bb_journal_append_group(j, e, 3), 0);
	assert_int_equal(e[0].seq, 1);
	assert_int_equal(e[1].seq, 2);
	assert_int_equal(e[2].seq, 3);
	assert_int_equal(bb_journal_pending(j, &pending), 1);
	assert_int_equal(pending[0], 2);

	/* All or nothing: a second result for intent 1 refuses the whole group. */
	struct bb_journal_entry bad[] = {
	    {.type = BB_REC_RESULT, .intent_seq = 2, .kv = done, .n = 1},
	    {.type = BB_REC_RESULT, .intent_seq = 1, .kv = done, .n = 1},
	};
	assert_int_equal(bb_journal_append_group(j, bad, 2), -ENOENT);
	assert_int_equal(bad[0].seq, UINT64_MAX);
	struct bb_journal_entry twice[] = {
	    {.type = BB_REC_RESULT, .intent_seq = 2, .kv = done, .n = 1},
	    {.type = BB_REC_RESULT, .intent_seq = 2, .kv = done, .n = 1},
	};
	assert_int_equal(bb_journal_append_group(j, twice, 2), -ENOENT);
	struct bb_journal_entry internal[] = {{.type = BB_REC_CHECKPOINT}};
	assert_int_equal(bb_journal_append_group(j, internal, 1), -EINVAL);
	assert_int_equal(bb_journal_next_seq(j), 4);
	assert_int_equal(bb_journal_append_group(j, twice, 1), 0);
	assert_int_equal(bb_journal_close(j), 0);

	lines_read(s, &l);
	assert_line_starts(&l, 3,
	                   "seq=3 time=1732243575.000000 type=result intent=1 outcome=bound "
	                   "chain=");
	assert_line_starts(&l, 4,
	                   "seq=4 time=1732243575.000000 type=result intent=2 outcome=bound "
	                   "chain=");
	lines_free(&l);
	assert_int_equal(verify(s, &rep), 0);
	assert_int_equal(rep.records, 6);
	assert_int_equal(rep.open_intents, 0);
}

static void test_key_mode_enforced(void **state)
{
	struct scratch *s = *state;
	struct bb_journal_options o = scratch_options(s, 4);
	struct bb_journal *j = NULL;

	build(s);
	assert_int_equal(fchmodat(s->dirfd, s->key, 0644, 0), 0);
	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), -EPERM);
	assert_null(j);

	/* A verifier key where a signer key belongs, and the other way round. */
	struct bb_journal_verify_report rep;
	assert_int_equal(bb_journal_verify(s->dirfd, "journal", s->dirfd, s->key, &rep),
	                 -EKEYREJECTED);
	assert_false(rep.problem.found);
	o.key_path = s->pubkey;
	assert_int_equal(fchmodat(s->dirfd, s->pubkey, 0600, 0), 0);
	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), -EKEYREJECTED);
}

static void test_show_and_export(void **state)
{
	struct scratch *s = *state;
	struct bb_journal_options o = scratch_options(s, 4);
	struct bb_journal_filter f = {0};
	struct bb_journal *j;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	assert_int_equal(bb_journal_open(s->dirfd, "journal", &o, &j, NULL), 0);
	append_n(j, 2, DEV);
	test_clock_usec += 3600 * 1000000ULL;
	append_n(j, 1, "0000:02:00.0");
	test_clock_usec -= 3600 * 1000000ULL;
	assert_int_equal(bb_journal_close(j), 0);

	/* export: every record, checkpoints too, one JSON object per line. */
	out = open_memstream(&buf, &len);
	assert_int_equal(bb_journal_export(s->dirfd, "journal", out), 0);
	fclose(out);
	unsigned n = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"), n++) {
		struct json_object *obj = json_tokener_parse(line), *v;
		assert_non_null(obj);
		assert_true(json_object_object_get_ex(obj, "seq", &v));
		assert_int_equal(json_object_get_uint64(v), n);
		assert_true(json_object_object_get_ex(obj, "type", &v));
		assert_string_equal(json_object_get_string(v), n == 3 ? "checkpoint" : "refuse");
		assert_true(json_object_object_get_ex(obj, "chain", &v));
		assert_int_equal(strlen(json_object_get_string(v)), 64);
		if (n == 0) {
			assert_true(json_object_object_get_ex(obj, "time", &v));
			assert_string_equal(json_object_get_string(v),
			                    "2024-11-22T02:46:15.000000Z");
			assert_true(json_object_object_get_ex(obj, "device", &v));
			assert_string_equal(json_object_get_string(v), DEV);
		}
		json_object_put(obj);
	}
	assert_int_equal(n, 4);
	free(buf);

	/* show --device: only that device, no checkpoints. */
	f.device = "0000:02:00.0";
	out = open_memstream(&buf, &len);
	assert_int_equal(bb_journal_show(s->dirfd, "journal", &f, false, out), 0);
	fclose(out);
	assert_string_equal(buf, "2024-11-22T03:46:15.000000Z #2 refuse device=0000:02:00.0 "
	                         "op=bind reason=class-denied rule=rule-0\n");
	free(buf);

	/* show --since: the hour-later record only. */
	f.device = NULL;
	f.since_usec = test_clock_usec + 1;
	out = open_memstream(&buf, &len);
	assert_int_equal(bb_journal_show(s->dirfd, "journal", &f, true, out), 0);
	fclose(out);
	assert_non_null(strstr(buf, "\"seq\":2,"));
	assert_ptr_equal(strchr(buf, '\n') + 1, buf + strlen(buf)); /* one line */
	free(buf);
}

static void test_parser_names_the_problem(void **state)
{
	static const struct {
		const char *line, *err;
	} cases[] = {
	    {"seq=01 time=1.000000 type=refuse chain=", "column 1: seq is not a canonical"},
	    {"seq=1 time=1.00000 type=refuse", "column 7: time is not"},
	    {"seq=1 time=1.000000 type=bogus", "unknown record type 'bogus'"},
	    {"seq=1 time=1.000000 type=refuse b=1 a=2 chain=", "column 37: key 'a' out of order"},
	    {"seq=1 time=1.000000 type=refuse a=1 a=1 chain=", "key 'a' out of order or repeated"},
	    {"seq=1 time=1.000000 type=refuse a=\"x\" chain=", "column 35: bad value"},
	    {"seq=1 time=1.000000 type=refuse seq=1 chain=", "bad key"},
	    {"seq=1 time=1.000000 type=refuse  a=1 chain=", "expected KEY=VALUE"},
	    {"seq=1 time=1.000000 type=refuse a=1", "missing chain="},
	    {"seq=1 time=1.000000 type=refuse chain=00", "chain= wants 64 hex digits"},
	    {"seq=18446744073709551616 time=1.000000 type=refuse", "seq is not a canonical"},
	};
	struct bb_record *r = malloc(sizeof(*r));
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    bb_record_parse(cases[i].line, strlen(cases[i].line), r, err, sizeof(err)),
		    -EBADMSG);
		if (!strstr(err, cases[i].err))
			fail_msg("'%s': got '%s', want '%s'", cases[i].line, err, cases[i].err);
	}
	const char *good = "seq=1 time=1.000001 type=refuse a=1 b=x:y/z chain="
	                   "0000000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(bb_record_parse(good, strlen(good), r, err, sizeof(err)), 0);
	assert_int_equal(r->seq, 1);
	assert_int_equal(r->time_usec, 1000001);
	assert_string_equal(bb_record_get(r, "b"), "x:y/z");
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_append_reopen_verify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flipped_byte, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flipped_byte_rechained, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deleted_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reordered_pair, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_tail_recovered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zero_tail_recovered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_overlong_line_in_the_middle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_checkpoint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resigned_checkpoint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resigned_checkpoint_forged_hint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resigned_checkpoint_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kill9_between_intent_and_result, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exclusive_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checkpoint_by_count_and_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_appends_write_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_mode_enforced, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_show_and_export, setup, teardown),
	    cmocka_unit_test(test_parser_names_the_problem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
