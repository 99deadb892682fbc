/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device-class policy: the rule language of the policy.d/NAME.rules files (bindbroker.rules(5)),
 * its loader, the evaluator and the rendering of its decisions.
 *
 * The broker gathers the facts of one request once (struct bb_policy_facts) and asks
 * bb_policy_evaluate() for a decision. The decision names what decided (a rule with
 * file:line and text, a built-in check, or "no rule matched") and every fact that the
 * deciding rule looked at.
 *
 * A policy object is immutable once built and reference counted. Reloading builds a new
 * object with bb_policy_load_dir(); on failure the caller keeps its previous object, so a
 * policy is never half-applied. Swapping is the caller's job, for example:
 *
 *	struct bb_policy *fresh;
 *	if (bb_policy_load_dir(dir, NULL, &fresh, &err) >= 0)
 *		bb_policy_unref(atomic_exchange(&current, fresh));
 *
 * with readers taking bb_policy_ref() on the pointer they load for the duration of one
 * evaluation when evaluations can run beside a reload.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;

/* Fixed limits of the parser and loader; input beyond them is refused with an error. */
#define BB_POLICY_MAX_FILE_SIZE (8u * 1024 * 1024) /* bytes per .rules file */
#define BB_POLICY_MAX_FILES     1024u              /* .rules files per directory */
#define BB_POLICY_MAX_RULES     100000u            /* rules across all files */
#define BB_POLICY_MAX_LINE      4096u              /* bytes per line, newline excluded */
#define BB_POLICY_MAX_TOKENS    256u               /* tokens per rule */
#define BB_POLICY_MAX_DEPTH     16u                /* nesting of 'not' and parentheses */
#define BB_POLICY_MAX_WORD      255u               /* bytes per word or quoted string */

/* ---- facts: filled by the broker, read-only here ------------------------------------- */

enum bb_policy_lockdown {
	BB_POLICY_LOCKDOWN_NONE = 0,
	BB_POLICY_LOCKDOWN_INTEGRITY,
	BB_POLICY_LOCKDOWN_CONFIDENTIALITY,
};

/* One device of the IOMMU group (the group's list includes the device itself). */
struct bb_policy_group_member {
	const char *address; /* "0000:41:00.1" */
	uint32_t class_code; /* 24-bit class, 0x040300 */
	const char *driver;  /* current driver, NULL or "" when none is bound */
	bool is_bridge;
};

/* A block device below the PCI device (a disk or partition) and what uses it. */
struct bb_policy_block_child {
	const char *name;               /* "nvme0n1p2" */
	const char *const *mountpoints; /* mounted file systems on it */
	size_t n_mountpoints;
	bool swap; /* active swap on it */
};

/* A network interface below the PCI device. */
struct bb_policy_net_child {
	const char *name;   /* "eno1" */
	bool default_route; /* carries an IPv4 or IPv6 default route */
};

/* A known-bad vendor:device pair (the vfio-pci deny-list). */
struct bb_policy_device_id {
	uint16_t vendor;
	uint16_t device;
	const char *name;
};

/*
 * Signed-table coverage of this device for DRIVER. Returns 1 and writes the covering
 * table's name to TABLE (SIZE bytes) when a valid signed table lists the device for the
 * driver, 0 when none does, or a negative errno (treated as not covered).
 */
typedef int (*bb_policy_table_lookup_fn)(const char *driver, char *table, size_t size,
                                         void *userdata);

struct bb_policy_facts {
	/* the device */
	const char *address; /* required */
	uint16_t vendor, device, subsystem_vendor, subsystem_device;
	uint32_t class_code; /* 24 bits: base class, subclass, programming interface */
	uint8_t revision;
	bool is_bridge; /* header type 1 or 2 */
	/* a function that is neither a bridge nor a root/switch port; left false, the
	 * default policy's "deny not endpoint" refuses the device (fails safe) */
	bool is_endpoint;
	bool boot_vga;

	/* its IOMMU group: number (-1 = none) and every member, the device included */
	int iommu_group;
	const struct bb_policy_group_member *group_members;
	size_t n_group_members;

	/* what the host uses it for */
	const struct bb_policy_block_child *block_children;
	size_t n_block_children;
	const struct bb_policy_net_child *net_children;
	size_t n_net_children;

	/* signed tables: the callback when set, else the precomputed answer for .driver */
	bb_policy_table_lookup_fn table_lookup;
	void *table_lookup_userdata;
	bool signed_table_covered;
	const char *signed_table_name;

	/* the requester */
	uid_t uid;
	const char *user_name;          /* NULL when unknown */
	const char *const *group_names; /* every group the requester is a member of */
	size_t n_group_names;
	const char *selinux_type; /* type of the peer context, NULL when SELinux is off */

	/* posture and request */
	enum bb_policy_lockdown lockdown;
	const char *driver; /* requested target driver, required */
	bool group_bind;    /* the request moves the whole IOMMU group */

