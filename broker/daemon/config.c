/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bindbroker.conf: one "key = value" per line, '#' comments and blank lines.
 * Strict: an unknown key, a repeated key or a bad value is an error naming
 * file:line, and the daemon does not start with it. No file means defaults.
 *
 * Every file taken from the config dir is opened without following a link and
 * checked on that very fd (owner root or the daemon's euid, writable by nobody
 * else) before a byte of it is parsed: a file another user could write would be
 * that user's configuration.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "daemon.h"

#define CONFIG_FILE     "bindbroker.conf"
#define CONFIG_SIZE_MAX (64 * 1024)
#define CONFIG_LINE_MAX 1024

static void config_defaults(BbConfig *c)
{
	*c = (BbConfig){
	    .audit = BB_AUDIT_BEST_EFFORT,
	    .bind_verify_timeout_ms = 5000,
	    .checkpoint_every_records = 1000,
	    .checkpoint_every_seconds = 300,
	};
	strcpy(c->authorization, "polkit");
	strcpy(c->admin_group, "bindbroker-admin");
	bb_server_limits_default(&c->limits);
}

static int parse_uint(const char *v, unsigned min, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*ret = (unsigned)n;
	return 0;
}

static int parse_bool(const char *v, bool *ret)
{
	if (streq(v, "yes") || streq(v, "true") || streq(v, "1"))
		*ret = true;
	else if (streq(v, "no") || streq(v, "false") || streq(v, "0"))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

/* A group or user name: the portable set, as useradd accepts it. */
static bool valid_name(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= BB_CONFIG_NAME_MAX || v[0] == '-')
		return false;
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

enum {
	K_AUTHZ,
	K_ADMIN,
	K_AUDIT,
	K_UNSIGNED,
	K_TIMEOUT,
	K_CP_RECORDS,
	K_CP_SECONDS,
	K_LIMIT_FIRST, /* the server limits, by the names of --limit (server.c checks them) */
	K_MAX = K_LIMIT_FIRST + 6,
};
static const char *const keys[K_MAX] = {
    [K_AUTHZ] = "authorization",
    [K_ADMIN] = "admin-group",
    [K_AUDIT] = "audit",
    [K_UNSIGNED] = "allow-unsigned-local-tables",
    [K_TIMEOUT] = "bind-verify-timeout-ms",
    [K_CP_RECORDS] = "checkpoint-every-records",
    [K_CP_SECONDS] = "checkpoint-every-seconds",
    [K_LIMIT_FIRST + 0] = "max-clients",
    [K_LIMIT_FIRST + 1] = "max-clients-per-uid",
    [K_LIMIT_FIRST + 2] = "max-requests-per-uid",
    [K_LIMIT_FIRST + 3] = "workers",
    [K_LIMIT_FIRST + 4] = "idle-timeout-ms",
    [K_LIMIT_FIRST + 5] = "io-timeout-ms",
};

/* One "key = value" line into C; a sentence into WHAT on failure. */
static int config_line(BbConfig *c, char *line, bool seen[K_MAX], char *what, size_t whatsz)
{
	char *eq = strchr(line, '='), *key, *value;
	int k, r = 0;

	if (!eq) {
		snprintf(what, whatsz, "expected \"key = value\"");
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	for (k = 0; k < K_MAX; k++)
		if (streq(key, keys[k]))
			break;
	if (k == K_MAX) {
		snprintf(what, whatsz, "unknown key \"%.64s\"", key);
		return -EINVAL;
	}
	if (seen[k]) {
		snprintf(what, whatsz, "\"%s\" is set twice", key);
		return -EINVAL;
	}
	seen[k] = true;
	switch (k) {
	case K_AUTHZ:
		if (!streq(value, "polkit") && !streq(value, "pam") && !streq(value, "polkit+pam"))
			r = -EINVAL;
		else
			strcpy(c->authorization, value);
		break;
	case K_ADMIN:
		if (!valid_name(value))
			r = -EINVAL;
		else
			strcpy(c->admin_group, value);
		break;
	case K_AUDIT:
		r = bb_audit_mode_from_string(value);
		if (r >= 0) {
			c->audit = (enum bb_audit_mode)r;
			c->audit_set = true;
			r = 0;
		}
		break;
	case K_UNSIGNED:
		r = parse_bool(value, &c->allow_unsigned_local_tables);
		break;
	case K_TIMEOUT:
		r = parse_uint(value, 1, 600000, &c->bind_verify_timeout_ms);
		break;
	case K_CP_RECORDS:
		r = parse_uint(value, 1, 1000000, &c->checkpoint_every_records);
		break;
	case K_CP_SECONDS:
		r = parse_uint(value, 1, 86400, &c->checkpoint_every_seconds);
		break;
	default:
		/* A digit first: the limit parser takes strtoul's leading blanks and signs. */
		r = *value >= '0' && *value <= '9' ? bb_server_limit_set(&c->limits, key, value)
		                                   : -EINVAL;
		break;
	}
	if (r < 0)
		snprintf(what, whatsz, "bad value \"%.64s\" for %s", value, key);
	return r < 0 ? -EINVAL : 0;
}

static int check_owner(const struct stat *st, const char *path, char *err, size_t errsz)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errsz,
		         "%s: owned by uid %u, not by root or the daemon's uid %u", path,
		         (unsigned)st->st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errsz, "%s: writable by %s (mode %04o)", path,
		         st->st_mode & S_IWOTH ? "others" : "its group",
		         (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int bb_config_open_checked(int dfd, const char *name, const char *path, bool dir, char *err,
                           size_t errsz)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	fd = openat(dfd, name,
	            O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
	                (dir ? O_DIRECTORY : 0));
	if (fd < 0) {
		r = negative_errno();
		if (r == -ENOENT)
			return r;
		if (r == -ELOOP) {
			snprintf(err, errsz, "%s: refused: a symbolic link", path);
			return -EPERM;
		}
		snprintf(err, errsz, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = negative_errno();
		snprintf(err, errsz, "%s: cannot stat: %s", path, strerror(-r));
		return r;
	}
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: refused: not a %s", path,
		         dir ? "directory" : "regular file");
		return -EPERM;
	}
	r = check_owner(&st, path, err, errsz);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

int bb_config_load(const char *dir, BbConfig *ret, char *err, size_t errsz)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	_cleanup_free_ char *text = NULL;
	bool seen[K_MAX] = {0};
	BbConfig c;
	char path[600];
	size_t len = 0;
	unsigned lineno = 0;
	char *p, *nl;
	int r;

	config_defaults(&c);
	dfd = bb_config_open_checked(AT_FDCWD, dir, dir, true, err, errsz);
	if (dfd == -ENOENT) {
		*ret = c;
		return 0;
	}
	if (dfd < 0)
		return dfd;
	snprintf(path, sizeof(path), "%s/%s", dir, CONFIG_FILE);
	fd = bb_config_open_checked(dfd, CONFIG_FILE, path, false, err, errsz);
	if (fd == -ENOENT) {
		*ret = c;
		return 0;
	}
	if (fd < 0)
		return fd;
	r = bb_read_fd(fd, CONFIG_SIZE_MAX, &text, &len);
	if (r < 0) {
		snprintf(err, errsz, "%s: %s", path,
		         r == -EFBIG ? "larger than 64 KiB" : strerror(-r));
		return r;
	}
	if (strlen(text) != len) {
		snprintf(err, errsz, "%s: contains a NUL byte", path);
		return -EINVAL;
	}
	for (p = text; *p; p = nl ? nl + 1 : p + strlen(p)) {
		char what[160], *line, *hash;

		lineno++;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (strlen(p) > CONFIG_LINE_MAX) {
			snprintf(err, errsz, "%s:%u: line longer than %d bytes", path, lineno,
			         CONFIG_LINE_MAX);
			return -EINVAL;
		}
		hash = strchr(p, '#');
		if (hash)
			*hash = '\0';
		line = trim(p);
		if (!*line)
			continue;
		r = config_line(&c, line, seen, what, sizeof(what));
		if (r < 0) {
			snprintf(err, errsz, "%s:%u: %s", path, lineno, what);
			return r;
		}
	}
	*ret = c;
	return 0;
}
