/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One call to the broker: connect, send, read the reply, map errors to exit codes. */
#include <stdarg.h>
#include <string.h>

#include "bb-varlink.h"
#include "client.h"

struct error_class {
	const char *name;
	int status;
	const char *label; /* what the human message starts with, if anything */
};

static const struct error_class error_classes[] = {
    {BB_BROKER_ERROR_DENIED, EXIT_DENIED, "denied"},
    {BB_BROKER_ERROR_PERMISSION_DENIED, EXIT_DENIED, "permission denied"},
    {BB_VARLINK_ERROR_PERMISSION_DENIED, EXIT_DENIED, "permission denied"},
    {BB_BROKER_ERROR_INVALID_ARGUMENT, EXIT_USAGE, "invalid argument"},
    {BB_BROKER_ERROR_NO_SUCH_DEVICE, EXIT_USAGE, "no such device"},
    {BB_VARLINK_ERROR_INVALID_PARAMETER, EXIT_USAGE, "invalid parameter"},
    {BB_VARLINK_ERROR_METHOD_NOT_FOUND, EXIT_USAGE, "the broker does not know this call"},
    {BB_VARLINK_ERROR_INTERFACE_NOT_FOUND, EXIT_USAGE, "the broker does not know this call"},
    {BB_BROKER_ERROR_PROTOCOL, EXIT_USAGE, "protocol error"},
    {BB_BROKER_ERROR_OPERATION_FAILED, EXIT_FAILED, NULL}, /* its reason says "failed" */
    {BB_BROKER_ERROR_INTERNAL, EXIT_FAILED, "broker error"},
    /* Unavailable for now, as when unreachable: nothing was done, a retry may go through. */
    {BB_BROKER_ERROR_BUSY, EXIT_UNREACHABLE, NULL},
};

static const struct error_class *classify(const char *error)
{
	static const struct error_class unknown = {NULL, EXIT_FAILED, "error"};

	for (size_t i = 0; i < ARRAY_SIZE(error_classes); i++)
		if (streq(error_classes[i].name, error))
			return &error_classes[i];
	return &unknown;
}

/* {"error": NAME, ...the error's parameters}: one object a script can test. */
static void print_json_error(const char *error, struct json_object *params)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(error));
	if (params) {
		json_object_object_foreach(params, key, val)
		    json_object_object_add(o, key, json_object_get(val));
	}
	print_json(o);
	json_object_put(o);
}

__attribute__((format(printf, 6, 0))) static int vfail(const Client *c, int status,
                                                       const char *error, const char *parameter,
                                                       const char *check, const char *fmt,
                                                       va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fputs("bindbroker: ", stderr);
	print_safe(stderr, msg);
	fputc('\n', stderr);
	if (c->json) {
		struct json_object *p = json_object_new_object();

		if (parameter)
			json_object_object_add(p, "parameter", json_object_new_string(parameter));
		if (check)
			json_object_object_add(p, "check", json_object_new_string(check));
		json_object_object_add(p, "reason", json_object_new_string(msg));
		print_json_error(error, p);
		json_object_put(p);
	}
	return status;
}

