/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the files of the policy library; never installed, never included outside. */
#pragma once

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

#include "bb-macro.h"
#include "bb-policy.h"

/* ---- lexer ---- */

enum token_type {
	TOKEN_WORD,   /* a run of printable characters without blanks, '#', '(', ')', '"' */
	TOKEN_STRING, /* "double quoted", escapes \" and \\ only; value unescaped */
	TOKEN_LPAREN,
	TOKEN_RPAREN,
};

struct token {
	enum token_type type;
	unsigned column; /* 1-based byte column of its first character */
	size_t end;      /* byte offset just after it in the line (after a closing quote) */
	size_t len;
	char text[BB_POLICY_MAX_WORD + 1];
};

struct token_line {
	size_t n;
	struct token tokens[BB_POLICY_MAX_TOKENS];
};

/*
 * Splits one line (LEN bytes, no newline) into tokens, dropping a '#' comment.
 * Returns 0, or -EINVAL / -E2BIG with ERR's column and message set.
 */
int policy_lex_line(const char *line, size_t len, struct token_line *out,
                    struct bb_policy_error *err);

/* ---- rules ---- */

enum cond_kind {
	COND_AND,
	COND_OR,
	COND_NOT,
	COND_VENDOR,
	COND_DEVICE,
	COND_SUBSYSTEM_VENDOR,
	COND_SUBSYSTEM_DEVICE,
	COND_REVISION,
	COND_CLASS,
	COND_ADDRESS,
	COND_IOMMU_GROUP,
	COND_IOMMU_GROUP_SIZE,
	COND_BOOT_VGA,
	COND_BRIDGE,
	COND_ENDPOINT,
	COND_BACKS_MOUNT,
	COND_BACKS_SWAP,
	COND_DEFAULT_ROUTE,
	COND_SIGNED_TABLE,
	COND_DRIVER,
	COND_USER,
	COND_GROUP,
	COND_SELINUX_TYPE,
	COND_LOCKDOWN,
	COND_GROUP_BIND,
};

enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

struct cond {
	enum cond_kind kind;
	union {
		struct {
			struct cond **items;
			size_t n;
		} list;             /* AND, OR */
		struct cond *child; /* NOT */
		uint32_t id;        /* VENDOR .. REVISION */
		struct {
			uint32_t lo, hi; /* inclusive, on class >> shift */
			uint32_t mask;   /* value/mask form when mask != 0 */
			unsigned shift;  /* 16, 8 or 0 */
		} cls;
		struct {
			enum cmp_op op;
			uint32_t value;
		} num;
		struct {
			char *pattern; /* NULL: any (backs-mount without a path) */
			bool literal;  /* no glob characters: compare with strcmp */
		} glob;                /* ADDRESS, BACKS_MOUNT, DRIVER (with '-' as '_') */
		struct {
			char *name; /* NULL when by uid */
			uid_t uid;
		} user;
		char *name; /* GROUP, SELINUX_TYPE */
		enum bb_policy_lockdown lockdown;
	};
};

struct rule {
	enum bb_policy_verdict verdict;
	unsigned file; /* index into bb_policy.files */
	unsigned line;
	char *text;        /* the line without comment and outer blanks */
	struct cond *cond; /* an AND or an OR */
	/* Ids the rule requires at its top level (-1: none), checked before walking its
	 * conditions: a scan of 10,000 rules then touches only this array. */
	int32_t need_vendor, need_device;
};

struct bb_policy {
	atomic_uint refcount;
	struct rule *rules;
	size_t n_rules, allocated_rules;
	char **files;
	size_t n_files;
};

struct bb_policy *policy_new(void);
int policy_add_file(struct bb_policy *p, const char *name);
void cond_free(struct cond *c);

/*
 * Parses TEXT as file NAME and appends its rules to P, which already has NAME as its last
 * file. Returns 0 or a negative errno with ERR filled (file, line, column, message).
 */
int policy_parse_text(struct bb_policy *p, const char *name, const char *text, size_t len,
                      struct bb_policy_error *err);

/* ---- errors ---- */

int policy_error_set(struct bb_policy_error *err, int r, const char *file, unsigned line,
                     unsigned column, const char *fmt, ...) _printf_(6, 7);

/* ---- evaluation helpers shared by the evaluator and the built-in checks ---- */

/* Answers worth computing once per decision (a table lookup may verify signatures). */
struct eval_cache {
	int table_covered; /* -1: not asked yet, else 0 or 1 */
	char table[128];
	char driver[BB_POLICY_MAX_WORD + 1]; /* the requested driver with '-' as '_' */
};

struct eval_ctx {
	const struct bb_policy_facts *f;
	struct bb_policy_decision *d; /* NULL: do not record the facts used */
	struct eval_cache *cache;
};

void eval_record_fact(struct eval_ctx *ctx, const char *name, const char *fmt, ...) _printf_(3, 4);
/* Records a fact only on the pass that explains: the matching pass stays cheap. */
#define eval_record(ctx, ...)                                                                      \
	do {                                                                                       \
		if ((ctx)->d)                                                                      \
			eval_record_fact((ctx), __VA_ARGS__);                                      \
	} while (0)

/* Returns true when a built-in check refused; the decision is then filled. */
bool policy_builtin_checks(const struct bb_policy_facts *f, struct bb_policy_decision *d);

/* fnmatch on driver names with '-' and '_' taken as the same character. */
bool policy_driver_match(const char *pattern, const char *driver);

/* snprintf(BUF, SIZE, "%s", S) without the cost of a format: as much of S as fits, NUL-ended. */
static inline void policy_copy(char *buf, size_t size, const char *s)
{
	size_t n;

	if (size == 0)
		return;
	n = strnlen(s, size - 1);
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* Copies driver name or pattern S to BUF (SIZE bytes) with every '-' as '_'. */
void policy_driver_normalize(const char *s, char *buf, size_t size);
int policy_error_setv(struct bb_policy_error *err, int r, const char *file, unsigned line,
                      unsigned column, const char *fmt, va_list ap) _printf_(6, 0);