	/* the vfio-pci deny-list; NULL takes bb_policy_vfio_denylist */
	const struct bb_policy_device_id *deny_list;
	size_t n_deny_list;
};

/* The kernel's vfio-pci deny-list (drivers/vfio/pci/vfio_pci.c, vfio_pci_dev_in_denylist). */
extern const struct bb_policy_device_id bb_policy_vfio_denylist[];
extern const size_t bb_policy_vfio_denylist_size;

/* ---- decisions ------------------------------------------------------------------------ */

enum bb_policy_verdict {
	BB_POLICY_DENY = 0,
	BB_POLICY_ALLOW = 1,
};

enum bb_policy_source {
	BB_POLICY_SOURCE_NO_MATCH = 0, /* no rule matched: deny */
	BB_POLICY_SOURCE_RULE,         /* a rule of the policy fired */
	BB_POLICY_SOURCE_BUILTIN,      /* a built-in check refused before any rule ran */
};

#define BB_POLICY_MAX_FACTS_USED 32

struct bb_policy_fact_used {
	char name[32];
	char value[256];
};

/* About 14 KiB (the rule text is kept whole): allocate it once, not per rule. */
struct bb_policy_decision {
	enum bb_policy_verdict verdict;
	enum bb_policy_source source;
	char reason[512];
	char builtin[40]; /* "vfio-denylist", "no-iommu-group", "iommu-group-viability" */
	char device[64];  /* the request, for rendering */
	char driver[72];
	char file[256]; /* the rule that fired (source RULE) */
	unsigned line;
	char rule_text[BB_POLICY_MAX_LINE + 1];
	size_t n_facts;
	struct bb_policy_fact_used facts[BB_POLICY_MAX_FACTS_USED];
};

/* ---- errors --------------------------------------------------------------------------- */

struct bb_policy_error {
	char file[256];  /* empty when the error is not about a file */
	unsigned line;   /* 0 when not about a line */
	unsigned column; /* 1-based byte column, 0 when not about a column */
	char message[256];
	char text[600]; /* "file:line:col: message", ready to log */
};

/* ---- the policy object ---------------------------------------------------------------- */

struct bb_policy;

struct bb_policy_load_options {
	uid_t trusted_uid; /* owner every file and the directory must have (root: 0) */
};

/*
 * Parses TEXT (LEN bytes, need not be NUL-terminated) as the single file NAME. Returns 0
 * and a new policy in *RET, or a negative errno (-EINVAL for a syntax error, -E2BIG or
 * -EFBIG for a limit) with ERR filled; *RET is untouched on failure.
 */
int bb_policy_parse_string(const char *name, const char *text, size_t len, struct bb_policy **ret,
                           struct bb_policy_error *err);

/*
 * Builds a policy from DIR/ *.rules in lexical (byte) order. Refuses a directory or file
 * that is not owned by OPTS->trusted_uid (NULL: root) or is group- or other-writable, a
 * symbolic link, or not a regular file (-EPERM). An empty directory gives an empty policy,
 * which denies everything. Returns 0 and *RET, or a negative errno with ERR filled; *RET
 * is untouched on failure so the caller keeps its previous policy.
 */
int bb_policy_load_dir(const char *dir, const struct bb_policy_load_options *opts,
                       struct bb_policy **ret, struct bb_policy_error *err);

struct bb_policy *bb_policy_ref(struct bb_policy *p);
struct bb_policy *bb_policy_unref(struct bb_policy *p); /* returns NULL; NULL is fine */
static inline void bb_policy_unrefp(struct bb_policy **p)
{
	bb_policy_unref(*p);
}
#define _cleanup_policy_ __attribute__((cleanup(bb_policy_unrefp)))

size_t bb_policy_rule_count(const struct bb_policy *p);
size_t bb_policy_file_count(const struct bb_policy *p);

/*
 * Decides FACTS against P: the built-in checks first (deny-list, IOMMU group), then the
 * rules, first match wins, no match denies. Fills *RET. Returns 0, or -EINVAL when the
 * facts lack the device address or the driver.
 */
int bb_policy_evaluate(const struct bb_policy *p, const struct bb_policy_facts *facts,
                       struct bb_policy_decision *ret);

/* True for driver names that hand a device to vfio: vfio-pci and the *_vfio_pci variants. */
bool bb_policy_driver_is_vfio(const char *driver);

/* ---- rendering ------------------------------------------------------------------------ */

const char *bb_policy_verdict_to_string(enum bb_policy_verdict v);   /* "allow" / "deny" */
const char *bb_policy_source_to_string(enum bb_policy_source s);     /* "rule" ... */
const char *bb_policy_lockdown_to_string(enum bb_policy_lockdown l); /* "none" ... */

/* Multi-line human explanation in a new string. Returns 0 or -ENOMEM. */
int bb_policy_decision_format(const struct bb_policy_decision *d, char **ret);

/* The decision as a new json-c object (caller puts it), NULL on ENOMEM. */
struct json_object *bb_policy_decision_to_json(const struct bb_policy_decision *d);
