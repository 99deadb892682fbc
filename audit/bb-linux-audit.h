/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Linux audit records through libaudit: one AUDIT_USER_DEVICE record per
 * rebind attempt and per refusal. The kernel adds pid=, uid=, auid=, ses=,
 * subj= of the broker itself; the requester's identity goes in fields of our
 * own names (suid=, sauid=, spid=, scontext=) so nothing collides with them.
 * Strings are checked against strict charsets, then encoded with
 * audit_encode_nv_string(); numbers are written bare so auparse turns suid=
 * and sauid= into user names. The outcome goes through libaudit's result
 * argument (res=success / res=failed).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* As libvirt's audit_level: off never opens audit; best-effort logs without it; required refuses.
 */
enum bb_audit_mode {
	BB_AUDIT_OFF,
	BB_AUDIT_BEST_EFFORT,
	BB_AUDIT_REQUIRED,
};

/* "off", "best-effort", "required" -> the mode, or -EINVAL. */
int bb_audit_mode_from_string(const char *s);
const char *bb_audit_mode_to_string(enum bb_audit_mode m);

struct bb_audit;

/*
 * Opens the audit netlink socket and probes it with a status request.
 * EPROTONOSUPPORT/EINVAL/EAFNOSUPPORT (no audit in the kernel) and ECONNREFUSED
 * (a user namespace) mean "no audit": in required mode that is -ENOTSUP, in
 * best-effort a handle that logs nothing. Off never touches the socket.
 */
int bb_audit_open(enum bb_audit_mode mode, struct bb_audit **ret);
void bb_audit_close(struct bb_audit *a);

/* Whether records reach the kernel. */
bool bb_audit_available(const struct bb_audit *a);
/* The kernel's enabled flag at open: 0 off (user records dropped), 1 on, 2 locked; -1 unknown. */
int bb_audit_kernel_enabled(const struct bb_audit *a);

/*
 * One rebind attempt or refusal. NULL strings are left out; the requester's
 * numbers only appear with has_requester, so a forgotten field never reads as
 * root (auid 4294967295 is "unset", as the kernel writes it).
 */
struct bb_audit_event {
	const char *op;            /* bind release quarantine refuse table-install policy-reload */
	const char *device;        /* "0000:01:00.0" or "BUS:NAME" */
	const char *old_driver;    /* old-driver= */
	const char *new_driver;    /* new-driver= */
	const char *vendor_device; /* ids=, "10de:2204" */
	const char *table;         /* table= the signed table that decided */
	const char *rule;          /* rule= the policy rule that decided */
	const char *reason;        /* reason= a short token for a refusal */
	bool has_requester;        /* write suid=, sauid=, spid= */
	uint32_t req_uid;          /* suid= */
	uint32_t req_auid;         /* sauid= */
	uint32_t req_pid;          /* spid= */
	const char *req_context;   /* scontext= SELinux context of the requester */
	bool success;              /* res=success / res=failed */
};

/*
 * Formats the message (without sending). Returns its length, -EINVAL when a
 * value breaks its charset (the log names the field), or -ENOBUFS.
 */
int bb_audit_format(const struct bb_audit_event *e, char *buf, size_t size);

/*
 * Sends one AUDIT_USER_DEVICE record. Returns 0 (also when audit is off or
 * unavailable in best-effort), -EINVAL for a bad value, or the send error in
 * required mode (the caller must then refuse to act).
 */
int bb_audit_log(struct bb_audit *a, const struct bb_audit_event *e);
