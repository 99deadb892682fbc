/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The restricted binder on the simulated machine: every test mounts a fresh
 * simsys (tests/binder/topology-binder.json) on a temp dir, drives the binder
 * through the library, and checks the outcome from outside the library: the
 * driver links and driver_override as simsys shows them, and .simsys/log,
 * which records every write to a bind file.
 * Environment: BB_SIMSYS (the simsys program), BB_TOPOLOGY, and the modules
 * dir (real depmod output over fixture modules) as argv[1].
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bb-log.h"
#include "broker.h"

static const char *simsys_bin, *topology, *modules_dir;

struct env {
	char mnt[64];
	char state[64];
	bb_sysfs *s;
	bb_modules *m;
	bb_binder *b;
	char steps[1024];   /* names the observer saw, space separated */
	const char *refuse; /* step name the observer refuses */
	const char *act_on; /* step name before which ACT is written to .simsys/control */
	const char *act;
};

static void control(const struct env *e, const char *cmd);

static int observer(const struct bb_step *st, void *userdata)
{
	struct env *e = userdata;

	if (strlen(e->steps) + strlen(st->name) + 3 < sizeof(e->steps)) {
		strcat(e->steps, st->rollback ? "!" : "");
		strcat(e->steps, st->name);
		strcat(e->steps, " ");
	}
	if (e->refuse && streq(e->refuse, st->name) && !st->rollback)
		return -EROFS;
	if (e->act_on && streq(e->act_on, st->name) && !st->rollback) {
		control(e, e->act);
		e->act_on = NULL;
	}
	return 0;
}

static int run(const char *cmd)
{
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct bb_binder_options o = {
	    .verify_timeout_ms = 300, .poll_interval_ms = 5, .observer = observer};
	char cmd[512];

	if (!e)
		return -1;
	strcpy(e->mnt, "/tmp/bb-simsys-XXXXXX");
	strcpy(e->state, "/tmp/bb-state-XXXXXX");
	if (!mkdtemp(e->mnt) || !mkdtemp(e->state))
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' '%s' --topology '%s'", simsys_bin, e->mnt, topology);
	if (run(cmd) != 0)
		return -1;
	o.userdata = e;
	if (bb_sysfs_open(e->mnt, NULL, &e->s) < 0 || bb_modules_new(modules_dir, &e->m) < 0 ||
	    bb_binder_new(e->s, e->m, &o, &e->b) < 0)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[256];

	bb_binder_free(e->b);
	bb_modules_free(e->m);
	bb_sysfs_free(e->s);
	snprintf(cmd, sizeof(cmd), "fusermount3 -u '%s' && rmdir '%s' && rm -rf '%s'", e->mnt,
	         e->mnt, e->state);
	free(e);
	return run(cmd) == 0 ? 0 : -1;
}

/* --- the machine as seen from outside the library --- */

static char *slurp(const struct env *e, const char *rel)
{
	char path[256], *buf = NULL;
	size_t cap = 0, len = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", e->mnt, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;
		if (len + 4096 + 1 > cap) {
			cap = cap * 2 + 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		buf = calloc(1, 1);
	buf[len] = '\0';
	return buf;
}

/* The driver link of ADDR ("" when unbound), read through the bus link like any tool would. */
static const char *link_driver(const struct env *e, const char *addr)
{
	static char name[256];
	char path[256], target[512];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", e->mnt, addr);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		assert_int_equal(errno, ENOENT);
		return "";
	}
	target[n] = '\0';
	strcpy(name, strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	return name;
}

static const char *override_of(const struct env *e, const char *addr)
{
	static char buf[4200];
	char rel[128], *t;

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver_override", addr);
	t = slurp(e, rel);
	assert_non_null(t);
	snprintf(buf, sizeof(buf), "%s", t);
	free(t);
	return buf;
}

static void control(const struct env *e, const char *cmd)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/.simsys/control", e->mnt);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	close(fd);
}

