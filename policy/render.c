/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A decision as text for people and as a json-c object for programs. */
#include <json-c/json.h>
#include <stdio.h>

#include "policy-internal.h"

const char *bb_policy_verdict_to_string(enum bb_policy_verdict v)
{
	return v == BB_POLICY_ALLOW ? "allow" : "deny";
}

const char *bb_policy_source_to_string(enum bb_policy_source s)
{
	switch (s) {
	case BB_POLICY_SOURCE_RULE:
		return "rule";
	case BB_POLICY_SOURCE_BUILTIN:
		return "builtin";
	case BB_POLICY_SOURCE_NO_MATCH:
		break;
	}
	return "no-match";
}

const char *bb_policy_lockdown_to_string(enum bb_policy_lockdown l)
{
	switch (l) {
	case BB_POLICY_LOCKDOWN_INTEGRITY:
		return "integrity";
	case BB_POLICY_LOCKDOWN_CONFIDENTIALITY:
		return "confidentiality";
	case BB_POLICY_LOCKDOWN_NONE:
		break;
	}
	return "none";
}

int bb_policy_decision_format(const struct bb_policy_decision *d, char **ret)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s %s -> %s\n", bb_policy_verdict_to_string(d->verdict), d->device, d->driver);
	switch (d->source) {
	case BB_POLICY_SOURCE_RULE:
		fprintf(f, "  rule:   %s:%u: %s\n", d->file, d->line, d->rule_text);
		break;
	case BB_POLICY_SOURCE_BUILTIN:
		fprintf(f, "  check:  built-in %s\n", d->builtin);
		fprintf(f, "  reason: %s\n", d->reason);
		break;
	case BB_POLICY_SOURCE_NO_MATCH:
		fprintf(f, "  reason: %s\n", d->reason);
		break;
	}
	for (size_t i = 0; i < d->n_facts; i++)
		fprintf(f, "  %s %s=%s\n", i == 0 ? "facts: " : "       ", d->facts[i].name,
		        d->facts[i].value);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

/* Keys of the fixed shape are literals added once: neither copied nor looked up. */
#define LITERAL_KEY (JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY)

static int add_string_ex(struct json_object *o, const char *key, const char *value, unsigned opts)
{
	struct json_object *s = json_object_new_string(value);

	if (!s || json_object_object_add_ex(o, key, s, opts) < 0) {
		json_object_put(s);
		return -ENOMEM;
	}
	return 0;
}

static int add_string(struct json_object *o, const char *key, const char *value)
{
	return add_string_ex(o, key, value, LITERAL_KEY);
}

static int add_object(struct json_object *o, const char *key, struct json_object *value)
{
	if (!value || json_object_object_add_ex(o, key, value, LITERAL_KEY) < 0) {
		json_object_put(value);
		return -ENOMEM;
	}
	return 0;
}

struct json_object *bb_policy_decision_to_json(const struct bb_policy_decision *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *facts = NULL;
	int r = 0;

	if (!o)
		return NULL;
	r |= add_string(o, "verdict", bb_policy_verdict_to_string(d->verdict));
	r |= add_string(o, "source", bb_policy_source_to_string(d->source));
	r |= add_string(o, "device", d->device);
	r |= add_string(o, "driver", d->driver);
	r |= add_string(o, "reason", d->reason);
	if (d->source == BB_POLICY_SOURCE_BUILTIN)
		r |= add_string(o, "check", d->builtin);
	if (d->source == BB_POLICY_SOURCE_RULE) {
		struct json_object *rule = json_object_new_object();
		if (rule) {
			r |= add_string(rule, "file", d->file);
			r |= add_object(rule, "line", json_object_new_int64(d->line));
			r |= add_string(rule, "text", d->rule_text);
		}
		r |= add_object(o, "rule", rule);
	}
	facts = json_object_new_object();
	for (size_t i = 0; facts && i < d->n_facts; i++)
		r |= add_string_ex(facts, d->facts[i].name, d->facts[i].value, 0); /* copied */
	r |= add_object(o, "facts", facts);
	if (r) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
