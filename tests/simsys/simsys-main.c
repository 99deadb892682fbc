/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bindbroker-simsys MOUNTPOINT --topology FILE.json [-f] [-d]
 * bindbroker-simsys check FILE.json
 * bindbroker-simsys record SYSFS_ROOT
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-macro.h"
#include "simsys-core.h"
#include "simsys-fs.h"
#include "simsys-record.h"
#include "simsys-topology.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: bindbroker-simsys MOUNTPOINT --topology FILE.json [-f] [-d]\n"
	             "       bindbroker-simsys check FILE.json\n"
	             "       bindbroker-simsys record SYSFS_ROOT\n"
	             "\n"
	             "Mounts a simulated /sys with the kernel driver core's binding rules.\n"
	             "  -t, --topology FILE  machine description (tests/simsys/SPEC.md)\n"
	             "  -f, --foreground     do not daemonize\n"
	             "  -d, --debug          FUSE debug output (implies -f)\n"
	             "check validates a topology file; record prints the topology of a real\n"
	             "sysfs tree, reading only.\n");
}

static int cmd_check(const char *path)
{
	struct sim_machine *m = NULL;
	char err[1024];
	int r = sim_topology_load(path, &m, err, sizeof(err));

	if (r < 0) {
		fprintf(stderr, "bindbroker-simsys: %s\n", err);
		return 1;
	}
	printf("%s: ok, %zu drivers, %zu devices\n", path, m->n_drivers, m->n_devices);
	sim_machine_free(m);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"topology", required_argument, NULL, 't'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	const char *topology = NULL, *mountpoint = NULL;
	bool foreground = false, debug = false;
	struct sim_machine *m = NULL;
	char err[1024];
	int c, r;

	if (argc == 3 && streq(argv[1], "record"))
		return sim_record(argv[2], stdout) < 0 ? 1 : 0;
	if (argc == 3 && streq(argv[1], "check"))
		return cmd_check(argv[2]);

	while ((c = getopt_long(argc, argv, "t:fdh", options, NULL)) >= 0) {
		switch (c) {
		case 't':
			topology = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'd':
			debug = foreground = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || !topology) {
		usage(stderr);
		return 2;
	}
	mountpoint = argv[optind];

	r = sim_topology_load(topology, &m, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "bindbroker-simsys: %s\n", err);
		return 1;
	}
	/* Boot: every device is offered to the drivers, as the kernel does at startup. */
	pthread_mutex_lock(&m->lock);
	sim_probe_all(m);
	pthread_mutex_unlock(&m->lock);

	r = sim_fs_run(m, mountpoint, foreground, debug);
	if (r < 0)
		fprintf(stderr, "bindbroker-simsys: cannot serve %s: %s\n", mountpoint,
		        strerror(-r));
	sim_machine_free(m);
	return r < 0 ? 1 : 0;
}
