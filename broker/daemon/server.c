/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The listening socket (socket-activated or our own), the poll loop and the
 * worker pool. The loop reads NUL-terminated calls and writes replies without
 * blocking. Acting calls go to a small pool of worker threads, so a bind whose
 * probe takes long never delays list, check or a bind elsewhere (dispatch
 * serializes binds per IOMMU group). Check, show and list (the read-only calls
 * that read sysfs) go to a second pool of read workers, so many clients use
 * every core and a slow bind never holds them up; the other read-only calls
 * are answered on the loop.
 * While a connection has a call in flight or a reply being written, no
 * further call of it is read: a client holds at most one call and one reply
 * of memory. Every connection has a deadline: idle, finishing a request, or
 * taking its reply; a client that disconnects mid-bind leaves the bind to
 * complete or roll back on its worker, and its reply is dropped.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "json-text.h"

#define MAX_CONNECTIONS_CAP 1024
#define MAX_WORKERS_CAP     64

typedef struct Job Job;

typedef struct Conn {
	int fd;
	BbPeer peer;
	BbVarlinkReader reader;
	char *out;
	size_t out_len, out_off;
	bool closing;        /* close once the pending reply is written */
	bool eof;            /* the peer is done sending: answer what it sent, then close */
	bool hup;            /* the peer is gone: nothing can be answered */
	Job *job;            /* an acting call on a worker; the connection outlives it */
	uint64_t active_ms;  /* last time something happened: the idle clock */
	uint64_t partial_ms; /* first byte of an unfinished request, 0 = none */
	uint64_t out_ms;     /* when the pending reply was queued */
} Conn;

struct Job {
	Conn *conn;
	BbVarlinkCall call;
	char *out; /* the reply, serialized on the worker (NULL for a oneway call) */
	size_t out_len;
	int out_r; /* <0: it could not be serialized */
	Job *next;
};

/* One queue of calls and the threads that take from it. */
typedef struct Pool {
	pthread_cond_t work;
	Job *todo_head, *todo_tail; /* waiting for a worker */
	size_t idle;                /* workers waiting on work: only they need a signal */
	struct Worker *workers;
	size_t n_workers, size;
} Pool;

/*
 * A worker's own binder and kmod context: libkmod contexts are not thread-safe.
 * A read worker has no binder, and its kmod context is made on first use.
 */
typedef struct Worker {
	struct Server *server;
	Pool *pool;
	pthread_t thread;
	bool started;
	bb_modules *modules;
	bb_binder *binder;
} Worker;

typedef struct Server {
	BbDaemon *d;
	BbServerLimits lim;
	pthread_mutex_t lock;
	Pool acting, reading;
	Job *done; /* answered, for the loop */
	bool stopping;
	int wake_fd; /* eventfd: something is in done */
	Conn **conns;
	size_t n;
} Server;

static _Thread_local Worker *this_worker;

bb_binder *bb_daemon_binder(BbDaemon *d)
{
	return this_worker ? this_worker->binder : d->binder;
}

bb_modules *bb_daemon_modules(BbDaemon *d)
{
	if (!this_worker)
		return d->modules;
	/* A read worker's context, made when its first check needs one (NULL as the loop's). */
	if (!this_worker->modules && d->modules &&
	    bb_modules_new(d->opts.modules_dir, &this_worker->modules) < 0)
		return NULL;
	return this_worker->modules;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- limits ------------------------------------------------------------------------------ */

void bb_server_limits_default(BbServerLimits *l)
{
	*l = (BbServerLimits){
	    .max_clients = 64,
	    .max_clients_per_uid = 16,
	    .max_requests_per_uid = 2,
	    .workers = 4,
	    .read_workers = 0, /* one per online CPU, 2 to 16 */
	    .check_cache_ms = 0,
	    .idle_timeout_ms = 60000,
	    .io_timeout_ms = 10000,
	};
}

int bb_server_limit_set(BbServerLimits *l, const char *name, const char *value)
{
	static const struct {
		const char *name;
		size_t offset;
		unsigned min, max;
	} table[] = {
	    {"max-clients", offsetof(BbServerLimits, max_clients), 1, MAX_CONNECTIONS_CAP},
	    {"max-clients-per-uid", offsetof(BbServerLimits, max_clients_per_uid), 1,
	     MAX_CONNECTIONS_CAP},
	    {"max-requests-per-uid", offsetof(BbServerLimits, max_requests_per_uid), 1,
	     MAX_WORKERS_CAP},
	    {"workers", offsetof(BbServerLimits, workers), 1, MAX_WORKERS_CAP},
	    {"read-workers", offsetof(BbServerLimits, read_workers), 0, MAX_WORKERS_CAP},
	    {"check-cache-ms", offsetof(BbServerLimits, check_cache_ms), 0, 10000},
	    {"idle-timeout-ms", offsetof(BbServerLimits, idle_timeout_ms), 10, 86400000},
	    {"io-timeout-ms", offsetof(BbServerLimits, io_timeout_ms), 10, 3600000},
	};
	unsigned long v;
	char *end;

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (!streq(name, table[i].name))
			continue;
		errno = 0;
		v = strtoul(value, &end, 10);
		if (errno || end == value || *end || value[0] == '-' || v < table[i].min ||
		    v > table[i].max)
			return -ERANGE;
		*(unsigned *)((char *)l + table[i].offset) = (unsigned)v;
		return 0;
	}
	return -ENOENT;
}

