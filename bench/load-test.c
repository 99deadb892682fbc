/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Service under load (issue 7): one client thread per device spec, each on its own
 * connection and its own IOMMU group, loops Check, Bind (vfio-pci) and Release back to
 * back for SECONDS; then the same again while a flood of slow clients holds connections
 * open (half send nothing, half dribble one byte of a never-finished call per second).
 * Prints throughput and p50/p99 latency per call type for both runs, the errors (any
 * error reply, a denied check or a failed exchange: 0 expected) and what the broker did
 * with the flood.
 *
 *   load-test SOCKET SECONDS FLOOD DEVICE[+MEMBER]...
 *
 * DEVICE+MEMBER: bind the whole IOMMU group (group = true) and release both. The flood
 * runs in a child process as uid 65534 when started as root, so the per-uid limits apply
 * to it as to any unprivileged user; its connections are re-opened once a second when
 * the broker closes them.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bb-varlink.h"

enum { CALL_CHECK, CALL_BIND, CALL_RELEASE, N_CALLS };
static const char *const call_names[N_CALLS] = {"check", "bind", "release"};

typedef struct Samples {
	double *v; /* milliseconds */
	size_t n, cap;
} Samples;

typedef struct Client {
	pthread_t thread;
	char device[64], member[64]; /* member "": a device alone in its group */
	Samples s[N_CALLS];
	unsigned long errors;
	char first_error[512];
} Client;

static const char *sock_path;
static atomic_bool stop;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sample_add(Samples *s, double ms)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		double *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ms;
}

static void client_error(Client *c, const char *what, const char *why)
{
	if (!c->errors++)
		snprintf(c->first_error, sizeof(c->first_error), "%s %.63s: %.300s", what,
		         c->device, why);
}

/* One call, timed; an error reply, a failed exchange or (Check) a denial counts as error. */
static void timed_call(Client *c, int fd, int kind, const char *device, bool group)
{
	static const char *const methods[N_CALLS] = {BB_BROKER_METHOD_CHECK, BB_BROKER_METHOD_BIND,
	                                             BB_BROKER_METHOD_RELEASE};
	struct json_object *p = json_object_new_object();
	BbVarlinkReply reply = {0};
	char err[256];
	double t0;
	int r;

	json_object_object_add(p, "device", json_object_new_string(device));
	if (kind != CALL_RELEASE) {
		json_object_object_add(p, "driver", json_object_new_string("vfio-pci"));
		if (group)
			json_object_object_add(p, "group", json_object_new_boolean(true));
	}
	t0 = now_ms();
	r = bb_varlink_call(fd, methods[kind], p, &reply, err, sizeof(err));
	if (r < 0) {
		client_error(c, call_names[kind], err);
		return;
	}
	sample_add(&c->s[kind], now_ms() - t0);
	if (reply.error) {
		struct json_object *reason = json_object_object_get(reply.parameters, "reason");

		snprintf(err, sizeof(err), "%.100s %.140s", reply.error,
		         reason ? json_object_get_string(reason) : "");
		client_error(c, call_names[kind], err);
	} else if (kind == CALL_CHECK &&
	           !json_object_get_boolean(json_object_object_get(reply.parameters, "allowed"))) {
		client_error(c, call_names[kind], "denied");
	}
	bb_varlink_reply_done(&reply);
}

static void *client_main(void *arg)
{
	Client *c = arg;
	int fd = bb_varlink_connect(sock_path);

	if (fd < 0) {
		client_error(c, "connect", strerror(-fd));
		return NULL;
	}
	/* A whole cycle at a time: every device ends back on its own driver. */
	while (!atomic_load(&stop)) {
		timed_call(c, fd, CALL_CHECK, c->device, c->member[0]);
		timed_call(c, fd, CALL_BIND, c->device, c->member[0]);
		timed_call(c, fd, CALL_RELEASE, c->device, false);
		if (c->member[0])
			timed_call(c, fd, CALL_RELEASE, c->member, false);
		if (c->errors > 100)
			break;
	}
	close(fd);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const Samples *s, double p)
{
	size_t i;

	if (!s->n)
		return 0;
	i = (size_t)(p * (double)s->n + 0.999999);
	return s->v[(i ? i : 1) - 1];
}

