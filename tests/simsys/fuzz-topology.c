/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the topology parser, and for every accepted topology the boot
 * probe plus a walk of the whole tree (every file rendered, every link resolved),
 * so a strange but valid machine cannot crash the file system either.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "simsys-attrs.h"
#include "simsys-core.h"
#include "simsys-topology.h"
#include "simsys-tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
	struct sim_machine *m;
	unsigned depth;
	const char *path;
};

static int visit(void *userdata, const char *name, const struct sim_node *child)
{
	struct walk *w = userdata;
	char target[1024], path[2048];
	struct sim_node found;
	char *buf = NULL;
	size_t len = 0;

	/* What a listing shows, a lookup must find: the same node. */
	snprintf(path, sizeof(path), "%s/%s", w->path, name);
	if (sim_tree_lookup(w->m, path, &found) != 0 || found.type != child->type ||
	    found.what != child->what || found.dev != child->dev || found.drv != child->drv ||
	    found.idx != child->idx || found.part != child->part)
		abort();
	switch (child->type) {
	case SIM_NODE_DIR:
		if (w->depth < 48) {
			struct walk inner = {w->m, w->depth + 1, path};
			sim_tree_list(w->m, child, visit, &inner);
		}
		break;
	case SIM_NODE_FILE:
		if (sim_attr_render(w->m, child, &buf, &len) == 0)
			free(buf);
		break;
	case SIM_NODE_LINK:
		sim_tree_link_target(w->m, child, target, sizeof(target));
		break;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_machine *m = NULL;
	struct sim_node root;
	char err[512];

	if (sim_topology_parse((const char *)data, size, &m, err, sizeof(err)) < 0)
		return 0;
	pthread_mutex_lock(&m->lock);
	sim_probe_all(m);
	if (sim_tree_lookup(m, "/", &root) == 0) {
		struct walk w = {m, 0, ""};
		sim_tree_list(m, &root, visit, &w);
	}
	pthread_mutex_unlock(&m->lock);
	sim_machine_free(m);
	return 0;
}
