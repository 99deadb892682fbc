/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "journal-test-util.h"

uint64_t test_clock_usec = 1732243575000000ULL;

static uint64_t test_clock(void *userdata)
{
	(void)userdata;
	return test_clock_usec;
}

void scratch_make(struct scratch *s)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/bb-journal-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(s->dirfd >= 0);
	snprintf(s->key, sizeof(s->key), "key");
	snprintf(s->pubkey, sizeof(s->pubkey), "key.pub");
}

void scratch_remove(struct scratch *s)
{
	char cmd[128];

	close(s->dirfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	assert_int_equal(system(cmd), 0);
}

struct bb_journal_options scratch_options(struct scratch *s, unsigned every)
{
	return (struct bb_journal_options){
	    .origin = "test.example/journal",
	    .key_dirfd = s->dirfd,
	    .key_path = s->key,
	    .checkpoint_every = every,
	    .checkpoint_secs = 60,
	    .now_usec = test_clock,
	};
}

void lines_read(struct scratch *s, struct lines *l)
{
	struct stat st;
	int fd;

	memset(l, 0, sizeof(*l));
	fd = openat(s->dirfd, "journal/records", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	l->len = (size_t)st.st_size;
	l->data = malloc(l->len + 1);
	assert_non_null(l->data);
	assert_int_equal(read(fd, l->data, l->len), (ssize_t)l->len);
	l->data[l->len] = '\0';
	close(fd);
	for (size_t p = 0; p < l->len;) {
		char *nl = memchr(l->data + p, '\n', l->len - p);
		size_t end = nl ? (size_t)(nl - l->data) + 1 : l->len;
		assert_true(l->n < 4096);
		l->off[l->n] = p;
		l->llen[l->n] = end - p;
		l->n++;
		p = end;
	}
}

void lines_write(struct scratch *s, const char *data, size_t len)
{
	int fd = openat(s->dirfd, "journal/records", O_WRONLY | O_TRUNC | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

void lines_free(struct lines *l)
{
	free(l->data);
	l->data = NULL;
}

void rechain(char *data, size_t len)
{
	unsigned char prev[32] = {0};
	size_t p = 0;

	while (p < len) {
		char *nl = memchr(data + p, '\n', len - p);
		char *chain;
		size_t body;
		unsigned char *buf;

		assert_non_null(nl);
		*nl = '\0';
		chain = strstr(data + p, " chain=");
		assert_non_null(chain);
		body = (size_t)(chain - (data + p));
		buf = malloc(32 + body);
		assert_non_null(buf);
		memcpy(buf, prev, 32);
		memcpy(buf + 32, data + p, body);
		assert_int_equal(EVP_Digest(buf, 32 + body, prev, NULL, EVP_sha256(), NULL), 1);
		free(buf);
		for (int i = 0; i < 32; i++) {
			char hex[3];
			snprintf(hex, sizeof(hex), "%02x", prev[i]);
			memcpy(chain + 7 + 2 * i, hex, 2);
		}
		*nl = '\n';
		p = (size_t)(nl - data) + 1;
	}
}

void append_n(struct bb_journal *j, unsigned n, const char *device)
{
	for (unsigned i = 0; i < n; i++) {
		char rule[32];
		snprintf(rule, sizeof(rule), "rule-%u", i);
		const struct bb_kv kv[] = {
		    {"op", "bind"},
		    {"device", device},
		    {"reason", "class-denied"},
		    {"rule", rule},
		};
		assert_int_equal(bb_journal_append(j, BB_REC_REFUSE, kv, 4, NULL), 0);
	}
}
