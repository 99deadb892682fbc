/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bindbrokerd's internal door: the daemon context, the caller's identity, the
 * reply a handler fills, and the method families. Handlers are plain functions
 * of (context, peer, parameters) -> reply and keep no state between calls, so
 * a later worker pool can run them off the poll loop.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "authz.h"
#include "bb-journal.h"
#include "bb-linux-audit.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "bb-varlink.h"
#include "bb-policy.h"
#include "bb-tables.h"
#include "broker.h"

/* server.c: bounds on clients (bindbrokerd --limit NAME=VALUE). */
typedef struct BbServerLimits {
	unsigned max_clients;          /* connections at once */
	unsigned max_clients_per_uid;  /* connections of one uid at once */
	unsigned max_requests_per_uid; /* acting calls of one uid in progress at once */
	unsigned workers;              /* threads running acting calls */
	unsigned read_workers;         /* threads running check, show and list (0: one per CPU) */
	unsigned check_cache_ms;       /* facts of a device reused by Check for so long, 0 = off */
	unsigned idle_timeout_ms;      /* a connection with nothing to do is closed */
	unsigned io_timeout_ms;        /* to finish sending a request, or to take a reply */
} BbServerLimits;

#define BB_DAEMON_LIMIT_ARGS_MAX 32

typedef struct BbDaemonOptions {
	const char *sysfs_root;
	const char *config_dir;
	const char *state_dir;
	const char *socket_path;
	const char *modules_dir; /* NULL = /lib/modules/$(uname -r) */
	int audit;               /* enum bb_audit_mode from --audit, -1 = from bindbroker.conf */
	BbServerLimits limits;   /* in force: defaults, then bindbroker.conf, then --limit */
	/* --limit NAME=VALUE as given (checked by parse_args); they win over bindbroker.conf. */
	const char *limit_args[BB_DAEMON_LIMIT_ARGS_MAX];
	size_t n_limit_args;
} BbDaemonOptions;

/* Errors and methods of io.bindbroker.Broker that the integration adds (see interface.c). */
#define BB_DAEMON_ERROR_AUDIT_UNAVAILABLE BB_BROKER_INTERFACE ".AuditUnavailable"
#define BB_DAEMON_ERROR_POLICY            BB_BROKER_INTERFACE ".PolicyError"
/* A per-uid limit is reached: try again when the caller's calls in progress are done. */
#define BB_DAEMON_ERROR_BUSY           BB_BROKER_INTERFACE ".Busy"
#define BB_DAEMON_METHOD_INSTALL_TABLE BB_BROKER_INTERFACE ".InstallTable"
#define BB_DAEMON_METHOD_LIST_TABLES   BB_BROKER_INTERFACE ".ListTables"
#define BB_DAEMON_METHOD_AUDIT_SHOW    BB_BROKER_INTERFACE ".AuditShow"
#define BB_DAEMON_METHOD_RELOAD_POLICY BB_BROKER_INTERFACE ".ReloadPolicy"
#define BB_DAEMON_METHOD_RESTORE       BB_BROKER_INTERFACE ".Restore"

/* The IDL this daemon serves for io.bindbroker.Broker (interface.c). */
extern const char bb_daemon_interface_description[];

/* bindbroker.conf (config.c): strict "key = value" lines; absent file = these defaults. */
#define BB_CONFIG_NAME_MAX 64
typedef struct BbConfig {
	char authorization[BB_CONFIG_NAME_MAX]; /* "polkit", "pam", "polkit+pam" (default polkit) */
	char admin_group[BB_CONFIG_NAME_MAX];   /* default "bindbroker-admin" */
	enum bb_audit_mode audit;               /* default best-effort */
	bool audit_set;                         /* the file named it */
	bool allow_unsigned_local_tables;       /* default no */
	unsigned bind_verify_timeout_ms;        /* default 5000 */
	unsigned checkpoint_every_records;      /* default 1000 (the journal's own default) */
	unsigned checkpoint_every_seconds;      /* default 300 */
	BbServerLimits limits; /* the --limit names as keys; defaults as bb_server_limits_default */
} BbConfig;

/*
 * Loads DIR/bindbroker.conf into RET (defaults first). Errors name file:line. DIR and the
 * file are checked like bb_config_open_checked() before the file is read.
 */
int bb_config_load(const char *dir, BbConfig *ret, char *err, size_t errsz);

/*
 * Opens NAME under DFD (a directory with DIR) without following a link and checks, on the
 * open fd and before anything is read, that it is a regular file (a directory) owned by root
 * or the daemon's euid and writable by neither group nor others. Returns the fd; -ENOENT
 * (ERR untouched); else -EPERM or -errno with ERR saying "PATH: why".
 */
