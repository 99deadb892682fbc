/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bindbrokerd's confinement after start-up: config-file ownership checks, a bounded
 * capability set (libcap-ng) and a seccomp allow-list (libseccomp). See SECURITY.md.
 *
 * Debugging: BINDBROKERD_SANDBOX=off in the environment skips the capability drop and
 * the seccomp filter (logged as a warning); the file checks always run. Sanitizer builds
 * skip the seccomp filter in bb_sandbox_daemon (LeakSanitizer needs ptrace at exit).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Every file the broker reads from CONFIG_DIR besides policy.d (which the policy loader
 * checks itself): bindbroker.conf and keys.d with each regular file in it must be owned by
 * OWNER and writable by nobody else, and CONFIG_DIR itself likewise. Missing files are fine
 * (defaults apply). 0, or -EPERM with ERR naming the file and the fault; other -errno on
 * I/O errors. Symlinks are refused (O_NOFOLLOW).
 */
int bb_sandbox_check_config_files(const char *config_dir, uid_t owner, char *err, size_t errsz);

/*
 * Bounds capabilities to what binding, module loading and audit need, sets no_new_privs,
 * and installs the seccomp allow-list on every thread (TSYNC). Disallowed syscalls fail
 * with EPERM; execve/execveat/ptrace and friends kill the process. 0 or -errno; once it
 * returned 0 there is no way back.
 */
int bb_sandbox_enter(void);

/* Both of the above in start-up order, honouring BINDBROKERD_SANDBOX=off. The daemon's call. */
int bb_sandbox_daemon(const char *config_dir);