int client_fail(const Client *c, int status, const char *error, const char *parameter,
                const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(c, status, error, parameter, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int client_fail_check(const Client *c, int status, const char *error, const char *check,
                      const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(c, status, error, NULL, check, fmt, ap);
	va_end(ap);
	return r;
}

static void print_outcome_failure(struct json_object *outcome)
{
	fputs("  ", stderr);
	print_safe(stderr, jstr(outcome, "device"));
	if (jbool(outcome, "ok")) {
		fputs(": rolled back with the group", stderr);
	} else {
		fputs(": ", stderr);
		print_safe(stderr, jstr(outcome, "failure"));
		if (*jstr(outcome, "failed_step")) {
			fputs(" at step ", stderr);
			print_safe(stderr, jstr(outcome, "failed_step"));
		}
		if (*jstr(outcome, "error")) {
			fputs(" (", stderr);
			print_safe(stderr, jstr(outcome, "error"));
			fputc(')', stderr);
		}
	}
	if (jbool(outcome, "rollback_attempted")) {
		fputs(jbool(outcome, "rollback_ok") ? "; rolled back, now on "
		                                    : "; ROLLBACK FAILED, now on ",
		      stderr);
		print_safe(stderr, *jstr(outcome, "new_driver") ? jstr(outcome, "new_driver")
		                                                : "no driver");
	}
	fputc('\n', stderr);
}

/* What refused: a rule (a name, or {"file","line"}), a builtin check, or a table check. */
static void print_denial_source(struct json_object *params)
{
	struct json_object *rule;

	if (json_object_object_get_ex(params, "rule", &rule) &&
	    json_object_is_type(rule, json_type_object)) {
		fputs(" (rule ", stderr);
		print_safe(stderr, jstr(rule, "file"));
		fprintf(stderr, ":%d)", jint(rule, "line", 0));
	} else if (*jstr(params, "rule")) {
		fputs(" (rule ", stderr);
		print_safe(stderr, jstr(params, "rule"));
		fputc(')', stderr);
	} else if (*jstr(params, "builtin")) {
		fputs(" (builtin ", stderr);
		print_safe(stderr, jstr(params, "builtin"));
		fputc(')', stderr);
	}
	if (*jstr(params, "check")) {
		fputs(" (check ", stderr);
		print_safe(stderr, jstr(params, "check"));
		fputc(')', stderr);
	}
}

static void print_human_error(const struct error_class *cls, const char *method, const char *error,
                              struct json_object *params)
{
	struct json_object *outcomes;

	fputs("bindbroker: ", stderr);
	if (cls->label)
		fprintf(stderr, "%s: ", cls->label);
	if (streq(error, BB_VARLINK_ERROR_METHOD_NOT_FOUND)) {
		/* A broker older than this client: say which call it lacks. */
		fprintf(stderr, "%s (is bindbrokerd older than this client?)", method);
	} else if (streq(error, BB_BROKER_ERROR_DENIED)) {
		print_safe(stderr, jstr(params, "reason"));
		print_denial_source(params);
	} else if (streq(error, BB_BROKER_ERROR_BUSY)) {
		fputs("broker busy: ", stderr);
		print_safe(stderr, jstr(params, "reason"));
		fputs(", try again", stderr);
	} else if (streq(error, BB_BROKER_ERROR_NO_SUCH_DEVICE)) {
		print_safe(stderr, jstr(params, "device"));
	} else if (*jstr(params, "parameter") && *jstr(params, "reason")) {
		print_safe(stderr, jstr(params, "parameter"));
		fputs(": ", stderr);
		print_safe(stderr, jstr(params, "reason"));
	} else if (*jstr(params, "reason")) {
		print_safe(stderr, jstr(params, "reason"));
	} else {
		print_safe(stderr, error);
		if (*jstr(params, "parameter")) {
			fputs(": ", stderr);
			print_safe(stderr, jstr(params, "parameter"));
		}
	}
	fputc('\n', stderr);
	if (json_object_object_get_ex(params, "outcomes", &outcomes) &&
	    json_object_is_type(outcomes, json_type_array))
		for (size_t i = 0; i < json_object_array_length(outcomes); i++)
			print_outcome_failure(json_object_array_get_idx(outcomes, i));
}

int client_call(const Client *c, const CommandArgs *a, const char *method,
                struct json_object *params, ReplyPrinter print)
{
	return client_call_with_fds(c, a, method, params, NULL, 0, print);
}

int client_call_with_fds(const Client *c, const CommandArgs *a, const char *method,
                         struct json_object *params, const int *fds, size_t n_fds,
                         ReplyPrinter print)
{
	BbVarlinkReply reply = {0};
	char err[256];
	int fd, r, status;

	fd = bb_varlink_connect(c->socket_path);
	if (fd < 0) {
		json_object_put(params);
		return client_fail(c, EXIT_UNREACHABLE, "io.bindbroker.Client.Unreachable", NULL,
		                   "cannot reach the broker at %s: %s", c->socket_path,
		                   strerror(-fd));
	}
	r = bb_varlink_call_with_fds(fd, method, params, fds, n_fds, &reply, err, sizeof(err));
	close(fd);
	if (r < 0)
		return client_fail(c, EXIT_UNREACHABLE, "io.bindbroker.Client.Unreachable", NULL,
		                   "no answer from the broker at %s: %s", c->socket_path, err);

	if (reply.error) {
		const struct error_class *cls = classify(reply.error);

		if (c->json)
			print_json_error(reply.error, reply.parameters);
		print_human_error(cls, method, reply.error, reply.parameters);
		status = cls->status;
	} else {
		status = print(c, a, reply.parameters);
		if (c->json)
			print_json(reply.parameters);
	}
	bb_varlink_reply_done(&reply);
	return status;
}