int bb_config_open_checked(int dfd, const char *name, const char *path, bool dir, char *err,
                           size_t errsz);

typedef struct BbDaemon {
	BbDaemonOptions opts;
	BbConfig config;
	bb_sysfs *sysfs;
	bb_modules *modules; /* NULL when no modules dir could be opened on simsys */
	bb_binder *binder;   /* the loop thread's; workers have their own */
	struct bb_binder_options binder_opts; /* what every binder is made with */
	int state_fd;
	BbAuthzConfig authz; /* authorization of acting calls; authz.pam is the PAM thread */

	/*
	 * reload.c: SIGHUP builds configuration, policy and tables beside the ones in use and
	 * swaps all three in at once. reload_lock is held shared by whatever reads them together
	 * (a decision: evaluate.c; authorization's settings) and exclusively for the swap, which
	 * then takes policy_lock and tables_lock, in that order. reload_mutex: one reload at a
	 * time (SIGHUP, ReloadPolicy).
	 */
	pthread_rwlock_t reload_lock;
	pthread_mutex_t reload_mutex;
	/* InstallTable successes (under tables_lock): a reload that raced one reads again. */
	unsigned tables_installs;

	/* policy-glue.c: the current policy, swapped whole under policy_lock. */
	pthread_mutex_t policy_lock;
	struct bb_policy *policy;
	char policy_source[512]; /* the directory it came from, or "built-in" */

	/* tables-glue.c: signed tables (not thread-safe: every use holds tables_lock). */
	pthread_mutex_t tables_lock;
	struct bb_tables *tables;
	unsigned tables_skipped; /* installed tables that failed re-verification at start */
	/* tables-glue.c, loop thread only: "NAME SERIAL" of expiries already journaled. */
	char **tables_expiry_noted;
	size_t n_tables_expiry_noted;
	bool tables_expiry_loaded;  /* the journal's earlier table-expired records are read */
	uint64_t tables_expiry_ms;  /* monotonic time of the last look */

	/* journal-glue.c: the write-ahead journal (one user at a time: journal_lock). */
	pthread_mutex_t journal_lock;
	struct bb_journal *journal;     /* NULL when it could not be opened: acting refused */
	char journal_problem[512];      /* why it is unusable (tampering: where) */
	unsigned outcome_unknown;       /* intents recovery could not restore: left for an operator */
	char outcome_unknown_list[512]; /* "DEV(seq N) ..." of those, for status */

	/* audit-glue.c: Linux audit USER_DEVICE records. */
	struct bb_audit *audit;
	enum bb_audit_mode audit_mode;
	/* audit = required and a record could not be sent: no further acting until restart. */
	atomic_bool audit_failed;
} BbDaemon;

/* Who is calling, taken at accept time (SO_PEERCRED, pidfd, SELinux context, audit ids). */
typedef struct BbPeer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int fd;            /* the connection; -1 when unknown */
	BbPeerIdentity id; /* id.pidfd -1: the process could not be pinned, never authorized */
} BbPeer;

/* What a handler answers: ERROR NULL for success. PARAMETERS is owned (may be NULL). */
typedef struct BbReply {
	const char *error;
	struct json_object *parameters;
} BbReply;

typedef int (*BbMethodHandler)(BbDaemon *d, const BbPeer *peer, struct json_object *params,
                               BbReply *reply);

/* Fill REPLY (taking PARAMS) and return 0, so handlers can `return reply_ok(...)`. */
int reply_ok(BbReply *reply, struct json_object *params);
int reply_error(BbReply *reply, const char *error, struct json_object *params);
/* Error replies with a single "reason" (InternalError, PermissionDenied, ...). */
int reply_error_reason(BbReply *reply, const char *error, const char *fmt, ...) _printf_(3, 4);
/* io.bindbroker.Broker.InvalidArgument naming PARAMETER. */
int reply_invalid_argument(BbReply *reply, const char *parameter, const char *fmt, ...)
    _printf_(3, 4);

/* dispatch.c: finds the method, checks parameters and the caller, runs the handler. */
void bb_daemon_dispatch(BbDaemon *d, const BbPeer *peer, const BbVarlinkCall *call, BbReply *reply);

/* dispatch.c: whether METHOD changes the machine (runs on a worker, needs authorization). */
bool bb_daemon_method_is_acting(const char *method);
/* dispatch.c: whether METHOD is read-only and thread-safe (runs on a read worker). */
bool bb_daemon_method_is_shared(const char *method);

/*
 * authorize.c: may PEER make the acting call METHOD with PARAMS? 0, or -EPERM with a
 * PermissionDenied reply. RET says by which authority and why, for the audit records.
 */
