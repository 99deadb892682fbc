/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bindbrokerd: options, set-up of the broker library, the socket, and the loop. */
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <systemd/sd-daemon.h>

#include "daemon-glue.h"
#include "daemon.h"
#include "sandbox.h"

#ifndef BB_VERSION
#define BB_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f, "Usage: bindbrokerd [--sysfs-root DIR] [--config-dir DIR] [--state-dir DIR]\n"
	           "                   [--socket PATH] [--modules-dir DIR]\n"
	           "                   [--audit required|best-effort|off] [--limit NAME=VALUE]...\n"
	           "\n"
	           "The bindbroker daemon: decides and performs PCI device-to-driver rebinds\n"
	           "for clients on its varlink socket (interface io.bindbroker.Broker).\n");
}

/* 0 parsed, 1 done (help/version), -EINVAL bad usage. */
static int parse_args(int argc, char **argv, BbDaemonOptions *o)
{
	enum {
		OPT_SYSFS = 0x100,
		OPT_CONFIG,
		OPT_STATE,
		OPT_SOCKET,
		OPT_MODULES,
		OPT_AUDIT,
		OPT_LIMIT,
	};
	static const struct option options[] = {
	    {"sysfs-root", required_argument, NULL, OPT_SYSFS},
	    {"config-dir", required_argument, NULL, OPT_CONFIG},
	    {"state-dir", required_argument, NULL, OPT_STATE},
	    {"socket", required_argument, NULL, OPT_SOCKET},
	    {"modules-dir", required_argument, NULL, OPT_MODULES},
	    {"audit", required_argument, NULL, OPT_AUDIT},
	    {"limit", required_argument, NULL, OPT_LIMIT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {},
	};
	int c;

	*o = (BbDaemonOptions){
	    .sysfs_root = "/sys",
	    .config_dir = "/etc/bindbroker",
	    .state_dir = "/var/lib/bindbroker",
	    .socket_path = "/run/bindbroker/io.bindbroker.Broker",
	    .modules_dir = NULL,
	    .audit = -1, /* bindbroker.conf's audit=, else best-effort */
	};
	bb_server_limits_default(&o->limits);
	while ((c = getopt_long(argc, argv, "hV", options, NULL)) >= 0) {
		switch (c) {
		case OPT_SYSFS:
			o->sysfs_root = optarg;
			break;
		case OPT_CONFIG:
			o->config_dir = optarg;
			break;
		case OPT_STATE:
			o->state_dir = optarg;
			break;
		case OPT_SOCKET:
			o->socket_path = optarg;
			break;
		case OPT_MODULES:
			o->modules_dir = optarg;
			break;
		case OPT_AUDIT:
			o->audit = bb_audit_mode_from_string(optarg);
			if (o->audit < 0) {
				fprintf(stderr, "bindbrokerd: --audit takes required, best-effort "
				                "or off\n");
				return -EINVAL;
			}
			break;
		case OPT_LIMIT: {
			char name[32];
			const char *eq = strchr(optarg, '=');

			if (!eq || (size_t)(eq - optarg) >= sizeof(name)) {
				fprintf(stderr, "bindbrokerd: --limit takes NAME=VALUE\n");
				return -EINVAL;
			}
			if (o->n_limit_args >= BB_DAEMON_LIMIT_ARGS_MAX) {
				fprintf(stderr, "bindbrokerd: more than %d --limit options\n",
				        BB_DAEMON_LIMIT_ARGS_MAX);
				return -EINVAL;
			}
			memcpy(name, optarg, (size_t)(eq - optarg));
			name[eq - optarg] = '\0';
			/* Checked now; applied over bindbroker.conf's limits by setup(). */
			o->limit_args[o->n_limit_args++] = optarg;
			c = bb_server_limit_set(&o->limits, name, eq + 1);
			if (c < 0) {
				fprintf(stderr, "bindbrokerd: --limit %s: %s\n", optarg,
				        c == -ENOENT ? "no such limit (max-clients, "
				                       "max-clients-per-uid, max-requests-per-uid, "
				                       "workers, read-workers, idle-timeout-ms, "
				                       "io-timeout-ms, check-cache-ms)"
				                     : "value out of range");
				return -EINVAL;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("bindbrokerd %s\n", BB_VERSION);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bindbrokerd: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int open_state_dir(const char *path)
{
	int fd;

	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return log_error_errno(errno, "cannot create state dir %s: %m", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return log_error_errno(errno, "cannot open state dir %s: %m", path);
	return fd;
}

/* The limits in force: bindbroker.conf's (over the defaults), then every --limit over them. */
static int apply_limits(BbDaemon *d)
{
	d->opts.limits = d->config.limits;
	for (size_t i = 0; i < d->opts.n_limit_args; i++) {
		const char *arg = d->opts.limit_args[i], *eq = strchr(arg, '=');
		char name[32];
		int r;

		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
		r = bb_server_limit_set(&d->opts.limits, name, eq + 1);
		if (r < 0) /* parse_args checked it */
			return log_error_errno(r, "--limit %s: %m", arg);
	}
	return 0;
}

static int setup(BbDaemon *d)
{
	struct bb_binder_options bo = {.observer = journal_step_observer, .userdata = d};
	char err[600] = "";
	int r;

	r = bb_config_load(d->opts.config_dir, &d->config, err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "configuration: %s", err);
	r = apply_limits(d);
	if (r < 0)
		return r;
	bo.verify_timeout_ms = d->config.bind_verify_timeout_ms;
	r = bb_sysfs_open(d->opts.sysfs_root, NULL, &d->sysfs);
	if (r < 0)
		return log_error_errno(r, "cannot open sysfs root %s: %m", d->opts.sysfs_root);
	r = bb_modules_new(d->opts.modules_dir, &d->modules);
	if (r < 0) {
		if (!bb_sysfs_is_simsys(d->sysfs))
			return log_error_errno(r, "cannot open the modules dir: %m");
		/* simsys loads modules through its control file; variants fall back to vfio-pci. */
		log_warning_errno(r, "no modules dir (%m); vfio variant selection is off");
		d->modules = NULL;
	}
	/* Every PAM call runs on this one thread, whichever worker asks. */
	d->authz = (BbAuthzConfig){.mode = BB_AUTHZ_POLKIT};
	r = bb_authz_mode_from_string(d->config.authorization, &d->authz.mode);
	if (r < 0)
		return log_error_errno(r, "configuration: unknown authorization \"%s\"",
		                       d->config.authorization);
	r = bb_pam_worker_start(&d->authz.pam);
	if (r < 0)
		return log_error_errno(r, "cannot start the PAM thread: %m");
	d->state_fd = open_state_dir(d->opts.state_dir);
	if (d->state_fd < 0)
		return d->state_fd;
	r = daemon_audit_init(d);
	if (r < 0)
		return r;
	r = daemon_policy_init(d);
	if (r < 0)
		return r;
	r = daemon_tables_init(d);
	if (r < 0)
		return r;
	r = daemon_journal_init(d);
	if (r < 0)
		return r;
	d->binder_opts = bo;
	r = bb_binder_new(d->sysfs, d->modules, &d->binder_opts, &d->binder);
	if (r < 0)
		return log_error_errno(r, "cannot set up the binder: %m");
	return 0;
}

static void teardown(BbDaemon *d)
{
	bb_pam_worker_stop(d->authz.pam);
	d->authz.pam = NULL;
	d->binder = bb_binder_free(d->binder);
	daemon_journal_close(d); /* the final checkpoint */
	daemon_tables_free(d);
	daemon_tables_expiry_free(d);
	daemon_policy_free(d);
	daemon_audit_free(d);
	d->modules = bb_modules_free(d->modules);
	d->sysfs = bb_sysfs_free(d->sysfs);
	if (d->state_fd >= 0)
		close(d->state_fd);
	d->state_fd = -1;
}

void bb_daemon_reload(BbDaemon *d)
{
	char err[1024];

	/* On failure the old configuration, policy and tables stay; the reload logs why. */
	(void)bb_daemon_reload_all(d, err, sizeof(err));
}

void bb_daemon_tick(BbDaemon *d)
{
	daemon_tables_tick(d);
	daemon_journal_tick(d);
}

int bb_daemon_poll_timeout_ms(const BbDaemon *d)
{
	/*
	 * Once a second: a table's expiry is journaled within a second of it, and a
	 * checkpoint that falls due by time is written (the journal decides when).
	 */
	(void)d;
	return 1000;
}

/*
 * The unit is Type=notify: tell systemd the socket is served, the journal checked and the
 * sandbox on. Under systemd only (NOTIFY_SOCKET); a failure is logged, not fatal.
 */
static void notify_ready(void)
{
	int r;

	if (!getenv("NOTIFY_SOCKET"))
		return;
	r = sd_notify(0, "READY=1");
	if (r < 0)
		log_warning_errno(r, "Telling systemd that bindbrokerd is ready failed: %m");
}

int main(int argc, char **argv)
{
	BbDaemon d = {
	    .state_fd = -1,
	    /* A waiting reload is not starved by a stream of decisions; nobody holds it twice. */
	    .reload_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP,
	    .reload_mutex = PTHREAD_MUTEX_INITIALIZER,
	    .policy_lock = PTHREAD_MUTEX_INITIALIZER,
	    .tables_lock = PTHREAD_MUTEX_INITIALIZER,
	    .journal_lock = PTHREAD_MUTEX_INITIALIZER,
	};
	BbListener listener = {.fd = -1};
	sigset_t mask;
	int r;

	/*
	 * Before any other OpenSSL call: nothing here formats OpenSSL's error queue, so its
	 * table of error strings is not loaded (256 KiB of libcrypto and 56 KiB of heap that
	 * would stay resident). The system's openssl.cnf is still read, as by default.
	 */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
	r = parse_args(argc, argv, &d.opts);
	if (r != 0)
		return r > 0 ? 0 : 2;

	/* Signals arrive through the loop's signalfd; a vanished client is not a signal. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = setup(&d);
	if (r >= 0)
		r = bb_server_listen(d.opts.socket_path, &listener);
	if (r >= 0)
		r = bb_sandbox_daemon(d.opts.config_dir); /* after start-up: see sandbox.h */
	if (r >= 0) {
		log_info("bindbrokerd %s serving %s on %s%s", BB_VERSION, d.opts.sysfs_root,
		         d.opts.socket_path, listener.activated ? " (socket-activated)" : "");
		notify_ready();
		/*
		 * Start-up's transient allocations (configuration, policy, key and journal checks)
		 * leave free holes below the heap's top that glibc only trims from the top: give
		 * their pages back once, before waiting for the first request (~68 KiB).
		 */
		malloc_trim(0);
		r = bb_server_run(&d, listener.fd);
	}
	/* Also when the sandbox failed: a socket nobody serves must not stay behind. */
	if (listener.fd >= 0)
		bb_server_close(d.opts.socket_path, &listener);
	teardown(&d);
	return r < 0 ? 1 : 0;
}
