/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Confinement of bindbrokerd once its sockets, journal, tables and libraries are open.
 *
 * Why EPERM as the default seccomp action: every syscall the daemon makes has an error path
 * that fails closed (the request is refused or rolled back, and journaled), so a syscall we
 * missed in a rare path costs one refused request, not a killed broker in the middle of a
 * bind. Calls that only an attacker's code would make (execve, ptrace, process_vm_*) kill
 * the process instead, so an exploit cannot probe around the filter.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cap-ng.h>
#include <dirent.h>
#include <dlfcn.h>
#include <seccomp.h>

#include "bb-log.h"
#include "bb-macro.h"
#include "sandbox.h"

/* LeakSanitizer stops the world at exit with a non-thread clone and ptrace, which the filter
 * forbids: sanitizer builds (test builds) run the daemon without seccomp. */
#if defined(__SANITIZE_ADDRESS__)
#define BB_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define BB_SANITIZED 1
#endif
#endif
#ifndef BB_SANITIZED
#define BB_SANITIZED 0
#endif

/* ---- config files ---- */

static int check_stat(const struct stat *st, uid_t owner, const char *what, char *err, size_t errsz)
{
	if (st->st_uid != owner) {
		snprintf(err, errsz, "%s: owned by uid %u, must be owned by uid %u", what,
		         (unsigned)st->st_uid, (unsigned)owner);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errsz, "%s: writable by %s (mode %04o)", what,
		         st->st_mode & S_IWOTH ? "others" : "its group",
		         (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* Opens NAME below DFD without following links; -ENOENT passes through. */
static int check_at(int dfd, const char *name, bool dir, uid_t owner, const char *what, char *err,
                    size_t errsz, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (dir ? O_DIRECTORY : 0));
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP || r == -ENOTDIR) {
			snprintf(err, errsz, "%s: is a symbolic link or not a %s", what,
			         dir ? "directory" : "file");
			return -EPERM;
		}
		if (r != -ENOENT)
			snprintf(err, errsz, "%s: %s", what, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errsz, "%s: %s", what, strerror(-r));
		return r;
	}
	if (!dir && !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", what);
		return -EPERM;
	}
	r = check_stat(&st, owner, what, err, errsz);
	if (r < 0)
		return r;
	if (ret_fd)
		*ret_fd = TAKE_FD(fd);
	return 0;
}

