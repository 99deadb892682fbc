/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keygen [--output-dir DIR]: a minisign key pair, bindbroker.key (0600) and bindbroker.pub. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bb-tables.h"
#include "helper.h"

#define KEYGEN_SYNOPSIS "keygen [--output-dir DIR]"
#define PUB_NAME        "bindbroker.pub"
#define SEC_NAME        "bindbroker.key"

/* The base64 line of a minisign public key file (its second line), without the newline. */
static void pubkey_line(const char *text, char *buf, size_t size)
{
	const char *l = strchr(text, '\n');
	size_t len;

	buf[0] = '\0';
	if (!l)
		return;
	l++;
	len = strcspn(l, "\n");
	if (len >= size)
		len = size - 1;
	memcpy(buf, l, len);
	buf[len] = '\0';
}

int cmd_keygen(const Client *c, const CommandArgs *a)
{
	const char *dir = NULL;
	const SubOption opts[] = {{"--output-dir", &dir}};
	_cleanup_free_ char *pub_path = NULL, *sec_path = NULL, *pub_text = NULL;
	struct bb_reason why = {0};
	struct bb_pubkey pk;
	char id[17], line[128];
	struct stat st;
	char *pos[1];
	int npos, r;

	if (parse_subargs(c, KEYGEN_SYNOPSIS, a->n, a->argv, opts, ARRAY_SIZE(opts), pos, 0, &npos))
		return EXIT_USAGE;
	if (!dir)
		dir = ".";
	if (stat(dir, &st) < 0)
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "output-dir",
		                   "--output-dir %s: %m", dir);
	if (!S_ISDIR(st.st_mode))
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "output-dir",
		                   "--output-dir %s: not a directory", dir);
	if (asprintf(&pub_path, "%s/%s", dir, PUB_NAME) < 0 ||
	    asprintf(&sec_path, "%s/%s", dir, SEC_NAME) < 0)
		return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL, "out of memory");

	r = bb_cli_keygen(pub_path, sec_path, &why);
	if (r == -EEXIST)
		return client_fail(c, EXIT_USAGE, BB_CLIENT_ERROR_BAD_INPUT, "output-dir", "%s",
		                   why.msg);
	if (r < 0) {
		/* The secret half may be written while the public half failed: take it back. */
		if (access(pub_path, F_OK) < 0)
			(void)unlink(sec_path);
		return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL,
		                   "keygen failed, nothing kept: %s", why.msg);
	}
	r = bb_pubkey_load_at(AT_FDCWD, pub_path, &pk, &why);
	if (r >= 0)
		r = bb_pubkey_format(&pk, &pub_text);
	if (r < 0)
		return client_fail(c, EXIT_FAILED, BB_CLIENT_ERROR_FAILED, NULL,
		                   "keys written, but %s does not read back: %s", pub_path,
		                   why.msg[0] ? why.msg : strerror(-r));
	bb_keyid_hex(pk.keyid, id);
	pubkey_line(pub_text, line, sizeof(line));

	if (c->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "public_key_file", json_object_new_string(pub_path));
		json_object_object_add(o, "secret_key_file", json_object_new_string(sec_path));
		json_object_object_add(o, "key_id", json_object_new_string(id));
		json_object_object_add(o, "public_key", json_object_new_string(line));
		print_json(o);
		json_object_put(o);
		return EXIT_DONE;
	}
	printf("secret key: %s (mode 0600, unencrypted: keep it offline)\n", sec_path);
	printf("public key: %s\n", pub_path);
	printf("key id:     %s\n", id);
	printf("%s\n", line);
	return EXIT_DONE;
}
