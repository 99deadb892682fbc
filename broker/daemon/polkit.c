/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * polkit's CheckAuthorization over a private sd-bus connection per question.
 * The call is asynchronous and driven by our own loop, so one deadline covers
 * connecting, authenticating to the bus and polkit's answer; sd_bus_call()
 * would wait for the bus to come up without one.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "bb-macro.h"
#include "polkit.h"

#define POLKIT_SERVICE   "org.freedesktop.PolicyKit1"
#define POLKIT_PATH      "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"

/* Set once polkitd refused a pidfd subject and took a pid one: it predates 124. */
static _Atomic bool pidfd_subject_refused;

typedef struct PendingCall {
	bool done;
	sd_bus_message *reply;
} PendingCall;

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	PendingCall *pc = userdata;
	(void)error;

	pc->reply = sd_bus_message_ref(m);
	pc->done = true;
	return 0;
}

static int append_details(sd_bus_message *m, const BbPolkitDetails *d)
{
	const char *keys[] = {"device", "driver", "vendor", "device_id", "class"};
	const char *values[] = {d ? d->device : NULL, d ? d->driver : NULL, d ? d->vendor : NULL,
	                        d ? d->device_id : NULL, d ? d->class : NULL};
	int r;

	r = sd_bus_message_open_container(m, 'a', "{ss}");
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(keys); i++)
		if (values[i])
			r = sd_bus_message_append(m, "{ss}", keys[i], values[i]);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

/* One CheckAuthorization; *RET_REPLY is the reply or error message, NULL at the deadline. */
static int call_check(sd_bus *bus, const BbPeerIdentity *peer, bool use_pidfd, const char *action,
                      const BbPolkitDetails *details, uint64_t deadline, sd_bus_message **ret_reply)
{
	sd_bus_message *m = NULL;
	sd_bus_slot *slot = NULL;
	PendingCall pc = {0};
	uint64_t now = now_usec();
	int r;

	*ret_reply = NULL;
	if (now >= deadline)
		return 0;
	r = sd_bus_message_new_method_call(bus, &m, POLKIT_SERVICE, POLKIT_PATH, POLKIT_INTERFACE,
	                                   "CheckAuthorization");
	if (r < 0)
		return r;
	if (use_pidfd)
		r = sd_bus_message_append(m, "(sa{sv})s", "unix-process", 2, "pidfd", "h",
		                          peer->pidfd, "uid", "i", (int32_t)peer->uid, action);
	else
		r = sd_bus_message_append(m, "(sa{sv})s", "unix-process", 3, "pid", "u",
		                          (uint32_t)peer->pid, "start-time", "t", peer->start_time,
		                          "uid", "i", (int32_t)peer->uid, action);
	if (r >= 0)
		r = append_details(m, details);
	/* flags 0: never AllowUserInteraction, the broker has nobody to ask. */
	if (r >= 0)
		r = sd_bus_message_append(m, "us", (uint32_t)0, "");
	if (r >= 0)
		r = sd_bus_call_async(bus, &slot, m, on_reply, &pc, deadline - now);
	sd_bus_message_unref(m);
	if (r < 0)
		return r;

	while (!pc.done) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			break;
		if (r > 0)
			continue;
		now = now_usec();
		if (now >= deadline)
			break;
		r = sd_bus_wait(bus, deadline - now);
		if (r < 0)
			break;
	}
	sd_bus_slot_unref(slot);
	if (r < 0 && !pc.done)
		return r;
	*ret_reply = pc.reply;
	return 0;
}

static bool details_say_dismissed(sd_bus_message *reply)
{
	const char *k, *v;
	bool dismissed = false;

	if (sd_bus_message_enter_container(reply, 'a', "{ss}") <= 0)
		return false;
	while (sd_bus_message_read(reply, "{ss}", &k, &v) > 0)
		if (streq(k, "polkit.dismissed") && streq(v, "true"))
			dismissed = true;
	(void)sd_bus_message_exit_container(reply);
	return dismissed;
}

int bb_polkit_check(const BbPeerIdentity *peer, const char *action, const BbPolkitDetails *details,
                    uint64_t timeout_usec, char *reason, size_t size)
{
	sd_bus *bus = NULL;
	sd_bus_message *reply = NULL;
	const sd_bus_error *e;
	uint64_t deadline = now_usec() + (timeout_usec ? timeout_usec : BB_POLKIT_TIMEOUT_USEC);
	int authorized = 0, challenge = 0, r;
	bool use_pidfd = peer->pidfd >= 0 && !pidfd_subject_refused, fell_back = false;

	if (reason && size)
		reason[0] = '\0';
	if (peer->pidfd < 0) {
		snprintf(reason, size, "the requesting process could not be pinned");
		return 0;
	}

	r = sd_bus_new(&bus);
	if (r >= 0) {
		const char *addr = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");

		r = sd_bus_set_address(bus, addr ? addr : "unix:path=/run/dbus/system_bus_socket");
	}
	if (r >= 0)
		r = sd_bus_set_bus_client(bus, 1);
	if (r >= 0)
		r = sd_bus_negotiate_fds(bus, 1);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0) {
		snprintf(reason, size,
		         "polkit is unavailable: cannot connect to the system bus: %s",
		         strerror(-r));
		sd_bus_flush_close_unref(bus);
		return r;
	}

	for (;;) {
		r = call_check(bus, peer, use_pidfd, action, details, deadline, &reply);
		if (r < 0) {
			snprintf(reason, size, "polkit is unavailable: %s", strerror(-r));
			goto out;
		}
		if (!reply) {
			snprintf(reason, size, "polkit did not answer in time");
			r = -ETIMEDOUT;
			goto out;
		}
		if (!sd_bus_message_is_method_error(reply, NULL)) {
			if (fell_back)
				pidfd_subject_refused = true;
			break;
		}
		e = sd_bus_message_get_error(reply);
		/* polkitd before 124 knows no pidfd subject: ask again the older way. */
		if (use_pidfd &&
		    (sd_bus_error_has_name(e, "org.freedesktop.PolicyKit1.Error.Failed") ||
		     sd_bus_error_has_name(e, SD_BUS_ERROR_INVALID_ARGS))) {
			use_pidfd = false;
			fell_back = true;
			reply = sd_bus_message_unref(reply);
			continue;
		}
		if (sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT)) {
			snprintf(reason, size, "polkit did not answer in time");
			r = -ETIMEDOUT;
			goto out;
		}
		snprintf(reason, size, "polkit is unavailable: %s%s%s", e->name,
		         e->message ? ": " : "", e->message ? e->message : "");
		r = -sd_bus_error_get_errno(e);
		if (r >= 0)
			r = -EIO;
		goto out;
	}

	r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
	if (r > 0)
		r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
	if (r <= 0) {
		snprintf(reason, size, "polkit sent a malformed answer");
		r = -EBADMSG;
		goto out;
	}
	if (!authorized) {
		if (details_say_dismissed(reply))
			snprintf(reason, size, "polkit: the authentication request was dismissed");
		else if (challenge)
			snprintf(reason, size,
			         "polkit requires interactive authentication for %s, "
			         "which the broker does not offer",
			         action);
		else
			snprintf(reason, size, "polkit denied %s to uid %u", action,
			         (unsigned)peer->uid);
		r = 0;
		goto out;
	}
	/* A yes for a process that is gone could be a yes for its pid's next owner. */
	r = bb_peer_still_alive(peer);
	if (r <= 0) {
		snprintf(reason, size,
		         "the requesting process (pid %d) exited before polkit answered",
		         (int)peer->pid);
		r = 0;
		goto out;
	}
	r = 1;
out:
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	return r;
}