static size_t log_len(const struct env *e)
{
	char *t = slurp(e, ".simsys/log");
	size_t n = strlen(t);
	free(t);
	return n;
}

/* Log lines written since offset FROM. */
static char *log_since(const struct env *e, size_t from)
{
	char *t = slurp(e, ".simsys/log"), *r;

	assert_true(strlen(t) >= from);
	r = strdup(t + from);
	free(t);
	return r;
}

/* Counts log lines (since FROM) whose path ends in SUFFIX. */
static int writes_to(const struct env *e, size_t from, const char *suffix)
{
	char *t = log_since(e, from), *save = NULL;
	int n = 0;

	for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char seq[32], verb[32], path[512];
		size_t sl = strlen(suffix), pl;

		if (sscanf(l, "%31s %31s %511s", seq, verb, path) != 3 || !streq(verb, "write"))
			continue;
		pl = strlen(path);
		if (pl >= sl && streq(path + pl - sl, suffix))
			n++;
	}
	free(t);
	return n;
}

/* Only driver_override, a driver's unbind and drivers_probe (and the simsys control seam). */
static void assert_only_allowed_writes(const struct env *e, size_t from)
{
	char *t = log_since(e, from), *save = NULL;

	for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char seq[32], verb[32], path[512];
		const char *base;

		if (sscanf(l, "%31s %31s %511s", seq, verb, path) != 3 || !streq(verb, "write"))
			continue;
		base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		if (!streq(base, "driver_override") && !streq(base, "unbind") &&
		    !streq(base, "drivers_probe") && !streq(base, "control"))
			fail_msg("forbidden write: %s", l);
		if (streq(base, "unbind") && !strstr(path, "bus/pci/drivers/"))
			fail_msg("unbind outside bus/pci/drivers: %s", l);
	}
	free(t);
}

static void assert_restored(const struct env *e, const struct bb_bind_result *r, const char *addr,
                            const char *driver)
{
	assert_true(r->rollback_attempted);
	assert_true(r->rollback_ok);
	assert_string_equal(r->old_driver, driver);
	assert_string_equal(r->new_driver, driver);
	assert_string_equal(link_driver(e, addr), driver);
	assert_string_equal(override_of(e, addr), "(null)\n");
}

/* --- tests --- */

