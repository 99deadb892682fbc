/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Builds a policy from a policy.d directory: the NAME.rules files in byte order, each
 * owned by the trusted uid and writable by nobody else (USBGuard issue 146: a rules file
 * another user can write is another user's policy). All or nothing: any error frees
 * what was built, and the caller keeps the policy it had.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "policy-internal.h"

static int check_owner(const struct stat *st, uid_t trusted, const char *path,
                       struct bb_policy_error *err)
{
	if (st->st_uid != trusted)
		return policy_error_set(err, -EPERM, path, 0, 0,
		                        "refused: owned by uid %u, not by the trusted uid %u",
		                        (unsigned)st->st_uid, (unsigned)trusted);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return policy_error_set(err, -EPERM, path, 0, 0,
		                        "refused: writable by %s (mode %04o)",
		                        st->st_mode & S_IWOTH ? "others" : "its group",
		                        (unsigned)(st->st_mode & 07777));
	return 0;
}

static int read_all(int fd, size_t size, char **ret)
{
	_cleanup_free_ char *buf = malloc(size + 1);
	size_t len = 0;

	if (!buf)
		return -ENOMEM;
	/* Read one byte past the size fstat gave: a file that grew is refused, not cut. */
	for (;;) {
		ssize_t n = read(fd, buf + len, size + 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > size)
			return -EFBIG;
	}
	if (len != size)
		return -EIO;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

static int load_file(struct bb_policy *p, int dfd, const char *dir, const char *name, uid_t trusted,
                     struct bb_policy_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	char path[512];
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = negative_errno();
		if (r == -ELOOP)
			return policy_error_set(err, -EPERM, path, 0, 0,
			                        "refused: a symbolic link");
		return policy_error_set(err, r, path, 0, 0, "cannot open: %s", strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = negative_errno();
		return policy_error_set(err, r, path, 0, 0, "cannot stat: %s", strerror(-r));
	}
	if (!S_ISREG(st.st_mode))
		return policy_error_set(err, -EPERM, path, 0, 0, "refused: not a regular file");
	r = check_owner(&st, trusted, path, err);
	if (r < 0)
		return r;
	if ((uint64_t)st.st_size > BB_POLICY_MAX_FILE_SIZE)
		return policy_error_set(err, -EFBIG, path, 0, 0, "file larger than %u bytes",
		                        BB_POLICY_MAX_FILE_SIZE);
	r = read_all(fd, (size_t)st.st_size, &text);
	if (r < 0)
		return policy_error_set(err, r, path, 0, 0, "cannot read: %s", strerror(-r));

	r = policy_add_file(p, path);
	if (r < 0)
		return policy_error_set(err, r, path, 0, 0,
		                        r == -E2BIG ? "more than 1024 rules files"
		                                    : "out of memory");
	return policy_parse_text(p, path, text, (size_t)st.st_size, err);
}

static bool is_rules_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 6 && streq(name + len - 6, ".rules");
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The NAME.rules entries of DFD, sorted. */
static int list_rules(int dfd, const char *dir, char ***ret, size_t *ret_n,
                      struct bb_policy_error *err)
{
	int fd2 = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (fd2 < 0)
		return policy_error_set(err, negative_errno(), dir, 0, 0, "cannot read directory");
	d = fdopendir(fd2);
	if (!d) {
		r = negative_errno();
		close(fd2);
		return policy_error_set(err, r, dir, 0, 0, "cannot read directory");
	}
	while ((errno = 0, de = readdir(d))) {
		if (!is_rules_name(de->d_name))
			continue;
		if (n >= BB_POLICY_MAX_FILES) {
			r = policy_error_set(err, -E2BIG, dir, 0, 0, "more than %u rules files",
			                     BB_POLICY_MAX_FILES);
			goto out;
		}
		char **grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown || !(grown[n] = strdup(de->d_name))) {
			if (grown)
				names = grown;
			r = policy_error_set(err, -ENOMEM, dir, 0, 0, "out of memory");
			goto out;
		}
		names = grown;
		n++;
	}
	if (errno) {
		r = policy_error_set(err, negative_errno(), dir, 0, 0, "cannot read directory");
		goto out;
	}
	if (n)
		qsort(names, n, sizeof(*names), compare_names);
out:
	closedir(d);
	if (r < 0) {
		free_names(names, n);
		return r;
	}
	*ret = names;
	*ret_n = n;
	return 0;
}

int bb_policy_load_dir(const char *dir, const struct bb_policy_load_options *opts,
                       struct bb_policy **ret, struct bb_policy_error *err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_policy_ struct bb_policy *p = NULL;
	uid_t trusted = opts ? opts->trusted_uid : 0;
	char **names = NULL;
	size_t n = 0;
	struct stat st;
	int r;

	if (!dir || !ret)
		return -EINVAL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		r = negative_errno();
		return policy_error_set(err, r, dir, 0, 0, "cannot open directory: %s",
		                        strerror(-r));
	}
	if (fstat(dfd, &st) < 0)
		return policy_error_set(err, negative_errno(), dir, 0, 0, "cannot stat directory");
	r = check_owner(&st, trusted, dir, err);
	if (r < 0)
		return r;

	r = list_rules(dfd, dir, &names, &n, err);
	if (r < 0)
		return r;
	p = policy_new();
	if (!p) {
		free_names(names, n);
		return policy_error_set(err, -ENOMEM, dir, 0, 0, "out of memory");
	}
	for (size_t i = 0; i < n && r >= 0; i++)
		r = load_file(p, dfd, dir, names[i], trusted, err);
	free_names(names, n);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}
