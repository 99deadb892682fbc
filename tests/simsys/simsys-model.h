/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated machine: PCI devices, drivers with their id tables, IOMMU groups,
 * lockdown, fault-injection knobs and the write log. Plain data plus lifecycle;
 * the driver-core rules that change it live in simsys-core.h.
 *
 * Locking: one mutex (lock) guards everything here. Devices and drivers are never
 * freed while the machine lives (a removed device moves to the graveyard, an
 * unloaded driver only clears `loaded`), so a pointer taken under the lock stays
 * valid across the waits in which the core drops the lock.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_ANY 0xffffffffu /* PCI_ANY_ID */

/* Topology limits (SPEC.md). */
#define SIM_MAX_TOPOLOGY_BYTES (1u << 20)
#define SIM_MAX_DEVICES        4096
#define SIM_MAX_DRIVERS        512
#define SIM_MAX_IDS            64
#define SIM_MAX_DYNIDS         1024
#define SIM_MAX_NET            16
#define SIM_MAX_BLOCK          16
#define SIM_MAX_MOUNTS         16
#define SIM_MAX_PARTS          16
#define SIM_MAX_DEPTH          32
#define SIM_MAX_GROUP          65535
#define SIM_NAME_MAX           64 /* driver, module, iface and block names */
#define SIM_MOUNT_PATH_MAX     256
#define SIM_PAGE_SIZE          4096
#define SIM_LOG_MAX            (4u << 20)

/* A pci_device_id: SIM_ANY in the first four fields matches anything. */
struct sim_id {
	uint32_t vendor, device, subvendor, subdevice;
	uint32_t class, class_mask;
};

enum sim_probe_mode { SIM_PROBE_OK, SIM_PROBE_FAIL, SIM_PROBE_SLOW };

enum sim_lockdown {
	SIM_LOCKDOWN_NONE,
	SIM_LOCKDOWN_INTEGRITY,
	SIM_LOCKDOWN_CONFIDENTIALITY,
	SIM_LOCKDOWN_UNSUPPORTED,
};

struct sim_driver {
	char *name;
	char *module;
	bool loaded;
	bool override_only; /* its static ids match only through driver_override */
	enum sim_probe_mode probe;
	unsigned probe_ms;  /* for SIM_PROBE_SLOW */
	struct sim_id *ids; /* static table */
	size_t n_ids;
	struct sim_id *dynids; /* new_id, in the order added */
	size_t n_dynids;
	/* fault injection (control file) */
	unsigned fail_probes;
	unsigned slow_probe_ms;
	unsigned slow_unbind_ms;
	bool hold_probe;
};

struct sim_net {
	char *name;
	bool default_route;
};

/* A whole disk, or (in parts[]) one of its partitions, which have no parts of their own. */
struct sim_block {
	char *name;
	char **mounts;
	size_t n_mounts;
	bool swap;
	struct sim_block *parts;
	size_t n_parts;
};

struct sim_device {
	char address[13]; /* "dddd:bb:dd.f", lowercase */
	unsigned domain, bus, slot, func;
	uint16_t vendor, device, subvendor, subdevice;
	uint32_t class;
	uint8_t revision;
	int iommu_group; /* -1: no group */
	bool boot_vga;
	int numa_node;
	char *parent_address; /* as given; NULL for a device on a root bus */
	struct sim_device *parent;
	struct sim_net *net;
	size_t n_net;
	struct sim_block *block;
	size_t n_block;

	char *override;            /* driver_override, NULL when unset */
	/* dev->driver: bound driver, also set while its probe or an unbind runs */
	struct sim_driver *driver;
	bool busy;                 /* device_lock held by a probe/unbind in progress */
	/* An unbind is running: the sysfs links are gone, dev->driver is not yet NULL. */
	bool unbinding;
	bool removed;
	struct sim_device *swap_in; /* swap-on-unbind replacement, owned */
};

struct sim_machine {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* broadcast on every change a waiter may care about */
	bool stopping;       /* unmounting: held probes give up */
	/* Polled by long waits: returns true once the front end is going away. */
	bool (*stop_check)(void *userdata);
	void *stop_userdata;

	enum sim_lockdown lockdown;
	bool autoprobe;

	struct sim_driver **drivers; /* registration order: probe walks it */
	size_t n_drivers;
	struct sim_device **devices; /* live devices, topology then hot-add order */
	size_t n_devices;
	struct sim_device **graveyard; /* removed devices, freed with the machine */
	size_t n_graveyard;

	char *log; /* .simsys/log */
	size_t log_len;
	uint64_t log_seq;
};

struct sim_machine *sim_machine_new(void);
void sim_machine_free(struct sim_machine *m);

void sim_device_free(struct sim_device *d);
void sim_driver_free(struct sim_driver *drv);

/* Live device by exact address ("0000:01:00.0"), NULL if none. */
struct sim_device *sim_find_device(const struct sim_machine *m, const char *address);
/* Driver by name, loaded or not. */
struct sim_driver *sim_find_driver(const struct sim_machine *m, const char *name);
/* Whether any loaded driver belongs to MODULE (module/MODULE exists). */
bool sim_module_loaded(const struct sim_machine *m, const char *module);

/* Appends to the live list / driver list; takes ownership. -ENOMEM or -E2BIG. */
int sim_machine_add_device(struct sim_machine *m, struct sim_device *d);
int sim_machine_add_driver(struct sim_machine *m, struct sim_driver *drv);
/* Moves a live device to the graveyard (marks it removed). */
void sim_machine_bury_device(struct sim_machine *m, struct sim_device *d);
/* Moves DRV to the end of the registration order (a module loaded later). */
void sim_machine_driver_to_end(struct sim_machine *m, struct sim_driver *drv);

/* DISK + N, or DISK + "p" + N when DISK ends in a digit (nvme0n1p2); N > 0, <= 31 chars. */
bool sim_valid_partition_name(const char *name, const char *disk);

/* Frees the contents of B (and its partitions), not B itself. */
void sim_block_clear(struct sim_block *b);

/* Resolves every live device's parent pointer from parent_address. -EINVAL on a bad parent. */
int sim_machine_link_parents(struct sim_machine *m, char *err, size_t errlen);

/* True for class 0x0604xx (PCI-to-PCI bridge): only bridges may have children. */
bool sim_device_is_bridge(const struct sim_device *d);
/*
 * pci_is_vga: VGA-compatible controllers (0x0300xx, and the pre-2.0 0x0001xx) are the
 * devices that have boot_vga; 3D controllers (0x0302xx, most datacenter GPUs) do not.
 */
bool sim_device_is_vga(const struct sim_device *d);

/* The driver the sysfs links show: none while an unbind is under way. */
const struct sim_driver *sim_device_linked_driver(const struct sim_device *d);

/* Appends one line to .simsys/log: "<seq> <what> -> <rc>" or, with a NOTE, "... # <note>". */
void sim_log_append(struct sim_machine *m, const char *what, int rc, const char *note);
/* Escapes VALUE (LEN bytes) for the log: \n as "\\n", backslash, non-printables as \xHH. */
char *sim_log_escape(const char *value, size_t len);

/* The lockdown file's text, e.g. "[none] integrity confidentiality\n". */
const char *sim_lockdown_text(enum sim_lockdown l);
/* "none" / "integrity" / "confidentiality" / "unsupported" -> value; -EINVAL otherwise. */
int sim_lockdown_from_string(const char *s, enum sim_lockdown *ret);