static void test_facts(void **state)
{
	struct env *e = *state;
	struct bb_device d;
	bb_lockdown l;

	assert_true(bb_sysfs_is_simsys(e->s));
	assert_int_equal(bb_device_read(e->s, "0000:01:00.0", &d), 0);
	assert_int_equal(d.vendor, 0x8086);
	assert_int_equal(d.subsystem_device, 0xa01f);
	assert_string_equal(d.driver, "e1000e");
	assert_int_equal(d.iommu_group, 1);
	assert_int_equal(d.n_group, 3);
	assert_string_equal(d.group[0].address.s, "0000:00:01.0");
	assert_true(d.group[0].bridge);
	assert_string_equal(d.group[0].driver, "pcieport");
	assert_int_equal(d.n_net, 1);
	assert_string_equal(d.net[0].name, "eth1");
	assert_true(d.net[0].default_route);
	assert_int_equal(bb_device_read(e->s, "0000:01:00.1", &d), 0);
	assert_false(d.net[0].default_route);
	assert_int_equal(bb_device_read(e->s, "0000:03:00.0", &d), 0);
	assert_string_equal(d.driver, "nvme");
	assert_int_equal(d.n_block, 1);
	assert_true(d.block[0].mounted);
	assert_int_equal(bb_device_read(e->s, "0000:04:00.0", &d), 0);
	assert_string_equal(d.driver, "");

	assert_int_equal(bb_lockdown_read(e->s, &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_INTEGRITY);
	control(e, "lockdown confidentiality");
	assert_int_equal(bb_lockdown_read(e->s, &l), 0);
	assert_int_equal(l, BB_LOCKDOWN_CONFIDENTIALITY);

	bb_address *list = NULL;
	size_t n = 0;
	assert_int_equal(bb_sysfs_list_devices(e->s, &list, &n), 0);
	assert_int_equal(n, 8);
	free(list);
}

static void test_bind(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = log_len(e);

	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	assert_int_equal(r.failure, BB_FAIL_NONE);
	assert_string_equal(r.old_driver, "e1000e");
	assert_string_equal(r.new_driver, "vfio-pci");
	assert_string_equal(link_driver(e, "0000:01:00.0"), "vfio-pci");
	assert_string_equal(override_of(e, "0000:01:00.0"), "vfio-pci\n");
	assert_string_equal(e->steps, "override unbind probe ");
	assert_int_equal(writes_to(e, from, "0000:01:00.0/driver_override"), 1);
	assert_int_equal(writes_to(e, from, "bus/pci/drivers/e1000e/unbind"), 1);
	assert_int_equal(writes_to(e, from, "bus/pci/drivers_probe"), 1);
	/* The sibling function is untouched. */
	assert_string_equal(link_driver(e, "0000:01:00.1"), "e1000e");
	assert_only_allowed_writes(e, from);

	/* Again: nothing to do, nothing written. */
	from = log_len(e);
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	assert_int_equal(log_len(e), from);

	/* An unbound device: no unbind step. */
	e->steps[0] = '\0';
	assert_int_equal(bb_binder_bind(e->b, "0000:04:00.0", "vfio-pci", &r), 0);
	assert_string_equal(r.old_driver, "");
	assert_string_equal(link_driver(e, "0000:04:00.0"), "vfio-pci");
	assert_string_equal(e->steps, "override probe ");
}

static void test_bind_loads_module(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	struct stat st;
	char path[128];
	size_t from = log_len(e);

	snprintf(path, sizeof(path), "%s/module/mlx5_vfio_pci", e->mnt);
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(bb_binder_bind(e->b, "0000:02:00.0", "mlx5_vfio_pci", &r), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_string_equal(e->steps, "load-module override unbind probe ");
	assert_string_equal(link_driver(e, "0000:02:00.0"), "mlx5_vfio_pci");
	assert_only_allowed_writes(e, from);
}

static void test_probe_fail(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = log_len(e);
	int rc;

	control(e, "fail-probe vfio-pci");
	rc = bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r);
	assert_true(rc < 0);
	assert_int_equal(rc, r.error);
	assert_int_equal(r.failure, BB_FAIL_NOT_BOUND);
	assert_restored(e, &r, "0000:01:00.0", "e1000e");
	assert_non_null(strstr(r.message, "rolled back to e1000e"));
	assert_string_equal(e->steps, "override unbind probe !restore-override !probe ");
	assert_only_allowed_writes(e, from);
}

static void test_slow_unbind(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;

	control(e, "slow-unbind e1000e 400");
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	assert_string_equal(link_driver(e, "0000:01:00.0"), "vfio-pci");
	control(e, "slow-probe e1000e 400");
	assert_int_equal(bb_binder_release(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(r.new_driver, "e1000e");
	assert_string_equal(link_driver(e, "0000:01:00.0"), "e1000e");
}

static void test_swapped_mid_bind(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = log_len(e);

	/* Same address, same driver match, other subsystem ids: another card. */
	control(e, "swap-on-unbind 0000:01:00.0 {\"address\": \"0000:01:00.0\", \"vendor\": "
	           "\"8086\", \"device\": \"10d3\", \"subsystem_vendor\": \"8086\", "
	           "\"subsystem_device\": \"beef\", \"class\": \"020000\", \"revision\": \"00\", "
	           "\"iommu_group\": 1, \"parent\": \"0000:00:01.0\"}");
	assert_true(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r) < 0);
	assert_int_equal(r.failure, BB_FAIL_DEVICE_CHANGED);
	assert_restored(e, &r, "0000:01:00.0", "e1000e");
	assert_only_allowed_writes(e, from);
}

static void test_vanished_mid_bind(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = log_len(e);

	/* The card is pulled after the unbind, before drivers_probe. */
	e->act_on = "probe";
	e->act = "remove-device 0000:01:00.1";
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.1", "vfio-pci", &r), -ENODEV);
	assert_int_equal(r.failure, BB_FAIL_DEVICE_CHANGED);
	assert_string_equal(r.failed_step, "probe");
	/* Nothing to restore, and the result says so instead of claiming success. */
	assert_true(r.rollback_attempted);
	assert_false(r.rollback_ok);
	assert_non_null(strstr(r.message, "ROLLBACK FAILED"));
	assert_only_allowed_writes(e, from);
}

static void test_module_missing(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = log_len(e);

	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "nosuch_vfio_pci", &r), -ENOENT);
	assert_int_equal(r.failure, BB_FAIL_MODULE);
	assert_false(r.rollback_attempted);
	assert_string_equal(link_driver(e, "0000:01:00.0"), "e1000e");
	assert_string_equal(override_of(e, "0000:01:00.0"), "(null)\n");
	assert_int_equal(writes_to(e, from, "driver_override"), 0);
	assert_int_equal(writes_to(e, from, "unbind"), 0);
	assert_int_equal(writes_to(e, from, "drivers_probe"), 0);
}

