/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A command's own options: "--NAME VALUE" or "--NAME=VALUE", each at most once, never empty. */
#include <string.h>

#include "client.h"

static const SubOption *find_option(const SubOption *opts, size_t n_opts, const char *arg,
                                    const char **ret_inline)
{
	for (size_t i = 0; i < n_opts; i++) {
		size_t len = strlen(opts[i].name);

		if (strncmp(arg, opts[i].name, len) != 0)
			continue;
		if (arg[len] == '\0') {
			*ret_inline = NULL;
			return &opts[i];
		}
		if (arg[len] == '=') {
			*ret_inline = arg + len + 1;
			return &opts[i];
		}
	}
	return NULL;
}

int parse_subargs(const Client *c, const char *synopsis, int n, char **argv, const SubOption *opts,
                  size_t n_opts, char **pos, int max_pos, int *ret_npos)
{
	bool options_done = false;
	int npos = 0;

	for (int i = 0; i < n; i++) {
		const char *arg = argv[i], *value;
		const SubOption *o;

		if (!options_done && streq(arg, "--")) {
			options_done = true;
			continue;
		}
		if (options_done || arg[0] != '-' || streq(arg, "-")) {
			if (npos >= max_pos)
				return client_fail(
				    c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
				    "unexpected argument \"%s\" (usage: bindbroker %s)", arg,
				    synopsis);
			pos[npos++] = argv[i];
			continue;
		}
		o = find_option(opts, n_opts, arg, &value);
		if (!o)
			return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
			                   "unknown option \"%s\" (usage: bindbroker %s)", arg,
			                   synopsis);
		if (!value) {
			if (i + 1 >= n)
				return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
				                   "%s needs a value (usage: bindbroker %s)",
				                   o->name, synopsis);
			value = argv[++i];
		}
		if (*o->value)
			return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
			                   "%s given twice", o->name);
		if (*value == '\0')
			return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
			                   "%s needs a non-empty value", o->name);
		*o->value = value;
	}
	*ret_npos = npos;
	return 0;
}

int parse_file_and_key(const Client *c, const char *synopsis, int n, char **argv, char **ret_file,
                       const char **ret_key)
{
	const char *key = NULL;
	const SubOption key_opt[] = {{"--key", &key}};
	char *pos[1];
	int npos;

	if (parse_subargs(c, synopsis, n - 1, argv + 1, key_opt, 1, pos, 1, &npos))
		return EXIT_USAGE;
	if (npos != 1 || !key)
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL, "usage: bindbroker %s",
		                   synopsis);
	*ret_file = pos[0];
	*ret_key = key;
	return 0;
}
