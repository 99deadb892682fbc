/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the records scanner and the strict record parser (journal-internal.h).
 * The harness re-computes every well-placed chain= first, as an attacker
 * could, so inputs get past the chain check into the checks behind it:
 * sequence, intents and results, checkpoint payloads.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "journal-internal.h"

#define INPUT_MAX (64 * 1024)

static int render(const struct bb_record *r, void *userdata)
{
	char text[2 * BB_JOURNAL_RECORD_MAX], *json = NULL;

	(void)userdata;
	if (bb_record_to_text(r, text, sizeof(text)) < 0)
		abort(); /* every accepted record must render */
	if (bb_record_to_json(r, &json) < 0)
		abort();
	free(json);
	return 0;
}

static void rechain(char *data, size_t len)
{
	uint8_t prev[HASH_LEN] = {0};
	size_t p = 0;

	while (p < len) {
		char *nl = memchr(data + p, '\n', len - p);
		size_t linelen;

		if (!nl)
			return;
		linelen = (size_t)(nl - (data + p));
		if (linelen > 7 + HEX_HASH &&
		    memcmp(data + p + linelen - HEX_HASH - 7, " chain=", 7) == 0) {
			char hex[HEX_HASH + 1];
			if (hash_chain(prev, data + p, linelen - HEX_HASH - 7, prev) < 0)
				return;
			hex_encode(prev, HASH_LEN, hex);
			memcpy(data + p + linelen - HEX_HASH, hex, HEX_HASH);
		}
		p += linelen + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_record *rec;
	struct scan s;
	char *copy;
	int fd, r;

	if (size > INPUT_MAX)
		return 0;
	copy = malloc(size + 1);
	rec = malloc(sizeof(*rec));
	if (!copy || !rec)
		abort();
	memcpy(copy, data, size);

	/* The parser alone, on the raw first line. */
	const char *nl = memchr(copy, '\n', size);
	char err[200];
	if (bb_record_parse(copy, nl ? (size_t)(nl - copy) : size, rec, err, sizeof(err)) == 0)
		render(rec, NULL);

	rechain(copy, size);
	fd = memfd_create("fuzz-records", MFD_CLOEXEC);
	if (fd < 0 || write(fd, copy, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	scan_init(&s);
	s.fn = render;
	r = scan_fd(&s, fd);
	if (r == 0)
		r = scan_finish(&s);
	/* A clean scan accounts for every byte: records plus a torn tail. */
	if (r == 0 && s.end_offset + s.torn_len != size)
		abort();
	if (r < 0 && r != -EBADMSG && r != -ENOMEM)
		abort();
	if (r == -EBADMSG && !s.problem.found)
		abort();
	scan_done(&s);
	close(fd);
	free(copy);
	free(rec);
	return 0;
}
