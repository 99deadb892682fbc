/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Turns the text of one .rules file into rules (grammar in bindbroker.rules(5)):
 *
 *   rule := ('allow' | 'deny') disj
 *   disj := conj ('or' conj)*
 *   conj := (['if' | 'and'] cond)*
 *   cond := 'not' cond | '(' disj ')' | atom
 *
 * One rule per line. Every refusal names the file, line and column it is about.
 */
#include <ctype.h>
#include <string.h>

#include "bb-validate.h"
#include "policy-internal.h"

struct parser {
	const struct token_line *tl;
	size_t pos;
	unsigned depth;
	unsigned end_column; /* column just after the last character of the rule */
	const char *file;
	unsigned line;
	struct bb_policy_error *err;
};

enum arg_kind {
	ARG_NONE,
	ARG_ID16,
	ARG_ID8,
	ARG_CLASS,
	ARG_ADDRESS,
	ARG_NUMBER,
	ARG_OPT_PATH,
	ARG_DRIVER,
	ARG_USER,
	ARG_NAME,
	ARG_SELINUX,
	ARG_LOCKDOWN,
};

struct keyword {
	const char *name;
	enum cond_kind kind;
	enum arg_kind arg;
	const char *what; /* the argument, for "needs ..." errors */
};

static const struct keyword keywords[] = {
    {"vendor", COND_VENDOR, ARG_ID16, "a 16-bit hex id like 0x8086"},
    {"device", COND_DEVICE, ARG_ID16, "a 16-bit hex id like 0x10d3"},
    {"subsystem-vendor", COND_SUBSYSTEM_VENDOR, ARG_ID16, "a 16-bit hex id like 0x8086"},
    {"subsystem-device", COND_SUBSYSTEM_DEVICE, ARG_ID16, "a 16-bit hex id like 0x0001"},
    {"revision", COND_REVISION, ARG_ID8, "an 8-bit hex value like 0xa1"},
    {"class", COND_CLASS, ARG_CLASS, "a class like 0x020000/0xff0000, 0x03 or 0x0600-0x06ff"},
    {"address", COND_ADDRESS, ARG_ADDRESS, "a device address or glob like 0000:03:00.*"},
    {"iommu-group", COND_IOMMU_GROUP, ARG_NUMBER, "a group number, optionally after <, >, ..."},
    {"iommu-group-size", COND_IOMMU_GROUP_SIZE, ARG_NUMBER,
     "a device count, optionally after <, <=, >, >=, = or !="},
    {"boot-vga", COND_BOOT_VGA, ARG_NONE, NULL},
    {"bridge", COND_BRIDGE, ARG_NONE, NULL},
    {"endpoint", COND_ENDPOINT, ARG_NONE, NULL},
    {"backs-mount", COND_BACKS_MOUNT, ARG_OPT_PATH, NULL},
    {"backs-swap", COND_BACKS_SWAP, ARG_NONE, NULL},
    {"carries-default-route", COND_DEFAULT_ROUTE, ARG_NONE, NULL},
    {"signed-table", COND_SIGNED_TABLE, ARG_NONE, NULL},
    {"driver", COND_DRIVER, ARG_DRIVER, "a driver name or glob like vfio-pci or *_vfio_pci"},
    {"user", COND_USER, ARG_USER, "a user name or numeric uid"},
    {"group", COND_GROUP, ARG_NAME, "a group name"},
    {"selinux-type", COND_SELINUX_TYPE, ARG_SELINUX, "an SELinux type like sysadm_t"},
    {"lockdown", COND_LOCKDOWN, ARG_LOCKDOWN, "one of none, integrity, confidentiality"},
    {"group-bind", COND_GROUP_BIND, ARG_NONE, NULL},
};

_printf_(4, 5) static int parse_error(struct parser *ps, const struct token *at, int r,
                                      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = policy_error_setv(ps->err, r, ps->file, ps->line, at ? at->column : ps->end_column, fmt,
	                      ap);
	va_end(ap);
	return r;
}

static const struct token *peek(struct parser *ps)
{
	return ps->pos < ps->tl->n ? &ps->tl->tokens[ps->pos] : NULL;
}

static bool is_word(const struct token *t, const char *w)
{
	return t && t->type == TOKEN_WORD && streq(t->text, w);
}

static struct cond *cond_new(enum cond_kind kind)
{
	struct cond *c = calloc(1, sizeof(*c));

