/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The model seen as a sysfs tree: which directories, attribute files and links
 * exist, their modes, and the relative targets of the links. One enumerator per
 * directory produces the children; lookup walks the same enumerators, so what
 * readdir lists and what a path resolves to can never disagree.
 * Callers hold m->lock; nodes point into the model and live until it is unlocked.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "simsys-model.h"

enum sim_node_type { SIM_NODE_DIR, SIM_NODE_FILE, SIM_NODE_LINK };

enum sim_what {
	/* directories */
	D_ROOT,
	D_DEVICES,
	D_PCIROOT,
	D_DEV,
	D_DEV_NET,
	D_NET,
	D_DEV_NVME,
	D_NVME_CTRL,
	D_DEV_BLOCK,
	D_BLK,
	D_PART,
	D_BUS,
	D_BUS_PCI,
	D_BUS_DEVICES,
	D_DRIVERS,
	D_DRV,
	D_KERNEL,
	D_GROUPS,
	D_GROUP,
	D_GROUP_DEVICES,
	D_SECURITY,
	D_MODULES,
	D_MODULE,
	D_MODULE_DRIVERS,
	D_CLASS,
	D_CLASS_NET,
	D_CLASS_BLOCK,
	D_SIMSYS,
	D_PROC,
	D_PROC_NET,
	/* files */
	F_VENDOR,
	F_DEVICE,
	F_SUBVENDOR,
	F_SUBDEVICE,
	F_CLASS,
	F_REVISION,
	F_MODALIAS,
	F_OVERRIDE,
	F_BOOT_VGA,
	F_NUMA,
	F_CONFIG,
	F_IRQ,
	F_RESOURCE,
	F_UEVENT,
	F_NET_ADDRESS,
	F_NET_OPERSTATE,
	F_BLK_DEV,
	F_PARTITION,
	F_DRIVERS_PROBE,
	F_AUTOPROBE,
	F_RESCAN,
	F_BIND,
	F_UNBIND,
	F_NEW_ID,
	F_REMOVE_ID,
	F_LOCKDOWN,
	F_REFCNT,
	F_INITSTATE,
	F_CONTROL,
	F_LOG,
	F_ROUTE,
	F_MOUNTS,
	F_SWAPS,
	/* links */
	L_DEV_DRIVER,
	L_DEV_GROUP,
	L_DEV_SUBSYSTEM,
	L_BUS_DEV,
	L_DRV_MODULE,
	L_DRV_DEV,
	L_GROUP_DEV,
	L_MODULE_DRIVER,
	L_CLASS_NET,
	L_CLASS_BLOCK,
	L_NET_DEVICE,
};

struct sim_node {
	enum sim_node_type type;
	enum sim_what what;
	mode_t perm; /* 0755 dirs, 0777 links, 0444/0644/0200 files */
	struct sim_device *dev;
	struct sim_driver *drv;
	const char *module;
	int group;
	unsigned domain, bus; /* D_PCIROOT */
	int ctrl;             /* D_NVME_CTRL: the X of nvmeX */
	size_t idx;           /* net[] / block[] index */
	size_t part;          /* 1 + index into block[idx].parts[], 0 for the disk itself */
};

/* Called per child; a nonzero return stops the walk and is returned. */
typedef int (*sim_tree_cb)(void *userdata, const char *name, const struct sim_node *child);

/* Resolves PATH ("/" or "/bus/pci/..."), without following links. -ENOENT, -ENOTDIR. */
int sim_tree_lookup(struct sim_machine *m, const char *path, struct sim_node *ret);
/* Lists the children of DIR. */
int sim_tree_list(struct sim_machine *m, const struct sim_node *dir, sim_tree_cb cb,
                  void *userdata);
/* The relative target of link NODE, e.g. "../../../bus/pci/drivers/nvidia". */
int sim_tree_link_target(struct sim_machine *m, const struct sim_node *node, char *buf,
                         size_t size);
/* "devices/pci0000:00/0000:00:01.0/0000:01:00.0" (no leading slash). */
int sim_tree_device_path(const struct sim_device *d, char *buf, size_t size);
/* For nvme namespaces ("nvme0n1") the controller number, else -1. */
int sim_nvme_ctrl(const char *block_name);