static void test_bad_input_touches_nothing(void **state)
{
	static const char *const addrs[] = {
	    "../../",
	    "0000:03:00.0\n",
	    "0000:0g:00.0",
	    "0000:01:00.0/../../..",
	    "0000:01:00.00",
	    "000:01:00.0",
	    "0000:01:20.0",
	    "0000:01:00.8",
	    "",
	    "0000:01:00.0 vfio-pci",
	    "00000000000000000000000000000000000000000000000000000"};
	static const char *const drivers[] = {
	    "../../",
	    "vfio-pci\n",
	    "vfio-pci\nx",
	    "vfio pci",
	    "",
	    "vfio/pci",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    BB_QUARANTINE_OVERRIDE,
	    "(null)"};
	struct env *e = *state;
	struct bb_bind_result r;
	struct bb_group_result g;
	size_t from = log_len(e);
	char *before = slurp(e, ".simsys/log"), *after;

	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		assert_int_equal(bb_binder_bind(e->b, addrs[i], "vfio-pci", &r), -EINVAL);
		assert_int_equal(r.failure, BB_FAIL_INVALID);
		assert_int_equal(bb_binder_release(e->b, addrs[i], &r), -EINVAL);
		assert_int_equal(bb_binder_quarantine(e->b, addrs[i], &r), -EINVAL);
		assert_int_equal(bb_binder_bind_group(e->b, addrs[i], "vfio-pci", &g), -EINVAL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
		assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", drivers[i], &r), -EINVAL);
		assert_int_equal(r.failure, BB_FAIL_INVALID);
		assert_int_equal(bb_binder_bind_group(e->b, "0000:01:00.0", drivers[i], &g),
		                 -EINVAL);
	}
	/* A host driver is no group-bind target. */
	assert_int_equal(bb_binder_bind_group(e->b, "0000:01:00.0", "e1000e", &g), -EINVAL);
	assert_int_equal(log_len(e), from);
	after = slurp(e, ".simsys/log");
	assert_string_equal(before, after);
	assert_string_equal(e->steps, "");
	assert_string_equal(link_driver(e, "0000:01:00.0"), "e1000e");
	free(before);
	free(after);
}

static void test_observer_refuses(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;

	e->refuse = "unbind";
	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), -EROFS);
	assert_int_equal(r.failure, BB_FAIL_OBSERVER);
	assert_string_equal(r.failed_step, "unbind");
	assert_restored(e, &r, "0000:01:00.0", "e1000e");
	assert_string_equal(e->steps, "override unbind !restore-override ");
}

