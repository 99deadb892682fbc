/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy object: its lifetime, its file table, and the error record every part fills. */
#include <stdio.h>
#include <string.h>

#include "policy-internal.h"

struct bb_policy *policy_new(void)
{
	struct bb_policy *p = calloc(1, sizeof(*p));

	if (p)
		atomic_init(&p->refcount, 1);
	return p;
}

int policy_add_file(struct bb_policy *p, const char *name)
{
	char **files;
	char *copy;

	if (p->n_files >= BB_POLICY_MAX_FILES)
		return -E2BIG;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	files = realloc(p->files, (p->n_files + 1) * sizeof(*files));
	if (!files) {
		free(copy);
		return -ENOMEM;
	}
	files[p->n_files++] = copy;
	p->files = files;
	return 0;
}

void cond_free(struct cond *c)
{
	if (!c)
		return;
	switch (c->kind) {
	case COND_AND:
	case COND_OR:
		for (size_t i = 0; i < c->list.n; i++)
			cond_free(c->list.items[i]);
		free(c->list.items);
		break;
	case COND_NOT:
		cond_free(c->child);
		break;
	case COND_ADDRESS:
	case COND_BACKS_MOUNT:
	case COND_DRIVER:
		free(c->glob.pattern);
		break;
	case COND_USER:
		free(c->user.name);
		break;
	case COND_GROUP:
	case COND_SELINUX_TYPE:
		free(c->name);
		break;
	default:
		break;
	}
	free(c);
}

static void policy_free(struct bb_policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		free(p->rules[i].text);
		cond_free(p->rules[i].cond);
	}
	free(p->rules);
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->files);
	free(p);
}

struct bb_policy *bb_policy_ref(struct bb_policy *p)
{
	if (p)
		atomic_fetch_add(&p->refcount, 1);
	return p;
}

struct bb_policy *bb_policy_unref(struct bb_policy *p)
{
	if (p && atomic_fetch_sub(&p->refcount, 1) == 1)
		policy_free(p);
	return NULL;
}

size_t bb_policy_rule_count(const struct bb_policy *p)
{
	return p ? p->n_rules : 0;
}

size_t bb_policy_file_count(const struct bb_policy *p)
{
	return p ? p->n_files : 0;
}

int policy_error_setv(struct bb_policy_error *err, int r, const char *file, unsigned line,
                      unsigned column, const char *fmt, va_list ap)
{
	if (!err)
		return r;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->column = column;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);

	if (err->file[0] && err->line && err->column)
		snprintf(err->text, sizeof(err->text), "%s:%u:%u: %s", err->file, err->line,
		         err->column, err->message);
	else if (err->file[0] && err->line)
		snprintf(err->text, sizeof(err->text), "%s:%u: %s", err->file, err->line,
		         err->message);
	else if (err->file[0])
		snprintf(err->text, sizeof(err->text), "%s: %s", err->file, err->message);
	else
		snprintf(err->text, sizeof(err->text), "%s", err->message);
	return r;
}

int policy_error_set(struct bb_policy_error *err, int r, const char *file, unsigned line,
                     unsigned column, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = policy_error_setv(err, r, file, line, column, fmt, ap);
	va_end(ap);
	return r;
}