/* ---- the listening socket ---------------------------------------------------------------- */

static int make_parent_dir(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return log_error_errno(errno, "cannot create %s: %m", dir);
	return 0;
}

/* A socket file left behind by a dead daemon is removed; a live one is not touched. */
static int clear_stale_socket(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	_cleanup_close_ int probe = -1;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : log_error_errno(errno, "cannot inspect %s: %m", path);
	if (!S_ISSOCK(st.st_mode))
		return log_error_errno(EEXIST, "%s exists and is not a socket", path);
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return negative_errno();
	if (connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		return log_error_errno(EADDRINUSE, "another broker is listening on %s", path);
	if (unlink(path) < 0)
		return log_error_errno(errno, "cannot remove stale socket %s: %m", path);
	return 0;
}

int bb_server_listen(const char *path, BbListener *ret)
{
	struct stat st;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;
	int n, r;

	n = sd_listen_fds(1);
	if (n < 0)
		return log_error_errno(n, "socket activation: %m");
	if (n > 1)
		return log_error_errno(EINVAL, "socket activation passed %d sockets, expected one",
		                       n);
	if (n == 1) {
		fd = SD_LISTEN_FDS_START;
		r = sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0);
		if (r <= 0)
			return log_error_errno(r < 0 ? r : EINVAL,
			                       "the activated fd is not a listening AF_UNIX "
			                       "stream socket");
		r = fcntl(fd, F_GETFL);
		if (r < 0 || fcntl(fd, F_SETFL, r | O_NONBLOCK) < 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			return log_error_errno(errno, "cannot set up the activated socket: %m");
		*ret = (BbListener){.fd = TAKE_FD(fd), .activated = true};
		return 0;
	}

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(ENAMETOOLONG, "socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	r = make_parent_dir(path);
	if (r < 0)
		return r;
	r = clear_stale_socket(path, &sa);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return log_error_errno(errno, "socket: %m");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return log_error_errno(errno, "cannot bind %s: %m", sa.sun_path);
	/* Every local user may ask; acting calls are authorized per request. */
	if (chmod(sa.sun_path, 0666) < 0 || lstat(sa.sun_path, &st) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		r = log_error_errno(errno, "cannot listen on %s: %m", sa.sun_path);
		unlink(sa.sun_path);
		return r;
	}
	*ret = (BbListener){.fd = TAKE_FD(fd), .dev = st.st_dev, .ino = st.st_ino};
	return 0;
}

void bb_server_close(const char *path, BbListener *l)
{
	struct stat st;

	/* Our own socket file goes with us, unless a successor has replaced it. */
	if (!l->activated && lstat(path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(path);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* ---- replies ------------------------------------------------------------------------------ */

/* MSG (taken) as the bytes on the wire; any thread. */
static int message_serialize(struct json_object *msg, char **ret, size_t *ret_len)
{
	int r;

	r = bb_varlink_serialize(msg, BB_VARLINK_REPLY_MAX, ret, ret_len);
	if (r == -EMSGSIZE) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "reason", json_object_new_string("reply too large"));
		json_object_put(msg);
		msg = bb_varlink_error_new(BB_BROKER_ERROR_INTERNAL, e);
		r = bb_varlink_serialize(msg, BB_VARLINK_REPLY_MAX, ret, ret_len);
	}
	json_object_put(msg);
	return r;
}

/*
 * {"parameters":TEXT} and its NUL, as bb_varlink_serialize would print the
 * reply around a text object (json-text.h), without printing it through json-c.
 * 0: not such a reply, or too large (the json-c path answers that).
 */
static int reply_text(struct json_object *params, char **ret, size_t *ret_len)
{
	static const char head[] = "{\"parameters\":";
	const char *text = json_text_of(params);
	size_t n, len;
	char *buf;

	if (!text)
		return 0;
	n = strlen(text);
	len = sizeof(head) - 1 + n + 1; /* without the NUL */
	if (len > BB_VARLINK_REPLY_MAX)
		return 0;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, text, n);
	buf[len - 1] = '}';
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len + 1;
	return 1;
}

/* The reply of CALL (NULL for a oneway call), taking REPLY's parameters; any thread. */
static int reply_serialize(const BbVarlinkCall *call, BbReply *reply, char **ret, size_t *ret_len)
{
	struct json_object *params = TAKE_PTR(reply->parameters);
	int r;

	*ret = NULL;
	*ret_len = 0;
	if (call->oneway) {
		json_object_put(params);
		return 0;
	}
	if (!reply->error) {
		r = reply_text(params, ret, ret_len);
		if (r != 0) {
			json_object_put(params);
			return r < 0 ? r : 0;
		}
	}
	if (reply->error)
		return message_serialize(bb_varlink_error_new(reply->error, params), ret, ret_len);
	return message_serialize(bb_varlink_reply_new(params), ret, ret_len);
}

/* ---- the worker pool ---------------------------------------------------------------------- */

static void *worker_main(void *arg)
{
	Worker *w = arg;
	Server *s = w->server;
	Pool *p = w->pool;

	this_worker = w;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		bool wake;
		Job *job;

		while (!p->todo_head && !s->stopping) {
			p->idle++;
			pthread_cond_wait(&p->work, &s->lock);
			p->idle--;
		}
		if (!p->todo_head)
			break;
		job = p->todo_head;
		p->todo_head = job->next;
		if (!p->todo_head)
			p->todo_tail = NULL;
		pthread_mutex_unlock(&s->lock);

		/* Runs to the end even if the client has gone: a bind completes or rolls back.
		 * The reply is serialized (and its tree freed) here, not on the loop. */
		{
			BbReply reply = {0};

			bb_daemon_dispatch(s->d, &job->conn->peer, &job->call, &reply);
			job->out_r = reply_serialize(&job->call, &reply, &job->out, &job->out_len);
		}

		/* The loop takes the whole list when woken: only the first job of a list wakes it,
		 * and not while holding the lock the loop and the other workers wait for. */
		pthread_mutex_lock(&s->lock);
		wake = !s->done;
		job->next = s->done;
		s->done = job;
		if (wake) {
			pthread_mutex_unlock(&s->lock);
			(void)eventfd_write(s->wake_fd, 1);
			pthread_mutex_lock(&s->lock);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int pool_start(Server *s, Pool *p, size_t size, bool acting)
{
	BbDaemon *d = s->d;
	int r;

	p->workers = calloc(size, sizeof(*p->workers));
	if (!p->workers)
		return -ENOMEM;
	p->size = size;
	for (size_t i = 0; i < size; i++) {
		Worker *w = &p->workers[i];

		w->server = s;
		w->pool = p;
		if (acting && d->modules) {
			r = bb_modules_new(d->opts.modules_dir, &w->modules);
			if (r < 0)
				return log_error_errno(
				    r, "worker %zu: cannot open the modules dir: %m", i);
		}
		if (acting) {
			r = bb_binder_new(d->sysfs, w->modules, &d->binder_opts, &w->binder);
			if (r < 0)
				return log_error_errno(r, "worker %zu: cannot set up a binder: %m",
				                       i);
		}
		r = pthread_create(&w->thread, NULL, worker_main, w);
		if (r != 0)
			return log_error_errno(r, "cannot start worker thread %zu: %m", i);
		w->started = true;
		p->n_workers++;
	}
	return 0;
}

/* Read workers are CPU-bound on a kernel's sysfs: one per online CPU unless configured. */
static size_t read_workers(const BbServerLimits *l)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (l->read_workers)
		return l->read_workers;
	return n < 2 ? 2 : n > 16 ? 16 : (size_t)n;
}

static int workers_start(Server *s)
{
	int r = pool_start(s, &s->acting, s->lim.workers, true);

	if (r >= 0)
		r = pool_start(s, &s->reading, read_workers(&s->lim), false);
	return r;
}

static void job_free(Job *job)
{
	bb_varlink_call_done(&job->call);
	free(job->out);
	free(job);
}

/*
 * Stops the pool: calls not yet started are dropped (their connections are
 * closed unanswered), calls in progress finish first.
 */
/* Drops calls never started: their connections are closed unanswered. */
static void jobs_drop(Job *todo)
{
	while (todo) {
		Job *next = todo->next;

		todo->conn->job = NULL;
		todo->conn->hup = true;
		job_free(todo);
		todo = next;
	}
}

static void pool_join(Pool *p)
{
	for (size_t i = 0; i < p->size && p->workers; i++) {
		Worker *w = &p->workers[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		w->binder = bb_binder_free(w->binder);
		w->modules = bb_modules_free(w->modules);
	}
	free(p->workers);
	p->workers = NULL;
	p->n_workers = p->size = 0;
}

static void workers_stop(Server *s)
{
	Pool *acting = &s->acting, *reading = &s->reading;
	Job *acting_todo, *reading_todo;

	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	acting_todo = acting->todo_head;
	reading_todo = reading->todo_head;
	acting->todo_head = acting->todo_tail = reading->todo_head = reading->todo_tail = NULL;
	pthread_cond_broadcast(&acting->work);
	pthread_cond_broadcast(&reading->work);
	pthread_mutex_unlock(&s->lock);
	jobs_drop(acting_todo);
	jobs_drop(reading_todo);
	if (acting->n_workers)
		log_info("waiting for requests in progress to finish");
	pool_join(acting);
	pool_join(reading);
}

/* ---- connections ------------------------------------------------------------------------- */

static void conn_free(Conn *c)
{
	if (!c)
		return;
	bb_peer_done(&c->peer.id);
	close(c->fd);
	bb_varlink_reader_done(&c->reader);
	free(c->out);
	free(c);
}

/* Writes what the socket takes now. 1 when everything is out, 0 when more is left. */
static int conn_flush(Conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return negative_errno();
		}
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	c->active_ms = now_ms();
	return 1;
}

/* Makes OUT (taken; NULL = nothing) the connection's pending reply. */
static void conn_set_out(Conn *c, char *out, size_t len)
{
	free(c->out);
	c->out = out;
	c->out_len = len;
	c->out_off = 0;
	c->out_ms = now_ms();
}

static int conn_queue(Conn *c, struct json_object *msg)
{
	char *out;
	size_t len;
	int r = message_serialize(msg, &out, &len);

	if (r < 0)
		return r;
	conn_set_out(c, out, len);
	return 0;
}

/* Queues the reply of a call (nothing for a oneway call); takes REPLY's parameters. */
static int conn_queue_reply(Conn *c, const BbVarlinkCall *call, BbReply *reply)
{
	char *out;
	size_t len;
	int r = reply_serialize(call, reply, &out, &len);

	if (r < 0)
		return r;
	if (out)
		conn_set_out(c, out, len);
	return 0;
}

static int conn_protocol_error(Conn *c, const char *reason)
{
	struct json_object *e = json_object_new_object();

	log_notice("closing connection of pid %d uid %u: %s", (int)c->peer.pid,
	           (unsigned)c->peer.uid, reason);
	json_object_object_add(e, "reason", json_object_new_string(reason));
	c->closing = true;
	return conn_queue(c, bb_varlink_error_new(BB_BROKER_ERROR_PROTOCOL, e));
}

static unsigned requests_in_flight(const Server *s, uid_t uid)
{
	unsigned k = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->conns[i]->job && s->conns[i]->peer.uid == uid)
			k++;
	return k;
}

/* Queues CALL (taken) for POOL; the connection reads nothing more until it is answered. */
static int conn_enqueue(Server *s, Pool *p, Conn *c, BbVarlinkCall *call)
{
	Job *job = calloc(1, sizeof(*job));
	bool signal;

	if (!job) {
		bb_varlink_call_done(call);
		return -ENOMEM;
	}
	job->conn = c;
	job->call = *call;
	call->parameters = NULL;
	call->n_fds = 0; /* the job owns them now */
	c->job = job;
	pthread_mutex_lock(&s->lock);
	if (p->todo_tail)
		p->todo_tail->next = job;
	else
		p->todo_head = job;
	p->todo_tail = job;
	/* A busy worker looks at the queue before it waits again: only an idle one needs waking. */
	signal = p->idle > 0;
	pthread_mutex_unlock(&s->lock);
	if (signal)
		pthread_cond_signal(&p->work);
	return 0;
}

/* Hands an acting call to the pool, or refuses it when its uid has too many in flight. */
static int conn_submit(Server *s, Conn *c, BbVarlinkCall *call)
{
	unsigned k = requests_in_flight(s, c->peer.uid);

	/* The administrator is not rationed: udev's coldplug runs an apply per device at once. */
	if (bb_authz_peer_is_admin(&c->peer.id))
		k = 0;

	if (k >= s->lim.max_requests_per_uid) {
		BbReply reply = {0};
		int r;

		log_notice("refused %s from uid %u pid %d: %u requests of this uid in progress",
		           call->method, (unsigned)c->peer.uid, (int)c->peer.pid, k);
		reply_error_reason(&reply, BB_DAEMON_ERROR_BUSY,
		                   "uid %u already has %u requests in progress (limit %u)",
		                   (unsigned)c->peer.uid, k, s->lim.max_requests_per_uid);
		r = conn_queue_reply(c, call, &reply);
		bb_varlink_call_done(call);
		return r;
	}
	return conn_enqueue(s, &s->acting, c, call);
}

/* Serves buffered calls while nothing is in flight or waiting to be written. <0: drop it. */
static int conn_process(Server *s, Conn *c)
{
	while (!c->out && !c->closing && !c->job && !c->hup) {
		_cleanup_free_ char *msg = NULL;
		BbVarlinkCall call = {0};
		BbReply reply = {0};
		char err[256];
		size_t len;
		int r;

		r = bb_varlink_reader_next(&c->reader, &msg, &len);
		if (r == 0)
			break;
		if (r == -EMSGSIZE) {
			r = conn_protocol_error(c, "message longer than 65536 bytes");
		} else if (r < 0) {
			return r;
		} else if (bb_varlink_reader_take_fds(&c->reader, &call) < 0) {
			r = conn_protocol_error(c, "more than 2 file descriptors with one call");
		} else if (bb_varlink_parse_call(msg, len, &call, err, sizeof(err)) < 0) {
			bb_varlink_call_done(&call); /* the descriptors that came with it */
			r = conn_protocol_error(c, err);
		} else if (bb_daemon_method_is_acting(call.method)) {
			r = conn_submit(s, c, &call);
		} else if (bb_daemon_method_is_shared(call.method)) {
			r = conn_enqueue(s, &s->reading, c, &call);
		} else {
			bb_daemon_dispatch(s->d, &c->peer, &call, &reply);
			r = conn_queue_reply(c, &call, &reply);
			bb_varlink_call_done(&call);
		}
		if (r < 0)
			return r;
		if (c->out) {
			r = conn_flush(c);
			if (r < 0)
				return r;
		}
	}
	/* The clock of an unfinished request starts with its first byte. */
	if (bb_varlink_reader_pending(&c->reader)) {
		if (!c->partial_ms)
			c->partial_ms = now_ms();
	} else {
		c->partial_ms = 0;
	}
	return 0;
}

static unsigned clients_of(const Server *s, uid_t uid)
{
	unsigned k = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->conns[i]->peer.uid == uid)
			k++;
	return k;
}

static void accept_one(Server *s, int listen_fd)
{
	BbPeerIdentity id;
	Conn *c;
	int fd, r;

	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warning_errno(errno, "accept: %m");
		return;
	}
	/* Pinned now: the pid alone could name another process by the time we ask about it. */
	r = bb_peer_from_socket(fd, 0, &id);
	if (r == -ESRCH || r == -ENOENT) {
		log_info("dropping a connection whose process is already gone");
		close(fd);
		return;
	}
	if (r < 0) {
		struct ucred cred;
		socklen_t len = sizeof(cred);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			log_warning_errno(errno, "SO_PEERCRED: %m");
			close(fd);
			return;
		}
		/* Read-only calls are still served; acting calls need a pinned process. */
		log_warning_errno(r, "cannot identify pid %d uid %u (%m): acting calls refused",
		                  (int)cred.pid, (unsigned)cred.uid);
		id = (BbPeerIdentity){.pid = cred.pid,
		                      .uid = cred.uid,
		                      .gid = cred.gid,
		                      .pidfd = -1,
		                      .loginuid = BB_PEER_UNSET_ID,
		                      .sessionid = BB_PEER_UNSET_ID};
	}
	if (s->n >= s->lim.max_clients) {
		log_warning("refusing a connection of uid %u: %u clients already connected",
		            (unsigned)id.uid, s->lim.max_clients);
		bb_peer_done(&id);
		close(fd);
		return;
	}
	if (clients_of(s, id.uid) >= s->lim.max_clients_per_uid && !bb_authz_peer_is_admin(&id)) {
		log_warning("refusing a connection of uid %u: it has %u connections already",
		            (unsigned)id.uid, s->lim.max_clients_per_uid);
		bb_peer_done(&id);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		bb_peer_done(&id);
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer = (BbPeer){.pid = id.pid, .uid = id.uid, .gid = id.gid, .fd = fd, .id = id};
	c->active_ms = now_ms();
	s->conns[s->n++] = c;
}