static void test_group_bind(void **state)
{
	struct env *e = *state;
	struct bb_group_result g;
	size_t from = log_len(e);

	assert_int_equal(bb_binder_bind_group(e->b, "0000:01:00.1", NULL, &g), 0);
	assert_int_equal(g.iommu_group, 1);
	assert_int_equal(g.n, 2); /* the bridge is skipped */
	assert_string_equal(link_driver(e, "0000:01:00.0"), "vfio-pci");
	assert_string_equal(link_driver(e, "0000:01:00.1"), "vfio-pci");
	assert_string_equal(link_driver(e, "0000:00:01.0"), "pcieport");
	assert_only_allowed_writes(e, from);

	/* Group 5 with variants chosen per member: e1000e -> vfio-pci, mlx5 VF -> mlx5_vfio_pci. */
	assert_int_equal(bb_binder_bind_group(e->b, "0000:05:00.0", NULL, &g), 0);
	assert_string_equal(link_driver(e, "0000:05:00.0"), "vfio-pci");
	assert_string_equal(link_driver(e, "0000:05:00.1"), "mlx5_vfio_pci");
}

static void test_group_rollback(void **state)
{
	struct env *e = *state;
	struct bb_group_result g;
	size_t from = log_len(e);

	/* 05:00.0 binds first, then 05:00.1's variant fails to probe: both go back. */
	control(e, "load-module mlx5_vfio_pci");
	control(e, "fail-probe mlx5_vfio_pci");
	assert_true(bb_binder_bind_group(e->b, "0000:05:00.0", NULL, &g) < 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.failure, BB_FAIL_NOT_BOUND);
	assert_true(g.rollback_ok);
	assert_int_equal(g.members[0].failure, BB_FAIL_GROUP);
	assert_int_equal(g.members[1].failure, BB_FAIL_NOT_BOUND);
	assert_restored(e, &g.members[0], "0000:05:00.0", "e1000e");
	assert_restored(e, &g.members[1], "0000:05:00.1", "mlx5_core");
	assert_non_null(strstr(g.message, "every member rolled back"));
	assert_only_allowed_writes(e, from);
}