/* Runs every client for SECONDS and prints one line per call type. 0, or the errors. */
static unsigned long run_clients(Client *clients, size_t n, double seconds, const char *phase)
{
	Samples all[N_CALLS] = {0};
	unsigned long errors = 0;
	double t0, elapsed;
	struct timespec d = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};

	atomic_store(&stop, false);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < N_CALLS; k++)
			clients[i].s[k].n = 0;
		clients[i].errors = 0;
		clients[i].first_error[0] = '\0';
	}
	t0 = now_ms();
	for (size_t i = 0; i < n; i++)
		pthread_create(&clients[i].thread, NULL, client_main, &clients[i]);
	nanosleep(&d, NULL);
	atomic_store(&stop, true);
	for (size_t i = 0; i < n; i++)
		pthread_join(clients[i].thread, NULL);
	elapsed = (now_ms() - t0) / 1e3;

	for (size_t i = 0; i < n; i++) {
		errors += clients[i].errors;
		if (clients[i].errors)
			fprintf(stderr, "load-test: %s: %lu errors, first: %s\n", phase,
			        clients[i].errors, clients[i].first_error);
		for (int k = 0; k < N_CALLS; k++)
			for (size_t j = 0; j < clients[i].s[k].n; j++)
				sample_add(&all[k], clients[i].s[k].v[j]);
	}
	for (int k = 0; k < N_CALLS; k++) {
		qsort(all[k].v, all[k].n, sizeof(double), cmp_double);
		printf("%-11s %-8s %8zu %9.1f %8.2f %8.2f %7s\n", phase, call_names[k], all[k].n,
		       (double)all[k].n / elapsed, pct(&all[k], 0.50), pct(&all[k], 0.99),
		       k == 0 ? "" : "");
		free(all[k].v);
	}
	printf("%-11s %-8s %8s %9s %8s %8s %7lu\n", phase, "(all)", "", "", "", "", errors);
	return errors;
}

/* ---- the flood: a child process ----------------------------------------------------------- */

typedef struct FloodStats {
	unsigned long opened, bytes_sent;
	unsigned long closed_silently; /* no word: a per-uid or max-clients refusal, or idle */
	unsigned long closed_timeout;  /* after a ProtocolError: the request was not finished */
	unsigned long max_open;        /* connected (accepted or in the backlog) at once */
} FloodStats;

static int flood_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS &&
	    errno != EAGAIN) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Holds M slow connections for SECONDS, then writes its stats to OUT_FD. */