/* Reads what the peer sent and serves it. <0: drop the connection. */
static int conn_readable(Server *s, Conn *c)
{
	int r = bb_varlink_reader_fill(&c->reader, c->fd);

	if (r == -EAGAIN || r == -EINTR)
		return 0;
	if (r == 0) {
		c->eof = true;
		return conn_process(s, c);
	}
	if (r == -EMSGSIZE)
		return conn_protocol_error(c, "message longer than 65536 bytes");
	if (r < 0)
		return r;
	c->active_ms = now_ms();
	return conn_process(s, c);
}

/* The moment this connection runs out of time (UINT64_MAX: none while a call is in flight). */
static uint64_t conn_deadline(const Server *s, const Conn *c)
{
	if (c->job)
		return UINT64_MAX;
	if (c->out)
		return c->out_ms + s->lim.io_timeout_ms;
	if (c->partial_ms)
		return c->partial_ms + s->lim.io_timeout_ms;
	return c->active_ms + s->lim.idle_timeout_ms;
}

/* Acts on an expired deadline. <0: drop the connection now. */
static int conn_expire(Server *s, Conn *c)
{
	char why[128];

	if (c->out) {
		log_notice("dropping connection of pid %d uid %u: it did not take its reply within "
		           "%u ms",
		           (int)c->peer.pid, (unsigned)c->peer.uid, s->lim.io_timeout_ms);
		return -ETIMEDOUT;
	}
	if (c->partial_ms) {
		snprintf(why, sizeof(why), "request not completed within %u ms",
		         s->lim.io_timeout_ms);
		return conn_protocol_error(c, why);
	}
	log_info("closing idle connection of pid %d uid %u (%u ms)", (int)c->peer.pid,
	         (unsigned)c->peer.uid, s->lim.idle_timeout_ms);
	return -ETIMEDOUT;
}

