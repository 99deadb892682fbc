/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decision throughput: N client threads, each on its own connection, send
 * io.bindbroker.Broker.Check for DEVICE back to back for SECONDS and count the
 * answered calls (allowed or denied: both are decisions; an error reply counts
 * as failed).
 *
 * The client does per call only what any client must: send the call's bytes,
 * read the reply and parse it whole with json-c (bb_varlink_parse_reply, as
 * the bindbroker client does). The call is the same every time, so it is
 * serialized once, and each thread keeps its read buffer: building the call
 * object and a fresh 4 KiB buffer per call cost as much CPU as parts of the
 * daemon's work, on the same two CPUs.
 *
 * Parsing the reply costs the client about three times the daemon's work for
 * the call (callgrind: ~200k instructions against ~70k), on the same CPUs. With
 * MODE "scan" the client checks each reply's framing and finds its top-level
 * "allowed" without parsing the rest, as a load generator does: what the
 * daemon can answer when the clients are cheap. "parse" is the default.
 *
 *   check-load SOCKET DEVICE CLIENTS SECONDS [parse|scan]
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bb-macro.h"
#include "bb-varlink.h"

static const char *sock_path, *device;
static atomic_bool stop;
static atomic_ulong answered, failed;

static char *call_bytes; /* the Check call and its NUL */
static bool scan_only;
static size_t call_len;

static int send_call(int fd)
{
	for (size_t off = 0; off < call_len;) {
		ssize_t n = send(fd, call_bytes + off, call_len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

/*
 * A successful Check reply without parsing it: {"parameters":{"device":...,
 * "driver":...,"allowed":true|false,...}} (the order the daemon writes).
 */
static int reply_scan(const char *msg, size_t len)
{
	static const char head[] = "{\"parameters\":{\"device\":\"";
	const char *p;

	if (len < sizeof(head) || memcmp(msg, head, sizeof(head) - 1) != 0 || msg[len - 1] != '}')
		return 0;
	p = strstr(msg, "\",\"allowed\":");
	if (!p)
		return 0;
	p += strlen("\",\"allowed\":");
	return strncmp(p, "true,", 5) == 0 || strncmp(p, "false,", 6) == 0;
}

/* One reply, parsed whole. 1: a decision (allowed true or false), 0: anything else. */
static int read_reply(int fd, BbVarlinkReader *reader)
{
	_cleanup_free_ char *msg = NULL;
	BbVarlinkReply reply = {0};
	struct json_object *allowed;
	char err[256];
	size_t len;
	int r;

	while ((r = bb_varlink_reader_next(reader, &msg, &len)) == 0) {
		r = bb_varlink_reader_fill(reader, fd);
		if (r == 0)
			return -ECONNRESET;
		if (r < 0 && r != -EINTR)
			return r;
	}
	if (r < 0)
		return r;
	if (scan_only)
		return reply_scan(msg, len);
	if (bb_varlink_parse_reply(msg, len, &reply, err, sizeof(err)) < 0)
		return -EBADMSG;
	r = !reply.error && json_object_object_get_ex(reply.parameters, "allowed", &allowed) &&
	    json_object_is_type(allowed, json_type_boolean);
	bb_varlink_reply_done(&reply);
	return r;
}

static void *client(void *arg)
{
	BbVarlinkReader reader = {.max = BB_VARLINK_REPLY_MAX};
	int fd = bb_varlink_connect(sock_path);
	unsigned long n = 0;

	(void)arg;
	if (fd < 0) {
		atomic_fetch_add(&failed, 1);
		return NULL;
	}
	while (!atomic_load(&stop)) {
		if (send_call(fd) < 0 || read_reply(fd, &reader) != 1) {
			atomic_fetch_add(&failed, 1);
			break;
		}
		n++;
	}
	bb_varlink_reader_done(&reader);
	atomic_fetch_add(&answered, n);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: %s SOCKET DEVICE CLIENTS SECONDS [parse|scan]\n", argv[0]);
		return 2;
	}
	if (argc == 6 && strcmp(argv[5], "scan") == 0)
		scan_only = true;
	else if (argc == 6 && strcmp(argv[5], "parse") != 0)
		return 2;
	sock_path = argv[1];
	device = argv[2];
	int clients = atoi(argv[3]);
	double seconds = atof(argv[4]);
	if (clients < 1 || clients > 1024 || seconds <= 0)
		return 2;
	{
		struct json_object *p = json_object_new_object(), *call;
		int r;

		json_object_object_add(p, "device", json_object_new_string(device));
		call = bb_varlink_call_new(BB_BROKER_METHOD_CHECK, p);
		r = call ? bb_varlink_serialize(call, BB_VARLINK_MESSAGE_MAX, &call_bytes, &call_len)
		         : -ENOMEM;
		json_object_put(call);
		if (r < 0)
			return 1;
	}
	pthread_t *t = calloc((size_t)clients, sizeof(*t));
	struct timespec t0, t1, d = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < clients; i++)
		pthread_create(&t[i], NULL, client, NULL);
	nanosleep(&d, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < clients; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%d %lu %.0f %lu\n", clients, atomic_load(&answered),
	       (double)atomic_load(&answered) / el, atomic_load(&failed));
	free(t);
	free(call_bytes);
	return atomic_load(&failed) ? 1 : 0;
}
