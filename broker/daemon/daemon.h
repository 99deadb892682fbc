/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bindbrokerd's internal door: the daemon context, the caller's identity, the
 * reply a handler fills, and the method families. Handlers are plain functions
 * of (context, peer, parameters) -> reply and keep no state between calls, so
 * a later worker pool can run them off the poll loop.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "authz.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "bb-varlink.h"
#include "broker.h"

typedef enum BbAuditMode {
	BB_AUDIT_REQUIRED,
	BB_AUDIT_BEST_EFFORT,
	BB_AUDIT_OFF,
} BbAuditMode;

/* server.c: bounds on clients (bindbrokerd --limit NAME=VALUE). */
typedef struct BbServerLimits {
	unsigned max_clients;          /* connections at once */
	unsigned max_clients_per_uid;  /* connections of one uid at once */
	unsigned max_requests_per_uid; /* acting calls of one uid in progress at once */
	unsigned workers;              /* threads running acting calls */
	unsigned idle_timeout_ms;      /* a connection with nothing to do is closed */
	unsigned io_timeout_ms;        /* to finish sending a request, or to take a reply */
} BbServerLimits;

typedef struct BbDaemonOptions {
	const char *sysfs_root;
	const char *config_dir;
	const char *state_dir;
	const char *socket_path;
	const char *modules_dir; /* NULL = /lib/modules/$(uname -r) */
	BbAuditMode audit;
	BbServerLimits limits;
} BbDaemonOptions;

typedef struct BbDaemon {
	BbDaemonOptions opts;
	bb_sysfs *sysfs;
	bb_modules *modules; /* NULL when no modules dir could be opened on simsys */
	bb_binder *binder;   /* the loop thread's; workers have their own */
	struct bb_binder_options binder_opts; /* what every binder is made with */
	int state_fd;
	BbAuthzConfig authz; /* authorization of acting calls; authz.pam is the PAM thread */
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
int request_driver(struct json_object *params, const char **ret, BbReply *reply);

/* facts-json.c: the JSON forms of the IDL types. */
struct json_object *device_to_json(const struct bb_device *dev);
struct json_object *outcome_to_json(const struct bb_bind_result *r);

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
/* Serves until SIGTERM or SIGINT; SIGHUP is logged. All three are blocked by the caller. */
int bb_server_run(BbDaemon *d, int listen_fd);
void bb_server_limits_default(BbServerLimits *l);
/* Sets the limit NAME ("max-clients", "workers", ...) from VALUE: -ENOENT, -ERANGE. */
int bb_server_limit_set(BbServerLimits *l, const char *name, const char *value);
/* The calling thread's binder and kmod context (libkmod contexts are not thread-safe). */
bb_binder *bb_daemon_binder(BbDaemon *d);
bb_modules *bb_daemon_modules(BbDaemon *d);

const char *bb_audit_mode_to_string(BbAuditMode m);
