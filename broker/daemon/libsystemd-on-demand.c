/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libsystemd, loaded when it is used. bindbrokerd needs it for two things: socket activation
 * at start (sd_listen_fds, sd_is_socket_unix in server.c) and sd-bus for polkit (polkit.c),
 * which only a request from someone other than root reaches. Linked as usual, libsystemd and
 * the six libraries it pulls in (libgcrypt, libgpg-error, libzstd, liblzma, liblz4, libcap)
 * stay mapped for the daemon's whole life: about 950 KiB of its idle RSS.
 *
 * So bindbrokerd is not linked with libsystemd; this file defines the sd-* functions the
 * daemon calls, with the prototypes of the <systemd/...> headers (the compiler holds each
 * definition to its declaration), and each one calls the same function of libsystemd.so.0:
 *  - socket activation and the readiness notification open the library, ask, and close it
 *    again (it is unmapped);
 *  - the first polkit question opens it for good (dlopen is allowed by the seccomp filter:
 *    it is openat, mmap and mprotect).
 * A function the daemon starts to use must be added here: the link fails until it is. The
 * executable does not export these definitions (no -rdynamic), so they never stand in for
 * libsystemd's own in a library that links it (a PAM module, say).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "bb-log.h"

#define LIBSYSTEMD "libsystemd.so.0"

/* ---- socket activation: open, ask, close ---- */

/* FN of a handle of its own, in *RET_HANDLE (NULL when the library cannot be loaded). */
static void *lookup_transient(const char *fn, void **ret_handle)
{
	void *f = NULL;

	*ret_handle = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
	if (*ret_handle)
		f = dlsym(*ret_handle, fn);
	if (!f)
		log_error("cannot load %s from " LIBSYSTEMD ": %s", fn, dlerror());
	return f;
}