/* Takes the answered calls back from the workers and sends their replies. */
static void collect_done(Server *s)
{
	Job *done;
	eventfd_t v;

	(void)eventfd_read(s->wake_fd, &v);
	pthread_mutex_lock(&s->lock);
	done = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->lock);

	while (done) {
		Job *job = done;
		Conn *c = job->conn;
		int r = 0;

		done = job->next;
		c->job = NULL;
		c->active_ms = now_ms();
		if (!c->hup) {
			r = job->out_r;
			if (r >= 0 && job->out)
				conn_set_out(c, TAKE_PTR(job->out), job->out_len);
			if (r >= 0 && c->out)
				r = conn_flush(c);
			if (r >= 0 && !c->out)
				r = conn_process(s, c);
			if (r < 0)
				c->hup = true;
		}
		job_free(job);
	}
}

static bool conn_finished(const Conn *c)
{
	if (c->job)
		return false;
	return c->hup || (!c->out && (c->closing || c->eof));
}

static void drop_finished(Server *s)
{
	for (size_t i = s->n; i-- > 0;)
		if (conn_finished(s->conns[i])) {
			conn_free(s->conns[i]);
			s->conns[i] = s->conns[--s->n];
		}
}

int bb_server_run(BbDaemon *d, int listen_fd)
{
	Server s = {.d = d, .wake_fd = -1};
	_cleanup_free_ struct pollfd *pfd = NULL;
	_cleanup_free_ Conn **slot = NULL;
	_cleanup_close_ int sfd = -1;
	sigset_t mask;
	int r = 0;

	s.lim = d->opts.limits;
	if (!s.lim.max_clients)
		bb_server_limits_default(&s.lim);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.acting.work, NULL);
	pthread_cond_init(&s.reading.work, NULL);
	s.conns = calloc(s.lim.max_clients, sizeof(*s.conns));
	slot = calloc(s.lim.max_clients, sizeof(*slot));
	pfd = calloc(s.lim.max_clients + 3, sizeof(*pfd));
	if (!s.conns || !slot || !pfd) {
		r = log_error_errno(ENOMEM, "out of memory");
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	s.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sfd < 0 || s.wake_fd < 0) {
		r = log_error_errno(errno, "signalfd/eventfd: %m");
		goto out;
	}
	r = workers_start(&s);
	if (r < 0)
		goto out;

	for (;;) {
		uint64_t now = now_ms(), first = UINT64_MAX;
		size_t np = 3;
		int timeout, daemon_timeout;

		pfd[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = s.wake_fd, .events = POLLIN};
		/* At max-clients, new connections wait in the listen backlog for a free slot. */
		pfd[2] = (struct pollfd){.fd = listen_fd,
		                         .events = s.n < s.lim.max_clients ? POLLIN : 0};
		for (size_t i = 0; i < s.n; i++) {
			Conn *c = s.conns[i];
			uint64_t dl = conn_deadline(&s, c);

			if (dl < first)
				first = dl;
			/* A call in flight: only a hang-up is of interest (events 0 reports it). */
			if (c->hup)
				continue;
			slot[np - 3] = c;
			pfd[np++] = (struct pollfd){
			    .fd = c->fd,
			    .events = c->job   ? 0
			              : c->out ? POLLOUT
			                       : POLLIN,
			};
		}
		/* The journal's timed checkpoints wake the loop too. */
		bb_daemon_tick(d);
		daemon_timeout = bb_daemon_poll_timeout_ms(d);
		if (daemon_timeout >= 0 && first > now + (uint64_t)daemon_timeout)
			first = now + (uint64_t)daemon_timeout;
		timeout = first == UINT64_MAX ? -1
		          : first <= now      ? 0
		                         : (int)(first - now > INT_MAX ? INT_MAX : first - now);
		if (poll(pfd, np, timeout) < 0) {
			if (errno == EINTR)
				continue;
			r = log_error_errno(errno, "poll: %m");
			break;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					log_notice("SIGHUP: reloading configuration, policy "
					           "and tables");
					bb_daemon_reload(d);
				} else {
					log_info("received signal %u, exiting", si.ssi_signo);
					break;
				}
			}
		}
		if (pfd[1].revents & POLLIN)
			collect_done(&s);

		now = now_ms();
		for (size_t i = 3; i < np; i++) {
			Conn *c = slot[i - 3];
			short ev = pfd[i].revents;

			r = 0;
			if (c->job) {
				if (ev & (POLLHUP | POLLERR))
					c->hup =
					    true; /* the worker finishes; the reply is dropped */
				continue;
			}
			if (c->out && (ev & (POLLOUT | POLLERR | POLLHUP))) {
				r = conn_flush(c);
				if (r > 0 && !c->closing)
					r = conn_process(&s, c);
			} else if (ev & (POLLIN | POLLERR | POLLHUP)) {
				r = conn_readable(&s, c);
			} else if (conn_deadline(&s, c) <= now) {
				r = conn_expire(&s, c);
			}
			if (r < 0)
				c->hup = true;
		}
		drop_finished(&s);
		r = 0;
		if (pfd[2].revents & POLLIN)
			accept_one(&s, listen_fd);
	}

	/* SIGTERM: requests in progress finish (bound or rolled back) and are answered if we can.
	 */
	workers_stop(&s);
	collect_done(&s);
out:
	if (s.acting.workers || s.reading.workers)
		workers_stop(&s);
	for (size_t i = 0; i < s.n; i++) {
		if (s.conns[i]->out)
			(void)conn_flush(s.conns[i]);
		conn_free(s.conns[i]);
	}
	free(s.conns);
	if (s.wake_fd >= 0)
		close(s.wake_fd);
	pthread_cond_destroy(&s.acting.work);
	pthread_cond_destroy(&s.reading.work);
	pthread_mutex_destroy(&s.lock);
	return r;
}