static int check_keys_dir(int keys_fd, uid_t owner, char *err, size_t errsz)
{
	DIR *d;
	struct dirent *de;
	int dfd, r = 0;

	dfd = fcntl(keys_fd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	while ((de = readdir(d))) {
		char what[300];

		if (de->d_name[0] == '.' && (!de->d_name[1] || streq(de->d_name, "..")))
			continue;
		snprintf(what, sizeof(what), "keys.d/%.255s", de->d_name);
		/* Temporary files of the key-list writer are the broker's own. */
		r = check_at(keys_fd, de->d_name, de->d_type == DT_DIR, owner, what, err, errsz,
		             NULL);
		if (r == -ENOENT) /* raced with a rename */
			r = 0;
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

int bb_sandbox_check_config_files(const char *config_dir, uid_t owner, char *err, size_t errsz)
{
	_cleanup_close_ int cfd = -EBADF, kfd = -EBADF;
	int r;

	r = check_at(AT_FDCWD, config_dir, true, owner, config_dir, err, errsz, &cfd);
	if (r == -ENOENT)
		return 0; /* no config dir: every default */
	if (r < 0)
		return r;
	r = check_at(cfd, "bindbroker.conf", false, owner, "bindbroker.conf", err, errsz, NULL);
	if (r < 0 && r != -ENOENT)
		return r;
	r = check_at(cfd, "keys.d", true, owner, "keys.d", err, errsz, &kfd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return check_keys_dir(kfd, owner, err, errsz);
}

/* ---- libseccomp, open only while the filter is built ---- */

/*
 * libseccomp is used once: the kernel keeps the filter it builds. It is opened for that and
 * closed after (unmapped), so the daemon does not keep it for its whole life (116 KiB of its
 * idle RSS). The soname is that of the header compiled against. (libcap-ng is linked as
 * usual: libaudit needs it, so it stays mapped anyway.)
 */
struct seccomp_lib {
	void *seccomp;
	__typeof__(seccomp_init) *seccomp_init;
	__typeof__(seccomp_attr_set) *seccomp_attr_set;
	__typeof__(seccomp_syscall_resolve_name) *seccomp_syscall_resolve_name;
	__typeof__(seccomp_rule_add_array) *seccomp_rule_add_array;
	__typeof__(seccomp_load) *seccomp_load;
	__typeof__(seccomp_release) *seccomp_release;
};

static void seccomp_lib_close(struct seccomp_lib *L)
{
	if (L->seccomp)
		dlclose(L->seccomp);
	*L = (struct seccomp_lib){0};
}

static int seccomp_lib_open(struct seccomp_lib *L)
{
	*L = (struct seccomp_lib){0};
	L->seccomp = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!L->seccomp)
		return log_error_errno(ELIBACC, "cannot load libseccomp.so.2: %s", dlerror());
#define LOOKUP(name)                                                                               \
	if (!(L->name = (__typeof__(name) *)dlsym(L->seccomp, #name))) {                           \
		log_error("cannot find %s: %s", #name, dlerror());                                 \
		seccomp_lib_close(L);                                                              \
		return -ELIBBAD;                                                                   \
	}
	LOOKUP(seccomp_init)
	LOOKUP(seccomp_attr_set)
	LOOKUP(seccomp_syscall_resolve_name)
	LOOKUP(seccomp_rule_add_array)
	LOOKUP(seccomp_load)
	LOOKUP(seccomp_release)
#undef LOOKUP
	return 0;
}

/* ---- capabilities ---- */

/*
 * What the daemon needs after start-up (see SECURITY.md, "Confinement"):
 *  CAP_SYS_MODULE   libkmod loads the target driver's module (finit_module)
 *  CAP_AUDIT_WRITE  USER_DEVICE records to the kernel audit log
 *  CAP_SYS_ADMIN    PCI config space past the first 64 bytes, and sysfs attributes that
 *                   check it (e.g. reset_method); the bind files need only root's
 *                   file ownership
 * Not kept: CAP_DAC_OVERRIDE/READ_SEARCH (every file it touches is root's own), CAP_SETUID,
 * CAP_NET_*, CAP_SYS_PTRACE, CAP_SYS_RAWIO, CAP_MKNOD, CAP_CHOWN, CAP_FOWNER, ...
 * CAP_LINUX_IMMUTABLE is used before this only: the journal sets its append-only flag, and
 * clears it to cut a torn record, at open. Dropped after, a compromised daemon cannot lift the
 * flag to rewrite its own history.
 */
static int bound_capabilities(void)
{
	int r;

	capng_clear(CAPNG_SELECT_BOTH);
	r = capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
	                  CAP_SYS_MODULE, CAP_AUDIT_WRITE, CAP_SYS_ADMIN, -1);
	if (r < 0)
		return log_error_errno(EINVAL, "cannot build the capability set");
	r = capng_apply(CAPNG_SELECT_BOTH);
	if (r < 0)
		return log_error_errno(EPERM, "cannot apply the capability set (capng_apply: %d)",
		                       r);
	return 0;
}

/* ---- seccomp ---- */

/* Found with strace -f -c over the end-to-end tests (tests/daemon), plus glibc's fallbacks. */
/* clang-format off */
static const char *const allowed_syscalls[] = {
    /* files */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "open", "openat", "close",
    "close_range", "fstat", "stat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
    "lseek", "getdents64", "readlink", "readlinkat", "access", "faccessat", "faccessat2",
    "fsync", "fdatasync", "ftruncate", "rename", "renameat", "renameat2", "unlink",
    "unlinkat", "mkdir", "mkdirat", "link", "linkat", "fchmod", "fchmodat", "flock",
    "fcntl", "ioctl", "dup", "dup2", "dup3", "pipe2", "fadvise64", "umask", "getcwd",
    "getxattr", "lgetxattr", "fgetxattr", "sync_file_range",
    /* memory */
    "brk", "mmap", "munmap", "mprotect", "mremap", "madvise",
    /* threads, time, signals */
    "futex", "set_robust_list", "get_robust_list", "rseq", "set_tid_address", "exit",
    "exit_group", "sched_yield", "sched_getaffinity", "gettid", "getpid", "getppid",
    "tgkill", "tkill", "rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "rt_sigtimedwait",
    "sigaltstack", "restart_syscall", "clock_gettime", "clock_getres", "clock_nanosleep",
    "nanosleep", "gettimeofday", "time", "timerfd_create", "timerfd_settime",
    "timerfd_gettime", "eventfd2", "signalfd4", "getrandom", "uname", "sysinfo",
    "prlimit64", "getrlimit", "getuid", "geteuid", "getgid", "getegid", "getgroups",
    "getresuid", "getresgid", "capget", "prctl",
    /* the event loop and its clients */
    "poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait",
    "epoll_pwait", "accept", "accept4", "recvmsg", "sendmsg", "recvfrom", "sendto",
    "getsockopt", "setsockopt", "getsockname", "getpeername", "shutdown", "connect", "bind",
    "listen", "pidfd_open",
    /* module loading */
    "finit_module", "init_module",
};

/* Only an intruder's code would make these: kill rather than answer. */
static const char *const killed_syscalls[] = {
    "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev", "kexec_load",
    "kexec_file_load", "delete_module", "bpf", "userfaultfd", "setuid", "setgid",
};
/* clang-format on */

static int add_rule(const struct seccomp_lib *L, scmp_filter_ctx ctx, uint32_t action,
                    const char *name, unsigned n, const struct scmp_arg_cmp *args)
{
	int nr = L->seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture */
	return L->seccomp_rule_add_array(ctx, action, nr, n, args);
}

static int build_filter(const struct seccomp_lib *L, scmp_filter_ctx ctx)
{
	const struct scmp_arg_cmp unix_sock[] = {SCMP_A0(SCMP_CMP_EQ, AF_UNIX)};
	const struct scmp_arg_cmp audit_sock[] = {SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
	                                          SCMP_A2(SCMP_CMP_EQ, NETLINK_AUDIT)};
	const struct scmp_arg_cmp thread[] = {
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(allowed_syscalls); i++) {
		r = add_rule(L, ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0, NULL);
		if (r < 0)
			return log_error_errno(r, "seccomp: cannot allow %s: %m",
			                       allowed_syscalls[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(killed_syscalls); i++) {
		r = add_rule(L, ctx, SCMP_ACT_KILL_PROCESS, killed_syscalls[i], 0, NULL);
		if (r < 0)
			return log_error_errno(r, "seccomp: cannot forbid %s: %m",
			                       killed_syscalls[i]);
	}
	/* Local sockets (sd-bus to polkit, journald) and the audit netlink socket only. */
	r = add_rule(L, ctx, SCMP_ACT_ALLOW, "socket", 1, unix_sock);
	if (r >= 0)
		r = add_rule(L, ctx, SCMP_ACT_ALLOW, "socket", 2, audit_sock);
	if (r >= 0)
		r = add_rule(L, ctx, SCMP_ACT_ALLOW, "socketpair", 1, unix_sock);
	/* Threads yes, new processes no. clone3's flags live in memory seccomp cannot read:
	 * ENOSYS makes glibc fall back to clone, whose flags it can. */
	if (r >= 0)
		r = add_rule(L, ctx, SCMP_ACT_ALLOW, "clone", 1, thread);
	if (r >= 0)
		r = add_rule(L, ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	if (r < 0)
		return log_error_errno(r, "seccomp: cannot add argument rules: %m");
	return 0;
}

static int install_seccomp(const struct seccomp_lib *L)
{
	scmp_filter_ctx ctx;
	int r;

	ctx = L->seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return log_error_errno(ENOMEM, "seccomp: cannot create a filter");
	r = L->seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (r >= 0)
		r = build_filter(L, ctx);
	if (r >= 0) {
		r = L->seccomp_load(ctx);
		if (r < 0)
			log_error_errno(r, "seccomp: cannot load the filter: %m");
	}
	L->seccomp_release(ctx);
	return r < 0 ? r : 0;
}

/* The three ways in: (CAPS, SECCOMP) = both, caps only (sanitizer), seccomp only (no root). */
static int confine(bool caps, bool seccomp)
{
	struct seccomp_lib L = {0};
	int r = 0;

	if (seccomp) {
		r = seccomp_lib_open(&L);
		if (r < 0)
			return r;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			r = log_error_errno(errno, "cannot set no_new_privs: %m");
	}
	if (r >= 0 && caps)
		r = bound_capabilities();
	if (r >= 0 && seccomp)
		r = install_seccomp(&L);
	seccomp_lib_close(&L);
	return r;
}

int bb_sandbox_enter(void)
{
	return confine(true, true);
}

int bb_sandbox_daemon(const char *config_dir)
{
	const char *mode = getenv("BINDBROKERD_SANDBOX");
	char err[600] = "";
	int r;

	r = bb_sandbox_check_config_files(config_dir, geteuid(), err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "config dir %s: %s", config_dir, err);
	if (mode && streq(mode, "off")) {
		log_warning("BINDBROKERD_SANDBOX=off: no capability bounding, no seccomp filter");
		return 0;
	}
	if (BB_SANITIZED) {
		log_warning("sanitizer build: capabilities bounded, no seccomp filter");
		return geteuid() == 0 ? confine(true, false) : 0;
	}
	/* An unprivileged run (tests, development) has nothing to bound; seccomp still. */
	return confine(geteuid() == 0, true);
}