	if (c)
		c->kind = kind;
	return c;
}

static int list_append(struct cond *list, struct cond *item)
{
	/* Grow by powers of two; the token limit bounds the length anyway. */
	if ((list->list.n & (list->list.n - 1)) == 0) {
		size_t cap = list->list.n ? list->list.n * 2 : 1;
		struct cond **items = realloc(list->list.items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		list->list.items = items;
	}
	list->list.items[list->list.n++] = item;
	return 0;
}

/* "0x" and 1..MAX_DIGITS hex digits. Returns the digit count or -EINVAL. */
static int parse_hex(const char *s, size_t len, unsigned max_digits, uint32_t *ret)
{
	uint32_t v = 0;

	if (len < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -EINVAL;
	if (len - 2 > max_digits)
		return -EINVAL;
	for (size_t i = 2; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 16 + (uint32_t)(isdigit((unsigned char)s[i])
		                            ? s[i] - '0'
		                            : (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	*ret = v;
	return (int)(len - 2);
}

static int parse_decimal(const char *s, uint64_t max, uint32_t *ret)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*ret = (uint32_t)v;
	return 0;
}

static bool all_chars_in(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

static int parse_class_width(struct parser *ps, const struct token *t, const char *s, size_t len,
                             uint32_t *value, unsigned *digits)
{
	int r = parse_hex(s, len, 6, value);

	if (r < 0)
		return parse_error(ps, t, -EINVAL, "'%.*s' is not a hex class like 0x0300",
		                   (int)len, s);
	if (r != 2 && r != 4 && r != 6)
		return parse_error(ps, t, -EINVAL,
		                   "class '%.*s' has %d hex digits; use 2 (base class), 4 (with "
		                   "subclass) or 6 (with programming interface)",
		                   (int)len, s, r);
	*digits = (unsigned)r;
	return 0;
}

static int parse_class(struct parser *ps, const struct token *t, struct cond *c)
{
	const char *s = t->text;
	const char *slash = strchr(s, '/');
	const char *dash = strchr(s, '-');
	unsigned d1 = 0, d2 = 0; /* set by parse_hex_digits; initialised for -O3 flow analysis */
	int r;

	if (slash) {
		uint32_t value, mask;
		if (parse_hex(s, (size_t)(slash - s), 6, &value) < 0 ||
		    parse_hex(slash + 1, strlen(slash + 1), 6, &mask) < 0)
			return parse_error(ps, t, -EINVAL,
			                   "'%s' is not a class/mask pair like 0x020000/0xff0000",
			                   s);
		if (mask == 0)
			return parse_error(ps, t, -EINVAL,
			                   "class mask 0x000000 matches every device; leave the "
			                   "condition out instead");
		if (value & ~mask)
			return parse_error(ps, t, -EINVAL,
			                   "class 0x%06x has bits outside its mask 0x%06x", value,
			                   mask);
		c->cls.lo = c->cls.hi = value;
		c->cls.mask = mask;
		return 0;
	}
	if (dash) {
		r = parse_class_width(ps, t, s, (size_t)(dash - s), &c->cls.lo, &d1);
		if (r < 0)
			return r;
		r = parse_class_width(ps, t, dash + 1, strlen(dash + 1), &c->cls.hi, &d2);
		if (r < 0)
			return r;
		if (d1 != d2)
			return parse_error(ps, t, -EINVAL,
			                   "class range '%s' mixes %u and %u hex digits", s, d1,
			                   d2);
		if (c->cls.lo > c->cls.hi)
			return parse_error(ps, t, -EINVAL,
			                   "class range '%s' is empty: its start is above its end",
			                   s);
	} else {
		r = parse_class_width(ps, t, s, strlen(s), &c->cls.lo, &d1);
		if (r < 0)
			return r;
		c->cls.hi = c->cls.lo;
	}
	c->cls.shift = (6 - d1) * 4;
	return 0;
}

static int parse_number(struct parser *ps, const struct token *kw, const struct token *t,
                        struct cond *c)
{
	static const struct {
		const char *text;
		enum cmp_op op;
	} ops[] = {
	    {"<=", CMP_LE}, {">=", CMP_GE}, {"!=", CMP_NE}, {"==", CMP_EQ},
	    {"<", CMP_LT},  {">", CMP_GT},  {"=", CMP_EQ},
	};
	const char *num = t->text;

	c->num.op = CMP_EQ;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		size_t n = strlen(ops[i].text);
		if (strncmp(t->text, ops[i].text, n) == 0) {
			c->num.op = ops[i].op;
			num = t->text + n;
			break;
		}
	}
	if (!*num) {
		/* The operator stood alone: the number is the next token. */
		ps->pos++;
		t = peek(ps);
		if (!t || t->type != TOKEN_WORD)
			return parse_error(ps, t, -EINVAL, "'%s' needs a number after '%s'",
			                   kw->text, ps->tl->tokens[ps->pos - 1].text);
		num = t->text;
	}
	int r = parse_decimal(num, 1000000, &c->num.value);
	if (r == -ERANGE)
		return parse_error(ps, t, -EINVAL, "number '%s' is above 1000000", num);
	if (r < 0)
		return parse_error(ps, t, -EINVAL, "'%s' is not a decimal number", num);
	return 0;
}

static int set_string(struct parser *ps, const struct token *t, char **where, const char *s)
{
	*where = strdup(s);
	if (!*where)
		return parse_error(ps, t, -ENOMEM, "out of memory");
	return 0;
}

static int parse_address(struct parser *ps, const struct token *t, struct cond *c)
{
	char pattern[BB_POLICY_MAX_WORD + 1];
	size_t i;

	if (!all_chars_in(t->text, ":._-*?[]!") || t->len > 64)
		return parse_error(ps, t, -EINVAL,
		                   "'%s' is not a device address or glob (letters, digits and "
		                   ": . _ - * ? [ ] !)",
		                   t->text);
	for (i = 0; i <= t->len; i++)
		pattern[i] = (char)tolower((unsigned char)t->text[i]);
	c->glob.literal = !strpbrk(pattern, "*?[");
	/* A literal that looks like a PCI address must be one: catch 0000:03:20.0 early. */
	if (!strpbrk(pattern, "*?[") && t->len >= 5 && isxdigit((unsigned char)pattern[0]) &&
	    strchr(pattern, '.') && strchr(pattern, ':') && !bb_valid_pci_address(pattern))
		return parse_error(ps, t, -EINVAL, "'%s' is not a valid PCI address (DDDD:BB:DD.F)",
		                   t->text);
	return set_string(ps, t, &c->glob.pattern, pattern);
}

static int parse_name(struct parser *ps, const struct token *kw, const struct token *t,
                      char **where)
{
	if (t->len > 32 || t->text[0] == '-' || !all_chars_in(t->text, "_.-"))
		return parse_error(ps, t, -EINVAL,
		                   "'%s' is not a valid name for '%s' ([A-Za-z0-9_.-], at most "
		                   "32, not starting with '-')",
		                   t->text, kw->text);
	return set_string(ps, t, where, t->text);
}

static int parse_argument(struct parser *ps, const struct keyword *k, const struct token *kw,
                          struct cond *c)
{
	const struct token *t;
	uint32_t v;

	if (k->arg == ARG_NONE)
		return 0;
	if (k->arg == ARG_OPT_PATH) {
		t = peek(ps);
		if (!t ||
		    !(t->type == TOKEN_STRING || (t->type == TOKEN_WORD && t->text[0] == '/')))
			return 0; /* any mount or swap */
		if (t->text[0] != '/')
			return parse_error(ps, t, -EINVAL,
			                   "mount point '%s' is not an absolute path", t->text);
		ps->pos++;
		return set_string(ps, t, &c->glob.pattern, t->text);
	}

	t = peek(ps);
	if (!t || t->type == TOKEN_LPAREN || t->type == TOKEN_RPAREN)
		return parse_error(ps, t, -EINVAL, "'%s' needs %s", kw->text, k->what);
	if (t->type == TOKEN_STRING && k->arg != ARG_NAME && k->arg != ARG_USER)
		return parse_error(ps, t, -EINVAL, "'%s' needs %s, not a quoted string", kw->text,
		                   k->what);

	switch (k->arg) {
	case ARG_ID16:
	case ARG_ID8:
		if (parse_hex(t->text, t->len, k->arg == ARG_ID16 ? 4 : 2, &v) < 0)
			return parse_error(ps, t, -EINVAL, "'%s' needs %s, not '%s'", kw->text,
			                   k->what, t->text);
		c->id = v;
		break;
	case ARG_CLASS: {
		int r = parse_class(ps, t, c);
		if (r < 0)
			return r;
		break;
	}
	case ARG_ADDRESS: {
		int r = parse_address(ps, t, c);
		if (r < 0)
			return r;
		break;
	}
	case ARG_NUMBER: {
		int r = parse_number(ps, kw, t, c);
		if (r < 0)
			return r;
		break;
	}
	case ARG_DRIVER:
		if (t->len > BB_DRIVER_NAME_MAX || !all_chars_in(t->text, "_-*?"))
			return parse_error(ps, t, -EINVAL,
			                   "'%s' is not a driver name or glob ([A-Za-z0-9_-] and "
			                   "* ?, at most %d)",
			                   t->text, BB_DRIVER_NAME_MAX);
		char normalized[BB_POLICY_MAX_WORD + 1];
		policy_driver_normalize(t->text, normalized, sizeof(normalized));
		c->glob.literal = !strpbrk(normalized, "*?[");
		if (set_string(ps, t, &c->glob.pattern, normalized) < 0)
			return -ENOMEM;
		break;
	case ARG_USER:
		if (isdigit((unsigned char)t->text[0])) {
			int r = parse_decimal(t->text, 4294967294u, &v);
			if (r < 0)
				return parse_error(ps, t, -EINVAL, "'%s' is not a valid uid",
				                   t->text);
			c->user.uid = (uid_t)v;
			break;
		}
		if (parse_name(ps, kw, t, &c->user.name) < 0)
			return -EINVAL;
		break;
	case ARG_NAME:
		if (parse_name(ps, kw, t, &c->name) < 0)
			return -EINVAL;
		break;
	case ARG_SELINUX:
		if (!all_chars_in(t->text, "_"))
			return parse_error(ps, t, -EINVAL,
			                   "'%s' is not an SELinux type ([A-Za-z0-9_])", t->text);
		if (set_string(ps, t, &c->name, t->text) < 0)
			return -ENOMEM;
		break;
	case ARG_LOCKDOWN:
		if (streq(t->text, "none"))
			c->lockdown = BB_POLICY_LOCKDOWN_NONE;
		else if (streq(t->text, "integrity"))
			c->lockdown = BB_POLICY_LOCKDOWN_INTEGRITY;
		else if (streq(t->text, "confidentiality"))
			c->lockdown = BB_POLICY_LOCKDOWN_CONFIDENTIALITY;
		else
			return parse_error(ps, t, -EINVAL, "'lockdown' needs %s, not '%s'", k->what,
			                   t->text);
		break;
	default:
		break;
	}
	ps->pos++;
	return 0;
}

static int parse_disj(struct parser *ps, struct cond **ret);

static int parse_cond(struct parser *ps, struct cond **ret)
{
	const struct token *t = peek(ps);
	struct cond *c = NULL;
	int r;

	if (t->type == TOKEN_LPAREN || is_word(t, "not")) {
		if (ps->depth >= BB_POLICY_MAX_DEPTH)
			return parse_error(ps, t, -E2BIG, "nesting deeper than %u levels",
			                   BB_POLICY_MAX_DEPTH);
		ps->depth++;
		ps->pos++;
		if (t->type == TOKEN_LPAREN) {
			r = parse_disj(ps, &c);
			if (r < 0)
				return r;
			const struct token *close = peek(ps);
			if (!close || close->type != TOKEN_RPAREN) {
				cond_free(c);
				return parse_error(ps, t, -EINVAL, "'(' is never closed");
			}
			ps->pos++;
		} else {
			if (!peek(ps) || peek(ps)->type == TOKEN_RPAREN || is_word(peek(ps), "or"))
				return parse_error(ps, peek(ps), -EINVAL,
				                   "'not' needs a condition after it");
			c = cond_new(COND_NOT);
			if (!c)
				return -ENOMEM;
			r = parse_cond(ps, &c->child);
			if (r < 0) {
				cond_free(c);
				return r;
			}
		}
		ps->depth--;
		*ret = c;
		return 0;
	}
	if (t->type == TOKEN_RPAREN)
		return parse_error(ps, t, -EINVAL, "')' without a matching '('");
	if (t->type == TOKEN_STRING)
		return parse_error(ps, t, -EINVAL, "expected a condition, not a quoted string");

	const struct keyword *k = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++)
		if (streq(keywords[i].name, t->text)) {
			k = &keywords[i];
			break;
		}
	if (!k) {
		if (streq(t->text, "allow") || streq(t->text, "deny"))
			return parse_error(ps, t, -EINVAL,
			                   "'%s' may only start a rule (one rule per line)",
			                   t->text);
		return parse_error(ps, t, -EINVAL, "unknown condition '%s'", t->text);
	}
	c = cond_new(k->kind);
	if (!c)
		return -ENOMEM;
	ps->pos++;
	r = parse_argument(ps, k, t, c);
	if (r < 0) {
		cond_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

static int parse_conj(struct parser *ps, struct cond **ret)
{
	struct cond *and = cond_new(COND_AND);
	const struct token *filler = NULL;
	int r;

	if (!and)
		return -ENOMEM;
	for (;;) {
		const struct token *t = peek(ps);
		struct cond *c;

		if (is_word(t, "if") || is_word(t, "and")) {
			filler = t;
			ps->pos++;
			continue;
		}
		if (!t || t->type == TOKEN_RPAREN || is_word(t, "or")) {
			if (filler) {
				cond_free(and);
				return parse_error(ps, t, -EINVAL,
				                   "'%s' needs a condition after it", filler->text);
			}
			break;
		}
		filler = NULL;
		r = parse_cond(ps, &c);
		if (r >= 0) {
			r = list_append(and, c);
			if (r < 0)
				cond_free(c);
		}
		if (r < 0) {
			cond_free(and);
			return r;
		}
	}
	*ret = and;
	return 0;
}

static int parse_disj(struct parser *ps, struct cond **ret)
{
	struct cond *first = NULL, * or = NULL;
	int r;

	r = parse_conj(ps, &first);
	if (r < 0)
		return r;
	if (!is_word(peek(ps), "or")) {
		if (first->list.n == 0 && ps->depth > 0) {
			cond_free(first);
			return parse_error(ps, peek(ps), -EINVAL, "empty parentheses");
		}
		*ret = first;
		return 0;
	}

	or = cond_new(COND_OR);
	if (! or) {
		cond_free(first);
		return -ENOMEM;
	}
	r = list_append(or, first);
	if (r < 0) {
		cond_free(first);
		goto fail;
	}
	while (is_word(peek(ps), "or")) {
		const struct token *t = peek(ps);
		struct cond *next;

		if (or->list.items[or->list.n - 1]->list.n == 0) {
			r = parse_error(ps, t, -EINVAL, "'or' needs a condition before it");
			goto fail;
		}
		ps->pos++;
		r = parse_conj(ps, &next);
		if (r < 0)
			goto fail;
		r = list_append(or, next);
		if (r < 0) {
			cond_free(next);
			goto fail;
		}
		if (next->list.n == 0) {
			r = parse_error(ps, t, -EINVAL, "'or' needs a condition after it");
			goto fail;
		}
	}
	*ret = or ;
	return 0;
fail:
	cond_free(or);
	return r;
}

static int parse_rule(struct parser *ps, struct rule *rule)
{
	const struct token *t = peek(ps);
	int r;

	if (is_word(t, "allow"))
		rule->verdict = BB_POLICY_ALLOW;
	else if (is_word(t, "deny"))
		rule->verdict = BB_POLICY_DENY;
	else
		return parse_error(ps, t, -EINVAL, "a rule starts with 'allow' or 'deny', not '%s'",
		                   t->text);
	ps->pos++;

	r = parse_disj(ps, &rule->cond);
	if (r < 0)
		return r;
	if (peek(ps)) {
		/* Only a stray ')' stops the top level before the end of the line. */
		cond_free(rule->cond);
		rule->cond = NULL;
		return parse_error(ps, peek(ps), -EINVAL, "')' without a matching '('");
	}
	return 0;
}

/* Vendor and device ids every match of RULE needs: conditions of its top-level AND. */
static void rule_set_prefilter(struct rule *rule)
{
	rule->need_vendor = rule->need_device = -1;
	if (rule->cond->kind != COND_AND)
		return;
	for (size_t i = 0; i < rule->cond->list.n; i++) {
		const struct cond *c = rule->cond->list.items[i];
		int32_t *need = c->kind == COND_VENDOR   ? &rule->need_vendor
		                : c->kind == COND_DEVICE ? &rule->need_device
		                                         : NULL;
		if (!need)
			continue;
		if (*need >= 0 && *need != (int32_t)c->id)
			*need = 0x10000; /* two different ids: never matches */
		else
			*need = (int32_t)c->id;
	}
}

static int policy_append_rule(struct bb_policy *p, struct rule *rule)
{
	if (p->n_rules >= BB_POLICY_MAX_RULES)
		return -E2BIG;
	if (p->n_rules == p->allocated_rules) {
		size_t cap = p->allocated_rules ? p->allocated_rules * 2 : 64;
		struct rule *rules = realloc(p->rules, cap * sizeof(*rules));
		if (!rules)
			return -ENOMEM;
		p->rules = rules;
		p->allocated_rules = cap;
	}
	p->rules[p->n_rules++] = *rule;
	return 0;
}

static int parse_line(struct bb_policy *p, struct parser *ps, struct token_line *tl,
                      const char *line, size_t len)
{
	struct bb_policy_error lex_err = {};
	struct rule rule = {.file = (unsigned)(p->n_files - 1), .line = ps->line};
	int r;

	r = policy_lex_line(line, len, tl, &lex_err);
	if (r < 0)
		return policy_error_set(ps->err, r, ps->file, ps->line, lex_err.column, "%s",
		                        lex_err.message);
	if (tl->n == 0)
		return 0;

	ps->tl = tl;
	ps->pos = 0;
	ps->depth = 0;
	ps->end_column = (unsigned)tl->tokens[tl->n - 1].end + 1;
	r = parse_rule(ps, &rule);
	if (r < 0)
		return r;
	rule_set_prefilter(&rule);

	size_t start = tl->tokens[0].column - 1;
	rule.text = strndup(line + start, tl->tokens[tl->n - 1].end - start);
	if (!rule.text) {
		cond_free(rule.cond);
		return parse_error(ps, NULL, -ENOMEM, "out of memory");
	}
	r = policy_append_rule(p, &rule);
	if (r < 0) {
		free(rule.text);
		cond_free(rule.cond);
		if (r == -E2BIG)
			return policy_error_set(ps->err, r, ps->file, ps->line, 1,
			                        "more than %u rules in the policy",
			                        BB_POLICY_MAX_RULES);
		return parse_error(ps, NULL, r, "out of memory");
	}
	return 0;
}

int policy_parse_text(struct bb_policy *p, const char *name, const char *text, size_t len,
                      struct bb_policy_error *err)
{
	_cleanup_free_ struct token_line *tl = NULL;
	struct parser ps = {.file = name, .err = err};
	size_t pos = 0;

	if (len > BB_POLICY_MAX_FILE_SIZE)
		return policy_error_set(err, -EFBIG, name, 0, 0, "file larger than %u bytes",
		                        BB_POLICY_MAX_FILE_SIZE);
	tl = malloc(sizeof(*tl));
	if (!tl)
		return policy_error_set(err, -ENOMEM, name, 0, 0, "out of memory");

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;
		const char *nul;
		int r;

		ps.line++;
		if (line_len > BB_POLICY_MAX_LINE)
			return policy_error_set(err, -E2BIG, name, ps.line, BB_POLICY_MAX_LINE + 1,
			                        "line longer than %u bytes", BB_POLICY_MAX_LINE);
		/* NUL is refused even in comments: a line is text, and C strings end there. */
		nul = memchr(line, '\0', line_len);
		if (nul)
			return policy_error_set(err, -EINVAL, name, ps.line,
			                        (unsigned)(nul - line) + 1,
			                        "a NUL byte is not allowed in a rules file");
		r = parse_line(p, &ps, tl, line, line_len);
		if (r < 0)
			return r;
		pos += line_len + (nl ? 1 : 0);
	}
	return 0;
}

int bb_policy_parse_string(const char *name, const char *text, size_t len, struct bb_policy **ret,
                           struct bb_policy_error *err)
{
	struct bb_policy *p;
	int r;

	if (!name || (!text && len) || !ret)
		return -EINVAL;
	p = policy_new();
	if (!p)
		return policy_error_set(err, -ENOMEM, name, 0, 0, "out of memory");
	r = policy_add_file(p, name);
	if (r < 0) {
		bb_policy_unref(p);
		return policy_error_set(err, r, name, 0, 0, "out of memory");
	}
	r = policy_parse_text(p, name, text ? text : "", len, err);
	if (r < 0) {
		bb_policy_unref(p);
		return r;
	}
	*ret = p;
	return 0;
}
