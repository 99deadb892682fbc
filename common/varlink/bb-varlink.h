/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The varlink-compatible wire protocol shared by bindbrokerd and bindbroker:
 * one JSON object per message, each terminated by a NUL byte, over an AF_UNIX
 * stream socket. Calls look like {"method": "io.bindbroker.Broker.Bind",
 * "parameters": {...}}, replies like {"parameters": {...}} or
 * {"error": "io.bindbroker.Broker.Denied", "parameters": {...}}.
 *
 * Everything here is bounded: a message is at most BB_VARLINK_MESSAGE_MAX bytes
 * and BB_VARLINK_DEPTH_MAX levels deep, keys outside the varlink shape are
 * refused, and a method's parameters are checked against a fixed field list.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define BB_VARLINK_MESSAGE_MAX   (64 * 1024)        /* bytes of a call, without the NUL */
#define BB_VARLINK_REPLY_MAX     (16 * 1024 * 1024) /* bytes of a reply (a list of 4096 devices) */
#define BB_VARLINK_DEPTH_MAX     8                  /* nesting of objects and arrays */
#define BB_VARLINK_NAME_MAX      255                /* interface.Method or error name */
#define BB_VARLINK_PARAMETER_MAX 32                 /* parameters in one call */
#define BB_VARLINK_FDS_MAX       2                  /* file descriptors passed with one call */

/* ---- messages ----------------------------------------------------------------------------- */

typedef struct BbVarlinkCall {
	char method[BB_VARLINK_NAME_MAX + 1];
	struct json_object *parameters; /* owned; an empty object when the call had none */
	bool oneway;                    /* the caller wants no reply */
	int fds[BB_VARLINK_FDS_MAX];    /* owned: file descriptors that came with the call */
	size_t n_fds;
} BbVarlinkCall;

typedef struct BbVarlinkReply {
	char *error;                    /* owned; NULL for a successful reply */
	struct json_object *parameters; /* owned; an empty object when the reply had none */
} BbVarlinkReply;

void bb_varlink_call_done(BbVarlinkCall *call);
void bb_varlink_reply_done(BbVarlinkReply *reply);

/*
 * Parses one message (LEN bytes, without its NUL) as a call. On failure returns
 * -EMSGSIZE (too long), -EBADMSG (not JSON, too deep, not UTF-8) or -EPROTO (not
 * a varlink call: unknown key, wrong type, bad method name, "more"/"upgrade"
 * requested), and writes a sentence naming what is wrong into ERR.
 */
int bb_varlink_parse_call(const char *msg, size_t len, BbVarlinkCall *ret, char *err, size_t errsz);

/* The same for a reply (up to BB_VARLINK_REPLY_MAX bytes), as the client reads it. */
int bb_varlink_parse_reply(const char *msg, size_t len, BbVarlinkReply *ret, char *err,
                           size_t errsz);

/* "io.bindbroker.Broker.Bind": dotted reverse-domain interface, then a capitalized member. */
bool bb_varlink_valid_member_name(const char *name);

/* The interface part of a member name ("io.bindbroker.Broker") into BUF. */
int bb_varlink_interface_of(const char *member, char *buf, size_t size);

/*
 * Builders. Each takes ownership of PARAMS (may be NULL = no parameters) and
 * returns a new message object or NULL when out of memory.
 */
struct json_object *bb_varlink_call_new(const char *method, struct json_object *params);
struct json_object *bb_varlink_reply_new(struct json_object *params);
struct json_object *bb_varlink_error_new(const char *error, struct json_object *params);

/*
 * Serializes MSG plus its terminating NUL into a new buffer; *RET_LEN counts
 * the NUL. -EMSGSIZE when the text is longer than MAX bytes.
 */
int bb_varlink_serialize(struct json_object *msg, size_t max, char **ret, size_t *ret_len);

/* ---- parameters --------------------------------------------------------------------------- */

typedef struct BbVarlinkField {
	const char *name;
	enum json_type type; /* json_type_string, _boolean, _int, _object, _array */
	bool required;
	size_t max_len; /* strings: longest accepted value in bytes (0 = message limit) */
} BbVarlinkField;

/*
 * Checks PARAMS against FIELDS (terminated by a NULL name): every key must be
 * listed, of its type (null counts as absent for optional fields), required
 * ones present, strings within their length. On failure returns -EINVAL, sets
 * *RET_BAD to the offending parameter's name (valid while PARAMS lives) and
 * writes a sentence into ERR.
 */
int bb_varlink_check_parameters(struct json_object *params, const BbVarlinkField *fields,
                                const char **ret_bad, char *err, size_t errsz);

/* Typed lookups for checked parameters: absent or null gives the default. */
const char *bb_varlink_get_string(struct json_object *params, const char *name);
bool bb_varlink_get_bool(struct json_object *params, const char *name, bool def);

/* ---- streams ------------------------------------------------------------------------------ */

/*
 * Accumulates bytes from a stream and cuts them into NUL-terminated messages.
 * Zero-initialize; MAX is the longest message accepted (0 = BB_VARLINK_MESSAGE_MAX).
 */
typedef struct BbVarlinkReader {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;
	int fds[BB_VARLINK_FDS_MAX]; /* passed with SCM_RIGHTS and not yet taken */
	size_t n_fds;
	bool fds_refused; /* more than BB_VARLINK_FDS_MAX came, or a truncated set */
} BbVarlinkReader;

