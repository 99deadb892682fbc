/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Facts of a GPU server, built by hand the way the broker would fill them from sysfs:
 * eight GPUs each with its HD audio function in its IOMMU group, an NVMe boot disk
 * mounted on / and /boot/efi, a NIC carrying the default route and a second one that
 * does not, an ASPEED boot VGA behind its ASPEED bridge, a host bridge, a root port, a
 * root complex event collector, a ConnectX-6, an accelerator and a QAT on the deny-list.
 */
#pragma once

#include <string.h>

#include "bb-policy.h"

enum {
	DEV_GPU0,
	DEV_GPU0_AUDIO,
	DEV_GPU7,
	DEV_GPU7_AUDIO,
	DEV_NVME,
	DEV_NIC_ROUTE,
	DEV_NIC_SPARE,
	DEV_BMC_VGA,
	DEV_BMC_BRIDGE,
	DEV_HOST_BRIDGE,
	DEV_ROOT_PORT,
	DEV_RCEC,
	DEV_CX6,
	DEV_ACCEL,
	DEV_QAT,
};

static const char *const admin_groups[] = {"alice", "bindbroker-admin"};
static const char *const plain_groups[] = {"bob", "users"};

static const struct bb_policy_group_member gpu0_group[] = {
    {"0000:17:00.0", 0x060400, "pcieport", true}, /* switch downstream port */
    {"0000:18:00.0", 0x030000, "nvidia", false},
    {"0000:18:00.1", 0x040300, "snd_hda_intel", false},
};
static const struct bb_policy_group_member gpu7_group[] = {
    {"0000:db:00.0", 0x030000, "nvidia", false},
    {"0000:db:00.1", 0x040300, "snd_hda_intel", false},
};
static const struct bb_policy_group_member nvme_group[] = {
    {"0000:01:00.0", 0x010802, "nvme", false},
};
static const struct bb_policy_group_member nic_route_group[] = {
    {"0000:02:00.0", 0x020000, "igb", false},
};
static const struct bb_policy_group_member nic_spare_group[] = {
    {"0000:02:00.1", 0x020000, "igb", false},
};
static const struct bb_policy_group_member bmc_group[] = {
    {"0000:03:00.0", 0x060400, "", true},
    {"0000:04:00.0", 0x030000, "ast", false},
};
static const struct bb_policy_group_member cx6_group[] = {
    {"0000:41:00.0", 0x020000, "mlx5_core", false},
};
static const struct bb_policy_group_member accel_group[] = {
    {"0000:51:00.0", 0x120000, "habanalabs", false},
};
static const struct bb_policy_group_member qat_group[] = {
    {"0000:61:00.0", 0x0b4000, "qat_c62x", false},
};

static const char *const root_mounts[] = {"/"};
static const char *const efi_mounts[] = {"/boot/efi"};
static const struct bb_policy_block_child nvme_blocks[] = {
    {"nvme0n1p1", efi_mounts, 1, false},
    {"nvme0n1p2", root_mounts, 1, false},
    {"nvme0n1p3", NULL, 0, true},
};
static const struct bb_policy_net_child nic_route_nets[] = {{"eno1", true}};
static const struct bb_policy_net_child nic_spare_nets[] = {{"eno2", false}};

