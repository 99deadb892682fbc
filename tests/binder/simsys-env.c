/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the binder's simsys tests: a fresh simsys mount per test (the
 * topology in BB_TOPOLOGY, the program in BB_SIMSYS, the modules dir as
 * argv[1]), a binder on it with an observer that records step names, and
 * helpers that look at the machine from outside the library: driver links,
 * driver_override, and .simsys/log (every write to a bind file).
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bb-log.h"
#include "simsys-env.h"

static const char *simsys_bin, *simsys_topology, *simsys_modules_dir;

int sim_init(int argc, char **argv)
{
	simsys_bin = getenv("BB_SIMSYS");
	simsys_topology = getenv("BB_TOPOLOGY");
	if (argc != 2 || !simsys_bin || !simsys_topology) {
		fprintf(stderr, "usage: BB_SIMSYS=PROG BB_TOPOLOGY=FILE %s MODULES_DIR\n", argv[0]);
		return 2;
	}
	simsys_modules_dir = argv[1];
	if (access(simsys_bin, X_OK) != 0) {
		fprintf(stderr, "SKIP: simsys not built at %s\n", simsys_bin);
		return 77;
	}
	bb_log_set_max_priority(LOG_CRIT);
	return 0;
}

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
	if (e->act_on && streq(e->act_on, st->name) && (!st->rollback || e->act_rollback)) {
		if (e->act_path)
			sim_write(e, e->act_path, e->act);
		else
			sim_control(e, e->act);
		if (e->act2)
			sim_control(e, e->act2);
		e->act_on = NULL;
	}
	return 0;
}

static int run(const char *cmd)
{
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

int sim_setup(void **state)
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
	snprintf(cmd, sizeof(cmd), "'%s' '%s' --topology '%s'", simsys_bin, e->mnt,
	         simsys_topology);
	if (run(cmd) != 0)
		return -1;
	o.userdata = e;
	if (bb_sysfs_open(e->mnt, NULL, &e->s) < 0 ||
	    bb_modules_new(simsys_modules_dir, &e->m) < 0 ||
	    bb_binder_new(e->s, e->m, &o, &e->b) < 0)
		return -1;
	*state = e;
	return 0;
}

int sim_teardown(void **state)
{
	struct env *e = *state;
	char cmd[1024];

	bb_binder_free(e->b);
	bb_modules_free(e->m);
	bb_sysfs_free(e->s);
	/* The mount is now and then busy for a moment after its last user closed it (seen under
	 * a loaded full suite; other simsys harnesses detach lazily too): retry, bounded, then
	 * say who holds it and detach it lazily. */
	snprintf(cmd, sizeof(cmd),
	         "for i in $(seq 50); do fusermount3 -u '%s' 2>/dev/null && break; sleep 0.1; "
	         "done; if mountpoint -q '%s'; then fuser -vm '%s' >&2; fusermount3 -uz '%s'; "
	         "fi; rmdir '%s' && rm -rf '%s'",
	         e->mnt, e->mnt, e->mnt, e->mnt, e->mnt, e->state);
	free(e);
	return run(cmd) == 0 ? 0 : -1;
}

/* --- the machine as seen from outside the library --- */

char *sim_slurp(const struct env *e, const char *rel)
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
const char *sim_link_driver(const struct env *e, const char *addr)
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

const char *sim_override_of(const struct env *e, const char *addr)
{
	static char buf[4200];
	char rel[128], *t;

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver_override", addr);
	t = sim_slurp(e, rel);
	assert_non_null(t);
	snprintf(buf, sizeof(buf), "%s", t);
	free(t);
	return buf;
}

void sim_write(const struct env *e, const char *rel, const char *value)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", e->mnt, rel);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, value, strlen(value)), (ssize_t)strlen(value));
	close(fd);
}

void sim_control(const struct env *e, const char *cmd)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/.simsys/control", e->mnt);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	close(fd);
}

size_t sim_log_len(const struct env *e)
{
	char *t = sim_slurp(e, ".simsys/log");
	size_t n = strlen(t);
	free(t);
	return n;
}

/* Log lines written since offset FROM. */
char *sim_log_since(const struct env *e, size_t from)
{
	char *t = sim_slurp(e, ".simsys/log"), *r;

	assert_true(strlen(t) >= from);
	r = strdup(t + from);
	free(t);
	return r;
}

/* Counts log lines (since FROM) whose path ends in SUFFIX. */
int sim_writes_to(const struct env *e, size_t from, const char *suffix)
{
	char *t = sim_log_since(e, from), *save = NULL;
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
void sim_assert_only_allowed_writes(const struct env *e, size_t from)
{
	char *t = sim_log_since(e, from), *save = NULL;

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

void sim_assert_restored(const struct env *e, const struct bb_bind_result *r, const char *addr,
                         const char *driver)
{
	assert_true(r->rollback_attempted);
	assert_true(r->rollback_ok);
	assert_string_equal(r->old_driver, driver);
	assert_string_equal(r->new_driver, driver);
	assert_string_equal(sim_link_driver(e, addr), driver);
	assert_string_equal(sim_override_of(e, addr), "(null)\n");
}