static void test_release(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;

	assert_int_equal(bb_binder_bind(e->b, "0000:01:00.0", "vfio-pci", &r), 0);
	assert_int_equal(bb_binder_release(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(r.old_driver, "vfio-pci");
	assert_string_equal(r.new_driver, "e1000e");
	assert_string_equal(link_driver(e, "0000:01:00.0"), "e1000e");
	assert_string_equal(override_of(e, "0000:01:00.0"), "(null)\n");

	/* A device no host driver wants: released to no driver, which is reported, not failed. */
	assert_int_equal(bb_binder_bind(e->b, "0000:04:00.0", "vfio-pci", &r), 0);
	assert_int_equal(bb_binder_release(e->b, "0000:04:00.0", &r), 0);
	assert_string_equal(r.new_driver, "");
	assert_string_equal(link_driver(e, "0000:04:00.0"), "");
}

static void test_quarantine(void **state)
{
	struct env *e = *state;
	struct bb_bind_result r;
	size_t from = log_len(e);

	assert_int_equal(bb_binder_quarantine(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(r.old_driver, "e1000e");
	assert_string_equal(r.new_driver, "");
	assert_string_equal(link_driver(e, "0000:01:00.0"), "");
	assert_string_equal(override_of(e, "0000:01:00.0"), BB_QUARANTINE_OVERRIDE "\n");
	/* A reprobe by anyone keeps it driverless. */
	control(e, "load-module e1000e");
	assert_string_equal(link_driver(e, "0000:01:00.0"), "");
	assert_only_allowed_writes(e, from);

	assert_int_equal(bb_binder_release(e->b, "0000:01:00.0", &r), 0);
	assert_string_equal(link_driver(e, "0000:01:00.0"), "e1000e");
}

static void test_persist_and_apply(void **state)
{
	struct env *e = *state;
	struct bb_overrides *o = malloc(sizeof(*o));
	struct bb_apply_report *rep = malloc(sizeof(*rep));
	char err[256];
	int sfd = open(e->state, O_RDONLY | O_DIRECTORY), rc;

	assert_true(sfd >= 0);
	assert_int_equal(bb_overrides_record(sfd, "0000:01:00.0", "vfio-pci"), 0);
	assert_int_equal(bb_overrides_record(sfd, "0000:02:00.0", "mlx5_vfio_pci"), 0);
	assert_int_equal(bb_overrides_record(sfd, "0000:07:00.0", "vfio-pci"), 0);
	assert_int_equal(bb_overrides_load(sfd, o, err, sizeof(err)), 0);
	rc = bb_overrides_apply(e->b, o, NULL, NULL, NULL, rep);
	for (size_t i = 0; rc < 0 && i < rep->n; i++)
		if (rep->items[i].action == BB_APPLY_FAILED)
			fail_msg("apply: %s", rep->items[i].result.message);
	assert_int_equal(rc, 0);
	assert_int_equal(rep->n, 3);
	assert_int_equal(rep->items[0].action, BB_APPLY_BOUND);
	assert_int_equal(rep->items[2].action, BB_APPLY_ABSENT);
	assert_string_equal(link_driver(e, "0000:01:00.0"), "vfio-pci");
	assert_string_equal(link_driver(e, "0000:02:00.0"), "mlx5_vfio_pci");
	/* Idempotent. */
	assert_int_equal(bb_overrides_apply(e->b, o, NULL, NULL, NULL, rep), 0);
	assert_int_equal(rep->items[0].action, BB_APPLY_ALREADY);

	/* A device hot-added into group 1, which vfio holds: the host grabs it, apply takes it
	 * away. */
	control(e, "add-device {\"address\": \"0000:01:00.2\", \"vendor\": \"8086\", \"device\": "
	           "\"10d3\", \"subsystem_vendor\": \"8086\", \"subsystem_device\": \"a01f\", "
	           "\"class\": \"020000\", \"revision\": \"00\", \"iommu_group\": 1, \"parent\": "
	           "\"0000:00:01.0\"}");
	assert_string_equal(link_driver(e, "0000:01:00.2"), "e1000e");
	rc = bb_overrides_apply(e->b, o, "0000:01:00.2", NULL, NULL, rep);
	if (rc < 0)
		fail_msg("apply: %s", rep->n ? rep->items[0].result.message : "no items");
	assert_int_equal(rep->n, 1);
	assert_int_equal(rep->items[0].action, BB_APPLY_QUARANTINED);
	assert_string_equal(link_driver(e, "0000:01:00.2"), "");
	assert_string_equal(override_of(e, "0000:01:00.2"), BB_QUARANTINE_OVERRIDE "\n");
	/* A hot-added device in a group nobody passed through is left alone. */
	assert_int_equal(bb_overrides_apply(e->b, o, "0000:03:00.0", NULL, NULL, rep), 0);
	assert_int_equal(rep->n, 0);
	assert_string_equal(link_driver(e, "0000:03:00.0"), "nvme");
	close(sfd);
	free(o);
	free(rep);
}

int main(int argc, char **argv)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_facts),
	    T(test_bind),
	    T(test_bind_loads_module),
	    T(test_probe_fail),
	    T(test_slow_unbind),
	    T(test_swapped_mid_bind),
	    T(test_vanished_mid_bind),
	    T(test_module_missing),
	    T(test_bad_input_touches_nothing),
	    T(test_observer_refuses),
	    T(test_group_bind),
	    T(test_group_rollback),
	    T(test_release),
	    T(test_quarantine),
	    T(test_persist_and_apply),
	};
	simsys_bin = getenv("BB_SIMSYS");
	topology = getenv("BB_TOPOLOGY");
	if (argc != 2 || !simsys_bin || !topology) {
		fprintf(stderr, "usage: BB_SIMSYS=PROG BB_TOPOLOGY=FILE %s MODULES_DIR\n", argv[0]);
		return 2;
	}
	modules_dir = argv[1];
	if (access(simsys_bin, X_OK) != 0) {
		fprintf(stderr, "SKIP: simsys not built at %s\n", simsys_bin);
		return 77;
	}
	bb_log_set_max_priority(LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