void bb_varlink_reader_done(BbVarlinkReader *r);

/*
 * One read from FD into the buffer (recvmsg on a socket, so file descriptors
 * passed with SCM_RIGHTS are kept, up to BB_VARLINK_FDS_MAX; beyond that they
 * are closed and fds_refused is set). Returns the byte count, 0 at end of
 * stream, -EAGAIN when nothing is there, -EMSGSIZE when the buffered message
 * already exceeds the limit without its NUL, or another negative errno.
 */
int bb_varlink_reader_fill(BbVarlinkReader *r, int fd);

/*
 * Moves the passed file descriptors into CALL (a sender passes them with the
 * first byte of the call they belong to). -EPROTO when too many came: all are
 * closed then.
 */
int bb_varlink_reader_take_fds(BbVarlinkReader *r, BbVarlinkCall *call);

/*
 * Takes the next complete message out of the buffer into a new NUL-terminated
 * string. Returns 1 and the message, 0 when none is complete yet, -EMSGSIZE
 * when a message is longer than the limit.
 */
int bb_varlink_reader_next(BbVarlinkReader *r, char **ret_msg, size_t *ret_len);

/* True when bytes of an unfinished message are buffered. */
bool bb_varlink_reader_pending(const BbVarlinkReader *r);

/* ---- the client side --------------------------------------------------------------------- */

/* Connects to the AF_UNIX stream socket at PATH. Returns the fd or a negative errno. */
int bb_varlink_connect(const char *path);

/*
 * Sends one call (taking PARAMS) on FD and reads its reply, blocking. Returns 0
 * with *RET filled (an error reply is still 0), or a negative errno when the
 * exchange failed, with a sentence in ERR.
 */
int bb_varlink_call(int fd, const char *method, struct json_object *params, BbVarlinkReply *ret,
                    char *err, size_t errsz);

/* The same, passing N_FDS (at most BB_VARLINK_FDS_MAX) file descriptors with the call. */
int bb_varlink_call_with_fds(int fd, const char *method, struct json_object *params, const int *fds,
                             size_t n_fds, BbVarlinkReply *ret, char *err, size_t errsz);

/* ---- the io.bindbroker.Broker interface -------------------------------------------------- */

#define BB_BROKER_INTERFACE "io.bindbroker.Broker"

#define BB_BROKER_METHOD_GET_STATUS   BB_BROKER_INTERFACE ".GetStatus"
#define BB_BROKER_METHOD_LIST_DEVICES BB_BROKER_INTERFACE ".ListDevices"
#define BB_BROKER_METHOD_SHOW_DEVICE  BB_BROKER_INTERFACE ".ShowDevice"
#define BB_BROKER_METHOD_CHECK        BB_BROKER_INTERFACE ".Check"
#define BB_BROKER_METHOD_BIND         BB_BROKER_INTERFACE ".Bind"
#define BB_BROKER_METHOD_RELEASE      BB_BROKER_INTERFACE ".Release"
#define BB_BROKER_METHOD_QUARANTINE   BB_BROKER_INTERFACE ".Quarantine"
#define BB_BROKER_METHOD_APPLY        BB_BROKER_INTERFACE ".Apply"

/* Errors of the interface; the client maps each to its exit status. */
#define BB_BROKER_ERROR_DENIED            BB_BROKER_INTERFACE ".Denied"           /* policy */
#define BB_BROKER_ERROR_PERMISSION_DENIED BB_BROKER_INTERFACE ".PermissionDenied" /* caller */
#define BB_BROKER_ERROR_INVALID_ARGUMENT  BB_BROKER_INTERFACE ".InvalidArgument"
#define BB_BROKER_ERROR_NO_SUCH_DEVICE    BB_BROKER_INTERFACE ".NoSuchDevice"
#define BB_BROKER_ERROR_OPERATION_FAILED  BB_BROKER_INTERFACE ".OperationFailed"
#define BB_BROKER_ERROR_INTERNAL          BB_BROKER_INTERFACE ".InternalError"
#define BB_BROKER_ERROR_PROTOCOL          BB_BROKER_INTERFACE ".ProtocolError" /* bad message */

/* The varlink service interface every varlink server offers. */
#define BB_VARLINK_SERVICE_INTERFACE         "org.varlink.service"
#define BB_VARLINK_METHOD_GET_INFO           BB_VARLINK_SERVICE_INTERFACE ".GetInfo"
#define BB_VARLINK_METHOD_GET_DESCRIPTION    BB_VARLINK_SERVICE_INTERFACE ".GetInterfaceDescription"
#define BB_VARLINK_ERROR_INTERFACE_NOT_FOUND BB_VARLINK_SERVICE_INTERFACE ".InterfaceNotFound"
#define BB_VARLINK_ERROR_METHOD_NOT_FOUND    BB_VARLINK_SERVICE_INTERFACE ".MethodNotFound"
#define BB_VARLINK_ERROR_INVALID_PARAMETER   BB_VARLINK_SERVICE_INTERFACE ".InvalidParameter"
#define BB_VARLINK_ERROR_PERMISSION_DENIED   BB_VARLINK_SERVICE_INTERFACE ".PermissionDenied"

/* The varlink IDL text of org.varlink.service (the daemon serves io.bindbroker.Broker's). */
extern const char bb_varlink_service_description[];