static void flood_main(unsigned m, double seconds, int out_fd)
{
	static const char call[] = "{\"method\": \"io.bindbroker.Broker.GetStatus\", "
	                           "\"parameters\": {}}"; /* never its NUL */
	struct pollfd *pfd = calloc(m, sizeof(*pfd));
	bool *answered = calloc(m, sizeof(*answered));
	size_t *sent = calloc(m, sizeof(*sent));
	FloodStats st = {0};
	double end = now_ms() + seconds * 1e3, next_tick = now_ms();

	if (!pfd || !answered || !sent)
		_exit(1);
	for (unsigned i = 0; i < m; i++)
		pfd[i].fd = -1;
	while (now_ms() < end) {
		unsigned long open_now = 0;
		double t = now_ms();

		if (t >= next_tick) {
			next_tick = t + 1000;
			for (unsigned i = 0; i < m; i++) {
				if (pfd[i].fd < 0) { /* (re)connect once a second */
					pfd[i] = (struct pollfd){.fd = flood_connect(),
					                         .events = POLLIN};
					answered[i] = false;
					sent[i] = 0;
					if (pfd[i].fd >= 0)
						st.opened++;
				} else if (i % 2 && sent[i] < sizeof(call) - 1 &&
				           send(pfd[i].fd, call + sent[i], 1,
				                MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
					sent[i]++;
					st.bytes_sent++;
				}
			}
		}
		for (unsigned i = 0; i < m; i++)
			open_now += pfd[i].fd >= 0;
		if (open_now > st.max_open)
			st.max_open = open_now;
		if (poll(pfd, m, 100) <= 0)
			continue;
		for (unsigned i = 0; i < m; i++) {
			char buf[512];

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			if (recv(pfd[i].fd, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
				answered[i] = true; /* a ProtocolError before the close: read on */
				continue;
			}
			if (answered[i])
				st.closed_timeout++;
			else
				st.closed_silently++;
			close(pfd[i].fd);
			pfd[i].fd = -1;
		}
	}
	if (write(out_fd, &st, sizeof(st)) != (ssize_t)sizeof(st))
		_exit(1);
	_exit(0);
}

static pid_t flood_start(unsigned m, double seconds, int *ret_fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		/* An unprivileged user, as an attacker would be (root is not rationed per uid). */
		if (getuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		     setresuid(65534, 65534, 65534) < 0))
			_exit(1);
		flood_main(m, seconds, p[1]);
	}
	close(p[1]);
	*ret_fd = p[0];
	return pid;
}

int main(int argc, char **argv)
{
	Client *clients;
	size_t n;
	double seconds;
	unsigned flood;
	unsigned long errors;
	FloodStats fs = {0};
	struct timespec settle = {1, 0};
	int fd, status;
	pid_t pid;

	if (argc < 5) {
		fprintf(stderr, "usage: %s SOCKET SECONDS FLOOD DEVICE[+MEMBER]...\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	seconds = atof(argv[2]);
	flood = (unsigned)atoi(argv[3]);
	n = (size_t)(argc - 4);
	if (seconds <= 0 || flood > 4096 || n > 256)
		return 2;
	clients = calloc(n, sizeof(*clients));
	if (!clients)
		return 1;
	for (size_t i = 0; i < n; i++) {
		const char *plus = strchr(argv[4 + i], '+');

		snprintf(clients[i].device, sizeof(clients[i].device), "%.*s",
		         (int)(plus ? plus - argv[4 + i] : (int)strlen(argv[4 + i])), argv[4 + i]);
		if (plus)
			snprintf(clients[i].member, sizeof(clients[i].member), "%s", plus + 1);
	}
	signal(SIGPIPE, SIG_IGN);

	printf("%-11s %-8s %8s %9s %8s %8s %7s\n", "run", "call", "calls", "calls/s", "p50 ms",
	       "p99 ms", "errors");
	errors = run_clients(clients, n, seconds, "alone");

	pid = flood_start(flood, seconds + 2, &fd);
	if (pid < 0)
		return 1;
	nanosleep(&settle, NULL); /* the flood is connected before the clients start */
	errors += run_clients(clients, n, seconds, "with-flood");
	if (read(fd, &fs, sizeof(fs)) != (ssize_t)sizeof(fs))
		fprintf(stderr, "load-test: no stats from the flood\n");
	close(fd);
	waitpid(pid, &status, 0);
	printf("flood: %u slow connections (%u silent, %u dribbling 1 byte/s)%s, re-opened once "
	       "a second when closed: %lu opened, at most %lu connected at once; the broker closed "
	       "%lu without a word (per-uid limit) and %lu with a ProtocolError (request not "
	       "finished within io-timeout-ms); %lu bytes dribbled\n",
	       flood, flood - flood / 2, flood / 2, getuid() == 0 ? " as uid 65534" : "", fs.opened,
	       fs.max_open, fs.closed_silently, fs.closed_timeout, fs.bytes_sent);
	printf("errors: %lu%s\n", errors, errors ? "" : " (service continued)");
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < N_CALLS; k++)
			free(clients[i].s[k].v);
	free(clients);
	return errors ? 1 : 0;
}
