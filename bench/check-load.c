/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decision throughput: N client threads, each on its own connection, send
 * io.bindbroker.Broker.Check for DEVICE back to back for SECONDS and count the
 * answered calls (allowed or denied: both are decisions).
 *
 *   check-load SOCKET DEVICE CLIENTS SECONDS
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bb-varlink.h"

static const char *sock_path, *device;
static atomic_bool stop;
static atomic_ulong answered, failed;

static void *client(void *arg)
{
	char err[256];
	int fd = bb_varlink_connect(sock_path);
	unsigned long n = 0;

	(void)arg;
	if (fd < 0) {
		atomic_fetch_add(&failed, 1);
		return NULL;
	}
	while (!atomic_load(&stop)) {
		BbVarlinkReply reply = {0};
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "device", json_object_new_string(device));
		if (bb_varlink_call(fd, BB_BROKER_METHOD_CHECK, p, &reply, err, sizeof(err)) < 0) {
			atomic_fetch_add(&failed, 1);
			break;
		}
		bb_varlink_reply_done(&reply);
		n++;
	}
	atomic_fetch_add(&answered, n);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s SOCKET DEVICE CLIENTS SECONDS\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	device = argv[2];
	int clients = atoi(argv[3]);
	double seconds = atof(argv[4]);
	if (clients < 1 || clients > 1024 || seconds <= 0)
		return 2;
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
	return atomic_load(&failed) ? 1 : 0;
}