/* NAME of a handle of its own, called with ARGS, and the library closed again (unmapped). */
#define TRANSIENT(name, params, args)                                                              \
	int name params                                                                            \
	{                                                                                          \
		void *h;                                                                           \
		__typeof__(name) *f = lookup_transient(#name, &h);                                 \
		int r = f ? f args : -ELIBACC;                                                     \
                                                                                                   \
		if (h)                                                                             \
			dlclose(h);                                                                \
		return r;                                                                          \
	}

TRANSIENT(sd_listen_fds, (int unset_environment), (unset_environment))
TRANSIENT(sd_is_socket_unix, (int fd, int type, int listening, const char *path, size_t length),
          (fd, type, listening, path, length))
TRANSIENT(sd_notify, (int unset_environment, const char *state), (unset_environment, state))

/* ---- sd-bus: loaded on the first polkit question, kept ---- */

/* X(name) for each sd-bus function the daemon calls, plus the v-forms of the variadic ones. */
#define SD_BUS_FUNCTIONS(X)                                                                        \
	X(sd_bus_new)                                                                              \
	X(sd_bus_set_address)                                                                      \
	X(sd_bus_set_bus_client)                                                                   \
	X(sd_bus_negotiate_fds)                                                                    \
	X(sd_bus_start)                                                                            \
	X(sd_bus_process)                                                                          \
	X(sd_bus_wait)                                                                             \
	X(sd_bus_flush_close_unref)                                                                \
	X(sd_bus_call_async)                                                                       \
	X(sd_bus_slot_unref)                                                                       \
	X(sd_bus_message_new_method_call)                                                          \
	X(sd_bus_message_ref)                                                                      \
	X(sd_bus_message_unref)                                                                    \
	X(sd_bus_message_appendv)                                                                  \
	X(sd_bus_message_readv)                                                                    \
	X(sd_bus_message_open_container)                                                           \
	X(sd_bus_message_close_container)                                                          \
	X(sd_bus_message_enter_container)                                                          \
	X(sd_bus_message_exit_container)                                                           \
	X(sd_bus_message_is_method_error)                                                          \
	X(sd_bus_message_get_error)                                                                \
	X(sd_bus_error_has_name)                                                                   \
	X(sd_bus_error_get_errno)

static struct {
#define FIELD(name) __typeof__(name) *name;
	SD_BUS_FUNCTIONS(FIELD)
#undef FIELD
} sym;
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;
static int bus_error = -ELIBACC;

static void bus_load(void)
{
	void *h = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		log_error("cannot load " LIBSYSTEMD ", polkit cannot be asked: %s", dlerror());
		return;
	}
#define LOOKUP(name)                                                                               \
	sym.name = (__typeof__(name) *)dlsym(h, #name);                                            \
	if (!sym.name) {                                                                           \
		log_error(LIBSYSTEMD " has no " #name ", polkit cannot be asked");                 \
		dlclose(h);                                                                        \
		return;                                                                            \
	}
	SD_BUS_FUNCTIONS(LOOKUP)
#undef LOOKUP
	bus_error = 0; /* the handle stays open for the daemon's life */
}

/* 0 once every sd-bus function is there, else -ELIBACC (logged once). */
static int bus_ready(void)
{
	pthread_once(&bus_once, bus_load);
	return bus_error;
}

/* An object to unref was made by the library, so it is loaded; NULL needs nothing. */
#define UNREF(name, type)                                                                          \
	type *name(type *p)                                                                        \
	{                                                                                          \
		return p && bus_ready() == 0 ? sym.name(p) : NULL;                                 \
	}

/* Functions that return a negative errno: the load error when the library is missing. */
#define FORWARD(name, params, args)                                                                \
	int name params                                                                            \
	{                                                                                          \
		int r_ = bus_ready();                                                              \
		return r_ < 0 ? r_ : sym.name args;                                                \
	}

FORWARD(sd_bus_new, (sd_bus * *ret), (ret))
FORWARD(sd_bus_set_address, (sd_bus * bus, const char *address), (bus, address))
FORWARD(sd_bus_set_bus_client, (sd_bus * bus, int b), (bus, b))
FORWARD(sd_bus_negotiate_fds, (sd_bus * bus, int b), (bus, b))
FORWARD(sd_bus_start, (sd_bus * bus), (bus))
FORWARD(sd_bus_process, (sd_bus * bus, sd_bus_message **r), (bus, r))
FORWARD(sd_bus_wait, (sd_bus * bus, uint64_t timeout_usec), (bus, timeout_usec))
FORWARD(sd_bus_call_async,
        (sd_bus * bus, sd_bus_slot **slot, sd_bus_message *m, sd_bus_message_handler_t callback,
         void *userdata, uint64_t usec),
        (bus, slot, m, callback, userdata, usec))
FORWARD(sd_bus_message_new_method_call,
        (sd_bus * bus, sd_bus_message **m, const char *destination, const char *path,
         const char *interface, const char *member),
        (bus, m, destination, path, interface, member))
FORWARD(sd_bus_message_open_container, (sd_bus_message * m, char type, const char *contents),
        (m, type, contents))
FORWARD(sd_bus_message_close_container, (sd_bus_message * m), (m))
FORWARD(sd_bus_message_enter_container, (sd_bus_message * m, char type, const char *contents),
        (m, type, contents))
FORWARD(sd_bus_message_exit_container, (sd_bus_message * m), (m))
FORWARD(sd_bus_message_is_method_error, (sd_bus_message * m, const char *name), (m, name))
UNREF(sd_bus_flush_close_unref, sd_bus)
UNREF(sd_bus_slot_unref, sd_bus_slot)
UNREF(sd_bus_message_unref, sd_bus_message)

sd_bus_message *sd_bus_message_ref(sd_bus_message *m)
{
	return m && bus_ready() == 0 ? sym.sd_bus_message_ref(m) : NULL;
}

const sd_bus_error *sd_bus_message_get_error(sd_bus_message *m)
{
	return bus_ready() == 0 ? sym.sd_bus_message_get_error(m) : NULL;
}

int sd_bus_error_has_name(const sd_bus_error *e, const char *name)
{
	return bus_ready() == 0 ? sym.sd_bus_error_has_name(e, name) : 0;
}

/* sd_bus_error_has_names(e, ...) has no v-form: ask for each name in turn. */
int sd_bus_error_has_names_sentinel(const sd_bus_error *e, ...)
{
	const char *name;
	va_list ap;
	int found = 0;

	if (bus_ready() < 0)
		return 0;
	va_start(ap, e);
	while (!found && (name = va_arg(ap, const char *)))
		found = sym.sd_bus_error_has_name(e, name);
	va_end(ap);
	return found;
}

int sd_bus_error_get_errno(const sd_bus_error *e)
{
	return bus_ready() == 0 ? sym.sd_bus_error_get_errno(e) : EIO;
}

int sd_bus_message_append(sd_bus_message *m, const char *types, ...)
{
	va_list ap;
	int r = bus_ready();

	if (r < 0)
		return r;
	va_start(ap, types);
	r = sym.sd_bus_message_appendv(m, types, ap);
	va_end(ap);
	return r;
}

int sd_bus_message_read(sd_bus_message *m, const char *types, ...)
{
	va_list ap;
	int r = bus_ready();

	if (r < 0)
		return r;
	va_start(ap, types);
	r = sym.sd_bus_message_readv(m, types, ap);
	va_end(ap);
	return r;
}
