/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the journal tests share: a scratch directory, whole-file access to the
 * records, and an independent re-implementation of the chain (OpenSSL SHA-256
 * directly) so a test can play the attacker who re-chains after an edit.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bb-journal.h"

struct scratch {
	char dir[64];
	int dirfd;
	char key[80];    /* "key" under dir: the checkpoint signing key */
	char pubkey[80]; /* "key.pub" */
};

void scratch_make(struct scratch *s);
void scratch_remove(struct scratch *s);

/* Options with the scratch key, checkpoints every EVERY records, a fixed test clock. */
struct bb_journal_options scratch_options(struct scratch *s, unsigned every);
extern uint64_t test_clock_usec;

/* Whole records file as lines (each with its newline); offsets of each line. */
struct lines {
	char *data;
	size_t len;
	size_t n;
	size_t off[4096];
	size_t llen[4096];
};

void lines_read(struct scratch *s, struct lines *l);
void lines_write(struct scratch *s, const char *data, size_t len);
void lines_free(struct lines *l);

/* Recomputes every chain= in DATA, as an attacker holding the file would. */
void rechain(char *data, size_t len);

void append_n(struct bb_journal *j, unsigned n, const char *device);
