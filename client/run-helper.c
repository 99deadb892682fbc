/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs a command that needs OpenSSL in bindbroker-crypto (see client.h), by exec: the helper
 * inherits the standard streams, and its exit status is the client's.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

#ifndef BB_HELPER_DIR
#error "BB_HELPER_DIR: where bindbroker-crypto is installed (client/meson.build)"
#endif

/* BB_HELPER_NAME in the directory this client runs from; false when /proc cannot say. */
static bool helper_beside_self(char *buf, size_t size)
{
	ssize_t len = readlink("/proc/self/exe", buf, size);
	char *slash;

	if (len <= 0 || (size_t)len >= size)
		return false;
	buf[len] = '\0';
	slash = strrchr(buf, '/');
	if (!slash || (size_t)(slash + 1 - buf) + sizeof(BB_HELPER_NAME) > size)
		return false;
	memcpy(slash + 1, BB_HELPER_NAME, sizeof(BB_HELPER_NAME));
	return true;
}

int run_helper(const Client *c, const CommandArgs *a)
{
	char *argv[5 + MAX_ARGS + 1];
	char path[PATH_MAX];
	int n = 0, err;

	if (a->n > MAX_ARGS)
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_USAGE, NULL,
		                   "too many arguments");
	argv[n++] = (char *)BB_HELPER_NAME;
	argv[n++] = (char *)BB_HELPER_TAG;
	argv[n++] = (char *)c->socket_path;
	argv[n++] = (char *)(c->json ? "--json" : "--human");
	argv[n++] = (char *)a->name;
	for (int i = 0; i < a->n; i++)
		argv[n++] = a->argv[i];
	argv[n] = NULL;
	fflush(NULL);

	/* Beside the client first: a client in a build tree runs the helper built with it. */
	if (helper_beside_self(path, sizeof(path))) {
		execv(path, argv);
		if (errno != ENOENT)
			goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s", BB_HELPER_DIR, BB_HELPER_NAME);
	execv(path, argv);
fail:
	err = errno;
	return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL,
	                   "cannot run the helper %s: %s", path, strerror(err));
}