/* The facts of device WHICH, requested for DRIVER by alice (an admin) with no lockdown. */
static inline struct bb_policy_facts gpu_server_facts(int which, const char *driver)
{
	struct bb_policy_facts f = {
	    .uid = 1000,
	    .user_name = "alice",
	    .group_names = admin_groups,
	    .n_group_names = 2,
	    .selinux_type = "sysadm_t",
	    .driver = driver,
	    .is_endpoint = true,
	};

	switch (which) {
	case DEV_GPU0:
	case DEV_GPU7:
		f.address = which == DEV_GPU0 ? "0000:18:00.0" : "0000:db:00.0";
		f.vendor = 0x10de, f.device = 0x2204, f.class_code = 0x030000;
		f.subsystem_vendor = 0x10de, f.subsystem_device = 0x1454;
		f.iommu_group = which == DEV_GPU0 ? 30 : 37;
		if (which == DEV_GPU0) {
			f.group_members = gpu0_group, f.n_group_members = 3;
		} else {
			f.group_members = gpu7_group, f.n_group_members = 2;
		}
		break;
	case DEV_GPU0_AUDIO:
	case DEV_GPU7_AUDIO:
		f.address = which == DEV_GPU0_AUDIO ? "0000:18:00.1" : "0000:db:00.1";
		f.vendor = 0x10de, f.device = 0x1aef, f.class_code = 0x040300;
		f.iommu_group = which == DEV_GPU0_AUDIO ? 30 : 37;
		if (which == DEV_GPU0_AUDIO) {
			f.group_members = gpu0_group, f.n_group_members = 3;
		} else {
			f.group_members = gpu7_group, f.n_group_members = 2;
		}
		break;
	case DEV_NVME:
		f.address = "0000:01:00.0";
		f.vendor = 0x144d, f.device = 0xa80a, f.class_code = 0x010802;
		f.iommu_group = 12;
		f.group_members = nvme_group, f.n_group_members = 1;
		f.block_children = nvme_blocks, f.n_block_children = 3;
		break;
	case DEV_NIC_ROUTE:
	case DEV_NIC_SPARE:
		f.address = which == DEV_NIC_ROUTE ? "0000:02:00.0" : "0000:02:00.1";
		f.vendor = 0x8086, f.device = 0x1521, f.class_code = 0x020000;
		f.iommu_group = which == DEV_NIC_ROUTE ? 13 : 14;
		if (which == DEV_NIC_ROUTE) {
			f.group_members = nic_route_group, f.n_group_members = 1;
			f.net_children = nic_route_nets, f.n_net_children = 1;
		} else {
			f.group_members = nic_spare_group, f.n_group_members = 1;
			f.net_children = nic_spare_nets, f.n_net_children = 1;
		}
		break;
	case DEV_BMC_VGA:
		f.address = "0000:04:00.0";
		f.vendor = 0x1a03, f.device = 0x2000, f.class_code = 0x030000;
		f.boot_vga = true;
		f.iommu_group = 15;
		f.group_members = bmc_group, f.n_group_members = 2;
		break;
	case DEV_BMC_BRIDGE:
		f.address = "0000:03:00.0";
		f.vendor = 0x1a03, f.device = 0x1150, f.class_code = 0x060400;
		f.is_bridge = true, f.is_endpoint = false;
		f.iommu_group = 15;
		f.group_members = bmc_group, f.n_group_members = 2;
		break;
	case DEV_HOST_BRIDGE:
		/* A host bridge has a type 0 header: only its class tells what it is. */
		f.address = "0000:00:00.0";
		f.vendor = 0x8086, f.device = 0x09a2, f.class_code = 0x060000;
		f.iommu_group = 0;
		break;
	case DEV_ROOT_PORT:
		f.address = "0000:00:01.0";
		f.vendor = 0x8086, f.device = 0x347a, f.class_code = 0x060400;
		f.is_bridge = true, f.is_endpoint = false;
		f.iommu_group = 1;
		break;
	case DEV_RCEC:
		f.address = "0000:00:05.4";
		f.vendor = 0x8086, f.device = 0x0b23, f.class_code = 0x080700;
		f.is_endpoint = false;
		f.iommu_group = 2;
		break;
	case DEV_CX6:
		f.address = "0000:41:00.0";
		f.vendor = 0x15b3, f.device = 0x101d, f.class_code = 0x020000;
		f.iommu_group = 40;
		f.group_members = cx6_group, f.n_group_members = 1;
		break;
	case DEV_ACCEL:
		f.address = "0000:51:00.0";
		f.vendor = 0x1da3, f.device = 0x1020, f.class_code = 0x120000;
		f.iommu_group = 50;
		f.group_members = accel_group, f.n_group_members = 1;
		break;
	case DEV_QAT:
		f.address = "0000:61:00.0";
		f.vendor = 0x8086, f.device = 0x37c8, f.class_code = 0x0b4000;
		f.iommu_group = 60;
		f.group_members = qat_group, f.n_group_members = 1;
		break;
	}
	return f;
}

static inline void as_plain_user(struct bb_policy_facts *f)
{
	f->uid = 1001;
	f->user_name = "bob";
	f->group_names = plain_groups;
	f->n_group_names = 2;
	f->selinux_type = "user_t";
}

/* The value of fact NAME in D, or NULL. */
static inline const char *decision_fact(const struct bb_policy_decision *d, const char *name)
{
	for (size_t i = 0; i < d->n_facts; i++)
		if (strcmp(d->facts[i].name, name) == 0)
			return d->facts[i].value;
	return NULL;
}