int bb_daemon_authorize(BbDaemon *d, const BbPeer *peer, const char *method,
                        struct json_object *params, BbReply *reply, BbAuthzResult *ret);
/* The polkit action of an acting METHOD ("io.bindbroker.bind", ...). */
const char *bb_daemon_action_of(const char *method);

/* methods-service.c: org.varlink.service. */
int method_get_info(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);
int method_get_interface_description(BbDaemon *d, const BbPeer *peer, struct json_object *params,
                                     BbReply *reply);

/* methods-query.c: read-only calls, open to every local user. */
int method_get_status(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);
int method_list_devices(BbDaemon *d, const BbPeer *peer, struct json_object *params,
                        BbReply *reply);
int method_show_device(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);
int method_check(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);

/* methods-act.c: calls that change which driver holds a device. */
int method_bind(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);
int method_release(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);
int method_quarantine(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);
int method_apply(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);

/* device-args.c: the "device" / "driver" parameters, validated, and the device's facts. */
int request_device(BbDaemon *d, struct json_object *params, struct bb_device *ret, BbReply *reply);

/*
 * The same, holding the device in PIN (closed by the caller, also on failure): the
 * binder then acts on the device that was read.
 */
int request_device_pinned(BbDaemon *d, struct json_object *params, struct bb_pinned_device *pin,
                          struct bb_device *ret, BbReply *reply);
int request_driver(struct json_object *params, const char **ret, BbReply *reply);
/*
 * The same for Check, with the lockdown posture: from a snapshot when check-cache-ms allows,
 * and then *FACTS_JSON (else NULL; to be freed) is device_to_json(RET) already serialized.
 */
int request_device_for_check(BbDaemon *d, struct json_object *params, struct bb_device *ret,
                             bb_lockdown *lockdown, char **facts_json, BbReply *reply);
/* Called when an acting call starts and ends: Check's snapshots taken before are stale. */
void facts_changing(void);

/* facts-json.c: the JSON forms of the IDL types. */
struct json_object *device_to_json(const struct bb_device *dev);
struct json_object *outcome_to_json(const struct bb_bind_result *r);

/* methods-tables.c, methods-audit.c: signed tables, the journal, policy reload. */
int method_install_table(BbDaemon *d, const BbPeer *peer, struct json_object *params,
                         BbReply *reply);
/*
 * Before method_install_table: a call that passed the table and its .minisig as two open
 * files gets their text as its "table" and "signature" parameters. -EINVAL with an
 * InvalidArgument reply when neither form is complete, or a passed file is not a regular
 * text file within the limits.
 */
int install_table_take_passed_files(const BbVarlinkCall *call, BbReply *reply);
int method_list_tables(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);
int method_audit_show(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);
int method_reload_policy(BbDaemon *d, const BbPeer *peer, struct json_object *params,
                         BbReply *reply);
/* methods-restore.c: back to the state an intent of unknown outcome recorded. */
int method_restore(BbDaemon *d, const BbPeer *peer, struct json_object *params, BbReply *reply);

/* main.c: hooks of the poll loop. SIGHUP reloads configuration, policy and tables (reload.c);
 * tick is called after every wake-up and at least every bb_daemon_poll_timeout_ms(). */
void bb_daemon_reload(BbDaemon *d);
void bb_daemon_tick(BbDaemon *d);
int bb_daemon_poll_timeout_ms(const BbDaemon *d);

/* server.c: the listening socket and the poll loop. */
typedef struct BbListener {
	int fd;
	bool activated; /* passed by systemd: not ours to remove */
	dev_t dev;      /* the socket file we created */
	ino_t ino;
} BbListener;

/* The socket systemd passed (sd_listen_fds), else a new one at PATH, mode 0666. */
int bb_server_listen(const char *path, BbListener *ret);
/* Closes the socket and removes its file if we created it. */
void bb_server_close(const char *path, BbListener *l);
/* Serves until SIGTERM or SIGINT; SIGHUP calls bb_daemon_reload(). All three are blocked by the
 * caller. */
int bb_server_run(BbDaemon *d, int listen_fd);
void bb_server_limits_default(BbServerLimits *l);
/* Sets the limit NAME ("max-clients", "workers", ...) from VALUE: -ENOENT, -ERANGE. */
int bb_server_limit_set(BbServerLimits *l, const char *name, const char *value);
/* The calling thread's binder and kmod context (libkmod contexts are not thread-safe). */
bb_binder *bb_daemon_binder(BbDaemon *d);
bb_modules *bb_daemon_modules(BbDaemon *d);
