/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Splits one line of a .rules file into tokens. */
#include <string.h>

#include "policy-internal.h"

static bool is_blank(char c)
{
	/* A trailing \r (a file saved with CRLF) is taken as a blank, not as an error. */
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_word_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '#' && c != '(' && c != ')' && c != '"';
}

_printf_(4, 5) static int lex_error(struct bb_policy_error *err, int r, size_t pos, const char *fmt,
                                    ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = policy_error_setv(err, r, NULL, 0, (unsigned)pos + 1, fmt, ap);
	va_end(ap);
	return r;
}

static int bad_byte(struct bb_policy_error *err, const char *line, size_t pos)
{
	unsigned char c = (unsigned char)line[pos];
	char what[32];

	if (c == '\0')
		snprintf(what, sizeof(what), "a NUL byte");
	else if (c >= 0x80)
		snprintf(what, sizeof(what), "non-ASCII byte 0x%02x", c);
	else
		snprintf(what, sizeof(what), "control character 0x%02x", c);
	return lex_error(err, -EINVAL, pos, "%s is not allowed outside comments", what);
}

static struct token *next_token(struct token_line *out, size_t pos, struct bb_policy_error *err,
                                int *r)
{
	if (out->n >= BB_POLICY_MAX_TOKENS) {
		*r = policy_error_set(err, -E2BIG, NULL, 0, (unsigned)pos + 1,
		                      "more than %u tokens in one rule", BB_POLICY_MAX_TOKENS);
		return NULL;
	}
	struct token *t = &out->tokens[out->n++];
	t->column = (unsigned)pos + 1;
	t->len = 0;
	t->text[0] = '\0';
	return t;
}

static int lex_string(const char *line, size_t len, size_t *pos, struct token *t,
                      struct bb_policy_error *err)
{
	size_t start = *pos;
	size_t i = start + 1;

	t->type = TOKEN_STRING;
	for (;;) {
		if (i >= len)
			return lex_error(err, -EINVAL, start, "unterminated quoted string");
		unsigned char c = (unsigned char)line[i];
		if (c == '"')
			break;
		if (c == '\\') {
			if (i + 1 >= len)
				return lex_error(err, -EINVAL, start, "unterminated quoted string");
			c = (unsigned char)line[i + 1];
			if (c != '"' && c != '\\')
				return lex_error(err, -EINVAL, i,
				                 "unknown escape in quoted string (only \\\" and "
				                 "\\\\ are allowed)");
			i++;
		} else if (c < 0x20 || c >= 0x7f) {
			return bad_byte(err, line, i);
		}
		if (t->len >= BB_POLICY_MAX_WORD)
			return lex_error(err, -E2BIG, start, "quoted string longer than %u bytes",
			                 BB_POLICY_MAX_WORD);
		t->text[t->len++] = (char)c;
		i++;
	}
	t->text[t->len] = '\0';
	*pos = i + 1;
	return 0;
}

int policy_lex_line(const char *line, size_t len, struct token_line *out,
                    struct bb_policy_error *err)
{
	size_t pos = 0;
	int r = 0;

	out->n = 0;
	while (pos < len) {
		char c = line[pos];
		struct token *t;

		if (is_blank(c)) {
			pos++;
			continue;
		}
		if (c == '#')
			break; /* comments may hold anything, UTF-8 included */
		if (!(t = next_token(out, pos, err, &r)))
			return r;
		if (c == '(' || c == ')') {
			t->type = c == '(' ? TOKEN_LPAREN : TOKEN_RPAREN;
			t->text[0] = c;
			t->text[1] = '\0';
			t->len = 1;
			t->end = ++pos;
			continue;
		}
		if (c == '"') {
			r = lex_string(line, len, &pos, t, err);
			if (r < 0)
				return r;
			t->end = pos;
			if (pos < len && is_word_char((unsigned char)line[pos]))
				return lex_error(err, -EINVAL, pos,
				                 "a quoted string must be followed by a blank");
			continue;
		}
		if (!is_word_char((unsigned char)c))
			return bad_byte(err, line, pos);

		t->type = TOKEN_WORD;
		size_t start = pos;
		while (pos < len && is_word_char((unsigned char)line[pos])) {
			if (t->len >= BB_POLICY_MAX_WORD)
				return lex_error(err, -E2BIG, start, "word longer than %u bytes",
				                 BB_POLICY_MAX_WORD);
			t->text[t->len++] = line[pos++];
		}
		t->text[t->len] = '\0';
		t->end = pos;
		/* A word must end at a blank, a parenthesis, a comment or the end of line. */
		if (pos < len && line[pos] == '"')
			return lex_error(err, -EINVAL, pos, "a quoted string must follow a blank");
		if (pos < len && !is_blank(line[pos]) && line[pos] != '#' && line[pos] != '(' &&
		    line[pos] != ')')
			return bad_byte(err, line, pos);
	}
	return 0;
}
